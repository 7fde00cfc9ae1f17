from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import TaskCase


@tagged("post_install", "-at_install")
class TestTemplates(TaskCase):
    def test_placeholders_rendered(self):
        country = self.env.ref("base.bd")
        rule = self.make_rule(
            title_template="Sample of {{ record.name }} ({{ record.country_id.name }})",
            description_template="City: {{record.city}}; farm: {{ record.is_company }}; parent: {{ record.parent_id.name }}",
        )
        farm = self.env["res.partner"].create(
            {"name": "Green Farm", "country_id": country.id, "city": "Bogura", "is_company": True}
        )
        task = self.tasks_of(rule, farm)
        self.assertEqual(task.name, "Sample of Green Farm (Bangladesh)")
        self.assertIn("City: Bogura; farm: True; parent: ", str(task.activity_id.note))

    def test_code_is_refused(self):
        attacks = [
            "{{ record.env['res.users'].search([]) }}",
            "{{ record.write({'name': 'x'}) }}",
            "{{ ().__class__.__base__.__subclasses__() }}",
            "{{ record.__class__ }}",
            "{{ record.name + record.name }}",
            "{{ object.name }}",
            "{{ user.password }}",
            "{{ record.user_ids.password }}",
            "{{ record.name.upper() }}",
            "{{ record.nonexistent }}",
        ]
        rule = self.make_rule()
        for attack in attacks:
            with self.subTest(attack=attack), self.assertRaises(ValidationError):
                rule.with_user(self.manager).write({"title_template": attack})
            with self.subTest(attack=attack), self.assertRaises(ValidationError):
                rule.with_user(self.manager).write({"title_template": "ok", "description_template": attack})

    def test_stored_code_never_runs(self):
        """A template written behind the validation's back (SQL) is refused at rendering, not evaluated."""
        rule = self.make_rule()
        self.env.cr.execute(
            "UPDATE task_automation_rule SET title_template = %s WHERE id = %s",
            ["{{ record.write({'name': 'pwned'}) }}", rule.id],
        )
        rule.invalidate_recordset()
        with self.assertRaises(ValidationError):
            self.env["res.partner"].create({"name": "Safe farm"})

    def test_live_preview_and_test_button(self):
        farm = self.env["res.partner"].create({"name": "Preview farm", "city": "Sirajganj"})
        rule = self.make_rule(
            trigger="write",
            title_template="Check {{ record.name }}",
            description_template="in {{ record.city }}",
        )
        rule.sample_ref = f"res.partner,{farm.id}"
        self.assertEqual(
            (rule.preview_title, rule.preview_description), ("Check Preview farm", "in Sirajganj")
        )
        pointer = rule.rr_last_user_id
        res = rule.with_user(self.manager).action_test(farm.id)
        self.assertTrue(res["matches"])
        self.assertIn(res["user_id"], self.analysts.ids)
        self.assertTrue(res["deadline_at"])
        self.assertEqual(res["title"], "Check Preview farm")
        self.assertFalse(self.tasks_of(rule), "the test button creates nothing")
        self.assertEqual(rule.rr_last_user_id, pointer, "nor moves the round-robin pointer")

    def test_test_wizard_for_managers_only(self):
        farm = self.env["res.partner"].create({"name": "Wizard farm"})
        rule = self.make_rule(trigger="write", due_type="hours", due_amount=2)
        wizard = (
            self.env["task.automation.rule.test"]
            .with_user(self.manager)
            .create({"rule_id": rule.id, "record_ref": f"res.partner,{farm.id}"})
        )
        self.assertTrue(wizard.matches)
        self.assertIn(wizard.user_name, self.analysts.mapped("name"))
        self.assertEqual(wizard.title, "Review Wizard farm")
        self.assertFalse(self.tasks_of(rule))
        with self.assertRaises(AccessError):
            self.env["task.automation.rule.test"].with_user(self.analysts[0]).create(
                {"rule_id": rule.id, "record_ref": f"res.partner,{farm.id}"}
            )
