from odoo import fields, models

from .alert_rule import SEVERITIES


class AlertEscalationStep(models.Model):
    _name = "alert.escalation.step"
    _description = "Alert Escalation Step"
    _order = "rule_id, sequence, id"

    rule_id = fields.Many2one("alert.rule", required=True, ondelete="cascade", index=True)
    sequence = fields.Integer(default=10)
    delay_minutes = fields.Integer(
        "After (Minutes)",
        required=True,
        default=30,
        help="Minutes without acknowledgement after the previous step (or the trigger) before this step.",
    )
    severity = fields.Selection(SEVERITIES, string="New Severity", help="Leave empty to keep the severity.")
    user_ids = fields.Many2many(
        "res.users", "alert_escalation_step_res_users_rel", "step_id", "user_id", "Extra Users"
    )
    group_ids = fields.Many2many(
        "res.groups", "alert_escalation_step_res_groups_rel", "step_id", "group_id", "Extra Groups"
    )
    company_id = fields.Many2one(related="rule_id.company_id", store=True)

    _sql_constraints = [
        ("delay_positive", "CHECK(delay_minutes >= 0)", "The escalation delay cannot be negative."),
    ]

    def _extra_users(self):
        return (self.user_ids | self.group_ids.users).filtered(lambda u: u.active and not u.share)
