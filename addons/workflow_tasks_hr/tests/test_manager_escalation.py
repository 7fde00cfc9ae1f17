"""With hr installed, the escalation step "The assignee's manager" hands an overdue task to the
manager of the assignee's employee (workflow_hr's answer to res.users._workflow_managers)."""

from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.workflow_tasks.tests.common import TaskCase


@tagged("post_install", "-at_install")
class TestManagerEscalation(TaskCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Employee = cls.env["hr.employee"]
        cls.head = cls.analysts[2]
        head_employee = Employee.create({"name": "Lab head", "user_id": cls.head.id})
        Employee.create({"name": "Analyst", "user_id": cls.analysts[0].id, "parent_id": head_employee.id})

    def _late_task(self, assignee):
        with freeze_time("2026-03-02 09:00:00"):
            rule = self.make_rule(
                trigger="create",
                assign_type="user",
                user_id=assignee.id,
                due_type="hours",
                due_amount=2,
                escalation_ids=[(0, 0, {"after_hours": 1, "target": "manager"})],
            )
            farm = self.env["res.partner"].create({"name": "Late farm %s" % assignee.id})
        return self.tasks_of(rule, farm)

    def test_overdue_task_goes_to_the_assignees_manager(self):
        task = self._late_task(self.analysts[0])
        with freeze_time("2026-03-02 12:00:00"):
            self.env["workflow.job"].run_job("task.automation.task", "_job_escalate")
        self.assertEqual((task.escalation_level, task.user_id), (1, self.head))
        self.assertEqual(task.activity_id.user_id, self.head, "the activity follows the escalation")

    def test_without_a_manager_the_task_stays(self):
        task = self._late_task(self.analysts[1])  # no employee, so no manager
        with freeze_time("2026-03-02 12:00:00"):
            self.env["workflow.job"].run_job("task.automation.task", "_job_escalate")
        self.assertEqual((task.escalation_level, task.user_id), (1, self.analysts[1]))
