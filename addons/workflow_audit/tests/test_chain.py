import http.server
import json
import os
import threading

from odoo.tests import tagged

from ..tools import checkpoint as ckpt
from .common import AuditCase

REHASH_SQL = """
UPDATE audit_log SET row_hash = sha256(%s || audit_log_digest(
    id, created_at, model_name, record_id, record_name, action_type, old_values, new_values,
    changed_fields, user_id, user_name, ip_address, user_agent, session_id, workflow_instance_id,
    approval_request_id, company_id, chain_day, chain_slot, chain_seq))
 WHERE id = %s RETURNING row_hash
"""


@tagged("post_install", "-at_install")
class TestChain(AuditCase):
    """A superuser who bypasses the trigger (session_replication_role = replica)
    edits, deletes or inserts rows: verification finds the first broken entry."""

    def _tamper(self, query, params=()):
        self.env.cr.execute("SET session_replication_role = replica")
        try:
            self.env.cr.execute(query, params)
        finally:
            self.env.cr.execute("RESET session_replication_role")
        self.env.invalidate_all()

    def _rehash_from(self, entry):
        """What a careful attacker does: recompute every later link of the chain."""
        self.env.cr.execute(
            """SELECT id, chain_seq FROM audit_log
                WHERE chain_day = %s AND chain_slot = %s AND chain_seq >= %s ORDER BY chain_seq""",
            [entry.chain_day, entry.chain_slot, entry.chain_seq],
        )
        rows = self.env.cr.fetchall()
        self.env.cr.execute(
            """SELECT coalesce((SELECT row_hash FROM audit_log WHERE chain_day = %s AND chain_slot = %s
                                 AND chain_seq = %s), audit_log_genesis(%s, %s::smallint))""",
            [entry.chain_day, entry.chain_slot, entry.chain_seq - 1, entry.chain_day, entry.chain_slot],
        )
        prev = self.env.cr.fetchone()[0]
        self.env.cr.execute("SET session_replication_role = replica")
        try:
            for rid, _seq in rows:
                self.env.cr.execute(REHASH_SQL, [prev, rid])
                prev = self.env.cr.fetchone()[0]
        finally:
            self.env.cr.execute("RESET session_replication_role")
        self.env.invalidate_all()

    def assertBroken(self, result, entry_id, text):
        self.assertFalse(result["ok"])
        first = result["first_broken"]
        self.assertEqual(first["id"], entry_id, result)
        self.assertIn(text, first["reason"])

    # ---------------------------------------------------------------------------
    def test_intact_chain_verifies(self):
        self._write_entries(5)
        self.env["audit.chain"]._job_checkpoint()
        result = self.env["audit.chain"].verify()
        self.assertTrue(result["ok"], result)
        self.assertGreaterEqual(result["rows"], 5)
        self.assertEqual(result["checkpoints"], 1)

    def test_edited_row_detected(self):
        entries = self._write_entries(5)
        victim = entries[2]
        self._tamper('UPDATE audit_log SET new_values = \'{"name": "Forged"}\' WHERE id = %s', [victim.id])
        self.assertBroken(self.env["audit.chain"].verify(), victim.id, "hash mismatch")

    def test_deleted_row_detected(self):
        entries = self._write_entries(5)
        self._tamper("DELETE FROM audit_log WHERE id = %s", [entries[1].id])
        self.assertBroken(self.env["audit.chain"].verify(), entries[2].id, "sequence number")

    def test_inserted_row_detected(self):
        entries = self._write_entries(3)
        last = entries[-1]
        self._tamper(
            """INSERT INTO audit_log (created_at, model_name, record_id, action_type, company_id,
                                      chain_day, chain_slot, chain_seq, row_hash)
               SELECT created_at, 'res.partner', 1, 'delete', company_id, chain_day, chain_slot,
                      chain_seq + 1, sha256('forged'::bytea)
                 FROM audit_log WHERE id = %s RETURNING id""",
            [last.id],
        )
        self.env.cr.execute("SELECT max(id) FROM audit_log")
        forged = self.env.cr.fetchone()[0]
        self.assertBroken(self.env["audit.chain"].verify(), forged, "hash mismatch")

    def test_rewritten_chain_detected_by_checkpoint(self):
        first = self._write_entries(3, "Early")
        self.env["audit.chain"]._job_checkpoint()
        later = self._write_entries(3, "Late")
        self.env["audit.chain"]._job_checkpoint()
        self.assertTrue(self.env["audit.chain"].verify()["ok"])
        # the attacker alters the middle entry of the second batch and recomputes
        # the chain from there: every link is consistent again...
        victim = later[1]
        self._tamper("UPDATE audit_log SET user_name = 'Somebody else' WHERE id = %s", [victim.id])
        self._rehash_from(victim)
        self.env.cr.execute(
            "SELECT count(*) FROM audit_log WHERE id = %s AND user_name = 'Somebody else'", [victim.id]
        )
        self.assertEqual(self.env.cr.fetchone()[0], 1)
        result = self.env["audit.chain"].verify()
        # ...but the head no longer matches the signed checkpoint; the first checkpoint
        # still matches, so the first entry not proven intact is the first of the second batch
        self.assertBroken(result, later[0].id, "rewritten")
        self.assertEqual(result["first_broken"]["seq"], first[-1].chain_seq + 1)

    def test_forged_chain_of_a_past_day_detected(self):
        self._write_entries(2)
        self.env["audit.chain"]._job_checkpoint()
        self.env.cr.execute("SELECT audit_log_create_partition(now() - interval '2 days')")
        # a complete, internally consistent chain for a day that had ended before the checkpoint
        self._tamper(
            """INSERT INTO audit_log (created_at, model_name, record_id, action_type, company_id,
                                      chain_day, chain_slot, chain_seq, row_hash)
               VALUES (now() - interval '2 days', 'res.partner', 1, 'delete', 1,
                       ((now() - interval '2 days') AT TIME ZONE 'UTC')::date, 200, 1, '\\x00')
               RETURNING id"""
        )
        self.env.cr.execute("SELECT max(id) FROM audit_log WHERE chain_slot = 200")
        forged = self.Log.browse(self.env.cr.fetchone()[0])
        self._rehash_from(forged)
        result = self.env["audit.chain"].verify()
        self.assertBroken(result, forged.id, "in no checkpoint")

    def test_deleted_tail_detected_by_checkpoint(self):
        entries = self._write_entries(4)
        self.env["audit.chain"]._job_checkpoint()
        first_deleted = entries[2].chain_seq
        self._tamper("DELETE FROM audit_log WHERE id IN %s", [tuple(entries[2:].ids)])
        result = self.env["audit.chain"].verify()
        self.assertBroken(result, False, "were deleted")
        self.assertEqual(result["first_broken"]["seq"], first_deleted)

    def test_forged_checkpoint_file_detected(self):
        self._write_entries(2)
        self.env["audit.chain"]._job_checkpoint()
        path = ckpt.checkpoint_path(self.env.cr.dbname)
        with open(path, encoding="utf-8") as handle:
            line = json.loads(handle.readline())
        line["heads"] = [[d, s, q, "00" * 32] for d, s, q, _h in line["heads"]]
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(line) + "\n")
        result = self.env["audit.chain"].verify()
        self.assertFalse(result["ok"])
        self.assertIn("bad signature", result["first_broken"]["reason"])

    def test_checkpoint_is_signed_outside_the_database(self):
        self._write_entries(2)
        count = self.env["audit.chain"]._job_checkpoint()
        self.assertGreaterEqual(count, 1)
        path = ckpt.checkpoint_path(self.env.cr.dbname)
        self.assertTrue(path.startswith(self.tmpdir.name))
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)
        entries, errors = ckpt.read_checkpoints(
            path, os.environ["WORKFLOW_AUDIT_HMAC_KEY"].encode(), self.env.cr.dbname
        )
        self.assertEqual((len(entries), errors), (1, []))
        # a different key does not validate it
        _entries, errors = ckpt.read_checkpoints(path, b"another key", self.env.cr.dbname)
        self.assertEqual(len(errors), 1)

    def test_verify_action_reports(self):
        entries = self._write_entries(2)
        action = self.env["audit.log"].action_verify_integrity()
        self.assertEqual(action["params"]["type"], "success")
        self._tamper("UPDATE audit_log SET record_id = 999 WHERE id = %s", [entries[0].id])
        action = self.env["audit.log"].action_verify_integrity()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn(f"id={entries[0].id}&", action["params"]["links"][0]["url"])


class _Collector(http.server.BaseHTTPRequestHandler):
    received = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        return


@tagged("post_install", "-at_install")
class TestCheckpointEndpoint(AuditCase):
    """The signed line also goes to a configured endpoint on an allowed host."""

    def setUp(self):
        super().setUp()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
        thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        thread.start()
        self.addCleanup(thread.join, 5)
        self.addCleanup(self.server.server_close)
        self.addCleanup(self.server.shutdown)
        _Collector.received = []
        self.netloc = f"127.0.0.1:{self.server.server_address[1]}"
        self.url = f"http://{self.netloc}/checkpoints"

    def _configure(self, url, hosts):
        for name, value in (
            ("WORKFLOW_AUDIT_CHECKPOINT_URL", url),
            ("WORKFLOW_AUDIT_CHECKPOINT_HOSTS", hosts),
        ):
            old = os.environ.get(name)
            os.environ[name] = value
            self.addCleanup(self._restore_env, name, old)

    def test_checkpoint_sent_to_allowed_endpoint(self):
        self._configure(self.url, self.netloc)  # a loopback endpoint: its exact host:port
        self._write_entries(2)
        self.env["audit.chain"]._job_checkpoint()
        self.assertEqual(len(_Collector.received), 1)
        line = _Collector.received[0]
        self.assertEqual(line["mac"], ckpt.sign(line, os.environ["WORKFLOW_AUDIT_HMAC_KEY"].encode()))
        self.assertTrue(line["heads"])

    def test_endpoint_outside_allow_list_refused(self):
        # another host, or the loopback host without its port: the endpoint is not reached
        for hosts in ("audit.example.com", "127.0.0.1"):
            self._configure(self.url, hosts)
            self._write_entries(1)
            with self.assertLogs("odoo.addons.workflow_audit.models.audit_chain", level="WARNING") as logs:
                self.env["audit.chain"]._job_checkpoint()
            self.assertIn(
                f"127.0.0.1 in the audit checkpoint URL {self.url} is a loopback address; an administrator can "
                f"allow {self.netloc} in workflow_audit_checkpoint_hosts",
                logs.output[0],
            )
            self.assertEqual(_Collector.received, [])
        # the file still holds the checkpoint
        self.assertTrue(self.env["audit.chain"].verify()["checkpoints"])
