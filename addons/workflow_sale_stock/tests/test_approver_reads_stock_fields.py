from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from odoo.addons.workflow_sale.tests.common import SaleApprovalCase
from odoo.addons.workflow_sale.tests.test_approver_day import form_spec


@tagged("post_install", "-at_install")
class TestApproverWithStock(SaleApprovalCase):
    """With sale_stock, the order's form shows deliveries and the lines' stock moves: the finance
    approver (no Sales, no Inventory rights) still opens the order he decides, warehouse users
    still read every order."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product.type = "product"  # a storable product: confirming the order creates a delivery
        cls.warehouse_user = new_test_user(
            cls.env, login="so_warehouse", groups="stock.group_stock_user", name="Walter Warehouse"
        )
        cls.order = cls.make_order(cls, 150000)
        cls.order.with_user(cls.salesman).action_request_approval()
        cls.other = cls.make_order(cls, 20000)

    def form_as(self, user):
        SaleOrder = self.env["sale.order"].with_user(user)
        views = SaleOrder.get_views([(False, "form")])
        return SaleOrder, {model: list(info) for model, info in views["models"].items()}

    def test_moves_are_taken_out_of_the_form_for_those_who_cannot_read_them(self):
        __, fields_by_model = self.form_as(self.finance)
        self.assertNotIn("move_ids", fields_by_model["sale.order.line"])
        self.assertIn("delivery_count", fields_by_model["sale.order"])
        for user in (self.salesman, self.sales_manager, self.warehouse_user):
            with self.subTest(user=user.name):
                self.assertIn("move_ids", self.form_as(user)[1]["sale.order.line"])

    def test_finance_opens_the_confirmed_order_with_its_delivery(self):
        self.request_of(self.order).with_user(self.sales_manager).approve()
        SaleOrder, fields_by_model = self.form_as(self.finance)
        data = SaleOrder.browse(self.order.id).web_read(form_spec(SaleOrder, fields_by_model))[0]
        self.assertEqual(data["amount_total"], 150000)
        self.request_of(self.order).with_user(self.finance).approve()
        self.assertEqual(self.order.state, "sale", "the last approval confirms the order")
        self.assertEqual(len(self.order.picking_ids), 1)
        data = SaleOrder.browse(self.order.id).web_read(form_spec(SaleOrder, fields_by_model))[0]
        self.assertEqual(data["delivery_count"], 1)
        self.assertEqual(data["order_line"][0]["product_uom_qty"], 1)
        with self.assertRaises(AccessError):
            SaleOrder.browse(self.other.id).web_read(form_spec(SaleOrder, fields_by_model))
        with self.assertRaises(AccessError):
            self.order.with_user(self.finance).picking_ids.read(["name"])
        with self.assertRaises(AccessError):
            self.order.order_line.with_user(self.finance).read(["move_ids"])

    def test_warehouse_users_read_every_order_and_its_moves(self):
        orders = self.order | self.other
        as_warehouse = self.env["sale.order"].with_user(self.warehouse_user)
        self.assertEqual(as_warehouse.search([("id", "in", orders.ids)]), orders)
        SaleOrder, fields_by_model = self.form_as(self.warehouse_user)
        data = SaleOrder.browse(self.other.id).web_read(form_spec(SaleOrder, fields_by_model))[0]
        self.assertEqual(data["name"], self.other.name)
        self.assertIn("move_ids", data["order_line"][0])
        self.assertFalse(
            self.env["sale.order"].with_user(self.warehouse_user).workflow_approval_mine,
            "they read all orders without being anybody's approver",
        )

    def test_a_salesperson_of_another_team_is_still_refused(self):
        other_salesman = new_test_user(
            self.env, login="so_stock_salesman2", groups="sales_team.group_sale_salesman", name="Sue Salesman"
        )
        SaleOrder, fields_by_model = self.form_as(other_salesman)
        with self.assertRaises(AccessError):
            SaleOrder.browse(self.order.id).web_read(form_spec(SaleOrder, fields_by_model))
