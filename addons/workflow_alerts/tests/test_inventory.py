import json

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import AlertCase


@tagged("post_install", "-at_install")
class TestInventoryChecks(AlertCase):
    def test_reorder_point(self):
        low = self.make_product("Milk 1L", qty=5)
        self.orderpoint(low, 10)
        ok = self.make_product("Yoghurt", qty=20)
        self.orderpoint(ok, 10)
        self.make_product("Butter without orderpoint", qty=0)
        rule = self.inventory_rule(check_type="reorder_point")
        alerts = rule._evaluate()
        self.assertEqual(alerts.mapped("record_id"), [low.id])
        self.assertEqual(alerts.model_name, "product.product")
        data = json.loads(alerts.context_data)
        self.assertEqual((data["qty"], data["min_qty"]), (5.0, 10.0))
        self.assertIn("Milk 1L", alerts.title)
        self.assertEqual(rule.trigger_count, 1)
        self.assertTrue(rule.last_triggered_at)

    def test_fixed_threshold_and_category_filter(self):
        low = self.make_product("Cheese", qty=3)
        empty = self.make_product("Cream", qty=0)
        self.make_product("Ghee", qty=50)
        self.make_product("Bottle caps", qty=1, category=self.other_category)
        rule = self.inventory_rule(check_type="fixed_threshold", threshold_qty=5)
        alerts = rule._evaluate()
        self.assertEqual(sorted(alerts.mapped("record_id")), sorted([low.id, empty.id]))

    def test_days_of_stock(self):
        fast = self.make_product("Fresh milk", qty=140)
        self.deliver(fast, 15, days_ago=3)
        self.deliver(fast, 15, days_ago=10)
        self.deliver(fast, 100, days_ago=60)  # outside the 30-day window
        slow = self.make_product("Milk powder", qty=40)
        self.deliver(slow, 3, days_ago=5)
        self.make_product("Never sold", qty=0)
        # fast: 10 left after 30 delivered over 30 days -> 1/day -> 10 days; slow: 37 / 0.1 = 370 days
        rule = self.inventory_rule(check_type="days_of_stock", days_threshold=12, usage_days=30)
        alerts = rule._evaluate()
        self.assertEqual(alerts.mapped("record_id"), [fast.id])
        data = json.loads(alerts.context_data)
        self.assertAlmostEqual(data["daily_usage"], 1.0)
        self.assertAlmostEqual(data["days_left"], 10.0)

    def test_percentage_of_reorder_point(self):
        below = self.make_product("Curd", qty=40)
        self.orderpoint(below, 100)
        above = self.make_product("Paneer", qty=60)
        self.orderpoint(above, 100)
        rule = self.inventory_rule(check_type="percentage", percentage=50)
        self.assertEqual(rule._evaluate().mapped("record_id"), [below.id])

    def test_location_filter(self):
        other = self.env["stock.location"].create(
            {
                "name": "Cold room B",
                "usage": "internal",
                "location_id": self.env.ref("stock.stock_location_locations").id,
            }
        )
        product = self.make_product("Lassi", qty=100, location=other)
        company_wide = self.inventory_rule(check_type="fixed_threshold", threshold_qty=5)
        self.assertFalse(company_wide._evaluate())
        in_stock_only = self.inventory_rule(
            check_type="fixed_threshold", threshold_qty=5, location_ids=[(6, 0, self.stock.ids)]
        )
        self.assertEqual(in_stock_only._evaluate().mapped("record_id"), [product.id])
        by_warehouse = self.inventory_rule(
            check_type="fixed_threshold", threshold_qty=5, warehouse_ids=[(6, 0, self.warehouse.ids)]
        )
        self.assertEqual(by_warehouse._evaluate().mapped("record_id"), [product.id])

    def test_product_condition(self):
        milk = self.make_product("Milk 2L", qty=0)
        self.make_product("Whey", qty=0)
        rule = self.inventory_rule(condition="[('name', 'ilike', 'milk')]")
        self.assertEqual(rule._evaluate().mapped("record_id"), [milk.id])

    def test_dedup_and_auto_resolve(self):
        product = self.make_product("Skimmed milk", qty=2)
        rule = self.inventory_rule()
        first = rule._evaluate()
        self.assertEqual(len(first), 1)
        self.assertFalse(rule._evaluate(), "a persisting condition is one alert, not one per check")
        self.assertEqual(len(self.open_alerts(rule)), 1)
        self.assertEqual(rule.trigger_count, 1)
        self.env["stock.quant"]._update_available_quantity(product, self.stock, 30)
        rule._evaluate()
        self.assertEqual(first.status, "resolved")
        self.assertFalse(first.resolved_by)
        self.assertIn("auto_resolved", first.history_ids.mapped("action"))

    def test_job_runs_due_rules_only(self):
        self.make_product("Buttermilk", qty=0)
        rule = self.inventory_rule()
        self.env["workflow.job"].run_job("alert.rule", "_job_evaluate")
        self.assertEqual(len(self.open_alerts(rule)), 1)
        self.assertTrue(rule.next_check_at)
        # not due again before its interval
        self.open_alerts(rule).action_resolve("test")
        self.env["workflow.job"].run_job("alert.rule", "_job_evaluate")
        self.assertFalse(self.open_alerts(rule))

    def test_invalid_condition_is_refused(self):
        with self.assertRaises(ValidationError):
            self.inventory_rule(condition="[('no_such_field', '=', 1)]")
        with self.assertRaises(ValidationError):
            self.inventory_rule(condition="__import__('os').system('true')")
