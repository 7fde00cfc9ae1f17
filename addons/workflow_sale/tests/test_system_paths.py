"""Bridges cancel approvals through the engine's system path; users keep their own checks."""

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import SaleApprovalCase


@tagged("post_install", "-at_install")
class TestBridgeSystemPaths(SaleApprovalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # a colleague who may edit every order but is no workflow manager
        cls.colleague = new_test_user(
            cls.env,
            login="so_colleague",
            groups="sales_team.group_sale_salesman_all_leads",
            name="Colin Colleague",
        )
        cls.price_approver = new_test_user(
            cls.env,
            login="so_price_approver",
            groups="workflow_sale.group_price_approver",
            name="Paula Pricing",
        )
        cls.env.ref("workflow_sale.group_price_approver").users = cls.price_approver
        cls.template = cls.product.product_tmpl_id

    def instance_of(self, record):
        return self.env["workflow.instance"].search(
            [("model_name", "=", record._name), ("record_id", "=", record.id)], order="id desc", limit=1
        )

    def test_second_salesperson_raises_pending_order_into_higher_band(self):
        order = self.make_order(20000)
        order.with_user(self.salesman).action_request_approval()
        old_request = self.request_of(order)
        instance = self.instance_of(order)
        self.assertEqual(instance.started_by, self.salesman)
        self.assertFalse(self.colleague.has_group("workflow_automation.group_workflow_manager"))
        # the colleague is allowed to change the order: the re-approval follows as the system's doing
        order.order_line.with_user(self.colleague).write({"price_unit": 60000})
        self.assertEqual(old_request.status, "cancelled")
        self.assertEqual(instance.status, "cancelled")
        self.assertEqual(
            instance.history_ids.filtered(lambda h: h.action_type == "cancel").performed_by, self.colleague
        )
        self.assertEqual(order.approval_state, "to_approve")
        order.with_user(self.colleague).action_request_approval()
        self.assertEqual(self.request_of(order).level_count, 2, "asked again, for the higher band")
        self.assertEqual(order.approval_state, "pending")

    def test_second_salesperson_raises_approved_order(self):
        self.company.sale_approval_auto_confirm = False
        order = self.make_order(20000)
        order.with_user(self.salesman).action_request_approval()
        self.request_of(order).with_user(self.sales_manager).approve()
        self.assertEqual(order.approval_state, "approved")
        order.order_line.with_user(self.colleague).write({"price_unit": 60000})
        self.assertEqual(order.approval_state, "to_approve")

    def test_user_cancel_of_someone_elses_instance_still_refused(self):
        order = self.make_order(20000)
        order.with_user(self.salesman).action_request_approval()
        instance = self.instance_of(order)
        with self.assertRaisesRegex(AccessError, "Only a workflow manager or the person who started it"):
            instance.with_user(self.colleague).action_cancel(reason="mine now")
        self.assertEqual(instance.status, "active")
        self.assertEqual(self.request_of(order).status, "pending")
        self.assertEqual(order.approval_state, "pending")

    def test_user_cancel_resets_the_order_through_the_system_path(self):
        order = self.make_order(20000)
        order.with_user(self.salesman).action_request_approval()
        self.instance_of(order).with_user(self.salesman).action_cancel(reason="wrong customer")
        self.assertEqual(order.approval_state, "to_approve", "the bridge reacts to a user's cancel too")

    def test_price_approver_withdraws_another_users_request(self):
        self.template.with_user(self.sales_manager).write({"list_price": 20.0})
        request = self.env["price.change.request"].search([("product_tmpl_id", "=", self.template.id)])
        self.assertEqual((request.status, request.requested_by), ("pending", self.sales_manager))
        instance = self.instance_of(request)
        self.assertFalse(self.price_approver.has_group("workflow_automation.group_workflow_manager"))
        request.with_user(self.price_approver).action_cancel_request()
        self.assertEqual(request.status, "cancelled")
        self.assertEqual(instance.status, "cancelled")
        approval = self.env["approval.request"].search(
            [("model_name", "=", "price.change.request"), ("record_id", "=", request.id)]
        )
        self.assertEqual(approval.status, "cancelled")
        self.assertEqual(self.template.list_price, 10.0)
        # but the price approver cannot cancel the workflow itself through the user method
        self.template.with_user(self.sales_manager).write({"list_price": 20.0})
        newer = self.env["price.change.request"].search(
            [("product_tmpl_id", "=", self.template.id), ("status", "=", "pending")]
        )
        with self.assertRaises(AccessError):
            self.instance_of(newer).with_user(self.price_approver).action_cancel()
        self.assertEqual(newer.status, "pending")

    def test_newer_price_change_by_another_user_supersedes(self):
        self.template.with_user(self.sales_manager).write({"list_price": 20.0})
        older = self.env["price.change.request"].search([("product_tmpl_id", "=", self.template.id)])
        other_manager = new_test_user(
            self.env, login="so_manager_2", groups="sales_team.group_sale_manager", name="Otto Other Manager"
        )
        self.template.with_user(other_manager).write({"list_price": 25.0})
        self.assertEqual(older.status, "cancelled")
        self.assertEqual(self.instance_of(older).status, "cancelled")
