from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import SaleApprovalCase


@tagged("post_install", "-at_install")
class TestMatrix(SaleApprovalCase):
    def test_band_boundaries(self):
        cases = [
            (9999.99, None),
            (10000.00, self.band_manager),
            (49999.99, self.band_manager),
            (50000.00, self.band_finance),
            (199999.99, self.band_finance),
            (200000.00, self.band_gm),
            (1500000.00, self.band_gm),
        ]
        for amount, band in cases:
            order = self.make_order(amount)
            with self.subTest(amount=amount):
                self.assertEqual(order.approval_band_id, band or self.env["sale.approval.matrix"])
                self.assertEqual(order.approval_required, bool(band))
                self.assertEqual(order.approval_state, "to_approve" if band else "not_required")

    def test_most_specific_band_wins(self):
        key = self.env["res.partner.category"].create({"name": "Key account (test)"})
        self.env["sale.approval.matrix"].create(
            {
                "company_id": self.company.id,
                "partner_category_id": key.id,
                "amount_min": 10000,
                "amount_max": 50000,
            }
        )
        key_customer = self.env["res.partner"].create(
            {"name": "Hypermarket", "category_id": [(6, 0, key.ids)]}
        )
        self.assertFalse(self.make_order(20000, partner=key_customer).approval_required)
        self.assertEqual(self.make_order(20000).approval_band_id, self.band_manager)

    def test_team_band_and_other_company_band(self):
        team = self.env["crm.team"].create({"name": "Wholesale (test)"})
        team_band = self.env["sale.approval.matrix"].create(
            {
                "company_id": self.company.id,
                "team_id": team.id,
                "amount_min": 10000,
                "amount_max": 100000,
                "level_ids": [(0, 0, {"name": "Wholesale lead", "user_ids": [(6, 0, self.gm.ids)]})],
            }
        )
        order = self.make_order(60000)
        order.team_id = team
        self.assertEqual(order.approval_band_id, team_band, "a team band beats the company band")
        self.assertEqual(order.approval_levels_text, "1. Wholesale lead")
        other = self.env["res.company"].create({"name": "Mountain Dairy Ltd"})
        self.env["sale.approval.matrix"].create(
            {
                "company_id": other.id,
                "amount_min": 0,
                "amount_max": 10000,
                "level_ids": [(0, 0, {"name": "Owner", "user_ids": [(6, 0, self.gm.ids)]})],
            }
        )
        self.assertFalse(self.make_order(5000).approval_required, "bands of another company do not apply")

    def test_overlapping_bands_refused(self):
        with self.assertRaisesRegex(Exception, "overlap"):
            self.env["sale.approval.matrix"].create(
                {"company_id": self.company.id, "amount_min": 40000, "amount_max": 60000}
            )

    def test_forms_show_approval(self):
        arch = (
            self.env["sale.order"]
            .with_user(self.salesman)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        for name in ("action_request_approval", "approval_state", "workflow_approval_progress"):
            self.assertIn(name, arch)
        arch = self.env["product.product"].with_user(self.sales_manager).get_views([(False, "form")])
        self.assertIn("action_view_price_changes", arch["views"]["form"]["arch"])

    def test_matrix_editable_by_sales_managers_only(self):
        with self.assertRaises(AccessError):
            self.band_manager.with_user(self.salesman).write({"amount_max": 60000})
        self.band_manager.with_user(self.sales_manager).write({"sequence": 5})
        self.assertEqual(self.band_manager.sequence, 5)


@tagged("post_install", "-at_install")
class TestOrderApproval(SaleApprovalCase):
    def approve(self, order, user, comment=None):
        request = self.request_of(order)
        self.assertTrue(request, "an approval request is pending")
        request.with_user(user).approve(comment=comment)

    def test_auto_approve_below_threshold(self):
        order = self.make_order(9999.99)
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.approval_state, "not_required")
        # the threshold is a setting: raised to 60,000, a 55,000 order passes straight
        self.company.sale_approval_threshold = 60000
        order = self.make_order(55000)
        self.assertFalse(order.approval_required)
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.state, "sale")

    def test_confirm_refused_while_unapproved(self):
        order = self.make_order(150000)
        with self.assertRaisesRegex(
            UserError,
            r"falls in the approval band .*requires: 1\. Sales manager, 2\. Finance\. Click Request",
        ):
            order.with_user(self.salesman).action_confirm()
        order.with_user(self.salesman).action_request_approval()
        self.assertEqual(order.approval_state, "pending")
        with self.assertRaisesRegex(UserError, r"waiting for approval \(level 1 of 2, Sofia Sales Manager\)"):
            order.with_user(self.salesman).action_confirm()
        self.approve(order, self.sales_manager)
        with self.assertRaisesRegex(UserError, r"level 2 of 2, Frank Finance"):
            order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.state, "draft")

    def test_exact_boundary_needs_approval(self):
        order = self.make_order(10000.00)
        with self.assertRaisesRegex(UserError, "1. Sales manager"):
            order.with_user(self.salesman).action_confirm()

    def test_approval_without_auto_confirm(self):
        self.company.sale_approval_auto_confirm = False
        order = self.make_order(20000)
        order.with_user(self.salesman).action_request_approval()
        self.approve(order, self.sales_manager, "ok")
        self.assertEqual(order.approval_state, "approved")
        self.assertEqual(order.state, "draft", "not confirmed without the setting")
        self.assertEqual(order.approval_approved_band_id, self.band_manager)
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.state, "sale")

    def test_auto_confirm_on_approval(self):
        order = self.make_order(20000)
        order.with_user(self.salesman).action_request_approval()
        self.approve(order, self.sales_manager, "Good customer")
        self.assertEqual(order.approval_state, "approved")
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.workflow_state_name, "Approved")

    def test_reapproval_only_for_higher_band(self):
        self.company.sale_approval_auto_confirm = False
        order = self.make_order(20000)
        order.with_user(self.salesman).action_request_approval()
        self.approve(order, self.sales_manager)
        line = order.order_line
        # same band: the approval holds
        line.with_user(self.salesman).write({"price_unit": 49999.99})
        self.assertEqual(order.approval_state, "approved")
        # down: still approved
        line.with_user(self.salesman).write({"price_unit": 12000})
        self.assertEqual(order.approval_state, "approved")
        # into the finance band: approval again
        line.with_user(self.salesman).write({"price_unit": 60000})
        self.assertEqual(order.approval_state, "to_approve")
        self.assertFalse(order.approval_approved_band_id)
        self.assertIn("must be approved again", order.message_ids[0].body)
        with self.assertRaisesRegex(UserError, "2. Finance"):
            order.with_user(self.salesman).action_confirm()
        order.with_user(self.salesman).action_request_approval()
        request = self.request_of(order)
        self.assertEqual(request.level_count, 2)

    def test_raise_while_pending_restarts(self):
        order = self.make_order(20000)
        order.with_user(self.salesman).action_request_approval()
        old_request = self.request_of(order)
        order.order_line.with_user(self.salesman).write({"price_unit": 60000})
        self.assertEqual(old_request.status, "cancelled")
        self.assertEqual(order.approval_state, "to_approve")
        self.assertEqual(order.workflow_status, "cancelled")
        with self.assertRaises(UserError):
            old_request.with_user(self.sales_manager).approve()

    def test_added_line_reopens(self):
        self.company.sale_approval_auto_confirm = False
        order = self.make_order(40000)
        order.with_user(self.salesman).action_request_approval()
        self.approve(order, self.sales_manager)
        order.with_user(self.salesman).write(
            {"order_line": [(0, 0, {"product_id": self.product.id, "price_unit": 15000, "tax_id": [(5,)]})]}
        )
        self.assertEqual(order.approval_state, "to_approve")

    def test_batch_request_approval(self):
        orders = (
            self.env["sale.order"]
            .with_user(self.salesman)
            .create(
                [
                    {
                        "partner_id": self.customer.id,
                        "order_line": [
                            (0, 0, {"product_id": self.product.id, "price_unit": 20000, "tax_id": [(5,)]})
                        ],
                    }
                    for _i in range(5)
                ]
            )
        )
        orders.with_user(self.salesman).action_request_approval()
        self.assertEqual(set(orders.mapped("approval_state")), {"pending"})
        requests = self.env["approval.request"].search(
            [("model_name", "=", "sale.order"), ("record_id", "in", orders.ids)]
        )
        self.assertEqual(len(requests), 5)

    def test_cancelled_order_resets_approval(self):
        order = self.make_order(20000)
        order.with_user(self.salesman).action_request_approval()
        request = self.request_of(order)
        order.with_user(self.salesman)._action_cancel()
        self.assertEqual(request.status, "cancelled")
        self.assertEqual(order.approval_state, "not_required")
        order.with_user(self.salesman).action_draft()
        self.assertEqual(order.approval_state, "to_approve")

    def test_four_eyes_leaves_out_the_salesperson(self):
        other_manager = self.env["res.users"].create(
            {
                "name": "Otto Other Manager",
                "login": "so_other_mgr",
                "groups_id": [(6, 0, self.env.ref("base.group_user").ids)],
            }
        )
        self.manager_group.users = self.sales_manager | other_manager
        order = self.make_order(20000, user=self.sales_manager)
        order.with_user(self.sales_manager).action_request_approval()
        request = self.request_of(order)
        self.assertEqual(request.assignment_ids.approver_id, other_manager)
        # the only approver of a level stays one even on their own order
        self.manager_group.users = self.sales_manager
        order2 = self.make_order(20000, user=self.sales_manager)
        order2.with_user(self.sales_manager).action_request_approval()
        self.assertEqual(self.request_of(order2).assignment_ids.approver_id, self.sales_manager)

    def test_each_level_is_decided_by_other_people(self):
        # the finance controller is also a sales manager: they decide at level 1 only
        self.manager_group.users = self.sales_manager | self.finance
        self.band_finance.level_ids.filtered(lambda lv: lv.name == "Finance").user_ids = (
            self.finance | self.gm
        )
        order = self.make_order(150000)
        order.with_user(self.salesman).action_request_approval()
        request = self.request_of(order)
        by_level = {
            lv: request.assignment_ids.filtered(lambda a, lv=lv: a.level == lv).approver_id for lv in (1, 2)
        }
        self.assertEqual(by_level[1], self.sales_manager | self.finance)
        self.assertEqual(by_level[2], self.gm)
        # a level left with nobody new is refused instead of silently skipped
        self.band_finance.level_ids.filtered(lambda lv: lv.name == "Finance").user_ids = self.finance
        order2 = self.make_order(150000)
        with self.assertRaisesRegex(UserError, "only approvers of earlier levels"):
            order2.with_user(self.salesman).action_request_approval()

    def test_empty_level_is_a_clear_error(self):
        self.manager_group.users = False
        order = self.make_order(20000)
        with self.assertRaisesRegex(
            UserError, "Sales manager of the approval band .* has no active approver"
        ):
            order.with_user(self.salesman).action_request_approval()
        self.assertEqual(order.approval_state, "to_approve")

    def test_approval_fields_cannot_be_forged(self):
        order = self.make_order(150000)
        with self.assertRaises(AccessError):
            order.with_user(self.salesman).write({"approval_state": "approved"})
        with self.assertRaises(AccessError):
            order.with_user(self.salesman).with_context(sale_approval_reopening=True).write(
                {"approval_approved_band_id": self.band_gm.id}
            )
        self.assertEqual(order.approval_state, "to_approve")
        copy = order.copy()
        self.assertEqual(copy.approval_state, "to_approve")

    def test_new_user_scenario_approve(self):
        """A 150,000 order for a dairy shop: sales manager then finance, each from their inbox."""
        Request = self.env["approval.request"]
        order = self.make_order(150000)
        self.assertEqual(order.approval_levels_text, "1. Sales manager, 2. Finance")
        order.with_user(self.salesman).action_request_approval()
        self.assertEqual(order.approval_state, "pending")
        self.assertEqual(order.approval_requested_band_id, self.band_finance)
        self.assertEqual(Request.with_user(self.sales_manager).get_my_pending_count(), 1)
        self.assertEqual(Request.with_user(self.finance).get_my_pending_count(), 0)
        mine = Request.with_user(self.sales_manager).list_my_pending()
        self.assertEqual([(p["model"], p["record_id"]) for p in mine], [("sale.order", order.id)])
        Request.browse(mine[0]["id"]).with_user(self.sales_manager).approve(comment="Margin is fine")
        self.assertEqual(order.state, "draft")
        self.assertEqual(Request.with_user(self.sales_manager).get_my_pending_count(), 0)
        mine = Request.with_user(self.finance).list_my_pending()
        self.assertEqual(len(mine), 1)
        self.assertEqual(Request.with_user(self.finance).get_my_pending_count(), 1)
        Request.browse(mine[0]["id"]).with_user(self.finance).approve(comment="Credit limit OK")
        self.assertEqual(order.approval_state, "approved")
        self.assertEqual(order.state, "sale")
        history = " ".join(c for c in order.workflow_instance_id.history_ids.mapped("comment") if c)
        self.assertIn("Sofia Sales Manager approved: Margin is fine", history)
        self.assertIn("Frank Finance approved: Credit limit OK", history)

    def test_new_user_scenario_reject(self):
        reason = self.env.ref("workflow_automation.rejection_reason_credit")
        Request = self.env["approval.request"]
        order = self.make_order(150000)
        order.with_user(self.salesman).action_request_approval()
        self.approve(order, self.sales_manager, "fine for me")
        pending = Request.with_user(self.finance).list_my_pending()
        with self.assertRaisesRegex(UserError, "explain why"):
            Request.browse(pending[0]["id"]).with_user(self.finance).reject()
        Request.browse(pending[0]["id"]).with_user(self.finance).reject(
            comment="Three invoices overdue", reason_id=reason.id
        )
        self.assertEqual(order.approval_state, "rejected")
        self.assertEqual(order.state, "draft")
        bodies = " ".join(order.message_ids.mapped("body"))
        self.assertIn("Frank Finance (reason: Customer credit risk): Three invoices overdue", bodies)
        with self.assertRaisesRegex(UserError, "It was rejected"):
            order.with_user(self.salesman).action_confirm()
        # changed and submitted again
        order.order_line.with_user(self.salesman).write({"price_unit": 90000})
        order.with_user(self.salesman).action_request_approval()
        self.assertEqual(order.approval_state, "pending")

    def test_non_approver_cannot_decide(self):
        order = self.make_order(150000)
        order.with_user(self.salesman).action_request_approval()
        request = self.request_of(order)
        with self.assertRaises(AccessError):
            request.with_user(self.salesman).approve()
        with self.assertRaises(AccessError):
            request.with_user(self.gm).approve()
        with self.assertRaisesRegex(UserError, "not your turn"):
            request.with_user(self.finance).approve()
        self.assertEqual(order.approval_state, "pending")
