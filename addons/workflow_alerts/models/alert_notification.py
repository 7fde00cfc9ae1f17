"""The outbox of alert notifications.

A notification row is written in the transaction that raises (or escalates)
the alert and is sent only after that transaction commits, by the
``_job_deliver`` job (a Celery worker right after the commit, ``ir.cron``
otherwise).  Sending is claimed row by row:

1. ``UPDATE ... SET status='sending', claimed_at=now() WHERE status IN
   ('pending','retry') ... FOR UPDATE SKIP LOCKED RETURNING id`` and commit:
   no other worker picks the row up any more;
2. in-app and email notifications of the batch as a set, in one savepoint: the
   bus rows by one INSERT, the emails (``Message-Id`` = idempotency key) by one
   ``create``, the statuses by one UPDATE, then one commit.  When that savepoint
   fails, each notification is delivered again alone in its own savepoint, so a
   bad one is recorded for retry without blocking or duplicating the others;
3. SMS / push, one after the other: the HTTP post (``Idempotency-Key`` header),
   then ``sent``/``delivered`` or the error (retry with backoff, ``failed``
   after the last attempt) recorded and committed before the next post;
4. the emails handed over in step 2 were created with a lease: ``scheduled_date``
   = hand-over + ``workflow_alerts.claim_lease_seconds``, so Odoo's mail-queue
   cron does not take them meanwhile.  The worker sends them itself, one SMTP
   connection per batch, committing each email's ``sent`` (or error) before the
   next, and starts none after half the lease.  What it leaves (it died, the
   SMTP connection broke) is sent by the mail-queue cron once the lease has
   passed (the sweeper wakes it).

A worker that dies after the claim leaves its unfinished rows in ``sending``;
the sweeper puts them back to ``retry`` after the lease
(``workflow_alerts.claim_lease_seconds``).  For the one SMS / push posted but not
yet recorded, that window is at-least-once: the gateway receives the same
idempotency key twice and is expected to drop the second request.  Likewise the
one email in flight when its worker died or its SMTP connection broke may be
sent again by the mail queue after the lease, with the same ``Message-Id`` (the
idempotency key) for the receiver to drop.  Everything else is exactly once
(in-app and email rows are committed with their status).
"""

import logging
import smtplib
import time
import uuid
from datetime import timedelta

from markupsafe import Markup, escape

from odoo import _, api, fields, models

from odoo.addons.workflow_automation.tools.http_guard import OutgoingHttpRefused
from odoo.addons.workflow_automation.tools.jobs import job

from .alert_rule import CHANNELS, SEVERITIES

_logger = logging.getLogger(__name__)

SENT_STATES = ("sent", "delivered")
BUS_TYPES = {"info": "info", "warning": "warning", "critical": "danger", "urgent": "danger"}
DIGEST_LINES = 200
TRANSACTIONAL_CHANNELS = ("in_app", "email")


class DeliveryError(Exception):
    """A delivery attempt failed; ``permanent`` errors are not retried.  ``code`` says what
    went wrong in a word the notification log turns into a sentence (see ERROR_CODES)."""

    def __init__(self, message, permanent=False, code="internal"):
        super().__init__(message)
        self.permanent = permanent
        self.code = code


def error_sentence(code, channel_label):
    """The sentence a user reads for an error ``code``: ``http:<status>``, ``smtp:<mail
    failure type>`` or one of the words raised by the delivery job."""
    kind, _sep, detail = (code or "").partition(":")
    if kind == "http":
        status = int(detail) if detail.isdigit() else 0
        if status in (401, 403):
            return _(
                "The %(channel)s gateway refused our credentials (HTTP %(code)s): check the gateway's token.",
                channel=channel_label,
                code=status,
            )
        if status == 404:
            return _("The %s gateway's address was not found (HTTP 404): check its URL.", channel_label)
        if status == 408 or status == 504:
            return _("The %s gateway took too long to answer; the message will be sent again.", channel_label)
        if status == 429:
            return _(
                "The %s gateway is limiting how many messages we send; it will be sent again later.",
                channel_label,
            )
        if status >= 500:
            return _(
                "The %(channel)s gateway had a problem of its own (HTTP %(code)s); the message will be sent again.",
                channel=channel_label,
                code=status,
            )
        return _(
            "The %(channel)s gateway refused the message (HTTP %(code)s): the recipient's number or the "
            "message may be invalid.",
            channel=channel_label,
            code=status,
        )
    if kind == "smtp":
        if detail in ("mail_email_invalid", "mail_email_missing"):
            return _("The recipient's email address is missing or invalid.")
        if detail in ("mail_from_invalid", "mail_from_missing"):
            return _(
                "The sender address of alert emails is missing or refused: check the outgoing email settings."
            )
        return _("The mail server could not send the email (refused or unreachable).")
    sentences = {
        "no_address": _("The recipient has no address for %s: add it on their contact.", channel_label),
        "no_gateway": _(
            "No %s gateway is set up: an administrator adds one under Inventory > Alerts > SMS / Push Gateways.",
            channel_label,
        ),
        "host_blocked": _("The %s gateway's address is not in the list of allowed hosts.", channel_label),
        "timeout": _("The %s gateway did not answer in time; the message will be sent again.", channel_label),
        "unreachable": _(
            "The %s gateway could not be reached (network or address problem); the message will be sent again.",
            channel_label,
        ),
        "worker_lost": _("Sending was interrupted before it finished; the message will be sent again."),
        "mail_deleted": _("The email was deleted before it was sent; it will be prepared again."),
    }
    return sentences.get(kind) or _(
        "An unexpected error stopped the sending; an administrator can read the details."
    )


class AlertNotification(models.Model):
    _name = "alert.notification"
    _description = "Alert Notification"
    _order = "id desc"
    _rec_name = "subject"

    alert_id = fields.Many2one("alert.instance", ondelete="cascade", index=True, readonly=True)
    alert_ids = fields.Many2many(
        "alert.instance",
        "alert_notification_alert_rel",
        "notification_id",
        "alert_id",
        "Alerts in Digest",
        readonly=True,
    )
    is_digest = fields.Boolean("Digest", readonly=True)
    is_escalation = fields.Boolean("Escalation", readonly=True)
    rule_id = fields.Many2one("alert.rule", ondelete="cascade", index=True, readonly=True)
    severity = fields.Selection(related="alert_id.severity")
    channel = fields.Selection(CHANNELS, required=True, readonly=True)
    recipient_id = fields.Many2one("res.users", index=True, readonly=True)
    recipient_address = fields.Char(readonly=True, help="Email address, phone number or push target.")
    subject = fields.Char(readonly=True)
    body = fields.Text(readonly=True)
    status = fields.Selection(
        [
            ("pending", "Pending"),
            ("retry", "To Retry"),
            ("sending", "Sending"),
            ("queued", "In Mail Queue"),
            ("sent", "Sent"),
            ("delivered", "Delivered"),
            ("failed", "Failed"),
        ],
        default="pending",
        required=True,
        readonly=True,
        index=True,
    )
    attempt_count = fields.Integer("Attempts", readonly=True, default=0)
    next_attempt_at = fields.Datetime(readonly=True)
    claimed_at = fields.Datetime(readonly=True)
    sent_at = fields.Datetime(readonly=True)
    delivered_at = fields.Datetime(readonly=True)
    error_message = fields.Text("Technical Details", readonly=True)
    error_code = fields.Char(readonly=True, help="What went wrong, as a code: http:503, smtp:..., timeout...")
    error_summary = fields.Char("Error", compute="_compute_error_summary")
    idempotency_key = fields.Char(
        required=True, readonly=True, copy=False, default=lambda self: uuid.uuid4().hex
    )
    mail_id = fields.Many2one(
        "mail.mail", "Email", ondelete="set null", readonly=True, index="btree_not_null"
    )
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)

    _sql_constraints = [
        ("idempotency_key_unique", "UNIQUE(idempotency_key)", "The idempotency key must be unique."),
    ]

    @api.depends("error_code", "error_message", "channel")
    def _compute_error_summary(self):
        labels = dict(self._fields["channel"]._description_selection(self.env))
        for notification in self:
            if notification.error_message or notification.error_code:
                notification.error_summary = error_sentence(
                    notification.error_code, labels.get(notification.channel, notification.channel or "")
                )
            else:
                notification.error_summary = False

    def init(self):
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS alert_notification_due_idx
               ON alert_notification (next_attempt_at, id) WHERE status IN ('pending', 'retry')"""
        )
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS alert_notification_claimed_idx ON alert_notification (claimed_at)
               WHERE status = 'sending'"""
        )

    # ------------------------------------------------------------------
    # outbox
    # ------------------------------------------------------------------
    @api.model
    def _queue_for_alerts(self, alerts, recipients_by_alert, escalation=False, digest=False):
        """Write the notifications of ``alerts`` (one rule) and ask for delivery after commit.

        More alerts than the rule's digest threshold: one digest per recipient and channel.
        """
        if not alerts:
            return self.browse()
        rule = alerts[0].rule_id
        channels = rule._channels()
        vals_list = []
        threshold = rule.digest_threshold
        if digest or (threshold and len(alerts) > threshold):
            by_user = {}
            for alert in alerts:
                for user in recipients_by_alert.get(alert.id, ()):
                    by_user.setdefault(user, []).append(alert)
            for user, user_alerts in by_user.items():
                subject, body = self._digest_text(rule, user_alerts, escalation)
                for channel in channels:
                    vals = self._vals(rule, user, channel, subject, body, escalation)
                    vals.update(is_digest=True, alert_ids=[(6, 0, [a.id for a in user_alerts])])
                    vals_list.append(vals)
        else:
            for alert in alerts:
                prefix = _("[Escalated] ") if escalation else ""
                subject = "%s[%s] %s" % (prefix, dict(SEVERITIES)[alert.severity], alert.title)
                for user in recipients_by_alert.get(alert.id, ()):
                    for channel in channels:
                        vals = self._vals(rule, user, channel, subject, alert.message, escalation)
                        vals["alert_id"] = alert.id
                        vals_list.append(vals)
        notifications = self.sudo().create(vals_list)
        pending = len(notifications.filtered(lambda n: n.status == "pending"))
        if pending:
            # one delivery run per batch of 100, at most 4 in parallel; full batches chain the next
            self._enqueue_delivery(min(4, -(-pending // 100)))
        return notifications

    @api.model
    def _vals(self, rule, user, channel, subject, body, escalation):
        address = self._address(user, channel)
        vals = {
            "rule_id": rule.id,
            "channel": channel,
            "recipient_id": user.id,
            "recipient_address": address,
            "subject": subject,
            "body": body,
            "is_escalation": escalation,
            "company_id": rule.company_id.id,
        }
        if not address:
            vals.update(
                status="failed",
                error_message=_("%(user)s has no address for %(channel)s.", user=user.name, channel=channel),
                error_code="no_address",
            )
        return vals

    @api.model
    def _address(self, user, channel):
        if channel == "email":
            return user.email or False
        if channel == "sms":
            return user.partner_id.mobile or user.partner_id.phone or False
        if channel == "push":
            return "user:%s" % user.id
        return "partner:%s" % user.partner_id.id

    @api.model
    def _digest_text(self, rule, alerts, escalation):
        subject = _("%(count)s alerts: %(rule)s", count=len(alerts), rule=rule.name)
        if escalation:
            subject = _("[Escalated] ") + subject
        lines = ["- %s" % alert.title for alert in alerts[:DIGEST_LINES]]
        if len(alerts) > DIGEST_LINES:
            lines.append(_("... and %s more.", len(alerts) - DIGEST_LINES))
        return subject, "\n".join(lines)

    @api.model
    def _enqueue_delivery(self, runs=1):
        """Deliver right after commit: Celery when a broker is configured, else wake the cron."""
        enqueued = False
        for _run in range(runs):
            enqueued = self.env["workflow.job"]._enqueue_after_commit("alert.notification", "_job_deliver")
        if not enqueued:
            cron = self.env.ref("workflow_alerts.ir_cron_alert_deliver", raise_if_not_found=False)
            if cron:
                cron.sudo()._trigger()

    # ------------------------------------------------------------------
    # delivery job
    # ------------------------------------------------------------------
    @api.model
    def _auto_commit(self):
        # as mail.mail.process_email_queue: commit between steps, except in tests
        return not self.env.registry.in_test_mode() and not getattr(
            __import__("threading").current_thread(), "testing", False
        )

    @job(batch_size=100)
    def _job_deliver(self, limit=100):
        """Claim, send and record one batch of due notifications."""
        auto_commit = self._auto_commit()
        now = fields.Datetime.now()
        self.env.flush_all()
        self.env.cr.execute(
            """UPDATE alert_notification SET status = 'sending', claimed_at = %s,
                      attempt_count = COALESCE(attempt_count, 0) + 1
                WHERE id IN (SELECT id FROM alert_notification
                              WHERE status IN ('pending', 'retry')
                                AND (next_attempt_at IS NULL OR next_attempt_at <= %s)
                              ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED)
                  AND status IN ('pending', 'retry')
            RETURNING id""",
            (now, now, limit),
        )
        ids = sorted(row[0] for row in self.env.cr.fetchall())
        if not ids:
            return 0
        self.invalidate_model(["status", "claimed_at", "attempt_count"])
        if auto_commit:
            # the claim must be visible to every worker before anything leaves the building
            self.env.cr.commit()  # pylint: disable=invalid-commit
        notifications = self.browse(ids)
        # in-app and email hand-over are rows of this transaction: exactly once, set-based, one commit
        local = notifications.filtered(lambda n: n.channel in TRANSACTIONAL_CHANNELS)
        # the emails handed over here are leased to this worker (scheduled after the lease): the
        # mail-queue cron leaves them alone until then, and sends them only if this worker does not
        lease = self._email_lease_seconds()
        deadline = time.monotonic() + lease / 2
        leased_mails = local.with_context(wfa_email_lease=lease)._deliver_local()
        if auto_commit:
            self.env.cr.commit()  # pylint: disable=invalid-commit
        # HTTP gateways are outside effects: the outcome of each is committed before the next is sent
        external = notifications - local
        requests = external._http_requests()  # read once: each commit empties the ORM cache
        for notification in external:
            try:
                status = notification._send_http(requests[notification.id])
                self._record_batch_success({notification.id: (status, None)})
            except DeliveryError as exc:
                notification._record_failure(str(exc), exc.permanent, exc.code)
            except Exception as exc:  # anything else is recorded and retried, never lost
                _logger.exception("alert notification %s failed", notification.id)
                notification._record_failure("%s: %s" % (type(exc).__name__, exc), False, "internal")
            if auto_commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
        if leased_mails:
            self._send_leased_emails(leased_mails, deadline, auto_commit)
        if len(ids) >= limit:
            self._enqueue_delivery()  # more may be waiting: chain the next batch
        return len(ids)

    def _deliver_local(self):
        """Deliver claimed in-app and email notifications as a set; return the emails (``mail.mail``)
        handed over and leased to this worker, to be sent by ``_send_leased_emails`` after commit.

        One savepoint for the batch: the emails created by one ``create``, the bus messages by one
        INSERT, the statuses by one UPDATE.  When anything in it fails, the savepoint is rolled
        back (nothing of the batch stays) and each notification is delivered alone in its own
        savepoint, so a bad one is recorded for retry and never blocks or duplicates the others.
        """
        if not self:
            return self.env["mail.mail"]
        try:
            with self.env.cr.savepoint():
                return self._deliver_local_set()
        except Exception:  # the batch failed as a whole: find the culprit one by one
            _logger.warning(
                "alert notifications %s: the batch failed, delivering one by one", self.ids, exc_info=True
            )
        queued = self.env["mail.mail"]
        for notification in self:
            try:
                with self.env.cr.savepoint():
                    queued |= notification._deliver_local_set()
            except DeliveryError as exc:
                notification._record_failure(str(exc), exc.permanent, exc.code)
            except Exception as exc:  # recorded and retried, never lost
                _logger.exception("alert notification %s failed", notification.id)
                notification._record_failure("%s: %s" % (type(exc).__name__, exc), False, "internal")
        return queued

    def _deliver_local_set(self):
        """The bus messages, the emails and the statuses of in-app/email notifications ``self``,
        written as sets (raises on the first failure; the caller's savepoint undoes it all).
        Returns the emails leased to this worker."""
        in_app = self.filtered(lambda n: n.channel == "in_app")
        emails = self - in_app
        if in_app:
            self.env["bus.bus"].sudo()._sendmany(in_app._bus_messages())
        # status per notification (and the email created for it); failures of single notifications
        outcome = dict.fromkeys(in_app.ids, ("sent", None))
        leased = self.env["mail.mail"]
        if emails:
            email_outcome, leased = emails._queue_emails()
            outcome.update(email_outcome)
        self._record_batch_success(outcome)
        return leased

    def _bus_messages(self):
        messages = []
        for notification in self:
            severity = notification.alert_id.severity or (
                "critical" if notification.is_escalation else "warning"
            )
            messages.append(
                [
                    notification.recipient_id.partner_id,
                    "simple_notification",
                    {
                        "title": notification.subject,
                        "message": notification.body or "",
                        "sticky": severity in ("critical", "urgent"),
                        "type": BUS_TYPES.get(severity, "warning"),
                    },
                ]
            )
        return messages

    def _queue_emails(self):
        """Hand the emails of ``self`` to Odoo's mail queue, each once (Message-Id = idempotency key),
        leased to this worker: scheduled ``wfa_email_lease`` seconds ahead (context; none: now).

        Returns ``({notification id: (status, new mail id or None)}, leased mail.mail)``.  The
        emails not made yet are created by one ``create``; one that failed in an earlier attempt
        is put back in the queue under a new lease; one still waiting in the queue (its lease, if
        any, belongs to another attempt) is left to the mail queue.
        """
        outcome = {}
        lease = self.env.context.get("wfa_email_lease")
        scheduled = (
            fields.Datetime.to_string(fields.Datetime.now() + timedelta(seconds=lease)) if lease else False
        )
        leased = self.env["mail.mail"].sudo()
        again = self.filtered("mail_id")
        for notification in again:
            mail = notification.mail_id.sudo()
            if mail.state in ("exception", "cancel"):
                mail.write({"state": "outgoing", "scheduled_date": scheduled})
                leased |= mail
            outcome[notification.id] = ("sent" if mail.state == "sent" else "queued", None)
        new = self - again
        if new:
            email_from = self._email_from()
            mails = (
                self.env["mail.mail"]
                .sudo()
                .create(
                    [
                        {
                            "subject": notification.subject,
                            "body_html": Markup("<p>%s</p>")
                            % Markup("<br/>").join(
                                escape(line) for line in (notification.body or "").split("\n")
                            ),
                            "email_to": notification.recipient_address,
                            "email_from": email_from.get(notification.company_id) or False,
                            "message_id": notification._message_id(),
                            "auto_delete": False,
                            "scheduled_date": scheduled,
                        }
                        for notification in new
                    ]
                )
            )
            for notification, mail in zip(new, mails, strict=True):
                outcome[notification.id] = ("queued", mail.id)
            leased |= mails
        return outcome, (leased if lease else leased.browse())

    @api.model
    def _email_lease_seconds(self):
        """How long the mail queue leaves the emails handed over by a delivery run to that run."""
        params = self.env["ir.config_parameter"].sudo()
        return int(params.get_param("workflow_alerts.claim_lease_seconds", 300))

    @api.model
    def _send_leased_emails(self, mails, deadline, auto_commit):
        """Send ``mails`` (handed over and committed by this run, leased to it) from this worker,
        one SMTP connection per mail server, as ``mail.mail.send`` does; each email's outcome is
        committed before the next is sent (``_send`` with ``auto_commit``), and recorded on its
        notification by the ``_postprocess_sent_message`` hook.

        The mail-queue cron takes an email only once its lease (``scheduled_date``) has passed; this
        worker stops starting emails at half the lease (``deadline``, monotonic clock), so the two
        never send the same email.  Whatever this worker does not send (it died, the SMTP
        connection broke, the deadline came) stays ``outgoing`` and the cron sends it after the
        lease: at-least-once only for the one email in flight when the worker died or the
        connection broke, with the same Message-Id (the idempotency key) for the receiver to drop.
        """
        mails = mails.sudo().exists()
        if not mails:
            return 0
        sent = 0
        for server_id, alias_domain_id, smtp_from, batch_ids in mails._split_by_mail_configuration():
            try:
                session = self.env["ir.mail_server"].connect(mail_server_id=server_id, smtp_from=smtp_from)
            except Exception as exc:  # the mail queue will try again after the lease
                _logger.warning(
                    "alert emails %s: no SMTP connection (%s), left to the mail queue", batch_ids, exc
                )
                continue
            try:
                for mail in mails.browse(batch_ids):
                    if time.monotonic() > deadline:
                        _logger.warning("alert emails: lease half gone, the rest is left to the mail queue")
                        return sent
                    try:
                        if auto_commit:
                            mail._send(
                                auto_commit=True, smtp_session=session, alias_domain_id=alias_domain_id
                            )
                        else:
                            with self.env.cr.savepoint():
                                mail._send(smtp_session=session, alias_domain_id=alias_domain_id)
                    except (smtplib.SMTPException, OSError) as exc:
                        # the connection is unusable: this email (perhaps received) and the rest of
                        # the batch stay leased and go to the mail queue after the lease
                        if auto_commit:
                            self.env.cr.rollback()  # pylint: disable=invalid-commit
                        _logger.warning(
                            "alert emails: SMTP connection lost at mail %s (%s); the rest is left to "
                            "the mail queue after the lease",
                            mail.id,
                            exc,
                        )
                        break
                    sent += 1
            finally:
                if session:
                    try:
                        session.quit()
                    except (smtplib.SMTPException, OSError) as exc:
                        _logger.debug("alert emails: SMTP QUIT failed (%s)", exc)
        return sent

    def _email_from(self):
        """The sender of the alert emails of ``self``, per company."""
        param = self.env["ir.config_parameter"].sudo().get_param("workflow_alerts.email_from")
        return {
            company: param or company.email_formatted or self.env.company.email_formatted
            for company in self.company_id
        }

    def _record_batch_success(self, outcome):
        """One UPDATE for ``{id: (status, mail id or None)}``: status, sent time, email, no error."""
        if not outcome:
            return
        ids = list(outcome)
        now = fields.Datetime.now()
        self.env.flush_all()
        self.env.cr.execute(
            """UPDATE alert_notification n
                  SET status = v.status, mail_id = COALESCE(v.mail_id, n.mail_id),
                      sent_at = CASE WHEN v.status IN %s THEN %s ELSE n.sent_at END,
                      delivered_at = CASE WHEN v.status = 'delivered' THEN %s ELSE n.delivered_at END,
                      error_message = NULL, error_code = NULL, next_attempt_at = NULL,
                      write_uid = %s, write_date = %s
                 FROM unnest(%s::int[], %s::varchar[], %s::int[]) AS v(id, status, mail_id)
                WHERE n.id = v.id""",
            (
                SENT_STATES,
                now,
                now,
                self.env.uid,
                now,
                ids,
                [outcome[i][0] for i in ids],
                [outcome[i][1] for i in ids],
            ),
        )
        self.browse(ids).invalidate_recordset(
            [
                "status",
                "mail_id",
                "sent_at",
                "delivered_at",
                "error_message",
                "error_code",
                "next_attempt_at",
                "write_uid",
                "write_date",
            ]
        )

    def _record_success(self, status):
        self._record_batch_success(dict.fromkeys(self.ids, (status, None)))

    def _record_failure(self, error, permanent=False, code="internal"):
        params = self.env["ir.config_parameter"].sudo()
        max_attempts = int(params.get_param("workflow_alerts.max_attempts", 5))
        base = int(params.get_param("workflow_alerts.retry_backoff_seconds", 30))
        for notification in self:
            if permanent or notification.attempt_count >= max_attempts:
                notification.write(
                    {"status": "failed", "error_message": error, "error_code": code, "next_attempt_at": False}
                )
            else:
                delay = min(base * 2 ** max(notification.attempt_count - 1, 0), 3600)
                notification.write(
                    {
                        "status": "retry",
                        "error_message": error,
                        "error_code": code,
                        "next_attempt_at": fields.Datetime.now() + timedelta(seconds=delay),
                    }
                )

    # -- channels -------------------------------------------------------------
    def _message_id(self):
        return "<alert-%s@workflow-alerts>" % self.idempotency_key

    def _http_requests(self):
        """``{id: (gateway request, payload, headers)}`` of SMS / push notifications ``self``, or
        ``{id: DeliveryError}`` when no gateway is set up for one."""
        gateways = {}
        requests = {}
        for notification in self:
            key = (notification.channel, notification.company_id)
            if key not in gateways:
                gateway = self.env["alert.gateway"].sudo()._for_channel(*key)
                gateways[key] = gateway._request() if gateway else None
            gateway = gateways[key]
            if not gateway:
                requests[notification.id] = DeliveryError(
                    _("No active %s gateway is configured.", notification.channel),
                    permanent=True,
                    code="no_gateway",
                )
                continue
            payload = {
                "channel": notification.channel,
                "to": notification.recipient_address,
                "subject": notification.subject,
                "message": notification.body,
                "idempotency_key": notification.idempotency_key,
                "alert_id": notification.alert_id.id or None,
            }
            requests[notification.id] = (gateway, payload, {"Idempotency-Key": notification.idempotency_key})
        return requests

    def _send_http(self, request):
        """Post one prepared request (see ``_http_requests``); return ``sent`` or ``delivered``."""
        if isinstance(request, DeliveryError):
            raise request
        gateway, payload, headers = request
        try:
            # the outgoing-HTTP guard: allow-listed host, checked address, no redirect, bounded answer
            result = gateway._post(self.env, payload, headers)
        except OutgoingHttpRefused as exc:
            raise DeliveryError(exc.args[0], permanent=True, code="host_blocked") from exc
        if result.error:
            raise DeliveryError(
                _("%(gw)s unreachable: %(err)s", gw=gateway.name, err=result.error),
                code="timeout" if result.timed_out else "unreachable",
            )
        if result.redirect:
            raise DeliveryError(
                _(
                    "%(gw)s answered HTTP %(code)s, a redirect to %(to)s, which is not followed: "
                    "an administrator must set the gateway's URL.",
                    gw=gateway.name,
                    code=result.status,
                    to=result.redirect,
                ),
                permanent=True,
                code="http:%s" % result.status,
            )
        if not result.ok:
            raise DeliveryError(
                _(
                    "%(gw)s answered HTTP %(code)s: %(text)s",
                    gw=gateway.name,
                    code=result.status,
                    text=result.excerpt,
                ),
                permanent=400 <= result.status < 500 and result.status not in (408, 429),
                code="http:%s" % result.status,
            )
        data = result.json()
        return "delivered" if isinstance(data, dict) and data.get("status") == "delivered" else "sent"

    @api.model
    def _trigger_mail_queue(self):
        cron = self.env.ref("mail.ir_cron_mail_scheduler_action", raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger()

    # ------------------------------------------------------------------
    # email results (called from mail.mail) and the sweeper
    # ------------------------------------------------------------------
    @api.model
    def _sync_mail_state(self, mails):
        """Record the outcome of ``mails`` on their notifications (called by the mail queue for
        each email it sends: one UPDATE when it was sent, no search)."""
        sent = mails.filtered(lambda mail: mail.state == "sent")
        if sent:
            now = fields.Datetime.now()
            self.flush_model()
            self.env.cr.execute(
                """UPDATE alert_notification
                      SET status = 'sent', sent_at = %s, error_message = NULL, error_code = NULL,
                          next_attempt_at = NULL, write_uid = %s, write_date = %s
                    WHERE mail_id = ANY(%s) AND status IN ('queued', 'sending')""",
                (now, self.env.uid, now, sent.ids),
            )
            self.invalidate_model(
                [
                    "status",
                    "sent_at",
                    "error_message",
                    "error_code",
                    "next_attempt_at",
                    "write_uid",
                    "write_date",
                ]
            )
        failed = (mails - sent).filtered(lambda mail: mail.state == "exception")
        if failed:
            notifications = self.sudo().search(
                [("mail_id", "in", failed.ids), ("status", "in", ("queued", "sending"))]
            )
            for notification in notifications:
                mail = notification.mail_id
                notification._record_failure(
                    mail.failure_reason or _("The mail server refused the email."),
                    code="smtp:%s" % (mail.failure_type or "unknown"),
                )

    @job(batch_size=500)
    def _job_sweep(self, limit=500):
        """Recover what a lost message or a crashed worker left behind."""
        params = self.env["ir.config_parameter"].sudo()
        lease = int(params.get_param("workflow_alerts.claim_lease_seconds", 300))
        now = fields.Datetime.now()
        self.env.flush_all()
        ids = self.env["workflow.job"]._lock_batch(
            "alert_notification",
            "status = 'sending' AND claimed_at < %s",
            (now - timedelta(seconds=lease),),
            limit,
        )
        stale = self.browse(ids)
        for notification in stale:
            # the worker may have sent it before dying: the idempotency key lets the receiver drop a repeat
            notification.write(
                {
                    "status": "retry",
                    "next_attempt_at": now,
                    "error_message": _("The sending worker did not finish within %s seconds.", lease),
                    "error_code": "worker_lost",
                }
            )
        queued = self.search(
            [("status", "=", "queued"), ("mail_id.state", "in", ("sent", "exception"))], limit=limit
        )
        self._sync_mail_state(queued.mail_id)
        # emails whose delivery run did not send them (worker lost, SMTP connection broken): due
        # to the mail queue once their lease has passed; wake it rather than wait for its hourly run
        if self.search_count(
            [
                ("status", "=", "queued"),
                ("mail_id.state", "=", "outgoing"),
                ("mail_id.scheduled_date", "<=", now),
            ],
            limit=1,
        ):
            self._trigger_mail_queue()
        lost = self.search(
            [("status", "=", "queued"), ("mail_id", "=", False), ("channel", "=", "email")], limit=limit
        )
        lost.write(
            {
                "status": "retry",
                "next_attempt_at": now,
                "error_message": _("The email was deleted."),
                "error_code": "mail_deleted",
            }
        )
        self.env["alert.throttle"]._purge()
        if self.search_count(
            [("status", "in", ("pending", "retry")), ("next_attempt_at", "<=", now)], limit=1
        ) or (self.search_count([("status", "=", "pending"), ("next_attempt_at", "=", False)], limit=1)):
            self._enqueue_delivery()
        return len(stale) + len(queued) + len(lost)

    def action_retry(self):
        """Button: send failed notifications again."""
        self.check_access_rights("write")
        self.filtered(lambda n: n.status == "failed").sudo().write(
            {"status": "retry", "next_attempt_at": False, "attempt_count": 0}
        )
        self._enqueue_delivery()
        return True
