import psycopg2

from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import AuditCase


@tagged("post_install", "-at_install")
class TestImmutability(AuditCase):
    def setUp(self):
        super().setUp()
        self.partner = self.env["res.partner"].create({"name": "Immutable"})
        self.commit_point()
        self.entry = self.entries(self.partner)

    @mute_logger("odoo.sql_db")
    def test_database_refuses_update_delete_truncate(self):
        statements = [
            ("UPDATE audit_log SET record_name = 'forged' WHERE id = %s", [self.entry.id]),
            ("DELETE FROM audit_log WHERE id = %s", [self.entry.id]),
            ("TRUNCATE audit_log", []),
        ]
        self.env.cr.execute("SELECT audit_log_create_partition(now())")
        partition = self.env.cr.fetchone()[0]
        statements += [
            (f"UPDATE {partition} SET record_name = 'forged'", []),  # the partition itself
            (f"DELETE FROM {partition}", []),
            (f"TRUNCATE {partition}", []),
        ]
        for query, params in statements:
            with (
                self.subTest(query=query),
                self.assertRaises(psycopg2.Error) as caught,
                self.env.cr.savepoint(),
            ):
                self.env.cr.execute(query, params)
            self.assertIn("append-only", str(caught.exception))
        self.env.cr.execute("SELECT record_name FROM audit_log WHERE id = %s", [self.entry.id])
        self.assertEqual(self.env.cr.fetchone()[0], "Immutable")

    def test_privileges_revoked_from_public(self):
        self.env.cr.execute(
            """SELECT has_table_privilege('public', 'audit_log', 'UPDATE'),
                      has_table_privilege('public', 'audit_log', 'DELETE')"""
        )
        self.assertEqual(self.env.cr.fetchone(), (False, False))

    def test_orm_refuses_even_superuser(self):
        with self.assertRaises(AccessError):
            self.entry.sudo().write({"record_name": "forged"})
        with self.assertRaises(AccessError):
            self.entry.sudo().unlink()
        with self.assertRaises(AccessError):
            self.Log.sudo().create({"model_name": "res.partner", "record_id": 1, "action_type": "create"})
