"""What an approval leaves behind: tracked status, typed to-dos, bus notifications for the systray."""

import json

from odoo.tests import tagged

from odoo.addons.bus.models.bus import channel_with_db, json_dump

from .test_approval import ApprovalCase


@tagged("post_install", "-at_install")
class TestApprovalSignals(ApprovalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.approval_type = cls.env.ref("workflow_automation.mail_activity_type_approval")

    def tracked(self, req):
        self.env.flush_all()
        self.env.cr.precommit.run()  # tracking values are written when the transaction commits
        return self.env["mail.tracking.value"].search(
            [
                ("mail_message_id.model", "=", "approval.request"),
                ("mail_message_id.res_id", "=", req.id),
                ("field_id.name", "=", "status"),
            ]
        )

    def tracked_env(self):
        return self.env(context=dict(self.env.context, tracking_disable=False))

    def test_status_change_is_tracked_on_approve(self):
        self.env = self.tracked_env()
        _inst, req = self.submit(self.make_approval_flow(self.alice, "any"))
        self.as_(self.alice, req).approve(comment="fine")
        self.assertEqual(req.status, "approved")
        values = self.tracked(req)
        self.assertEqual(
            [(v.old_value_char, v.new_value_char) for v in values], [("Pending", "Approved")], "tracked once"
        )

    def test_status_change_is_tracked_on_reject(self):
        self.env = self.tracked_env()
        _inst, req = self.submit(self.make_approval_flow(self.alice, "any"))
        self.as_(self.alice, req).reject(comment="no budget")
        self.assertEqual(
            [(v.old_value_char, v.new_value_char) for v in self.tracked(req)], [("Pending", "Rejected")]
        )

    def test_second_completion_changes_nothing(self):
        self.env = self.tracked_env()
        _inst, req = self.submit(self.make_approval_flow(self.alice, "any"))
        self.as_(self.alice, req).approve()
        self.assertFalse(req._complete("rejected"))
        self.assertEqual(req.status, "approved")
        self.assertEqual(len(self.tracked(req)), 1)

    def todos(self, partner):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "=", partner.id),
                ("activity_type_id", "=", self.approval_type.id),
            ]
        )

    def test_activity_has_the_approval_type_and_is_cleared_by_it(self):
        _inst, req = self.submit(self.make_approval_flow(self.alice | self.bob, "all"))
        partner = req.record_ref
        todos = self.todos(partner)
        self.assertEqual(todos.user_id, self.alice | self.bob)
        self.assertEqual(req.assignment_ids.activity_id, todos)
        # the summary was translated (or edited) and the link to the assignment lost: the type still finds it
        alice_todo = todos.filtered(lambda a: a.user_id == self.alice)
        alice_todo.summary = "Genehmigen Sie bitte"
        req.assignment_ids.filtered(lambda a: a.approver_id == self.alice).activity_id = False
        self.as_(self.alice, req).approve()
        self.assertFalse(alice_todo.exists(), "Alice's to-do is done")
        self.assertEqual(self.todos(partner).user_id, self.bob)
        self.as_(self.bob, req).approve()
        self.assertFalse(self.todos(partner))

    def test_other_requests_todos_are_left_alone(self):
        partner = self.env["res.partner"].create({"name": "Two requests"})
        definition = self.make_approval_flow(self.alice, "any")
        definition.allow_parallel = True
        _i1, first = self.submit(definition, partner)
        _i2, second = self.submit(definition, partner)
        self.assertEqual(len(self.todos(partner)), 2)
        self.as_(self.alice, first).approve()
        self.assertEqual(self.todos(partner), second.assignment_ids.activity_id)

    def bus_rows(self, user):
        rows = (
            self.env["bus.bus"]
            .sudo()
            .search([("channel", "=", json_dump(channel_with_db(self.env.cr.dbname, user.partner_id)))])
        )
        return [
            json.loads(r.message)
            for r in rows
            if json.loads(r.message)["type"] == "workflow_automation/approvals"
        ]

    def test_bus_notifications_follow_the_approvals(self):
        self.env["bus.bus"].sudo().search([]).unlink()
        _inst, req = self.submit(self.make_approval_flow(self.alice | self.bob, "sequential"))
        self.assertEqual(
            [m["payload"] for m in self.bus_rows(self.alice)], [{"event": "assigned", "request_ids": req.ids}]
        )
        self.assertFalse(self.bus_rows(self.bob), "not his turn yet: his counter does not change")
        self.as_(self.alice, req).delegate(self.carol.id)
        self.assertEqual(self.bus_rows(self.carol)[-1]["payload"]["event"], "delegated")
        self.assertEqual(self.bus_rows(self.alice)[-1]["payload"]["event"], "delegated")
        self.as_(self.carol, req).approve()
        self.assertEqual(
            self.bus_rows(self.carol)[-1]["payload"], {"event": "decided", "request_ids": req.ids}
        )
        self.assertEqual(
            self.bus_rows(self.bob)[-1]["payload"], {"event": "assigned", "request_ids": req.ids}
        )
        req.instance_id._cancel_system(reason="order withdrawn")
        self.assertEqual(
            self.bus_rows(self.bob)[-1]["payload"], {"event": "cancelled", "request_ids": req.ids}
        )
