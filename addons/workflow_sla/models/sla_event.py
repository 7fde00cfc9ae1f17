from psycopg2.extras import execute_values

from odoo import api, fields, models

from odoo.addons.workflow_automation.tools.jobs import job

WAKE_KEY = "workflow_sla.wake_notifier"


class SlaEvent(models.Model):
    """A warning, breach or escalation flagged by the scan, and whether it was notified.

    The scan (``sla.tracking._job_check_deadlines``) commits the flags of a batch and
    inserts its events in one statement each; it notifies nobody itself.  The follow-up
    job ``_job_notify`` hands pending events to ``sla.tracking._sla_notify`` (chatter notes,
    messages and to-dos for the people responsible, and what the bridges add there: alerts,
    task rules, webhooks) and marks them notified *in the same transaction*: a run that is
    killed leaves its events pending and writes nothing, a rerun notifies them, and two
    runs at once never take the same event (SKIP LOCKED).  Each event is notified exactly
    once."""

    _name = "sla.event"
    _description = "SLA Event"
    _order = "id desc"
    _log_access = False
    _rec_name = "kind"

    tracking_id = fields.Many2one(
        "sla.tracking", required=True, ondelete="cascade", index=True, readonly=True
    )
    kind = fields.Selection(
        [("warning", "Warning"), ("breach", "Breach"), ("escalation", "Escalation")],
        required=True,
        readonly=True,
    )
    level = fields.Float(string="Level (%)", readonly=True, help="Percent of the target reached.")
    step_id = fields.Many2one("sla.escalation.step", ondelete="set null", readonly=True)
    event_at = fields.Datetime(string="Flagged At", required=True, readonly=True)
    notified_at = fields.Datetime(readonly=True, help="Empty while the event waits for its notification.")

    def init(self):
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS sla_event_pending_idx ON sla_event (id) WHERE notified_at IS NULL"
        )

    @api.model
    def _sla_record(self, events, now):
        """Insert ``events`` ([(tracking, kind, percent|None|step)]) as pending, in one
        statement, and have the notifier run once this transaction has committed."""
        if not events:
            return
        rows = []
        for tracking, kind, info in events:
            if kind == "escalation":
                level, step_id = info.elapsed_percent, info.id
            else:
                level, step_id = (info if kind == "warning" else 100.0), None
            rows.append((tracking.id, kind, level, step_id, now))
        execute_values(
            self.env.cr,
            "INSERT INTO sla_event (tracking_id, kind, level, step_id, event_at) VALUES %s",
            rows,
            template="(%s, %s, %s::float8, %s, %s::timestamp)",
            page_size=1000,
        )
        data = self.env.cr.precommit.data
        if not data.get(WAKE_KEY):  # once per transaction
            data[WAKE_KEY] = True
            cron = self.env.ref("workflow_sla.ir_cron_sla_notify", raise_if_not_found=False)
            if cron:
                cron.sudo()._trigger()
            self.env["workflow.job"]._enqueue_after_commit(self._name, "_job_notify")

    @api.model
    @job(batch_size=1000)
    def _job_notify(self, limit=1000, now=None):
        """Notify up to ``limit`` pending events (oldest first) and mark them notified."""
        ids = self.env["workflow.job"]._lock_batch(
            "sla_event", "notified_at IS NULL", (), limit=limit, order="id"
        )
        if not ids:
            return 0
        events = self.browse(ids)
        items = []
        for event in events:
            if event.kind == "escalation":
                if not event.step_id:  # the step was deleted since: nothing to say
                    continue
                items.append((event.tracking_id, "escalation", event.step_id))
            else:
                items.append(
                    (event.tracking_id, event.kind, event.level if event.kind == "warning" else None)
                )
        if items:
            events.tracking_id._sla_notify(items)
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE sla_event SET notified_at = %s WHERE id IN %s",
            (now or fields.Datetime.now(), tuple(ids)),
        )
        self.invalidate_model(["notified_at"])
        if len(ids) >= limit:  # more are waiting: run again soon rather than in a minute
            cron = self.env.ref("workflow_sla.ir_cron_sla_notify", raise_if_not_found=False)
            if cron:
                cron.sudo()._trigger()
            self.env["workflow.job"]._enqueue_after_commit(self._name, "_job_notify", limit)
        return len(ids)
