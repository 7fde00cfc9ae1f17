"""Verification of the hash chains and signed checkpoints of the audit log."""

import logging
from datetime import datetime, timedelta

from odoo import _, api, models
from odoo.exceptions import AccessError, UserError

from odoo.addons.workflow_automation.tools import rpc_args
from odoo.addons.workflow_automation.tools.jobs import job

from ..tools import checkpoint as ckpt

_logger = logging.getLogger(__name__)

CHECKPOINT_LOCK = (1635083369, -2)
# every link of every chain: stored hash against the recomputed one, and the
# sequence number against its predecessor's (set-based, no fold needed)
LINK_CHECK_SQL = """
SELECT id, chain_day, chain_slot, chain_seq, reason FROM (
    SELECT a.id, a.chain_day, a.chain_slot, a.chain_seq,
           CASE
             WHEN a.chain_seq <> coalesce(lag(a.chain_seq) OVER w, 0) + 1 THEN 'sequence'
             WHEN a.row_hash IS DISTINCT FROM sha256(
                    coalesce(lag(a.row_hash) OVER w, audit_log_genesis(a.chain_day, a.chain_slot))
                    || audit_log_digest(a.id, a.created_at, a.model_name, a.record_id, a.record_name,
                         a.action_type, a.old_values, a.new_values, a.changed_fields, a.user_id,
                         a.user_name, a.ip_address, a.user_agent, a.session_id,
                         a.workflow_instance_id, a.approval_request_id, a.company_id,
                         a.chain_day, a.chain_slot, a.chain_seq)) THEN 'hash'
             WHEN a.chain_day <> (a.created_at AT TIME ZONE 'UTC')::date THEN 'day'
           END AS reason
      FROM audit_log a
     WHERE a.created_at >= %(date_from)s AND a.created_at < %(date_to)s
    WINDOW w AS (PARTITION BY a.chain_day, a.chain_slot ORDER BY a.chain_seq, a.id)
) s
WHERE reason IS NOT NULL
ORDER BY chain_day, chain_slot, chain_seq, id
LIMIT %(limit)s
"""
REASONS = {
    "sequence": "entries are missing before it or it was inserted (sequence number does not follow)",
    "hash": "its content or its link to the previous entry was altered (hash mismatch)",
    "day": "its date does not belong to its chain",
}


class AuditChain(models.AbstractModel):
    _name = "audit.chain"
    _description = "Audit Chain Verification and Checkpoints"

    # -- checkpoints ------------------------------------------------------------
    @api.model
    def _chain_heads(self, since_day=None):
        where, params = "", []
        if since_day:
            where, params = "WHERE created_at >= %s AND chain_day >= %s", [since_day, since_day]
        self.env.cr.execute(
            f"""SELECT DISTINCT ON (chain_day, chain_slot)
                       chain_day::text, chain_slot, chain_seq, encode(row_hash, 'hex')
                  FROM audit_log {where}
              ORDER BY chain_day, chain_slot, chain_seq DESC""",
            params,
        )
        return [list(row) for row in self.env.cr.fetchall()]

    @job(batch_size=1)
    def _job_checkpoint(self, limit=1):
        """Append a signed digest of the chain heads to the checkpoint file.

        Run every 10 minutes by its cron line, and as soon as the writers have
        added ``workflow_audit.checkpoint_rows`` entries (``_request_checkpoint``).
        """
        if not self._try_checkpoint_lock():
            return 0
        return self._sign_heads()

    @api.model
    def _try_checkpoint_lock(self):
        self.env.cr.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", CHECKPOINT_LOCK)
        return self.env.cr.fetchone()[0]

    @api.model
    def _sign_heads(self):
        """Sign the heads of the chains changed since the previous checkpoint.

        The rows visible to this transaction are signed: committed ones, plus
        the transaction's own entries already flushed (none for the cron job,
        which does not flush its buffer first; verification flushes and checks
        them before signing).
        """
        dbname = self.env.cr.dbname
        key = ckpt.hmac_key()
        path = ckpt.checkpoint_path(dbname)
        entries, _errors = ckpt.read_checkpoints(path, key, dbname)
        checkpoints = [e for e in entries if ckpt.kind(e) == "checkpoint"]
        since = None
        if checkpoints:
            # the previous day too: a transaction may commit a little after midnight
            since = (datetime.fromisoformat(checkpoints[-1]["at"]) - timedelta(days=1)).date().isoformat()
        self.env.cr.execute("SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')")
        at = self.env.cr.fetchone()[0]
        heads = self._chain_heads(since)
        line = ckpt.append_checkpoint(
            path, key, {"v": 1, "kind": "checkpoint", "db": dbname, "at": at, "since": since, "heads": heads}
        )
        _logger.info("audit checkpoint: %s chain heads signed into %s", len(heads), path)
        url, hosts = ckpt.endpoint()
        if url:
            try:
                ckpt.send_checkpoint(url, hosts, line)
            except (UserError, ckpt.CheckpointNotSent) as exc:
                # the file holds the checkpoint; the next line sent links to it through "prev"
                _logger.warning("audit checkpoint not sent to %s: %s", url, exc)
        return len(heads)

    # -- verification -------------------------------------------------------------
    @api.model
    def verify(self, date_from=None, date_to=None, limit=20):
        """Recompute the chains and compare them with the signed checkpoints.

        Returns ``{"ok", "rows", "chains", "checkpoints", "signed", "problems",
        "first_broken"}`` where each problem is ``{"id", "day", "slot", "seq",
        "reason"}`` (``id`` is False when the entry is missing; no None, for
        XML-RPC).  When the trail is intact, the current chain heads are signed
        into a new checkpoint (``signed``: how many; False when nothing was signed).
        Readable by auditors.
        """
        if not (self.env.su or self.env.user.has_group("workflow_audit.group_audit_auditor")):
            raise AccessError(_("Only auditors may verify the audit trail."))
        rpc_args.as_limit(limit, "verify: limit")
        for what, value in (("verify: date_from", date_from), ("verify: date_to", date_to)):
            rpc_args.as_date(value, what)
        cr = self.env.cr
        self.env["workflow.hook"]._audit_flush_buffer()
        date_from = date_from or "-infinity"
        date_to = date_to or "infinity"
        cr.execute(LINK_CHECK_SQL, {"date_from": date_from, "date_to": date_to, "limit": limit})
        problems = [
            {"id": rid, "day": str(day), "slot": slot, "seq": seq, "reason": REASONS[reason]}
            for rid, day, slot, seq, reason in cr.fetchall()
        ]
        cr.execute(
            """SELECT count(*), count(DISTINCT (chain_day, chain_slot)) FROM audit_log
                WHERE created_at >= %s AND created_at < %s""",
            [date_from, date_to],
        )
        rows, chains = cr.fetchone()
        checkpoint_problems, checked = self._verify_checkpoints(date_from, date_to)
        problems += checkpoint_problems
        problems.sort(key=lambda p: (p["day"], p["slot"] if p["slot"] is not False else -1, p["seq"] or 0))
        signed = False
        if not problems and self._try_checkpoint_lock():
            # what was just found intact is signed: deleting or rewriting it later is
            # detected, whenever the next checkpoint would have come
            signed = self._sign_heads()
        return {
            "ok": not problems,
            "rows": rows,
            "chains": chains,
            "checkpoints": checked,
            "signed": signed,
            "problems": problems[:limit],
            "first_broken": problems[0] if problems else False,
        }

    @api.model
    def _retired_ranges(self, entries):
        """``[(from day, to day, signed at)]`` of the partitions removed by retention.

        Only the signed ``retention`` lines of the checkpoint file count: rows of
        the database saying that a range was retired are not evidence, whoever
        wrote them.
        """
        return [
            (str(e["from"])[:10], str(e["to"])[:10], e["at"]) for e in entries if ckpt.kind(e) == "retention"
        ]

    @api.model
    def _unconfirmed_retention_entries(self, entries, date_from, date_to):
        """Retention entries of the log that no signed retention line confirms."""
        signed = {
            (e.get("partition"), str(e["from"]), str(e["to"])) for e in entries if ckpt.kind(e) == "retention"
        }
        self.env.cr.execute(
            """SELECT id, chain_day::text, chain_slot, chain_seq, new_values->>'partition',
                      new_values->>'from', new_values->>'to'
                 FROM audit_log
                WHERE model_name = 'audit.log' AND action_type = 'delete' AND new_values ? 'partition'
                  AND created_at >= %s AND created_at < %s""",
            [date_from, date_to],
        )
        return [
            {
                "id": rid,
                "day": day,
                "slot": slot,
                "seq": seq,
                "reason": _(
                    "a retention entry (partition %(partition)s) that no signed retention record confirms: "
                    "forged, or the checkpoint file was replaced",
                    partition=partition,
                ),
            }
            for rid, day, slot, seq, partition, frm, to in self.env.cr.fetchall()
            if (partition, frm, to) not in signed
        ]

    @api.model
    def _verify_checkpoints(self, date_from, date_to):
        cr = self.env.cr
        dbname = cr.dbname
        entries, errors = ckpt.read_checkpoints(ckpt.checkpoint_path(dbname), ckpt.hmac_key(), dbname)
        problems = [{"id": False, "day": "", "slot": False, "seq": False, "reason": err} for err in errors]
        retired = self._retired_ranges(entries)
        problems += self._unconfirmed_retention_entries(entries, date_from, date_to)
        checkpoints = [e for e in entries if ckpt.kind(e) == "checkpoint"]
        low = "0000" if date_from == "-infinity" else str(date_from)[:10]
        high = "9999" if date_to == "infinity" else str(date_to)[:10]
        expected = {}  # (day, slot) -> [(seq, hash, at)] in checkpoint order
        for entry in checkpoints:
            for day, slot, seq, digest in entry["heads"]:
                if low <= day < high:
                    expected.setdefault((day, slot), []).append((seq, digest, entry["at"]))
        problems += self._unknown_chains(checkpoints, expected, retired, low, high)
        if not expected:
            return problems, len(checkpoints)
        keys = sorted(expected)
        cr.execute(
            """SELECT c.day::text, c.slot, c.seq, encode(a.row_hash, 'hex'),
                      (SELECT max(b.chain_seq) FROM audit_log b
                        WHERE b.chain_day = c.day AND b.chain_slot = c.slot
                          AND b.created_at >= c.day::timestamp AT TIME ZONE 'UTC'
                          AND b.created_at < (c.day + 1)::timestamp AT TIME ZONE 'UTC')
                 FROM unnest(%s::date[], %s::smallint[], %s::bigint[]) AS c(day, slot, seq)
            LEFT JOIN audit_log a ON a.chain_day = c.day AND a.chain_slot = c.slot AND a.chain_seq = c.seq
                  AND a.created_at >= c.day::timestamp AT TIME ZONE 'UTC'
                  AND a.created_at < (c.day + 1)::timestamp AT TIME ZONE 'UTC'""",
            [
                [k[0] for k in keys for _i in expected[k]],
                [k[1] for k in keys for _i in expected[k]],
                [seq for k in keys for seq, _d, _a in expected[k]],
            ],
        )
        found = {(day, slot, seq): (digest, top) for day, slot, seq, digest, top in cr.fetchall()}
        for key in keys:
            day, slot = key
            if any(f <= day < t for f, t, _at in retired):
                continue
            last_ok = 0
            for seq, digest, at in sorted(expected[key]):
                actual, top = found.get((day, slot, seq), (None, None))
                if actual == digest:
                    last_ok = seq
                    continue
                if actual is None and top is None:
                    reason = _("the whole chain signed at %(at)s is missing", at=at)
                elif actual is None:
                    reason = _(
                        "entries %(first)s to %(seq)s signed at %(at)s were deleted",
                        first=top + 1,
                        seq=seq,
                        at=at,
                    )
                else:
                    reason = _(
                        "the chain was rewritten: entries %(first)s to %(seq)s "
                        "no longer match the checkpoint of %(at)s",
                        first=last_ok + 1,
                        seq=seq,
                        at=at,
                    )
                first = last_ok + 1 if actual is not None or top is None else top + 1
                cr.execute(
                    "SELECT id FROM audit_log WHERE chain_day = %s AND chain_slot = %s AND chain_seq = %s",
                    [day, slot, first],
                )
                row = cr.fetchone()
                problems.append(
                    {"id": row[0] if row else False, "day": day, "slot": slot, "seq": first, "reason": reason}
                )
                break
        return problems, len(checkpoints)

    @api.model
    def _unknown_chains(self, entries, expected, retired, low, high):
        """Chains of a day that had ended (by an hour) when a checkpoint covering
        that day was signed, yet absent from every checkpoint: forged wholesale;
        and chains of a day that a signed retention line says was removed."""
        covered = []  # (since, last closed day) of each checkpoint line
        for entry in entries:
            at = datetime.fromisoformat(entry["at"])
            covered.append(
                (entry.get("since") or "0000", (at - timedelta(days=1, hours=1)).date().isoformat())
            )
        if not covered and not retired:
            return []
        self.env.cr.execute(
            """SELECT DISTINCT ON (chain_day, chain_slot) chain_day::text, chain_slot, id
                 FROM audit_log WHERE chain_day >= %s AND chain_day < %s
             ORDER BY chain_day, chain_slot, chain_seq""",
            [low if low != "0000" else "0001-01-01", high if high != "9999" else "9999-12-31"],
        )
        problems = []
        for day, slot, rid in self.env.cr.fetchall():
            removed = [at for f, t, at in retired if f <= day < t]
            if removed:
                # the signed retention says this range is gone: entries there came afterwards
                problems.append(
                    {
                        "id": rid,
                        "day": day,
                        "slot": slot,
                        "seq": 1,
                        "reason": _(
                            "entries dated in a range removed by retention (signed at %(at)s): "
                            "inserted afterwards, or that retention did not complete",
                            at=removed[0],
                        ),
                    }
                )
            elif (day, slot) not in expected and any(since <= day <= closed for since, closed in covered):
                problems.append(
                    {
                        "id": rid,
                        "day": day,
                        "slot": slot,
                        "seq": 1,
                        "reason": _("this chain is in no checkpoint although its day had ended: inserted"),
                    }
                )
        return problems
