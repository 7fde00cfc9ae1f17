"""Who may see and change SLAs."""

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import SlaPartnerCase, utc


@tagged("post_install", "-at_install")
class TestSlaAccess(SlaPartnerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with freeze_time(utc(2026, 3, 2, 9, 0)):
            cls.partner = cls.env["res.partner"].create(
                {"name": "Shop", "ref": "T-20", "user_id": cls.agent.id}
            )
        cls.tracking_rec = cls.env["sla.tracking"].search(
            [("model_name", "=", "res.partner"), ("record_id", "=", cls.partner.id)]
        )

    def test_users_read_but_do_not_change(self):
        as_agent = self.tracking_rec.with_user(self.agent)
        self.assertEqual(as_agent.read(["status"])[0]["status"], "active")
        self.assertTrue(self.sla_high.with_user(self.agent).read(["name"]))
        with self.assertRaises(UserError):
            as_agent.action_complete()
        with self.assertRaises(AccessError):
            as_agent.write({"status": "met"})
        with self.assertRaises(AccessError):
            self.sla_high.with_user(self.agent).write({"critical_threshold": 100})

    def test_users_changing_records_keep_trackings_right(self):
        # the agent may edit the contact but not the trackings: the SLA follows anyway
        with freeze_time(utc(2026, 3, 2, 10, 0)):
            self.partner.with_user(self.agent).write({"function": "done"})
        self.assertEqual(self.tracking_rec.status, "met")

    def test_other_company_trackings_are_hidden(self):
        other = self.env["res.company"].create({"name": "Other dairy"})
        self.tracking_rec.company_id = other
        self.assertFalse(
            self.env["sla.tracking"].with_user(self.agent).search([("id", "=", self.tracking_rec.id)])
        )

    def test_manager_pauses_and_resumes_by_hand(self):
        manager = self.env.ref("base.user_admin")
        with freeze_time(utc(2026, 3, 2, 10, 0)):
            self.tracking_rec.with_user(manager).action_pause()
        self.assertEqual(self.tracking_rec.status, "paused")
        with freeze_time(utc(2026, 3, 3, 8, 0)):  # Tue 09:00 local
            self.tracking_rec.with_user(manager).action_resume()
        # 8 h, 1 h done before the pause: 7 h from Tue 09:00 local -> Tue 17:00 local
        self.assertEqual(self.tracking_rec.due_at, utc(2026, 3, 3, 16, 0))
