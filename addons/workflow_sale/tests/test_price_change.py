from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import SaleApprovalCase


@tagged("post_install", "-at_install")
class TestPriceChange(SaleApprovalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.price_approver = new_test_user(
            cls.env, login="price_approver", groups="workflow_sale.group_price_approver", name="Paula Pricing"
        )
        cls.env.ref("workflow_sale.group_price_approver").users = cls.price_approver
        cls.template = cls.product.product_tmpl_id
        cls.Request = cls.env["price.change.request"]

    def set_price(self, price, user=None, template=None):
        (template or self.template).with_user(user or self.sales_manager).write({"list_price": price})

    def requests(self, template=None):
        return self.Request.search([("product_tmpl_id", "=", (template or self.template).id)])

    def approval_of(self, request):
        return self.env["approval.request"].search(
            [("model_name", "=", "price.change.request"), ("record_id", "=", request.id)]
        )

    def test_threshold_boundary(self):
        self.set_price(11.0)  # exactly +10 %: applied
        self.assertEqual(self.template.list_price, 11.0)
        self.assertFalse(self.requests())
        self.set_price(12.1)  # exactly +10 % again, despite float noise
        self.assertEqual(self.template.list_price, 12.1)
        self.assertFalse(self.requests())
        self.set_price(10.89)  # exactly -10 %
        self.assertEqual(self.template.list_price, 10.89)
        self.set_price(11.99)  # +10.1 %: a request
        self.assertEqual(self.template.list_price, 10.89, "the price is not changed yet")
        request = self.requests()
        self.assertEqual(len(request), 1)
        self.assertEqual(request.status, "pending")
        self.assertEqual((request.old_price, request.new_price), (10.89, 11.99))
        self.assertAlmostEqual(request.change_percent, 10.1010, places=3)
        self.assertEqual(request.requested_by, self.sales_manager)
        self.assertIn("needs approval", self.template.message_ids[0].body)

    def test_disabled_or_first_price_applies_directly(self):
        self.company.price_change_approval = False
        self.set_price(50.0)
        self.assertEqual(self.template.list_price, 50.0)
        self.company.price_change_approval = True
        free = self.env["product.template"].create({"name": "Sample yoghurt", "list_price": 0.0})
        self.set_price(2.5, template=free)
        self.assertEqual(free.list_price, 2.5)

    def test_other_fields_still_written(self):
        self.template.with_user(self.sales_manager).write({"list_price": 20.0, "description_sale": "Fresh"})
        self.assertEqual(self.template.description_sale, "Fresh")
        self.assertEqual(self.template.list_price, 10.0)

    def test_variant_price_goes_through_approval(self):
        self.product.with_user(self.sales_manager).write({"lst_price": 30.0})
        self.assertEqual(self.template.list_price, 10.0)
        self.assertEqual(self.requests().new_price, 30.0)

    def test_approve_applies_at_effective_date(self):
        self.set_price(15.0)
        request = self.requests()
        tomorrow = fields.Datetime.now() + timedelta(days=1)
        request.with_user(self.sales_manager).write({"effective_date": tomorrow, "reason": "New milk price"})
        approval = self.approval_of(request)
        self.assertEqual(approval.assignment_ids.approver_id, self.price_approver)
        self.assertEqual(
            self.env["approval.request"].with_user(self.price_approver).get_my_pending_count(), 1
        )
        approval.with_user(self.price_approver).approve(comment="Agreed with purchasing")
        self.assertEqual(request.status, "approved")
        self.assertEqual(self.template.list_price, 10.0, "not before the effective date")
        Job = self.env["workflow.job"]
        Job.run_job("price.change.request", "_job_apply_due")
        self.assertEqual(self.template.list_price, 10.0)
        request.sudo().effective_date = fields.Datetime.now() - timedelta(seconds=1)
        self.assertEqual(Job.run_job("price.change.request", "_job_apply_due"), 1)
        self.assertEqual(self.template.list_price, 15.0)
        self.assertEqual(request.status, "applied")
        self.assertTrue(request.applied_at)
        self.assertEqual(Job.run_job("price.change.request", "_job_apply_due"), 0, "applied once")

    def test_approve_with_due_date_applies_now(self):
        self.set_price(15.0)
        request = self.requests()
        self.approval_of(request).with_user(self.price_approver).approve()
        self.assertEqual(request.status, "applied")
        self.assertEqual(self.template.list_price, 15.0)

    def test_reject_leaves_price(self):
        self.set_price(5.0)
        request = self.requests()
        self.approval_of(request).with_user(self.price_approver).reject(comment="Below cost")
        self.assertEqual(request.status, "rejected")
        self.assertEqual(self.template.list_price, 10.0)
        self.env["workflow.job"].run_job("price.change.request", "_job_apply_due")
        self.assertEqual(self.template.list_price, 10.0)
        self.assertIn("Below cost", self.template.message_ids[0].body)

    def test_newer_request_replaces_older(self):
        self.set_price(15.0)
        first = self.requests()
        self.set_price(16.0)
        second = self.requests() - first
        self.assertEqual(first.status, "cancelled")
        self.assertEqual(self.approval_of(first).status, "cancelled")
        self.assertEqual(second.status, "pending")

    def test_pricelist_fixed_price(self):
        pricelist = self.env["product.pricelist"].create(
            {
                "name": "Retail shops",
                "item_ids": [
                    Command.create(
                        {
                            "applied_on": "1_product",
                            "product_tmpl_id": self.template.id,
                            "compute_price": "fixed",
                            "fixed_price": 9.0,
                        }
                    )
                ],
            }
        )
        item = pricelist.item_ids
        item.with_user(self.sales_manager).write({"fixed_price": 9.5})  # +5.6 %
        self.assertEqual(item.fixed_price, 9.5)
        item.with_user(self.sales_manager).write({"fixed_price": 12.0})
        self.assertEqual(item.fixed_price, 9.5)
        request = self.Request.search([("pricelist_item_id", "=", item.id)])
        self.assertEqual(request.target, "pricelist_item")
        self.assertEqual(request.pricelist_id, pricelist)
        self.approval_of(request).with_user(self.price_approver).approve()
        self.assertEqual(item.fixed_price, 12.0)
        self.assertEqual(request.status, "applied")

    def test_no_bypass(self):
        self.template.with_user(self.sales_manager).with_context(price_change_apply=True).write(
            {"list_price": 99.0}
        )
        self.assertEqual(self.template.list_price, 10.0, "the context alone does not bypass the approval")
        request = self.requests()
        with self.assertRaises(AccessError):
            request.with_user(self.sales_manager).write({"status": "approved"})
        with self.assertRaises(AccessError):
            self.approval_of(request).with_user(self.sales_manager).approve()
        with self.assertRaises(AccessError):
            self.template.with_user(self.salesman).write({"list_price": 99.0})

    def test_requester_does_not_approve_own_change(self):
        self.env.ref("workflow_sale.group_price_approver").users = self.price_approver | self.sales_manager
        self.set_price(20.0)
        self.assertEqual(self.approval_of(self.requests()).assignment_ids.approver_id, self.price_approver)

    def test_no_price_approver_is_a_clear_error(self):
        self.env.ref("workflow_sale.group_price_approver").users = False
        with self.assertRaisesRegex(UserError, "Nobody can approve"):
            self.set_price(20.0)

    def test_history_smart_button_and_withdraw(self):
        self.set_price(20.0)
        self.assertEqual(self.template.price_change_count, 1)
        self.assertEqual(self.template.price_change_pending, 1)
        action = self.template.action_view_price_changes()
        self.assertEqual(self.Request.search(action["domain"]), self.requests())
        variant_action = self.product.action_view_price_changes()
        self.assertEqual(self.Request.search(variant_action["domain"]), self.requests())
        request = self.requests()
        with self.assertRaises(AccessError):
            request.with_user(self.salesman).action_cancel_request()
        request.with_user(self.sales_manager).action_cancel_request()
        self.assertEqual(request.status, "cancelled")
        self.assertEqual(self.approval_of(request).status, "cancelled")
        self.assertEqual(self.template.list_price, 10.0)


@tagged("post_install", "-at_install")
class TestPriceChangeByOtherEditors(SaleApprovalCase):
    def test_a_product_editor_without_sales_rights_submits_a_request(self):
        # e.g. an inventory or purchase manager: may change products, may not change price change requests
        editors = self.env["res.groups"].create({"name": "Product editors"})
        self.env["ir.model.access"].create(
            {
                "name": "product editors",
                "model_id": self.env["ir.model"]._get_id("product.template"),
                "group_id": editors.id,
                "perm_read": True,
                "perm_write": True,
            }
        )
        editor = new_test_user(self.env, login="price_editor", groups="base.group_user", name="Ed Editor")
        editor.groups_id |= editors
        Request = self.env["price.change.request"]
        self.assertFalse(Request.with_user(editor).check_access_rights("write", raise_exception=False))
        template = self.product.product_tmpl_id
        template.with_user(editor).write({"list_price": 20.0})
        self.assertEqual(template.list_price, 10.0)
        request = Request.search([("product_tmpl_id", "=", template.id)])
        self.assertEqual((request.status, request.requested_by), ("pending", editor))
