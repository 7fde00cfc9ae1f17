"""Task title and description templates: ``{{ record.field.subfield }}`` placeholders, never code.

Templates are split with Odoo's own inline-template parser
(``odoo.tools.rendering_tools.parse_inline_template``, the one behind
``mail.render.mixin._render_template_inline_template``), but a placeholder is
not handed to ``safe_eval``: it must be a plain path of field names starting at
``record`` and it is resolved by reading those fields.  There are no calls,
subscripts, operators or dunder attributes to abuse, so a rule author (even a
Workflow Manager who is not an administrator) cannot run code through a
template, although tasks are rendered as the system.
"""

import re

from odoo import _, fields
from odoo.exceptions import ValidationError
from odoo.tools.rendering_tools import parse_inline_template

PATH = re.compile(r"^record((?:\.[a-z][a-z0-9_]*)*)$")
MAX_DEPTH = 4
SECRET = re.compile(r"password|secret|token|api_?key|totp|signature")


def _forbidden(field):
    return field is None or field.groups or SECRET.search(field.name)


def _placeholders(text):
    return [expr.strip() for _literal, expr in parse_inline_template(text or "") if expr]


def check_template(env, model_name, text, where):
    """Raise ValidationError unless every placeholder of ``text`` is a readable field path of ``model_name``."""
    for expr in _placeholders(text):
        match = PATH.match(expr)
        if not match:
            raise ValidationError(
                _(
                    "%(where)s: the placeholder {{ %(expr)s }} is not allowed; use a field path such as "
                    "{{ record.name }} (no calls, operators or code).",
                    where=where,
                    expr=expr,
                )
            )
        names = [n for n in match.group(1).split(".") if n]
        if len(names) > MAX_DEPTH:
            raise ValidationError(
                _("%(where)s: the placeholder {{ %(expr)s }} goes too deep.", where=where, expr=expr)
            )
        model = env[model_name]
        for name in names:
            field = model._fields.get(name)
            if _forbidden(field) or not model.check_access_rights("read", raise_exception=False):
                raise ValidationError(
                    _(
                        "%(where)s: %(model)s has no field %(field)s that a template may show.",
                        where=where,
                        model=model._name,
                        field=name,
                    )
                )
            if field.type in ("binary", "html") or (
                field.type not in ("many2one", "one2many", "many2many") and name != names[-1]
            ):
                raise ValidationError(
                    _("%(where)s: the placeholder {{ %(expr)s }} cannot be shown.", where=where, expr=expr)
                )
            if field.relational:
                model = env[field.comodel_name]


def _format(env, value, field):
    if field.relational and hasattr(value, "mapped"):
        return ", ".join(value.mapped("display_name"))
    if value is False or value is None:
        return ""
    if field.type == "datetime":
        return fields.Datetime.to_string(value)
    if field.type == "date":
        return fields.Date.to_string(value)
    if field.type == "selection":
        return dict(field._description_selection(env)).get(value, value)
    return str(value)


def render_template(record, text):
    """``text`` with each ``{{ record.path }}`` replaced by the value read on ``record`` (one record)."""
    if not text:
        return ""
    out = []
    for literal, expr in parse_inline_template(text):
        out.append(literal)
        if not expr:
            continue
        match = PATH.match(expr.strip())
        if not match:  # stored before validation, or written by SQL: never evaluated
            raise ValidationError(_("The placeholder {{ %s }} is not allowed.", expr.strip()))
        value, field = record, None
        for name in [n for n in match.group(1).split(".") if n]:
            field = value._fields.get(name)
            if _forbidden(field):
                raise ValidationError(_("The placeholder {{ %s }} is not allowed.", expr.strip()))
            if not value:
                value = False
                break
            value = value[name] if len(value) == 1 else value.mapped(name)
        if field is None:
            out.append(record.display_name)
        elif value is not False or field.type == "boolean":
            out.append(_format(record.env, value, field))
    return "".join(out)
