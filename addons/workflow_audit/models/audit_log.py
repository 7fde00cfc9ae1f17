import json
from collections import defaultdict
from datetime import date, datetime

import pytz
from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import format_date, format_datetime, formatLang, html2plaintext

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
    # the model's ir.model row is joined for display (label, search and group by
    # label); ir_model.model is unique, so the join adds no row
    _table_query = (
        "SELECT audit_log.*, ir_model.id AS model_id FROM audit_log "
        "LEFT JOIN ir_model ON ir_model.model = audit_log.model_name"
    )
    _log_access = False
    _order = "created_at desc, id desc"
    _rec_name = "record_name"

    created_at = fields.Datetime(string="Date", readonly=True)
    model_name = fields.Char(string="Technical Model Name", readonly=True)
    model_id = fields.Many2one("ir.model", readonly=True)
    record_id = fields.Integer(string="Record ID", readonly=True, group_operator=False)
    record_name = fields.Char(
        string="Name When Logged", readonly=True, help="The record's name at the time of the entry."
    )
    action_type = fields.Selection(ACTIONS, string="Action", readonly=True)
    old_values = fields.Json(readonly=True)
    new_values = fields.Json(readonly=True)
    changed_fields_text = fields.Char(
        string="Changed Fields", compute="_compute_changed_fields_text", search="_search_changed_fields_text"
    )
    user_id = fields.Many2one("res.users", readonly=True)
    user_name = fields.Char(string="User Name When Logged", readonly=True)
    user_display = fields.Char(
        string="User",
        compute="_compute_user_display",
        help="Who did it: the user's name, or the name logged with the entry when the user is gone.",
    )
    ip_address = fields.Char(string="IP Address", readonly=True)
    user_agent = fields.Char(readonly=True)
    session_id = fields.Char(readonly=True, help="SHA-256 of the session id, never the id")
    workflow_instance_id = fields.Integer(string="Workflow Instance ID", readonly=True, group_operator=False)
    approval_request_id = fields.Integer(string="Approval Request ID", readonly=True, group_operator=False)
    company_id = fields.Many2one("res.company", readonly=True)
    chain_day = fields.Date(readonly=True)
    chain_slot = fields.Integer(string="Chain", readonly=True, group_operator=False)
    chain_seq = fields.Integer(string="Sequence", readonly=True, group_operator=False)
    row_hash_hex = fields.Char(string="Entry Hash", compute="_compute_row_hash_hex")
    diff_html = fields.Html(string="Changes", compute="_compute_diff_html", sanitize=False)
    # -- readable display, computed with the viewer's rights (see _audit_record_names)
    model_label = fields.Char(compute="_compute_targets")
    record_display = fields.Char(string="Record", compute="_compute_targets")
    record_ref = fields.Reference(
        selection="_selection_target_model", string="Open Record", compute="_compute_targets"
    )
    workflow_instance_display = fields.Char(string="Workflow", compute="_compute_targets")
    workflow_instance_ref = fields.Reference(
        selection="_selection_target_model", string="Workflow Instance", compute="_compute_targets"
    )
    approval_request_display = fields.Char(string="Approval Request", compute="_compute_targets")
    approval_request_ref = fields.Reference(
        selection="_selection_target_model", string="Approval", compute="_compute_targets"
    )

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
    def _changed_field_names(self):
        """``{entry id: [field name, ...]}`` from the ``changed_fields`` array (not an ORM field)."""
        if not self.ids:
            return {}
        self.env.cr.execute(
            "SELECT id, changed_fields FROM audit_log WHERE id = ANY(%s)",
            [list(self.ids)],
        )
        return {rid: names or [] for rid, names in self.env.cr.fetchall()}

    @api.depends_context("uid", "lang")
    def _compute_changed_fields_text(self):
        changed = self._changed_field_names()
        names_by_model = defaultdict(set)
        for entry in self:
            names_by_model[entry.model_name].update(changed.get(entry.id, ()))
        infos = {model: self._audit_field_infos(model, names) for model, names in names_by_model.items()}
        workflow_infos = self._audit_workflow_infos()
        for entry in self:
            info = workflow_infos if entry.action_type == "workflow" else infos.get(entry.model_name, {})
            labels = [info[name]["label"] if name in info else name for name in changed.get(entry.id, ())]
            entry.changed_fields_text = ", ".join(labels) or False

    def _search_changed_fields_text(self, operator, value):
        """By technical name or by label (in the user's language) of a changed field."""
        if operator not in ("=", "ilike") or not isinstance(value, str):
            return [("id", "=", 0)]
        by_model = defaultdict(list)
        for field in (
            self.env["ir.model.fields"]
            .sudo()
            .search_read([("field_description", operator, value)], ["model", "name"])
        ):
            by_model[field["model"]].append(field["name"])
        self.env.cr.execute(
            """SELECT id FROM audit_log
                WHERE (CASE WHEN %(exact)s THEN %(value)s = ANY(changed_fields)
                            ELSE array_to_string(changed_fields, ',') ILIKE %(pattern)s END)
                   OR changed_fields && ARRAY(SELECT jsonb_array_elements_text(%(labels)s::jsonb -> model_name))""",
            {
                "exact": operator == "=",
                "value": value,
                "pattern": f"%{value}%",
                "labels": json.dumps(by_model),
            },
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
    @api.depends_context("uid", "lang", "allowed_company_ids")
    def _compute_diff_html(self):
        changes = self._audit_changes()
        for entry in self:
            lines = changes.get(entry.id)
            if not lines:
                entry.diff_html = False
                continue
            rows = [
                Markup(
                    "<tr><td class='o_audit_field fw-bold'>%s</td><td class='o_audit_old text-muted'>%s</td>"
                    "<td class='o_audit_arrow text-muted'>&#8594;</td><td class='o_audit_new'>%s</td></tr>"
                )
                % (line["label"], line["old"], line["new"])
                for line in lines
            ]
            entry.diff_html = Markup(
                "<table class='table table-sm o_audit_diff'><thead><tr><th style='width: 25%%'>%s</th>"
                "<th style='width: 35%%'>%s</th><th style='width: 5%%'></th><th style='width: 35%%'>%s</th></tr>"
                "</thead><tbody>%s</tbody></table>"
            ) % (_("Field"), _("Before"), _("After"), Markup("").join(rows))

    @api.model
    def _selection_target_model(self):
        return [(model.model, model.name) for model in self.env["ir.model"].sudo().search([])]

    @api.depends_context("uid", "lang", "allowed_company_ids")
    def _compute_targets(self):
        """Model label, and the record, workflow instance and approval request of
        each entry by their names read with the viewer's rights."""
        labels = self._audit_model_labels({entry.model_name for entry in self})
        by_model = defaultdict(dict)
        for entry in self:
            by_model[entry.model_name].setdefault(entry.record_id, entry.record_name)
        records = {
            model: self._audit_record_names(model, list(logged), logged=logged)
            for model, logged in by_model.items()
        }
        instances = self._audit_record_names(
            "workflow.instance", [entry.workflow_instance_id for entry in self]
        )
        approvals = self._audit_record_names(
            "approval.request", [entry.approval_request_id for entry in self]
        )
        for entry in self:
            entry.model_label = labels.get(entry.model_name) or entry.model_name
            name, record = records[entry.model_name].get(entry.record_id, (False, None))
            entry.record_display = name
            entry.record_ref = record or False
            name, record = instances.get(entry.workflow_instance_id, (False, None))
            entry.workflow_instance_display = name
            entry.workflow_instance_ref = record or False
            name, record = approvals.get(entry.approval_request_id, (False, None))
            entry.approval_request_display = name
            entry.approval_request_ref = record or False

    # -- readable values: one formatter for the form, the CSV and the PDF --------
    @api.model
    def _audit_model_labels(self, model_names):
        """``{model: label}`` from ir.model, in the user's language."""
        names = [name for name in model_names if name]
        if not names:
            return {}
        return {
            model["model"]: model["name"]
            for model in self.env["ir.model"].sudo().search_read([("model", "in", names)], ["model", "name"])
        }

    @api.model
    def _audit_record_names(self, model_name, ids, logged=None):
        """``{id: (name, record or None)}`` read with the viewer's rights.

        A record the viewer may read: its display name and the record.  One that
        no longer exists: its last name in the audit log, "(deleted)".  One the
        viewer may not read: "(no access)", and nothing of it is read.
        ``logged`` gives names already known from the log (``{id: name}``).
        """
        ids = list({rid for rid in ids if isinstance(rid, int) and not isinstance(rid, bool) and rid > 0})
        if not ids or not model_name:
            return {}
        result = {}
        if model_name in self.env:
            Model = self.env[model_name].with_context(active_test=False)
            # existence only: nothing of the records is read as superuser
            existing = set(Model.sudo().browse(ids).exists().ids)
            readable = Model.browse()
            if Model.check_access_rights("read", raise_exception=False):
                readable = Model.browse([rid for rid in ids if rid in existing])._filter_access_rules("read")
            try:
                names = dict(zip(readable.ids, readable.mapped("display_name"), strict=True))
            except AccessError:  # a name built from records the viewer may not read
                names = {}
                for record in readable:
                    try:
                        names[record.id] = record.display_name
                    except AccessError:
                        continue
            for rid in names:
                result[rid] = (
                    names[rid] or _("%(model)s #%(id)s", model=model_name, id=rid),
                    Model.browse(rid),
                )
            for rid in existing - set(names):
                result[rid] = (_("(no access)"), None)
        missing = [rid for rid in ids if rid not in result]
        if missing:
            logged = dict(logged or {})
            unknown = [rid for rid in missing if not logged.get(rid)]
            if unknown and "audit.log" in self.env:
                for row in self.env["audit.log"].search_read(
                    [
                        ("model_name", "=", model_name),
                        ("record_id", "in", unknown),
                        ("record_name", "!=", False),
                    ],
                    ["record_id", "record_name"],
                    order="created_at desc, id desc",
                ):
                    logged.setdefault(row["record_id"], row["record_name"])
            for rid in missing:
                name = logged.get(rid)
                result[rid] = (_("%s (deleted)", name) if name else _("(deleted)"), None)
        return result

    @api.model
    def _audit_workflow_infos(self):
        """Labels of the keys of a workflow transition entry (not fields of its record)."""
        action_types = {}
        if "workflow.history" in self.env:
            field = self.env["workflow.history"]._fields["action_type"]
            action_types = dict(field._description_selection(self.env))
        return {
            "state": {"label": _("Workflow Stage"), "type": "char", "sequence": 0},
            "transition": {"label": _("Transition"), "type": "char", "sequence": 1},
            "action_type": {
                "label": _("Performed As"),
                "type": "selection",
                "selection": action_types,
                "sequence": 2,
            },
            "comment": {"label": _("Comment"), "type": "text", "sequence": 3},
        }

    @api.model
    def _audit_field_infos(self, model_name, names, workflow=False):
        """``{name: {"label", "type", "selection", "comodel", "digits"}}`` for the
        fields of ``model_name``: from the registry when the model is loaded,
        else from ir.model.fields; a key that is no field keeps a readable form."""
        if workflow:
            return self._audit_workflow_infos()
        infos = {}
        fields_map = self.env[model_name]._fields if model_name in self.env else {}
        order = {name: index for index, name in enumerate(fields_map)}
        for name in names:
            field = fields_map.get(name)
            if field is None:
                continue
            info = {"label": field._description_string(self.env), "type": field.type, "sequence": order[name]}
            if field.type in ("selection", "reference"):
                info["selection"] = dict(field._description_selection(self.env))
            if field.relational:
                info["comodel"] = field.comodel_name
            if field.type == "float":
                info["digits"] = field.get_digits(self.env)
            infos[name] = info
        rest = [name for name in names if name not in infos]
        if rest:
            for field in (
                self.env["ir.model.fields"].sudo().search([("model", "=", model_name), ("name", "in", rest)])
            ):
                infos[field.name] = {
                    "label": field.field_description,
                    "type": field.ttype,
                    "selection": {sel.value: sel.name for sel in field.selection_ids},
                    "comodel": field.relation or None,
                }
        for name in names:
            infos.setdefault(name, {"label": name.replace("_", " ").strip().capitalize(), "type": None})
        return infos

    def _audit_changes(self):
        """``{entry id: [{"field", "label", "old", "new"}]}``: each changed field by
        its label, its values as a user reads them (selection labels, record names
        read with the viewer's rights, Yes/No, dates in the user's language and
        time zone, "" for none).  Batched: one query per model for the labels and
        one per related model for the names, whatever the number of entries."""
        keys = defaultdict(set)
        for entry in self:
            keys[entry.model_name, entry.action_type == "workflow"].update(entry.old_values or {})
            keys[entry.model_name, entry.action_type == "workflow"].update(entry.new_values or {})
        infos = {
            key: self._audit_field_infos(key[0], names, workflow=key[1])
            for key, names in keys.items()
            if names
        }
        # every record referenced by a value, by related model, then their names at once
        wanted = defaultdict(set)
        for entry in self:
            info = infos.get((entry.model_name, entry.action_type == "workflow"), {})
            for values in (entry.old_values or {}, entry.new_values or {}):
                for name, value in values.items():
                    for model, rid in _references(info.get(name), value):
                        wanted[model].add(rid)
        names = {model: self._audit_record_names(model, list(ids)) for model, ids in wanted.items()}
        result = {}
        for entry in self:
            info = infos.get((entry.model_name, entry.action_type == "workflow"), {})
            old, new = entry.old_values or {}, entry.new_values or {}
            if not isinstance(old, dict) or not isinstance(new, dict):
                continue
            lines = []
            # in the order of the model's fields (as its form shows them, mostly)
            for name in sorted(
                dict.fromkeys([*old, *new]), key=lambda n: (info.get(n, {}).get("sequence", 10**6), n)
            ):
                field = info.get(name) or {"label": name, "type": None}
                lines.append(
                    {
                        "field": name,
                        "label": field["label"],
                        "old": self._audit_value_text(field, old.get(name), names) if name in old else "",
                        "new": self._audit_value_text(field, new.get(name), names) if name in new else "",
                    }
                )
            result[entry.id] = lines
        return result

    @api.model
    def _audit_value_text(self, field, value, names):
        """One logged value as text (see ``_audit_changes``)."""
        ftype = field.get("type")
        if ftype == "boolean":
            return _("Yes") if value else _("No")
        if value is None or value is False or value == "" or value == []:
            return ""
        if ftype == "selection":
            return field.get("selection", {}).get(value, str(value))
        refs = _references(field, value)
        if refs:
            return ", ".join(names.get(model, {}).get(rid, (_("(deleted)"),))[0] for model, rid in refs)
        if ftype == "date" and isinstance(value, str):
            try:
                return format_date(self.env, date.fromisoformat(value[:10]))
            except ValueError:
                return value
        if ftype == "datetime" and isinstance(value, str):
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                return value
            if moment.tzinfo:
                moment = moment.astimezone(pytz.utc).replace(tzinfo=None)
            return format_datetime(self.env, moment, dt_format=False)
        if ftype == "monetary" and isinstance(value, int | float):
            return formatLang(self.env, value)
        if ftype == "float" and isinstance(value, int | float):
            digits = field.get("digits")
            if digits:
                return formatLang(self.env, value, digits=digits[1])
            text = repr(float(value))
            decimals = len(text.partition(".")[2]) if "e" not in text else 6
            return formatLang(self.env, value, digits=decimals)
        if ftype == "html" and isinstance(value, str):
            return html2plaintext(value)
        if isinstance(value, dict | list):
            return json.dumps(value, ensure_ascii=False, default=str)
        return str(value)

    # -- actions ---------------------------------------------------------------
    def action_open_record(self):
        self.ensure_one()
        record = self.record_ref
        if not record:
            return False
        return {
            "type": "ir.actions.act_window",
            "res_model": record._name,
            "res_id": record.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    # -- integrity check, as the auditor reads it -----------------------------
    @api.model
    def _audit_problem_text(self, problem):
        """A problem found by ``audit.chain.verify()`` in words: which entry
        (action, model, record, user, date) and where it sits in its chain."""
        entry = self.browse(problem.get("id") or []).exists()
        where = ""
        if problem.get("day"):
            where = _(
                "chain of %(day)s no. %(slot)s, position %(seq)s",
                day=format_date(self.env, date.fromisoformat(str(problem["day"])[:10])),
                slot=problem.get("slot"),
                seq=problem.get("seq") or "-",
            )
        if not entry:
            return (
                _("%(where)s: %(reason)s", where=where, reason=problem.get("reason"))
                if where
                else problem.get("reason")
            )
        what = _(
            "%(action)s of %(model)s “%(record)s” by %(user)s on %(date)s",
            action=dict(self._fields["action_type"]._description_selection(self.env)).get(
                entry.action_type, ""
            ),
            model=entry.model_label,
            record=entry.record_display or entry.record_name or "",
            user=entry.user_display or "",
            date=format_datetime(self.env, entry.created_at, dt_format=False),
        )
        return _("%(what)s (%(where)s): %(reason)s", what=what, where=where, reason=problem.get("reason"))

    def _compute_user_display(self):
        # the log outlives users: a deleted one (no foreign key on a partitioned log) keeps its logged name
        alive = set(
            self.env["res.users"].sudo().browse({e.user_id.id for e in self if e.user_id}).exists().ids
        )
        for entry in self:
            if entry.user_id.id in alive:
                entry.user_display = entry.user_id.sudo().name
            elif entry.user_name:
                entry.user_display = _("%s (deleted)", entry.user_name) if entry.user_id else entry.user_name
            else:
                entry.user_display = False

    @api.model
    def action_verify_integrity(self):
        """Menu *Verify Integrity*: ``audit.chain.verify()`` told in words."""
        result = self.env["audit.chain"].verify()
        params = {"title": _("Audit Trail Integrity"), "type": "success", "sticky": False}
        if result["ok"]:
            params["message"] = _(
                "Intact: %(rows)s entries in %(chains)s hash chains verified against %(ckpt)s signed checkpoints.",
                rows=result["rows"],
                chains=result["chains"],
                ckpt=result["checkpoints"],
            )
        else:
            first = result["first_broken"]
            params.update(
                type="danger",
                sticky=True,
                message=_(
                    "The audit trail was ALTERED: %(count)s problem(s). First broken entry: %(first)s.",
                    count=len(result["problems"]),
                    first=self._audit_problem_text(first),
                ),
            )
            if first.get("id") and self.browse(first["id"]).exists():
                # the client puts the link where "%s" is: none may come from the data
                params["message"] = params["message"].replace("%s", "%\u200bs") + " %s"
                params["links"] = [
                    {
                        "label": _("Open the entry"),
                        "url": f"/web#model={self._name}&id={first['id']}&view_type=form",
                    }
                ]
        return {"type": "ir.actions.client", "tag": "display_notification", "params": params}


def _references(field, value):
    """``[(model, id)]`` of the records a logged value points to."""
    if not field or value in (None, False, "", []):
        return []
    ftype = field.get("type")
    comodel = field.get("comodel")
    if ftype == "many2one" and comodel and isinstance(value, int) and not isinstance(value, bool):
        return [(comodel, value)]
    if ftype == "many2many" and comodel and isinstance(value, list):
        return [(comodel, rid) for rid in value if isinstance(rid, int) and not isinstance(rid, bool)]
    if ftype == "reference" and isinstance(value, str) and "," in value:
        model, _sep, rid = value.partition(",")
        if rid.strip().isdigit():
            return [(model.strip(), int(rid))]
    return []
