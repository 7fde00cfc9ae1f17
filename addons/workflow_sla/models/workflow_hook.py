from odoo import api, models
from odoo.tools import sql


class WorkflowHook(models.AbstractModel):
    """Drive SLA trackings from the records of every model an SLA definition targets."""

    _inherit = "workflow.hook"

    @api.model
    def _hook_watched(self):
        res = super()._hook_watched()
        if not sql.table_exists(self.env.cr, "sla_definition"):  # a failed query would abort the transaction
            return res
        self.env["sla.definition"].flush_model(["model_name", "active"])
        self.env.cr.execute(
            "SELECT DISTINCT model_name FROM sla_definition WHERE active AND model_name IS NOT NULL"
        )
        for (model_name,) in self.env.cr.fetchall():
            res.setdefault(model_name, set()).update({"create", "write", "unlink"})
        return res

    @api.model
    def _sla_definitions(self, model_name):
        if model_name.startswith("sla.") or "sla.definition" not in self.env:
            return self.env["sla.definition"] if "sla.definition" in self.env else None
        return self.env["sla.definition"]._for_model(model_name)

    @api.model
    def _hook_after_create(self, records):
        res = super()._hook_after_create(records)
        if records and self._sla_definitions(records._name):
            self.env["sla.tracking"]._sla_sync(records)
        return res

    @api.model
    def _hook_after_write(self, records, vals, pre):
        res = super()._hook_after_write(records, vals, pre)
        definitions = records and self._sla_definitions(records._name)
        if definitions and set(vals) & definitions._watched_fields():
            self.env["sla.tracking"]._sla_sync(records)
        return res

    @api.model
    def _hook_after_unlink(self, model_name, ids, pre):
        res = super()._hook_after_unlink(model_name, ids, pre)
        if ids and self._sla_definitions(model_name):
            self.env["sla.tracking"]._sla_records_deleted(model_name, ids)
        return res
