from datetime import datetime

from freezegun import freeze_time

from odoo.tests import tagged

from .common import TaskCase


@tagged("post_install", "-at_install")
class TestJobs(TaskCase):
    def run_job(self, model, method):
        return self.env["workflow.job"].run_job(model, method)

    def test_schedule_rule(self):
        farms = self.env["res.partner"].create(
            [{"name": f"Sched farm {i}", "ref": "SCHED"} for i in range(5)]
        )
        with freeze_time("2026-03-02 09:00:00"):
            rule = self.make_rule(
                trigger="schedule", domain="[('ref', '=', 'SCHED')]", interval_number=1, interval_type="days"
            )
            self.assertEqual(rule.next_run_at, datetime(2026, 3, 2, 9, 0))
            self.assertEqual(self.run_job("task.automation.rule", "_job_schedule"), 5)
            self.assertEqual(rule.next_run_at, datetime(2026, 3, 3, 9, 0))
            self.assertEqual(self.run_job("task.automation.rule", "_job_schedule"), 0, "not due again yet")
        self.assertEqual(len(self.tasks_of(rule, farms)), 5)
        self.tasks_of(rule, farms[:2])._close("done")
        with freeze_time("2026-03-03 09:00:00"):
            self.assertEqual(
                self.run_job("task.automation.rule", "_job_schedule"), 2, "no duplicates of open tasks"
            )

    def test_close_check_job(self):
        rule = self.make_rule(trigger="create", close_domain="[('function', '!=', False)]")
        farms = self.env["res.partner"].create([{"name": "J1"}, {"name": "J2"}])
        # written behind the ORM's back: only the sweep can see it
        self.env.flush_all()
        self.env.cr.execute("UPDATE res_partner SET function = 'Result' WHERE id = %s", [farms[0].id])
        self.env["res.partner"].invalidate_model()
        self.assertEqual(self.tasks_of(rule, farms[0]).state, "open")
        self.run_job("task.automation.task", "_job_close_check")
        self.assertEqual(self.tasks_of(rule, farms[0]).state, "done")
        self.assertEqual(self.tasks_of(rule, farms[1]).state, "open")

    def test_reminder(self):
        with freeze_time("2026-03-02 09:00:00"):
            rule = self.make_rule(trigger="create", due_type="hours", due_amount=2, reminder_hours=0.5)
            farm = self.env["res.partner"].create({"name": "Remind farm"})
        task = self.tasks_of(rule, farm)
        self.assertEqual(task.reminder_at, datetime(2026, 3, 2, 10, 30))
        with freeze_time("2026-03-02 10:29:00"):
            self.run_job("task.automation.task", "_job_remind")
        self.assertFalse(task.reminded)
        with freeze_time("2026-03-02 10:30:00"):
            self.run_job("task.automation.task", "_job_remind")
        self.assertTrue(task.reminded)
        message = self.env["mail.message"].search(
            [("model", "=", "res.partner"), ("res_id", "=", farm.id), ("body", "ilike", "Reminder")]
        )
        self.assertIn(task.user_id.partner_id, message.partner_ids)

    def test_escalation_in_steps(self):
        supervisor = self.manager
        group = self.env["res.groups"].create({"name": "Lab heads", "users": [(6, 0, self.analysts[2].ids)]})
        with freeze_time("2026-03-02 09:00:00"):
            rule = self.make_rule(
                trigger="create",
                assign_type="user",
                user_id=self.analysts[0].id,
                due_type="hours",
                due_amount=2,
                escalation_ids=[
                    (0, 0, {"after_hours": 1, "target": "user", "user_id": supervisor.id}),
                    (0, 0, {"after_hours": 4, "target": "group", "group_id": group.id}),
                ],
            )
            farm = self.env["res.partner"].create({"name": "Late farm"})
        task = self.tasks_of(rule, farm)
        self.assertEqual(task.deadline_at, datetime(2026, 3, 2, 11, 0))
        with freeze_time("2026-03-02 11:59:00"):
            self.run_job("task.automation.task", "_job_escalate")
        self.assertEqual((task.escalation_level, task.user_id), (0, self.analysts[0]), "not yet an hour late")
        with freeze_time("2026-03-02 12:00:00"):
            self.run_job("task.automation.task", "_job_escalate")
            self.run_job("task.automation.task", "_job_escalate")
        self.assertEqual((task.escalation_level, task.user_id), (1, supervisor))
        self.assertEqual(task.activity_id.user_id, supervisor, "the activity follows the escalation")
        with freeze_time("2026-03-02 15:00:00"):
            self.run_job("task.automation.task", "_job_escalate")
        self.assertEqual((task.escalation_level, task.user_id), (2, self.analysts[2]))

    def test_rule_statistics(self):
        with freeze_time("2026-03-02 09:00:00"):
            rule = self.make_rule(trigger="create", due_type="hours", due_amount=2)
            farms = self.env["res.partner"].create([{"name": f"Stat {i}"} for i in range(4)])
        tasks = self.tasks_of(rule, farms)
        with freeze_time("2026-03-02 10:00:00"):
            tasks[0]._close("done")  # 1 h, on time
        with freeze_time("2026-03-02 12:00:00"):
            tasks[1]._close("done")  # 3 h, late
            tasks[2]._close("cancelled")
            rule.invalidate_recordset()
            self.assertEqual(
                (rule.stat_created, rule.stat_open, rule.stat_done_on_time, rule.stat_overdue),
                (4, 1, 1, 1),
            )
            self.assertEqual(rule.stat_median_hours, 2.0)
