"""With workflow_alerts installed, SLA events become alerts of its SLA rule."""

from freezegun import freeze_time

from odoo.tests import tagged

from .common import SlaPartnerCase, utc


@tagged("post_install", "-at_install")
class TestSlaAlerts(SlaPartnerCase):
    def test_breach_goes_to_the_alert_rule_when_alerts_are_installed(self):
        self.sla_high.alert_rule_code = "sla_test_rule"
        with freeze_time(utc(2026, 3, 2, 9, 0)):
            partner = self.env["res.partner"].create(
                {"name": "Alerted", "ref": "T-40", "is_company": True, "user_id": self.agent.id}
            )
        if "alert.rule" not in self.env:
            # without the alerts addon the code is ignored: the chatter is used
            self.env["sla.tracking"]._job_check_deadlines(now=utc(2026, 3, 2, 14, 0))
            self.assertTrue(partner.message_ids.filtered(lambda m: "is breached" in (m.body or "")))
            return
        self.env["alert.rule"].create(
            {
                "name": "SLA test rule",
                "code": "sla_test_rule",
                "alert_type": "sla",
                "severity": "warning",
                "channel_email": False,
                "cooldown_minutes": 0,
            }
        )
        self.env["sla.tracking"]._job_check_deadlines(now=utc(2026, 3, 2, 14, 0))
        alerts = self.env["alert.instance"].search(
            [("model_name", "=", "res.partner"), ("record_id", "=", partner.id)]
        )
        self.assertEqual(alerts.mapped("severity"), ["critical"])
        self.assertIn("is breached", alerts.message)
        self.assertFalse(partner.message_ids.filtered(lambda m: "is breached" in (m.body or "")))
