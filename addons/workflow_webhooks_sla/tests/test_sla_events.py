from freezegun import freeze_time
from standardwebhooks import Webhook

from odoo import Command
from odoo.tests import tagged

from odoo.addons.workflow_automation.tests.http_listener import HttpListener
from odoo.addons.workflow_sla.tests.common import SlaPartnerCase, scan_and_notify, utc


@tagged("post_install", "-at_install")
class TestSlaEvents(SlaPartnerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.listener = HttpListener().start()
        cls.addClassCleanup(cls.listener.stop)
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param("workflow_automation.webhook_allowed_hosts", cls.listener.netloc)
        events = cls.env["workflow.webhook.event.type"].search([("code", "like", "sla.%")])
        cls.endpoint = cls.env["workflow.webhook.endpoint"].create(
            {
                "name": "SLA board",
                "url": cls.listener.url,
                "event_type_ids": [Command.set(events.ids)],
                "user_id": cls.env.ref("base.user_admin").id,
            }
        )

    def test_breach_is_sent(self):
        with freeze_time(utc(2026, 3, 2, 9, 0)):
            partner = self.env["res.partner"].create(
                {"name": "Hooked", "ref": "T-41", "is_company": True, "user_id": self.agent.id}
            )
        scan_and_notify(self.env, utc(2026, 3, 2, 14, 0))
        self.env["workflow.job"].run_job("workflow.webhook.message", "_job_deliver")
        payloads = [
            Webhook(self.endpoint.secret).verify(r["body"], r["headers"]) for r in self.listener.requests
        ]
        breaches = [p for p in payloads if p["type"] == "sla.breach"]
        self.assertTrue(breaches, [p["type"] for p in payloads])
        self.assertEqual(breaches[0]["data"]["record"]["id"], partner.id)
