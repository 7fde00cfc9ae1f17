"""The scan job flags warnings, breaches and escalations when they happen,
without anybody touching the record.  Monday 2 March 2026, Brussels (UTC+1)."""

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import SlaPartnerCase, scan_and_notify, utc


@tagged("post_install", "-at_install")
class TestSlaScan(SlaPartnerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["sla.escalation.step"].create(
            [
                {
                    "definition_id": cls.sla_high.id,
                    "elapsed_percent": 100,
                    "notify_responsible": True,
                    "notify_team_manager": False,
                },
                {
                    "definition_id": cls.sla_high.id,
                    "elapsed_percent": 150,
                    "notify_responsible": False,
                    "notify_team_manager": True,
                    "note": "Call the customer.",
                },
            ]
        )
        cls.activity_type = cls.env.ref("workflow_sla.mail_activity_sla")

    def setUp(self):
        super().setUp()
        with freeze_time(utc(2026, 3, 2, 9, 0)):  # Mon 10:00 local, due 15:00 local
            self.partner = self.env["res.partner"].create(
                {"name": "Key account", "ref": "T-9", "is_company": True, "user_id": self.agent.id}
            )
        self.tracking = self.tracking_of(self.partner)

    def tracking_of(self, partner):
        return self.env["sla.tracking"].search(
            [("model_name", "=", "res.partner"), ("record_id", "=", partner.id)]
        )

    def scan(self, now):
        return scan_and_notify(self.env, now)

    def sla_messages(self):
        return self.partner.message_ids.filtered(lambda m: "SLA" in (m.body or ""))

    def sla_activities(self):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "=", self.partner.id),
                ("activity_type_id", "=", self.activity_type.id),
            ]
        )

    def test_nothing_before_the_first_warning(self):
        self.assertEqual(self.scan(utc(2026, 3, 2, 10, 59)), 0)
        self.assertEqual(self.tracking.risk_state, "on_track")
        self.assertFalse(self.sla_messages())

    def test_warnings_then_breach_to_the_minute(self):
        self.assertEqual(self.scan(utc(2026, 3, 2, 11, 0)), 1)  # 12:00 local: 2 h of 4 = 50 %
        self.assertEqual((self.tracking.risk_state, self.tracking.warning_level), ("warning", 50.0))
        self.assertEqual(self.tracking.status, "active")
        self.assertIn("50%", self.sla_messages()[0].body)
        self.assertEqual(self.tracking.next_check_at, utc(2026, 3, 2, 13, 0))  # 75 % at 14:00 local
        self.assertEqual(self.scan(utc(2026, 3, 2, 12, 59)), 0)  # lunch hour does not count
        self.assertEqual(self.scan(utc(2026, 3, 2, 13, 0)), 1)
        self.assertEqual(self.tracking.warning_level, 75.0)
        self.assertEqual(self.scan(utc(2026, 3, 2, 13, 59)), 0)
        self.assertEqual(self.tracking.status, "active")
        self.assertEqual(self.scan(utc(2026, 3, 2, 14, 0)), 1)
        self.assertEqual(self.tracking.status, "breached")
        self.assertEqual(self.tracking.breached_at, utc(2026, 3, 2, 14, 0))
        self.assertEqual(self.tracking.achieved_rate, 0.0)
        # the breach step notifies the responsible with a to-do on the record
        self.assertEqual(self.sla_activities().user_id, self.agent)
        self.assertIn(self.agent.partner_id, self.sla_messages()[0].partner_ids)

    def test_escalation_to_the_team_manager_after_the_breach(self):
        self.scan(utc(2026, 3, 2, 14, 0))
        self.assertEqual(self.tracking.status, "breached")
        # 150 % = 6 h of business time -> 17:00 local = 16:00 UTC
        self.assertEqual(self.tracking.next_check_at, utc(2026, 3, 2, 16, 0))
        self.assertEqual(self.scan(utc(2026, 3, 2, 15, 59)), 0)
        self.assertEqual(self.scan(utc(2026, 3, 2, 16, 0)), 1)
        self.assertEqual(self.sla_activities().user_id, self.agent | self.manager)
        self.assertIn("Call the customer.", self.sla_messages()[0].body)
        self.assertFalse(self.tracking.next_check_at, "nothing left to check")
        # finishing the work closes the SLA's to-dos
        with freeze_time(utc(2026, 3, 2, 16, 30)):
            self.partner.function = "done"
        self.assertEqual(self.tracking.status, "breached")
        self.assertEqual(
            self.tracking.breach_duration_hours, 2.0
        )  # 6 h of business time by 17:30 local, minus 4 h
        self.assertFalse(self.sla_activities())

    def test_missed_scans_catch_up_with_one_breach(self):
        self.assertEqual(self.scan(utc(2026, 3, 2, 14, 30)), 1)
        self.assertEqual(self.tracking.status, "breached")
        self.assertEqual(
            self.tracking.breached_at, utc(2026, 3, 2, 14, 0), "the breach time, not the scan time"
        )
        self.assertEqual(len(self.sla_messages()), 2, "one breach message and the breach escalation")

    def test_paused_tracking_is_not_breached(self):
        with freeze_time(utc(2026, 3, 2, 10, 0)):
            self.partner.function = "waiting"
        self.assertEqual(self.scan(utc(2026, 3, 3, 16, 0)), 0)
        self.assertEqual(self.tracking.status, "paused")

    def test_met_before_the_scan_is_never_breached(self):
        with freeze_time(utc(2026, 3, 2, 13, 30)):
            self.partner.function = "done"
        self.assertEqual(self.scan(utc(2026, 3, 2, 14, 0)), 0)
        self.assertEqual(self.tracking.status, "met")

    def test_batches_are_bounded(self):
        with freeze_time(utc(2026, 3, 2, 9, 0)):
            self.env["res.partner"].create([{"name": "Shop %s" % i, "ref": "T-%s" % i} for i in range(5)])
        # 5 normal-priority SLAs + the key account are due for their 50 % warning by Mon 15:00 local
        self.assertEqual(self.scan_limited(utc(2026, 3, 2, 14, 0), 4), 4)
        self.assertEqual(self.scan_limited(utc(2026, 3, 2, 14, 0), 4), 2)
        self.assertEqual(self.scan_limited(utc(2026, 3, 2, 14, 0), 4), 0)

    def scan_limited(self, now, limit):
        return self.env["sla.tracking"]._job_check_deadlines(limit=limit, now=now)

    def test_job_runner_entry_point(self):
        with freeze_time(utc(2026, 3, 2, 14, 0)):
            done = self.env["workflow.job"].run_job("sla.tracking", "_job_check_deadlines")
        self.assertEqual(done, 1)
        self.assertEqual(self.tracking.status, "breached")
        with self.assertRaises(AccessError):
            self.env["workflow.job"].with_user(self.agent).run_job("sla.tracking", "_job_check_deadlines")

    def test_achieved_percent_per_sla(self):
        with freeze_time(utc(2026, 3, 2, 9, 0)):
            other = self.env["res.partner"].create({"name": "Other key", "ref": "T-10", "is_company": True})
        with freeze_time(utc(2026, 3, 2, 10, 0)):
            other.function = "done"
        self.scan(utc(2026, 3, 2, 14, 0))
        self.assertEqual(self.sla_high.achieved_percent, 50.0)
        groups = self.env["sla.tracking"].read_group(
            [("sla_id", "=", self.sla_high.id), ("status", "in", ("met", "breached"))],
            ["achieved_rate:avg"],
            ["sla_id"],
        )
        self.assertEqual(groups[0]["achieved_rate"], 50.0)

    def test_unassigned_sla_goes_to_the_team_manager(self):
        with freeze_time(utc(2026, 3, 2, 9, 0)):
            lonely = self.env["res.partner"].create({"name": "No owner", "ref": "T-11", "is_company": True})
        self.assertFalse(self.tracking_of(lonely).user_id)
        self.scan(utc(2026, 3, 2, 14, 0))
        breach = lonely.message_ids.filtered(lambda m: "is breached" in (m.body or ""))
        self.assertEqual(breach.partner_ids, self.manager.partner_id)

    def test_nobody_to_notify_logs_a_note(self):
        self.team.manager_id = False
        with freeze_time(utc(2026, 3, 2, 9, 0)):
            lonely = self.env["res.partner"].create({"name": "No owner", "ref": "T-12", "is_company": True})
        self.scan(utc(2026, 3, 2, 11, 0))
        notes = lonely.message_ids.filtered(lambda m: "50%" in (m.body or ""))
        self.assertEqual(len(notes), 1)
        self.assertFalse(notes.partner_ids)
        self.assertEqual(notes.subtype_id, self.env.ref("mail.mt_note"))

    def test_tracking_of_a_model_without_chatter_hosts_its_messages(self):
        partner_model = self.env["ir.model"]._get("res.partner.category")
        sla = self.env["sla.definition"].create(
            {
                "name": "Tags reviewed within an hour",
                "code": "T_TAG",
                "model_id": partner_model.id,
                "critical_threshold": 1,
                "use_business_hours": False,
                "warning_levels": "",
            }
        )
        with freeze_time(utc(2026, 3, 7, 22, 0)):  # a Saturday night: around the clock
            tag = self.env["res.partner.category"].create({"name": "Raw milk"})
        tracking = self.tracking_of_model(tag)
        self.assertEqual((tracking.sla_id, tracking.due_at), (sla, utc(2026, 3, 7, 23, 0)))
        self.scan(utc(2026, 3, 7, 22, 59))
        self.assertEqual(tracking.status, "active")
        self.scan(utc(2026, 3, 7, 23, 0))
        self.assertEqual(tracking.status, "breached")
        self.assertIn("is breached", tracking.message_ids[0].body)

    def tracking_of_model(self, record):
        return self.env["sla.tracking"].search(
            [("model_name", "=", record._name), ("record_id", "=", record.id)]
        )

    def test_demo_key_account_is_tracked(self):
        partner = self.env.ref("workflow_sla.demo_partner_key_account", raise_if_not_found=False)
        if partner is None:  # installed without demo data: nothing to check
            return
        tracking = self.tracking_of(partner)
        self.assertEqual(tracking.sla_id, self.env.ref("workflow_sla.sla_definition_demo_key_account"))
        self.assertTrue(tracking.due_at)
        self.assertEqual(tracking.status, "cancelled", "archiving its SLA (setUpClass) cancelled it")

    def test_breach_and_escalation_at_once_to_the_same_user(self):
        self.team.manager_id = self.agent  # both steps notify the agent
        with freeze_time(utc(2026, 3, 2, 9, 0)):
            second = self.env["res.partner"].create(
                {"name": "Second key account", "ref": "T-13", "is_company": True, "user_id": self.agent.id}
            )
        # Tuesday: 100 % and 150 % are both past for both records, handled in one batch
        self.scan(utc(2026, 3, 3, 16, 0))
        for partner in self.partner | second:
            activities = self.env["mail.activity"].search(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "=", partner.id),
                    ("activity_type_id", "=", self.activity_type.id),
                ]
            )
            self.assertEqual(activities.user_id, self.agent)
            self.assertEqual(len(activities), 1, "one to-do per record and user")
            self.assertIn("150%", str(activities.note))
