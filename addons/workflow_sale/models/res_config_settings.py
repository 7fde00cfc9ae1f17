from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    sale_approval_currency_id = fields.Many2one(related="company_id.currency_id", string="Approval Currency")
    sale_approval_threshold = fields.Monetary(
        related="company_id.sale_approval_threshold",
        readonly=False,
        currency_field="sale_approval_currency_id",
    )
    sale_approval_auto_confirm = fields.Boolean(
        related="company_id.sale_approval_auto_confirm", readonly=False
    )
    price_change_approval = fields.Boolean(related="company_id.price_change_approval", readonly=False)
    price_change_threshold = fields.Float(related="company_id.price_change_threshold", readonly=False)
