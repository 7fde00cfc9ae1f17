"""Conditions are Odoo domains.  Nothing here evaluates Python.

The specification's JSON conditions ``{"field", "operator", "value"}`` (or a
list of them, all of which must hold) are converted to domains on import.
"""

import json
import logging

import psycopg2

from odoo import _, fields
from odoo.exceptions import ValidationError
from odoo.osv import expression
from odoo.tools.safe_eval import const_eval

_logger = logging.getLogger(__name__)

JSON_OPERATORS = {
    "=": "=",
    "==": "=",
    "!=": "!=",
    "<>": "!=",
    ">": ">",
    ">=": ">=",
    "<": "<",
    "<=": "<=",
    "in": "in",
    "not in": "not in",
    "like": "like",
    "ilike": "ilike",
    "not like": "not like",
    "not ilike": "not ilike",
    "=like": "=like",
    "=ilike": "=ilike",
    "child_of": "child_of",
}


def json_condition_to_domain(condition, where="condition"):
    """Convert ``{"field","operator","value"}`` (or a list of them) to a domain list."""
    if condition in (None, "", {}, []):
        return []
    if isinstance(condition, str):
        try:
            condition = json.loads(condition)
        except ValueError as exc:
            raise ValidationError(_("%(where)s is not valid JSON: %(err)s", where=where, err=exc)) from exc
    if isinstance(condition, list) and condition and all(isinstance(c, dict) for c in condition):
        return expression.AND([json_condition_to_domain(c, where) for c in condition])
    if not isinstance(condition, dict):
        raise ValidationError(
            _('%(where)s must be an object {"field", "operator", "value"} or a list of them.', where=where)
        )
    field = condition.get("field")
    if not field or not isinstance(field, str):
        raise ValidationError(_('%(where)s has no "field".', where=where))
    operator = JSON_OPERATORS.get(str(condition.get("operator", "=")).strip().lower())
    if not operator:
        raise ValidationError(
            _("%(where)s uses the unknown operator %(op)r.", where=where, op=condition.get("operator"))
        )
    value = condition.get("value")
    if operator in ("in", "not in") and not isinstance(value, list):
        raise ValidationError(_('%(where)s: operator "%(op)s" needs a list value.', where=where, op=operator))
    return [(field, operator, value)]


def parse_domain(text, where="domain"):
    """Parse a domain stored as text (as the domain widget writes it), without eval."""
    if not text or not str(text).strip():
        return []
    try:
        domain = const_eval(str(text))
    except (ValueError, SyntaxError, NameError, TypeError) as exc:
        raise ValidationError(_("%(where)s is not a valid domain: %(err)s", where=where, err=exc)) from exc
    if not isinstance(domain, (list, tuple)):
        raise ValidationError(_("%(where)s must be a list such as [('state', '=', 'sale')].", where=where))
    for term in domain:
        if isinstance(term, str):
            if term not in ("&", "|", "!"):
                raise ValidationError(
                    _("%(where)s has an unknown operator %(term)r.", where=where, term=term)
                )
        elif not (isinstance(term, (list, tuple)) and len(term) == 3 and isinstance(term[0], str)):
            raise ValidationError(
                _(
                    "%(where)s has a malformed term %(term)r: expected (field, operator, value).",
                    where=where,
                    term=term,
                )
            )
    return list(domain)


# ----------------------------------------------------------------------
# checking a domain against a model (every model that stores a domain)
# ----------------------------------------------------------------------
_TEXT_OPERATORS = ("like", "ilike", "not like", "not ilike", "=like", "=ilike")
_ORDER_OPERATORS = ("<", ">", "<=", ">=")
_NUMERIC = ("integer", "float", "monetary")
_TEXTUAL = ("char", "text", "html", "selection")
_SCALARS = (str, int, float, bool)


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _bad_value(field, operator, value):
    """Why ``value`` cannot be compared with ``field`` by ``operator`` (None when it can)."""
    if operator in _TEXT_OPERATORS:
        return None if isinstance(value, str) else _("needs a text value")
    if operator in ("in", "not in"):
        if not isinstance(value, (list, tuple)):
            return _("needs a list value")
        values = list(value)
    elif operator in ("child_of", "parent_of"):
        if not (field.relational or field.name == "id"):
            return _("needs a relational field")
        ok = isinstance(value, (str, int, list, tuple)) and not isinstance(value, bool)
        return None if ok else _("needs an id, a list of ids or a name")
    elif isinstance(value, (list, tuple)):
        return None if field.type in ("one2many", "many2many") else _("needs a single value, not a list")
    else:
        values = [value]
    for item in values:
        if item is None or isinstance(item, bool) and item is False:
            continue  # False / None: "is not set"
        if not isinstance(item, _SCALARS):
            return _("has a value of type %s", type(item).__name__)
        if (
            field.type in _NUMERIC
            or field.name == "id"
            or (field.relational and operator in _ORDER_OPERATORS)
        ):
            if not _is_number(item):
                return _("needs a number")
        elif field.type in ("date", "datetime"):
            if not isinstance(item, str):
                return _("needs a date such as 2024-01-31")
            try:
                fields.Datetime.to_datetime(item)
            except ValueError:
                return _("needs a date such as 2024-01-31, not %r", item)
        elif field.type in _TEXTUAL and operator in _ORDER_OPERATORS and not isinstance(item, str):
            return _("needs a text value")
        elif field.type == "boolean" and not isinstance(item, (bool, int)):
            return _("needs true or false")
    return None


def _check_terms(model, domain, where):
    for term in domain:
        if isinstance(term, str):
            continue
        path, operator, value = term
        if operator not in expression.TERM_OPERATORS:
            raise ValidationError(
                _(
                    "%(where)s cannot be used: unknown operator %(op)r in %(term)s.",
                    where=where,
                    op=operator,
                    term=term,
                )
            )
        current, field = model, None
        parts = path.split(".")
        for i, fname in enumerate(parts):
            if field is not None:
                if not field.relational:
                    raise ValidationError(
                        _(
                            "%(where)s cannot be used: %(field)s is not a relation, %(path)s cannot go through it.",
                            where=where,
                            field=field.name,
                            path=path,
                        )
                    )
                current = model.env[field.comodel_name]
            field = current._fields.get(fname)
            if field is None:
                raise ValidationError(
                    _(
                        "%(where)s cannot be used: %(model)s has no field %(field)s (in %(term)s).",
                        where=where,
                        model=current._description or current._name,
                        field=".".join(parts[: i + 1]),
                        term=term,
                    )
                )
        if operator in ("any", "not any"):
            if not field.relational:
                raise ValidationError(
                    _(
                        "%(where)s cannot be used: %(op)s needs a relational field (in %(term)s).",
                        where=where,
                        op=operator,
                        term=term,
                    )
                )
            if not isinstance(value, (list, tuple)):
                raise ValidationError(
                    _(
                        "%(where)s cannot be used: %(op)s needs a domain as value (in %(term)s).",
                        where=where,
                        op=operator,
                        term=term,
                    )
                )
            _check_terms(model.env[field.comodel_name], parse_domain(str(list(value)), where), where)
            continue
        problem = _bad_value(field, operator, value)
        if problem:
            raise ValidationError(
                _(
                    "%(where)s cannot be used: the condition on %(field)s %(problem)s (in %(term)s).",
                    where=where,
                    field=path,
                    problem=problem,
                    term=term,
                )
            )


def check_domain(model, domain, where="domain"):
    """Check a domain (text or list) against ``model`` and return it as a list.

    Every field path must exist, operators must be known and values of a type the
    field can be compared with; then the domain is run once by the database
    (``search(limit=1)``) and once in Python (``filtered_domain``, as the hooks
    evaluate it on every create/write), inside a savepoint, so that a domain
    either of them would refuse later is refused now.  Raises a ValidationError
    naming ``where`` and the wrong part.
    """
    if isinstance(domain, (list, tuple)):
        domain = parse_domain(str(list(domain)), where)
    else:
        domain = parse_domain(domain, where)
    if not domain:
        return domain
    model = model.sudo().with_context(active_test=False)
    _check_terms(model, domain, where)
    try:
        with model.env.cr.savepoint():
            found = model.search(domain, limit=1, order="id")
            sample = found or model.search([], limit=1, order="id")
            sample.filtered_domain(domain)
    except (ValueError, KeyError, TypeError, AttributeError, IndexError, psycopg2.Error) as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValidationError(_("%(where)s cannot be used: %(err)s", where=where, err=message)) from exc
    return domain


def filter_records(records, domain, what, logger=None):
    """``records.filtered_domain(domain)`` for the hooks run on every create/write.

    ``domain`` is a list or a callable returning one.  A domain that no longer
    works (a field removed by a module uninstall) is logged and ``None`` is
    returned: the caller skips that rule and the user's save goes on (logged on ``logger``,
    the caller's own logger when given).
    """
    try:
        if callable(domain):
            domain = domain()
        return records.filtered_domain(domain)
    except (ValidationError, ValueError, KeyError, TypeError, AttributeError) as exc:
        (logger or _logger).warning("%s cannot be evaluated and is skipped: %s", what, exc)
        return None
