import json
from datetime import datetime

import pytz
from markupsafe import Markup, escape

from odoo import _, api, fields, models
from odoo.exceptions import AccessError

ACTIONS = [
    ("create", "Create"),
    ("update", "Update"),
    ("delete", "Delete"),
    ("workflow", "Workflow transition"),
    ("approval", "Approval decision"),
    ("access", "Read access"),
]


class AuditLog(models.Model):
    """One audit entry, read from the partitioned ``audit_log`` table.

    The table is created by the install hook (``migrations/``), written only
    by ``audit_log_append()`` (see ``workflow.hook``) and refuses UPDATE and
    DELETE at the database level.  Through the ORM the model is read-only for
    everybody, administrators included.
    """

    _name = "audit.log"
    _description = "Audit Log Entry"
    _auto = False
    _table = "audit_log"
    # a partitioned table (relkind 'p') is not seen by the registry's table
    # check; read it through a trivial subquery, which PostgreSQL pulls up
    # (partition pruning and indexes still apply)
    _table_query = "SELECT * FROM audit_log"
    _log_access = False
    _order = "created_at desc, id desc"
    _rec_name = "record_name"

    created_at = fields.Datetime(string="Date", readonly=True)
    model_name = fields.Char(string="Model", readonly=True)
    record_id = fields.Integer(string="Record ID", readonly=True, group_operator=False)
    record_name = fields.Char(string="Record", readonly=True)
    action_type = fields.Selection(ACTIONS, string="Action", readonly=True)
    old_values = fields.Json(readonly=True)
    new_values = fields.Json(readonly=True)
    changed_fields_text = fields.Char(
        string="Changed Fields", compute="_compute_changed_fields_text", search="_search_changed_fields_text"
    )
    user_id = fields.Many2one("res.users", readonly=True)
    user_name = fields.Char(readonly=True)
    ip_address = fields.Char(string="IP Address", readonly=True)
    user_agent = fields.Char(readonly=True)
    session_id = fields.Char(readonly=True, help="SHA-256 of the session id, never the id")
    workflow_instance_id = fields.Integer(readonly=True, group_operator=False)
    approval_request_id = fields.Integer(readonly=True, group_operator=False)
    company_id = fields.Many2one("res.company", readonly=True)
    chain_day = fields.Date(readonly=True)
    chain_slot = fields.Integer(readonly=True, group_operator=False)
    chain_seq = fields.Integer(string="Sequence", readonly=True, group_operator=False)
    row_hash_hex = fields.Char(string="Entry Hash", compute="_compute_row_hash_hex")
    diff_html = fields.Html(string="Changes", compute="_compute_diff_html", sanitize=False)

    def _fetch_query(self, query, fields):
        """``created_at`` is a ``timestamptz``: psycopg2 returns aware values, the
        ORM expects naive UTC ones (values are cached as fetched)."""
        fetched = super()._fetch_query(query, fields)
        field = self._fields["created_at"]
        if field in fields:
            cache = self.env.cache._get_field_cache(fetched, field)
            for rid in fetched._ids:
                value = cache.get(rid)
                if isinstance(value, datetime) and value.tzinfo:
                    cache[rid] = value.astimezone(pytz.utc).replace(tzinfo=None)
        return fetched

    # -- read-only through the ORM ------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):  # pylint: disable=method-required-super
        raise AccessError(_("Audit entries are written by the system only; nobody can create them by hand."))

    def write(self, vals):  # pylint: disable=method-required-super
        raise AccessError(_("Audit entries are immutable."))

    def unlink(self):  # pylint: disable=method-required-super
        raise AccessError(_("Audit entries are immutable; old partitions are removed by the retention job."))

    def copy(self, default=None):  # pylint: disable=method-required-super
        raise AccessError(_("Audit entries cannot be duplicated."))

    # -- the buffered rows of this transaction must be visible to searches --
    @api.model
    def _search(self, domain, offset=0, limit=None, order=None, access_rights_uid=None):
        self.env["workflow.hook"]._audit_flush_buffer(self.env.cr)
        return super()._search(
            domain, offset=offset, limit=limit, order=order, access_rights_uid=access_rights_uid
        )

    # -- computed ------------------------------------------------------------
    def _compute_changed_fields_text(self):
        data = {}
        if self.ids:
            self.env.cr.execute(
                "SELECT id, array_to_string(changed_fields, ', ') FROM audit_log WHERE id = ANY(%s)",
                [list(self.ids)],
            )
            data = dict(self.env.cr.fetchall())
        for entry in self:
            entry.changed_fields_text = data.get(entry.id) or False

    def _search_changed_fields_text(self, operator, value):
        if operator not in ("=", "ilike") or not isinstance(value, str):
            return [("id", "=", 0)]
        self.env.cr.execute(
            "SELECT id FROM audit_log WHERE %s = ANY(changed_fields)"
            if operator == "="
            else "SELECT id FROM audit_log WHERE array_to_string(changed_fields, ',') ILIKE %s",
            [value if operator == "=" else f"%{value}%"],
        )
        return [("id", "in", [row[0] for row in self.env.cr.fetchall()])]

    def _compute_row_hash_hex(self):
        data = {}
        if self.ids:
            self.env.cr.execute(
                "SELECT id, encode(row_hash, 'hex') FROM audit_log WHERE id = ANY(%s)", [list(self.ids)]
            )
            data = dict(self.env.cr.fetchall())
        for entry in self:
            entry.row_hash_hex = data.get(entry.id) or False

    @api.depends("old_values", "new_values")
    def _compute_diff_html(self):
        for entry in self:
            old, new = entry.old_values or {}, entry.new_values or {}
            names = list(dict.fromkeys([*old, *new]))
            if not names:
                entry.diff_html = False
                continue
            model = self.env.get(entry.model_name) if entry.model_name in self.env else None
            rows = []
            for name in names:
                label = model._fields[name].string if model is not None and name in model._fields else name
                before, after = old.get(name), new.get(name)
                css = "table-warning" if before != after else ""
                rows.append(
                    Markup("<tr class='%s'><td>%s</td><td><code>%s</code></td><td><code>%s</code></td></tr>")
                    % (css, label, _fmt(before) if name in old else "", _fmt(after) if name in new else "")
                )
            entry.diff_html = Markup(
                "<table class='table table-sm o_audit_diff'><thead><tr><th>%s</th><th>%s</th><th>%s</th></tr>"
                "</thead><tbody>%s</tbody></table>"
            ) % (_("Field"), _("Before"), _("After"), Markup("").join(rows))

    # -- actions ---------------------------------------------------------------
    def action_open_record(self):
        self.ensure_one()
        if self.model_name not in self.env or self.action_type == "delete":
            return False
        return {
            "type": "ir.actions.act_window",
            "res_model": self.model_name,
            "res_id": self.record_id,
            "view_mode": "form",
        }


def _fmt(value):
    if value is None or value is False:
        return escape("—")
    if isinstance(value, str):
        return escape(value)
    return escape(json.dumps(value, ensure_ascii=False, default=str))
