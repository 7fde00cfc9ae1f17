from standardwebhooks import Webhook

from odoo import Command
from odoo.tests import tagged

from odoo.addons.workflow_webhooks.tests.common import WebhookCase


@tagged("post_install", "-at_install")
class TestAlertEvents(WebhookCase):
    def test_raised_and_resolved_are_sent(self):
        events = self.env["workflow.webhook.event.type"].search([("code", "like", "alert.%")])
        endpoint = self.make_endpoint(event_type_ids=[Command.set(events.ids)])
        rule = self.env["alert.rule"].create(
            {
                "name": "Cold room too warm",
                "code": "wh_cold_room",
                "alert_type": "sla",
                "channel_email": False,
                "channel_in_app": True,
                "cooldown_minutes": 0,
                "user_ids": [Command.set(self.webhook_manager.ids)],
            }
        )
        alert = self.env["alert.rule"].raise_alert(rule, self.partner)
        alert.action_resolve(notes="Door closed")
        self.deliver()
        payloads = [Webhook(endpoint.secret).verify(r["body"], r["headers"]) for r in self.listener.requests]
        self.assertEqual([p["type"] for p in payloads], ["alert.raised", "alert.resolved"])
        self.assertEqual(payloads[0]["data"]["rule"]["code"], "wh_cold_room")
        self.assertEqual(payloads[0]["data"]["record"]["id"], self.partner.id)
        self.assertEqual(payloads[1]["data"]["notes"], "Door closed")
