from odoo.tests import tagged

from odoo.addons.workflow_analytics.tests.common import AnalyticsCase, T


@tagged("post_install", "-at_install")
class TestSlaFigures(AnalyticsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # only the trackings below count (the engine's default SLAs may have tracked the instances)
        cls.env["sla.tracking"].search([]).unlink()
        instance_model = cls.env["ir.model"]._get("workflow.instance")
        cls.team = cls.env["sla.team"].create({"name": "Credit desk"})
        common = {
            "model_id": instance_model.id,
            "applies_domain": "[('id', '=', 0)]",
            "critical_threshold": 4,
        }
        cls.sla_review = cls.env["sla.definition"].create(
            dict(common, name="Review within 4 hours", code="WFA_REVIEW", team_id=cls.team.id)
        )
        cls.sla_answer = cls.env["sla.definition"].create(
            dict(common, name="Answer within a day", code="WFA_ANSWER")
        )
        # A met, B breached, C met (team), D breached (no team); G met in the previous period
        for key, sla, status, at in [
            ("A", cls.sla_review, "met", T(2, 14)),
            ("B", cls.sla_review, "breached", T(2, 15)),
            ("C", cls.sla_review, "met", T(8, 20)),
            ("D", cls.sla_answer, "breached", T(7, 10)),
            ("G", cls.sla_review, "met", T(23, 12)),
        ]:
            inst = cls.inst[key]
            cls.env["sla.tracking"].create(
                {
                    "sla_id": sla.id,
                    "model_name": "workflow.instance",
                    "record_id": inst.id,
                    "record_name": inst.name,
                    "team_id": sla.team_id.id,
                    "company_id": cls.company.id,
                    "started_at": inst.started_at,
                    "status": status,
                    "completed_at": at if status == "met" else False,
                    "breached_at": at if status == "breached" else False,
                    "target_hours": 4,
                }
            )
        cls.env.flush_all()

    def test_sla_achieved_per_sla_team_and_month(self):
        data = self.env["workflow.analytics"].with_user(self.manager).get_dashboard(self.filters)
        sla = data["extra"]["sla"]
        self.assertEqual(
            [list(x) for x in sla["per_sla"]],
            [["Answer within a day", 0, 1, 0.0], ["Review within 4 hours", 2, 1, 66.67]],
        )
        self.assertEqual(
            [list(x) for x in sla["per_team"]], [["Credit desk", 2, 1, 66.67], ["No team", 0, 1, 0.0]]
        )
        self.assertEqual([list(x) for x in sla["per_month"]], [["2026-03", 2, 2, 50.0]])
        self.assertEqual(
            [list(x) for x in sla["previous"]["per_sla"]], [["Review within 4 hours", 1, 0, 100.0]]
        )
        self.assertEqual(sla["rows"][1], ["Review within 4 hours", 2, 1, 66.67, 100.0])
        self.assertEqual(data["extra"]["sla_team"]["rows"][0], ["Credit desk", "2026-03", 2, 1, 66.67])
        self.assertIn({"id": self.team.id, "name": "Credit desk"}, data["teams"])

    def test_team_filter_keeps_the_instances_the_team_tracks(self):
        Analytics = self.env["workflow.analytics"].with_user(self.manager)
        data = Analytics.get_dashboard(dict(self.filters, team_id=self.team.id))
        self.assertEqual(data["current"]["started"], 3, "A, B and C; D, E and F are not tracked by the team")
        self.assertEqual(data["previous"]["started"], 1, "G")
        action = Analytics.action_open(dict(self.filters, team_id=self.team.id), "started")
        found = self.env["workflow.instance"].search(action["domain"])
        self.assertEqual(found, self.inst["A"] | self.inst["B"] | self.inst["C"])

    def test_user_of_another_company_sees_no_sla_figure(self):
        olga = self.other_company_user()
        data = self.env["workflow.analytics"].with_user(olga).get_dashboard(self.filters)
        self.assertEqual(data["extra"]["sla"]["per_sla"], [])
        self.assertEqual(data["extra"]["sla"]["per_team"], [])
