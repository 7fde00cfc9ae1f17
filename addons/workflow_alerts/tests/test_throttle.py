from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import AlertCase


@tagged("post_install", "-at_install")
class TestThrottling(AlertCase):
    def test_cooldown_blocks_flapping(self):
        product = self.make_product("Flapping milk", qty=1)
        rule = self.inventory_rule(cooldown_minutes=60)
        self.assertEqual(len(rule._evaluate()), 1)
        # stock recovers, the alert resolves, stock drops again within the cooldown
        self.env["stock.quant"]._update_available_quantity(product, self.stock, 50)
        rule._evaluate()
        self.assertFalse(self.open_alerts(rule))
        self.env["stock.quant"]._update_available_quantity(product, self.stock, -50)
        self.assertFalse(rule._evaluate(), "no second alert within the cooldown")
        # once the cooldown is over, it alerts again
        self.env.cr.execute(
            "UPDATE alert_throttle SET expires_at = %s WHERE rule_id = %s",
            (fields.Datetime.now() - timedelta(minutes=1), rule.id),
        )
        self.assertEqual(len(rule._evaluate()), 1)

    def test_daily_cap(self):
        for i in range(5):
            self.make_product("Capped %s" % i, qty=0)
        rule = self.inventory_rule(max_alerts_per_day=3)
        self.assertEqual(len(rule._evaluate()), 3)
        self.assertEqual(self.env["alert.throttle"]._used_today(rule), 3)
        self.assertFalse(rule._evaluate(), "the cap is per day, the other two wait until tomorrow")
        self.assertEqual(self.env["alert.throttle"]._used_today(rule), 3)

    def test_cap_rejection_releases_cooldown(self):
        self.make_product("Capped A", qty=0)
        self.make_product("Capped B", qty=0)
        rule = self.inventory_rule(max_alerts_per_day=1, cooldown_minutes=60)
        self.assertEqual(len(rule._evaluate()), 1)
        rule.max_alerts_per_day = 5
        self.assertEqual(len(rule._evaluate()), 1, "the product refused by the cap was not put in cooldown")

    def test_digest_on_storm(self):
        for i in range(6):
            self.make_product("Storm %s" % i, qty=0)
        rule = self.inventory_rule(
            digest_threshold=3, channel_in_app=True, user_ids=[(6, 0, (self.manager | self.boss).ids)]
        )
        alerts = rule._evaluate()
        self.assertEqual(len(alerts), 6)
        notes = self.Notification.search([("rule_id", "=", rule.id)])
        self.assertEqual(len(notes), 4, "one digest per recipient and channel, not 6 x 2 x 2")
        self.assertTrue(all(notes.mapped("is_digest")))
        self.assertEqual(notes[0].alert_ids, alerts)
        self.assertIn("6 alerts", notes[0].subject)

    def test_no_digest_below_threshold(self):
        for i in range(2):
            self.make_product("Calm %s" % i, qty=0)
        rule = self.inventory_rule(digest_threshold=3)
        rule._evaluate()
        notes = self.Notification.search([("rule_id", "=", rule.id)])
        self.assertEqual(len(notes), 2)
        self.assertFalse(any(notes.mapped("is_digest")))

    def test_silences(self):
        muted = self.make_product("Muted", qty=0)
        loud = self.make_product("Loud", qty=0)
        rule = self.inventory_rule()
        now = fields.Datetime.now()
        Silence = self.env["alert.silence"]
        whole = Silence.create(
            {"name": "Stock take", "rule_id": rule.id, "date_end": now + timedelta(hours=2)}
        )
        self.assertFalse(rule._evaluate(), "a silenced rule raises nothing")
        whole.active = False
        Silence.create(
            {
                "name": "Known supplier delay",
                "model_name": "product.product",
                "record_id": muted.id,
                "date_end": now + timedelta(hours=2),
            }
        )
        Silence.create(
            {
                "name": "Past silence",
                "rule_id": rule.id,
                "date_start": now - timedelta(hours=3),
                "date_end": now - timedelta(hours=1),
            }
        )
        self.assertEqual(rule._evaluate().mapped("record_id"), [loud.id])

    def test_redis_counters(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "workflow_alerts.redis_url", "redis://127.0.0.1:6379/4"
        )
        Throttle = self.env["alert.throttle"]
        client = Throttle._redis()
        for i in range(4):
            self.make_product("Redis %s" % i, qty=0)
        rule = self.inventory_rule(max_alerts_per_day=3, cooldown_minutes=30)
        prefix = Throttle._redis_key(rule, "")
        try:
            client.delete(*(client.keys(prefix + "*") or [prefix]))
            self.assertEqual(len(rule._evaluate()), 3)
            self.assertEqual(Throttle._used_today(rule), 3)
            self.assertEqual(len(client.keys(prefix + "cd:*")), 3, "cooldown of the refused one was released")
            self.open_alerts(rule).action_resolve("test")
            self.assertFalse(rule._evaluate())
            self.env.cr.execute("SELECT count(*) FROM alert_throttle WHERE rule_id = %s", (rule.id,))
            self.assertEqual(self.env.cr.fetchone()[0], 0, "Redis holds the counters, not PostgreSQL")
        finally:
            client.delete(*(client.keys(prefix + "*") or [prefix]))

    def test_storm_of_single_alerts_is_digested(self):
        rule = self.Rule.create(
            {
                "name": "Blocked buyers",
                "code": "storm_event",
                "alert_type": "event",
                "model_id": self.env["ir.model"]._get("res.partner").id,
                "condition": "[('function', '=', 'Storm buyer')]",
                "user_ids": [(6, 0, self.manager.ids)],
                "channel_email": True,
                "channel_in_app": False,
                "cooldown_minutes": 0,
                "digest_threshold": 2,
            }
        )
        for i in range(5):
            self.env["res.partner"].create({"name": "Storm %s" % i, "function": "Storm buyer"})
        alerts = self.Alert.search([("rule_id", "=", rule.id)])
        self.assertEqual(len(alerts), 5)
        self.assertEqual(len(alerts.notification_ids), 2, "the first two alone, then the storm is held")
        held = alerts.filtered("digest_pending")
        self.assertEqual(len(held), 3)
        self.assertEqual(self.env["workflow.job"].run_job("alert.instance", "_job_flush_digests"), 3)
        digest = self.Notification.search([("rule_id", "=", rule.id), ("is_digest", "=", True)])
        self.assertEqual(len(digest), 1)
        self.assertEqual(digest.alert_ids, held)
        self.assertFalse(held.filtered("digest_pending"))
