from lxml import etree

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from odoo.addons.workflow_sale.tests.common import SaleApprovalCase, arch_spec, web_form_read


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
        cls.order = cls.make_order(cls, 150000).with_env(cls.env)
        cls.order.with_user(cls.salesman).action_request_approval()
        cls.other = cls.make_order(cls, 20000).with_env(cls.env)

    def form_spec_of(self, user):
        SaleOrder = self.env["sale.order"].with_user(user)
        arch = SaleOrder.get_views([(False, "form")])["views"]["form"]["arch"]
        return arch_spec(SaleOrder, etree.fromstring(arch))

    def test_moves_are_taken_out_of_the_form_for_those_who_cannot_read_them(self):
        spec = self.form_spec_of(self.finance)
        self.assertNotIn("move_ids", spec["order_line"]["fields"])
        self.assertIn("show_json_popover", spec)
        self.assertIn("qty_to_deliver", spec["order_line"]["fields"], "the rest of the widget's fields stay")
        for user in (self.salesman, self.sales_manager, self.warehouse_user):
            with self.subTest(user=user.name):
                self.assertIn("move_ids", self.form_spec_of(user)["order_line"]["fields"])

    def test_finance_opens_the_confirmed_order_with_its_delivery(self):
        self.request_of(self.order).with_user(self.sales_manager).approve()
        self.assertEqual(web_form_read(self.order, self.finance)["tax_totals"]["amount_total"], 150000)
        self.request_of(self.order).with_user(self.finance).approve()
        self.assertEqual(self.order.state, "sale", "the last approval confirms the order")
        self.assertEqual(len(self.order.picking_ids), 1)
        data = web_form_read(self.order, self.finance)
        self.assertFalse(data["show_json_popover"], "the delivery is not late")
        self.assertEqual(data["order_line"][0]["qty_to_deliver"], 1)
        self.assertEqual(data["order_line"][0]["product_uom_qty"], 1)
        with self.assertRaises(AccessError):
            web_form_read(self.other, self.finance)
        with self.assertRaises(AccessError):
            self.order.with_user(self.finance).picking_ids.read(["name"])
        with self.assertRaises(AccessError):
            self.order.order_line.move_ids.with_user(self.finance).read(["state"])

    def test_warehouse_users_read_every_order_and_its_moves(self):
        orders = self.order | self.other
        as_warehouse = self.env["sale.order"].with_user(self.warehouse_user)
        self.assertEqual(as_warehouse.search([("id", "in", orders.ids)]), orders)
        self.request_of(self.order).with_user(self.sales_manager).approve()
        self.request_of(self.order).with_user(self.finance).approve()
        data = web_form_read(self.order, self.warehouse_user)
        self.assertEqual(data["name"], self.order.name)
        self.assertEqual(
            [m["id"] for m in data["order_line"][0]["move_ids"]], self.order.order_line.move_ids.ids
        )

    def test_a_salesperson_of_another_team_is_still_refused(self):
        other_salesman = new_test_user(
            self.env, login="so_stock_salesman2", groups="sales_team.group_sale_salesman", name="Sue Salesman"
        )
        with self.assertRaises(AccessError):
            web_form_read(self.order, other_salesman)
