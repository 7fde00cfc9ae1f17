from odoo import fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    # sale_stock's order form shows these to every reader of the order (the late-delivery popover);
    # they are computed from its pickings. An approver who reads the order (workflow_sale's rule)
    # but not pickings gets them computed as the system: they describe the order he is asked about.
    json_popover = fields.Char(compute_sudo=True)
    show_json_popover = fields.Boolean(compute_sudo=True)
