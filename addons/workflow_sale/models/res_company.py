from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    sale_approval_threshold = fields.Monetary(
        string="Auto-approve Below",
        currency_field="currency_id",
        default=10000.0,
        help="Orders whose total (in company currency) is below this amount never need approval.",
    )
    sale_approval_auto_confirm = fields.Boolean(
        string="Confirm Orders on Approval",
        help="When the last approval level approves, the quotation is confirmed automatically.",
    )
    price_change_approval = fields.Boolean(
        string="Approve Price Changes",
        help="Sales price changes larger than the threshold need the approval of a price approver.",
    )
    price_change_threshold = fields.Float(
        string="Price Change Threshold (%)",
        default=10.0,
        help="A change of the sales price (or of a fixed pricelist price) by more than this percentage "
        "creates a price change request instead of being applied.",
    )

    _sql_constraints = [
        (
            "sale_approval_threshold_positive",
            "CHECK(sale_approval_threshold >= 0)",
            "The auto-approve threshold cannot be negative.",
        ),
        (
            "price_change_threshold_positive",
            "CHECK(price_change_threshold >= 0)",
            "The price change threshold cannot be negative.",
        ),
    ]
