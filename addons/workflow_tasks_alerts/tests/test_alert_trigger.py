from odoo.tests import tagged

from odoo.addons.workflow_tasks.tests.common import TaskCase


@tagged("post_install", "-at_install")
class TestAlertTrigger(TaskCase):
    def test_alert_raised_creates_task_on_record(self):
        alert_rule = self.env["alert.rule"].create(
            {
                "name": "Cold chain",
                "code": "task_cold_chain",
                "alert_type": "sla",
                "user_ids": [(6, 0, self.manager.ids)],
            }
        )
        rule = self.make_rule(
            trigger="alert_raised",
            alert_rule_id=alert_rule.id,
            alert_min_severity="critical",
            title_template="Check the fridge at {{ record.name }}",
        )
        shop, other = self.env["res.partner"].create([{"name": "Corner shop"}, {"name": "Other shop"}])
        self.env["alert.rule"].raise_alert(alert_rule, other, severity="warning", message="Fridge at 6 °C")
        self.assertFalse(self.tasks_of(rule), "below the rule's severity")
        self.env["alert.rule"].raise_alert(alert_rule, shop, severity="urgent", message="Fridge at 9 °C")
        task = self.tasks_of(rule)
        self.assertEqual((task.record_id, task.name), (shop.id, "Check the fridge at Corner shop"))
        self.assertIn(task.user_id, self.analysts)
