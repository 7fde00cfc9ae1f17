"""With the bridge, SLA events become alerts of the definition's alert rule."""

from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.workflow_sla.tests.common import SlaPartnerCase, scan_and_notify, utc


@tagged("post_install", "-at_install")
class TestSlaAlerts(SlaPartnerCase):
    def _late_partner(self):
        with freeze_time(utc(2026, 3, 2, 9, 0)):
            return self.env["res.partner"].create(
                {"name": "Alerted", "ref": "T-40", "is_company": True, "user_id": self.agent.id}
            )

    def _alerts(self, partner):
        return self.env["alert.instance"].search(
            [("model_name", "=", "res.partner"), ("record_id", "=", partner.id)]
        )

    def _breached(self, partner):
        return partner.message_ids.filtered(lambda m: "is breached" in (m.body or ""))

    def test_breach_raises_an_alert_of_the_definition_rule(self):
        self.sla_high.alert_rule_id = self.env["alert.rule"].create(
            {
                "name": "SLA test rule",
                "code": "sla_test_rule",
                "alert_type": "sla",
                "severity": "warning",
                "channel_email": False,
                "cooldown_minutes": 0,
            }
        )
        partner = self._late_partner()
        scan_and_notify(self.env, utc(2026, 3, 2, 14, 0))
        alert = self._alerts(partner)
        self.assertEqual(alert.mapped("severity"), ["critical"])
        self.assertEqual(alert.rule_id.code, "sla_test_rule")
        self.assertIn("is breached", alert.message)
        # the alert found its record through workflow.target.mixin's fields
        self.assertEqual(alert.record_ref, partner)
        self.assertFalse(self._breached(partner), "the alert notified: no chatter message")

    def test_without_an_alert_rule_the_chatter_notifies(self):
        self.assertFalse(self.sla_high.alert_rule_id)
        partner = self._late_partner()
        scan_and_notify(self.env, utc(2026, 3, 2, 14, 0))
        self.assertFalse(self._alerts(partner))
        self.assertTrue(self._breached(partner))

    def test_shipped_definitions_alert_through_the_shipped_rule(self):
        rule = self.env.ref("workflow_sla_alerts.rule_sla_breach")
        shipped = (
            self.env["sla.definition"]
            .with_context(active_test=False)
            .search([("code", "=", "APPROVAL_DECISION")])
        )
        self.assertEqual(shipped.alert_rule_id, rule)
        self.assertEqual(shipped.warning_alert_rule_id, self.env.ref("workflow_sla_alerts.rule_sla_warning"))

    def test_warnings_are_not_counted_among_the_breaches(self):
        breach_rule = self.env.ref("workflow_sla_alerts.rule_sla_breach")
        warning_rule = self.env.ref("workflow_sla_alerts.rule_sla_warning")
        self.sla_high.write({"alert_rule_id": breach_rule.id, "warning_alert_rule_id": warning_rule.id})
        partner = self._late_partner()
        # at 80 % of the 4 business hours the SLA warns, then it breaches
        scan_and_notify(self.env, utc(2026, 3, 2, 12, 15))
        warning = self._alerts(partner)
        self.assertEqual(warning.rule_id, warning_rule, "the warning is an alert of the SLA at risk rule")
        self.assertEqual(warning.severity, "warning")
        scan_and_notify(self.env, utc(2026, 3, 2, 14, 0))
        alerts = self._alerts(partner)
        self.assertEqual(alerts.filtered(lambda a: a.rule_id == breach_rule).mapped("severity"), ["critical"])
        self.assertEqual(alerts.filtered(lambda a: a.severity == "warning").rule_id, warning_rule)
        # without a warning rule, the SLA's rule raises its warnings too (as before)
        self.sla_high.warning_alert_rule_id = False
        other = self._late_partner()
        scan_and_notify(self.env, utc(2026, 3, 2, 12, 15))
        self.assertEqual(self._alerts(other).rule_id, breach_rule)

    def test_sla_rule_shipped_for_other_modules(self):
        partner = self.env["res.partner"].create({"name": "Ticket owner"})
        alert = (
            self.env["alert.rule"]
            .sudo()
            .raise_alert("sla_breach", partner, message="Response overdue by 2 h")
        )
        self.assertEqual((alert.severity, alert.message), ("critical", "Response overdue by 2 h"))
        self.assertTrue(alert.notification_ids)
