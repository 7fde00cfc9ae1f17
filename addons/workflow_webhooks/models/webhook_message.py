"""The outbox of outgoing webhooks and its delivery job.

A message row is written in the transaction that causes the event and is sent
only after that transaction commits, by ``_job_deliver`` (a Celery worker right
after the commit when ``workflow_automation.broker_url`` is set, ``ir.cron``
otherwise), as the alerts' outbox does:

1. claim: lock the due endpoints (``FOR UPDATE SKIP LOCKED``), take at most
   their free slots (one for an ordered endpoint, ``max_in_flight`` otherwise),
   set the messages ``sending`` and commit;
2. POST each message through ``workflow.http`` (the suite's SSRF guard), signed
   per Standard Webhooks with a fresh ``webhook-timestamp`` and the message's
   fixed ``webhook-id``;
3. record the attempt and the outcome and commit, before the next message.

A worker killed between 2 and 3 leaves the message ``sending``; the sweeper
puts it back after the lease and it is sent again with the same ``webhook-id``
(the at-least-once window: receivers drop a ``webhook-id`` they have seen).
Nothing else sends a message twice; a rolled-back transaction sends nothing.
"""

import logging
import random
import threading
import time
import uuid
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.workflow_automation.models.workflow_http import ALLOWED_HOSTS_PARAM
from odoo.addons.workflow_automation.tools.http_guard import OutgoingHttpRefused
from odoo.addons.workflow_automation.tools.jobs import job

from ..tools import signature

_logger = logging.getLogger(__name__)

STATUSES = [
    ("pending", "Waiting"),
    ("retry", "To Retry"),
    ("sending", "Sending"),
    ("succeeded", "Succeeded"),
    ("failed", "Failed"),
]
USER_AGENT = "Odoo-Workflow-Webhooks/1.0"
BATCH = 50
MAX_PARALLEL_RUNS = 4


class WebhookMessage(models.Model):
    _name = "workflow.webhook.message"
    _description = "Webhook Delivery"
    _order = "id desc"
    _rec_name = "msg_id"

    endpoint_id = fields.Many2one(
        "workflow.webhook.endpoint",
        "Subscription",
        required=True,
        ondelete="cascade",
        index=True,
        readonly=True,
    )
    msg_id = fields.Char(
        "Message ID", required=True, readonly=True, copy=False, default=lambda self: "msg_" + uuid.uuid4().hex
    )
    event_id = fields.Char("Event ID", readonly=True, index=True)
    event_type = fields.Char("Event Code", readonly=True, index=True)
    event_type_id = fields.Many2one(
        "workflow.webhook.event.type", "Event", readonly=True, ondelete="set null"
    )
    payload = fields.Text(readonly=True)
    status = fields.Selection(STATUSES, default="pending", required=True, readonly=True, index=True)
    attempt_count = fields.Integer("Attempts", readonly=True, default=0)
    next_attempt_at = fields.Datetime("Next Attempt", readonly=True)
    claimed_at = fields.Datetime(readonly=True)
    succeeded_at = fields.Datetime(readonly=True)
    last_status_code = fields.Integer("Last Response", readonly=True)
    last_error = fields.Text(readonly=True)
    attempt_ids = fields.One2many("workflow.webhook.attempt", "message_id", "Attempts Log", readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)

    _sql_constraints = [("msg_id_unique", "UNIQUE(msg_id)", "A webhook message id must be unique.")]

    def init(self):
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS workflow_webhook_message_due_idx
               ON workflow_webhook_message (endpoint_id, id) WHERE status IN ('pending', 'retry', 'sending')"""
        )

    # ------------------------------------------------------------------
    # after commit
    # ------------------------------------------------------------------
    @api.model
    def _enqueue_delivery_once(self):
        """Deliver after this transaction commits: one run, plus one per 50 messages (at most 4 in parallel).

        Each run chains the next while messages are due, so a big transaction keeps
        up to 4 Celery workers busy; without Celery the cron is woken once.
        """
        data = self.env.cr.postcommit.data
        count = data.get("workflow_webhooks.queued", 0)
        data["workflow_webhooks.queued"] = count + 1
        if not count:
            self._enqueue_delivery()
        elif count % BATCH == 0 and count // BATCH < MAX_PARALLEL_RUNS:
            self.env["workflow.job"]._enqueue_after_commit("workflow.webhook.message", "_job_deliver")

    @api.model
    def _enqueue_delivery(self):
        if not self.env["workflow.job"]._enqueue_after_commit("workflow.webhook.message", "_job_deliver"):
            cron = self.env.ref("workflow_webhooks.ir_cron_webhook_deliver", raise_if_not_found=False)
            if cron:
                cron.sudo()._trigger()

    @api.model
    def _auto_commit(self):
        return not self.env.registry.in_test_mode() and not getattr(
            threading.current_thread(), "testing", False
        )

    # ------------------------------------------------------------------
    # the delivery job
    # ------------------------------------------------------------------
    @api.model
    def _claim(self, limit, now):
        """Claim due messages within each endpoint's slots; returns their ids in order."""
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            """SELECT e.id, e.ordered, e.max_in_flight FROM workflow_webhook_endpoint e
                WHERE e.active AND EXISTS (
                      SELECT 1 FROM workflow_webhook_message m
                       WHERE m.endpoint_id = e.id AND m.status IN ('pending', 'retry')
                         AND (m.next_attempt_at IS NULL OR m.next_attempt_at <= %s))
                ORDER BY e.id FOR UPDATE OF e SKIP LOCKED""",
            (now,),
        )
        ids = []
        for endpoint_id, ordered, max_in_flight in cr.fetchall():
            if len(ids) >= limit:
                break
            if ordered:
                # the oldest unfinished message only, and only when it is due
                cr.execute(
                    """SELECT id, status, next_attempt_at FROM workflow_webhook_message
                        WHERE endpoint_id = %s AND status IN ('pending', 'retry', 'sending')
                        ORDER BY id LIMIT 1""",
                    (endpoint_id,),
                )
                row = cr.fetchone()
                if row and row[1] != "sending" and (row[2] is None or row[2] <= now):
                    ids.append(row[0])
                continue
            cr.execute(
                "SELECT count(*) FROM workflow_webhook_message WHERE endpoint_id = %s AND status = 'sending'",
                (endpoint_id,),
            )
            slots = min(max(max_in_flight or 1, 1) - cr.fetchone()[0], limit - len(ids))
            if slots <= 0:
                continue
            cr.execute(
                """SELECT id FROM workflow_webhook_message
                    WHERE endpoint_id = %s AND status IN ('pending', 'retry')
                      AND (next_attempt_at IS NULL OR next_attempt_at <= %s)
                    ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED""",
                (endpoint_id, now, slots),
            )
            ids.extend(row[0] for row in cr.fetchall())
        if not ids:
            return []
        cr.execute(
            """UPDATE workflow_webhook_message SET status = 'sending', claimed_at = %s,
                      attempt_count = COALESCE(attempt_count, 0) + 1
                WHERE id = ANY(%s) AND status IN ('pending', 'retry') RETURNING id""",
            (now, ids),
        )
        claimed = sorted(row[0] for row in cr.fetchall())
        self.invalidate_model(["status", "claimed_at", "attempt_count"])
        return claimed

    @job(batch_size=BATCH)
    def _job_deliver(self, limit=BATCH):
        """Claim, send and record one batch of due messages."""
        auto_commit = self._auto_commit()
        ids = self._claim(limit, fields.Datetime.now())
        if not ids:
            return 0
        if auto_commit:
            # the claim is visible to every worker before anything is sent
            self.env.cr.commit()  # pylint: disable=invalid-commit
        for message in self.browse(ids):
            if not message.endpoint_id.active:
                # disabled during this batch (410, failing for days): not sent, waits for re-enabling
                message.write(
                    {"status": "pending", "claimed_at": False, "attempt_count": message.attempt_count - 1}
                )
                continue
            try:
                message._deliver()
            except Exception as exc:  # recorded and retried, never lost
                _logger.exception("webhook message %s failed", message.id)
                message._record_attempt(None, "%s: %s" % (type(exc).__name__, exc), fields.Datetime.now())
            if auto_commit:
                # this message's outcome is durable before the next one is sent
                self.env.cr.commit()  # pylint: disable=invalid-commit
        if self._due_count(fields.Datetime.now()):
            self._enqueue_delivery()  # more are due (a full batch, or endpoints' slots): chain the next run
        return len(ids)

    @api.model
    def _due_count(self, now):
        return self.search_count(
            [
                ("status", "in", ("pending", "retry")),
                ("endpoint_id.active", "=", True),
                "|",
                ("next_attempt_at", "=", False),
                ("next_attempt_at", "<=", now),
            ],
            limit=1,
        )

    def _request_headers(self, now):
        self.ensure_one()
        headers = signature.headers(
            self.endpoint_id._signing_secrets(now), self.msg_id, int(time.time()), self.payload
        )
        headers.update({"Content-Type": "application/json", "User-Agent": USER_AGENT})
        return headers

    def _send(self, now):
        """POST this message once through the guard; returns ``(result, refusal)``."""
        self.ensure_one()
        endpoint = self.endpoint_id.sudo()
        try:
            result = self.env["workflow.http"]._post(
                endpoint.url,
                data=self.payload.encode(),
                headers=self._request_headers(now),
                timeout=endpoint.timeout,
                purpose=_("webhook %s", endpoint.name),
                param=ALLOWED_HOSTS_PARAM,
            )
        except OutgoingHttpRefused as exc:
            return None, exc.args[0]
        return result, None

    def _deliver(self, now=None):
        """Send this (claimed) message and record the outcome."""
        self.ensure_one()
        now = now or fields.Datetime.now()
        result, refusal = self._send(now)
        # a URL the guard refuses is a configuration error: not retried
        self._record_attempt(result, refusal, now, permanent=bool(refusal))

    def _record_attempt(self, result, error, now, permanent=False):
        """Log the attempt; success, retry on the schedule, or failure (410: the endpoint is disabled)."""
        self.ensure_one()
        endpoint = self.endpoint_id.sudo()
        attempt_vals = {
            "message_id": self.id,
            "endpoint_id": endpoint.id,
            "attempt": self.attempt_count,
            "sent_at": now,
            "url": endpoint.url,
            "company_id": self.company_id.id,
        }
        if result is not None:
            attempt_vals.update(
                status_code=result.status,
                response_excerpt=result.excerpt,
                duration_ms=int(result.duration * 1000),
                error=result.error or (result.describe() if not result.ok else False),
            )
        else:
            attempt_vals["error"] = error
        self.env["workflow.webhook.attempt"].sudo().create(attempt_vals)
        vals = {"last_status_code": result.status if result is not None else 0, "claimed_at": False}
        if result is not None and result.ok:
            vals.update(status="succeeded", succeeded_at=now, next_attempt_at=False, last_error=False)
            self.sudo().write(vals)
            endpoint._delivery_succeeded()
            return
        vals["last_error"] = attempt_vals["error"]
        if result is not None and result.status == 410:
            vals.update(status="failed", next_attempt_at=False)
            self.sudo().write(vals)
            endpoint._disable(_("The receiver answered 410 Gone: it no longer wants these events."))
            return
        retry_after = (
            signature.retry_after_seconds(result.headers.get("retry-after"), now.timestamp())
            if result is not None and result.status in (429, 503)
            else None
        )
        jitter = float(
            self.env["ir.config_parameter"].sudo().get_param("workflow_webhooks.retry_jitter", 0.1)
        )
        delay = None if permanent else signature.next_delay(self.attempt_count, retry_after, jitter, random)
        if delay is None:
            vals.update(status="failed", next_attempt_at=False)
        else:
            vals.update(status="retry", next_attempt_at=now + timedelta(seconds=delay))
        self.sudo().write(vals)
        endpoint._delivery_failed(now)

    @job(batch_size=500)
    def _job_sweep(self, limit=500):
        """Put back messages whose worker died while sending (sent again, same webhook-id)."""
        lease = int(
            self.env["ir.config_parameter"].sudo().get_param("workflow_webhooks.claim_lease_seconds", 300)
        )
        now = fields.Datetime.now()
        ids = self.env["workflow.job"]._lock_batch(
            "workflow_webhook_message",
            "status = 'sending' AND claimed_at < %s",
            (now - timedelta(seconds=lease),),
            limit,
        )
        if ids:
            self.browse(ids).write(
                {
                    "status": "retry",
                    "next_attempt_at": now,
                    "claimed_at": False,
                    "last_error": _("The sending worker did not finish within %s seconds.", lease),
                }
            )
        keep_days = int(self.env["ir.config_parameter"].sudo().get_param("workflow_webhooks.keep_days", 90))
        old = self.search(
            [
                ("status", "in", ("succeeded", "failed")),
                ("create_date", "<", now - timedelta(days=keep_days)),
            ],
            limit=limit,
        )
        old.unlink()  # the delivery log is kept keep_days days
        if ids or self._due_count(now):
            self._enqueue_delivery()
        return len(ids) + len(old)

    # ------------------------------------------------------------------
    # replay
    # ------------------------------------------------------------------
    def action_replay(self):
        """Send these messages again (same webhook-id, fresh retry schedule)."""
        self.check_access_rights("write")
        self.check_access_rule("write")
        busy = self.filtered(lambda m: m.status in ("sending",))
        if busy:
            raise UserError(_("%s is being sent right now; replay it once it is done.", busy[0].msg_id))
        if self.endpoint_id.filtered(lambda e: not e.active):
            raise UserError(_("Enable the subscription before replaying its deliveries."))
        self.sudo().write({"status": "pending", "next_attempt_at": False, "attempt_count": 0})
        self._enqueue_delivery()
        return True

    @api.model
    def _replay_failed(self, date_from, date_to, endpoints=None):
        """Replay every failed message created in ``[date_from, date_to]`` (of ``endpoints``)."""
        domain = [("status", "=", "failed"), ("create_date", ">=", date_from), ("create_date", "<=", date_to)]
        if endpoints:
            domain.append(("endpoint_id", "in", endpoints.ids))
        messages = self.search(domain)
        if messages:
            messages.action_replay()
        return messages


class WebhookAttempt(models.Model):
    _name = "workflow.webhook.attempt"
    _description = "Webhook Delivery Attempt"
    _order = "id desc"

    message_id = fields.Many2one(
        "workflow.webhook.message", "Delivery", required=True, ondelete="cascade", index=True
    )
    endpoint_id = fields.Many2one("workflow.webhook.endpoint", "Subscription", ondelete="cascade", index=True)
    attempt = fields.Integer()
    sent_at = fields.Datetime("Sent")
    url = fields.Char("URL")
    status_code = fields.Integer("Response")
    response_excerpt = fields.Text("Response Body")
    duration_ms = fields.Integer("Duration (ms)")
    error = fields.Text()
    company_id = fields.Many2one("res.company", required=True, index=True)


class WebhookReplayWizard(models.TransientModel):
    _name = "workflow.webhook.replay.wizard"
    _description = "Replay Failed Webhook Deliveries"

    endpoint_ids = fields.Many2many("workflow.webhook.endpoint", string="Subscriptions")
    date_from = fields.Datetime(
        "From", required=True, default=lambda self: fields.Datetime.now() - timedelta(days=1)
    )
    date_to = fields.Datetime("To", required=True, default=fields.Datetime.now)

    def action_replay(self):
        self.ensure_one()
        messages = self.env["workflow.webhook.message"]._replay_failed(
            self.date_from, self.date_to, self.endpoint_ids
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": _("%s failed deliveries queued again.", len(messages)),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
