from datetime import timedelta

from psycopg2 import IntegrityError

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import WorkflowCase, make_approval_definition


class ApprovalCase(WorkflowCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        groups = "base.group_user,base.group_partner_manager"
        cls.alice, cls.bob, cls.carol, cls.dave = (
            new_test_user(cls.env, login=login, groups=groups, name=name)
            for login, name in (
                ("alice", "Alice Approver"),
                ("bob", "Bob Approver"),
                ("carol", "Carol Approver"),
                ("dave", "Dave Director"),
            )
        )

    def make_approval_flow(self, approvers, approval_type="any", code=None, **state_vals):
        self.counter = getattr(self, "counter", 0) + 1
        state = dict(
            {
                "name": "Manager approval",
                "code": "review",
                "state_type": "approval",
                "sequence": 2,
                "approval_type": approval_type,
                "approver_user_ids": [Command.set([u.id for u in approvers])],
            },
            **state_vals,
        )
        return make_approval_definition(self.env, state, code or f"APPROVAL_{self.counter}")

    def submit(self, definition, partner=None):
        partner = partner or self.env["res.partner"].create({"name": "Big dairy order"})
        inst = self.env["workflow.instance"]._start(definition, partner)
        inst.fire(definition.transition_ids.filtered(lambda t: t.name == "Submit").id)
        request = self.env["approval.request"].search([("instance_id", "=", inst.id)])
        self.assertEqual(len(request), 1)
        return inst, request

    def as_(self, user, request):
        return request.with_user(user)


@tagged("post_install", "-at_install")
class TestDecisionRules(ApprovalCase):
    def test_any_first_approval_approves(self):
        inst, req = self.submit(self.make_approval_flow(self.alice | self.bob, "any"))
        self.assertEqual(req.assignment_ids.mapped("status"), ["pending", "pending"])
        self.as_(self.bob, req).approve(comment="fine")
        self.assertEqual(req.status, "approved")
        self.assertEqual(inst.current_state_id.code, "approved")
        self.assertEqual(inst.status, "completed")
        self.assertEqual(req.assignment_ids.filtered(lambda a: a.approver_id == self.alice).status, "skipped")
        approvals = inst.history_ids.filtered(lambda h: h.action_type == "approval")
        self.assertIn("Bob Approver approved: fine", approvals.mapped("comment"))
        self.assertEqual(len(inst.history_ids.filtered(lambda h: h.transition_id.name == "Approved")), 1)

    def test_any_first_rejection_rejects(self):
        inst, req = self.submit(self.make_approval_flow(self.alice | self.bob, "any"))
        self.as_(self.alice, req).reject(comment="Customer over credit limit")
        self.assertEqual(req.status, "rejected")
        self.assertEqual(inst.current_state_id.code, "rejected")

    def test_any_with_min_approvers(self):
        inst, req = self.submit(
            self.make_approval_flow(self.alice | self.bob | self.carol, "any", min_approvers=2)
        )
        self.as_(self.alice, req).approve()
        self.assertEqual(req.status, "pending")
        self.as_(self.carol, req).approve()
        self.assertEqual(req.status, "approved")
        self.assertEqual(inst.current_state_id.code, "approved")

    def test_all_needs_everyone_and_one_rejection_rejects(self):
        inst, req = self.submit(self.make_approval_flow(self.alice | self.bob, "all"))
        self.as_(self.alice, req).approve()
        self.assertEqual(req.status, "pending")
        self.as_(self.bob, req).approve()
        self.assertEqual(inst.current_state_id.code, "approved")
        inst2, req2 = self.submit(self.make_approval_flow(self.alice | self.bob, "all"))
        self.as_(self.alice, req2).approve()
        self.as_(self.bob, req2).reject(comment="no")
        self.assertEqual(inst2.current_state_id.code, "rejected")

    def test_sequential_order_and_turns(self):
        inst, req = self.submit(self.make_approval_flow(self.alice | self.bob | self.carol, "sequential"))
        by = {a.approver_id: a for a in req.assignment_ids}
        self.assertEqual(
            [by[u].status for u in (self.alice, self.bob, self.carol)], ["pending", "waiting", "waiting"]
        )
        with self.assertRaisesRegex(UserError, "not your turn"):
            self.as_(self.bob, req).approve()
        self.as_(self.alice, req).approve()
        self.assertEqual(by[self.bob].status, "pending")
        # the next one is notified through an activity
        self.assertTrue(by[self.bob].activity_id)
        self.assertEqual(by[self.bob].activity_id.user_id, self.bob)
        self.as_(self.bob, req).approve()
        self.assertEqual(req.status, "pending")
        self.as_(self.carol, req).approve()
        self.assertEqual(inst.current_state_id.code, "approved")

    def test_majority_decides_as_soon_as_outcome_is_certain(self):
        inst, req = self.submit(self.make_approval_flow(self.alice | self.bob | self.carol, "majority"))
        self.as_(self.alice, req).approve()
        self.assertEqual(req.status, "pending")
        self.as_(self.bob, req).approve()  # 2 of 3: no outcome can change it
        self.assertEqual(req.status, "approved")
        self.assertEqual(inst.current_state_id.code, "approved")
        inst2, req2 = self.submit(self.make_approval_flow(self.alice | self.bob | self.carol, "majority"))
        self.as_(self.alice, req2).reject(comment="no")
        self.as_(self.carol, req2).reject(comment="no")
        self.assertEqual(req2.status, "rejected")

    def test_majority_tie_rejects_unless_configured(self):
        four = self.alice | self.bob | self.carol | self.dave
        _inst, req = self.submit(self.make_approval_flow(four, "majority"))
        self.as_(self.alice, req).approve()
        self.as_(self.bob, req).approve()
        self.assertEqual(req.status, "pending")
        self.as_(self.carol, req).reject(comment="no")  # 2-1, one left: still open
        self.assertEqual(req.status, "pending")
        self.as_(self.dave, req).reject(comment="no")  # 2-2: a tie rejects
        self.assertEqual(req.status, "rejected")
        _inst, req2 = self.submit(self.make_approval_flow(four, "majority", approval_tie_policy="approve"))
        self.as_(self.alice, req2).approve()
        self.as_(self.bob, req2).approve()  # 2 of 4 with ties approving
        self.assertEqual(req2.status, "approved")

    def test_completion_fires_exactly_once(self):
        inst, req = self.submit(self.make_approval_flow(self.alice | self.bob, "any"))
        self.as_(self.alice, req).approve()
        with self.assertRaisesRegex(UserError, "is already approved"):
            self.as_(self.bob, req).approve()
        self.assertFalse(req._complete("approved"), "a second completion is a no-op")
        self.assertEqual(len(inst.history_ids.filtered(lambda h: h.transition_id.name == "Approved")), 1)

    def test_activities_scheduled_and_cleared(self):
        _inst, req = self.submit(self.make_approval_flow(self.alice | self.bob, "all"))
        partner = req.record_ref
        todo = partner.activity_ids.filtered(lambda a: a.summary and a.summary.startswith("Approve"))
        self.assertEqual(todo.user_id, self.alice | self.bob)
        self.as_(self.alice, req).approve()
        todo = partner.activity_ids.filtered(lambda a: a.summary and a.summary.startswith("Approve"))
        self.assertEqual(todo.user_id, self.bob)

    def test_rejection_comment_and_reasons(self):
        _inst, req = self.submit(self.make_approval_flow(self.alice, "any"))
        with self.assertRaisesRegex(UserError, "explain why you reject"):
            self.as_(self.alice, req).reject()
        reason = self.env.ref("workflow_automation.rejection_reason_credit")
        self.as_(self.alice, req).reject(comment="Unpaid invoices", reason_id=reason.id)
        self.assertEqual(req.assignment_ids.rejection_reason_id, reason)

    def test_approvers_from_groups_and_record_field(self):
        group = self.env["res.groups"].create(
            {"name": "Credit controllers", "users": [Command.set(self.carol.ids)]}
        )
        definition = self.make_approval_flow(
            self.alice, "all", approver_group_ids=[Command.set(group.ids)], approver_field_path="user_id"
        )
        partner = self.env["res.partner"].create({"name": "Shop with salesperson", "user_id": self.dave.id})
        _inst, req = self.submit(definition, partner)
        self.assertEqual(
            set(req.assignment_ids.approver_id.ids), {self.alice.id, self.carol.id, self.dave.id}
        )
        self.assertEqual(
            req.assignment_ids.filtered(lambda a: a.approver_id == self.carol).approver_group_id, group
        )
        with self.assertRaisesRegex(ValidationError, "must lead to users"):
            definition.state_ids.filtered(lambda s: s.code == "review").approver_field_path = "name"

    def test_no_approver_is_a_clear_error(self):
        definition = self.make_approval_flow(self.env["res.users"], "any")
        partner = self.env["res.partner"].create({"name": "Nobody approves"})
        inst = self.env["workflow.instance"]._start(definition, partner)
        with self.assertRaisesRegex(UserError, "Nobody can approve"):
            inst.fire(definition.transition_ids.filtered(lambda t: t.name == "Submit").id)
        self.assertEqual(inst.current_state_id.code, "draft")


@tagged("post_install", "-at_install")
class TestApprovalAccess(ApprovalCase):
    def test_non_approver_gets_access_error_and_nothing_changes(self):
        _inst, req = self.submit(self.make_approval_flow(self.alice, "any"))
        with self.assertRaises(AccessError):
            self.as_(self.carol, req).approve()
        with self.assertRaises(AccessError):
            self.as_(self.carol, req).reject(comment="x")
        with self.assertRaises(AccessError):
            self.as_(self.carol, req).delegate(self.bob.id)
        self.assertEqual(req.status, "pending")
        self.assertEqual(req.assignment_ids.status, "pending")

    def test_inbox_and_counter(self):
        _inst, req = self.submit(self.make_approval_flow(self.alice | self.bob, "sequential"))
        Request = self.env["approval.request"]
        self.assertEqual(Request.with_user(self.alice).get_my_pending_count(), 1)
        self.assertEqual(Request.with_user(self.bob).get_my_pending_count(), 0)  # not his turn yet
        pending = Request.with_user(self.alice).list_my_pending()
        self.assertEqual([p["id"] for p in pending], req.ids)
        self.assertEqual(pending[0]["step"], "Manager approval")
        self.as_(self.alice, req).approve()
        self.assertEqual(Request.with_user(self.alice).get_my_pending_count(), 0)
        self.assertEqual(Request.with_user(self.bob).get_my_pending_count(), 1)

    def test_decision_wizard_on_several_requests(self):
        definition = self.make_approval_flow(self.alice, "any")
        requests = self.submit(definition)[1] | self.submit(definition)[1]
        wizard = (
            self.env["approval.decision.wizard"]
            .with_user(self.alice)
            .create({"request_ids": [Command.set(requests.ids)], "decision": "approve", "comment": "batch"})
        )
        wizard.action_confirm()
        self.assertEqual(set(requests.mapped("status")), {"approved"})


@tagged("post_install", "-at_install")
class TestDelegation(ApprovalCase):
    def test_delegate_one_assignment(self):
        inst, req = self.submit(self.make_approval_flow(self.alice, "any"))
        self.as_(self.alice, req).delegate(self.bob.id, comment="On a farm visit")
        assignment = req.assignment_ids
        self.assertEqual(assignment.delegated_to, self.bob)
        self.assertEqual(assignment.activity_id.user_id, self.bob)
        # the delegator is informed
        self.assertIn(self.alice.partner_id, req.message_ids[0].partner_ids)
        self.as_(self.bob, req).approve(comment="ok")
        self.assertEqual(assignment.decided_by, self.bob)
        line = inst.history_ids.filtered(lambda h: h.action_type == "approval" and not h.transition_id)
        self.assertIn("Bob Approver approved on behalf of Alice Approver", line.comment)
        self.assertEqual(inst.current_state_id.code, "approved")

    def test_self_delegation_and_cycle_refused(self):
        _inst, req = self.submit(self.make_approval_flow(self.alice, "any"))
        with self.assertRaisesRegex(UserError, "to yourself"):
            self.as_(self.alice, req).delegate(self.alice.id)
        self.as_(self.alice, req).delegate(self.bob.id)
        with self.assertRaisesRegex(UserError, "back to them.*delegation cycle"):
            self.as_(self.bob, req).delegate(self.alice.id)

    def test_rules_applied_at_assignment_and_cycles_refused(self):
        today = fields.Date.today()
        Delegation = self.env["approval.delegation"]
        Delegation.create(
            {
                "delegator_id": self.alice.id,
                "delegate_id": self.bob.id,
                "date_from": today,
                "date_to": today + timedelta(days=7),
                "reason": "Holiday",
            }
        )
        with self.assertRaisesRegex(ValidationError, "would create a cycle"):
            Delegation.create(
                {
                    "delegator_id": self.bob.id,
                    "delegate_id": self.alice.id,
                    "date_from": today,
                    "date_to": today + timedelta(days=1),
                }
            )
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            with self.env.cr.savepoint():
                Delegation.create(
                    {
                        "delegator_id": self.carol.id,
                        "delegate_id": self.carol.id,
                        "date_from": today,
                        "date_to": today,
                    }
                )
        inst, req = self.submit(self.make_approval_flow(self.alice, "any"))
        self.assertEqual(req.assignment_ids.delegated_to, self.bob)
        self.assertEqual(self.env["approval.request"].with_user(self.bob).get_my_pending_count(), 1)
        self.as_(self.bob, req).approve()
        self.assertEqual(inst.current_state_id.code, "approved")

    def test_rule_limited_to_models_and_dates(self):
        today = fields.Date.today()
        self.env["approval.delegation"].create(
            {
                "delegator_id": self.alice.id,
                "delegate_id": self.bob.id,
                "date_from": today + timedelta(days=3),
                "date_to": today + timedelta(days=5),
            }
        )
        self.env["approval.delegation"].create(
            {
                "delegator_id": self.alice.id,
                "delegate_id": self.carol.id,
                "date_from": today,
                "date_to": today,
                "model_ids": [Command.set(self.env["ir.model"]._get("res.users").ids)],
            }
        )
        _inst, req = self.submit(self.make_approval_flow(self.alice, "any"))
        self.assertFalse(req.assignment_ids.delegated_to, "future rule and other-model rule do not apply")


@tagged("post_install", "-at_install")
class TestApprovalTimeouts(ApprovalCase):
    def _overdue(self, req):
        req.due_at = fields.Datetime.now() - timedelta(minutes=1)

    def run_deadlines(self):
        return self.env["workflow.job"].run_job("approval.request", "_job_deadlines")

    def test_due_date_from_state_timeout(self):
        _inst, req = self.submit(self.make_approval_flow(self.alice, "any", timeout_hours=4))
        self.assertAlmostEqual((req.due_at - req.requested_at).total_seconds(), 4 * 3600, delta=2)
        self.assertFalse(_inst.state_due_at, "the request owns the deadline of an approval state")

    def test_escalate_to_configured_user(self):
        _inst, req = self.submit(
            self.make_approval_flow(
                self.alice, "any", timeout_hours=4, timeout_action="escalate", escalation_user_id=self.dave.id
            )
        )
        self._overdue(req)
        self.assertEqual(self.run_deadlines(), 1)
        self.assertEqual(req.escalation_level, 1)
        self.assertEqual(req.escalated_to, self.dave)
        dave = req.assignment_ids.filtered(lambda a: a.approver_id == self.dave)
        self.assertEqual(dave.status, "pending")
        self.assertGreater(req.due_at, fields.Datetime.now())
        self.assertEqual(self.run_deadlines(), 0, "not due again: nothing done twice")
        self.as_(self.dave, req).approve()
        self.assertEqual(req.status, "approved")

    def test_auto_approve_and_auto_reject(self):
        inst, req = self.submit(
            self.make_approval_flow(self.alice, "any", timeout_hours=1, timeout_action="auto_approve")
        )
        self._overdue(req)
        self.run_deadlines()
        self.assertEqual(req.status, "approved")
        self.assertEqual(inst.current_state_id.code, "approved")
        inst2, req2 = self.submit(
            self.make_approval_flow(self.alice, "any", timeout_hours=1, timeout_action="auto_reject")
        )
        self._overdue(req2)
        self.run_deadlines()
        self.assertEqual(req2.status, "rejected")
        self.assertEqual(inst2.current_state_id.code, "rejected")

    def test_notify_once(self):
        _inst, req = self.submit(
            self.make_approval_flow(self.alice, "any", timeout_hours=1, timeout_action="notify")
        )
        self._overdue(req)
        before = len(req.message_ids)
        self.run_deadlines()
        self.assertEqual(req.status, "pending")
        self.assertFalse(req.due_at)
        self.assertEqual(len(req.message_ids), before + 1)
        self.assertIn(self.alice.partner_id, req.message_ids[0].partner_ids)
        self.assertEqual(self.run_deadlines(), 0)

    def test_reminders_at_interval(self):
        _inst, req = self.submit(
            self.make_approval_flow(self.alice | self.bob, "all", reminder_interval_hours=2)
        )
        for assignment in req.assignment_ids:
            self.assertAlmostEqual(
                (assignment.next_reminder_at - assignment.notified_at).total_seconds(), 7200, delta=2
            )
        self.assertEqual(self.env["workflow.job"].run_job("approval.request", "_job_reminders"), 0)
        req.assignment_ids.write({"next_reminder_at": fields.Datetime.now() - timedelta(minutes=1)})
        self.assertEqual(self.env["workflow.job"].run_job("approval.request", "_job_reminders"), 2)
        self.assertEqual(req.assignment_ids.mapped("reminder_count"), [1, 1])
        self.assertEqual(self.env["workflow.job"].run_job("approval.request", "_job_reminders"), 0)
        # decided assignments are not reminded
        self.as_(self.alice, req).approve()
        req.assignment_ids.write({"next_reminder_at": fields.Datetime.now() - timedelta(minutes=1)})
        self.assertEqual(self.env["workflow.job"].run_job("approval.request", "_job_reminders"), 1)

    def test_leaving_the_state_cancels_the_request(self):
        inst, req = self.submit(self.make_approval_flow(self.alice, "any"))
        inst.with_user(self.manager).action_cancel(reason="Order withdrawn")
        self.assertEqual(req.status, "cancelled")
        self.assertFalse(req.assignment_ids.activity_id)
