from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import AlertCase


@tagged("post_install", "-at_install")
class TestEscalation(AlertCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rule = cls.Rule.create(
            {
                "name": "Pasteuriser down",
                "code": "pasteuriser_down",
                "alert_type": "sla",
                "severity": "warning",
                "channel_email": False,
                "channel_in_app": True,
                "user_ids": [(6, 0, cls.manager.ids)],
                "escalation_step_ids": [
                    (
                        0,
                        0,
                        {
                            "sequence": 1,
                            "delay_minutes": 15,
                            "severity": "critical",
                            "user_ids": [(6, 0, cls.boss.ids)],
                        },
                    ),
                    (0, 0, {"sequence": 2, "delay_minutes": 30, "severity": "urgent"}),
                ],
            }
        )

    def escalate(self):
        return self.env["workflow.job"].run_job("alert.instance", "_job_escalate")

    def make_due(self, alert):
        alert.sudo().write({"next_escalation_at": fields.Datetime.now() - timedelta(seconds=1)})

    def test_escalation_steps(self):
        alert = self.Rule.raise_alert("pasteuriser_down")
        delay = alert.next_escalation_at - alert.triggered_at
        self.assertEqual(delay, timedelta(minutes=15))
        self.assertEqual(self.escalate(), 0, "not due yet")
        self.make_due(alert)
        self.assertEqual(self.escalate(), 1)
        self.assertEqual((alert.status, alert.severity, alert.escalation_level), ("escalated", "critical", 1))
        step1 = alert.notification_ids.filtered("is_escalation")
        self.assertEqual(step1.recipient_id, self.manager | self.boss, "the step's extra recipients are told")
        self.assertAlmostEqual(
            (alert.next_escalation_at - fields.Datetime.now()).total_seconds(), 30 * 60, delta=60
        )
        self.make_due(alert)
        self.escalate()
        self.assertEqual((alert.severity, alert.escalation_level), ("urgent", 2))
        self.assertFalse(alert.next_escalation_at, "no step left")
        self.assertEqual(alert.history_ids.mapped("action"), ["triggered", "escalated", "escalated"])
        self.assertEqual(alert.history_ids.mapped("severity"), ["warning", "critical", "urgent"])

    def test_acknowledge_stops_escalation(self):
        alert = self.Rule.raise_alert("pasteuriser_down")
        alert.with_user(self.manager).action_acknowledge("on it")
        self.assertEqual(alert.status, "acknowledged")
        self.assertEqual(alert.acknowledged_by, self.manager)
        self.assertFalse(alert.next_escalation_at)
        alert.sudo().write({"next_escalation_at": False})
        self.assertEqual(self.escalate(), 0)
        self.assertEqual(alert.escalation_level, 0)
        self.assertEqual(alert.history_ids[-1].note, "on it")

    def test_resolve_with_notes(self):
        alert = self.Rule.raise_alert("pasteuriser_down")
        self.make_due(alert)
        self.escalate()
        wizard = (
            self.env["alert.resolve.wizard"]
            .with_user(self.manager)
            .create({"alert_ids": [(6, 0, alert.ids)], "notes": "Spare pump fitted"})
        )
        wizard.action_resolve()
        self.assertEqual(alert.status, "resolved")
        self.assertEqual(alert.resolution_notes, "Spare pump fitted")
        self.assertEqual(alert.resolved_by, self.manager)
        self.assertEqual(alert.history_ids.mapped("action"), ["triggered", "escalated", "resolved"])
        # a resolved alert no longer blocks a new one for the same key
        again = self.Rule.raise_alert("pasteuriser_down")
        self.assertEqual(len(again), 0, "the rule's 60 minutes cooldown still holds")
        self.rule.cooldown_minutes = 0
        self.assertEqual(len(self.Rule.raise_alert("pasteuriser_down")), 1)

    def test_users_cannot_raise_alerts(self):
        with self.assertRaises(AccessError):
            self.Rule.with_user(self.manager).raise_alert("pasteuriser_down")

    def test_users_cannot_rewrite_alerts(self):
        alert = self.Rule.raise_alert("pasteuriser_down")
        alert.with_user(self.manager).write({"resolution_notes": "checking the pump"})
        self.assertEqual(alert.resolution_notes, "checking the pump")
        with self.assertRaises(AccessError):
            alert.with_user(self.manager).write({"status": "resolved"})
        self.assertEqual(alert.status, "active")
