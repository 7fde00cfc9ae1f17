"""Firing needs write access to the record; instances, history and approval requests follow the document.

Refused users: an employee who may only read partners, and a Workflow Manager of
one company who cannot read a shop of another company.
"""

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .test_approval import ApprovalCase


@tagged("post_install", "-at_install")
class TestFireNeedsWrite(ApprovalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # an employee: reads partners, may not change them
        cls.reader = new_test_user(cls.env, login="wf_reader", groups="base.group_user", name="Rita Reader")

    def test_reader_cannot_fire_nor_see_transitions(self):
        partner = self.partner.with_user(self.reader)
        self.assertEqual(partner.name, "Green Valley Dairy Shop")
        self.assertFalse(partner.check_access_rights("write", raise_exception=False))
        inst = self.start()
        as_reader = inst.with_user(self.reader)
        self.assertEqual(as_reader.current_state_id.code, "draft")  # they may follow it
        self.assertEqual(as_reader.get_available_transitions(), {str(inst.id): []})
        self.assertFalse(as_reader.available_transitions)
        submit = self.transitions["Submit"].id
        with self.assertRaises(AccessError):
            as_reader.fire(submit)
        with self.assertRaises(AccessError):
            as_reader.action_workflow_fire(submit)
        wizard = (
            self.env["workflow.transition.wizard"]
            .with_user(self.reader)
            .create({"instance_id": inst.id, "transition_id": submit, "comment": "please"})
        )
        with self.assertRaises(AccessError):
            wizard.action_confirm()
        self.assertEqual(inst.current_state_id.code, "draft")
        self.assertEqual(inst.history_ids.mapped("action_type"), ["start"])
        # a colleague who may change partners sees and fires it
        as_user = inst.with_user(self.user)
        self.assertEqual([t["name"] for t in as_user.get_available_transitions()[str(inst.id)]], ["Submit"])
        self.assertEqual(as_user.fire(submit), "review")


@tagged("post_install", "-at_install")
class TestDocumentFollowingAccess(ApprovalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.env["res.company"].create({"name": "Hill Farm Cheese"})
        # a Workflow Manager (sees every instance and request of their company) who is not in the other company
        cls.snoop = new_test_user(
            cls.env,
            login="wf_snoop",
            groups="base.group_user,base.group_partner_manager,workflow_automation.group_workflow_manager",
            name="Sam Snoop",
        )

    def _foreign_request(self, approvers):
        """An approval request on a shop of the other company, filed under the main company (as a
        misconfigured or moved instance would be): only the document's own access protects it."""
        shop = self.env["res.partner"].create(
            {"name": "Secret Cheese Cellar", "company_id": self.other_company.id}
        )
        inst, request = self.submit(self.make_approval_flow(approvers), shop)
        inst.write({"company_id": self.env.company.id, "context_data": {"price": "confidential"}})
        request.write({"company_id": self.env.company.id, "outcome_comment": "margin 42%"})
        inst.history_ids.write({"comment": "secret remark"})
        inst.message_post(body="secret chatter")
        self.assertEqual(inst.history_ids.company_id, self.env.company)
        return shop, inst, request

    def test_who_cannot_read_the_document_sees_nothing_of_its_workflow(self):
        shop, inst, request = self._foreign_request(self.alice)
        shop_as_snoop = shop.with_user(self.snoop)
        with self.assertRaises(AccessError):
            shop_as_snoop.read(["name"])
        env = self.env(user=self.snoop)
        for model, records in (
            ("workflow.instance", inst),
            ("workflow.history", inst.history_ids),
            ("approval.request", request),
            ("approval.assignment", request.assignment_ids),
        ):
            with self.subTest(model=model):
                self.assertFalse(env[model].search([("id", "in", records.ids)]))
                self.assertEqual(env[model].search_count([("id", "in", records.ids)]), 0)
                with self.assertRaises(AccessError):
                    records.with_user(self.snoop).read(["display_name"])
        self.assertFalse(env["workflow.instance"].search([("record_name", "ilike", "Secret")]))
        self.assertFalse(env["approval.request"].search([("record_name", "ilike", "Secret")]))
        self.assertFalse(env["workflow.history"].search([("comment", "ilike", "secret")]))
        self.assertFalse(
            env["workflow.instance"].read_group([("id", "=", inst.id)], ["status"], ["status"]),
        )
        with self.assertRaises(AccessError):
            inst.with_user(self.snoop).read(["context_data"])
        with self.assertRaises(AccessError):
            request.with_user(self.snoop).read(["outcome_comment"])
        self.assertFalse(
            env["mail.message"].search([("model", "=", "workflow.instance"), ("res_id", "=", inst.id)])
        )
        # the same manager sees the workflows of documents they may read
        mine, mine_request = self.submit(self.make_approval_flow(self.alice))
        self.assertEqual(env["workflow.instance"].search([("id", "in", (inst | mine).ids)]), mine)
        self.assertEqual(
            env["approval.request"].search([("id", "in", (request | mine_request).ids)]), mine_request
        )

    def test_an_assigned_approver_sees_the_request_only(self):
        # Alice has no access to the other company's shop but is asked to decide on it
        shop, inst, request = self._foreign_request(self.alice)
        with self.assertRaises(AccessError):
            shop.with_user(self.alice).read(["name"])
        as_alice = request.with_user(self.alice)
        self.assertEqual(as_alice.record_name, "Secret Cheese Cellar")
        pending = self.env["approval.request"].with_user(self.alice).list_my_pending()
        self.assertEqual([p["id"] for p in pending], request.ids)
        self.assertTrue(
            self.env["approval.assignment"].with_user(self.alice).search([("request_id", "=", request.id)])
        )
        # ...not the instance, its context or its history
        self.assertFalse(self.env["workflow.instance"].with_user(self.alice).search([("id", "=", inst.id)]))
        with self.assertRaises(AccessError):
            inst.with_user(self.alice).read(["context_data"])
        self.assertFalse(
            self.env["workflow.history"].with_user(self.alice).search([("instance_id", "=", inst.id)])
        )
        # Bob, an approver of nothing here, sees nothing
        self.assertFalse(self.env["approval.request"].with_user(self.bob).search([("id", "=", request.id)]))
        with self.assertRaises(AccessError):
            request.with_user(self.bob).read(["name"])
        # Alice decides: it works
        as_alice.approve(comment="fine")
        self.assertEqual(inst.current_state_id.code, "approved")
