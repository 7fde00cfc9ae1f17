from odoo.tests import tagged

from ..tools import checkpoint as ckpt
from .common import AuditCase


@tagged("post_install", "-at_install")
class TestPartitions(AuditCase):
    def _partition_names(self):
        return [name for name, _f, _t in self.env["audit.partition"]._partitions()]

    def test_table_is_partitioned_by_month_without_default(self):
        self.env.cr.execute(
            """SELECT p.partstrat, pg_get_partkeydef('audit_log'::regclass), p.partdefid
                 FROM pg_partitioned_table p WHERE p.partrelid = 'audit_log'::regclass"""
        )
        strategy, key, default = self.env.cr.fetchone()
        self.assertEqual((strategy, key, default), ("r", "RANGE (created_at)", 0))
        self.env.cr.execute(
            """SELECT array_agg(a.attname ORDER BY a.attname) FROM pg_index i
                 JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
                WHERE i.indrelid = 'audit_log'::regclass AND i.indisprimary"""
        )
        self.assertEqual(self.env.cr.fetchone()[0], ["created_at", "id"])

    def test_job_creates_partitions_ahead_and_warns(self):
        self.env["ir.config_parameter"].set_param("workflow_audit.partition_lead_months", 4)
        self.env["ir.config_parameter"].set_param("workflow_audit.partition_warn_months", 2)
        self.env.cr.execute(
            "SELECT 'audit_log_p' || to_char((now() AT TIME ZONE 'UTC')"
            " + make_interval(months => m), 'YYYYMM')"
            " FROM generate_series(1, 4) m"
        )
        ahead = [row[0] for row in self.env.cr.fetchall()]
        for name in ahead:  # empty future partitions: dropping them loses nothing
            self.env.cr.execute(f"DROP TABLE IF EXISTS {name}")
        with self.assertLogs("odoo.addons.workflow_audit.models.audit_partition", level="WARNING") as logs:
            created = self.env["audit.partition"]._job_ensure_partitions()
        self.assertEqual(created, 4)
        self.assertIn("only 0 month(s) ahead", logs.output[0])
        names = self._partition_names()
        for name in ahead:
            self.assertIn(name, names)
        # a second run has nothing to do
        self.assertEqual(self.env["audit.partition"]._job_ensure_partitions(), 0)
        # the per-partition chain index and TRUNCATE guard come with each partition
        self.env.cr.execute("SELECT to_regclass(%s), to_regclass(%s)", [ahead[-1] + "_chain_uniq", ahead[-1]])
        self.assertTrue(all(self.env.cr.fetchone()))

    def test_retention_drops_old_partitions_and_logs_it(self):
        self.env["ir.config_parameter"].set_param("workflow_audit.retention_months", 84)
        self.env.cr.execute("SELECT audit_log_create_partition('2012-03-15 00:00+00')")
        old = self.env.cr.fetchone()[0]
        self.env.cr.execute("SELECT audit_log_create_partition(now() - interval '83 months')")
        recent = self.env.cr.fetchone()[0]
        # an old entry (an INSERT is allowed; the chain fields are plausible)
        self.env.cr.execute(
            """INSERT INTO audit_log (created_at, model_name, record_id, action_type, chain_day, chain_slot,
                                      chain_seq, row_hash)
               VALUES ('2012-03-15 10:00+00', 'res.partner', 1, 'create', '2012-03-15', 0, 1, '\\x00')"""
        )
        dropped = self.env["audit.partition"]._job_retention()
        self.assertEqual(dropped, 1)
        names = self._partition_names()
        self.assertNotIn(old, names)
        self.assertIn(recent, names)
        log = self.Log.search([("model_name", "=", "audit.log"), ("action_type", "=", "delete")])
        self.assertEqual(len(log), 1)
        self.assertEqual(log.new_values["partition"], old)
        self.assertEqual(log.new_values["rows"], 1)
        self.assertEqual(log.new_values["from"], "2012-03-01T00:00:00")
        self.assertEqual(self.env["audit.partition"]._job_retention(), 0)

    def test_retention_respects_policy(self):
        self.env["ir.config_parameter"].set_param("workflow_audit.retention_months", 600)
        self.env.cr.execute("SELECT audit_log_create_partition('2012-03-15 00:00+00')")
        self.assertEqual(self.env["audit.partition"]._job_retention(), 0)

    def test_verification_accepts_retention_but_not_a_forged_one(self):
        partner = self.env["res.partner"].create({"name": "Kept"})
        self.commit_point()
        self.env["audit.chain"]._job_checkpoint()
        entry = self.entries(partner)
        # a forged "retention" entry meant to excuse the disappearance of recent chains
        hook = self.env["workflow.hook"]
        day = str(entry.chain_day)
        hook._audit_push(
            [
                [
                    "audit.log",
                    0,
                    "audit_log_pforged",
                    "delete",
                    None,
                    {"partition": "audit_log_pforged", "from": day + "T00:00:00", "to": day + "T23:59:59"},
                    ["partition"],
                    self.env.uid,
                    "Audit retention",
                    None,
                    None,
                    None,
                    None,
                    None,
                    self.env.company.id,
                ]
            ]
        )
        self.commit_point()
        result = self.env["audit.chain"].verify()
        self.assertFalse(result["ok"])
        self.assertIn("no signed retention record confirms", result["first_broken"]["reason"])
        self.assertEqual(self.env["audit.chain"]._retired_ranges(self._signed_lines()), [])
        # a genuine retention act of an old partition is signed, hence accepted
        self.env.cr.execute("SELECT audit_log_create_partition('2012-03-15 00:00+00')")
        self.env["audit.partition"]._job_retention()
        self.assertEqual(
            [r[:2] for r in self.env["audit.chain"]._retired_ranges(self._signed_lines())],
            [("2012-03-01", "2012-04-01")],
        )

    def _signed_lines(self):
        dbname = self.env.cr.dbname
        entries, errors = ckpt.read_checkpoints(ckpt.checkpoint_path(dbname), ckpt.hmac_key(), dbname)
        self.assertEqual(errors, [])
        return entries
