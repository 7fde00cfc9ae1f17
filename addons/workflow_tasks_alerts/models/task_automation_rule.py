from odoo import fields, models

SEVERITY_RANK = {"info": 0, "warning": 1, "critical": 2, "urgent": 3}


class TaskAutomationRule(models.Model):
    _inherit = "task.automation.rule"

    trigger = fields.Selection(
        selection_add=[("alert_raised", "Alert raised")], ondelete={"alert_raised": "cascade"}
    )
    alert_rule_id = fields.Many2one(
        "alert.rule", ondelete="cascade", help="Only this alert rule (all when empty)."
    )
    alert_min_severity = fields.Selection(
        [("info", "Info"), ("warning", "Warning"), ("critical", "Critical"), ("urgent", "Urgent")],
        string="From Severity",
        default="info",
    )
