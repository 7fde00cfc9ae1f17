from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import WorkflowCase


@tagged("post_install", "-at_install")
class TestSecurity(WorkflowCase):
    def test_every_employee_is_workflow_user(self):
        self.assertTrue(self.user.has_group("workflow_automation.group_workflow_user"))
        self.assertFalse(self.user.has_group("workflow_automation.group_workflow_manager"))
        self.assertFalse(self.outsider.has_group("workflow_automation.group_workflow_user"))

    def test_users_read_but_never_write_engine_records(self):
        inst = self.start()
        as_user = inst.with_user(self.user)
        self.assertEqual(as_user.current_state_id.code, "draft")
        with self.assertRaises(AccessError):
            as_user.write({"current_state_id": self.states["done"].id})
        with self.assertRaises(AccessError):
            self.definition.with_user(self.user).write({"name": "Hacked"})
        with self.assertRaises(AccessError):
            inst.history_ids.with_user(self.user).unlink()
        with self.assertRaises(AccessError):
            inst.history_ids.with_user(self.manager).write({"comment": "rewritten"})

    def test_portal_users_see_nothing(self):
        inst = self.start()
        with self.assertRaises(AccessError):
            inst.with_user(self.outsider).read(["status"])
        with self.assertRaises(AccessError):
            inst.with_user(self.outsider).fire(self.transitions["Submit"].id)

    def test_managers_design(self):
        definition = self.definition.with_user(self.manager)
        definition.write({"name": "Order flow (v2)"})
        self.assertEqual(self.definition.name, "Order flow (v2)")

    def test_multi_company_isolation(self):
        other_company = self.env["res.company"].create({"name": "Hill Farm Cheese"})
        other_user = new_test_user(
            self.env,
            login="wf_other_co",
            groups="base.group_user",
            company_id=other_company.id,
            company_ids=[(6, 0, other_company.ids)],
        )
        inst = self.start()
        self.assertEqual(inst.company_id, self.env.company)
        Instance = self.env["workflow.instance"].with_user(other_user)
        self.assertFalse(Instance.search([("id", "=", inst.id)]))
        self.assertFalse(
            self.env["workflow.definition"].with_user(other_user).search([("id", "=", self.definition.id)])
        )
        with self.assertRaises(AccessError):
            inst.with_user(other_user).fire(self.transitions["Submit"].id)

    def test_firing_needs_access_to_the_target_record(self):
        # a workflow user who may not read partners of another company cannot move their workflows
        other_company = self.env["res.company"].create({"name": "Hill Farm Cheese"})
        partner = self.env["res.partner"].create({"name": "Foreign shop", "company_id": other_company.id})
        inst = self.start(partner)
        inst.company_id = self.env.company  # visible instance, invisible record
        with self.assertRaises(AccessError):
            inst.with_user(self.user).fire(self.transitions["Submit"].id)
        self.assertEqual(inst.current_state_id.code, "draft")

    def test_webhook_actions_only_to_allowed_hosts(self):
        action = self.action("Hook", state="webhook", webhook_url="http://127.0.0.1:9/hook")
        self.transitions["Submit"].action_ids = action
        inst = self.start()
        with self.assertRaisesRegex(Exception, "127.0.0.1 in the webhook URL .* is a loopback address"):
            inst.fire(self.transitions["Submit"].id)
        self.assertEqual(inst.current_state_id.code, "draft")

    def test_starting_needs_write_access_to_the_records(self):
        # a workflow user cannot start workflows on records they may not change (here: another company's)
        other_company = self.env["res.company"].create({"name": "Hill Farm Cheese"})
        foreign = self.env["res.partner"].create({"name": "Foreign shop", "company_id": other_company.id})
        with self.assertRaises(AccessError):
            self.definition.with_user(self.user).start(foreign.ids)
        with self.assertRaises(AccessError):
            self.env["workflow.instance"].with_user(self.user).start_workflow(
                "ORDER_FLOW", "res.partner", foreign.id
            )
        self.assertFalse(
            self.env["workflow.instance"].search(
                [("record_id", "=", foreign.id), ("model_name", "=", "res.partner")]
            )
        )
