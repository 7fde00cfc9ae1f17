from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.workflow_sla.tests.common import SlaPartnerCase, scan_and_notify, utc


@tagged("post_install", "-at_install")
class TestSlaTrigger(SlaPartnerCase):
    def test_warning_then_breach_create_tasks(self):
        model = self.env["ir.model"]._get("res.partner")
        common = {
            "model_id": model.id,
            "title_template": "Chase {{ record.name }}",
            "assign_type": "user",
            "user_id": self.agent.id,
            "due_type": "hours",
            "due_amount": 1,
        }
        warn = self.env["task.automation.rule"].create(
            dict(common, name="On warning", trigger="sla_warning", sla_definition_id=self.sla_high.id)
        )
        other = self.env["task.automation.rule"].create(
            dict(common, name="Other SLA", trigger="sla_warning", sla_definition_id=self.sla_normal.id)
        )
        breach = self.env["task.automation.rule"].create(dict(common, name="On breach", trigger="sla_breach"))
        with freeze_time(utc(2026, 3, 2, 9, 0)):
            partner = self.env["res.partner"].create(
                {"name": "Key account", "ref": "T-9", "is_company": True}
            )
        Task = self.env["task.automation.task"]
        scan_and_notify(self.env, utc(2026, 3, 2, 10, 59))
        self.assertFalse(Task.search([("record_id", "=", partner.id)]), "no warning yet, no task")
        with freeze_time(utc(2026, 3, 2, 11, 0)):
            scan_and_notify(self.env, utc(2026, 3, 2, 11, 0))
        task = Task.search([("rule_id", "=", warn.id), ("record_id", "=", partner.id)])
        self.assertEqual((task.name, task.user_id), ("Chase Key account", self.agent))
        self.assertFalse(Task.search([("rule_id", "in", (other | breach).ids)]), "other SLA / no breach yet")
        with freeze_time(utc(2026, 3, 2, 14, 0)):
            scan_and_notify(self.env, utc(2026, 3, 2, 14, 0))
        self.assertEqual(len(Task.search([("rule_id", "=", breach.id), ("record_id", "=", partner.id)])), 1)
        self.assertEqual(len(Task.search([("rule_id", "=", warn.id)])), 1, "the 75 % warning: no duplicate")
