"""Dashboard, at-risk list and achievement report."""

from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import SlaPartnerCase, utc


@tagged("post_install", "-at_install")
class TestSlaReporting(SlaPartnerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        with freeze_time(utc(2026, 3, 2, 9, 0)):  # Monday 10:00 Brussels
            cls.key = Partner.create({"name": "Key", "ref": "T-30", "is_company": True})  # due 15:00
            cls.normal = Partner.create({"name": "Normal", "ref": "T-31"})  # due Tue 10:00
            cls.fast = Partner.create({"name": "Fast", "ref": "T-32"})
        with freeze_time(utc(2026, 3, 2, 10, 0)):
            cls.fast.function = "done"
        cls.env["sla.tracking"]._job_check_deadlines(now=utc(2026, 3, 2, 13, 30))  # 14:30 local

    def trackings(self, domain=()):
        return self.env["sla.tracking"].search(
            [("sla_id", "in", (self.sla_high | self.sla_normal).ids), *domain]
        )

    def test_views_of_the_dashboard_load(self):
        views = self.env["sla.tracking"].get_views(
            [
                (False, "kanban"),
                (False, "list"),
                (False, "form"),
                (False, "pivot"),
                (False, "graph"),
                (False, "search"),
            ]
        )
        self.assertIn("progressbar", views["views"]["kanban"]["arch"])
        self.assertIn("progressbar", views["views"]["list"]["arch"])

    def test_at_risk_list_least_time_left_first(self):
        action = self.env["ir.actions.actions"]._for_xml_id("workflow_sla.action_sla_at_risk")
        at_risk = self.env["sla.tracking"].search(safe_eval(action["domain"]))
        mine = at_risk.filtered(lambda t: t.sla_id in self.sla_high | self.sla_normal)
        # 14:30 local: the key account used 3.5 h of 4 (past 75 %), the normal one 3.5 h of 8 (on track)
        self.assertEqual(mine.mapped("record_id"), [self.key.id])
        with freeze_time(utc(2026, 3, 2, 13, 30)):
            self.assertEqual(mine.time_left_hours, 0.5)
            self.assertEqual(mine.progress, 87.5)

    def test_progress_and_order_by_due_date(self):
        open_ones = self.trackings([("status", "=", "active")])
        self.assertEqual(open_ones.mapped("record_id"), [self.key.id, self.normal.id], "earliest due first")
        with freeze_time(utc(2026, 3, 2, 13, 30)):
            self.assertEqual(open_ones.mapped("elapsed_hours"), [3.5, 3.5])
            self.assertEqual(open_ones.mapped("progress"), [87.5, 43.75])

    def test_achievement_by_sla_team_and_month(self):
        with freeze_time(utc(2026, 3, 3, 10, 0)):
            self.key.function = "done"  # late: breached
        groups = self.env["sla.tracking"].read_group(
            [("sla_id", "in", (self.sla_high | self.sla_normal).ids), ("status", "in", ("met", "breached"))],
            ["achieved_rate:avg"],
            ["team_id", "started_at:month"],
            lazy=False,
        )
        self.assertEqual(len(groups), 1)
        self.assertEqual(groups[0]["team_id"][0], self.team.id)
        self.assertEqual(groups[0]["started_at:month"], "March 2026")
        self.assertEqual(groups[0]["achieved_rate"], 50.0)  # fast met, key breached
        self.assertEqual(groups[0]["__count"], 2)
