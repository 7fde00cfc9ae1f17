"""Out of the box: workflow instances of the engine get a resolution SLA.

The engine (workflow.instance) is part of workflow_automation; where it is not
there yet, no definition may be created for it."""

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
        if "workflow.instance" not in self.env:
            self.assertFalse(sla, "no SLA is installed for a model that does not exist")
            self.assertFalse(self.env["sla.definition"]._install_engine_definitions())
            return
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
