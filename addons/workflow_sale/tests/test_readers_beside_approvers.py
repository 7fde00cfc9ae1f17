from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import SaleApprovalCase, web_form_read

# the models on which approvers get a read rule (workflow_sale/security/workflow_sale_rules.xml)
APPROVER_MODELS = ("sale.order", "sale.order.line", "sale.order.option")


@tagged("post_install", "-at_install")
class TestReadersBesideApprovers(SaleApprovalCase):
    """The approvers' read rule is a group rule of every internal user. It must not narrow anyone
    who reads orders through another module's access right — whatever modules this database has
    (sale_stock's warehouse users, accounting, sale_mrp's manufacturing users, sale_project's
    project managers, ...): the test asks the database which groups read the models."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_salesman = new_test_user(
            cls.env, login="so_other_salesman", groups="sales_team.group_sale_salesman", name="Olga Other"
        )
        cls.orders = cls.make_order(cls, 20000) | cls.make_order(cls, 150000, user=cls.other_salesman)
        unassigned = cls.make_order(cls, 5000)
        unassigned.sudo().user_id = False
        cls.orders = (cls.orders | unassigned).with_env(cls.env)
        cls.orders[1].with_user(cls.other_salesman).action_request_approval()
        cls.env["sale.order.option"].create(
            {"order_id": cls.orders[0].id, "product_id": cls.product.id, "name": "Cream", "price_unit": 5}
        )
        approvers = cls.env.ref("workflow_automation.group_workflow_user")
        cls.approver_rules = cls.env["ir.rule"].search(
            [("model_id.model", "in", APPROVER_MODELS), ("groups", "in", approvers.ids)]
        )
        cls.excluded = approvers | cls.env.ref("base.group_user")

    def reader_groups(self, model):
        accesses = self.env["ir.model.access"].search(
            [("model_id.model", "=", model), ("perm_read", "=", True), ("group_id", "!=", False)]
        )
        return accesses.group_id - self.excluded

    def user_of(self, group):
        user = self.env["res.users"].search([("login", "=", f"so_reader_{group.id}")])
        if user:
            return user
        user_types = self.env.ref("base.module_category_user_type")
        groups = group if group.category_id == user_types else group | self.env.ref("base.group_user")
        return self.env["res.users"].create(
            {
                "name": f"Reader of {group.full_name}",
                "login": f"so_reader_{group.id}",
                "groups_id": [Command.set(groups.ids)],
            }
        )

    def test_every_group_reading_orders_keeps_what_it_read(self):
        self.assertEqual(len(self.approver_rules), 3, "one approvers' rule per model")
        checked = []
        for model in APPROVER_MODELS:
            for group in self.reader_groups(model):
                user = self.user_of(group)
                Model = self.env[model].with_user(user)
                with_rule = Model.search([]).ids
                self.approver_rules.write({"active": False})
                without_rule = Model.search([]).ids
                self.approver_rules.write({"active": True})
                with self.subTest(model=model, group=group.full_name):
                    self.assertEqual(sorted(with_rule), sorted(without_rule))
                checked.append((model, group))
        groups = {group for __, group in checked}
        # sale's own readers are always there: salespeople (own documents) and accounting (all)
        self.assertIn(self.env.ref("sales_team.group_sale_salesman"), groups)
        self.assertIn(self.env.ref("account.group_account_invoice"), groups)
        self.assertIn(self.env.ref("account.group_account_readonly"), groups)

    def test_readers_without_a_rule_of_their_own_read_every_order(self):
        """Accounting (no rule of its own on orders) reads every order, not only those it approves."""
        for xmlid in ("account.group_account_invoice", "account.group_account_readonly"):
            user = self.user_of(self.env.ref(xmlid))
            with self.subTest(group=xmlid):
                self.assertEqual(
                    self.env["sale.order"].with_user(user).search([("id", "in", self.orders.ids)]),
                    self.orders,
                )
                self.assertEqual(
                    self.env["sale.order.line"].with_user(user).search([("order_id", "in", self.orders.ids)]),
                    self.orders.order_line,
                )

    def test_salesperson_own_documents_gains_only_what_he_approves(self):
        """A salesman's rule (own documents) is not widened to all orders by the approvers' rule;
        made an approver, he reads the order he approves on top."""
        salesman_orders = (
            self.env["sale.order"].with_user(self.salesman).search([("id", "in", self.orders.ids)])
        )
        self.assertEqual(salesman_orders, self.orders[0] | self.orders[2])
        self.assertNotIn(self.orders[1], salesman_orders)
        self.request_of(self.orders[1]).with_user(self.sales_manager).delegate(self.salesman.id)
        self.assertEqual(
            self.env["sale.order"].with_user(self.salesman).search([("id", "in", self.orders.ids)]),
            self.orders,
        )

    def test_the_helper_says_who_reads_all(self):
        Rule = self.env["ir.rule"]
        billing = self.user_of(self.env.ref("account.group_account_invoice"))
        self.assertTrue(Rule.with_user(billing)._workflow_reads_all("sale.order"))
        # salespeople and sales managers have rules of their own (OR-ed with the approvers'), the
        # finance approver and the general manager no access right to orders beside the approvers'
        for user in (self.salesman, self.sales_manager, self.finance, self.gm):
            with self.subTest(user=user.name):
                self.assertFalse(Rule.with_user(user)._workflow_reads_all("sale.order"))


@tagged("post_install", "-at_install")
class TestApproverOpensTheForm(SaleApprovalCase):
    """The web client's form of an order, as loaded in the browser (get_views, then web_read of
    every field the view shows), for the finance approver who has no Sales rights — in whatever
    modules this database has (sale_stock's delivery fields, sale_mrp's, sale_project's, ...)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.mine = cls.make_order(cls, 150000).with_env(cls.env)
        cls.mine.with_user(cls.salesman).action_request_approval()
        cls.not_mine = cls.make_order(cls, 20000).with_env(cls.env)
        cls.not_mine.with_user(cls.salesman).action_request_approval()
        cls.other_salesman = new_test_user(
            cls.env, login="so_form_salesman2", groups="sales_team.group_sale_salesman", name="Sue Salesman"
        )
        cls.other_company = cls.env["res.company"].create({"name": "Hill Farm Dairy (test)"})
        cls.other_approver = new_test_user(
            cls.env,
            login="so_form_other_co",
            groups="base.group_user",
            name="Otto Other-Company",
            company_id=cls.other_company.id,
            company_ids=[Command.set(cls.other_company.ids)],
        )
        cls.env["sale.approval.matrix"].create(
            {
                "company_id": cls.other_company.id,
                "amount_min": 0,
                "amount_max": 0,
                "level_ids": [
                    Command.create(
                        {"sequence": 1, "name": "Finance", "user_ids": [Command.set(cls.other_approver.ids)]}
                    )
                ],
            }
        )

    def open_form_as(self, order, user):
        return web_form_read(order, user)

    def test_finance_opens_the_order_he_decides_and_not_another(self):
        self.assertFalse(self.finance.has_group("sales_team.group_sale_salesman"))
        self.request_of(self.mine).with_user(self.sales_manager).approve()
        self.assertEqual(self.mine.with_user(self.finance).workflow_my_request_id, self.request_of(self.mine))
        data = self.open_form_as(self.mine, self.finance)
        self.assertEqual(data["name"], self.mine.name)
        self.assertEqual(data["tax_totals"]["amount_total"], 150000)
        self.assertEqual(data["workflow_my_request_id"]["id"], self.request_of(self.mine).id)
        self.assertEqual(len(data["order_line"]), 1)
        with self.assertRaises(AccessError):
            self.open_form_as(self.not_mine, self.finance)

    def test_refused_users_cannot_open_it(self):
        for user in (self.other_salesman, self.other_approver):
            with self.subTest(user=user.name), self.assertRaises(AccessError):
                self.open_form_as(self.mine, user)
            with self.subTest(user=user.name):
                self.assertFalse(self.env["sale.order"].with_user(user).search([("id", "=", self.mine.id)]))

    def test_people_with_sales_rights_still_open_it(self):
        for user in (self.salesman, self.sales_manager):
            with self.subTest(user=user.name):
                self.assertEqual(self.open_form_as(self.mine, user)["name"], self.mine.name)
