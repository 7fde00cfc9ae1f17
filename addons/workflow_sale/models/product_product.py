from odoo import models


class ProductProduct(models.Model):
    _inherit = "product.product"

    def action_view_price_changes(self):
        """The variant form shows the template's smart button: open the template's history."""
        self.ensure_one()
        return self.product_tmpl_id.action_view_price_changes()
