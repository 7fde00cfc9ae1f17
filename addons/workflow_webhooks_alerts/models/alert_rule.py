from odoo import models


class AlertRule(models.Model):
    _inherit = "alert.rule"

    def _insert_alerts(self, candidates):
        # the rules insert their alerts in one SQL statement (no ORM create): announce them here
        alerts = super()._insert_alerts(candidates)
        alerts._webhook_emit("alert.raised")
        return alerts
