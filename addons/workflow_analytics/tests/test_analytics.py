from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import AnalyticsCase, T


@tagged("post_install", "-at_install")
class TestIntervals(AnalyticsCase):
    def intervals(self, key):
        return self.env["workflow.analytics.interval"].search(
            [("instance_id", "=", self.inst[key].id)], order="sequence"
        )

    def test_intervals_of_an_instance_sent_back(self):
        rows = self.intervals("B")
        self.assertEqual(rows.mapped("state_code"), ["draft", "review", "draft", "review", "done"])
        self.assertEqual(rows.mapped("duration_hours"), [2.0, 1.0, 1.0, 8.0, 0.0])
        self.assertEqual(rows.mapped("is_rework"), [False, False, True, True, False])
        self.assertEqual(rows.mapped("visit"), [1, 1, 2, 2, 1])
        self.assertEqual(rows[0].left_at, T(2, 11))
        self.assertEqual(rows[1].transition_id, self.send_back, "the transition that moved it on")
        self.assertEqual(rows[0].moved_by, self.manager)
        self.assertEqual(set(rows.mapped("outcome")), {"completed"})
        self.assertEqual(rows.workflow_id, self.definition)
        self.assertFalse(any(rows.mapped("is_current")))

    def test_business_hours_across_a_weekend(self):
        # review entered Fri 6 March 16:00, left Mon 9 March 10:00: 66 hours, of which
        # Fri 16-17 and Mon 08-10 are working hours of the 8-12 / 13-17 calendar
        review = self.intervals("D").filtered(lambda r: r.state_code == "review")
        self.assertEqual(review.duration_hours, 66.0)
        self.assertAlmostEqual(review.business_hours, 3.0, places=6)
        # B's review: Mon 13:00-21:00 = 4 working hours (13-17)
        self.assertAlmostEqual(self.intervals("B")[3].business_hours, 4.0, places=6)

    def test_cancel_closes_the_interval_and_running_stays_open(self):
        (draft,) = self.intervals("E")
        self.assertEqual(draft.left_at, T(3, 12))
        self.assertEqual(draft.duration_hours, 3.0)
        self.assertEqual(draft.outcome, "cancelled")
        review = self.intervals("F")[-1]
        self.assertTrue(review.is_current)
        self.assertFalse(review.left_at)
        self.assertEqual(len(self.intervals("F")), 2, "the escalation row does not open an interval")

    def test_pivot_groups_time_per_state(self):
        groups = self.env["workflow.analytics.interval"].read_group(
            [("instance_id", "in", [self.inst[k].id for k in "ABC"]), ("is_final", "=", False)],
            ["duration_hours:sum"],
            ["state_code"],
        )
        self.assertEqual(
            {g["state_code"]: g["duration_hours"] for g in groups}, {"draft": 4.5, "review": 64.5}
        )


@tagged("post_install", "-at_install")
class TestFigures(AnalyticsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.data = cls.env["workflow.analytics"].with_user(cls.manager).get_dashboard(cls.filters)
        cls.cur = cls.data["current"]
        cls.prev = cls.data["previous"]

    def test_volumes(self):
        c = self.cur
        self.assertEqual(
            (c["started"], c["completed"], c["cancelled"], c["running"], c["overdue"]), (6, 3, 1, 2, 1)
        )
        self.assertEqual(self.data["period"]["previous_from"], "2026-02-23")
        self.assertEqual(self.data["period"]["previous_to"], "2026-03-01")
        p = self.prev
        self.assertEqual(
            (p["started"], p["completed"], p["cancelled"], p["running"], p["overdue"]), (1, 1, 0, 0, 0)
        )

    def test_cycle_time_percentiles(self):
        # cycles 5, 12, 52 hours: p50 12, p90 12 + 0.8 * 40, p95 12 + 0.9 * 40
        self.assertEqual(self.cur["cycle"], {"p50": 12.0, "p90": 44.0, "p95": 48.0, "avg": 23.0})
        self.assertEqual(self.prev["cycle"]["p50"], 3.0)

    def test_throughput_per_day(self):
        points = self.cur["throughput"]["points"]
        self.assertEqual(self.cur["throughput"]["unit"], "day")
        self.assertEqual([p["bucket"] for p in points][0], "2026-03-02")
        self.assertEqual([p["count"] for p in points], [2, 0, 0, 0, 0, 0, 1])

    def test_time_per_state_and_bottleneck(self):
        states = {s["key"]: s for s in self.cur["states"]}
        self.assertEqual(set(states), {"draft", "review"})
        # draft stays 1, 2, 1, 0.5 h; review 4, 1, 8, 51.5 h; cycles sum to 69 h
        self.assertEqual(
            (states["draft"]["p50"], states["draft"]["p90"], states["draft"]["hours"]), (1.0, 1.7, 4.5)
        )
        self.assertEqual(
            (states["review"]["p50"], states["review"]["p90"], states["review"]["hours"]), (6.0, 38.45, 64.5)
        )
        self.assertEqual(states["draft"]["share"], round(4.5 / 69, 4))
        self.assertEqual(states["review"]["share"], round(64.5 / 69, 4))
        b = self.cur["bottleneck"]
        self.assertEqual((b["key"], b["share"], b["queue"]), ("review", round(64.5 / 69, 4), 1))
        self.assertEqual(b["previous_share"], round(2 / 3, 4), "G: 1 h draft, 2 h review of 3 h")
        self.assertEqual(states["review"]["queue"], 1)
        self.assertEqual(states["review"]["previous"]["p50"], 2.0)

    def test_rework_and_variants(self):
        self.assertEqual(self.cur["rework"], {"count": 1, "rate": round(1 / 3, 4)})
        variants = [(v["path"], v["count"], v["share"], v["median_hours"]) for v in self.cur["variants"]]
        self.assertEqual(
            variants,
            [
                ("Draft → Review → Done", 2, round(2 / 3, 4), 28.5),
                ("Draft → Review → Draft → Review → Done", 1, round(1 / 3, 4), 12.0),
            ],
        )
        self.assertEqual(self.cur["variants"][0]["previous"]["count"], 1)
        hist = {h["label"]: h["count"] for h in self.cur["cycle_histogram"]}
        self.assertEqual(
            hist,
            {"< 1 h": 0, "1-4 h": 0, "4-8 h": 1, "8-24 h": 1, "1-3 days": 1, "3-7 days": 0, "> 7 days": 0},
        )

    def test_approver_response_times(self):
        ap = self.cur["approvals"]
        lines = [
            (a["name"], a["count"], a["p50"], a["p90"], a["approved"], a["rejected"]) for a in ap["approvers"]
        ]
        self.assertEqual(
            lines,
            [("Wanda Manager", 1, 4.0, 4.0, 1, 0), ("Paul Approver", 2, 1.5, 1.9, 1, 1)],
            "slowest approver first",
        )
        (step,) = ap["steps"]
        self.assertEqual((step["key"], step["count"], step["p50"], step["p90"]), ("review", 3, 2.0, 3.6))
        self.assertEqual((ap["approval_rate"], ap["rejection_rate"]), (round(2 / 3, 4), round(1 / 3, 4)))
        self.assertEqual((ap["delegations"], ap["escalations"]), (1, 1))
        self.assertEqual(self.prev["approvals"]["decisions"], 0)

    def test_dashboard_leaves_the_transaction_settings_as_they_were(self):
        # its statement runs without JIT and with more work_mem: the rest of the request does not
        cr = self.env.cr
        cr.execute("SELECT current_setting('jit'), current_setting('work_mem')")
        before = cr.fetchone()
        self.env["workflow.analytics"].with_user(self.manager).get_dashboard(self.filters)
        cr.execute("SELECT current_setting('jit'), current_setting('work_mem')")
        self.assertEqual(cr.fetchone(), before)

    def test_drill_down_lists_the_instances_behind_a_figure(self):
        Analytics = self.env["workflow.analytics"].with_user(self.manager)
        action = Analytics.action_open(self.filters, "completed")
        found = self.env["workflow.instance"].with_user(self.manager).search(action["domain"])
        self.assertEqual(found, self.inst["A"] | self.inst["B"] | self.inst["C"])
        action = Analytics.action_open(self.filters, "running")
        self.assertEqual(
            self.env["workflow.instance"].search(action["domain"]), self.inst["D"] | self.inst["F"]
        )
        action = Analytics.action_open(self.filters, "bottleneck", "review")
        rows = self.env["workflow.analytics.interval"].with_user(self.manager).search(action["domain"])
        self.assertEqual(sorted(rows.mapped("duration_hours")), [1.0, 4.0, 8.0, 51.5])

    def test_definition_tab(self):
        # the form's figures are those of the last 30 days: nothing in 2026-03 is that recent
        self.assertEqual(self.definition.with_user(self.manager).analytics_completed, 0)


@tagged("post_install", "-at_install")
class TestAnalyticsAccess(AnalyticsCase):
    def test_user_of_another_company_sees_nothing(self):
        olga = self.other_company_user()
        data = self.env["workflow.analytics"].with_user(olga).get_dashboard(self.filters)
        self.assertEqual(data["definitions"], [])
        self.assertEqual((data["current"]["started"], data["current"]["completed"]), (0, 0))
        self.assertEqual(data["current"]["approvals"]["approvers"], [])
        # asking for the company by id does not widen the scope
        data = (
            self.env["workflow.analytics"]
            .with_user(olga)
            .get_dashboard(dict(self.filters, company_ids=[self.company.id]))
        )
        self.assertEqual(data["current"]["started"], 0)
        self.assertFalse(self.env["workflow.analytics.interval"].with_user(olga).search([]))

    def test_user_without_workflow_rights_is_refused(self):
        with self.assertRaises(AccessError):
            self.env["workflow.analytics"].with_user(self.outsider).get_dashboard(self.filters)
        with self.assertRaises(AccessError):
            self.env["workflow.analytics.interval"].with_user(self.outsider).search([])

    def test_workflow_user_of_the_company_sees_the_figures(self):
        clerk = new_test_user(self.env, login="wfa_clerk", groups="base.group_user", tz="UTC")
        data = self.env["workflow.analytics"].with_user(clerk).get_dashboard(self.filters)
        self.assertEqual(data["current"]["completed"], 3)

    def test_instances_on_documents_the_user_may_not_read_are_left_out(self):
        # A's shop hidden from everyone but the system: A's instance leaves the figures as it
        # leaves the instance list (access follows the document)
        shop_a = self.env["res.partner"].browse(self.inst["A"].record_id)
        self.env["ir.rule"].create(
            {
                "name": "hide shop A",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "domain_force": f"[('id', '!=', {shop_a.id})]",
            }
        )
        clerk = new_test_user(self.env, login="wfa_clerk3", groups="base.group_user", tz="UTC")
        self.assertNotIn(self.inst["A"], self.env["workflow.instance"].with_user(clerk).search([]))
        self.assertIn(self.inst["B"], self.env["workflow.instance"].with_user(clerk).search([]))
        data = self.env["workflow.analytics"].with_user(clerk).get_dashboard(self.filters)
        # B and C left: cycles 12 h and 52 h
        self.assertEqual((data["current"]["completed"], data["current"]["cycle"]["p50"]), (2, 32.0))
        self.assertEqual(data["current"]["started"], 5)

    def test_definitions_the_user_may_not_read_are_left_out(self):
        # a rule hiding the definition from workflow users: its figures disappear with it
        self.env["ir.rule"].create(
            {
                "name": "hide order flow",
                "model_id": self.env["ir.model"]._get_id("workflow.definition"),
                "groups": [(4, self.env.ref("base.group_user").id)],
                "domain_force": f"[('id', '!=', {self.definition.id})]",
            }
        )
        clerk = new_test_user(self.env, login="wfa_clerk2", groups="base.group_user", tz="UTC")
        data = self.env["workflow.analytics"].with_user(clerk).get_dashboard(self.filters)
        self.assertEqual(data["current"]["started"], 0)

    def test_bad_filters_are_refused_with_a_sentence(self):
        from odoo.exceptions import ValidationError

        Analytics = self.env["workflow.analytics"].with_user(self.manager)
        with self.assertRaises(ValidationError):
            Analytics.get_dashboard({"date_from": "2026-03-09", "date_to": "2026-03-01"})
        with self.assertRaises(ValidationError):
            Analytics.get_dashboard({"workflow_ids": "1; DROP TABLE x"})


@tagged("post_install", "-at_install")
class TestDigest(AnalyticsCase):
    def test_weekly_digest_mails_the_owner_once_a_week(self):
        self.definition.write({"analytics_digest": True, "analytics_owner_id": self.manager.id})
        Definition = self.env["workflow.definition"]
        self.assertGreaterEqual(Definition._job_weekly_digest(limit=50), 1)
        mail = self.env["mail.mail"].search([("subject", "ilike", self.definition.name)], limit=1)
        self.assertTrue(mail)
        self.assertIn(self.manager.partner_id, mail.recipient_ids)
        self.assertIn("Median cycle time", mail.body_html)
        self.assertTrue(self.definition.analytics_digest_sent_at)
        # a second run in the same week sends nothing more for this definition
        before = self.env["mail.mail"].search_count([("subject", "ilike", self.definition.name)])
        Definition._job_weekly_digest(limit=50)
        self.assertEqual(
            self.env["mail.mail"].search_count([("subject", "ilike", self.definition.name)]), before
        )

    def test_digest_job_is_registered_for_cron_and_celery(self):
        jobs = self.env["workflow.job"]._registered_jobs()
        self.assertIn(("workflow.definition", "_job_weekly_digest", 20), jobs)
