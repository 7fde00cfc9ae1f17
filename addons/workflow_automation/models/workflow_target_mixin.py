from collections import defaultdict

from odoo import api, fields, models


class WorkflowTargetMixin(models.AbstractModel):
    """A record of the suite that points at a business record of any model (model name + id)."""

    _name = "workflow.target.mixin"
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
        return self.env[self.model_name].sudo().browse(self.record_id).exists()

    def _get_records(self):
        """{pointer id: its target record (sudo)} for the pointers whose record still exists;
        one query per model for the whole recordset."""
        ids_by_model = defaultdict(set)
        for rec in self:
            if rec.model_name and rec.record_id:
                ids_by_model[rec.model_name].add(rec.record_id)
        alive = {
            model_name: set(self.env[model_name].sudo().browse(ids).exists().ids)
            for model_name, ids in ids_by_model.items()
            if model_name in self.env
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
