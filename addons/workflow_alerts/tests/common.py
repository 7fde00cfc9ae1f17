from datetime import timedelta

from odoo import fields
from odoo.tests import TransactionCase


class AlertCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.company.id)], limit=1)
        cls.stock = cls.warehouse.lot_stock_id
        cls.customers = cls.env.ref("stock.stock_location_customers")
        cls.category = cls.env["product.category"].create({"name": "Dairy (alerts test)"})
        cls.other_category = cls.env["product.category"].create({"name": "Packaging (alerts test)"})
        user_group = cls.env.ref("base.group_user")
        cls.manager = cls.env["res.users"].create(
            {
                "name": "Wanda Warehouse",
                "login": "wanda.alerts",
                "email": "wanda@dairy.example",
                "mobile": "+8801700000001",
                "groups_id": [(6, 0, [user_group.id, cls.env.ref("stock.group_stock_user").id])],
            }
        )
        cls.boss = cls.env["res.users"].create(
            {
                "name": "Bob Boss",
                "login": "bob.alerts",
                "email": "bob@dairy.example",
                "groups_id": [(6, 0, [user_group.id])],
            }
        )
        cls.Rule = cls.env["alert.rule"]
        cls.Alert = cls.env["alert.instance"]
        cls.Notification = cls.env["alert.notification"]

    # -- stock data -----------------------------------------------------------------
    def make_product(self, name, qty=0.0, category=None, location=None):
        product = self.env["product.product"].create(
            {"name": name, "type": "product", "categ_id": (category or self.category).id}
        )
        if qty:
            self.env["stock.quant"]._update_available_quantity(product, location or self.stock, qty)
        return product

    def orderpoint(self, product, min_qty, location=None):
        return self.env["stock.warehouse.orderpoint"].create(
            {
                "product_id": product.id,
                "location_id": (location or self.stock).id,
                "warehouse_id": self.warehouse.id,
                "product_min_qty": min_qty,
                "product_max_qty": min_qty * 2,
            }
        )

    def deliver(self, product, qty, days_ago=1):
        """A real done delivery of ``qty`` from stock to a customer, dated ``days_ago`` days back."""
        move = self.env["stock.move"].create(
            {
                "name": "alerts test delivery",
                "product_id": product.id,
                "product_uom": product.uom_id.id,
                "product_uom_qty": qty,
                "location_id": self.stock.id,
                "location_dest_id": self.customers.id,
            }
        )
        move._action_confirm()
        move._action_assign()
        move.quantity = qty
        move.picked = True
        move._action_done()
        move.date = fields.Datetime.now() - timedelta(days=days_ago)
        self.assertEqual(move.state, "done")
        return move

    def inventory_rule(self, **vals):
        values = {
            "name": "Low stock",
            "code": "test_low_%s" % len(self.Rule.with_context(active_test=False).search([]).ids),
            "alert_type": "inventory",
            "check_type": "fixed_threshold",
            "threshold_qty": 5,
            "category_ids": [(6, 0, self.category.ids)],
            "user_ids": [(6, 0, self.manager.ids)],
            "channel_email": True,
            "channel_in_app": False,
            "cooldown_minutes": 0,
            "max_alerts_per_day": 0,
            "digest_threshold": 0,
        }
        values.update(vals)
        return self.Rule.create(values)

    def open_alerts(self, rule):
        return self.Alert.search(
            [("rule_id", "=", rule.id), ("status", "in", ("active", "escalated", "acknowledged"))]
        )
