import json
from collections import defaultdict

from markupsafe import Markup, escape
from psycopg2.extras import execute_values

from odoo import _, api, fields, models, tools
from odoo.exceptions import UserError
from odoo.tools import format_datetime

from odoo.addons.workflow_automation.tools import rpc_args
from odoo.addons.workflow_automation.tools.jobs import job

from ..tools.business_time import BusinessClock

STATUSES = [
    ("active", "Active"),
    ("paused", "Paused"),
    ("met", "Met"),
    ("breached", "Breached"),
    ("cancelled", "Cancelled"),
]
OPEN = ("active", "paused", "breached")
RECORD_MARK, DUE_MARK = "\x00record\x00", "\x00due\x00"


def _dt(value):
    return fields.Datetime.to_datetime(value) if value else None


class SlaTracking(models.Model):
    _name = "sla.tracking"
    _description = "SLA Tracking"
    _inherit = ["workflow.target.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "due_at, id"
    _rec_name = "record_name"

    sla_id = fields.Many2one("sla.definition", string="SLA", required=True, ondelete="cascade", index=True)
    metric_type = fields.Selection(related="sla_id.metric_type", store=True, string="Metric")
    team_id = fields.Many2one("sla.team", index=True)
    user_id = fields.Many2one("res.users", string="Responsible", index=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )

    started_at = fields.Datetime(required=True)
    due_at = fields.Datetime(string="Due", index=True)
    warning_at = fields.Datetime(string="First Warning")
    completed_at = fields.Datetime()
    target_hours = fields.Float(string="Target (h)")

    status = fields.Selection(STATUSES, required=True, default="active", index=True, tracking=True)
    risk_state = fields.Selection(
        [("on_track", "On Track"), ("warning", "At Risk"), ("breached", "Breached")],
        default="on_track",
        required=True,
        index=True,
    )
    warning_level = fields.Float(string="Warning Level (%)", help="Highest warning level reached.")
    breached_at = fields.Datetime()
    breach_duration_hours = fields.Float(
        string="Breach Duration (h)", help="Business hours beyond the target."
    )
    actual_hours = fields.Float(
        string="Actual (h)", help="Business hours from start to completion, pauses left out."
    )
    total_paused_hours = fields.Float(string="Paused (h)", help="Business hours spent paused.")
    achieved_rate = fields.Float(
        string="Achieved %", group_operator="avg", help="100 when the SLA was met, 0 when it was breached."
    )
    pause_ids = fields.One2many("sla.pause", "tracking_id", string="Pauses")

    # scan state: the pending checkpoints (percent of target, UTC datetime) and the next one
    checkpoints = fields.Json(copy=False)
    last_checkpoint = fields.Float(copy=False)
    next_check_at = fields.Datetime(copy=False, readonly=True)

    progress = fields.Float(
        string="Elapsed %", compute="_compute_live", help="Business time elapsed against target."
    )
    elapsed_hours = fields.Float(string="Elapsed (h)", compute="_compute_live")
    time_left_hours = fields.Float(string="Time Left (h)", compute="_compute_live")
    duration_text = fields.Char(
        string="Time",
        compute="_compute_live",
        help="Met in ... of ..., Breached by ..., or the business time left.",
    )
    sla_model_id = fields.Many2one(related="sla_id.model_id", string="Document Type")

    _sql_constraints = [
        (
            "record_metric_unique",
            "UNIQUE(model_name, record_id, metric_type)",
            "A record has one SLA tracking per metric.",
        ),
    ]

    def init(self):
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS sla_tracking_next_check_idx ON sla_tracking (next_check_at)
               WHERE next_check_at IS NOT NULL"""
        )
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS sla_tracking_active_due_idx ON sla_tracking (due_at)
               WHERE status = 'active'"""
        )
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS sla_tracking_record_idx ON sla_tracking (model_name, record_id)"
        )

    # ------------------------------------------------------------------
    # live figures
    # ------------------------------------------------------------------
    def _compute_live(self):
        clock = BusinessClock(self.env)
        now = fields.Datetime.now()
        pauses = self._sla_pauses()
        for rec in self:
            target = rec.target_hours or 0.0
            if not rec.started_at or not rec.sla_id:
                rec.progress = rec.elapsed_hours = rec.time_left_hours = 0.0
                rec.duration_text = False
                continue
            until = rec.completed_at or now
            seconds = clock.elapsed(rec.sla_id._calendar(), rec.started_at, until, pauses[rec.id])
            rec.elapsed_hours = seconds / 3600.0
            rec.progress = 100.0 * rec.elapsed_hours / target if target else 0.0
            rec.time_left_hours = target - rec.elapsed_hours
            rec.duration_text = rec._duration_text()

    def _format_duration(self, hours):
        """Business hours as people say them: "2 h 10 min", "35 min", "4 h"."""
        minutes = int(round(abs(hours or 0.0) * 60))
        h, m = divmod(minutes, 60)
        if h and m:
            return _("%(h)s h %(m)s min", h=h, m=m)
        if h:
            return _("%s h", h)
        return _("%s min", m)

    def _duration_text(self):
        """The SLA's time in words, on business hours: "Met in 2 h 10 min of 4 h",
        "Breached by 35 min", "3 h 20 min left", "Paused, 1 h left"."""
        self.ensure_one()
        if self.status == "cancelled":
            return _("Cancelled")
        if self.status == "met":
            return _(
                "Met in %(actual)s of %(target)s",
                actual=self._format_duration(self.actual_hours),
                target=self._format_duration(self.target_hours),
            )
        late = self.breach_duration_hours if self.completed_at else self.elapsed_hours - self.target_hours
        if self.status == "breached":
            return _("Breached by %s", self._format_duration(max(late, 0.0)))
        left = self.time_left_hours
        if left <= 0:
            return _("Overdue by %s", self._format_duration(-left))
        if self.status == "paused":
            return _("Paused, %s left", self._format_duration(left))
        return _("%s left", self._format_duration(left))

    def _sla_pauses(self):
        """{tracking id: [(paused_at, resumed_at or None), ...]} in one query."""
        result = defaultdict(list)
        if self.ids:
            for pause in self.env["sla.pause"].sudo().search([("tracking_id", "in", self.ids)]):
                result[pause.tracking_id.id].append((pause.paused_at, pause.resumed_at or None))
        return result

    def _sla_open(self):
        return self.filtered(lambda t: t.status in OPEN and not t.completed_at)

    # ------------------------------------------------------------------
    # lifecycle, driven by workflow.hook for any model
    # ------------------------------------------------------------------
    @api.model
    def _sla_sync(self, records, now=None):
        """Start, pause, resume, complete, cancel or re-target the SLAs of ``records``
        after they were created or changed.  Set-based: one domain evaluation per
        definition and condition for the whole batch."""
        if not records:
            return
        definitions = self.env["sla.definition"]._for_model(records._name)
        if not definitions:
            return
        now = now or fields.Datetime.now()
        Tracking = self.sudo()
        records = records.sudo().with_context(active_test=False).exists()
        existing = Tracking.search([("model_name", "=", records._name), ("record_id", "in", records.ids)])
        by_key = {(t.record_id, t.metric_type): t for t in existing}
        to_create, retarget = [], Tracking
        to_complete, to_cancel, to_pause, to_resume = Tracking, Tracking, Tracking, Tracking
        pause_on_create, complete_on_create = set(), set()

        for metric in dict.fromkeys(definitions.mapped("metric_type")):
            remaining = records
            for sla in definitions.filtered(lambda d, m=metric: d.metric_type == m):
                matched = sla._matching(remaining, "applies_domain")
                if matched is None:
                    continue  # the condition broke since it was saved: logged, this SLA is skipped
                if "company_id" in records._fields and records._fields["company_id"].type == "many2one":
                    # a company's SLA applies to its records and to records shared by all companies
                    matched = matched.filtered(
                        lambda r, c=sla.company_id: not r.company_id or r.company_id == c
                    )
                remaining -= matched
                if not matched:
                    continue
                checks = {
                    f: sla._matching(matched, f)
                    for f in ("start_domain", "stop_domain", "pause_domain", "cancel_domain")
                }
                if any(found is None for found in checks.values()):
                    continue
                started = set(checks["start_domain"].ids)
                # an empty stop/pause/cancel condition never holds
                stopped, paused, cancelled = (
                    set(checks[f].ids) if sla._domain(f) else set()
                    for f in ("stop_domain", "pause_domain", "cancel_domain")
                )
                for record in matched:
                    tracking = by_key.get((record.id, metric))
                    if not tracking:
                        if record.id in started and record.id not in cancelled:
                            to_create.append(self._sla_new_vals(sla, record, now))
                            if record.id in stopped:
                                complete_on_create.add((record.id, metric))
                            elif record.id in paused:
                                pause_on_create.add((record.id, metric))
                        continue
                    if tracking.status not in OPEN or tracking.completed_at:
                        continue
                    if tracking.sla_id != sla:
                        tracking.write(self._sla_target_vals(sla, record))
                        retarget |= tracking
                    else:
                        user_id = self._sla_target_vals(sla, record)["user_id"]
                        if tracking.user_id.id != user_id:  # reassigned: warnings go to the new owner
                            tracking.user_id = user_id
                    if record.id in cancelled:
                        to_cancel |= tracking
                    elif record.id in stopped:
                        to_complete |= tracking
                    elif record.id in paused:
                        to_pause |= tracking
                    elif tracking.status == "paused":
                        to_resume |= tracking
            # no definition of this metric applies any more: the SLA is void
            for record in remaining:
                tracking = by_key.get((record.id, metric))
                if tracking and tracking.status in OPEN and not tracking.completed_at:
                    to_cancel |= tracking

        created = Tracking.create(to_create) if to_create else Tracking
        if created:
            created._sla_recompute(now=now)
            for tracking in created:
                key = (tracking.record_id, tracking.metric_type)
                if key in complete_on_create:
                    to_complete |= tracking
                elif key in pause_on_create:
                    to_pause |= tracking
        to_cancel._sla_cancel(now)
        (retarget - to_cancel)._sla_recompute(now=now, reset=True)
        to_complete._sla_complete(now)
        to_pause._sla_pause(now)
        to_resume._sla_resume(now)

    @api.model
    def _sla_target_vals(self, sla, record):
        user = self.env["res.users"]
        field = sla.user_field_id.name if sla.user_field_id else "user_id"
        if field in record._fields and record._fields[field].comodel_name == "res.users":
            user = record[field]
        company = (
            record.company_id if "company_id" in record._fields and record.company_id else sla.company_id
        )
        return {
            "sla_id": sla.id,
            "team_id": sla.team_id.id,
            "user_id": user.id,
            "company_id": company.id,
            "target_hours": sla.critical_threshold,
        }

    @api.model
    def _sla_new_vals(self, sla, record, now):
        vals = self._sla_target_vals(sla, record)
        vals.update(
            model_name=record._name,
            record_id=record.id,
            record_name=(record.display_name or "")[:200],
            started_at=now,
            status="active",
        )
        return vals

    def _sla_recompute(self, now=None, reset=False, clock=None):
        """Plan due date, warnings and escalations of open trackings on their calendar,
        from the original start, pauses left out.  ``reset`` (after a change of SLA)
        starts the checkpoints over and may lift a breach the new target no longer has."""
        now = now or fields.Datetime.now()
        clock = clock or BusinessClock(self.env)
        pauses = self._sla_pauses()
        due_now = self.browse()
        for rec in self:
            sla = rec.sla_id
            target = int(round(sla.critical_threshold * 3600))
            percents = sla._checkpoint_percents()
            # an open pause is planned as if it ended now: the due date moves on resume
            rec_pauses = [(start, stop or max(now, start)) for start, stop in pauses[rec.id]]
            amounts = [int(round(target * pct / 100.0)) for pct in percents]
            planned = clock.plan(sla._calendar(), rec.started_at, amounts, rec_pauses)
            points = dict(zip(percents, planned, strict=True))
            vals = {
                "target_hours": sla.critical_threshold,
                "due_at": points[100.0],
                "warning_at": points.get(percents[0]) if percents[0] < 100 else False,
            }
            last = rec.last_checkpoint
            if reset and (rec.status != "breached" or (points[100.0] and points[100.0] > now)):
                # a new target from the original start: checkpoints start over, a breach
                # the new target does not have is lifted
                last = 0.0
                vals.update(last_checkpoint=0.0, warning_level=0.0, risk_state="on_track")
                if rec.status == "breached":
                    vals.update(status="active", breached_at=False, achieved_rate=0.0)
            pending = [
                [pct, fields.Datetime.to_string(dt)] for pct, dt in points.items() if pct > last and dt
            ]
            status = vals.get("status", rec.status)
            vals["checkpoints"] = pending
            vals["next_check_at"] = pending[0][1] if pending and status in ("active", "breached") else False
            if status == "breached":
                vals["risk_state"] = "breached"
            rec.write(vals)
            if rec.next_check_at and rec.next_check_at <= now:
                due_now |= rec
        if due_now:
            due_now._sla_process_checkpoints(now)

    @api.model
    def _sla_reschedule(self, calendars, since=None):
        """Business hours changed: re-plan the open trackings counted on ``calendars``
        whose due date may move (due after ``since``, or paused)."""
        if not calendars:
            return
        domain = [
            ("status", "in", ("active", "paused", "breached")),
            ("completed_at", "=", False),
            ("sla_id.use_business_hours", "=", True),
            ("sla_id.calendar_id", "in", calendars.ids),
        ]
        if since:
            domain += ["|", ("due_at", "=", False), ("due_at", ">=", since)]
        trackings = self.sudo().search(domain)
        if trackings:
            trackings._sla_recompute()

    def _sla_pause(self, now):
        # a breached SLA keeps running: its clock is already broken
        todo = self.filtered(lambda t: t.status == "active")
        if not todo:
            return
        self.env["sla.pause"].sudo().create([{"tracking_id": t.id, "paused_at": now} for t in todo])
        todo.write({"status": "paused", "next_check_at": False})

    def _sla_resume(self, now):
        todo = self.filtered(lambda t: t.status == "paused")
        if not todo:
            return
        self._sla_close_pauses(todo, now)
        todo.write({"status": "active"})
        todo._sla_update_paused_hours(now)
        todo._sla_recompute(now=now)

    def _sla_update_paused_hours(self, now, clock=None):
        """Business hours spent paused so far; returns {tracking id: pauses}."""
        clock = clock or BusinessClock(self.env)
        pauses = self._sla_pauses()
        for rec in self:
            calendar = rec.sla_id._calendar()
            paused = sum(clock.elapsed(calendar, start, stop or now) for start, stop in pauses[rec.id])
            rec.total_paused_hours = paused / 3600.0
        return pauses

    @api.model
    def _sla_close_pauses(self, trackings, now):
        self.env["sla.pause"].sudo().search(
            [("tracking_id", "in", trackings.ids), ("resumed_at", "=", False)]
        ).write({"resumed_at": now})

    def _sla_complete(self, now):
        if not self:
            return
        self._sla_close_pauses(self, now)
        clock = BusinessClock(self.env)
        pauses = self._sla_update_paused_hours(now, clock)
        for rec in self:
            actual = clock.elapsed(rec.sla_id._calendar(), rec.started_at, now, pauses[rec.id])
            target = int(round(rec.target_hours * 3600))
            vals = {
                "completed_at": now,
                "actual_hours": actual / 3600.0,
                "next_check_at": False,
                "checkpoints": [],
            }
            if actual > target or rec.status == "breached":
                vals.update(
                    status="breached",
                    risk_state="breached",
                    breached_at=rec.breached_at or rec.due_at or now,
                    breach_duration_hours=max(actual - target, 0) / 3600.0,
                    achieved_rate=0.0,
                )
            else:
                vals.update(status="met", achieved_rate=100.0)
            rec.write(vals)
        self._sla_done_activities()

    def _sla_cancel(self, now):
        if not self:
            return
        self._sla_close_pauses(self, now)
        self.write({"status": "cancelled", "next_check_at": False, "checkpoints": []})
        self._sla_done_activities()

    def _sla_done_activities(self):
        """The SLA is over: its to-dos (on the tracking or on the record) are no longer needed."""
        activity_type = self.env.ref("workflow_sla.mail_activity_sla", raise_if_not_found=False)
        if not activity_type:
            return
        Activity = self.env["mail.activity"].sudo()
        activities = Activity.search(
            [
                ("res_model", "=", self._name),
                ("res_id", "in", self.ids),
                ("activity_type_id", "=", activity_type.id),
            ]
        )
        by_model = defaultdict(list)
        for rec in self:
            by_model[rec.model_name].append(rec)
        for model_name, recs in by_model.items():
            candidates = Activity.search(
                [
                    ("res_model", "=", model_name),
                    ("res_id", "in", [r.record_id for r in recs]),
                    ("activity_type_id", "=", activity_type.id),
                ]
            )
            for rec in recs:
                prefix = rec._sla_summary_prefix()
                activities |= candidates.filtered(
                    lambda a, r=rec, p=prefix: a.res_id == r.record_id and (a.summary or "").startswith(p)
                )
        activities.unlink()

    def _sla_summary_prefix(self):
        return _("SLA %(sla)s on", sla=self.sla_id.name)

    @api.model
    def _sla_records_deleted(self, model_name, ids):
        trackings = self.sudo().search(
            [("model_name", "=", model_name), ("record_id", "in", ids), ("status", "in", OPEN)]
        )
        trackings._sla_open()._sla_cancel(fields.Datetime.now())

    # ------------------------------------------------------------------
    # the scan: warnings, breaches and escalations on time
    # ------------------------------------------------------------------
    @api.model
    @job(batch_size=500)
    def _job_check_deadlines(self, limit=500, now=None):
        """Flag warnings, breaches and escalations whose moment has come.

        One indexed query (``next_check_at <= now``, partial index) locks a batch
        with SKIP LOCKED, so two runs never handle one tracking twice."""
        now = now or fields.Datetime.now()
        self.env.flush_all()  # the lock query reads the table itself
        ids = self.env["workflow.job"]._lock_batch(
            "sla_tracking", "next_check_at <= %s", (now,), limit=limit, order="next_check_at, id"
        )
        if not ids:
            return 0
        self.browse(ids)._sla_process_checkpoints(now)
        if len(ids) >= limit:  # more are waiting: run again soon rather than in a minute
            cron = self.env.ref("workflow_sla.ir_cron_sla_check_deadlines", raise_if_not_found=False)
            if cron:
                cron._trigger()
            self.env["workflow.job"]._enqueue_after_commit(self._name, "_job_check_deadlines", limit)
        return len(ids)

    def _sla_process_checkpoints(self, now):
        """Apply every checkpoint reached by ``now`` (set-based update) and record the
        events it raises (one insert); ``sla.event._job_notify`` notifies them after commit."""
        rows, events = [], []
        steps_by_sla = {}
        for rec in self:
            if rec.status not in ("active", "breached") or rec.completed_at:
                rows.append(
                    (
                        rec.id,
                        rec.status,
                        rec.risk_state,
                        rec.warning_level,
                        rec.last_checkpoint,
                        rec.breached_at or None,
                        rec.achieved_rate,
                        json.dumps([]),
                        None,
                        self.env.uid,
                    )
                )
                continue
            pending = rec.checkpoints or []
            reached = [pct for pct, when in pending if _dt(when) <= now]
            rest = [[pct, when] for pct, when in pending if _dt(when) > now]
            status, risk, level = rec.status, rec.risk_state, rec.warning_level
            breached_at, achieved = rec.breached_at, rec.achieved_rate
            if reached:
                top = max(reached)
                if top >= 100.0 and status == "active":
                    status, risk, breached_at, achieved = "breached", "breached", rec.due_at or now, 0.0
                    events.append((rec, "breach", None))
                elif top < 100.0:
                    level = top
                    risk = "warning" if risk == "on_track" else risk
                    events.append((rec, "warning", top))
                if rec.sla_id.id not in steps_by_sla:
                    steps_by_sla[rec.sla_id.id] = rec.sla_id.escalation_step_ids
                for step in steps_by_sla[rec.sla_id.id]:
                    if step.elapsed_percent in reached:
                        events.append((rec, "escalation", step))
            rows.append(
                (
                    rec.id,
                    status,
                    risk,
                    level,
                    max(reached + [rec.last_checkpoint]),
                    breached_at or None,
                    achieved,
                    json.dumps(rest),
                    rest[0][1] if rest else None,
                    self.env.uid,
                )
            )
        if rows:
            self.flush_model()  # pending ORM writes must not overwrite this update later
            execute_values(
                self.env.cr,
                """UPDATE sla_tracking t SET status = v.status, risk_state = v.risk_state,
                          warning_level = v.level, last_checkpoint = v.last_cp,
                          breached_at = v.breached_at::timestamp, achieved_rate = v.achieved,
                          checkpoints = v.cps::jsonb, next_check_at = v.next_at::timestamp,
                          write_date = (now() at time zone 'UTC'), write_uid = v.uid
                     FROM (VALUES %s) AS v(id, status, risk_state, level, last_cp, breached_at, achieved,
                                           cps, next_at, uid)
                    WHERE t.id = v.id""",
                rows,
                template="(%s, %s, %s, %s::float8, %s::float8, %s::timestamp, %s::float8, %s, %s, %s)",
                page_size=1000,
            )
            self.invalidate_recordset(
                [
                    "status",
                    "risk_state",
                    "warning_level",
                    "last_checkpoint",
                    "breached_at",
                    "achieved_rate",
                    "checkpoints",
                    "next_check_at",
                    "write_date",
                    "write_uid",
                ]
            )
        # notified by sla.event._job_notify once these flags are committed
        self.env["sla.event"]._sla_record(events, now)
        return len(rows)

    # ------------------------------------------------------------------
    # notifications: activities + chatter, or another channel (_sla_notify_elsewhere)
    # ------------------------------------------------------------------
    def _sla_recipients(self, step=None):
        self.ensure_one()
        users = self.env["res.users"]
        if step is None or step.notify_responsible:
            users |= self.user_id
        if step is not None:
            if step.notify_team_manager:
                users |= self.team_id.manager_id
            if step.notify_responsible_manager:
                # filled in by workflow_hr (the responsible's manager in HR)
                users |= self.user_id._workflow_managers(self.company_id)
            users |= step.user_ids
        elif not users:
            users |= self.team_id.manager_id
        return users.filtered(lambda u: u.active)

    def _sla_message(self, kind, info, cache=None):
        """The event's sentence.  ``cache`` (a dict kept for a batch) holds what does not
        depend on the tracking: the translated sentence per (SLA, event, language, time zone)
        and the formatted due dates, so a batch composes each of them once."""
        self.ensure_one()
        cache = {} if cache is None else cache
        sla = self.sla_id
        lang = self.env.lang
        tz = cache.get(("tz", sla.id))
        if tz is None:
            # the due date in the business hours' time zone, as the people who work them read it
            tz = cache[("tz", sla.id)] = sla._calendar().tz or self.env.user.tz or "UTC"
        level = round(info) if kind == "warning" else (info.id if kind == "escalation" else None)
        key = ("sentence", sla.id, kind, level, lang, tz)
        sentence = cache.get(key)
        if sentence is None:
            # placeholders no name can contain (PostgreSQL text holds no NUL character)
            values = {"sla": sla.name, "record": RECORD_MARK, "due": DUE_MARK}
            if kind == "warning":
                sentence = _(
                    "SLA %(sla)s on %(record)s: %(pct)s%% of the target used, due %(due)s.",
                    pct=round(info),
                    **values,
                )
            elif kind == "breach":
                sentence = _("SLA %(sla)s on %(record)s is breached: it was due %(due)s.", **values)
            else:
                sentence = _(
                    "SLA %(sla)s on %(record)s escalated (%(pct)s%% of the target, due %(due)s).",
                    pct=round(info.elapsed_percent),
                    **values,
                )
                sentence = "%s %s" % (sentence, info.note) if info.note else sentence
            cache[key] = sentence
        due_key = ("due", lang, tz, self.due_at)
        due = cache.get(due_key)
        if due is None:
            due = cache[due_key] = (
                "%s (%s)" % (format_datetime(self.env, self.due_at, tz=tz, dt_format="short"), tz)
                if self.due_at
                else _("no due date")
            )
        record = self.record_name or "%s #%s" % (sla.model_id.name or self.model_name, self.record_id)
        return sentence.replace(RECORD_MARK, record).replace(DUE_MARK, due)

    def _sla_notify(self, events):
        """``events``: [(tracking, 'warning'|'breach'|'escalation', percent|None|step)].

        An event another channel takes (``_sla_notify_elsewhere``: workflow_sla_alerts raises
        an alert of the definition's alert rule) is not posted.  Otherwise events with
        recipients are posted on the record (mail notification) and events nobody is
        responsible for are logged as one internal note per document and batch (its sentences
        one per line), all notes of a model in one INSERT (``_sla_log_notes``).  Called by
        ``sla.event._job_notify`` once the scan has committed the flags.  Breaches and escalations also give
        their recipients a to-do (one insert for the batch)."""
        activity_type = self.env.ref("workflow_sla.mail_activity_sla", raise_if_not_found=False)
        hosts = self._sla_hosts(self.browse([rec.id for rec, _kind, _info in events]))
        logs = defaultdict(lambda: defaultdict(list))  # (model, subject) -> {res_id: [sentence]}
        activities = {}  # (model, res_id, user id) -> values
        sentences = {}
        subjects = {"warning": _("SLA warning"), "other": _("SLA breach")}
        for rec, kind, info in events:
            step = info if kind == "escalation" else None
            message = rec._sla_message(kind, info, sentences)
            users = rec._sla_recipients(step)
            host = hosts[rec.id]
            if not rec._sla_notify_elsewhere(kind, info, message, host):
                subject = subjects["warning" if kind == "warning" else "other"]
                if users:
                    host.with_context(mail_notify_force_send=False).message_post(
                        body=message,
                        subject=subject,
                        partner_ids=users.partner_id.ids,
                        message_type="comment",
                        subtype_xmlid="mail.mt_comment",
                    )
                else:
                    logs[(host._name, subject)][host.id].append(message)
            breach_step = kind == "breach" and 100.0 in rec.sla_id.escalation_step_ids.mapped(
                "elapsed_percent"
            )
            if activity_type and users and kind != "warning" and not breach_step:
                for user in users:
                    key = (host._name, host.id, user.id)
                    if key in activities:  # one to-do per record and user: several events join it
                        activities[key]["note"] += Markup("<br/>") + escape(message)
                        continue
                    activities[key] = {
                        "res_model_id": self.env["ir.model"]._get_id(host._name),
                        "res_id": host.id,
                        "activity_type_id": activity_type.id,
                        "summary": message[:200],
                        "note": escape(message),
                        "user_id": user.id,
                        "date_deadline": fields.Date.context_today(rec),
                    }
        for (model_name, subject), sentences_by_id in logs.items():
            self._sla_log_notes(model_name, sentences_by_id, subject)
        if activities:
            # one insert for the batch; the message or alert already notified the users
            self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True).create(
                list(activities.values())
            )

    @api.model
    def _sla_log_notes(self, model_name, sentences_by_id, subject):
        """Log one internal note per document (its sentences one per line) in one INSERT.

        What ``_message_log_batch`` writes (same author, reply-to, subtype, type and
        message id for the batch), without Odoo's HTML sanitiser on every row: the body is
        built here from plain text, every sentence escaped (the SLA, record and step names
        are user input), so the markup holds nothing but ``<p>`` and ``<br>``.  Private:
        the caller decides who is notified, as for ``_message_log_batch``."""
        if not sentences_by_id:
            return
        Thread = self.env[model_name].sudo()
        author_id, email_from = Thread._message_compute_author(None, None, raise_on_email=False)
        reply_to = self.env["mail.thread"].sudo()._notify_get_reply_to(default=email_from)[False]
        subtype_id = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note")
        message_id = tools.generate_tracking_message_id("message-notify")
        now = fields.Datetime.now()
        uid = self.env.uid
        rows = [
            (
                res_id,
                Markup("<p>%s</p>") % Markup("<br>").join(escape(s) for s in sentences),
                model_name,
                subject,
                author_id,
                email_from,
                reply_to,
                message_id,
                subtype_id,
                now,
                uid,
                now,
                uid,
                now,
            )
            for res_id, sentences in sentences_by_id.items()
        ]
        self.env.flush_all()
        execute_values(
            self.env.cr,
            """INSERT INTO mail_message (res_id, body, model, subject, author_id, email_from, reply_to,
                   message_id, subtype_id, date, create_uid, create_date, write_uid, write_date,
                   message_type, is_internal, email_add_signature)
               VALUES %s""",
            rows,
            template="(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 'notification', true, false)",
            page_size=1000,
        )
        # what mail.message's create invalidates on the documents
        Thread.browse(list(sentences_by_id)).invalidate_recordset(
            ["message_ids", "message_needaction", "message_needaction_counter"]
        )

    @api.model
    def _sla_hosts(self, trackings):
        """{tracking id: the record when it exists and has a chatter and activities, else the tracking}"""
        records = trackings._get_records()
        return {
            rec.id: records[rec.id]
            if rec.id in records
            and hasattr(records[rec.id], "message_post")
            and hasattr(records[rec.id], "activity_schedule")
            else rec
            for rec in trackings
        }

    def _sla_notify_elsewhere(self, kind, info, message, host):
        """Extension point: hand one event to another notification channel.

        ``kind`` is 'warning', 'breach' or 'escalation' (``info``: the percent, None, the step),
        ``message`` its text and ``host`` the record (or the tracking) it is about.  True when
        that channel took it: the event is then not posted in the chatter.  Nothing here;
        workflow_sla_alerts raises an alert of the definition's alert rule."""
        self.ensure_one()
        return False

    # ------------------------------------------------------------------
    # public API (buttons, XML-RPC)
    # ------------------------------------------------------------------
    def _check_manager(self):
        rpc_args.check_records(self, "the SLA trackings")
        if not self.env.user.has_group("workflow_automation.group_workflow_manager"):
            raise UserError(_("Only workflow managers may change an SLA tracking by hand."))

    def action_pause(self):
        self._check_manager()
        self._sla_open()._sla_pause(fields.Datetime.now())
        return True

    def action_resume(self):
        self._check_manager()
        self._sla_open()._sla_resume(fields.Datetime.now())
        return True

    def action_complete(self):
        self._check_manager()
        self._sla_open()._sla_complete(fields.Datetime.now())
        return True

    def action_cancel(self):
        self._check_manager()
        self._sla_open()._sla_cancel(fields.Datetime.now())
        return True

    def action_recompute(self):
        self._check_manager()
        self._sla_open().filtered(lambda t: t.status != "paused")._sla_recompute()
        return True

    def action_open_record(self):
        self.ensure_one()
        if not self._get_record():
            raise UserError(_("The record of this SLA no longer exists."))
        return super().action_open_record()

    @api.model
    def _dashboard_domains(self):
        """The domains behind the dashboard's figures; the search view has the same filters
        (kpi_running, kpi_at_risk, kpi_breached, kpi_month) so a figure opens its trackings."""
        month_start = fields.Date.context_today(self).replace(day=1)
        return {
            "running": [("status", "in", ("active", "paused")), ("completed_at", "=", False)],
            "at_risk": [
                ("status", "=", "active"),
                ("completed_at", "=", False),
                ("risk_state", "=", "warning"),
            ],
            "breached": [("status", "=", "breached"), ("completed_at", "=", False)],
            "month": [
                "|",
                "&",
                ("status", "=", "met"),
                ("completed_at", ">=", month_start),
                "&",
                ("status", "=", "breached"),
                ("breached_at", ">=", month_start),
            ],
        }

    @api.model
    def retrieve_dashboard(self):
        """The SLA dashboard's key figures, counted on the trackings the user may read:
        running, at risk (past a warning level), breached and still open, and the share met
        of the SLAs that were met or breached this month (None when there is none)."""
        domains = self._dashboard_domains()
        figures = {key: self.search_count(domains[key]) for key in ("running", "at_risk", "breached")}
        outcomes = {
            group["status"]: group["__count"]
            for group in self.read_group(domains["month"], ["status"], ["status"], lazy=False)
        }
        finished = sum(outcomes.values())
        figures.update(
            month_met=outcomes.get("met", 0),
            month_finished=finished,
            achieved_percent=round(100.0 * outcomes.get("met", 0) / finished) if finished else None,
        )
        return figures

    @api.model
    def get_sla_status(self, model_name, record_ids):
        """XML-RPC: the SLAs of some records, as dicts."""
        rpc_args.as_text(model_name, "get_sla_status: model_name", rpc_args.MAX_NAME, required=True)
        record_ids = rpc_args.as_ids(record_ids, "get_sla_status: record_ids")
        trackings = self.search([("model_name", "=", model_name), ("record_id", "in", list(record_ids))])
        return [
            {
                "record_id": t.record_id,
                "sla": t.sla_id.code,
                "metric": t.metric_type,
                "status": t.status,
                "risk": t.risk_state,
                "started_at": fields.Datetime.to_string(t.started_at),
                "due_at": fields.Datetime.to_string(t.due_at),
                "completed_at": fields.Datetime.to_string(t.completed_at),
                "elapsed_hours": round(t.elapsed_hours, 4),
                "target_hours": t.target_hours,
                "progress": round(t.progress, 2),
            }
            for t in trackings
        ]
