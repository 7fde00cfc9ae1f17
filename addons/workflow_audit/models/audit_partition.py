"""Upkeep of the monthly partitions of ``audit_log``: creation ahead of time
and retention (the only way audit data ever leaves the database)."""

import logging

from psycopg2 import sql

from odoo import api, models

from odoo.addons.workflow_automation.tools.jobs import job

from ..tools import checkpoint as ckpt

_logger = logging.getLogger(__name__)

PARTITION_LOCK = (1635083369, -3)


class AuditPartition(models.AbstractModel):
    _name = "audit.partition"
    _description = "Audit Log Partitions"

    @api.model
    def _param(self, key, default):
        value = self.env["ir.config_parameter"].sudo().get_param(f"workflow_audit.{key}")
        try:
            return max(0, int(value))
        except (TypeError, ValueError):
            return default

    @api.model
    def _partitions(self):
        """``[(name, from, to)]`` with bounds as ISO timestamps (UTC)."""
        self.env.cr.execute(
            """SELECT c.relname,
                      to_char(lower_b AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS'),
                      to_char(upper_b AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
                 FROM pg_inherits i
                 JOIN pg_class c ON c.oid = i.inhrelid,
              LATERAL (SELECT (regexp_match(pg_get_expr(c.relpartbound, c.oid),
                               'FROM \\(''([^'']+)''\\) TO \\(''([^'']+)''\\)')) AS m) b,
              LATERAL (SELECT b.m[1]::timestamptz AS lower_b, b.m[2]::timestamptz AS upper_b) t
                WHERE i.inhparent = 'audit_log'::regclass
             ORDER BY lower_b"""
        )
        return self.env.cr.fetchall()

    @job(batch_size=12)
    def _job_ensure_partitions(self, limit=12):
        """Create the partitions of the coming months; warn when the lead is short."""
        self.env.cr.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", PARTITION_LOCK)
        if not self.env.cr.fetchone()[0]:
            return 0
        lead = self._param("partition_lead_months", 3)
        warn = self._param("partition_warn_months", 1)
        self.env.cr.execute(
            """SELECT count(*) FROM generate_series(1, %s) AS m
                WHERE to_regclass('audit_log_p' || to_char(
                        (now() AT TIME ZONE 'UTC') + make_interval(months => m), 'YYYYMM')) IS NOT NULL""",
            [max(lead, warn)],
        )
        ahead = self.env.cr.fetchone()[0]
        if ahead < warn:
            _logger.warning(
                "audit_log has partitions for only %s month(s) ahead (at least %s wanted): "
                "creating them now; "
                "check that the partition job runs",
                ahead,
                warn,
            )
        self.env.cr.execute(
            """SELECT m, to_regclass('audit_log_p' || to_char((now() AT TIME ZONE 'UTC')
                                       + make_interval(months => m), 'YYYYMM')) IS NULL
                 FROM generate_series(0, %s) AS m""",
            [lead],
        )
        missing = [m for m, absent in self.env.cr.fetchall() if absent][:limit]
        for months in missing:
            self.env.cr.execute(
                "SELECT audit_log_create_partition(now() + make_interval(months => %s))", [months]
            )
        if missing:
            _logger.info("audit_log: created %s partition(s)", len(missing))
        return len(missing)

    @job(batch_size=3)
    def _job_retention(self, limit=3):
        """Drop whole partitions older than the retention policy, logging each drop.

        Each drop is logged twice: as an audit entry (for people) and as a signed
        ``retention`` line of the checkpoint file (for verification, which trusts
        only that one).  The policy is the database parameter, but never less than
        the floor configured outside the database, so whoever controls the
        database alone cannot have recent months dropped.
        """
        self.env.cr.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", PARTITION_LOCK)
        if not self.env.cr.fetchone()[0]:
            return 0
        months = self._param("retention_months", 84)
        if not months:
            return 0
        floor = ckpt.min_retention_months()
        if months < floor:
            _logger.warning(
                "audit retention: workflow_audit.retention_months is %s, below the floor of %s months "
                "configured outside the database (workflow_audit_min_retention_months): keeping %s",
                months,
                floor,
                floor,
            )
            months = floor
        self.env.cr.execute(
            """SELECT to_char(date_trunc('month', now() AT TIME ZONE 'UTC') - make_interval(months => %s),
                              'YYYY-MM-DD"T"HH24:MI:SS')""",
            [months],
        )
        cutoff = self.env.cr.fetchone()[0]
        expired = [p for p in self._partitions() if p[2] <= cutoff][:limit]
        hook = self.env["workflow.hook"]
        for name, date_from, date_to in expired:
            table = sql.Identifier(name)
            self.env.cr.execute(sql.SQL("SELECT count(*) FROM {}").format(table))
            count = self.env.cr.fetchone()[0]
            self.env.cr.execute(
                sql.SQL(
                    """SELECT DISTINCT ON (chain_day, chain_slot) chain_day::text, chain_slot, chain_seq,
                              encode(row_hash, 'hex')
                         FROM {} ORDER BY chain_day, chain_slot, chain_seq DESC"""
                ).format(table)
            )
            heads = [list(row) for row in self.env.cr.fetchall()]
            self.env.cr.execute(sql.SQL("ALTER TABLE audit_log DETACH PARTITION {}").format(table))
            self.env.cr.execute(sql.SQL("DROP TABLE {}").format(table))
            self._sign_retention(name, date_from, date_to, count, months, heads)
            values = {
                "partition": name,
                "from": date_from,
                "to": date_to,
                "rows": count,
                "retention_months": months,
                "chain_heads": heads,
            }
            hook._audit_push(
                [
                    [
                        "audit.log",
                        0,
                        name,
                        "delete",
                        None,
                        values,
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
            hook._audit_flush_buffer()
            _logger.info(
                "audit retention: dropped partition %s (%s rows, %s to %s)", name, count, date_from, date_to
            )
        return len(expired)

    @api.model
    def _sign_retention(self, name, date_from, date_to, count, months, heads):
        """Append the signed record of a dropped partition to the checkpoint file.

        Written inside the dropping transaction, before COMMIT: should that
        transaction fail afterwards, the partition is still there and
        verification reports its entries as lying in a retired range (an alarm to
        look at, never a silent gap).
        """
        dbname = self.env.cr.dbname
        self.env.cr.execute("SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')")
        at = self.env.cr.fetchone()[0]
        return ckpt.append_checkpoint(
            ckpt.checkpoint_path(dbname),
            ckpt.hmac_key(),
            {
                "v": 1,
                "kind": "retention",
                "db": dbname,
                "at": at,
                "partition": name,
                "from": date_from,
                "to": date_to,
                "rows": count,
                "retention_months": months,
                "heads": heads,
            },
        )
