"""Out of the box: workflow instances and approval requests of the engine get an SLA."""

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from .common import SlaCase, utc


@tagged("post_install", "-at_install")
class TestSlaWorkflowInstance(SlaCase):
    def test_workflow_instance_resolution_sla(self):
        sla = (
            self.env["sla.definition"]
            .with_context(active_test=False)
            .search([("code", "=", "WF_INSTANCE_RESOLUTION")])
        )
        self.assertEqual(sla.model_name, "workflow.instance")
        # the approval must be decided within 4 business hours of the Brussels calendar
        self.env["sla.definition"].search([("id", "!=", sla.id)]).active = False
        sla.write({"active": True, "calendar_id": self.calendar.id, "critical_threshold": 4})
        definition = (
            self.env["workflow.definition"]
            .with_context(workflow_structure_defer=True)
            .create(
                {
                    "name": "Order approval",
                    "code": "SLA_ORDER_APPROVAL",
                    "model_id": self.env["ir.model"]._get("res.partner").id,
                    "trigger_type": "manual",
                    "timeout_hours": 0,
                    "state_ids": [
                        Command.create(
                            {
                                "name": "Draft",
                                "code": "draft",
                                "state_type": "start",
                                "is_initial": True,
                                "sequence": 1,
                            }
                        ),
                        Command.create(
                            {
                                "name": "Approved",
                                "code": "done",
                                "state_type": "end",
                                "is_final": True,
                                "sequence": 2,
                            }
                        ),
                    ],
                }
            )
        )
        states = {s.code: s for s in definition.state_ids}
        approve = (
            self.env["workflow.transition"]
            .with_context(workflow_structure_defer=True)
            .create(
                {
                    "workflow_id": definition.id,
                    "name": "Approve",
                    "from_state_id": states["draft"].id,
                    "to_state_id": states["done"].id,
                }
            )
        )
        definition._check_structure()
        partner = self.env["res.partner"].create({"name": "Order customer"})
        with freeze_time(utc(2026, 3, 2, 9, 0)):  # Monday 10:00 Brussels
            instance = self.env["workflow.instance"]._start(definition, partner)
        tracking = self.env["sla.tracking"].search(
            [("model_name", "=", "workflow.instance"), ("record_id", "=", instance.id)]
        )
        self.assertEqual(tracking.sla_id, sla)
        self.assertEqual(tracking.due_at, utc(2026, 3, 2, 14, 0))  # 10-12, 13-15 local
        with freeze_time(utc(2026, 3, 2, 12, 30)):  # 13:30 local: 2.5 business hours
            instance.fire(approve.id)
        self.assertEqual(instance.status, "completed")
        self.assertEqual(tracking.status, "met")
        self.assertEqual(tracking.actual_hours, 2.5)

    def test_approval_request_decided_within_four_business_hours(self):
        sla = (
            self.env["sla.definition"]
            .with_context(active_test=False)
            .search([("code", "=", "APPROVAL_DECISION")])
        )
        self.assertEqual(sla.model_name, "approval.request")
        self.env["sla.definition"].search([("id", "!=", sla.id)]).active = False
        sla.write({"active": True, "calendar_id": self.calendar.id, "critical_threshold": 4})
        approver = self.env.ref("base.user_admin")
        definition = self.env["workflow.definition"].browse(
            self.env["workflow.definition"].import_json(
                {
                    "name": "Order approval (SLA)",
                    "code": "SLA_APPROVAL_REQUEST",
                    "model": "res.partner",
                    "timeout_hours": 0,
                    "workflow_config": {
                        "states": [
                            {"code": "draft", "name": "Draft", "is_initial": True},
                            {
                                "code": "review",
                                "name": "Review",
                                "state_type": "approval",
                                "approval_config": {"approvers": [{"type": "user", "id": approver.id}]},
                            },
                            {"code": "ok", "name": "OK", "is_final": True},
                            {"code": "ko", "name": "KO", "is_final": True},
                        ],
                        "transitions": [
                            {"name": "Submit", "from": "draft", "to": "review"},
                            {"name": "Yes", "from": "review", "to": "ok", "trigger_type": "approval"},
                            {"name": "No", "from": "review", "to": "ko", "trigger_type": "rejection"},
                        ],
                    },
                }
            )
        )
        partner = self.env["res.partner"].create({"name": "Approval customer"})
        with freeze_time(utc(2026, 3, 2, 15, 0)):  # Monday 16:00 Brussels: 1 h left today
            instance = self.env["workflow.instance"]._start(definition, partner)
            instance.fire(definition.transition_ids.filtered(lambda t: t.name == "Submit").id)
        request = self.env["approval.request"].search([("instance_id", "=", instance.id)])
        tracking = self.env["sla.tracking"].search(
            [("model_name", "=", "approval.request"), ("record_id", "=", request.id)]
        )
        self.assertEqual(tracking.sla_id, sla)
        self.assertEqual(tracking.due_at, utc(2026, 3, 3, 10, 0))  # Tuesday 11:00 local: 1 h + 3 h
        with freeze_time(utc(2026, 3, 3, 8, 0)):  # Tuesday 09:00 local: 2 business hours
            request.with_user(approver).approve(comment="fine")
        self.assertEqual(request.status, "approved")
        self.assertEqual(tracking.status, "met")
        self.assertEqual(tracking.actual_hours, 2.0)
