import json
from datetime import datetime, timedelta

from standardwebhooks import Webhook

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from ..tools.signature import RETRY_SCHEDULE
from .common import ALLOW_PARAM, WebhookCase


@tagged("post_install", "-at_install")
class TestOutgoing(WebhookCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.endpoint = cls.make_endpoint()
        cls.secret = cls.endpoint.secret

    def received(self):
        """Every request the receiver got, verified with the independent Standard Webhooks package."""
        events = []
        for req in self.listener.requests:
            payload = Webhook(self.secret).verify(req["body"], req["headers"])
            events.append((req["headers"]["webhook-id"], payload))
        return events

    def run_flow(self):
        inst = self.start()
        inst.with_user(self.manager).fire(self.transitions["Submit"].id)
        inst.with_user(self.manager).fire(self.transitions["Approve"].id, comment="Looks right")
        return inst

    def test_every_event_of_a_run_once_signed(self):
        inst = self.run_flow()
        self.assertEqual(self.listener.requests, [], "nothing leaves before the transaction commits")
        self.assertEqual(self.deliver(), 7)
        events = self.received()
        self.assertEqual(
            [e["type"] for _id, e in events],
            [
                "workflow.started",
                "workflow.state_entered",
                "workflow.transitioned",
                "workflow.state_entered",
                "workflow.transitioned",
                "workflow.state_entered",
                "workflow.completed",
            ],
        )
        self.assertEqual(len({msg_id for msg_id, _e in events}), 7, "one webhook-id per message")
        approve = events[4][1]
        self.assertEqual(approve["version"], "1")
        self.assertEqual(approve["company"]["id"], self.env.company.id)
        self.assertEqual(approve["data"]["instance"]["id"], inst.id)
        self.assertEqual(approve["data"]["from_state"]["code"], "review")
        self.assertEqual(approve["data"]["state"]["code"], "done")
        self.assertEqual(approve["data"]["transition"]["name"], "Approve")
        self.assertEqual(approve["data"]["by"]["name"], self.manager.name)
        self.assertEqual(approve["data"]["comment"], "Looks right")
        self.assertEqual(
            approve["data"]["record"],
            {"model": "res.partner", "id": self.partner.id, "name": self.partner.display_name},
        )
        # delivered is delivered: another run sends nothing again
        self.assertEqual(self.deliver(), 0)
        self.assertEqual(len(self.listener.requests), 7)
        messages = self.env["workflow.webhook.message"].search([("endpoint_id", "=", self.endpoint.id)])
        self.assertEqual(set(messages.mapped("status")), {"succeeded"})
        self.assertEqual(messages.attempt_ids.mapped("status_code"), [200] * 7)

    def test_rolled_back_transition_sends_nothing(self):
        inst = self.start()
        self.deliver()
        self.listener.reset()
        with self.assertRaises(RuntimeError), self.env.cr.savepoint():
            inst.with_user(self.manager).fire(self.transitions["Submit"].id)
            raise RuntimeError("the caller's transaction fails after the transition")
        self.assertEqual(self.deliver(), 0)
        self.assertEqual(self.listener.requests, [])
        self.assertFalse(
            self.env["workflow.webhook.message"].search([("event_type", "=", "workflow.transitioned")])
        )

    def test_filters_and_subscriber_rights(self):
        other_company = self.env["res.company"].create({"name": "Other Dairy"})
        outsider = new_test_user(
            self.env,
            login="wh_other",
            groups="base.group_user",
            company_id=other_company.id,
            company_ids=[Command.set(other_company.ids)],
        )
        blind = self.make_endpoint(name="Blind", user_id=outsider.id)
        narrow = self.make_endpoint(
            name="Narrow",
            event_type_ids=[Command.set(self.env.ref("workflow_webhooks.event_workflow_state_entered").ids)],
            state_ids=[Command.set(self.states["done"].ids)],
        )
        other_flow = self.make_endpoint(
            name="Other flow", workflow_ids=[Command.set(self.make_definition(code="OTHER").ids)]
        )
        self.run_flow()
        Message = self.env["workflow.webhook.message"]
        self.assertFalse(
            Message.search([("endpoint_id", "=", blind.id)]),
            "a subscriber who may not read the workflow gets nothing about it",
        )
        self.assertEqual(
            Message.search([("endpoint_id", "=", narrow.id)]).mapped("event_type"), ["workflow.state_entered"]
        )
        self.assertFalse(Message.search([("endpoint_id", "=", other_flow.id)]))

    def test_killed_worker_resends_with_same_id_and_never_otherwise(self):
        self.start()
        Message = self.env["workflow.webhook.message"]
        now = datetime.now().replace(microsecond=0)
        ids = Message._claim(10, now)
        self.assertEqual(len(ids), 2)
        first = Message.browse(ids[0])
        # the worker sends, then dies before recording: its recording transaction never commits
        with self.assertRaises(KeyboardInterrupt), self.env.cr.savepoint():
            first._deliver(now)
            raise KeyboardInterrupt
        self.assertEqual(first.status, "sending")
        self.assertEqual(len(self.listener.requests), 1)
        # the other claimed message is not due to anyone until the sweeper
        self.assertEqual(Message._claim(10, now), [])
        Message.browse(ids[1])._deliver(now)
        first.claimed_at = now - timedelta(seconds=301)
        self.assertEqual(self.env["workflow.job"].run_job("workflow.webhook.message", "_job_sweep"), 1)
        self.assertEqual(self.deliver(), 1)
        self.assertEqual(self.deliver(), 0)
        ids_sent = [r["headers"]["webhook-id"] for r in self.listener.requests]
        self.assertEqual(ids_sent, [first.msg_id, Message.browse(ids[1]).msg_id, first.msg_id])
        self.assertEqual(first.status, "succeeded")

    def test_retry_schedule_with_fixed_clock_then_failed(self):
        self.endpoint.event_type_ids = self.env.ref("workflow_webhooks.event_workflow_started")
        self.listener.answer = {"status": 500, "body": "down"}
        self.start()
        message = self.env["workflow.webhook.message"].search([("endpoint_id", "=", self.endpoint.id)])
        clock = datetime(2026, 3, 1, 8, 0, 0)
        Message = self.env["workflow.webhook.message"]
        delays = []
        for _attempt in range(len(RETRY_SCHEDULE)):
            self.assertEqual(Message._claim(10, clock), message.ids)
            message._deliver(clock)
            if message.status == "failed":
                break
            self.assertEqual(message.status, "retry")
            delay = (message.next_attempt_at - clock).total_seconds()
            delays.append(delay)
            self.assertEqual(
                Message._claim(10, clock + timedelta(seconds=delay - 1)), [], "not before its time"
            )
            clock += timedelta(seconds=delay)
        self.assertEqual(delays, list(RETRY_SCHEDULE[1:]))
        self.assertEqual(message.status, "failed")
        self.assertEqual(message.attempt_count, len(RETRY_SCHEDULE))
        self.assertEqual(len(self.listener.requests), len(RETRY_SCHEDULE))
        self.assertEqual(len({r["headers"]["webhook-id"] for r in self.listener.requests}), 1)
        self.assertEqual(message.attempt_ids[0].status_code, 500)
        self.assertEqual(message.attempt_ids[0].response_excerpt, "down")

    def test_retry_after_is_honoured_and_redirect_not_followed(self):
        self.endpoint.event_type_ids = self.env.ref("workflow_webhooks.event_workflow_started")
        self.listener.answer = {"status": 503, "headers": {"Retry-After": "900"}, "body": ""}
        self.start()
        message = self.env["workflow.webhook.message"].search([("endpoint_id", "=", self.endpoint.id)])
        clock = datetime(2026, 3, 1, 8, 0, 0)
        self.env["workflow.webhook.message"]._claim(10, clock)
        message._deliver(clock)
        self.assertEqual(message.next_attempt_at, clock + timedelta(seconds=900))
        self.listener.answer = {
            "status": 302,
            "headers": {"Location": "http://127.0.0.1:1/elsewhere"},
            "body": "",
        }
        clock += timedelta(seconds=900)
        self.env["workflow.webhook.message"]._claim(10, clock)
        message._deliver(clock)
        self.assertEqual(message.status, "retry", "a 3xx is a failure, not followed")
        self.assertEqual([r["path"] for r in self.listener.requests], ["/hook", "/hook"])

    def test_gone_disables_endpoint_and_tells_owner(self):
        self.listener.answer = {"status": 410, "body": "gone"}
        self.start()
        self.deliver()
        self.assertFalse(self.endpoint.active)
        self.assertIn("410", self.endpoint.disabled_reason)
        self.assertIn(self.webhook_manager.partner_id, self.endpoint.message_ids.partner_ids)
        self.assertEqual(len(self.listener.requests), 1, "nothing more is sent to a disabled endpoint")
        self.assertEqual(self.deliver(), 0)

    def test_failing_for_days_disables(self):
        self.listener.answer = {"status": 500, "body": "down"}
        self.endpoint.event_type_ids = self.env.ref("workflow_webhooks.event_workflow_started")
        self.start()
        message = self.env["workflow.webhook.message"].search([("endpoint_id", "=", self.endpoint.id)])
        clock = datetime(2026, 3, 1, 8, 0, 0)
        self.env["workflow.webhook.message"]._claim(10, clock)
        message._deliver(clock)
        self.assertEqual(self.endpoint.failing_since, clock)
        self.assertTrue(self.endpoint.active)
        clock += timedelta(days=6)
        self.env["workflow.webhook.message"]._claim(10, clock)
        message._deliver(clock)
        self.assertFalse(self.endpoint.active)
        self.assertIn("days", self.endpoint.disabled_reason)

    def test_replay_one_and_failed_of_a_period(self):
        self.listener.answer = {"status": 400, "body": "nope"}
        self.env["ir.config_parameter"].sudo().set_param("workflow_webhooks.retry_jitter", "0")
        self.start()
        Message = self.env["workflow.webhook.message"]
        messages = Message.search([("endpoint_id", "=", self.endpoint.id)])
        messages.write({"attempt_count": 9})  # the last attempt comes next
        self.deliver()
        self.assertEqual(set(messages.mapped("status")), {"failed"})
        self.listener.reset()
        manager_messages = messages.with_user(self.webhook_manager)
        manager_messages[0].action_replay()
        self.deliver()
        self.assertEqual(messages[0].status, "succeeded")
        self.assertEqual(self.listener.requests[0]["headers"]["webhook-id"], messages[0].msg_id)
        wizard = (
            self.env["workflow.webhook.replay.wizard"]
            .with_user(self.webhook_manager)
            .create(
                {
                    "date_from": datetime.now() - timedelta(hours=1),
                    "date_to": datetime.now() + timedelta(hours=1),
                }
            )
        )
        wizard.action_replay()
        self.deliver()
        self.assertEqual(set(messages.mapped("status")), {"succeeded"})
        self.assertEqual(len(self.listener.requests), 2)

    def test_ordering_and_concurrency_cap(self):
        ordered = self.make_endpoint(name="Ordered", ordered=True)
        capped = self.make_endpoint(name="Capped", max_in_flight=3)
        self.endpoint.active = False
        self.run_flow()
        Message = self.env["workflow.webhook.message"]
        now = datetime.now()
        claimed = Message.browse(Message._claim(50, now))
        self.assertEqual(len(claimed.filtered(lambda m: m.endpoint_id == ordered)), 1)
        self.assertEqual(len(claimed.filtered(lambda m: m.endpoint_id == capped)), 3)
        first = claimed.filtered(lambda m: m.endpoint_id == ordered)
        self.assertEqual(first, Message.search([("endpoint_id", "=", ordered.id)], order="id", limit=1))
        self.assertEqual(Message._claim(50, now), [], "slots are full while those are being sent")
        for message in claimed:
            message._deliver(now)
        second = Message.browse(Message._claim(50, now)).filtered(lambda m: m.endpoint_id == ordered)
        self.assertEqual(json.loads(second.payload)["type"], "workflow.state_entered")
        self.assertGreater(second.id, first.id)

    def test_ssrf_guard_allow_list(self):
        params = self.env["ir.config_parameter"].sudo()
        params.set_param(ALLOW_PARAM, "")
        with self.assertRaises(UserError):
            self.make_endpoint(name="Not allowed")
        self.start()
        with mute_logger("odoo.addons.workflow_automation.tools.http_guard"):
            self.deliver()
        self.assertEqual(self.listener.requests, [], "loopback is reached only through the allow-list")
        message = self.env["workflow.webhook.message"].search(
            [("endpoint_id", "=", self.endpoint.id)], limit=1
        )
        self.assertEqual(message.status, "failed")
        self.assertIn(ALLOW_PARAM, message.last_error)

    def test_rotation_sends_two_signatures(self):
        old = self.endpoint.secret
        with self.assertRaises(AccessError):
            self.endpoint.with_user(self.webhook_manager).action_rotate_secret()
        self.endpoint.with_user(self.env.ref("base.user_admin")).action_rotate_secret()
        new = self.endpoint.secret
        self.assertNotEqual(old, new)
        self.endpoint.event_type_ids = self.env.ref("workflow_webhooks.event_workflow_started")
        self.start()
        self.deliver()
        request = self.listener.requests[0]
        self.assertEqual(len(request["headers"]["webhook-signature"].split(" ")), 2)
        Webhook(old).verify(request["body"], request["headers"])
        Webhook(new).verify(request["body"], request["headers"])

    def test_secret_for_administrators_only(self):
        endpoint = self.endpoint.with_user(self.webhook_manager)
        self.assertEqual(endpoint.name, "ERP bus")
        with self.assertRaises(AccessError):
            endpoint.read(["secret"])
        other_company = self.env["res.company"].create({"name": "Other Dairy"})
        other_manager = new_test_user(
            self.env,
            login="wh_other_mgr",
            groups="base.group_user,workflow_automation.group_workflow_manager",
            company_id=other_company.id,
            company_ids=[Command.set(other_company.ids)],
        )
        self.assertFalse(self.env["workflow.webhook.endpoint"].with_user(other_manager).search([]))
        self.assertFalse(self.env["workflow.webhook.message"].with_user(other_manager).search([]))
        clerk = new_test_user(self.env, login="wh_clerk", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.env["workflow.webhook.endpoint"].with_user(clerk).search([])

    def test_send_test_event(self):
        self.endpoint.with_user(self.webhook_manager).action_send_test()
        self.deliver()
        ((_msg_id, payload),) = self.received()
        self.assertEqual(payload["type"], "webhook.test")

    def test_cancelled_and_failed(self):
        self.endpoint.event_type_ids = self.env["workflow.webhook.event.type"].search(
            [("code", "in", ("workflow.cancelled", "workflow.failed"))]
        )
        failing = self.start()
        failing._record_error(UserError("The price list is missing."))
        other = self.start(partner=self.env["res.partner"].create({"name": "Second shop"}))
        other.with_user(self.manager).action_cancel(reason="Duplicate order")
        self.deliver()
        payloads = [payload for _id, payload in self.received()]
        self.assertEqual([p["type"] for p in payloads], ["workflow.failed", "workflow.cancelled"])
        self.assertEqual(payloads[0]["data"]["error"], "The price list is missing.")
        self.assertEqual(payloads[1]["data"]["comment"], "Duplicate order")
        self.assertEqual(payloads[1]["data"]["instance"], {"id": other.id, "status": "cancelled"})


@tagged("post_install", "-at_install")
class TestApprovalEvents(WebhookCase):
    def test_requested_and_decided(self):
        approver = new_test_user(
            self.env, login="wh_approver", groups="base.group_user,base.group_partner_manager"
        )
        definition = self.make_approval_flow(approver)
        endpoint = self.make_endpoint(
            event_type_ids=[
                Command.set(
                    self.env["workflow.webhook.event.type"].search([("code", "like", "approval.%")]).ids
                )
            ]
        )
        inst = self.env["workflow.instance"]._start(definition, self.partner)
        inst.fire(definition.transition_ids.filtered(lambda t: t.name == "Submit").id)
        request = self.env["approval.request"].search([("instance_id", "=", inst.id)])
        request.with_user(approver).approve(comment="ok for 30 days")
        self.deliver()
        payloads = [Webhook(endpoint.secret).verify(r["body"], r["headers"]) for r in self.listener.requests]
        self.assertEqual([p["type"] for p in payloads], ["approval.requested", "approval.decided"])
        self.assertEqual(payloads[0]["data"]["approvers"], [{"id": approver.id, "name": approver.name}])
        decided = payloads[1]["data"]
        self.assertEqual(decided["outcome"], "approved")
        self.assertEqual(decided["decisions"][0]["comment"], "ok for 30 days")
        self.assertEqual(decided["decisions"][0]["by"]["id"], approver.id)
