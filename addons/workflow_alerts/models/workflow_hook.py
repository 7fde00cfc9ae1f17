import logging

from odoo import api, models
from odoo.tools.sql import table_exists

from odoo.addons.workflow_automation.tools.conditions import filter_records

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
    def _alert_matching(self, rule, records):
        """Records matching the rule's condition; a broken rule is logged, never blocks the user."""
        return filter_records(records.sudo(), rule._domain, "event alert rule %s" % rule.code, _logger)

    @api.model
    def _alert_fire(self, rule, model_name, record_ids):
        if record_ids:
            rule._trigger([{"model_name": model_name, "record_id": rid, "context": {}} for rid in record_ids])

    @api.model
    def _hook_after_create(self, records):
        res = super()._hook_after_create(records)
        for rule in self._alert_event_rules(records._name):
            matched = self._alert_matching(rule, records)
            if matched:
                self._alert_fire(rule, records._name, matched.ids)
        return res

    @api.model
    def _hook_before_write(self, records, vals):
        pre = super()._hook_before_write(records, vals)
        rules = self._alert_event_rules(records._name)
        if rules:
            before = {}
            for rule in rules:
                matched = self._alert_matching(rule, records)
                if matched is not None:
                    before[rule.id] = set(matched.ids)
            pre[PRE_KEY] = before
        return pre

    @api.model
    def _hook_after_write(self, records, vals, pre):
        res = super()._hook_after_write(records, vals, pre)
        before = (pre or {}).get(PRE_KEY)
        if before is None:
            return res
        for rule in self._alert_event_rules(records._name):
            if rule.id not in before:
                continue
            # fire when a record starts to match the condition
            matched = self._alert_matching(rule, records)
            if matched:
                self._alert_fire(
                    rule, records._name, [rid for rid in matched.ids if rid not in before[rule.id]]
                )
        return res
