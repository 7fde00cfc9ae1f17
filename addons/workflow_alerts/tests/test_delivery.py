import json
import time
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.workflow_automation.tests.http_listener import HttpListener

from .common import AlertCase
from .servers import HTTPGateway, SMTPSink


@tagged("post_install", "-at_install")
class TestDelivery(AlertCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sink = SMTPSink(2526).start()
        cls.addClassCleanup(cls.sink.stop)
        cls.gateway = HTTPGateway(18390).start()
        cls.addClassCleanup(cls.gateway.stop)
        cls.env["ir.mail_server"].search([]).active = False
        cls.env["ir.mail_server"].create(
            {
                "name": "alerts sink",
                "smtp_host": "127.0.0.1",
                "smtp_port": cls.sink.port,
                "smtp_encryption": "none",
            }
        )
        cls.env["ir.config_parameter"].sudo().set_param("workflow_alerts.email_from", "alerts@dairy.example")
        # a loopback gateway is reached only when its exact host:port is allow-listed
        cls.env["ir.config_parameter"].sudo().set_param(
            "workflow_alerts.gateway_allowed_hosts", "127.0.0.1:%s" % cls.gateway.port
        )
        cls.sms = cls.env["alert.gateway"].create(
            {"name": "Local SMS", "channel": "sms", "url": cls.gateway.url, "token": "s3cret", "timeout": 5}
        )
        cls.push = cls.env["alert.gateway"].create(
            {"name": "Local push", "channel": "push", "url": cls.gateway.url, "timeout": 5}
        )

    def setUp(self):
        super().setUp()
        self.sink.messages.clear()
        self.sink.refuse = False
        self.sink.drop_after = None
        self.sink.connections = 0
        self.gateway.requests.clear()
        self.gateway.script.clear()
        self.gateway.default = (200, {"status": "delivered"})

    def rule(self, **channels):
        vals = {"channel_email": False, "channel_in_app": False, "channel_sms": False, "channel_push": False}
        vals.update(channels)
        return self.Rule.create(
            {
                "name": "Delivery test",
                "code": "delivery_%s" % "_".join(sorted(channels)),
                "alert_type": "sla",
                "severity": "critical",
                "description": "Churning failed on line 2",
                "user_ids": [(6, 0, self.manager.ids)],
                **vals,
            }
        )

    def raise_one(self, rule):
        alert = self.Rule.raise_alert(rule)
        self.assertEqual(len(alert), 1)
        return alert, alert.notification_ids

    def deliver(self):
        # the delivery run sends the emails it hands over itself: through the real SMTP sink
        with patch.object(type(self.env["ir.mail_server"]), "_is_test_mode", lambda self: False):
            return self.env["workflow.job"].run_job("alert.notification", "_job_deliver")

    def process_mail_queue(self, notes):
        with patch.object(type(self.env["ir.mail_server"]), "_is_test_mode", lambda self: False):
            self.env["mail.mail"].process_email_queue(ids=notes.mail_id.ids)

    def test_email_sent_by_the_delivery_run(self):
        alert, note = self.raise_one(self.rule(channel_email=True))
        self.assertEqual(note.status, "pending", "nothing is sent inside the raising transaction")
        self.assertEqual(self.deliver(), 1)
        # no mail queue ran: the delivery run sent it through the SMTP server itself
        self.assertTrue(self.sink.wait_for(1, timeout=10))
        received = self.sink.messages[0]
        self.assertEqual(received["message"]["Message-Id"], note.mail_id.message_id)
        self.assertEqual(note.mail_id.message_id, "<alert-%s@workflow-alerts>" % note.idempotency_key)
        self.assertIn("wanda@dairy.example", received["to"][0])
        self.assertIn(alert.title, received["message"]["Subject"])
        self.assertEqual(note.status, "sent")
        self.assertEqual(note.mail_id.state, "sent")
        self.assertTrue(note.sent_at)
        # the mail queue running afterwards sends nothing more
        self.process_mail_queue(note)
        self.assertEqual(len(self.sink.messages), 1)

    def test_emails_of_a_batch_sent_once_in_one_connection(self):
        rule = self.rule(channel_email=True)
        rule.digest_threshold = 0
        partners = self.env["res.partner"].create([{"name": "Vat %s" % i} for i in range(6)])
        notes = self.Rule.raise_alert(rule, records=partners).notification_ids
        self.assertEqual(len(notes), 6)
        self.assertEqual(self.deliver(), 6)
        self.assertEqual(self.sink.message_ids(), dict.fromkeys(notes.mail_id.mapped("message_id"), 1))
        self.assertEqual(self.sink.connections, 1, "one SMTP connection for the batch")
        self.assertEqual(set(notes.mapped("status")), {"sent"})
        self.assertEqual(self.deliver(), 0)
        self.process_mail_queue(notes)
        self.assertEqual(len(self.sink.messages), 6, "neither a second run nor the mail queue sends again")

    def test_interrupted_batch_sent_by_the_mail_queue_after_the_lease(self):
        """The SMTP connection breaks at the 2nd email of 5 (received, but never acknowledged):
        the mail queue leaves the rest alone while the lease lasts, then sends each of them once;
        only the one in flight reaches the receiver twice, with the same Message-Id."""
        lease = 3
        self.env["ir.config_parameter"].sudo().set_param("workflow_alerts.claim_lease_seconds", lease)
        rule = self.rule(channel_email=True)
        rule.digest_threshold = 0
        partners = self.env["res.partner"].create([{"name": "Silo %s" % i} for i in range(5)])
        notes = self.Rule.raise_alert(rule, records=partners).notification_ids.sorted("id")
        self.assertEqual(len(notes), 5)
        self.sink.drop_after = 2
        handed_over = fields.Datetime.now()
        with mute_logger(
            "odoo.addons.mail.models.mail_mail", "odoo.addons.workflow_alerts.models.alert_notification"
        ):
            self.assertEqual(self.deliver(), 5)
        self.assertEqual(len(self.sink.messages), 2)
        in_flight = self.sink.messages[1]["message"]["Message-Id"]
        self.assertEqual(in_flight, notes[1].mail_id.message_id)
        self.assertEqual(notes.mapped("status"), ["sent"] + ["queued"] * 4)
        left = notes[1:].mail_id
        self.assertEqual(set(left.mapped("state")), {"outgoing"})
        self.assertTrue(
            all(mail.scheduled_date >= handed_over + timedelta(seconds=lease - 1) for mail in left)
        )
        # the mail queue (as its cron does) leaves leased emails alone until the lease ends
        self.process_mail_queue(notes)
        self.assertEqual(len(self.sink.messages), 2)
        mail_cron = self.env.ref("mail.ir_cron_mail_scheduler_action")
        Trigger = self.env["ir.cron.trigger"].sudo()
        triggers = Trigger.search_count([("cron_id", "=", mail_cron.id)])
        self.env["workflow.job"].run_job("alert.notification", "_job_sweep")
        self.assertEqual(Trigger.search_count([("cron_id", "=", mail_cron.id)]), triggers)
        time.sleep(lease + 1.1)
        # after the lease, the sweeper wakes the mail queue, which sends the rest, once each
        self.env["workflow.job"].run_job("alert.notification", "_job_sweep")
        self.assertGreater(Trigger.search_count([("cron_id", "=", mail_cron.id)]), triggers)
        self.process_mail_queue(notes)
        expected = dict.fromkeys(notes.mail_id.mapped("message_id"), 1)
        expected[in_flight] = 2
        self.assertEqual(self.sink.message_ids(), expected)
        self.assertEqual(set(notes.mapped("status")), {"sent"})
        self.process_mail_queue(notes)
        self.assertEqual(len(self.sink.messages), 6)

    def test_email_failure_recorded_then_retried(self):
        _alert, note = self.raise_one(self.rule(channel_email=True))
        self.sink.refuse = True
        with mute_logger("odoo.addons.mail.models.mail_mail"):
            self.deliver()
        self.assertEqual(note.status, "retry")
        self.assertTrue(note.error_message)
        self.assertGreater(note.next_attempt_at, fields.Datetime.now())
        self.assertFalse(self.sink.messages)
        # the backoff elapses, the SMTP server is back: same mail, same Message-Id, sent once
        self.sink.refuse = False
        note.sudo().write({"next_attempt_at": fields.Datetime.now() - timedelta(seconds=1)})
        self.deliver()
        self.assertEqual(note.attempt_count, 2)
        self.assertTrue(self.sink.wait_for(1, timeout=10))
        self.assertEqual(len(self.sink.messages), 1)
        self.assertEqual(note.status, "sent")
        self.assertEqual(len(self.env["mail.mail"].search([("message_id", "=", note.mail_id.message_id)])), 1)

    def test_in_app_through_bus(self):
        _alert, note = self.raise_one(self.rule(channel_in_app=True))
        self.deliver()
        self.assertEqual(note.status, "sent")
        bus = self.env["bus.bus"].search([("message", "ilike", note.subject)])
        self.assertEqual(len(bus), 1)
        self.assertIn("simple_notification", bus.message)
        self.assertEqual(json.loads(bus.channel)[1:], ["res.partner", self.manager.partner_id.id])

    def test_sms_gateway(self):
        _alert, note = self.raise_one(self.rule(channel_sms=True))
        self.deliver()
        self.assertEqual(note.status, "delivered")
        self.assertTrue(note.delivered_at)
        self.assertEqual(len(self.gateway.requests), 1)
        req = self.gateway.requests[0]
        self.assertEqual(req["headers"]["idempotency-key"], note.idempotency_key)
        self.assertEqual(req["headers"]["authorization"], "Bearer s3cret")
        self.assertEqual(req["json"]["to"], "+8801700000001")
        self.assertEqual(req["json"]["message"], "Churning failed on line 2")

    def test_push_retry_with_backoff_then_success(self):
        self.gateway.script = [(503, {"error": "busy"}), (503, {"error": "busy"})]
        self.gateway.default = (200, {"status": "accepted"})
        _alert, note = self.raise_one(self.rule(channel_push=True))
        self.deliver()
        self.assertEqual(note.status, "retry")
        self.assertIn("503", note.error_message)
        first_delay = note.next_attempt_at - fields.Datetime.now()
        self.assertEqual(self.deliver(), 0, "not retried before its backoff")
        note.sudo().write({"next_attempt_at": fields.Datetime.now() - timedelta(seconds=1)})
        self.deliver()
        self.assertEqual(note.status, "retry")
        self.assertGreater(note.next_attempt_at - fields.Datetime.now(), first_delay, "the backoff grows")
        note.sudo().write({"next_attempt_at": fields.Datetime.now() - timedelta(seconds=1)})
        self.deliver()
        self.assertEqual(note.status, "sent")
        self.assertFalse(note.error_message)
        self.assertEqual(note.attempt_count, 3)
        self.assertEqual(set(self.gateway.keys()), {note.idempotency_key})

    def test_failures_recorded(self):
        # a client error is not retried
        self.gateway.default = (422, {"error": "bad number"})
        _alert, note = self.raise_one(self.rule(channel_sms=True))
        self.deliver()
        self.assertEqual(note.status, "failed")
        self.assertIn("422", note.error_message)
        # transient errors stop after the last attempt
        self.env["ir.config_parameter"].sudo().set_param("workflow_alerts.max_attempts", 2)
        self.gateway.default = (500, {})
        _alert, note = self.raise_one(self.rule(channel_push=True))
        self.deliver()
        note.sudo().write({"next_attempt_at": fields.Datetime.now() - timedelta(seconds=1)})
        self.deliver()
        self.assertEqual(note.status, "failed")
        self.assertEqual(note.attempt_count, 2)
        # a recipient without a phone number
        self.manager.partner_id.mobile = False
        _alert, note = self.raise_one(self.rule(channel_sms=True, channel_in_app=True))
        sms = note.filtered(lambda n: n.channel == "sms")
        self.assertEqual(sms.status, "failed")
        self.assertIn("no address", sms.error_message)

    def test_gateway_host_allow_list(self):
        # another host, or the loopback host without its port (as listed before host:port entries)
        for i, allowed in enumerate(
            ("sms.example.com", "127.0.0.1", "127.0.0.1:%s" % (self.gateway.port + 1))
        ):
            self.env["ir.config_parameter"].sudo().set_param("workflow_alerts.gateway_allowed_hosts", allowed)
            rule = self.rule(channel_sms=True)
            rule.code = "delivery_refused_%s" % i
            _alert, note = self.raise_one(rule)
            self.deliver()
            self.assertEqual(note.status, "failed", "a refused URL is not retried")
            self.assertIn(
                "127.0.0.1 in the SMS gateway URL %s is a loopback address; an administrator can allow "
                "127.0.0.1:%s in the system parameter workflow_alerts.gateway_allowed_hosts"
                % (self.gateway.url, self.gateway.port),
                note.error_message,
            )
            self.assertFalse(self.gateway.requests, "the gateway was not reached")

    def test_gateway_redirect_not_followed(self):
        target = HttpListener().start()
        self.addCleanup(target.stop)
        redirecting = HttpListener().start()
        self.addCleanup(redirecting.stop)
        redirecting.answer = {"status": 302, "headers": {"Location": target.url}, "body": b""}
        self.env["ir.config_parameter"].sudo().set_param(
            "workflow_alerts.gateway_allowed_hosts", "%s, %s" % (redirecting.netloc, target.netloc)
        )
        self.sms.url = redirecting.url
        _alert, note = self.raise_one(self.rule(channel_sms=True))
        self.deliver()
        self.assertEqual(note.status, "failed")
        self.assertIn("redirect to %s, which is not followed" % target.url, note.error_message)
        self.assertEqual(len(redirecting.requests), 1)
        self.assertEqual(target.requests, [], "the redirect target saw nothing")

    def test_exactly_once_when_delivery_runs_twice(self):
        _alert, notes = self.raise_one(self.rule(channel_sms=True, channel_email=True, channel_in_app=True))
        self.assertEqual(len(notes), 3)
        self.assertEqual(self.deliver(), 3)
        self.assertEqual(self.deliver(), 0)
        self.assertEqual(len(self.gateway.requests), 1)
        self.assertEqual(
            len(
                self.env["mail.mail"]
                .search([("message_id", "like", "alert-%")])
                .filtered(lambda m: m in notes.mail_id)
            ),
            1,
        )
        self.assertEqual(len(self.env["bus.bus"].search([("message", "ilike", notes[0].subject)])), 1)
        # a claimed row is invisible to a second worker until its lease expires
        _alert, note = self.raise_one(self.rule(channel_push=True))
        note.sudo().write({"status": "sending", "claimed_at": fields.Datetime.now()})
        self.assertEqual(self.deliver(), 0)
        self.assertEqual(self.env["workflow.job"].run_job("alert.notification", "_job_sweep"), 0)
        # the worker died: after the lease, the sweeper hands it back with the same idempotency key
        note.sudo().write({"claimed_at": fields.Datetime.now() - timedelta(minutes=10)})
        self.assertEqual(self.env["workflow.job"].run_job("alert.notification", "_job_sweep"), 1)
        self.assertEqual(note.status, "retry")
        self.deliver()
        self.assertEqual(note.status, "delivered")
        self.assertEqual(self.gateway.keys()[-1], note.idempotency_key)
        self.assertEqual(len(self.gateway.requests), 2)

    def test_no_gateway_configured(self):
        self.sms.active = False
        _alert, note = self.raise_one(self.rule(channel_sms=True))
        self.deliver()
        self.assertEqual(note.status, "failed")
        self.assertIn("gateway", note.error_message)

    def test_batch_with_one_bad_notification(self):
        """In-app and email go as one set; when one of them fails (here PostgreSQL refuses its row),
        the batch is undone and delivered one by one: the others once, the bad one kept for retry."""
        rule = self.rule(channel_email=True, channel_in_app=True)
        partners = self.env["res.partner"].create(
            [{"name": "Churn line %s" % name} for name in ("A", "B poison", "C")]
        )
        alerts = self.Rule.raise_alert(rule, records=partners)
        notes = alerts.notification_ids
        self.assertEqual(len(notes), 6)
        bad = notes.filtered(lambda n: "poison" in n.subject)
        good = notes - bad
        self.assertEqual(len(bad), 2)
        # a real failure of one row: the database refuses the email and the bus message of one alert
        self.env.cr.execute(
            """CREATE FUNCTION wfa_test_refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
               BEGIN RAISE EXCEPTION 'refused by the test trigger'; END $$;
               CREATE TRIGGER wfa_test_poison_mail BEFORE INSERT ON mail_message FOR EACH ROW
                   WHEN (NEW.subject LIKE '%poison%') EXECUTE FUNCTION wfa_test_refuse_poison();
               CREATE TRIGGER wfa_test_poison_bus BEFORE INSERT ON bus_bus FOR EACH ROW
                   WHEN (NEW.message LIKE '%poison%') EXECUTE FUNCTION wfa_test_refuse_poison();"""
        )
        with mute_logger("odoo.sql_db", "odoo.addons.workflow_alerts.models.alert_notification"):
            self.assertEqual(self.deliver(), 6)
        self.assertEqual(set(good.filtered(lambda n: n.channel == "in_app").mapped("status")), {"sent"})
        self.assertEqual(set(good.filtered(lambda n: n.channel == "email").mapped("status")), {"sent"})
        self.assertEqual(set(bad.mapped("status")), {"retry"})
        self.assertTrue(all("refused by the test trigger" in n.error_message for n in bad))
        self.assertFalse(bad.mail_id)
        self.assertTrue(
            all(n.next_attempt_at > fields.Datetime.now() for n in bad), "retried after a backoff"
        )
        self.env.cr.execute("DROP TRIGGER wfa_test_poison_mail ON mail_message")
        self.env.cr.execute("DROP TRIGGER wfa_test_poison_bus ON bus_bus")
        self.assertEqual(self.deliver(), 0, "the good ones are not sent again, the bad ones wait")
        bad.sudo().write({"next_attempt_at": fields.Datetime.now() - timedelta(seconds=1)})
        self.assertEqual(self.deliver(), 2)
        self.assertEqual(set(bad.mapped("status")), {"sent"})
        self.assertEqual(bad.mapped("attempt_count"), [2, 2])
        # each alert: one bus message, one email with the notification's Message-Id; nothing twice
        for note in notes.filtered(lambda n: n.channel == "in_app"):
            self.assertEqual(len(self.env["bus.bus"].search([("message", "ilike", note.subject)])), 1)
        emails = notes.filtered(lambda n: n.channel == "email")
        self.assertEqual(len(emails.mail_id), 3)
        self.assertEqual(sorted(emails.mail_id.mapped("message_id")), sorted(n._message_id() for n in emails))
        self.assertTrue(self.sink.wait_for(3, timeout=10))
        self.assertEqual(
            sorted(m["message"]["Message-Id"] for m in self.sink.messages),
            sorted(emails.mail_id.mapped("message_id")),
        )
        self.assertEqual(set(emails.mapped("status")), {"sent"})

    def test_batch_of_many_in_one_set(self):
        """A batch of in-app and email notifications is written as sets: every one delivered once,
        with a number of statements that does not grow with the size of the batch up to the
        hand-over of the emails (sending them is then one SMTP exchange and one commit each)."""
        rule = self.rule(channel_email=True, channel_in_app=True)
        rule.digest_threshold = 0
        statements = {}
        Notification = type(self.env["alert.notification"])
        send_leased = Notification._send_leased_emails
        at_sending = []

        def count_then_send(notifications, *args):
            at_sending.append(self.env.cr.sql_log_count)
            return send_leased(notifications, *args)

        for size in (4, 40):
            partners = self.env["res.partner"].create(
                [{"name": "Tank %s-%02d" % (size, i)} for i in range(size)]
            )
            notes = self.Rule.raise_alert(rule, records=partners).notification_ids
            self.assertEqual(len(notes), 2 * size)
            self.env.flush_all()
            before = self.env.cr.sql_log_count
            at_sending.clear()
            with patch.object(Notification, "_send_leased_emails", count_then_send):
                self.assertEqual(self.deliver(), 2 * size)
            self.assertEqual(len(at_sending), 1)
            statements[size] = at_sending[0] - before
            self.assertEqual(set(notes.filtered(lambda n: n.channel == "in_app").mapped("status")), {"sent"})
            emails = notes.filtered(lambda n: n.channel == "email")
            self.assertEqual(set(emails.mapped("status")), {"sent"})
            self.assertEqual(len(emails.mail_id), size)
            self.assertEqual(
                self.env["bus.bus"].search_count([("message", "ilike", "Tank %s-" % size)]), size
            )
        # (the first batch also reads the settings the second finds in the caches)
        self.assertLessEqual(statements[40], statements[4], statements)
