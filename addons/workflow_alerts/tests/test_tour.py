from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestAlertCardTour(HttpCase):
    """A warehouse lead reads a low-stock alert card and opens Replenish (tour workflow_alerts_card)."""

    def setUp(self):
        super().setUp()
        new_test_user(
            self.env,
            "wf_alerts_tour_lead",
            groups="base.group_user,workflow_automation.group_workflow_user,stock.group_stock_user",
        )
        warehouse = self.env["stock.warehouse"].create({"name": "Tour Alerts Warehouse", "code": "TAW"})
        category = self.env["product.category"].create({"name": "Tour dairy"})
        milk = self.env["product.product"].create(
            {"name": "Tour Milk 1L", "type": "product", "categ_id": category.id}
        )
        self.env["stock.quant"]._update_available_quantity(milk, warehouse.lot_stock_id, 4)
        self.env["stock.warehouse.orderpoint"].create(
            {
                "product_id": milk.id,
                "location_id": warehouse.lot_stock_id.id,
                "warehouse_id": warehouse.id,
                "product_min_qty": 10,
                "product_max_qty": 20,
            }
        )
        rule = self.env["alert.rule"].create(
            {
                "name": "Tour low stock",
                "code": "tour_low_stock",
                "alert_type": "inventory",
                "check_type": "reorder_point",
                "category_ids": [(6, 0, category.ids)],
                "channel_email": False,
                "channel_in_app": False,
                "cooldown_minutes": 0,
            }
        )
        rule._evaluate()

    def test_warehouse_lead_reads_an_alert_card(self):
        self.start_tour(
            "/web#action=workflow_alerts.action_alert_instance",
            "workflow_alerts_card",
            login="wf_alerts_tour_lead",
        )
