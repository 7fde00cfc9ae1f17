from odoo import fields
from odoo.tests import tagged

from .common import AuditCase


@tagged("post_install", "-at_install")
class TestCapture(AuditCase):
    def test_create_logs_new_values(self):
        partner = self.env["res.partner"].create({"name": "Dairy Farm", "email": "farm@example.com"})
        self.commit_point()
        entry = self.entries(partner)
        self.assertEqual(len(entry), 1)
        self.assertEqual(entry.action_type, "create")
        self.assertEqual(entry.new_values["name"], "Dairy Farm")
        self.assertEqual(entry.new_values["email"], "farm@example.com")
        self.assertFalse(entry.old_values)
        self.assertEqual(entry.record_name, "Dairy Farm")
        self.assertEqual(entry.user_id, self.env.user)
        self.assertEqual(entry.user_name, self.env.user.name)
        self.assertFalse(entry.ip_address, "no HTTP request, no IP")
        # naive UTC, as every ORM datetime
        self.assertIsNone(entry.created_at.tzinfo)
        self.assertLess(abs((fields.Datetime.now() - entry.created_at).total_seconds()), 3600)
        self.assertEqual(
            self.Log.search([("id", "=", entry.id), ("created_at", ">=", entry.created_at)]), entry
        )

    def test_write_logs_changed_fields_only(self):
        category = self.env["res.partner.category"].create({"name": "Supplier"})
        partner = self.env["res.partner"].create({"name": "Milk Co", "phone": "111"})
        self.commit_point()
        partner.write({"name": "Milk Company", "phone": "111", "category_id": [(4, category.id)]})
        self.commit_point()
        entry = self.entries(partner, "update")
        self.assertEqual(len(entry), 1)
        self.assertEqual(entry.old_values, {"name": "Milk Co", "category_id": []})
        self.assertEqual(entry.new_values, {"name": "Milk Company", "category_id": [category.id]})
        self.assertEqual(entry._changed_field_names()[entry.id], ["name", "category_id"])
        self.assertEqual(entry.changed_fields_text, "Name, Tags")  # as the auditor reads them
        self.assertIn("Milk Co", entry.diff_html)
        self.assertIn("Milk Company", entry.diff_html)
        # the changed-field filter of the search view
        self.assertIn(entry, self.Log.search([("changed_fields_text", "=", "category_id")]))

    def test_write_without_change_logs_nothing(self):
        partner = self.env["res.partner"].create({"name": "Same"})
        self.commit_point()
        partner.write({"name": "Same"})
        self.commit_point()
        self.assertFalse(self.entries(partner, "update"))

    def test_excluded_field_is_not_logged(self):
        partner = self.env["res.partner"].create({"name": "Secretive"})
        self.commit_point()
        partner.write({"comment": "<p>private</p>"})
        partner.write({"comment": "<p>other</p>", "ref": "R1"})
        self.commit_point()
        entries = self.entries(partner, "update")
        self.assertEqual(len(entries), 1)
        self.assertEqual(entries.new_values, {"ref": "R1"})

    def test_secrets_are_never_logged(self):
        fields = self.env["workflow.hook"]._audit_fields(self.env["ir.mail_server"], frozenset())
        self.assertIn("smtp_user", fields)
        self.assertNotIn("smtp_pass", fields)  # a stored Char: would otherwise be logged
        server = self.env["ir.mail_server"].create(
            {"name": "Relay", "smtp_host": "localhost", "smtp_pass": "s3cr3t"}
        )
        changes = self.env["workflow.hook"]._audit_values(server, fields)[server.id]
        self.assertNotIn("s3cr3t", str(changes))
        self.assertEqual(changes["smtp_host"], "localhost")

    def test_unlink_logs_old_values(self):
        partner = self.env["res.partner"].create({"name": "Gone Ltd", "ref": "G1"})
        pid = partner.id
        partner.unlink()
        self.commit_point()
        entries = self.Log.search([("model_name", "=", "res.partner"), ("record_id", "=", pid)], order="id")
        self.assertEqual(entries.mapped("action_type"), ["create", "delete"])
        deleted = entries[1]
        self.assertEqual(deleted.old_values["ref"], "G1")
        self.assertEqual(deleted.record_name, "Gone Ltd")
        self.assertFalse(deleted.new_values)

    def test_operation_switches(self):
        self.rule.write({"log_create": False, "log_read": True})
        partner = self.env["res.partner"].create({"name": "Quiet"})
        partner.read(["name", "email"])
        self.commit_point()
        self.assertEqual(self.entries(partner).mapped("action_type"), ["access"])
        access = self.entries(partner, "access")
        self.assertEqual(access._changed_field_names()[access.id], ["email", "name"])
        self.rule.active = False
        partner.write({"name": "Unwatched"})
        self.commit_point()
        self.assertFalse(self.entries(partner, "update"))

    def test_batch_is_one_insert_with_consecutive_sequence(self):
        partners = self.env["res.partner"].create([{"name": f"Batch {i}"} for i in range(50)])
        self.commit_point()
        partners.write({"ref": "B"})
        self.commit_point()
        entries = self.entries(partners, "update")
        self.assertEqual(len(entries), 50)
        # one INSERT: one timestamp, one chain, consecutive sequence numbers
        self.assertEqual(len(set(entries.mapped("created_at"))), 1)
        self.assertEqual(
            len(set(zip(entries.mapped("chain_day"), entries.mapped("chain_slot"), strict=True))), 1
        )
        seqs = sorted(entries.mapped("chain_seq"))
        self.assertEqual(seqs, list(range(seqs[0], seqs[0] + 50)))

    def test_search_sees_entries_not_yet_flushed(self):
        partner = self.env["res.partner"].create({"name": "Fresh"})
        self.assertEqual(len(self.entries(partner)), 1)

    def test_rolled_back_savepoint_leaves_nothing(self):
        partner = self.env["res.partner"].create({"name": "Before"})
        with self.assertRaises(ZeroDivisionError), self.env.cr.savepoint():
            partner.write({"name": "Rolled back"})
            _ = 1 / 0
        partner.write({"ref": "kept"})
        self.commit_point()
        updates = self.entries(partner, "update")
        self.assertEqual(len(updates), 1)
        self.assertEqual(updates.new_values, {"ref": "kept"})
        self.assertFalse(self.Log.search([("record_name", "=", "Rolled back")]))

    def test_transaction_rollback_and_commit(self):
        """Real transaction ends, through the registry's test cursors."""
        self.registry.enter_test_mode(self.env.cr)
        self.addCleanup(self.registry.leave_test_mode)
        partner = self.env["res.partner"].create({"name": "Txn"})
        self.commit_point()
        # a transaction that fails: no audit row
        with self.assertRaises(ZeroDivisionError), self.registry.cursor() as cr:
            env = self.env(cr=cr)
            env["res.partner"].browse(partner.id).write({"name": "Txn failed"})
            _ = 1 / 0
        # a committed one: every row
        with self.registry.cursor() as cr:
            env = self.env(cr=cr)
            env["res.partner"].browse(partner.id).write({"name": "Txn committed"})
        self.env.invalidate_all()
        names = [e.new_values["name"] for e in self.entries(partner, "update")]
        self.assertEqual(names, ["Txn committed"])
