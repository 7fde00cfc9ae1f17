"""Atomic throttling counters shared by every worker.

Two kinds of counter per rule:

* ``cd:<dedup key>`` — cooldown: acquired only if absent or expired;
* ``day:<YYYY-MM-DD>`` — alerts raised by the rule that UTC day (daily cap).

PostgreSQL (default): ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` on
this table; the row lock taken by the upsert serialises concurrent workers
until commit, and a rollback undoes the counter with everything else.

Redis (when ``workflow_alerts.redis_url`` is set): ``SET NX PX`` and
``INCRBY``; a rollback of the raising transaction is compensated by a
post-rollback callback (a crash between the two leaves the counter high by
that batch, which errs on the side of fewer alerts).
"""

import logging
import os
from datetime import timedelta

from odoo import api, fields, models

_logger = logging.getLogger(__name__)


class AlertThrottle(models.Model):
    _name = "alert.throttle"
    _description = "Alert Throttle Counter"
    _log_access = False

    rule_id = fields.Many2one("alert.rule", required=True, ondelete="cascade", index=True)
    key = fields.Char(required=True)
    count = fields.Integer()
    expires_at = fields.Datetime(required=True, index=True)

    _sql_constraints = [("rule_key_unique", "UNIQUE(rule_id, key)", "One counter per rule and key.")]

    # -- backend ---------------------------------------------------------------
    @api.model
    def _redis(self):
        url = self.env["ir.config_parameter"].sudo().get_param("workflow_alerts.redis_url") or os.environ.get(
            "WORKFLOW_ALERTS_REDIS_URL"
        )
        if not url:
            return None
        import redis  # pylint: disable=import-outside-toplevel

        return redis.Redis.from_url(url, socket_timeout=2)

    @api.model
    def _redis_key(self, rule, key):
        return "wfa:alerts:%s:%s:%s" % (self.env.cr.dbname, rule.id, key)

    # -- cooldown ----------------------------------------------------------------
    @api.model
    def _acquire_cooldown(self, rule, dedup_keys):
        """Return the subset of ``dedup_keys`` not in cooldown, and start their cooldown."""
        if not dedup_keys:
            return set()
        client = self._redis()
        if client is not None:
            ms = rule.cooldown_minutes * 60000
            pipe = client.pipeline(transaction=False)
            for key in dedup_keys:
                pipe.set(self._redis_key(rule, "cd:" + key), 1, nx=True, px=ms)
            acquired = {key for key, ok in zip(dedup_keys, pipe.execute(), strict=True) if ok}
            redis_keys = [self._redis_key(rule, "cd:" + key) for key in acquired]
            if redis_keys:
                self.env.cr.postrollback.add(lambda: client.delete(*redis_keys))
            return acquired
        now = fields.Datetime.now()
        until = now + timedelta(minutes=rule.cooldown_minutes)
        self.env.cr.execute(
            """INSERT INTO alert_throttle (rule_id, key, count, expires_at)
               SELECT %s, 'cd:' || k, 1, %s FROM unnest(%s::varchar[]) AS k
               ON CONFLICT (rule_id, key) DO UPDATE
                  SET expires_at = EXCLUDED.expires_at, count = alert_throttle.count + 1
                WHERE alert_throttle.expires_at <= %s
               RETURNING substr(key, 4)""",
            (rule.id, until, list(dedup_keys), now),
        )
        return {row[0] for row in self.env.cr.fetchall()}

    @api.model
    def _release_cooldown(self, rule, dedup_keys):
        if not dedup_keys:
            return
        client = self._redis()
        if client is not None:
            client.delete(*[self._redis_key(rule, "cd:" + key) for key in dedup_keys])
            return
        self.env.cr.execute(
            "DELETE FROM alert_throttle WHERE rule_id = %s AND key = ANY(%s)",
            (rule.id, ["cd:" + key for key in dedup_keys]),
        )

    # -- daily cap ----------------------------------------------------------------
    @api.model
    def _acquire_daily(self, rule, wanted):
        """Reserve up to ``wanted`` alerts of today's cap and return how many were granted."""
        cap = rule.max_alerts_per_day
        now = fields.Datetime.now()
        key = "day:%s" % now.date().isoformat()
        client = self._redis()
        if client is not None:
            rkey = self._redis_key(rule, key)
            total = client.incrby(rkey, wanted)
            client.expire(rkey, 2 * 86400)
            granted = max(0, min(wanted, cap - (total - wanted)))
            if granted < wanted:
                client.decrby(rkey, wanted - granted)
            if granted:
                self.env.cr.postrollback.add(lambda: client.decrby(rkey, granted))
            return granted
        self.env.cr.execute(
            """INSERT INTO alert_throttle (rule_id, key, count, expires_at) VALUES (%s, %s, %s, %s)
               ON CONFLICT (rule_id, key) DO UPDATE SET count = alert_throttle.count + EXCLUDED.count
               RETURNING count""",
            (rule.id, key, wanted, now + timedelta(days=2)),
        )
        total = self.env.cr.fetchone()[0]
        granted = max(0, min(wanted, cap - (total - wanted)))
        if granted < wanted:
            self.env.cr.execute(
                "UPDATE alert_throttle SET count = count - %s WHERE rule_id = %s AND key = %s",
                (wanted - granted, rule.id, key),
            )
        return granted

    @api.model
    def _used_today(self, rule):
        key = "day:%s" % fields.Datetime.now().date().isoformat()
        client = self._redis()
        if client is not None:
            return int(client.get(self._redis_key(rule, key)) or 0)
        self.env.cr.execute(
            "SELECT count FROM alert_throttle WHERE rule_id = %s AND key = %s", (rule.id, key)
        )
        row = self.env.cr.fetchone()
        return row[0] if row else 0

    @api.model
    def _purge(self):
        self.env.cr.execute("DELETE FROM alert_throttle WHERE expires_at < %s", (fields.Datetime.now(),))
        return self.env.cr.rowcount
