from odoo import _, api, fields, models

from .price_change_request import APPLY_KEY


class ProductTemplate(models.Model):
    _inherit = "product.template"

    price_change_request_ids = fields.One2many(
        "price.change.request", "product_tmpl_id", string="Price Changes"
    )
    price_change_count = fields.Integer(compute="_compute_price_change_count", string="Price Change Requests")
    price_change_pending = fields.Integer(
        compute="_compute_price_change_count", string="Pending Price Changes"
    )

    @api.depends("price_change_request_ids.status")
    def _compute_price_change_count(self):
        groups = self.env["price.change.request"]._read_group(
            [("product_tmpl_id", "in", self.ids)], ["product_tmpl_id", "status"], ["__count"]
        )
        total, pending = {}, {}
        for template, status, count in groups:
            total[template.id] = total.get(template.id, 0) + count
            if status in ("pending", "approved"):
                pending[template.id] = pending.get(template.id, 0) + count
        for template in self:
            template.price_change_count = total.get(template.id, 0)
            template.price_change_pending = pending.get(template.id, 0)

    def write(self, vals):
        if "list_price" not in vals or (self.env.context.get(APPLY_KEY) and self.env.su):
            return super().write(vals)
        Request = self.env["price.change.request"]
        new_price = vals["list_price"] or 0.0
        guarded = self.filtered(
            lambda t: Request._needs_approval(t.company_id or self.env.company, t.list_price, new_price)
        )
        if not guarded:
            return super().write(vals)
        res = Request._hold_price_write(
            self,
            guarded,
            vals,
            "list_price",
            lambda records, v: super(ProductTemplate, records).write(v),  # noqa: UP008 (not self)
        )
        requests = Request._submit_changes(
            [
                {
                    "target": "list_price",
                    "product_tmpl_id": template.id,
                    "currency_id": template.currency_id.id,
                    "old_price": template.list_price,
                    "new_price": new_price,
                    "company_id": (template.company_id or self.env.company).id,
                    "reason": self.env.context.get("price_change_reason") or False,
                }
                for template in guarded
            ]
        )
        for request in requests:
            request.product_tmpl_id.message_post(
                body=_(
                    "The sales price change from %(old).2f to %(new).2f (%(pct)+.1f%%) needs approval "
                    "(request %(name)s); the price stays %(old).2f until it is approved.",
                    old=request.old_price,
                    new=request.new_price,
                    pct=request.change_percent,
                    name=request.name,
                ),
                subtype_xmlid="mail.mt_note",
            )
        requests._notify_requester()
        return res

    def action_view_price_changes(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("workflow_sale.action_price_change_request")
        action["domain"] = [("product_tmpl_id", "=", self.id)]
        action["context"] = {"default_product_tmpl_id": self.id, "search_default_filter_open": 0}
        return action
