from odoo import fields, models


class SlaPause(models.Model):
    _name = "sla.pause"
    _description = "SLA Pause Interval"
    _order = "tracking_id, paused_at, id"

    tracking_id = fields.Many2one("sla.tracking", required=True, ondelete="cascade", index=True)
    paused_at = fields.Datetime(required=True)
    resumed_at = fields.Datetime(help="Empty while the SLA is still paused.")
    company_id = fields.Many2one(related="tracking_id.company_id", store=True)
