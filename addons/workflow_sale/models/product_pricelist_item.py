from odoo import models

from .price_change_request import APPLY_KEY


class ProductPricelistItem(models.Model):
    _inherit = "product.pricelist.item"

    def write(self, vals):
        if "fixed_price" not in vals or (self.env.context.get(APPLY_KEY) and self.env.su):
            return super().write(vals)
        Request = self.env["price.change.request"]
        new_price = vals["fixed_price"] or 0.0
        guarded = self.filtered(
            lambda item: (
                vals.get("compute_price", item.compute_price) == "fixed"
                and Request._needs_approval(
                    item.company_id or item.pricelist_id.company_id or self.env.company,
                    item.fixed_price,
                    new_price,
                )
            )
        )
        if not guarded:
            return super().write(vals)
        guarded.check_access_rights("write")
        guarded.check_access_rule("write")
        res = True
        if self - guarded:
            res = super(ProductPricelistItem, self - guarded).write(vals)
        other_vals = {key: value for key, value in vals.items() if key != "fixed_price"}
        if other_vals:
            super(ProductPricelistItem, guarded).write(other_vals)
        requests = Request._submit_changes(
            [
                {
                    "target": "pricelist_item",
                    "pricelist_item_id": item.id,
                    "product_tmpl_id": (item.product_tmpl_id or item.product_id.product_tmpl_id).id,
                    "currency_id": item.currency_id.id,
                    "old_price": item.fixed_price,
                    "new_price": new_price,
                    "company_id": (item.company_id or item.pricelist_id.company_id or self.env.company).id,
                    "reason": self.env.context.get("price_change_reason") or False,
                }
                for item in guarded
            ]
        )
        requests._notify_requester()
        return res
