from odoo import api, models


class AlertInstance(models.Model):
    _inherit = "alert.instance"

    def _webhook_emit(self, code):
        Endpoint = self.env["workflow.webhook.endpoint"]
        for alert in self.sudo():
            record = None
            if alert.model_name in self.env and alert.record_id:
                record = self.env[alert.model_name].sudo().browse(alert.record_id).exists() or None
            Endpoint._emit(
                code,
                alert.company_id,
                {
                    "alert": {
                        "id": alert.id,
                        "title": alert.title,
                        "message": alert.message,
                        "severity": alert.severity,
                        "status": alert.status,
                        "escalation_level": alert.escalation_level,
                    },
                    "rule": {"id": alert.rule_id.id, "code": alert.rule_id.code, "name": alert.rule_id.name},
                    "record": {"model": alert.model_name, "id": alert.record_id, "name": alert.record_name}
                    if alert.model_name
                    else None,
                    "by": {"id": self.env.user.id, "name": self.env.user.name},
                    "notes": alert.resolution_notes or None,
                },
                target=alert,
                record=record,
            )

    @api.model_create_multi
    def create(self, vals_list):
        alerts = super().create(vals_list)
        alerts._webhook_emit("alert.raised")
        return alerts

    def _close(self, status, notes, auto=False):
        res = super()._close(status, notes, auto=auto)
        if status == "resolved":
            self._webhook_emit("alert.resolved")
        return res
