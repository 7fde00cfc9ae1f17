from odoo.tests import tagged

from odoo.addons.workflow_tasks.tests.common import TaskCase


@tagged("post_install", "-at_install")
class TestProjectTasks(TaskCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.project = cls.env["project.project"].create({"name": "Milk lab"})

    def test_project_task_with_checklist_closed_by_rule(self):
        rule = self.make_rule(
            trigger="create",
            create_as="project_task",
            project_id=self.project.id,
            checklist="Fat %\n\nSNF %\nAntibiotics",
            close_domain="[('function', '!=', False)]",
            priority="1",
        )
        farm = self.env["res.partner"].create({"name": "Farm"})
        task = self.tasks_of(rule, farm)
        ptask = task.project_task_id
        self.assertFalse(task.activity_id, "a project task instead of an activity")
        self.assertEqual(
            (ptask.name, ptask.project_id, ptask.user_ids), ("Review Farm", self.project, task.user_id)
        )
        self.assertEqual(ptask.date_deadline, task.deadline_at)
        self.assertEqual(ptask.priority, "1")
        self.assertEqual(ptask.child_ids.mapped("name"), ["Fat %", "SNF %", "Antibiotics"])
        farm.write({"function": "Result"})
        self.assertEqual((task.state, ptask.state), ("done", "1_done"))

    def test_person_closing_project_task_closes_rule_task(self):
        rule = self.make_rule(trigger="create", create_as="project_task", project_id=self.project.id)
        farm = self.env["res.partner"].create({"name": "Farm"})
        task = self.tasks_of(rule, farm)
        task.project_task_id.with_user(task.user_id).sudo().write({"state": "1_done"})
        self.assertEqual(task.state, "done")
        farm.write({"city": "x"})
        self.assertEqual(len(self.tasks_of(rule, farm)), 1)

    def test_activity_rules_unchanged(self):
        rule = self.make_rule(trigger="create")
        farm = self.env["res.partner"].create({"name": "Farm"})
        self.assertTrue(self.tasks_of(rule, farm).activity_id)
