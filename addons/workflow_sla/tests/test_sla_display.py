"""What people read on the SLA screens: times in words, the document, the dashboard figures."""

from datetime import date

from freezegun import freeze_time
from lxml import etree

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .common import SlaPartnerCase, utc


@tagged("post_install", "-at_install")
class TestSlaTimeInWords(SlaPartnerCase):
    """Brussels business hours 08-12 and 13-17; Monday 2 March 2026 10:00 local = 09:00 UTC."""

    def start(self, name, is_company=False):
        with freeze_time(utc(2026, 3, 2, 9, 0)):
            partner = self.env["res.partner"].create(
                {"name": name, "ref": "T-%s" % name, "is_company": is_company}
            )
        return partner, self.tracking(partner)

    def text(self, tracking, at):
        tracking.invalidate_recordset(["duration_text"])
        with freeze_time(at):
            return tracking.duration_text

    def test_met_says_how_long_it_took_of_the_target(self):
        partner, tracking = self.start("Met")
        with freeze_time(utc(2026, 3, 2, 12, 10)):  # 13:10 local: 10-12 and 13-13:10 = 2 h 10 min
            partner.function = "done"
        self.assertEqual(tracking.status, "met")
        self.assertEqual(self.text(tracking, utc(2026, 3, 5, 9, 0)), "Met in 2 h 10 min of 8 h")

    def test_time_left_on_business_hours(self):
        _partner, tracking = self.start("Running")
        # 14:40 local: 10-12, 13-14:40 = 3 h 40 min used of 8 h; the lunch hour does not count
        self.assertEqual(self.text(tracking, utc(2026, 3, 2, 13, 40)), "4 h 20 min left")
        # after hours nothing runs: 17:00 local on Monday and 07:00 on Tuesday read the same
        self.assertEqual(self.text(tracking, utc(2026, 3, 2, 16, 0)), "2 h left")
        self.assertEqual(self.text(tracking, utc(2026, 3, 3, 6, 0)), "2 h left")

    def test_breached_by_while_open_and_once_finished(self):
        partner, tracking = self.start("Late", is_company=True)  # 4 h: due 15:00 local
        self.env["sla.tracking"]._job_check_deadlines(now=utc(2026, 3, 2, 14, 5))
        self.assertEqual(tracking.status, "breached")
        self.assertEqual(self.text(tracking, utc(2026, 3, 2, 14, 35)), "Breached by 35 min")
        with freeze_time(utc(2026, 3, 2, 15, 50)):  # 16:50 local: 1 h 50 min late
            partner.function = "done"
        self.assertEqual(self.text(tracking, utc(2026, 3, 9, 9, 0)), "Breached by 1 h 50 min")

    def test_paused_keeps_its_time_left(self):
        partner, tracking = self.start("Waiting")
        with freeze_time(utc(2026, 3, 2, 10, 0)):  # 1 h used
            partner.function = "waiting"
        self.assertEqual(tracking.status, "paused")
        self.assertEqual(self.text(tracking, utc(2026, 3, 3, 15, 0)), "Paused, 7 h left")

    def test_list_and_form_show_the_document_and_its_type(self):
        partner, tracking = self.start("Shown")
        self.assertEqual(tracking.sla_model_id.name, "Contact")
        self.assertEqual(tracking.record_ref, partner)
        views = self.env["sla.tracking"].get_views([(False, "list"), (False, "form"), (False, "kanban")])
        for view_type in ("list", "form", "kanban"):
            arch = views["views"][view_type]["arch"]
            self.assertIn('name="duration_text"', arch, view_type)
            self.assertIn('name="sla_model_id"', arch, view_type)
            self.assertNotIn('name="model_name" readonly', arch, view_type)

    def test_no_link_to_a_document_the_user_cannot_read(self):
        """A tracking follows its document (workflow.target.mixin): who cannot read the document
        sees neither the tracking nor the document's name; the link itself is computed only for
        documents the user may read."""
        _partner, tracking = self.start("Private")
        user = new_test_user(
            self.env, "sla_display_user", groups="base.group_user,workflow_automation.group_workflow_user"
        )
        self.env["ir.rule"].create(
            {
                "name": "test: no contacts named Private",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "domain_force": "[('name', '!=', 'Private')]",
                "groups": [(6, 0, self.env.ref("base.group_user").ids)],
            }
        )
        as_user = tracking.with_user(user)
        self.assertFalse(self.env["sla.tracking"].with_user(user).search([("id", "=", tracking.id)]))
        with self.assertRaises(AccessError):
            as_user.read(["record_name"])
        visible, _tracking = self.start("Public")
        mine = (
            self.env["sla.tracking"]
            .with_user(user)
            .search([("model_name", "=", "res.partner"), ("record_id", "=", visible.id)])
        )
        self.assertTrue(mine)
        self.assertEqual(mine.record_ref, visible, "a readable document keeps its link")


@tagged("post_install", "-at_install")
class TestSlaDashboardFigures(SlaPartnerCase):
    """Figures counted on constructed trackings of a company of their own, read by its users."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dairy = cls.env["res.company"].create({"name": "Dashboard Dairy"})
        cls.lead = new_test_user(
            cls.env,
            "sla_dashboard_lead",
            groups="base.group_user,workflow_automation.group_workflow_user",
            company_id=cls.dairy.id,
            company_ids=[(6, 0, cls.dairy.ids)],
        )
        partners = cls.env["res.partner"].create([{"name": "Dashboard %s" % i} for i in range(9)])
        march, february = utc(2026, 3, 10, 9, 0), utc(2026, 2, 20, 9, 0)
        rows = [
            ("active", "on_track", False, False),
            ("paused", "on_track", False, False),
            ("active", "warning", False, False),  # at risk
            ("breached", "breached", False, march),  # breached, still open
            ("met", "on_track", march, False),
            ("met", "on_track", march, False),
            ("met", "on_track", march, False),
            ("breached", "breached", march, march),  # finished late this month
            ("met", "on_track", february, False),  # last month: not in this month's %
        ]
        cls.env["sla.tracking"].create(
            [
                {
                    "sla_id": cls.sla_normal.id,
                    "model_name": "res.partner",
                    "record_id": partner.id,
                    "record_name": partner.name,
                    "company_id": cls.dairy.id,
                    "started_at": utc(2026, 2, 2, 9, 0),
                    "status": status,
                    "risk_state": risk,
                    "completed_at": completed,
                    "breached_at": breached,
                }
                for partner, (status, risk, completed, breached) in zip(partners, rows, strict=True)
            ]
        )

    def figures(self, user):
        with freeze_time(utc(2026, 3, 15, 12, 0)):
            return self.env["sla.tracking"].with_user(user).retrieve_dashboard()

    def test_key_figures(self):
        self.assertEqual(
            self.figures(self.lead),
            {
                "running": 3,
                "at_risk": 1,
                "breached": 1,
                "month_met": 3,
                "month_finished": 5,  # 3 met, 1 finished late, 1 breached and still open
                "achieved_percent": 60,
            },
        )

    def test_another_company_sees_none_of_them(self):
        other = self.env["res.company"].create({"name": "Other Dashboard Dairy"})
        outsider = new_test_user(
            self.env,
            "sla_dashboard_outsider",
            groups="base.group_user,workflow_automation.group_workflow_user",
            company_id=other.id,
            company_ids=[(6, 0, other.ids)],
        )
        figures = self.figures(outsider)
        self.assertEqual((figures["running"], figures["breached"], figures["month_finished"]), (0, 0, 0))
        self.assertIsNone(figures["achieved_percent"], "no SLA finished: no percentage, not 0 %")

    def test_not_for_portal_users(self):
        """Every employee is a workflow user; a portal user of the same company gets no figure."""
        customer = new_test_user(
            self.env,
            "sla_dashboard_portal",
            groups="base.group_portal",
            company_id=self.dairy.id,
            company_ids=[(6, 0, self.dairy.ids)],
        )
        with self.assertRaises(AccessError):
            self.figures(customer)

    def test_each_figure_opens_the_trackings_it_counts(self):
        """The dashboard's filters (kpi_*) select exactly the trackings behind each figure."""
        arch = self.env["sla.tracking"].get_views([(False, "search")])["views"]["search"]["arch"]
        filters = {f.get("name"): f.get("domain") for f in etree.fromstring(arch).iter("filter")}
        figures = self.figures(self.lead)
        Tracking = self.env["sla.tracking"].with_user(self.lead)
        with freeze_time(utc(2026, 3, 15, 12, 0)):
            for name, key in (
                ("kpi_running", "running"),
                ("kpi_at_risk", "at_risk"),
                ("kpi_breached", "breached"),
                ("kpi_month", "month_finished"),
            ):
                domain = safe_eval(filters[name], {"context_today": date.today})
                self.assertEqual(Tracking.search_count(domain), figures[key], name)
        action = self.env["ir.actions.actions"]._for_xml_id("workflow_sla.action_sla_dashboard")
        modes = {view_mode: view_id for view_id, view_mode in action["views"]}
        for view_mode, js_class in (("kanban", "sla_dashboard_kanban"), ("tree", "sla_dashboard_list")):
            view = self.env["ir.ui.view"].browse(modes[view_mode])
            self.assertIn('js_class="%s"' % js_class, view.get_combined_arch())
