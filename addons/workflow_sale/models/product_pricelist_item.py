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
        res = Request._hold_price_write(
            self,
            guarded,
            vals,
            "fixed_price",
            lambda records, v: super(ProductPricelistItem, records).write(v),  # noqa: UP008 (not self)
        )
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
