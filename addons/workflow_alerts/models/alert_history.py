from odoo import api, fields, models

from .alert_rule import SEVERITIES


class AlertHistory(models.Model):
    _name = "alert.history"
    _description = "Alert History"
    _order = "alert_id, id"

    alert_id = fields.Many2one("alert.instance", required=True, ondelete="cascade", index=True)
    action = fields.Selection(
        [
            ("triggered", "Triggered"),
            ("escalated", "Escalated"),
            ("acknowledged", "Acknowledged"),
            ("resolved", "Resolved"),
            ("auto_resolved", "Resolved Automatically"),
            ("expired", "Expired"),
        ],
        required=True,
    )
    user_id = fields.Many2one("res.users", default=lambda self: self.env.user)
    date = fields.Datetime(required=True, default=fields.Datetime.now)
    escalation_level = fields.Integer()
    severity = fields.Selection(SEVERITIES)
    note = fields.Text()
    company_id = fields.Many2one(related="alert_id.company_id", store=True)

    @api.model
    def _log(self, alerts, action, note=False):
        """One history line per alert, in one batch."""
        return self.sudo().create(
            [
                {
                    "alert_id": alert.id,
                    "action": action,
                    "user_id": self.env.uid,
                    "escalation_level": alert.escalation_level,
                    "severity": alert.severity,
                    "note": note,
                }
                for alert in alerts
            ]
        )
