"""Arguments of the suite's public methods, as XML-RPC clients send them.

XML-RPC carries whatever the client wrote: ids as strings or booleans, a list
where one id is expected, a negative limit, a megabyte of comment.  Each public
method checks its arguments first with these helpers; a wrong one gets a
ValidationError naming the argument and what was expected, never a TypeError
traceback from deep inside the ORM.
"""

import json
from datetime import date

from odoo import _, fields
from odoo.exceptions import ValidationError

# size limits of what users and clients send (characters unless said otherwise)
MAX_NAME = 256
MAX_CODE = 64
MAX_COMMENT = 10000
MAX_MESSAGE = 10000
MAX_CONTEXT_BYTES = 64 * 1024
MAX_LIMIT = 10000
MAX_IDS = 10000


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _show(value):
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def as_id(value, what):
    """One positive record id (an int, not a bool or a string)."""
    if not _is_int(value) or value <= 0:
        raise ValidationError(
            _(
                "%(what)s must be the id of one record (a positive integer), not %(value)s.",
                what=what,
                value=_show(value),
            )
        )
    return value


def as_ids(values, what, single=False):
    """A list of positive ids (one int is accepted as a list of one); ``single``: exactly one."""
    if _is_int(values):
        values = [values]
    if not isinstance(values, (list, tuple)):
        raise ValidationError(
            _("%(what)s must be a list of record ids, not %(value)s.", what=what, value=_show(values))
        )
    if len(values) > MAX_IDS:
        raise ValidationError(_("%(what)s holds more than %(max)s ids.", what=what, max=MAX_IDS))
    for value in values:
        if not _is_int(value) or value <= 0:
            raise ValidationError(
                _(
                    "%(what)s must hold record ids (positive integers); %(value)s is not one.",
                    what=what,
                    value=_show(value),
                )
            )
    if single and len(values) != 1:
        raise ValidationError(
            _("%(what)s must name exactly one record; %(count)s were given.", what=what, count=len(values))
        )
    return list(values)


def check_records(records, what, single=False):
    """The ids a recordset method was called on (``execute_kw(model, method, [ids, ...])``)."""
    as_ids(list(records._ids), what, single=single)
    return records


def as_limit(value, what="limit", maximum=MAX_LIMIT):
    """A number of results: a positive integer up to ``maximum``."""
    if not _is_int(value) or not 0 < value <= maximum:
        raise ValidationError(
            _(
                "%(what)s must be a whole number between 1 and %(max)s, not %(value)s.",
                what=what,
                max=maximum,
                value=_show(value),
            )
        )
    return value


def as_text(value, what, max_len=MAX_COMMENT, required=False):
    """Text up to ``max_len`` characters; None/False/"" are "no text" unless ``required``."""
    if value in (None, False, ""):
        if required:
            raise ValidationError(_("%s is required.", what))
        return value or None
    if not isinstance(value, str):
        raise ValidationError(_("%(what)s must be text, not %(value)s.", what=what, value=_show(value)))
    check_length(value, what, max_len)
    return value


def as_date(value, what):
    """A date or date-time as text (2024-01-31 or 2024-01-31 08:00:00), or a date/datetime
    from server code; None/False: none."""
    if value in (None, False, ""):
        return None
    problem = ValidationError(
        _("%(what)s must be a date such as 2024-01-31, not %(value)s.", what=what, value=_show(value))
    )
    if isinstance(value, date):  # server code passes dates and datetimes (a datetime is a date)
        return value
    if not isinstance(value, str):
        raise problem
    try:
        fields.Datetime.to_datetime(value)
    except ValueError as exc:
        raise problem from exc
    return value


def check_length(value, what, max_len):
    """Refuse text longer than ``max_len`` characters, naming the field and the limit."""
    if value and len(value) > max_len:
        raise ValidationError(
            _(
                "%(what)s is too long: %(length)s characters, at most %(max)s are allowed.",
                what=what,
                length=len(value),
                max=max_len,
            )
        )
    return value


def as_context(value, what="context_data", max_bytes=MAX_CONTEXT_BYTES):
    """A JSON object of at most ``max_bytes`` once serialized."""
    if value in (None, False):
        return None
    if not isinstance(value, dict):
        raise ValidationError(_("%s must be a JSON object.", what))
    try:
        size = len(json.dumps(value, default=str).encode("utf-8"))
    except (TypeError, ValueError) as exc:
        raise ValidationError(_("%(what)s cannot be stored as JSON: %(err)s", what=what, err=exc)) from exc
    if size > max_bytes:
        raise ValidationError(
            _(
                "%(what)s is too large: %(size)s bytes as JSON, at most %(max)s are allowed.",
                what=what,
                size=size,
                max=max_bytes,
            )
        )
    return value


def check_sizes(records, limits):
    """Constraint helper: ``limits`` maps field names to their longest text (characters) or,
    for Json fields, their largest serialized size (bytes)."""
    for record in records:
        for fname, limit in limits.items():
            field = record._fields[fname]
            value = record[fname]
            what = _("%(field)s of %(model)s", field=field.string, model=record._description)
            if field.type == "json":
                if isinstance(value, dict):
                    as_context(value, what, limit)
            elif isinstance(value, str):
                check_length(value, what, limit)
