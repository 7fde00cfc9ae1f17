from odoo import api, models

# line changes that can change the order total
AMOUNT_FIELDS = {
    "product_id",
    "product_uom_qty",
    "product_uom",
    "price_unit",
    "discount",
    "tax_id",
    "display_type",
}


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines.order_id._approval_sync()
        return lines

    def write(self, vals):
        res = super().write(vals)
        if AMOUNT_FIELDS & set(vals):
            self.order_id._approval_sync()
        return res

    def unlink(self):
        orders = self.order_id
        res = super().unlink()
        orders.exists()._approval_sync()
        return res
