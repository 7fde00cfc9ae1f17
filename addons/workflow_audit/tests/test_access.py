from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import AuditCase


@tagged("post_install", "-at_install")
class TestAccess(AuditCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.auditor = new_test_user(
            cls.env, "wfa_auditor", groups="base.group_user,workflow_audit.group_audit_auditor"
        )
        cls.employee = new_test_user(
            cls.env, "wfa_employee", groups="base.group_user,base.group_partner_manager"
        )
        cls.other_company = cls.env["res.company"].create({"name": "Other Dairy"})
        cls.admin = cls.env.ref("base.user_admin")

    def test_auditor_reads_nobody_writes(self):
        partner = self.env["res.partner"].with_user(self.employee).create({"name": "By employee"})
        self.commit_point()
        entry = self.entries(partner).with_user(self.auditor)
        self.assertEqual(entry.user_id, self.employee)
        self.assertEqual(entry.with_user(self.auditor).read(["record_name"])[0]["record_name"], "By employee")
        for user in (self.auditor, self.admin):
            with self.assertRaises(AccessError):
                entry.with_user(user).write({"record_name": "x"})
            with self.assertRaises(AccessError):
                entry.with_user(user).unlink()
            with self.assertRaises(AccessError):
                self.Log.with_user(user).create(
                    {"model_name": "res.partner", "record_id": 1, "action_type": "create"}
                )

    def test_employee_cannot_read_log(self):
        partner = self.env["res.partner"].with_user(self.employee).create({"name": "Private"})
        self.commit_point()
        with self.assertRaises(AccessError):
            self.Log.with_user(self.employee).search([("record_id", "=", partner.id)])
        with self.assertRaises(AccessError):
            self.env["audit.chain"].with_user(self.employee).verify()

    def test_rules_are_configured_by_administrators_only(self):
        with self.assertRaises(AccessError):
            self.rule.with_user(self.auditor).write({"log_read": True})
        self.rule.with_user(self.admin).write({"log_read": True})
        self.assertTrue(self.rule.log_read)

    def test_company_rule(self):
        partner = self.env["res.partner"].create(
            {"name": "Other company", "company_id": self.other_company.id}
        )
        self.commit_point()
        entry = self.entries(partner)
        self.assertEqual(entry.company_id, self.other_company)
        self.assertFalse(self.Log.with_user(self.auditor).search([("id", "=", entry.id)]))
        self.auditor.company_ids = [(4, self.other_company.id)]
        visible = self.Log.with_user(self.auditor).with_context(
            allowed_company_ids=self.auditor.company_ids.ids
        )
        self.assertEqual(visible.search([("id", "=", entry.id)]), entry)

    def test_audit_trail_action_on_audited_model(self):
        action = self.rule.action_id
        self.assertTrue(action)
        self.assertEqual(action.binding_model_id, self.partner_model)
        self.assertEqual(action.res_model, "audit.log")
        self.assertIn("res.partner", action.domain)

    def test_audit_trail_button_on_audited_form(self):
        self.assertTrue(self.rule.view_id)
        arch = self.env["res.partner"].with_user(self.admin).get_view(view_type="form")["arch"]
        self.assertIn(f'name="{self.rule.action_id.id}"', arch)
        arch = self.env["res.partner"].with_user(self.employee).get_view(view_type="form")["arch"]
        self.assertNotIn(f'name="{self.rule.action_id.id}"', arch)
        self.rule.active = False
        self.assertFalse(self.rule.view_id.exists())

    def test_menus_visible_to_auditors_only(self):
        menus = [
            self.env.ref(f"workflow_audit.{name}").id
            for name in ("menu_audit_log", "menu_audit_report", "menu_audit_verify")
        ]
        visible = self.env["ir.ui.menu"].with_user(self.auditor)._visible_menu_ids()
        self.assertTrue(set(menus) <= visible)
        self.assertNotIn(self.env.ref("workflow_audit.menu_audit_rule").id, visible)
        self.env.registry.clear_cache()
        hidden = self.env["ir.ui.menu"].with_user(self.employee)._visible_menu_ids()
        self.assertFalse(set(menus) & hidden)
