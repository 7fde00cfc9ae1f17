from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import MissingError


def readable_documents(env, pairs, uid=None):
    """``{model: set(ids)}`` -> ``{model: set(ids the user may read)}`` (documents of unknown models: none)."""
    allowed = {}
    for model_name, ids in pairs.items():
        if model_name not in env or not ids:
            allowed[model_name] = set()
            continue
        records = env[model_name].with_user(uid or env.uid).with_context(active_test=False).browse(ids)
        if records.check_access_rights("read", raise_exception=False):
            allowed[model_name] = set(_filter_readable(records)._ids)
        else:
            allowed[model_name] = set()
    return allowed


def _filter_readable(records):
    """``records`` the user may read by the record rules.

    One document (a form, a transition): its rules are evaluated on its row, read into the
    cache, as ``check_access_rule`` does, so the write check and the engine that come next find
    it there; several: one SQL query for all, without reading their rows.
    """
    if len(records) == 1:
        try:
            return records._filter_access_rules_python("read")
        except MissingError:
            return records.browse()  # deleted: nobody reads it
    return records._filter_access_rules("read")


def _read_in_this_transaction(record):
    """True when a column of ``record`` is in the cache: the row was read (or written) in this
    transaction, whose snapshot then shows it as ``exists()`` would (the cache is emptied at every
    commit and rollback, and ``unlink`` drops the record from it)."""
    cache = record.env.cache
    return any(
        field.store and field.column_type and cache.contains(record, field)
        for field in record._fields.values()
    )


def _readable_parents(parent_model, ids, uid=None):
    """Ids among ``ids`` of ``parent_model`` that the user reads (its access rights, rules and document)."""
    parents = parent_model.with_user(uid or parent_model.env.uid).browse(ids)
    if not parents or not parents.check_access_rights("read", raise_exception=False):
        return set()
    return set(parents._filter_access_rules("read")._ids)


class WorkflowVisibleRowsMixin(models.AbstractModel):
    """Rows a user sees only when, beyond their own access rules, one further check lets them.

    ``_search``, ``_filter_access_rules`` and ``_filter_access_rules_python`` all leave out the
    rows ``_workflow_visible_ids`` does not name, for every user but the superuser. A model
    says which of its columns the check needs (``_workflow_visibility_fields``) and, given
    rows ``(id, *those columns)``, which ids user ``uid`` may see (``_workflow_visible_ids``).
    """

    _name = "workflow.visible.rows.mixin"
    _description = "Rows Seen Only Through a Further Check"

    def _workflow_visibility_fields(self):
        """The columns ``_workflow_visible_ids`` reads, in its rows' order after the id."""
        raise NotImplementedError

    def _workflow_visible_ids(self, rows, uid):
        """The ids among ``rows`` (tuples ``(id, *_workflow_visibility_fields())``, a column
        without value as False or None) that user ``uid`` may see."""
        raise NotImplementedError

    def _workflow_visible_filter(self):
        real = self.browse([i for i in self._ids if isinstance(i, int)])
        if not real:
            return self
        fnames = self._workflow_visibility_fields()
        rows = [(row["id"], *(row[f] for f in fnames)) for row in real.sudo().read(fnames, load=False)]
        ok = real._workflow_visible_ids(rows, self.env.uid)
        return self.browse([i for i in self._ids if i in ok or not isinstance(i, int)])

    def _filter_access_rules(self, operation):
        valid = super()._filter_access_rules(operation)
        if self.env.su:
            return valid
        return valid._workflow_visible_filter()

    def _filter_access_rules_python(self, operation):
        valid = super()._filter_access_rules_python(operation)
        if self.env.su:
            return valid
        return valid._workflow_visible_filter()

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None, access_rights_uid=None):
        """Leave out the rows the user may not see (as ``mail.activity`` does for documents)."""
        query = super()._search(domain, offset, limit, order, access_rights_uid)
        if self.env.su and not access_rights_uid:
            return query
        uid = access_rights_uid or self.env.uid
        fnames = self._workflow_visibility_fields()
        self.flush_model(fnames)
        query_str, params = query.select(
            f'"{self._table}"."id"', *(f'"{self._table}"."{fname}"' for fname in fnames)
        )
        self.env.cr.execute(query_str, params)
        rows = self.env.cr.fetchall()
        ok = self._workflow_visible_ids(rows, uid)
        return self.browse(row[0] for row in rows if row[0] in ok)._as_query()


class WorkflowTargetMixin(models.AbstractModel):
    """A record of the suite that points at a business record of any model (model name + id).

    Its access follows the document, like ``mail.activity`` and ``mail.message``:
    besides its own access rules, a user reads such a record only when they may
    read the document it points at (``workflow.visible.rows.mixin``, with the check
    ``_workflow_visible_ids`` below). ``_workflow_visible_anyway`` names
    the records a user sees without reading the document (an approver sees the
    request they are asked to decide). Models that belong to such a record
    (history lines, assignments) follow it through ``workflow.target.follower.mixin``.
    """

    _name = "workflow.target.mixin"
    _inherit = "workflow.visible.rows.mixin"
    _description = "Points at a Business Record"

    model_name = fields.Char(required=True, index=True, string="Model")
    record_id = fields.Integer(required=True, index=True, string="Record ID")
    record_name = fields.Char()
    record_ref = fields.Reference(
        selection="_selection_target_model", compute="_compute_record_ref", string="Record"
    )

    @api.model
    def _selection_target_model(self):
        return [(model.model, model.name) for model in self.env["ir.model"].sudo().search([])]

    @api.depends("model_name", "record_id")
    @api.depends_context("uid")
    def _compute_record_ref(self):
        """The record as a link, when it exists and the current user may read it (a link the
        user cannot open would make the whole form fail to load); one query per model."""
        readable = defaultdict(set)
        for model_name, ids in self._target_ids_by_model().items():
            Model = self.env[model_name]
            if Model.check_access_rights("read", raise_exception=False):
                readable[model_name] = set(Model.browse(ids).exists()._filter_access_rules("read").ids)
        for rec in self:
            valid = rec.record_id in readable.get(rec.model_name, ())
            rec.record_ref = f"{rec.model_name},{rec.record_id}" if valid else False

    def _target_ids_by_model(self):
        ids_by_model = defaultdict(set)
        for rec in self:
            if rec.model_name and rec.record_id and rec.model_name in self.env:
                ids_by_model[rec.model_name].add(rec.record_id)
        return {model_name: list(ids) for model_name, ids in ids_by_model.items()}

    def _get_record(self):
        """The target record (sudo), or None when its model is gone; empty when it was deleted."""
        self.ensure_one()
        if self.model_name not in self.env:
            return None
        record = self.env[self.model_name].sudo().browse(self.record_id)
        return record if _read_in_this_transaction(record) else record.exists()

    def _get_records(self):
        """{pointer id: its target record (sudo)} for the pointers whose record still exists;
        one query per model for the whole recordset."""
        alive = {
            model_name: set(self.env[model_name].sudo().browse(ids).exists().ids)
            for model_name, ids in self._target_ids_by_model().items()
        }
        return {
            rec.id: self.env[rec.model_name].sudo().browse(rec.record_id)
            for rec in self
            if rec.record_id in alive.get(rec.model_name, ())
        }

    def action_open_record(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.model_name,
            "res_id": self.record_id,
            "view_mode": "form",
            "target": "current",
        }

    # ------------------------------------------------------------------
    # access follows the document
    # ------------------------------------------------------------------
    def _workflow_visible_anyway(self, uid):
        """Ids among ``self`` that user ``uid`` sees without reading their document (extension point)."""
        return set()

    def _workflow_visibility_fields(self):
        return ("model_name", "record_id")

    def _workflow_visible_ids(self, rows, uid):
        """The rows whose document user ``uid`` may read, and those they see anyway."""
        pairs = defaultdict(set)
        for _id, model_name, record_id in rows:
            if model_name:
                pairs[model_name].add(record_id)
        allowed = readable_documents(self.env, pairs, uid)
        anyway = self.browse([row[0] for row in rows])._workflow_visible_anyway(uid)
        return {
            id_
            for id_, model_name, record_id in rows
            if not model_name  # about no document (an alert on a count): its own rules decide
            or record_id in allowed.get(model_name, ())
            or id_ in anyway
        }


class WorkflowTargetFollowerMixin(models.AbstractModel):
    """A record that belongs to a ``workflow.target.mixin`` record and is read only with it.

    ``_workflow_follow_field`` names the many2one to that record (history lines
    follow their instance, assignments their approval request).
    """

    _name = "workflow.target.follower.mixin"
    _inherit = "workflow.visible.rows.mixin"
    _description = "Belongs to a Record Pointing at a Business Record"
    _workflow_follow_field = None

    def _workflow_visibility_fields(self):
        return (self._workflow_follow_field,)

    def _workflow_visible_ids(self, rows, uid):
        """The rows whose parent record user ``uid`` reads."""
        parent_model = self.env[self._fields[self._workflow_follow_field].comodel_name]
        visible = _readable_parents(parent_model, {parent_id for _id, parent_id in rows if parent_id}, uid)
        return {id_ for id_, parent_id in rows if parent_id in visible}
