import json

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import AlertCase


@tagged("post_install", "-at_install")
class TestPolledRules(AlertCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner_model = cls.env["ir.model"]._get("res.partner")

    def test_threshold_rule_one_alert_per_record(self):
        late = self.env["res.partner"].create(
            [{"name": "Late %s" % i, "function": "Overdue payer"} for i in range(2)]
        )
        rule = self.Rule.create(
            {
                "name": "Overdue payers",
                "code": "overdue_payers",
                "alert_type": "threshold",
                "model_id": self.partner_model.id,
                "condition": "[('function', '=', 'Overdue payer')]",
                "user_ids": [(6, 0, self.manager.ids)],
                "cooldown_minutes": 0,
            }
        )
        alerts = rule._evaluate()
        self.assertEqual(sorted(alerts.mapped("record_id")), sorted(late.ids))
        self.assertFalse(rule._evaluate())
        late[0].function = "Paid up"
        rule._evaluate()
        self.assertEqual(alerts.filtered(lambda a: a.record_id == late[0].id).status, "resolved")
        self.assertEqual(alerts.filtered(lambda a: a.record_id == late[1].id).status, "active")

    def test_schedule_rule_raises_one_summary(self):
        self.env["res.partner"].create(
            [{"name": "Lead %s" % i, "function": "Unqualified lead"} for i in range(3)]
        )
        rule = self.Rule.create(
            {
                "name": "Leads waiting",
                "code": "leads_waiting",
                "alert_type": "schedule",
                "model_id": self.partner_model.id,
                "condition": "[('function', '=', 'Unqualified lead')]",
                "user_ids": [(6, 0, self.manager.ids)],
                "cooldown_minutes": 0,
            }
        )
        alert = rule._evaluate()
        self.assertEqual(len(alert), 1)
        self.assertEqual(json.loads(alert.context_data)["count"], 3)
        self.assertIn("3 record(s)", alert.message)
        self.assertFalse(rule._evaluate(), "one open summary at a time")
        self.env["res.partner"].search([("function", "=", "Unqualified lead")]).write(
            {"function": "Qualified"}
        )
        rule._evaluate()
        self.assertEqual(alert.status, "resolved")

    def test_crons_run_the_jobs(self):
        self.make_product("Cron milk", qty=0)
        rule = self.inventory_rule(channel_in_app=True)
        for xmlid in (
            "ir_cron_alert_evaluate",
            "ir_cron_alert_deliver",
            "ir_cron_alert_escalate",
            "ir_cron_alert_digest",
            "ir_cron_alert_sweep",
        ):
            self.env.ref("workflow_alerts.%s" % xmlid).method_direct_trigger()
        alerts = self.open_alerts(rule)
        self.assertEqual(len(alerts), 1)
        # in-app and email (sent by the delivery run itself; Odoo does not reach SMTP in tests)
        self.assertEqual(set(alerts.notification_ids.mapped("status")), {"sent"})

    def test_users_see_their_own_notifications(self):
        self.make_product("Private milk", qty=0)
        rule = self.inventory_rule(user_ids=[(6, 0, (self.manager | self.boss).ids)])
        rule._evaluate()
        mine = self.Notification.with_user(self.boss).search([("rule_id", "=", rule.id)])
        self.assertEqual(mine.recipient_id, self.boss)
        self.assertEqual(len(self.Notification.search([("rule_id", "=", rule.id)])), 2)

    def test_multi_company_isolation(self):
        other = self.env["res.company"].create({"name": "Other dairy"})
        rule = self.Rule.create(
            {"name": "Other SLA", "code": "other_sla", "alert_type": "sla", "company_id": other.id}
        )
        alert = self.Rule.raise_alert(rule)
        self.assertEqual(alert.company_id, other)
        # an alert about the rule itself points at no record (the mixin's pointer is optional here)
        self.assertFalse(alert.model_name or alert.record_id or alert.record_ref)
        with self.assertRaisesRegex(UserError, "not about a single record"):
            alert.action_open_record()
        self.assertFalse(self.Rule.with_user(self.manager).search([("id", "=", rule.id)]))
        self.assertFalse(self.Alert.with_user(self.manager).search([("id", "=", alert.id)]))
        # the same kind of alert in the manager's own company: no document to follow, so the
        # company rule alone decides (the pointer mixin's access follows documents only)
        own = self.Rule.create({"name": "Own SLA", "code": "own_sla", "alert_type": "sla"})
        own_alert = self.Rule.raise_alert(own)
        self.assertFalse(own_alert.model_name)
        self.assertEqual(self.Alert.with_user(self.manager).search([("id", "=", own_alert.id)]), own_alert)
        self.assertTrue(own_alert.with_user(self.manager).read(["company_id"]))
