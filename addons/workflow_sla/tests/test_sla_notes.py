"""The scan commits the flags and the events; the notes follow in a second job,
each event exactly once.  Monday 2 March 2026, Brussels (UTC+1), fixed clock."""

from freezegun import freeze_time

from odoo.tests import tagged

from .common import SlaPartnerCase, utc

BREACH_SCAN = utc(2026, 3, 2, 14, 0)  # 15:00 local: the 4 h of the high-priority SLA are used up


class Killed(Exception):
    """Stands for the process dying before its transaction commits."""


@tagged("post_install", "-at_install")
class TestSlaDeferredNotes(SlaPartnerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team.manager_id = False  # nobody to notify: the events are logged as notes
        cls.reader = cls.env["res.users"].create(
            {
                "name": "Sales reader",
                "login": "sla_notes_reader",
                "groups_id": [(6, 0, [cls.env.ref("base.group_user").id])],
            }
        )

    def setUp(self):
        super().setUp()
        with freeze_time(utc(2026, 3, 2, 9, 0)):  # Mon 10:00 local, due 15:00 local
            self.partner = self.env["res.partner"].create(
                {"name": "Dairy <b>Co</b> & Sons", "ref": "T-1", "is_company": True}
            )
        self.tracking = self.tracking(self.partner)

    def notes(self, partner=None):
        partner = partner or self.partner
        partner.invalidate_recordset(["message_ids"])
        return partner.message_ids.filtered(lambda m: "SLA" in (m.body or ""))

    def pending(self):
        return self.env["sla.event"].search(
            [("tracking_id", "=", self.tracking.id), ("notified_at", "=", False)]
        )

    def test_scan_commits_flags_and_events_the_notes_follow_once(self):
        self.assertEqual(self.env["sla.tracking"]._job_check_deadlines(now=BREACH_SCAN), 1)
        self.assertEqual(self.tracking.status, "breached")
        self.assertEqual(self.pending().mapped("kind"), ["breach"], "the 75 % warning is passed by")
        self.assertFalse(self.notes(), "the scan itself writes no note")

        self.assertEqual(self.env["sla.event"]._job_notify(now=BREACH_SCAN), 1)
        notes = self.notes()
        self.assertEqual(len(notes), 1)
        self.assertIn("is breached", notes.body)
        self.assertEqual(notes.subtype_id, self.env.ref("mail.mt_note"))
        self.assertEqual(notes.message_type, "notification")
        self.assertFalse(self.pending())
        event = self.env["sla.event"].search([("tracking_id", "=", self.tracking.id)])
        self.assertEqual(event.notified_at, BREACH_SCAN)

        # reruns of both jobs note nothing twice
        self.assertEqual(self.env["sla.event"]._job_notify(now=BREACH_SCAN), 0)
        self.assertEqual(self.env["sla.tracking"]._job_check_deadlines(now=BREACH_SCAN), 0)
        self.assertEqual(self.env["sla.event"]._job_notify(now=BREACH_SCAN), 0)
        self.assertEqual(len(self.notes()), 1)

    def test_a_notifier_killed_before_commit_leaves_its_events_for_the_rerun(self):
        self.env["sla.tracking"]._job_check_deadlines(now=BREACH_SCAN)
        with self.assertRaises(Killed), self.env.cr.savepoint():
            self.assertEqual(self.env["sla.event"]._job_notify(now=BREACH_SCAN), 1)
            self.assertEqual(len(self.notes()), 1, "written, not yet committed")
            raise Killed()
        self.env.invalidate_all()
        self.assertFalse(self.notes(), "the killed run left nothing")
        self.assertEqual(len(self.pending()), 1, "its event still waits")
        self.assertEqual(self.env["sla.event"]._job_notify(now=BREACH_SCAN), 1)
        self.assertEqual(self.env["sla.event"]._job_notify(now=BREACH_SCAN), 0)
        self.assertEqual(len(self.notes()), 1)

    def test_a_user_reading_the_document_sees_the_note_escaped(self):
        self.env["sla.tracking"]._job_check_deadlines(now=BREACH_SCAN)
        self.env["sla.event"]._job_notify(now=BREACH_SCAN)
        partner = self.partner.with_user(self.reader)
        partner.invalidate_recordset(["message_ids"])
        notes = partner.message_ids.filtered(lambda m: "is breached" in (m.body or ""))
        self.assertEqual(len(notes), 1)
        self.assertEqual(notes.author_id, self.env.ref("base.partner_root"))
        body = notes.read(["body"])[0]["body"]
        # the record's name is user input: shown as text, never as markup
        self.assertIn("Dairy &lt;b&gt;Co&lt;/b&gt; &amp; Sons", body)
        self.assertNotIn("<b>", body)
        self.assertIn("(Europe/Brussels)", body, "the due time in the calendar's time zone")
        self.assertTrue(body.startswith("<p>") and body.endswith("</p>"))

    def test_one_note_per_document_and_run_for_several_events(self):
        self.env["sla.escalation.step"].create(
            {
                "definition_id": self.sla_high.id,
                "elapsed_percent": 100,
                "notify_responsible": False,
                "notify_team_manager": False,
                "note": "Phone <them>.",
            }
        )
        self.tracking._sla_recompute(now=utc(2026, 3, 2, 9, 0), reset=True)
        with freeze_time(utc(2026, 3, 2, 9, 0)):
            other = self.env["res.partner"].create({"name": "Other", "ref": "T-2", "is_company": True})
        self.env["sla.tracking"]._job_check_deadlines(now=BREACH_SCAN)
        self.assertEqual(self.env["sla.event"]._job_notify(now=BREACH_SCAN), 4, "breach + escalation, twice")
        notes = self.notes()
        self.assertEqual(len(notes), 1, "a digest: one note for the document")
        self.assertIn("is breached", notes.body)
        self.assertIn("escalated", notes.body)
        self.assertIn("Phone &lt;them&gt;.", notes.body)
        self.assertEqual(notes.body.count("<br>"), 1)
        self.assertEqual(len(self.notes(other)), 1)
