from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import TaskCase


@tagged("post_install", "-at_install")
class TestSecurity(TaskCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.env["res.company"].create({"name": "Other Dairy"})
        cls.plain = cls.analysts[0]
        cls.other_user = new_test_user(
            cls.env,
            login="other_co_user",
            groups="base.group_user",
            company_id=cls.other_company.id,
            company_ids=[(6, 0, cls.other_company.ids)],
        )

    def test_plain_user_cannot_create_or_change_rules(self):
        vals = {
            "name": "Sneaky",
            "model_id": self.partner_model.id,
            "trigger": "create",
            "title_template": "x",
            "assign_type": "user",
            "user_id": self.plain.id,
        }
        with self.assertRaises(AccessError):
            self.env["task.automation.rule"].with_user(self.plain).create(vals)
        rule = self.make_rule()
        with self.assertRaises(AccessError):
            rule.with_user(self.plain).write({"title_template": "changed"})
        with self.assertRaises(AccessError):
            rule.with_user(self.plain).unlink()
        with self.assertRaises(AccessError):
            rule.with_user(self.plain).action_test(self.plain.partner_id.id)
        with self.assertRaises(AccessError):
            self.env["task.role"].with_user(self.plain).create({"name": "Mine"})
        with self.assertRaises(AccessError):
            self.env["workflow.job"].with_user(self.plain).run_job("task.automation.task", "_job_escalate")

    def test_plain_user_cannot_forge_or_edit_tasks(self):
        rule = self.make_rule()
        farm = self.env["res.partner"].create({"name": "Farm"})
        task = self.tasks_of(rule, farm)
        with self.assertRaises(AccessError):
            task.with_user(task.user_id).write({"state": "done"})
        with self.assertRaises(AccessError):
            self.env["task.automation.task"].with_user(self.plain).create(
                {"name": "forged", "rule_id": rule.id, "company_id": self.company.id, "model_name": "res.partner",
                 "record_id": farm.id}
            )  # fmt: skip

    def test_manager_who_is_not_admin_creates_rules(self):
        self.assertFalse(self.manager._is_admin())
        rule = (
            self.env["task.automation.rule"]
            .with_user(self.manager)
            .create(
                {
                    "name": "By a manager",
                    "model_id": self.partner_model.id,
                    "trigger": "create",
                    "title_template": "Check {{ record.name }}",
                    "assign_type": "role",
                    "role_id": self.role.id,
                }
            )
        )
        farm = self.env["res.partner"].create({"name": "Manager farm"})
        self.assertEqual(len(self.tasks_of(rule, farm)), 1, "the task is created as the system")

    def test_company_isolation(self):
        rule = self.make_rule()
        farm = self.env["res.partner"].create({"name": "Farm"})
        other_rule = self.make_rule(name="Other co", company_id=self.other_company.id)
        Rule = self.env["task.automation.rule"]
        self.assertEqual(Rule.with_user(self.plain).search([("id", "in", (rule | other_rule).ids)]), rule)
        self.assertEqual(
            Rule.with_user(self.other_user).search([("id", "in", (rule | other_rule).ids)]).ids,
            other_rule.ids,
        )
        with self.assertRaises(AccessError):
            rule.with_user(self.other_user).read(["name"])
        task = self.tasks_of(rule, farm)
        self.assertTrue(task.with_user(self.plain).read(["name"]))
        with self.assertRaises(AccessError):
            task.with_user(self.other_user).read(["name"])
        self.assertFalse(
            self.env["task.automation.task"].with_user(self.other_user).search([("id", "=", task.id)])
        )
        self.assertFalse(self.tasks_of(other_rule, farm), "analysts of this company are not in the other one")
