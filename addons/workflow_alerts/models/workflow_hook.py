import logging

from odoo import api, models
from odoo.tools.sql import table_exists

_logger = logging.getLogger(__name__)

PRE_KEY = "workflow_alerts"


class WorkflowHook(models.AbstractModel):
    """Event alert rules fire on the record change itself, through the suite's shared hooks."""

    _inherit = "workflow.hook"

    @api.model
    def _hook_watched(self):
        res = super()._hook_watched()
        if not table_exists(self.env.cr, "alert_rule"):
            return res
        if "alert.rule" in self.env:
            self.env["alert.rule"].flush_model(["active", "alert_type", "model_name"])
        self.env.cr.execute(
            """SELECT DISTINCT model_name FROM alert_rule
                WHERE active AND alert_type = 'event' AND model_name IS NOT NULL"""
        )
        for (model_name,) in self.env.cr.fetchall():
            res.setdefault(model_name, set()).update({"create", "write"})
        return res

    @api.model
    def _alert_event_rules(self, model_name):
        if model_name.startswith("alert."):
            return self.env["alert.rule"]
        return self.env["alert.rule"]._event_rules(model_name)

    @api.model
    def _hook_after_create(self, records):
        res = super()._hook_after_create(records)
        for rule in self._alert_event_rules(records._name):
            matched = records.sudo().filtered_domain(rule._domain())
            if matched:
                rule._trigger(
                    [{"model_name": records._name, "record_id": rid, "context": {}} for rid in matched.ids]
                )
        return res

    @api.model
    def _hook_before_write(self, records, vals):
        pre = super()._hook_before_write(records, vals)
        rules = self._alert_event_rules(records._name)
        if rules:
            pre[PRE_KEY] = {
                rule.id: set(records.sudo().filtered_domain(rule._domain()).ids) if rule._domain() else set()
                for rule in rules
            }
        return pre

    @api.model
    def _hook_after_write(self, records, vals, pre):
        res = super()._hook_after_write(records, vals, pre)
        before = (pre or {}).get(PRE_KEY)
        if before is None:
            return res
        for rule in self._alert_event_rules(records._name):
            was = before.get(rule.id, set())
            # fire when a record starts to match (any write when the condition is empty)
            now = records.sudo().filtered_domain(rule._domain())
            fired = [rid for rid in now.ids if rid not in was]
            if fired:
                rule._trigger(
                    [{"model_name": records._name, "record_id": rid, "context": {}} for rid in fired]
                )
        return res
