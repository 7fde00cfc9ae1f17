from odoo import models

CODES = {"warning": "sla.warning", "breach": "sla.breach"}


def _iso(value):
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


class SlaTracking(models.Model):
    _inherit = "sla.tracking"

    def _sla_notify(self, events):
        Endpoint = self.env["workflow.webhook.endpoint"]
        for rec, kind, info in events:
            code = CODES.get(kind)
            if not code:
                continue
            rec = rec.sudo()
            record = None
            if rec.model_name in self.env and rec.record_id:
                record = self.env[rec.model_name].sudo().browse(rec.record_id).exists() or None
            Endpoint._emit(
                code,
                rec.company_id,
                {
                    "sla": {"id": rec.sla_id.id, "name": rec.sla_id.name, "metric": rec.metric_type},
                    "tracking": {
                        "id": rec.id,
                        "status": rec.status,
                        "due_at": _iso(rec.due_at),
                        "breached_at": _iso(rec.breached_at),
                        "warning_level": info if kind == "warning" else None,
                    },
                    "record": {"model": rec.model_name, "id": rec.record_id, "name": rec.record_name},
                    "responsible": {"id": rec.user_id.id, "name": rec.user_id.name} if rec.user_id else None,
                },
                target=rec,
                record=record,
            )
        return super()._sla_notify(events)
