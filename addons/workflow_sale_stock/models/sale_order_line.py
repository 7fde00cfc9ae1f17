from odoo import fields, models


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    # sale_stock computes these line fields of the order form (the availability widget, whether the
    # product may still be changed) from the lines' stock moves, as the user: an approver without
    # access to stock moves would have the whole form refused. Computed as the system, they say
    # what the order's own lines look like; the moves themselves stay out of his view
    # (views/sale_order_views.xml) and out of his reach.
    product_updatable = fields.Boolean(compute_sudo=True)
    virtual_available_at_date = fields.Float(compute_sudo=True)
    scheduled_date = fields.Datetime(compute_sudo=True)
    forecast_expected_date = fields.Datetime(compute_sudo=True)
    free_qty_today = fields.Float(compute_sudo=True)
    qty_available_today = fields.Float(compute_sudo=True)
    qty_to_deliver = fields.Float(compute_sudo=True)
    display_qty_widget = fields.Boolean(compute_sudo=True)
    is_mto = fields.Boolean(compute_sudo=True)
