from odoo import fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    # sale_stock's order form shows these; they count and date the order's own deliveries. An
    # approver who reads the order (workflow_sale's rule) but not stock pickings gets them computed
    # as the system: what they tell is about the order the approver is asked to decide on.
    delivery_count = fields.Integer(compute_sudo=True)
    json_popover = fields.Char(compute_sudo=True)
    show_json_popover = fields.Boolean(compute_sudo=True)
