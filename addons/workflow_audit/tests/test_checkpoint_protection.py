"""What a superuser with SQL access cannot do unnoticed: excuse deleted days with
retention rows of the database, delete entries between two timed checkpoints,
or delete entries that a verification has just found intact."""

import json
import os
from datetime import datetime, timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from ..tools import checkpoint as ckpt
from . import test_chain
from .common import AuditCase

RETENTION_ROW = """
INSERT INTO audit_log (created_at, model_name, record_id, record_name, action_type, new_values,
                       changed_fields, company_id, chain_day, chain_slot, chain_seq, row_hash)
VALUES (%(at)s, 'audit.log', 0, %(name)s, 'delete', %(values)s::jsonb, ARRAY['partition'], 1,
        (%(at)s::timestamptz AT TIME ZONE 'UTC')::date, %(slot)s, 1, '\\x00')
RETURNING id
"""


class ProtectionCase(AuditCase):
    def _tamper(self, query, params=()):
        return test_chain.TestChain._tamper(self, query, params)

    def _rehash_from(self, entry):
        return test_chain.TestChain._rehash_from(self, entry)

    def _lines(self):
        path = ckpt.checkpoint_path(self.env.cr.dbname)
        if not os.path.exists(path):
            return []
        with open(path, encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]

    def _delete_chain_of(self, entries):
        self._tamper(
            "DELETE FROM audit_log WHERE chain_day = %s AND chain_slot = %s",
            [entries[0].chain_day, entries[0].chain_slot],
        )

    def _forge_retention_row(self, created_at, day_from, day_to, slot=251, partition="audit_log_p_forged"):
        """What an attacker inserts: a retention entry, consistently chained."""
        self.env.cr.execute("SELECT audit_log_create_partition(%s::timestamptz)", [created_at])
        values = {
            "partition": partition,
            "from": day_from + "T00:00:00",
            "to": day_to + "T00:00:00",
            "rows": 0,
        }
        self._tamper(
            RETENTION_ROW,
            {"at": created_at, "name": partition, "values": json.dumps(values), "slot": slot},
        )
        self.env.cr.execute("SELECT max(id) FROM audit_log WHERE chain_slot = %s", [slot])
        forged = self.Log.browse(self.env.cr.fetchone()[0])
        self._rehash_from(forged)
        return forged

    def assertReasons(self, result, *texts):
        self.assertFalse(result["ok"], result)
        reasons = " | ".join(p["reason"] for p in result["problems"])
        for text in texts:
            self.assertIn(text, reasons)


@tagged("post_install", "-at_install")
class TestSignedRetention(ProtectionCase):
    """Verification excuses vanished days only through signed retention lines."""

    def test_fake_retention_row_does_not_hide_deleted_days(self):
        entries = self._write_entries(3, "Hidden")
        self.env["audit.chain"]._job_checkpoint()
        day = str(entries[0].chain_day)
        next_day = (entries[0].chain_day + timedelta(days=1)).isoformat()
        # the attacker lowers the policy in the database and writes a retention entry,
        # dated in the future so that the range looks old enough for that policy...
        self.env["ir.config_parameter"].set_param("workflow_audit.retention_months", 1)
        self.env.cr.execute("SELECT (now() + interval '2 months')::text")
        forged = self._forge_retention_row(self.env.cr.fetchone()[0], day, next_day)
        # ...then deletes the day's entries
        self._delete_chain_of(entries)
        result = self.env["audit.chain"].verify()
        self.assertReasons(result, "is missing", "no signed retention record confirms")
        self.assertIn(forged.id, [p["id"] for p in result["problems"]])
        self.assertFalse(result["signed"], "a broken trail is not signed")

    def test_edited_retention_entry_does_not_hide_deleted_days(self):
        self.env["ir.config_parameter"].set_param("workflow_audit.retention_months", 84)
        self.env.cr.execute("SELECT audit_log_create_partition('2012-03-15 00:00+00')")
        self.assertEqual(self.env["audit.partition"]._job_retention(), 1)
        genuine = self.Log.search([("model_name", "=", "audit.log"), ("action_type", "=", "delete")])
        entries = self._write_entries(3, "Hidden")
        self.env["audit.chain"]._job_checkpoint()
        self.assertTrue(self.env["audit.chain"].verify()["ok"])
        # the attacker widens the genuine retention entry to today, keeps its chain consistent...
        day = str(entries[0].chain_day)
        self._tamper(
            """UPDATE audit_log SET new_values = new_values || jsonb_build_object('to', %s::text)
                WHERE id = %s""",
            [(entries[0].chain_day + timedelta(days=1)).isoformat() + "T00:00:00", genuine.id],
        )
        self._rehash_from(genuine)
        # ...and deletes today's entries
        self._tamper("DELETE FROM audit_log WHERE id IN %s", [tuple(entries.ids)])
        result = self.env["audit.chain"].verify()
        self.assertReasons(result, "were deleted", "no signed retention record confirms")
        self.assertIn(day, [p["day"] for p in result["problems"]])

    def test_genuine_retention_is_signed_and_excuses_its_days(self):
        self.env["ir.config_parameter"].set_param("workflow_audit.retention_months", 84)
        self.env.cr.execute("SELECT audit_log_create_partition('2012-03-15 00:00+00')")
        partition = self.env.cr.fetchone()[0]
        # an old, consistent chain, signed by a checkpoint
        self._tamper(
            """INSERT INTO audit_log (created_at, model_name, record_id, action_type, company_id,
                                      chain_day, chain_slot, chain_seq, row_hash)
               VALUES ('2012-03-15 10:00+00', 'res.partner', 1, 'create', 1, '2012-03-15', 0, 1, '\\x00')"""
        )
        self.env.cr.execute("SELECT max(id) FROM audit_log WHERE chain_day = '2012-03-15'")
        self._rehash_from(self.Log.browse(self.env.cr.fetchone()[0]))
        self.env["audit.chain"]._job_checkpoint()
        self.assertIn("2012-03-15", [h[0] for h in self._lines()[-1]["heads"]])
        self.assertEqual(self.env["audit.partition"]._job_retention(), 1)
        retention = self._lines()[-1]
        self.assertEqual(retention["kind"], "retention")
        self.assertEqual(
            (retention["partition"], retention["from"], retention["to"], retention["rows"]),
            (partition, "2012-03-01T00:00:00", "2012-04-01T00:00:00", 1),
        )
        entries, errors = ckpt.read_checkpoints(
            ckpt.checkpoint_path(self.env.cr.dbname), ckpt.hmac_key(), self.env.cr.dbname
        )
        self.assertEqual(errors, [])
        self.assertEqual(
            self.env["audit.chain"]._retired_ranges(entries), [("2012-03-01", "2012-04-01", retention["at"])]
        )
        # the signed chain is gone, excused by the signed retention line
        result = self.env["audit.chain"].verify()
        self.assertTrue(result["ok"], result)
        # entries that reappear in the removed range were inserted afterwards
        self.env.cr.execute("SELECT audit_log_create_partition('2012-03-15 00:00+00')")
        self._tamper(
            """INSERT INTO audit_log (created_at, model_name, record_id, action_type, company_id,
                                      chain_day, chain_slot, chain_seq, row_hash)
               VALUES ('2012-03-20 10:00+00', 'res.partner', 1, 'create', 1, '2012-03-20', 0, 1, '\\x00')"""
        )
        self.env.cr.execute("SELECT max(id) FROM audit_log WHERE chain_day = '2012-03-20'")
        self._rehash_from(self.Log.browse(self.env.cr.fetchone()[0]))
        self.assertReasons(self.env["audit.chain"].verify(), "in a range removed by retention")

    def test_lowered_retention_parameter_does_not_drop_recent_months(self):
        """The floor is configured outside the database (default 12 months)."""
        self.env.cr.execute("SELECT audit_log_create_partition(now() - interval '3 months')")
        recent = self.env.cr.fetchone()[0]
        self.env["ir.config_parameter"].set_param("workflow_audit.retention_months", 1)
        with self.assertLogs("odoo.addons.workflow_audit.models.audit_partition", level="WARNING") as logs:
            self.env["audit.partition"]._job_retention()
        self.assertIn("below the floor of 12 months", logs.output[0])
        self.assertIn(recent, [name for name, _f, _t in self.env["audit.partition"]._partitions()])
        # the operator of the server, outside the database, can lower the floor
        os.environ["WORKFLOW_AUDIT_MIN_RETENTION_MONTHS"] = "1"
        self.addCleanup(os.environ.pop, "WORKFLOW_AUDIT_MIN_RETENTION_MONTHS", None)
        self.env["audit.partition"]._job_retention()
        self.assertNotIn(recent, [name for name, _f, _t in self.env["audit.partition"]._partitions()])
        self.assertIn(recent, [line.get("partition") for line in self._lines()])


@tagged("post_install", "-at_install")
class TestCountCheckpoint(ProtectionCase):
    """Every workflow_audit.checkpoint_rows entries, the writer has a checkpoint signed
    right after its commit instead of waiting for the 10-minute timer."""

    def setUp(self):
        super().setUp()
        self.cron = self.env.ref("workflow_audit.cron_audit_checkpoint")
        self.cron.nextcall = fields.Datetime.now() + timedelta(minutes=10)
        self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id)]).unlink()
        self.env["ir.config_parameter"].set_param("workflow_audit.checkpoint_rows", 5)
        self.env.flush_all()
        # put the audit sequence on a multiple of 5 (sequences only move forward)
        self.env.cr.execute(
            "SELECT setval('audit_log_id_seq', (nextval('audit_log_id_seq') / 1000 + 1) * 1000)"
        )

    def _triggers(self):
        return self.env["ir.cron.trigger"].search(
            [("cron_id", "=", self.cron.id), ("call_at", "<=", fields.Datetime.now())]
        )

    def test_deletion_after_a_count_checkpoint_is_detected_before_the_timer(self):
        self._write_entries(3, "Few")
        self.assertFalse(self._triggers(), "3 entries: no checkpoint asked")
        entries = self._write_entries(3, "More")  # entries 4 to 6: the 5th asks for one
        self.assertEqual(len(self._triggers()), 1)
        self.assertGreater(self.cron.nextcall, fields.Datetime.now() + timedelta(minutes=5))
        # what Odoo's cron worker does on that trigger, 10 minutes before the timer
        self.cron.method_direct_trigger()
        line = self._lines()[-1]
        self.assertLess(abs(datetime.fromisoformat(line["at"]) - fields.Datetime.now()), timedelta(minutes=1))
        head = [entries[-1].chain_seq, entries[-1].row_hash_hex]
        self.assertIn(head, [[h[2], h[3]] for h in line["heads"] if h[1] == entries[-1].chain_slot])
        # the attacker deletes the last entries: no later checkpoint is needed to see it
        first_deleted = entries[1].chain_seq
        self._tamper("DELETE FROM audit_log WHERE id IN %s", [tuple(entries[1:].ids)])
        result = self.env["audit.chain"].verify()
        self.assertReasons(result, "were deleted")
        self.assertEqual(result["first_broken"]["seq"], first_deleted)

    def test_no_count_checkpoint_when_switched_off(self):
        self.env["ir.config_parameter"].set_param("workflow_audit.checkpoint_rows", 0)
        self._write_entries(12, "Many")
        self.assertFalse(self._triggers())


@tagged("post_install", "-at_install")
class TestVerificationSigns(ProtectionCase):
    """Verification signs the chain heads it found intact."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.auditor = new_test_user(
            cls.env, login="audit_signer", groups="base.group_user,workflow_audit.group_audit_auditor"
        )
        cls.clerk = new_test_user(cls.env, login="audit_clerk", groups="base.group_user")

    def test_verification_signs_the_current_heads(self):
        entries = self._write_entries(4, "Verified")
        self.assertEqual(self._lines(), [], "no checkpoint yet: these entries rest on the chain only")
        result = self.env["audit.chain"].with_user(self.auditor).verify()
        self.assertTrue(result["ok"], result)
        self.assertGreaterEqual(result["signed"], 1)
        [line] = self._lines()
        last = entries[-1]
        self.assertIn(
            [str(last.chain_day), last.chain_slot, last.chain_seq, last.row_hash_hex], line["heads"]
        )
        # deleting the tail right after the verification is now detected
        self._tamper("DELETE FROM audit_log WHERE id IN %s", [tuple(entries[2:].ids)])
        result = self.env["audit.chain"].with_user(self.auditor).verify()
        self.assertReasons(result, "were deleted")
        self.assertFalse(result["signed"])
        self.assertEqual(len(self._lines()), 1, "a broken trail is not signed")

    def test_user_without_auditor_rights_neither_verifies_nor_signs(self):
        self._write_entries(2, "Private")
        with self.assertRaises(AccessError):
            self.env["audit.chain"].with_user(self.clerk).verify()
        self.assertEqual(self._lines(), [])
