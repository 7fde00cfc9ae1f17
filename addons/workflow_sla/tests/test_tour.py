from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestSlaDashboardTour(HttpCase):
    """A manager reads the SLA dashboard in the browser (tour workflow_sla_dashboard), on
    trackings of a company of their own so the figures do not depend on other data."""

    def setUp(self):
        super().setUp()
        self.addCleanup(self._reset_hooks)
        dairy = self.env["res.company"].create({"name": "Tour SLA Dairy"})
        new_test_user(
            self.env,
            "wf_sla_tour_manager",
            groups="base.group_user,workflow_automation.group_workflow_manager",
            company_id=dairy.id,
            company_ids=[(6, 0, dairy.ids)],
        )
        sla = self.env["sla.definition"].create(
            {
                "name": "Tour answer within 4 hours",
                "code": "TOUR_SLA",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "metric_type": "response_time",
                "critical_threshold": 4,
                "use_business_hours": False,
                "start_domain": "[('ref', '=', 'TOUR-NEVER')]",
                "company_id": dairy.id,
            }
        )
        now = fields.Datetime.now()
        rows = [
            ("Tour Running Dairy", "active", "on_track", {}),
            ("Tour Paused Dairy", "paused", "on_track", {}),
            ("Tour Risky Dairy", "active", "warning", {}),
            (
                "Tour Late Dairy",
                "breached",
                "breached",
                {
                    "breached_at": now - timedelta(minutes=35),
                    "started_at": now - timedelta(hours=4, minutes=35),
                },
            ),
        ] + [
            (
                "Tour Met Dairy %s" % i,
                "met",
                "on_track",
                {"completed_at": now, "actual_hours": 2 + 10 / 60, "achieved_rate": 100.0},
            )
            for i in (1, 2, 3)
        ]
        partners = self.env["res.partner"].create([{"name": name} for name, *_rest in rows])
        self.env["sla.tracking"].create(
            [
                {
                    "sla_id": sla.id,
                    "model_name": "res.partner",
                    "record_id": partner.id,
                    "record_name": partner.name,
                    "company_id": dairy.id,
                    "started_at": now - timedelta(hours=3),
                    "due_at": now + timedelta(hours=1),
                    "target_hours": 4,
                    "status": status,
                    "risk_state": risk,
                    **extra,
                }
                for partner, (_name, status, risk, extra) in zip(partners, rows, strict=True)
            ]
        )

    def _reset_hooks(self):
        self.registry.clear_cache()
        self.env["workflow.hook"]._register_hook()

    def test_manager_reads_the_dashboard(self):
        self.start_tour("/web", "workflow_sla_dashboard", login="wf_sla_tour_manager")
