"""Conditions are Odoo domains.  Nothing here evaluates Python.

The specification's JSON conditions ``{"field", "operator", "value"}`` (or a
list of them, all of which must hold) are converted to domains on import.
"""

import json

from odoo import _
from odoo.exceptions import ValidationError
from odoo.osv import expression
from odoo.tools.safe_eval import const_eval

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
