"""One broken SLA must never make saving the records it watches fail for everyone."""

from freezegun import freeze_time

from odoo.api import call_kw
from odoo.exceptions import ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import SlaPartnerCase, utc


@tagged("post_install", "-at_install")
class TestSlaBadDomain(SlaPartnerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sla_manager = new_test_user(
            cls.env,
            login="sla_bad_mgr",
            groups="base.group_user,workflow_automation.group_workflow_manager",
            name="Mira Manager",
        )
        cls.clerk = new_test_user(
            cls.env,
            login="sla_bad_clerk",
            groups="base.group_user,base.group_partner_manager",
            name="Cleo Clerk",
        )

    def test_domain_that_cannot_run_is_refused_at_save(self):
        # until now saved (it passes _search, which never runs it) and then every res.partner
        # create failed in the hook's filtered_domain: 'int' object has no attribute 'replace'
        for fname, domain, expected in [
            (
                "applies_domain",
                "[('name', 'like', 5)]",
                "Applies when of SLA Normal priority cannot be used: the condition on name needs a text value",
            ),
            (
                "start_domain",
                "[('create_date', '>', 'yesterday')]",
                "Start condition of SLA Normal priority cannot be used: the condition on create_date needs a date",
            ),
            ("stop_domain", "[('function.name', '=', 'x')]", "function is not a relation"),
            ("pause_domain", "[('no_field', '=', 1)]", "has no field no_field"),
            ("cancel_domain", "[('is_company', '=', 'yes')]", "needs true or false"),
        ]:
            with self.subTest(field=fname), self.assertRaisesRegex(ValidationError, expected):
                with self.env.cr.savepoint():
                    self.sla_normal.with_user(self.sla_manager).write({fname: domain})
        self.env.invalidate_all()
        self.assertEqual(self.sla_normal.applies_domain, "[('ref', '=like', 'T-%')]")
        with freeze_time(utc(2026, 3, 2, 9, 0)):
            partner = self.env["res.partner"].with_user(self.clerk).create({"name": "Shop", "ref": "T-1"})
        self.assertEqual(self.tracking(partner).sla_id, self.sla_normal)

    def test_domain_broken_later_does_not_fail_partner_create(self):
        # a field removed by a module uninstall after the SLA was saved
        self.env.cr.execute(
            "UPDATE sla_definition SET applies_domain = %s WHERE id = %s",
            ("[('x_removed', '=', True)]", self.sla_high.id),
        )
        self.env.cr.execute(
            "UPDATE sla_definition SET stop_domain = %s WHERE id = %s",
            ("[('x_gone', '=', 'done')]", self.sla_normal.id),
        )
        self.env.invalidate_all()
        with (
            mute_logger("odoo.addons.workflow_automation.tools.conditions"),
            freeze_time(utc(2026, 3, 2, 9, 0)),
        ):
            partner = (
                self.env["res.partner"].with_user(self.clerk).create({"name": "Still saved", "ref": "T-2"})
            )
            partner.with_user(self.clerk).write({"function": "done"})
        self.assertTrue(partner.exists())
        self.assertFalse(self.tracking(partner), "both broken SLAs are skipped, none half-applied")

    def test_get_sla_status_arguments(self):
        Tracking = self.env["sla.tracking"].with_user(self.clerk)
        for args, expected in [
            (["res.partner", ["1"]], "get_sla_status: record_ids must hold record ids"),
            (["res.partner", True], "get_sla_status: record_ids must be a list of record ids"),
            ([42, [1]], "get_sla_status: model_name must be text"),
        ]:
            with self.subTest(args=args), self.assertRaisesRegex(ValidationError, expected):
                call_kw(Tracking, "get_sla_status", args, {})
        with self.assertRaisesRegex(ValidationError, "the SLA trackings must hold record ids"):
            call_kw(Tracking.with_user(self.sla_manager), "action_pause", [["3"]], {})
        self.assertEqual(call_kw(Tracking, "get_sla_status", ["res.partner", [999999]], {}), [])
