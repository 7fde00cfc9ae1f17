from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import WorkflowCase


@tagged("post_install", "-at_install")
class TestJobs(WorkflowCase):
    def _age(self, inst, **delta):
        inst.write({"state_due_at": fields.Datetime.now() - timedelta(**delta)})

    def test_registered_jobs_and_refusal_of_others(self):
        jobs = {(m, f) for m, f, _b in self.env["workflow.job"]._registered_jobs()}
        self.assertIn(("workflow.instance", "_job_timeouts"), jobs)
        self.assertIn(("workflow.definition", "_job_scheduled_starts"), jobs)
        with self.assertRaisesRegex(UserError, "is not a registered workflow job"):
            self.env["workflow.job"].run_job("workflow.instance", "unlink")
        with self.assertRaisesRegex(UserError, "Unknown model"):
            self.env["workflow.job"].run_job("no.model", "_job_timeouts")
        with self.assertRaises(AccessError):
            self.env["workflow.job"].with_user(self.user).run_job("workflow.instance", "_job_timeouts")

    def test_state_timeout_fires_timeout_transition(self):
        review = self.states["review"]
        review.timeout_hours = 2
        self.env["workflow.transition"].create(
            {
                "workflow_id": self.definition.id,
                "name": "Too slow",
                "from_state_id": review.id,
                "to_state_id": self.states["refused"].id,
                "trigger_type": "timeout",
            }
        )
        inst = self.start()
        inst.fire(self.transitions["Submit"].id)
        due = inst.state_due_at
        self.assertAlmostEqual((due - inst.state_entered_at).total_seconds(), 7200, delta=1)
        # not yet due: nothing happens
        self.assertEqual(self.env["workflow.job"].run_job("workflow.instance", "_job_timeouts"), 0)
        self._age(inst, minutes=1)
        self.assertEqual(self.env["workflow.job"].run_job("workflow.instance", "_job_timeouts"), 1)
        self.assertEqual(inst.current_state_id.code, "refused")
        self.assertEqual(inst.history_ids.sorted("id")[-1].action_type, "timeout")
        # handled once: a second run finds nothing
        self.assertEqual(self.env["workflow.job"].run_job("workflow.instance", "_job_timeouts"), 0)

    def test_state_timeout_without_transition_notifies_once(self):
        self.states["draft"].write({"timeout_hours": 1, "timeout_action": "notify"})
        inst = self.start()
        self._age(inst, seconds=30)
        self.env["workflow.job"].run_job("workflow.instance", "_job_timeouts")
        self.assertEqual(inst.status, "active")
        self.assertFalse(inst.state_due_at)
        self.assertEqual(inst.history_ids.sorted("id")[-1].action_type, "timeout")
        activity = self.partner.activity_ids.filtered(lambda a: "overdue" in (a.summary or ""))
        self.assertEqual(len(activity), 1)
        self.assertEqual(self.env["workflow.job"].run_job("workflow.instance", "_job_timeouts"), 0)

    def test_auto_approve_and_reject_timeouts(self):
        review = self.states["review"]
        self.env["workflow.transition"].create(
            [
                {
                    "workflow_id": self.definition.id,
                    "name": "Approved by default",
                    "from_state_id": review.id,
                    "to_state_id": self.states["done"].id,
                    "trigger_type": "approval",
                },
                {
                    "workflow_id": self.definition.id,
                    "name": "Rejected by default",
                    "from_state_id": review.id,
                    "to_state_id": self.states["refused"].id,
                    "trigger_type": "rejection",
                },
            ]
        )
        review.write({"timeout_hours": 1, "timeout_action": "auto_approve"})
        first = self.start()
        first.fire(self.transitions["Submit"].id)
        self._age(first, minutes=5)
        self.env["workflow.job"].run_job("workflow.instance", "_job_timeouts")
        self.assertEqual(first.current_state_id.code, "done")
        self.assertEqual(first.history_ids.sorted("id")[-1].transition_id.name, "Approved by default")
        review.timeout_action = "auto_reject"  # nothing running: edited in place
        second = self.start(self.env["res.partner"].create({"name": "Second"}))
        second.fire(self.transitions["Submit"].id)
        self._age(second, minutes=5)
        self.env["workflow.job"].run_job("workflow.instance", "_job_timeouts")
        self.assertEqual(second.current_state_id.code, "refused")

    def test_workflow_deadline_times_out(self):
        self.definition.timeout_hours = 72
        inst = self.start()
        self.assertAlmostEqual((inst.due_at - inst.started_at).total_seconds(), 72 * 3600, delta=1)
        inst.due_at = fields.Datetime.now() - timedelta(minutes=1)
        self.env["workflow.job"].run_job("workflow.instance", "_job_timeouts")
        self.assertEqual(inst.status, "timeout")
        with self.assertRaisesRegex(UserError, "is Timed Out"):
            inst.fire(self.transitions["Submit"].id)
        inst.due_at = False
        inst.with_user(self.manager).action_retry()
        self.assertEqual(inst.status, "active")

    def test_batch_is_bounded(self):
        self.states["draft"].write({"timeout_hours": 1, "timeout_action": "notify"})
        partners = self.env["res.partner"].create([{"name": f"Shop {i}"} for i in range(5)])
        instances = self.env["workflow.instance"]._start(self.definition, partners)
        instances.write({"state_due_at": fields.Datetime.now() - timedelta(minutes=1)})
        self.assertEqual(self.env["workflow.job"].run_job("workflow.instance", "_job_timeouts", limit=2), 2)
        self.assertEqual(self.env["workflow.job"].run_job("workflow.instance", "_job_timeouts", limit=10), 3)
