import json
import xmlrpc.client

from odoo.tests import HttpCase, new_test_user, tagged

from .common import isolate_checkpoints


@tagged("post_install", "-at_install")
class TestHttp(HttpCase):
    """Through the real HTTP stack: the request context is captured, and the
    audit log cannot be written over XML-RPC, even by the administrator."""

    def setUp(self):
        super().setUp()
        isolate_checkpoints(self)
        model = self.env["ir.model"]._get("res.partner")
        rule = self.env["audit.rule"].with_context(active_test=False).search([("model_id", "=", model.id)])
        vals = {"name": "Contacts", "model_id": model.id, "active": True, "log_write": True}
        if rule:
            rule.write(vals)
        else:
            self.env["audit.rule"].create(vals)
        self.partner = self.env["res.partner"].create({"name": "Over HTTP"})
        self.env.cr.flush()

    def test_http_context_captured(self):
        self.authenticate("admin", "admin")
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {
                "model": "res.partner",
                "method": "write",
                "args": [[self.partner.id], {"name": "Renamed over HTTP"}],
                "kwargs": {},
            },
        }
        response = self.url_open(
            "/web/dataset/call_kw/res.partner/write",
            data=json.dumps(payload),
            headers={"Content-Type": "application/json", "User-Agent": "wfa-audit-test/1.0"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("error", response.json())
        entry = self.env["audit.log"].search(
            [
                ("model_name", "=", "res.partner"),
                ("record_id", "=", self.partner.id),
                ("action_type", "=", "update"),
            ]
        )
        self.assertEqual(len(entry), 1)
        self.assertEqual(entry.new_values, {"name": "Renamed over HTTP"})
        self.assertEqual(entry.ip_address, "127.0.0.1")
        self.assertEqual(entry.user_agent, "wfa-audit-test/1.0")
        self.assertEqual(len(entry.session_id), 32)
        self.assertNotIn(entry.session_id, self.session.sid)  # a digest, never the session id
        self.assertEqual(entry.user_id, self.env.ref("base.user_admin"))

    def test_xmlrpc_cannot_write_the_log(self):
        entry = self.env["audit.log"].search([("record_id", "=", self.partner.id)], limit=1)
        self.assertTrue(entry)
        db = self.env.cr.dbname
        uid = self.ref("base.user_admin")
        rows = self.xmlrpc_object.execute(db, uid, "admin", "audit.log", "read", [entry.id], ["record_name"])
        self.assertEqual(rows[0]["record_name"], "Over HTTP")
        calls = [
            ("write", [[entry.id], {"record_name": "forged"}]),
            ("unlink", [[entry.id]]),
            ("create", [{"model_name": "res.partner", "record_id": 1, "action_type": "create"}]),
        ]
        for method, args in calls:
            with self.subTest(method=method), self.assertRaises(xmlrpc.client.Fault) as caught:
                self.xmlrpc_object.execute(db, uid, "admin", "audit.log", method, *args)
            self.assertRegex(caught.exception.faultString, "immutable|written by the system")
        self.env.cr.execute("SELECT record_name FROM audit_log WHERE id = %s", [entry.id])
        self.assertEqual(self.env.cr.fetchone()[0], "Over HTTP")

    def test_auditor_verifies_over_xmlrpc(self):
        new_test_user(
            self.env, "wfa_rpc_auditor", groups="base.group_user,workflow_audit.group_audit_auditor"
        )
        new_test_user(self.env, "wfa_rpc_employee", groups="base.group_user")
        db = self.env.cr.dbname
        common = xmlrpc.client.ServerProxy(f"{self.xmlrpc_url}common")
        auditor = common.authenticate(db, "wfa_rpc_auditor", "wfa_rpc_auditor", {})
        employee = common.authenticate(db, "wfa_rpc_employee", "wfa_rpc_employee", {})
        result = self.xmlrpc_object.execute_kw(
            db, auditor, "wfa_rpc_auditor", "audit.chain", "verify", [], {}
        )
        self.assertTrue(result["ok"], result)
        with self.assertRaises(xmlrpc.client.Fault):
            self.xmlrpc_object.execute_kw(db, employee, "wfa_rpc_employee", "audit.chain", "verify", [], {})
        with self.assertRaises(xmlrpc.client.Fault):
            self.xmlrpc_object.execute_kw(
                db, employee, "wfa_rpc_employee", "audit.log", "search_read", [[]], {"limit": 1}
            )
