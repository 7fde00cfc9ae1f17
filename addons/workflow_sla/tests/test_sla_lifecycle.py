"""Trackings follow their records: start, pause, resume, complete, cancel, re-target.

Times: Monday 2 March 2026, Brussels (UTC+1), calendar 08-12 / 13-17."""

from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import SlaPartnerCase, utc


@tagged("post_install", "-at_install")
class TestSlaLifecycle(SlaPartnerCase):
    def new_partner(self, at, **vals):
        with freeze_time(at):
            return self.env["res.partner"].create(dict({"name": "Dairy shop", "ref": "T-1"}, **vals))

    def change(self, at, records, vals):
        with freeze_time(at):
            records.write(vals)

    def test_start_on_create_with_first_matching_policy(self):
        partner = self.new_partner(utc(2026, 3, 2, 9, 0), is_company=True, user_id=self.agent.id)
        tracking = self.tracking(partner)
        self.assertEqual(len(tracking), 1)
        self.assertEqual(tracking.sla_id, self.sla_high)
        self.assertEqual(tracking.status, "active")
        self.assertEqual(tracking.started_at, utc(2026, 3, 2, 9, 0))
        # 4 h from Mon 10:00 local: 10-12, 13-15 -> 15:00 local; 50 % at 12:00 local
        self.assertEqual(tracking.due_at, utc(2026, 3, 2, 14, 0))
        self.assertEqual(tracking.warning_at, utc(2026, 3, 2, 11, 0))
        self.assertEqual(tracking.user_id, self.agent)
        self.assertEqual(tracking.team_id, self.team)
        self.assertEqual(tracking.record_name, partner.display_name)
        # the record pointer is workflow.target.mixin's: it finds the record
        self.assertEqual(tracking.record_ref, partner)
        self.assertEqual(tracking._get_record(), partner)
        self.assertEqual(tracking.action_open_record()["res_id"], partner.id)

    def test_start_condition_not_met_yet(self):
        partner = self.new_partner(utc(2026, 3, 2, 9, 0), ref=False)
        self.assertFalse(self.tracking(partner))
        self.change(utc(2026, 3, 2, 10, 0), partner, {"ref": "T-2"})
        tracking = self.tracking(partner)
        self.assertEqual(tracking.sla_id, self.sla_normal)
        self.assertEqual(tracking.started_at, utc(2026, 3, 2, 10, 0))
        # 8 h from Mon 11:00 local: 11-12, 13-17, Tue 08-11 -> Tue 11:00 local
        self.assertEqual(tracking.due_at, utc(2026, 3, 3, 10, 0))

    def test_priority_change_recomputes_from_original_start(self):
        partner = self.new_partner(utc(2026, 3, 2, 9, 0))
        tracking = self.tracking(partner)
        self.assertEqual(tracking.sla_id, self.sla_normal)
        self.assertEqual(tracking.due_at, utc(2026, 3, 3, 9, 0))  # 8 h: Tue 10:00 local
        self.change(utc(2026, 3, 2, 10, 0), partner, {"is_company": True})
        self.assertEqual(self.tracking(partner), tracking, "the same tracking is re-targeted")
        self.assertEqual(tracking.sla_id, self.sla_high)
        self.assertEqual(tracking.started_at, utc(2026, 3, 2, 9, 0))
        self.assertEqual(tracking.due_at, utc(2026, 3, 2, 14, 0))
        self.assertEqual(tracking.target_hours, 4)

    def test_priority_raised_after_the_new_target_breaches_at_once(self):
        partner = self.new_partner(utc(2026, 3, 2, 9, 0))
        self.change(utc(2026, 3, 2, 15, 0), partner, {"is_company": True})  # 5 h elapsed > 4 h
        tracking = self.tracking(partner)
        self.assertEqual(tracking.status, "breached")
        self.assertEqual(tracking.breached_at, utc(2026, 3, 2, 14, 0))

    def test_pause_and_resume_move_the_due_date(self):
        partner = self.new_partner(utc(2026, 3, 2, 9, 0), is_company=True)
        tracking = self.tracking(partner)
        self.change(utc(2026, 3, 2, 10, 0), partner, {"function": "waiting"})  # 1 h elapsed
        self.assertEqual(tracking.status, "paused")
        self.assertFalse(tracking.next_check_at, "a paused SLA is not scanned")
        self.change(utc(2026, 3, 3, 8, 0), partner, {"function": False})  # Tue 09:00 local
        self.assertEqual(tracking.status, "active")
        self.assertEqual(tracking.pause_ids.mapped("paused_at"), [utc(2026, 3, 2, 10, 0)])
        self.assertEqual(tracking.pause_ids.mapped("resumed_at"), [utc(2026, 3, 3, 8, 0)])
        # 3 h left from Tue 09:00 local -> 12:00 local
        self.assertEqual(tracking.due_at, utc(2026, 3, 3, 11, 0))
        self.change(utc(2026, 3, 3, 10, 30), partner, {"function": "done"})  # Tue 11:30 local
        self.assertEqual(tracking.status, "met")
        self.assertEqual(tracking.actual_hours, 3.5)
        # paused business time: Mon 11-12, 13-17 and Tue 08-09 local
        self.assertEqual(tracking.total_paused_hours, 6.0)
        self.assertEqual(tracking.achieved_rate, 100.0)

    def test_complete_late_is_breached_with_duration(self):
        partner = self.new_partner(utc(2026, 3, 2, 9, 0), is_company=True)
        self.change(utc(2026, 3, 2, 15, 30), partner, {"function": "done"})  # 16:30 local
        tracking = self.tracking(partner)
        self.assertEqual(tracking.status, "breached")
        self.assertEqual(tracking.breached_at, utc(2026, 3, 2, 14, 0))
        self.assertEqual(tracking.actual_hours, 5.5)
        self.assertEqual(tracking.breach_duration_hours, 1.5)
        self.assertEqual(tracking.completed_at, utc(2026, 3, 2, 15, 30))
        self.assertEqual(tracking.achieved_rate, 0.0)

    def test_created_already_done_is_met(self):
        partner = self.new_partner(utc(2026, 3, 2, 9, 0), function="done")
        tracking = self.tracking(partner)
        self.assertEqual(tracking.status, "met")
        self.assertEqual(tracking.actual_hours, 0.0)

    def test_cancel_condition_and_deletion(self):
        partner = self.new_partner(utc(2026, 3, 2, 9, 0))
        self.change(utc(2026, 3, 2, 10, 0), partner, {"function": "void"})
        self.assertEqual(self.tracking(partner).status, "cancelled")
        other = self.new_partner(utc(2026, 3, 2, 9, 0), ref="T-3")
        tracking = self.tracking(other)
        other.unlink()
        self.assertEqual(tracking.status, "cancelled")
        self.assertFalse(tracking._get_record())
        with self.assertRaisesRegex(UserError, "no longer exists"):
            tracking.action_open_record()

    def test_no_policy_applies_any_more(self):
        partner = self.new_partner(utc(2026, 3, 2, 9, 0))
        self.change(utc(2026, 3, 2, 10, 0), partner, {"ref": "X-1"})
        self.assertEqual(self.tracking(partner).status, "cancelled")

    def test_finished_tracking_does_not_restart(self):
        partner = self.new_partner(utc(2026, 3, 2, 9, 0))
        self.change(utc(2026, 3, 2, 10, 0), partner, {"function": "done"})
        self.change(utc(2026, 3, 2, 11, 0), partner, {"function": "waiting"})
        tracking = self.tracking(partner)
        self.assertEqual(tracking.status, "met")
        self.assertEqual(tracking.completed_at, utc(2026, 3, 2, 10, 0))

    def test_several_slas_per_record(self):
        self.env["sla.definition"].create(
            {
                "name": "Resolved within 2 days",
                "code": "T_RESOLUTION",
                "model_id": self.env["ir.model"]._get("res.partner").id,
                "metric_type": "resolution_time",
                "critical_threshold": 16,
                "calendar_id": self.calendar.id,
                "applies_domain": "[('ref', '=like', 'T-%')]",
                "stop_domain": "[('function', '=', 'resolved')]",
            }
        )
        partner = self.new_partner(utc(2026, 3, 2, 9, 0))
        response, resolution = self.tracking(partner), self.tracking(partner, "resolution_time")
        self.assertEqual(response.sla_id, self.sla_normal)
        self.assertEqual(resolution.due_at, utc(2026, 3, 4, 9, 0))  # 16 h: Wed 10:00 local
        self.change(utc(2026, 3, 2, 10, 0), partner, {"function": "done"})
        self.assertEqual((response.status, resolution.status), ("met", "active"))

    def test_target_change_moves_open_due_dates(self):
        partner = self.new_partner(utc(2026, 3, 2, 9, 0), is_company=True)
        with freeze_time(utc(2026, 3, 2, 10, 0)):
            self.sla_high.critical_threshold = 2
        self.assertEqual(self.tracking(partner).due_at, utc(2026, 3, 2, 11, 0))

    def test_api_status(self):
        partner = self.new_partner(utc(2026, 3, 2, 9, 0), is_company=True)
        with freeze_time(utc(2026, 3, 2, 11, 0)):
            status = self.env["sla.tracking"].get_sla_status("res.partner", [partner.id])
        self.assertEqual(len(status), 1)
        self.assertEqual(status[0]["sla"], "T_HIGH")
        self.assertEqual(status[0]["due_at"], "2026-03-02 14:00:00")
        self.assertEqual(status[0]["elapsed_hours"], 2.0)  # 10-12 local; 12-13 is lunch
        self.assertEqual(status[0]["progress"], 50.0)

    def test_invalid_configuration_is_refused(self):
        partner_model = self.env["ir.model"]._get("res.partner")
        base = {"name": "Bad", "model_id": partner_model.id, "calendar_id": self.calendar.id}
        with self.assertRaises(ValidationError):
            self.env["sla.definition"].create(
                dict(base, code="BAD1", stop_domain="[('no_such_field', '=', 1)]")
            )
        with self.assertRaises(ValidationError):
            self.env["sla.definition"].create(dict(base, code="BAD2", pause_domain="__import__('os')"))
        with self.assertRaises(ValidationError):
            self.env["sla.definition"].create(dict(base, code="BAD3", warning_levels="50,abc"))
        with self.assertRaises(ValidationError):
            self.env["sla.definition"].create(dict(base, code="BAD4", warning_levels="120"))
        with self.assertRaises(ValidationError):
            self.env["sla.definition"].create(dict(base, code="BAD5", calendar_id=False))
        empty = self.env["resource.calendar"].create({"name": "Never open", "attendance_ids": [(5, 0, 0)]})
        with self.assertRaises(ValidationError):
            self.env["sla.definition"].create(dict(base, code="BAD6", calendar_id=empty.id))

    def test_archiving_an_sla_cancels_its_open_trackings(self):
        partner = self.new_partner(utc(2026, 3, 2, 9, 0))
        self.sla_normal.active = False
        self.assertEqual(self.tracking(partner).status, "cancelled")
        other = self.new_partner(utc(2026, 3, 2, 9, 0), ref="T-4")
        self.assertFalse(self.tracking(other), "an archived SLA starts nothing")

    def test_sla_of_another_company_does_not_apply(self):
        other_company = self.env["res.company"].create({"name": "Other dairy"})
        partner = self.new_partner(utc(2026, 3, 2, 9, 0), company_id=other_company.id)
        self.assertFalse(self.tracking(partner))
        shared = self.new_partner(utc(2026, 3, 2, 9, 0), ref="T-5")
        self.assertEqual(self.tracking(shared).sla_id, self.sla_normal)

    def test_engine_definitions_only_for_existing_models(self):
        spec = {
            "model": "res.partner",
            "code": "T_ENGINE",
            "name": "Engine default",
            "metric_type": "delivery_time",
            "critical_threshold": 4.0,
            "start_domain": "[('ref', '=', 'ENGINE')]",
            "stop_domain": "[('function', '=', 'done')]",
            "cancel_domain": "[]",
            "user_field": "user_id",
        }
        missing = dict(spec, model="no.such.model", code="T_MISSING")
        created = self.env["sla.definition"]._install_engine_definitions(specs=[spec, missing])
        self.assertEqual(created.mapped("code"), ["T_ENGINE"])
        self.assertEqual(created.user_field_id.name, "user_id")
        # installing twice creates nothing more
        self.assertFalse(self.env["sla.definition"]._install_engine_definitions(specs=[spec]))
        partner = self.new_partner(utc(2026, 3, 2, 9, 0), ref="ENGINE", user_id=self.agent.id)
        tracking = self.tracking(partner, "delivery_time")
        self.assertEqual((tracking.sla_id, tracking.user_id), (created, self.agent))

    def test_holiday_declared_after_the_start_moves_the_due_date(self):
        partner = self.new_partner(utc(2026, 3, 2, 9, 0))  # 8 h -> Tue 10:00 local
        tracking = self.tracking(partner)
        self.assertEqual(tracking.due_at, utc(2026, 3, 3, 9, 0))
        with freeze_time(utc(2026, 3, 2, 10, 0)):
            holiday = self._holiday(self.calendar, utc(2026, 3, 2, 23, 0), utc(2026, 3, 3, 22, 59, 59))
        self.assertEqual(tracking.due_at, utc(2026, 3, 4, 9, 0), "Tuesday is off: Wednesday 10:00 local")
        with freeze_time(utc(2026, 3, 2, 10, 0)):
            holiday.unlink()
        self.assertEqual(tracking.due_at, utc(2026, 3, 3, 9, 0))
        # longer opening hours move it too: Monday afternoon until 19:00 -> 10-12, 13-19 = 8 h on Monday
        monday_pm = self.calendar.attendance_ids.filtered(lambda a: a.dayofweek == "0" and a.hour_from == 13)
        with freeze_time(utc(2026, 3, 2, 10, 0)):
            self.calendar.write({"attendance_ids": [(1, monday_pm.id, {"hour_to": 19})]})
        self.assertEqual(tracking.due_at, utc(2026, 3, 2, 18, 0))

    def test_reassignment_follows_the_record(self):
        partner = self.new_partner(utc(2026, 3, 2, 9, 0), user_id=self.agent.id)
        self.assertEqual(self.tracking(partner).user_id, self.agent)
        self.change(utc(2026, 3, 2, 10, 0), partner, {"user_id": self.manager.id})
        tracking = self.tracking(partner)
        self.assertEqual(tracking.user_id, self.manager)
        self.assertEqual(tracking.started_at, utc(2026, 3, 2, 9, 0), "the clock is not restarted")
