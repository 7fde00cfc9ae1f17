import json
import uuid
from datetime import datetime, timedelta, timezone

from standardwebhooks import Webhook

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.workflow_automation.tests.common import WorkflowCase

from .common import WebhookMixin


@tagged("post_install", "-at_install")
class TestIncoming(WebhookMixin, WorkflowCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_webhooks()
        groups = "base.group_user,base.group_partner_manager"
        cls.approver = new_test_user(cls.env, login="wh_in_approver", groups=groups, name="Amal Approver")
        cls.stranger = new_test_user(cls.env, login="wh_in_stranger", groups=groups, name="Sami Stranger")
        cls.flow = cls.make_approval_flow(cls.approver, code="WH_IN")
        # running as another user is an administrator's choice
        Incoming = cls.env["workflow.webhook.incoming"].with_user(cls.env.ref("base.user_admin"))
        cls.decide_hook = Incoming.create(
            {
                "name": "Bank decisions",
                "action": "decide",
                "workflow_id": cls.flow.id,
                "user_id": cls.approver.id,
            }
        ).sudo()
        cls.fire_hook = Incoming.create(
            {
                "name": "Shop transitions",
                "action": "fire",
                "workflow_id": cls.definition.id,
                "lookup": "ref",
                "ref_field_id": cls.env["ir.model.fields"]._get("res.partner", "ref").id,
                "user_id": cls.user.id,
            }
        ).sudo()

    def submit(self):
        partner = self.env["res.partner"].create({"name": "Credit line for Green Valley", "ref": "GV-1"})
        inst = self.env["workflow.instance"]._start(self.flow, partner)
        inst.fire(self.flow.transition_ids.filtered(lambda t: t.name == "Submit").id)
        return partner, inst, self.env["approval.request"].search([("instance_id", "=", inst.id)])

    def call(self, hook, data, msg_id=None, secret=None, when=None, token=None):
        body = json.dumps(data)
        msg_id = msg_id or "msg_" + uuid.uuid4().hex
        when = when or datetime.now(timezone.utc)
        headers = {
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(when.timestamp())),
            # signed by the independent implementation
            "webhook-signature": Webhook(secret or hook.secret).sign(msg_id, when, body),
            "Content-Type": "application/json",
        }
        response = self.url_open(
            "/workflow/webhook/in/%s" % (token or hook.token), data=body, headers=headers
        )
        return response.status_code, response.json()

    def test_signed_call_decides_and_a_replay_does_not_decide_twice(self):
        partner, inst, request = self.submit()
        status, answer = self.call(
            self.decide_hook,
            {"record_id": partner.id, "decision": "approve", "comment": "Bank guarantee received"},
            msg_id="msg_bank_1",
        )
        self.assertEqual(status, 200, answer)
        self.assertEqual(answer["status"], "approved")
        self.assertEqual(request.status, "approved")
        self.assertEqual(inst.current_state_id.code, "approved")
        self.assertEqual(request.assignment_ids.decided_by, self.approver, "decided as the configured user")
        history = inst.history_ids
        status, again = self.call(
            self.decide_hook, {"record_id": partner.id, "decision": "approve"}, msg_id="msg_bank_1"
        )
        self.assertEqual(status, 200)
        self.assertTrue(again["replayed"])
        self.assertEqual(inst.history_ids, history, "the repeated call changed nothing")
        self.assertEqual(self.decide_hook.call_ids.mapped("state"), ["duplicate", "done"])

    def test_refused_calls_change_nothing_and_are_logged(self):
        partner, _inst, request = self.submit()
        good = {"record_id": partner.id, "decision": "approve"}
        cases = [
            ({"secret": self.fire_hook.secret}, 401, "bad_signature"),
            ({"when": datetime.now(timezone.utc) - timedelta(minutes=6)}, 401, "stale_timestamp"),
        ]
        for kwargs, code, error in cases:
            status, answer = self.call(self.decide_hook, good, **kwargs)
            self.assertEqual((status, answer["error"]), (code, error))
        status, answer = self.call(self.decide_hook, {"record_id": 10**8, "decision": "approve"})
        self.assertEqual((status, answer["error"]), (404, "unknown_record"))
        status, answer = self.call(self.decide_hook, good, token="not-a-token")
        self.assertEqual((status, answer["error"]), (404, "unknown_endpoint"))
        # a user who is not an approver: the user's rights, not the system's (the request is not theirs to see)
        self.decide_hook.user_id = self.stranger
        status, answer = self.call(self.decide_hook, good)
        self.assertEqual((status, answer["error"]), (404, "unknown_approval"))
        self.assertEqual(request.status, "pending")
        self.assertFalse(request.assignment_ids.filtered("decided_by"))
        self.assertEqual(self.decide_hook.call_ids.mapped("status_code"), [404, 404, 401, 401])

    def test_fire_by_external_reference_and_refused_transition(self):
        self.partner.ref = "SHOP-7"
        inst = self.start()
        status, answer = self.call(self.fire_hook, {"reference": "SHOP-7", "transition": "Submit"})
        self.assertEqual(status, 200, answer)
        self.assertEqual(inst.current_state_id.code, "review")
        # Refuse needs a comment: refused, nothing changes
        status, answer = self.call(self.fire_hook, {"reference": "SHOP-7", "transition": "Refuse"})
        self.assertEqual((status, answer["error"]), (422, "refused"), answer)
        # Approve is reserved to workflow managers: the configured user may not
        status, answer = self.call(self.fire_hook, {"reference": "SHOP-7", "transition": "Approve"})
        self.assertEqual((status, answer["error"]), (403, "forbidden"), answer)
        self.assertEqual(inst.current_state_id.code, "review")
        self.assertEqual(inst.status, "active")

    def test_a_manager_cannot_run_as_someone_else(self):
        Incoming = self.env["workflow.webhook.incoming"].with_user(self.webhook_manager)
        vals = {
            "name": "Escalate",
            "action": "decide",
            "workflow_id": self.flow.id,
            "user_id": self.approver.id,
        }
        with self.assertRaises(AccessError):
            Incoming.create(vals)
        with self.assertRaises(AccessError):
            self.decide_hook.with_user(self.webhook_manager).write({"user_id": self.stranger.id})
        mine = Incoming.create(dict(vals, user_id=self.webhook_manager.id))
        with self.assertRaises(AccessError):
            mine.read(["secret"])
        self.assertTrue(mine.url.endswith("/workflow/webhook/in/" + mine.token))
        Endpoint = self.env["workflow.webhook.endpoint"].with_user(self.webhook_manager)
        with self.assertRaises(AccessError):
            Endpoint.create(
                {
                    "name": "As admin",
                    "url": self.listener.url,
                    "user_id": self.env.ref("base.user_admin").id,
                    "event_type_ids": [(6, 0, self.all_events.ids)],
                }
            )
