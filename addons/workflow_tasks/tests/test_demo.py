from datetime import datetime

from freezegun import freeze_time

from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestDairyDemo(TransactionCase):
    """The README's example on the demo database: sample entered -> QA analyst on shift -> done on result."""

    def test_lab_sample_end_to_end(self):
        rule = self.env.ref("workflow_tasks.demo_rule_sample_review")
        definition = self.env.ref("workflow_tasks.demo_wf_lab_sample")
        analysts = self.env.ref("workflow_tasks.demo_user_qa_rahim") | self.env.ref(
            "workflow_tasks.demo_user_qa_nasrin"
        )
        farm = self.env["res.partner"].create({"name": "Karim Dairy Farm", "city": "Sirajganj"})
        with freeze_time(
            "2026-03-05 07:30:00"
        ):  # Thursday 13:30 in Dhaka, half an hour before the shift ends
            inst = self.env["workflow.instance"]._start(definition, farm)
        task = self.env["task.automation.task"].search(
            [("rule_id", "=", rule.id), ("record_id", "=", farm.id)]
        )
        self.assertEqual(len(task), 1)
        self.assertIn(task.user_id, analysts)
        self.assertEqual(task.name, "Review the milk sample of Karim Dairy Farm")
        # 13:30-14:00 Thursday, then 06:00-07:30 Friday (Dhaka) = 01:30 UTC
        self.assertEqual(task.deadline_at, datetime(2026, 3, 6, 1, 30))
        self.assertEqual(task.activity_id.user_id, task.user_id)
        inst.fire(definition.transition_ids.filtered(lambda t: t.name == "Record result").id)
        self.assertEqual(task.state, "done", "recording the result closes the review task")
        self.assertFalse(task.activity_id.exists())
        # the next sample goes to the other analyst
        farm2 = self.env["res.partner"].create({"name": "Second farm"})
        with freeze_time("2026-03-05 07:30:00"):
            self.env["workflow.instance"]._start(definition, farm2)
        task2 = self.env["task.automation.task"].search(
            [("rule_id", "=", rule.id), ("record_id", "=", farm2.id)]
        )
        self.assertEqual(task2.user_id, analysts - task.user_id)
