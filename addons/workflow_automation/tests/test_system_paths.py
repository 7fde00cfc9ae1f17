"""User methods check the user; the system method does not, and RPC cannot reach it."""

from xmlrpc.client import Fault

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestCancelPaths(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        groups = "base.group_user,base.group_partner_manager"
        cls.starter = new_test_user(cls.env, login="sys_starter", password="sys_starter_pw", groups=groups)
        cls.clerk = new_test_user(cls.env, login="sys_clerk", password="sys_clerk_pw", groups=groups)
        cls.definition = cls.env["workflow.definition"].browse(
            cls.env["workflow.definition"].import_json(
                {
                    "name": "Cancel paths",
                    "code": "CANCEL_PATHS",
                    "model": "res.partner",
                    "timeout_hours": 0,
                    "workflow_config": {
                        "states": [
                            {"code": "new", "name": "New", "is_initial": True},
                            {"code": "ok", "name": "OK", "is_final": True},
                        ],
                        "transitions": [{"name": "Close", "from": "new", "to": "ok"}],
                    },
                }
            )
        )

    def start_as_starter(self):
        partner = self.env["res.partner"].create({"name": "Hillside Farm"})
        inst_id = (
            self.env["workflow.instance"]
            .with_user(self.starter)
            .start_workflow("CANCEL_PATHS", "res.partner", partner.id)
        )
        inst = self.env["workflow.instance"].browse(inst_id)
        self.assertEqual(inst.started_by, self.starter)
        return inst

    def call(self, login, model, method, *args, **kwargs):
        uid = self.xmlrpc_common.authenticate(self.env.cr.dbname, login, f"{login}_pw", {})
        return self.xmlrpc_object.execute_kw(
            self.env.cr.dbname, uid, f"{login}_pw", model, method, list(args), kwargs
        )

    def test_plain_user_cannot_cancel_someone_elses_instance(self):
        inst = self.start_as_starter()
        with self.assertRaisesRegex(AccessError, "Only a workflow manager or the person who started it"):
            inst.with_user(self.clerk).action_cancel(reason="not mine")
        with self.assertRaisesRegex(Fault, "Only a workflow manager or the person who started it"):
            self.call("sys_clerk", "workflow.instance", "action_cancel", [inst.id], reason="not mine")
        inst.invalidate_recordset()
        self.assertEqual(inst.status, "active")
        # the person who started it may
        self.call("sys_starter", "workflow.instance", "action_cancel", [inst.id], reason="duplicate")
        inst.invalidate_recordset()
        self.assertEqual(inst.status, "cancelled")

    def test_system_method_is_not_reachable_over_xmlrpc(self):
        inst = self.start_as_starter()
        for login in ("sys_clerk", "sys_starter", "admin"):
            password = "admin" if login == "admin" else f"{login}_pw"
            uid = self.xmlrpc_common.authenticate(self.env.cr.dbname, login, password, {})
            with self.assertRaisesRegex(
                Fault, "Private methods .*_cancel_system.* cannot be called remotely"
            ):
                self.xmlrpc_object.execute_kw(
                    self.env.cr.dbname, uid, password, "workflow.instance", "_cancel_system", [[inst.id]], {}
                )
        inst.invalidate_recordset()
        self.assertEqual(inst.status, "active")

    def test_system_method_cancels_whoever_the_user_is(self):
        inst = self.start_as_starter()
        inst.with_user(self.clerk)._cancel_system(reason="the document was replaced")
        self.assertEqual(inst.status, "cancelled")
        line = inst.history_ids.filtered(lambda h: h.action_type == "cancel")
        self.assertEqual((line.performed_by, line.comment), (self.clerk, "the document was replaced"))
