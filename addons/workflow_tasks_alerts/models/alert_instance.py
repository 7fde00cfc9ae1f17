from collections import defaultdict

from odoo import models

from .task_automation_rule import SEVERITY_RANK


class AlertRule(models.Model):
    _inherit = "alert.rule"

    def _insert_alerts(self, candidates):
        """Every alert is inserted here (one multi-row INSERT, duplicates dropped): fire the task rules."""
        alerts = super()._insert_alerts(candidates)
        alerts._task_fire_rules()
        return alerts


class AlertInstance(models.Model):
    """An alert raised about a record fires the 'Alert raised' task rules of the record's model."""

    _inherit = "alert.instance"

    def _task_fire_rules(self):
        groups = defaultdict(set)  # (model, alert rule, severity) -> record ids
        for alert in self.sudo():
            if alert.model_name and alert.record_id:
                groups[(alert.model_name, alert.rule_id.id, alert.severity)].add(alert.record_id)
        Rule = self.env["task.automation.rule"].sudo()
        for (model_name, alert_rule_id, severity), ids in groups.items():
            rules = Rule.search(
                [
                    ("trigger", "=", "alert_raised"),
                    ("model_name", "=", model_name),
                    ("alert_rule_id", "in", (False, alert_rule_id)),
                ]
            ).filtered(
                lambda r, s=severity: SEVERITY_RANK.get(r.alert_min_severity or "info", 0) <= SEVERITY_RANK[s]
            )
            if rules:
                rules._fire(self.env[model_name].sudo().browse(list(ids)).exists())
