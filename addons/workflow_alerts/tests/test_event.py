from odoo.api import call_kw
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import AlertCase


@tagged("post_install", "-at_install")
class TestEventRules(AlertCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        partner_model = cls.env["ir.model"]._get("res.partner")
        cls.rule = cls.Rule.create(
            {
                "name": "Key account blocked",
                "code": "key_account_blocked",
                "alert_type": "event",
                "model_id": partner_model.id,
                "condition": "[('function', '=', 'Blocked buyer')]",
                "description": "A key account was blocked.",
                "channel_email": True,
                "channel_in_app": False,
                "cooldown_minutes": 0,
                "recipient_field_id": cls.env["ir.model.fields"]._get("res.partner", "user_id").id,
            }
        )

    def alerts(self):
        return self.Alert.search([("rule_id", "=", self.rule.id)])

    def test_fires_on_create_and_on_write_into_condition(self):
        matching = self.env["res.partner"].create(
            {"name": "Agora", "function": "Blocked buyer", "user_id": self.boss.id}
        )
        self.assertEqual(self.alerts().mapped("record_id"), [matching.id])
        # the record pointer is workflow.target.mixin's: it finds the record
        self.assertEqual(self.alerts().record_ref, matching)
        self.assertEqual(self.alerts().action_open_record()["res_id"], matching.id)
        self.assertEqual(self.alerts().notification_ids.recipient_id, self.boss, "the record's user field")
        other = self.env["res.partner"].create({"name": "Shwapno", "function": "Buyer"})
        self.assertEqual(len(self.alerts()), 1)
        other.write({"function": "Blocked buyer"})
        self.assertEqual(sorted(self.alerts().mapped("record_id")), sorted([matching.id, other.id]))
        # a write that keeps matching does not fire again
        other.write({"phone": "123"})
        self.assertEqual(len(self.alerts()), 2)

    def test_inactive_rule_does_not_fire(self):
        self.rule.active = False
        self.env["res.partner"].create({"name": "Meena Bazar", "function": "Blocked buyer"})
        self.assertFalse(self.alerts())

    def test_raise_alert_api_for_xmlrpc(self):
        partner = self.env["res.partner"].create({"name": "Unimart"})
        sla = self.Rule.create(
            {"name": "SLA", "code": "sla_test", "alert_type": "sla", "user_ids": [(6, 0, self.manager.ids)]}
        )
        first = self.Rule.raise_alert(
            "sla_test",
            model_name="res.partner",
            record_ids=[partner.id],
            severity="urgent",
            message="Response overdue by 2 h",
        )
        self.assertEqual(
            (first.severity, first.message, first.record_id),
            ("urgent", "Response overdue by 2 h", partner.id),
        )
        self.assertEqual(first.rule_id, sla)
        self.assertFalse(self.Rule.raise_alert(sla, partner), "deduplicated while open")
        # what an XML-RPC client gets: the ids of the new alerts
        other = self.env["res.partner"].create({"name": "Agora Gulshan"})
        ids = call_kw(
            self.Rule, "raise_alert", ["sla_test"], {"model_name": "res.partner", "record_ids": [other.id]}
        )
        self.assertEqual(ids, self.Alert.search([("rule_id", "=", sla.id), ("record_id", "=", other.id)]).ids)
        self.assertEqual(len(ids), 1)

    def test_broken_rule_never_blocks_the_user(self):
        # a field removed after the rule was saved: the rule is skipped and logged
        self.env.cr.execute(
            "UPDATE alert_rule SET condition = %s WHERE id = %s",
            ("[('no_such_field', '=', 1)]", self.rule.id),
        )
        self.rule.invalidate_recordset(["condition"])
        with mute_logger("odoo.addons.workflow_alerts.models.workflow_hook"):
            partner = self.env["res.partner"].create({"name": "Still saved", "function": "Blocked buyer"})
            partner.write({"phone": "42"})
        self.assertTrue(partner.exists())
        self.assertFalse(self.alerts())
