from datetime import datetime

from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.workflow_analytics.hooks import post_init_hook
from odoo.addons.workflow_analytics.models import interval_table

from .common import AnalyticsCase, T

STAY = "state_id, sequence, visit, entered_at, next_at, moved_by, transition_id, hours"


@tagged("post_install", "-at_install")
class TestIntervalTable(AnalyticsCase):
    """The state-interval table says what the history says, whatever happens to the history."""

    def stays(self, inst):
        self.env.flush_all()
        self.env.cr.execute(
            f"SELECT {STAY} FROM workflow_analytics_state_interval WHERE instance_id = %s ORDER BY sequence",
            [inst.id],
        )
        return self.env.cr.fetchall()

    def assertConsistent(self, instances=None):
        self.env.flush_all()
        ids = instances.ids if instances is not None else None
        self.assertEqual(interval_table.differences(self.env.cr, ids), [])

    def fire(self, inst, name, at, user=None):
        transition = self.send_back if name == "Send Back" else self.transitions[name]
        transition = inst.workflow_id.transition_ids.filtered(lambda t: t.name == transition.name)
        with freeze_time(at):
            inst.with_user(user or self.manager).fire(transition.id, comment="ok")

    def start_at(self, name, at):
        partner = self.env["res.partner"].create({"name": name})
        with freeze_time(at):
            return self.env["workflow.instance"].with_user(self.manager)._start(self.definition, partner)

    def test_whole_database_matches_the_history(self):
        # the constructed history (written row by row through the ORM, some instances before
        # their history), the demo data and whatever the install left: all consistent
        self.assertConsistent()
        self.assertEqual(len(self.stays(self.inst["B"])), 5)

    def test_engine_transitions_and_sending_back(self):
        inst = self.start_at("Valley shop", "2026-03-02 09:00:00")
        self.fire(inst, "Submit", "2026-03-02 10:30:00")
        self.fire(inst, "Send Back", "2026-03-02 11:00:00", self.user)
        self.fire(inst, "Submit", "2026-03-02 12:00:00")
        self.fire(inst, "Approve", "2026-03-02 16:00:00")
        st, tr, mgr = self.states, self.transitions, self.manager.id
        self.assertEqual(
            self.stays(inst),
            [
                (st["draft"].id, 1, 1, T(2, 9), T(2, 10, 30), mgr, tr["Submit"].id, 1.5),
                (st["review"].id, 2, 1, T(2, 10, 30), T(2, 11), self.user.id, self.send_back.id, 0.5),
                (st["draft"].id, 3, 2, T(2, 11), T(2, 12), mgr, tr["Submit"].id, 1.0),
                (st["review"].id, 4, 2, T(2, 12), T(2, 16), mgr, tr["Approve"].id, 4.0),
                (st["done"].id, 5, 1, T(2, 16), None, None, None, None),
            ],
        )
        self.assertConsistent(inst)
        view = self.env["workflow.analytics.interval"].search(
            [("instance_id", "=", inst.id)], order="sequence"
        )
        self.assertEqual(view.mapped("duration_hours"), [1.5, 0.5, 1.0, 4.0, 0.0])
        self.assertEqual(view.mapped("is_rework"), [False, False, True, True, False])
        self.assertEqual(set(view.mapped("outcome")), {"completed"})

    def test_cancellation_ends_the_last_stay_with_the_instance(self):
        inst = self.start_at("Hill shop", "2026-03-03 09:00:00")
        self.fire(inst, "Submit", "2026-03-03 10:00:00")
        with freeze_time("2026-03-03 11:15:00"):
            inst.with_user(self.manager).action_cancel("Customer withdrew")
        # the cancel row comments on the state: no new stay, the review stays open in the table...
        self.assertEqual([s[4] for s in self.stays(inst)], [T(3, 10), None])
        self.assertConsistent(inst)
        # ... and ends with the instance when read
        review = self.env["workflow.analytics.interval"].search(
            [("instance_id", "=", inst.id), ("state_code", "=", "review")]
        )
        self.assertEqual(
            (review.left_at, review.duration_hours, review.outcome), (T(3, 11, 15), 1.25, "cancelled")
        )

    def test_new_version_repoints_the_stays_to_the_frozen_states(self):
        inst = self.start_at("Lake shop", "2026-03-04 09:00:00")
        self.fire(inst, "Submit", "2026-03-04 09:30:00")
        # a structural change while the instance runs: it moves to a frozen copy of version 1
        self.env["workflow.transition"].create(
            {
                "workflow_id": self.definition.id,
                "name": "Fast track",
                "from_state_id": self.states["draft"].id,
                "to_state_id": self.states["done"].id,
            }
        )
        frozen = self.definition.with_context(active_test=False).old_version_ids
        self.assertEqual(inst.workflow_id, frozen)
        self.assertEqual(
            {s[0] for s in self.stays(inst)},
            set(frozen.state_ids.filtered(lambda s: s.code in ("draft", "review")).ids),
        )
        self.assertConsistent(inst)
        self.fire(inst, "Approve", "2026-03-04 12:00:00")
        self.assertEqual([s[7] for s in self.stays(inst)], [0.5, 2.5, None])
        self.assertConsistent(inst)
        # read under the definition users know, with the state codes of the version it ran
        view = self.env["workflow.analytics.interval"].search([("instance_id", "=", inst.id)])
        self.assertEqual(view.workflow_id, self.definition)
        self.assertEqual(view.version_id, frozen)
        self.assertEqual(sorted(view.mapped("state_code")), ["done", "draft", "review"])

    def test_deleting_history_or_instances_removes_their_stays(self):
        inst = self.inst["B"]
        # a history line removed (an administrator's correction): the path is recomputed
        inst.history_ids.filtered(lambda h: h.performed_at == T(2, 12)).sudo().unlink()
        self.assertEqual([s[1:3] for s in self.stays(inst)], [(1, 1), (2, 1), (3, 2), (4, 1)])
        self.assertConsistent(inst)
        # instances deleted: nothing of them is left
        gone = self.inst["A"] | self.inst["E"]
        ids = gone.ids
        gone.sudo().unlink()
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT count(*) FROM workflow_analytics_state_interval WHERE instance_id = ANY(%s)", [ids]
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0)
        self.assertConsistent()

    def test_history_written_late_or_in_bulk_or_corrected(self):
        c, f = self.inst["C"], self.inst["F"]
        # a state change dated before the last stay (written late): C is recomputed
        self.history(c, "transition", "review", "draft", T(7, 10), self.paul, self.send_back)
        self.history(c, "transition", "draft", "review", T(7, 11), self.paul, self.transitions["Submit"])
        self.assertEqual([s[2] for s in self.stays(c)], [1, 1, 2, 2, 1])
        self.assertConsistent(c)
        # several rows of one instance in one SQL statement (an import, a script)
        st = self.states
        self.env.flush_all()
        self.env.cr.execute(
            """INSERT INTO workflow_history (instance_id, company_id, action_type, from_state_id, to_state_id,
                   to_state_name, transition_id, performed_by, performed_at)
               VALUES (%(i)s, %(c)s, 'approval', %(r)s, %(r)s, 'Review', NULL, %(u)s, %(t1)s),
                      (%(i)s, %(c)s, 'transition', %(r)s, %(d)s, 'Done', %(tr)s, %(u)s, %(t2)s)""",
            {
                "i": f.id,
                "c": self.company.id,
                "r": st["review"].id,
                "d": st["done"].id,
                "tr": self.transitions["Approve"].id,
                "u": self.paul.id,
                "t1": T(5, 10),
                "t2": T(5, 12),
            },
        )
        self.assertEqual([s[7] for s in self.stays(f)], [1.0, 27.0, None])
        self.assertConsistent(f)
        # a correction of when a step happened
        c.history_ids.filtered(lambda h: h.performed_at == T(7, 11)).sudo().performed_at = T(7, 12)
        self.assertEqual(self.stays(c)[2][7], 2.0)
        self.assertConsistent(c)

    def test_backfill_of_a_database_whose_history_predates_the_table(self):
        self.env.flush_all()
        self.env.cr.execute("SELECT count(*) FROM workflow_analytics_state_interval")
        expected = self.env.cr.fetchone()[0]
        self.env.cr.execute("DELETE FROM workflow_analytics_state_interval")
        self.assertTrue(interval_table.differences(self.env.cr, self.inst["A"].ids), "the check sees the gap")
        post_init_hook(self.env)
        self.env.cr.execute("SELECT count(*) FROM workflow_analytics_state_interval")
        self.assertEqual(self.env.cr.fetchone()[0], expected)
        self.assertConsistent()


@tagged("post_install", "-at_install")
class TestPublicHolidays(AnalyticsCase):
    """Business hours leave out the calendar's public holidays (global leaves)."""

    def business_hours(self, calendar, t0, t1):
        self.env.flush_all()
        self.env.cr.execute("SELECT workflow_analytics_business_hours(%s, %s, %s)", [calendar.id, t0, t1])
        return self.env.cr.fetchone()[0]

    def odoo_hours(self, calendar, t0, t1):
        return calendar.get_work_hours_count(t0, t1, compute_leaves=True)

    def test_public_holiday_inside_a_stay(self):
        calendar = self.company.resource_calendar_id
        self.env["resource.calendar.leaves"].create(
            {"name": "Dairy day", "calendar_id": calendar.id, "date_from": T(9, 0), "date_to": T(9, 23, 59)}
        )
        # D's review: Fri 6 March 16:00 to Mon 9 March 10:00; Monday is a holiday: Fri 16-17 only
        review = self.env["workflow.analytics.interval"].search(
            [("instance_id", "=", self.inst["D"].id), ("state_code", "=", "review")]
        )
        self.assertAlmostEqual(review.business_hours, 1.0, places=6)
        self.assertEqual(review.duration_hours, 66.0)
        # the same figure as Odoo's own count, over other spans too (half a holiday, a whole week)
        for t0, t1 in ((T(6, 16), T(9, 10)), (T(9, 11), T(10, 9)), (T(2, 0), T(13, 0)), (T(6, 10), T(6, 15))):
            self.assertAlmostEqual(
                self.business_hours(calendar, t0, t1), self.odoo_hours(calendar, t0, t1), 6
            )

    def test_holidays_of_the_instance_company_as_its_user(self):
        olga = self.other_company_user()
        hill = olga.company_id
        calendar = self.env["resource.calendar"].create(
            {"name": "Hill Farm office", "tz": "Europe/Brussels", "company_id": hill.id}
        )
        hill.resource_calendar_id = calendar
        # Hill Farm's holiday on Wednesday 4 March (local day: 23:00 UTC the day before)
        Leaves = self.env["resource.calendar.leaves"]
        # a leave on no calendar belongs to the company it is created in
        fair = Leaves.with_company(hill).create(
            {
                "name": "Cheese fair",
                "calendar_id": False,
                "date_from": datetime(2026, 3, 3, 23, 0),
                "date_to": datetime(2026, 3, 4, 23, 0),
            }
        )
        self.assertEqual(fair.company_id, hill)
        partner = self.env["res.partner"].create({"name": "Hill shop"})
        inst = (
            self.env["workflow.instance"]
            .sudo()
            .create(
                {
                    "workflow_id": self.definition.id,
                    "model_name": "res.partner",
                    "record_id": partner.id,
                    "record_name": partner.name,
                    "current_state_id": self.states["done"].id,
                    "status": "completed",
                    "started_at": T(3, 14),
                    "completed_at": T(5, 9),
                    "company_id": hill.id,
                    "started_by": olga.id,
                }
            )
        )
        self.history(inst, "start", None, "draft", T(3, 14), olga)
        self.history(inst, "transition", "draft", "review", T(3, 15), olga, self.transitions["Submit"])
        self.history(inst, "transition", "review", "done", T(5, 9), olga, self.transitions["Approve"])
        # review from Tue 16:00 to Thu 10:00 Brussels time: Tue 16-17, (Wed off), Thu 8-10 = 3 hours
        review = (
            self.env["workflow.analytics.interval"]
            .with_user(olga)
            .search([("instance_id", "=", inst.id), ("state_code", "=", "review")])
        )
        self.assertEqual(review.company_id, hill)
        self.assertAlmostEqual(review.business_hours, 3.0, places=6)
        self.assertAlmostEqual(self.odoo_hours(calendar, T(3, 15), T(5, 9)), 3.0, places=6)
        # a holiday of the other company (on no calendar) is not Hill Farm's
        Leaves.create(
            {
                "name": "Valley founders' day",
                "calendar_id": False,
                "date_from": T(5, 0),
                "date_to": T(5, 23),
            }
        )
        self.assertAlmostEqual(self.business_hours(calendar, T(3, 15), T(5, 9)), 3.0, places=6)
        self.assertAlmostEqual(
            self.business_hours(self.company.resource_calendar_id, T(5, 8), T(5, 12)), 0.0, 6
        )
