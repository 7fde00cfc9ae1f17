"""Workflow transitions and approval decisions of workflow_automation land in the audit trail."""

from odoo.tests import new_test_user, tagged

from .common import AuditCase


@tagged("post_install", "-at_install")
class TestWorkflowCapture(AuditCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.approver = new_test_user(
            cls.env, login="audit_approver", groups="base.group_user", name="Audit Approver"
        )
        Definition = cls.env["workflow.definition"]
        cls.definition = Definition.browse(
            Definition.import_json(
                {
                    "name": "Audited approval",
                    "code": "AUDITED_APPROVAL",
                    "model": "res.partner",
                    "timeout_hours": 0,
                    "workflow_config": {
                        "states": [
                            {"code": "draft", "name": "Draft", "is_initial": True},
                            {
                                "code": "review",
                                "name": "Review",
                                "state_type": "approval",
                                "approval_config": {
                                    "approvers": [{"type": "user", "login": "audit_approver"}]
                                },
                            },
                            {"code": "ok", "name": "Approved", "is_final": True},
                            {"code": "ko", "name": "Rejected", "is_final": True},
                        ],
                        "transitions": [
                            {"name": "Submit", "from": "draft", "to": "review"},
                            {"name": "Yes", "from": "review", "to": "ok", "trigger_type": "approval"},
                            {"name": "No", "from": "review", "to": "ko", "trigger_type": "rejection"},
                        ],
                    },
                }
            )
        )

    def test_transitions_and_decisions_are_audited(self):
        partner = self.env["res.partner"].create({"name": "Audited dairy shop"})
        inst = self.env["workflow.instance"]._start(self.definition, partner)
        inst.fire(self.definition.transition_ids.filtered(lambda t: t.name == "Submit").id, comment="please")
        request = self.env["approval.request"].search([("instance_id", "=", inst.id)])
        request.with_user(self.approver).approve(comment="fine by me")
        self.commit_point()

        workflow = self.entries(partner, "workflow")
        self.assertEqual(set(workflow.mapped("workflow_instance_id")), {inst.id})
        moves = workflow.filtered(
            lambda e: e.new_values.get("action_type") == "start" or e.new_values.get("transition")
        )
        self.assertEqual([e.new_values["state"] for e in moves], ["Draft", "Review", "Approved"])
        # the decision itself is in the workflow history too, with who decided
        self.assertTrue(
            workflow.filtered(
                lambda e: e.new_values.get("action_type") == "approval" and not e.new_values.get("transition")
            )
        )
        submit = workflow.filtered(lambda e: e.new_values.get("transition") == "Submit")
        self.assertEqual(submit.old_values, {"state": "Draft"})
        self.assertEqual(submit.new_values["comment"], "please")
        approved = workflow.filtered(lambda e: e.new_values.get("transition") == "Yes")
        self.assertEqual(approved.user_id, self.approver, "the decider, not the system, moved the workflow")

        decisions = self.Log.search(
            [("action_type", "=", "approval"), ("approval_request_id", "=", request.id)], order="id"
        )
        approved_rows = decisions.filtered(lambda e: e.new_values.get("status") == "approved")
        self.assertEqual(len(approved_rows), 1)
        self.assertEqual(approved_rows.user_id, self.approver)
        self.assertEqual(approved_rows.workflow_instance_id, inst.id)
        self.assertEqual(approved_rows.new_values["comment"], "fine by me")

    def test_rolled_back_transition_leaves_no_audit_row(self):
        boom = self.env["ir.actions.server"].create(
            {
                "name": "Boom",
                "model_id": self.env["ir.model"]._get("res.partner").id,
                "state": "code",
                "code": "raise UserError('gateway down')",
            }
        )
        submit = self.definition.transition_ids.filtered(lambda t: t.name == "Submit")
        submit.action_ids = boom  # before any instance runs: edited in place
        partner = self.env["res.partner"].create({"name": "Rolled back shop"})
        inst = self.env["workflow.instance"]._start(self.definition, partner)
        self.commit_point()
        before = len(self.entries(partner, "workflow"))
        self.assertEqual(before, 1)  # the start
        with self.assertRaisesRegex(Exception, "gateway down"):
            inst.fire(submit.id)
        self.commit_point()
        self.assertEqual(len(self.entries(partner, "workflow")), before)
