import logging
import statistics
from datetime import timedelta

from psycopg2 import errors as pg_errors
from pytz import utc

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.osv import expression

from odoo.addons.workflow_automation.tools.conditions import parse_domain
from odoo.addons.workflow_automation.tools.jobs import job

from ..tools.templates import check_template, render_template

_logger = logging.getLogger(__name__)

TRIGGERS = [
    ("state_enter", "Workflow state entered"),
    ("create", "Record created"),
    ("write", "Record updated"),
    ("condition", "Condition becomes true"),
    ("schedule", "Schedule"),
]
HOOK_TRIGGERS = ("create", "write", "condition")
# models a rule may not target: the tasks would trigger themselves
FORBIDDEN_MODELS = (
    "task.automation.rule",
    "task.automation.task",
    "task.automation.escalation",
    "mail.activity",
)
INTERVAL = {"minutes": 60, "hours": 3600, "days": 86400}
CREATE_CHUNK = 1000


class TaskAutomationRule(models.Model):
    _name = "task.automation.rule"
    _description = "Task Automation Rule"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    description = fields.Text()
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    model_id = fields.Many2one(
        "ir.model", string="Applies to", required=True, ondelete="cascade", domain=[("transient", "=", False)]
    )
    model_name = fields.Char(related="model_id.model", store=True, index=True, string="Model")

    # -- trigger ---------------------------------------------------------
    trigger = fields.Selection(TRIGGERS, required=True, default="state_enter")
    state_id = fields.Many2one(
        "workflow.state",
        string="Workflow State",
        ondelete="cascade",
        help="The task is created when a workflow enters this state.",
    )
    pre_domain = fields.Char(
        string="Before Update", help="Updated records must have matched this domain before the update."
    )
    domain = fields.Char(
        string="Records",
        default="[]",
        help="Records for which a task is created. For 'Condition becomes true': the condition. "
        "For a schedule: the records scanned at each run.",
    )
    trigger_field_ids = fields.Many2many(
        "ir.model.fields",
        string="On Change Of",
        domain="[('model_id', '=', model_id)]",
        help="For 'Record updated': only when one of these fields is written (all fields when empty).",
    )
    interval_number = fields.Integer(string="Every", default=1)
    interval_type = fields.Selection(
        [("minutes", "Minutes"), ("hours", "Hours"), ("days", "Days")], default="days", string="Unit"
    )
    next_run_at = fields.Datetime(string="Next Run", copy=False)

    # -- what is created -------------------------------------------------
    activity_type_id = fields.Many2one(
        "mail.activity.type",
        required=True,
        default=lambda self: self.env.ref("mail.mail_activity_data_todo", raise_if_not_found=False),
        ondelete="restrict",
    )
    title_template = fields.Char(
        string="Title", required=True, help="Placeholders are field paths of the record: {{ record.name }}."
    )
    description_template = fields.Text(string="Task Description", help="Same placeholders as the title.")
    priority = fields.Selection([("0", "Normal"), ("1", "High"), ("2", "Urgent")], default="0", required=True)

    # -- assignees -------------------------------------------------------
    assign_type = fields.Selection(
        [
            ("user", "A user"),
            ("field", "A user field of the record"),
            ("group", "A group"),
            ("role", "A role"),
        ],
        required=True,
        default="role",
        string="Assign To",
    )
    user_id = fields.Many2one("res.users", domain=[("share", "=", False)])
    user_field_id = fields.Many2one(
        "ir.model.fields",
        ondelete="cascade",
        domain="[('model_id', '=', model_id), ('ttype', '=', 'many2one'), ('relation', '=', 'res.users')]",
    )
    group_id = fields.Many2one("res.groups")
    role_id = fields.Many2one("task.role")
    strategy = fields.Selection(
        [
            ("round_robin", "Round robin"),
            ("least_open", "Least open tasks"),
            ("capacity", "Weighted by capacity"),
        ],
        required=True,
        default="round_robin",
        help="How one person is chosen among a group's or role's members.",
    )
    fallback_user_id = fields.Many2one(
        "res.users",
        string="Fallback",
        domain=[("share", "=", False)],
        help="Gets the task when everybody is on leave or archived. Without it, no task is created.",
    )
    rr_last_user_id = fields.Many2one(
        "res.users", string="Last Assigned", readonly=True, copy=False, help="The round-robin pointer."
    )

    # -- due date, reminders ---------------------------------------------
    due_type = fields.Selection(
        [
            ("business_hours", "Business hours"),
            ("business_days", "Business days"),
            ("hours", "Calendar hours"),
            ("days", "Calendar days"),
        ],
        required=True,
        default="business_hours",
        help="Business time follows the assignee's working calendar (shifts, holidays, leaves).",
    )
    due_amount = fields.Float(string="Due In", default=8.0)
    reminder_hours = fields.Float(string="Remind Before (h)", help="0: no reminder.")

    # -- closing ---------------------------------------------------------
    close_domain = fields.Char(
        string="Done When", help="The task is marked done by itself once the record matches this domain."
    )
    close_on_state_leave = fields.Boolean(
        string="Done When the Workflow Leaves the State",
        default=True,
        help="Only for 'Workflow state entered' rules.",
    )
    cancel_domain = fields.Char(
        string="Cancelled When", help="The task is cancelled once the record matches this domain."
    )
    escalation_ids = fields.One2many(
        "task.automation.escalation", "rule_id", string="Escalation Steps", copy=True
    )

    # -- live preview ----------------------------------------------------
    sample_ref = fields.Reference(
        selection="_selection_sample_model",
        string="Sample Record",
        help="Shows the templates on this record.",
    )
    preview_title = fields.Char(compute="_compute_preview")
    preview_description = fields.Text(compute="_compute_preview")

    # -- statistics ------------------------------------------------------
    task_ids = fields.One2many("task.automation.task", "rule_id")
    stat_created = fields.Integer(compute="_compute_stats", string="Created")
    stat_open = fields.Integer(compute="_compute_stats", string="Open")
    stat_done_on_time = fields.Integer(compute="_compute_stats", string="Done on Time")
    stat_overdue = fields.Integer(compute="_compute_stats", string="Overdue")
    stat_median_hours = fields.Float(compute="_compute_stats", string="Median Hours to Done")

    _sql_constraints = [
        ("interval_positive", "CHECK(interval_number > 0)", "A schedule runs at least every 1 unit."),
        ("due_positive", "CHECK(due_amount >= 0)", "The due delay cannot be negative."),
    ]

    # ------------------------------------------------------------------
    # validation
    # ------------------------------------------------------------------
    @api.constrains(
        "model_id", "trigger", "state_id", "domain", "pre_domain", "close_domain", "cancel_domain",
        "title_template", "description_template", "assign_type", "user_id", "user_field_id", "group_id", "role_id",
    )  # fmt: skip
    def _check_rule(self):
        for rule in self:
            model = rule.model_name
            ir_model = rule.sudo().model_id  # Workflow Managers need not read ir.model
            if model in FORBIDDEN_MODELS or not ir_model.is_mail_activity:
                raise ValidationError(
                    _("A task rule cannot apply to %s: it has no activities.", ir_model.name)
                )
            for fname in ("domain", "pre_domain", "close_domain", "cancel_domain"):
                label = self._fields[fname].get_description(self.env)["string"]
                domain = parse_domain(
                    rule[fname], where=_("%(rule)s: %(field)s", rule=rule.name, field=label)
                )
                try:
                    self.env[model].sudo()._where_calc(domain)
                except (ValueError, KeyError) as exc:
                    raise ValidationError(
                        _("%(rule)s: %(field)s is not a valid domain of %(model)s: %(err)s",
                          rule=rule.name, field=label, model=model, err=exc)
                    ) from exc  # fmt: skip
            check_template(self.env, model, rule.title_template, _("%s: title", rule.name))
            check_template(self.env, model, rule.description_template, _("%s: description", rule.name))
            if rule.trigger == "state_enter":
                if not rule.state_id:
                    raise ValidationError(
                        _("%s: choose the workflow state that creates the task.", rule.name)
                    )
                if rule.state_id.workflow_id.model_name != model:
                    raise ValidationError(
                        _("%(rule)s: the state %(state)s belongs to a workflow on another model.",
                          rule=rule.name, state=rule.state_id.display_name)
                    )  # fmt: skip
            needed = {"user": "user_id", "field": "user_field_id", "group": "group_id", "role": "role_id"}
            if not rule[needed[rule.assign_type]]:
                raise ValidationError(_("%s: choose who gets the tasks.", rule.name))
            if rule.user_field_id and rule.user_field_id.model != model:
                raise ValidationError(_("%s: the user field belongs to another model.", rule.name))

    # ------------------------------------------------------------------
    # CRUD: only Workflow Managers (ACLs), and the hooks follow the rules
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        rules = super().create(vals_list)
        rules._schedule_first_run()
        self.env["workflow.hook"]._hook_refresh()
        return rules

    def write(self, vals):
        res = super().write(vals)
        if {"interval_number", "interval_type", "trigger", "active"} & set(vals):
            self.filtered(lambda r: not r.next_run_at)._schedule_first_run()
        if {"active", "model_id", "trigger"} & set(vals):
            self.env["workflow.hook"]._hook_refresh()
        return res

    def unlink(self):
        self.env["task.automation.task"].sudo().search(
            [("rule_id", "in", self.ids), ("state", "=", "open")]
        )._close("cancelled")
        res = super().unlink()
        self.env["workflow.hook"]._hook_refresh()
        return res

    def _schedule_first_run(self):
        for rule in self.filtered(lambda r: r.trigger == "schedule" and not r.next_run_at):
            rule.next_run_at = fields.Datetime.now()

    @api.model
    def _selection_sample_model(self):
        return [
            (m.model, m.name)
            for m in self.env["ir.model"].sudo().search([("transient", "=", False)])
            if m.model not in FORBIDDEN_MODELS
        ]

    @api.depends("title_template", "description_template", "sample_ref", "model_name")
    def _compute_preview(self):
        for rule in self:
            rule.preview_title = rule.preview_description = False
            sample = rule.sample_ref
            if not sample or sample._name != rule.model_name:
                continue
            try:
                sample.check_access_rights("read")
                sample.check_access_rule("read")
                check_template(self.env, rule.model_name, rule.title_template, _("title"))
                check_template(self.env, rule.model_name, rule.description_template, _("description"))
                rule.preview_title = render_template(sample, rule.title_template)
                rule.preview_description = render_template(sample, rule.description_template)
            except (ValidationError, AccessError) as exc:
                rule.preview_title = str(exc)

    # ------------------------------------------------------------------
    # statistics
    # ------------------------------------------------------------------
    def _compute_stats(self):
        now = fields.Datetime.now()
        data = {rid: [] for rid in self.ids}
        if self.ids:
            self.env["task.automation.task"].flush_model()
            self.env.cr.execute(
                """SELECT rule_id, state, deadline_at, started_at, done_at
                     FROM task_automation_task WHERE rule_id = ANY(%s)""",
                [self.ids],
            )
            for row in self.env.cr.fetchall():
                data[row[0]].append(row[1:])
        for rule in self:
            rows = data.get(rule.id, [])
            done = [r for r in rows if r[0] == "done"]
            rule.stat_created = len(rows)
            rule.stat_open = sum(1 for r in rows if r[0] == "open")
            rule.stat_done_on_time = sum(1 for r in done if not r[1] or (r[3] and r[3] <= r[1]))
            rule.stat_overdue = sum(1 for r in rows if r[0] == "open" and r[1] and r[1] < now)
            hours = [(r[3] - r[2]).total_seconds() / 3600 for r in done if r[3] and r[2]]
            rule.stat_median_hours = statistics.median(hours) if hours else 0.0

    # ------------------------------------------------------------------
    # domains
    # ------------------------------------------------------------------
    def _domain(self, fname):
        return parse_domain(self[fname], where=fname)

    def _filter(self, records, fname):
        """The records of ``records`` matching the rule's domain ``fname`` (all when it is empty)."""
        domain = self._domain(fname)
        if not records or not domain:
            return records
        return records.with_context(active_test=False).search(
            expression.AND([domain, [("id", "in", records.ids)]])
        )

    # ------------------------------------------------------------------
    # assignees
    # ------------------------------------------------------------------
    @api.model
    def _unavailable_user_ids(self, users, when):
        """Users archived or on leave at ``when`` (their resource's leaves; approved time off with hr_holidays)."""
        unavailable = set(users.filtered(lambda u: not u.active).ids)
        if users:
            self.env["resource.calendar.leaves"].flush_model()
            self.env.cr.execute(
                """SELECT DISTINCT r.user_id FROM resource_calendar_leaves l
                     JOIN resource_resource r ON r.id = l.resource_id
                    WHERE r.user_id = ANY(%s) AND l.date_from <= %s AND l.date_to > %s
                      AND COALESCE(l.time_type, 'leave') = 'leave'""",
                [users.ids, when, when],
            )
            unavailable.update(row[0] for row in self.env.cr.fetchall())
        return unavailable

    def _candidates(self, record, when):
        """``[(user, capacity)]`` who may get a task for ``record`` now, in a stable order."""
        self.ensure_one()
        if self.assign_type == "user":
            pool = [(self.user_id, 1.0)]
        elif self.assign_type == "field":
            pool = [(record[self.user_field_id.name], 1.0)]
        elif self.assign_type == "group":
            pool = [(u, 1.0) for u in self.group_id.with_context(active_test=False).users.sorted("id")]
        else:
            pool = [(m.user_id, m.capacity) for m in self.role_id.member_ids.sorted(lambda m: m.user_id.id)]
        pool = [(u, c) for u, c in pool if u and not u.share and self.company_id in u.company_ids]
        users = self.env["res.users"].union(*[u for u, _c in pool]) if pool else self.env["res.users"]
        unavailable = self._unavailable_user_ids(users.with_context(active_test=False), when)
        return [(u, c) for u, c in pool if u.id not in unavailable]

    def _lock_pointer(self):
        """Lock the rule row and read its round-robin pointer from the database (not the cache).

        Two transactions assigning at once queue here; under Odoo's repeatable
        read the second one gets a serialization failure and is retried by the
        request / cron (odoo.service.model.retrying), then sees the moved pointer.
        """
        self.ensure_one()
        self.flush_recordset(["rr_last_user_id"])
        self.env.cr.execute(
            "SELECT rr_last_user_id FROM task_automation_rule WHERE id = %s FOR UPDATE", [self.id]
        )
        row = self.env.cr.fetchone()
        return row[0] or 0 if row else 0

    @api.model
    def _open_counts(self, user_ids):
        if not user_ids:
            return {}
        self.env["task.automation.task"].flush_model(["user_id", "state"])
        self.env.cr.execute(
            """SELECT user_id, count(*) FROM task_automation_task
                WHERE state = 'open' AND user_id = ANY(%s) GROUP BY user_id""",
            [list(user_ids)],
        )
        return dict(self.env.cr.fetchall())

    def _assign(self, records, when=None, dry_run=False):
        """``{record_id: user}`` for ``records``, advancing the pointer once for the whole batch.

        ``dry_run`` (the rule's test button) neither locks nor moves the pointer.
        """
        self.ensure_one()
        when = when or fields.Datetime.now()
        result = {}
        if self.assign_type in ("user", "field"):
            for record in records:
                cands = self._candidates(record, when)
                user = cands[0][0] if cands else self._fallback(when)
                if user:
                    result[record.id] = user
            return result
        cands = self._candidates(records[:1], when)
        if not cands:
            fallback = self._fallback(when)
            return dict.fromkeys(records.ids, fallback) if fallback else {}
        pointer = (self.rr_last_user_id.id or 0) if dry_run else self._lock_pointer()
        counts = self._open_counts([u.id for u, _c in cands]) if self.strategy != "round_robin" else {}
        ids = [u.id for u, _c in cands]
        for record in records:
            # rotation order starting after the pointer: ties always move on
            start = next((i for i, uid in enumerate(ids) if uid > pointer), 0)
            order = cands[start:] + cands[:start]
            if self.strategy == "round_robin":
                user = order[0][0]
            elif self.strategy == "least_open":
                user = min(order, key=lambda uc: counts.get(uc[0].id, 0))[0]
            else:
                user = min(order, key=lambda uc: (counts.get(uc[0].id, 0) + 1) / uc[1])[0]
            counts[user.id] = counts.get(user.id, 0) + 1
            pointer = user.id
            result[record.id] = user
        if not dry_run:
            self.sudo().write({"rr_last_user_id": pointer})
        return result

    def _fallback(self, when):
        user = self.fallback_user_id
        if user and user.id not in self._unavailable_user_ids(user.with_context(active_test=False), when):
            return user
        return None

    # ------------------------------------------------------------------
    # due dates
    # ------------------------------------------------------------------
    @api.model
    def _user_resource(self, user):
        resource = self.env["resource.resource"].sudo().search([("user_id", "=", user.id)], limit=1)
        calendar = resource.calendar_id or user.company_id.resource_calendar_id
        return resource, calendar

    def _due_at(self, user, start):
        """When a task given to ``user`` at ``start`` (naive UTC) is due, as naive UTC."""
        self.ensure_one()
        amount = self.due_amount
        if self.due_type == "hours":
            return start + timedelta(hours=amount)
        if self.due_type == "days":
            return start + timedelta(days=amount)
        resource, calendar = self._user_resource(user)
        if not calendar:
            raise UserError(_("%s has no working calendar: business time cannot be planned.", user.name))
        aware = utc.localize(start)
        if self.due_type == "business_hours":
            due = calendar.plan_hours(amount, aware, compute_leaves=True, resource=resource or None)
        else:
            due = self._plan_business_days(calendar, resource, int(round(amount)), aware)
        if not due:
            raise UserError(_("No working time found on %s to plan the due date.", calendar.name))
        return due.astimezone(utc).replace(tzinfo=None)

    @api.model
    def _plan_business_days(self, calendar, resource, days, start):
        """End of the ``days``-th working day after ``start`` on the resource's calendar (leaves excluded)."""
        if days <= 0:
            return start
        found = []
        window = timedelta(days=14)
        res_key = resource.id if resource else False
        for n in range(60):
            begin = start + window * n
            intervals = calendar._work_intervals_batch(begin, begin + window, resources=resource or None)[
                res_key
            ]
            for _s, stop, _m in intervals:
                day = stop.date()
                if found and found[-1][0] == day:
                    found[-1] = (day, stop)
                elif len(found) < days:
                    found.append((day, stop))
                else:
                    return found[-1][1]
        return found[-1][1] if len(found) == days else False

    # ------------------------------------------------------------------
    # task creation (system behaviour: no user check past the trigger)
    # ------------------------------------------------------------------
    def _open_task_record_ids(self, record_ids):
        self.env["task.automation.task"].flush_model(["rule_id", "record_id", "state", "model_name"])
        self.env.cr.execute(
            """SELECT record_id FROM task_automation_task
                WHERE rule_id = %s AND model_name = %s AND state = 'open' AND record_id = ANY(%s)""",
            [self.id, self.model_name, list(record_ids)],
        )
        return {row[0] for row in self.env.cr.fetchall()}

    def _create_tasks(self, records, instance=None, state=None):
        """Create one task (and its activity) per record that has none open for this rule. Returns the tasks."""
        Task = self.env["task.automation.task"].sudo()
        tasks = Task
        for rule in self.sudo():
            recs = records.sudo().exists()
            if not recs:
                continue
            busy = rule._open_task_record_ids(recs.ids)
            recs = recs.filtered(lambda r, busy=busy: r.id not in busy)
            for start in range(0, len(recs), CREATE_CHUNK):
                tasks |= rule._create_chunk(recs[start : start + CREATE_CHUNK], instance, state)
        return tasks

    def _create_chunk(self, records, instance, state):
        now = fields.Datetime.now()
        assignees = self._assign(records, now)
        task_vals = []
        due_cache = {}  # one plan per assignee: a batch shares its start
        for record in records:
            user = assignees.get(record.id)
            if not user:
                _logger.warning("task rule %s: nobody available for %s", self.id, record)
                continue
            if user.id not in due_cache:
                due_cache[user.id] = self._due_at(user, now)
            due = due_cache[user.id]
            task_vals.append(
                {
                    "name": render_template(record, self.title_template)[:256],
                    "description": render_template(record, self.description_template),
                    "rule_id": self.id,
                    "company_id": self.company_id.id,
                    "model_name": self.model_name,
                    "record_id": record.id,
                    "record_name": record.display_name,
                    "user_id": user.id,
                    "priority": self.priority,
                    "started_at": now,
                    "deadline_at": due,
                    "reminder_at": due - timedelta(hours=self.reminder_hours)
                    if self.reminder_hours
                    else False,
                    "instance_id": instance.id if instance else False,
                    "state_id": state.id if state else False,
                }
            )
        Task = self.env["task.automation.task"].sudo()
        if not task_vals:
            return Task
        try:
            with self.env.cr.savepoint():
                self._create_targets(task_vals)
                return Task.create(task_vals)
        except pg_errors.UniqueViolation:
            # a concurrent transaction created a task for one of these records meanwhile: one by one
            tasks = Task
            for vals in task_vals:
                try:
                    with self.env.cr.savepoint():
                        self._create_targets([vals])
                        tasks |= Task.create(vals)
                except pg_errors.UniqueViolation:
                    continue
            return tasks

    def _create_targets(self, task_vals):
        """Create what each assignee works on and link it in ``task_vals`` (in place).

        Here a ``mail.activity`` on the record; bridges (e.g. project tasks) extend this.
        """
        self.ensure_one()
        model_id = self.env["ir.model"]._get_id(self.model_name)
        activity_vals = []
        for vals in task_vals:
            user = self.env["res.users"].browse(vals["user_id"])
            deadline = fields.Datetime.context_timestamp(
                self.with_context(tz=user.tz or "UTC"), vals["deadline_at"]
            )
            activity_vals.append(
                {
                    "res_model_id": model_id,
                    "res_id": vals["record_id"],
                    "activity_type_id": self.activity_type_id.id,
                    "summary": vals["name"],
                    "note": vals["description"],
                    "user_id": user.id,
                    "date_deadline": deadline.date(),
                    "automated": True,
                    # stored computes given here: no UPDATE per activity after the INSERT
                    "res_name": vals["record_name"],
                    "date_done": False,
                }
            )
        activities = (
            self.env["mail.activity"]
            .sudo()
            .with_context(mail_activity_quick_update=True)
            .create(activity_vals)
        )
        for vals, activity in zip(task_vals, activities):
            vals["activity_id"] = activity.id

    # ------------------------------------------------------------------
    # triggers
    # ------------------------------------------------------------------
    @api.model
    def _rules_for(self, model_name, triggers):
        return self.sudo().search([("model_name", "=", model_name), ("trigger", "in", list(triggers))])

    def _fire(self, records, instance=None, state=None):
        """Create the tasks of these rules for the records that match their domain."""
        tasks = self.env["task.automation.task"]
        for rule in self.sudo():
            company_recs = records
            if "company_id" in records._fields:
                company_recs = records.filtered(
                    lambda r, c=rule.company_id: not r.company_id or r.company_id == c
                )
            matched = rule._filter(company_recs.sudo(), "domain")
            # a record whose task would be closed or cancelled at once gets none
            for fname in ("close_domain", "cancel_domain"):
                if matched and rule._domain(fname):
                    matched -= rule._filter(matched, fname)
            if matched:
                tasks |= rule._create_tasks(matched, instance=instance, state=state)
        return tasks

    # ------------------------------------------------------------------
    # user actions
    # ------------------------------------------------------------------
    def action_test(self, record_id):
        """Who would get the task for ``record_id`` and when it would be due; creates nothing.

        Managers only (it reads the record and the people as the system).
        """
        self.ensure_one()
        if not self.env.user.has_group("workflow_automation.group_workflow_manager"):
            raise AccessError(_("Only workflow managers may test task rules."))
        self.check_access_rule("read")
        record = self.env[self.model_name].browse(int(record_id)).exists()
        if not record:
            raise UserError(
                _("Record %(id)s of %(model)s does not exist.", id=record_id, model=self.model_name)
            )
        record.check_access_rights("read")
        record.check_access_rule("read")
        now = fields.Datetime.now()
        rule = self.sudo()
        matches = bool(rule._filter(record.sudo(), "domain"))
        user = rule._assign(record.sudo(), now, dry_run=True).get(record.id)
        due = rule._due_at(user, now) if user else False
        title = render_template(record.sudo(), rule.title_template)
        description = render_template(record.sudo(), rule.description_template)
        return {
            "matches": matches,
            "user_id": user.id if user else False,
            "user_name": user.name if user else False,
            "deadline_at": fields.Datetime.to_string(due) if due else False,
            "title": title,
            "description": description,
            "already_open": bool(self.sudo()._open_task_record_ids([record.id])),
        }

    def action_open_test_wizard(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Test %s", self.name),
            "res_model": "task.automation.rule.test",
            "view_mode": "form",
            "target": "new",
            "context": {"default_rule_id": self.id},
        }

    def action_open_tasks(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("workflow_tasks.action_task_automation_task")
        action["domain"] = [("rule_id", "=", self.id)]
        action["context"] = {"search_default_open": 1}
        return action

    # ------------------------------------------------------------------
    # jobs
    # ------------------------------------------------------------------
    @job(batch_size=20)
    def _job_schedule(self, limit=20):
        """Run the due schedule rules: one task per matching record without an open one."""
        now = fields.Datetime.now()
        ids = self.env["workflow.job"]._lock_batch(
            "task_automation_rule",
            "active AND trigger = 'schedule' AND (next_run_at IS NULL OR next_run_at <= %s)",
            (now,),
            limit=limit,
            order="next_run_at NULLS FIRST, id",
        )
        count = 0
        for rule in self.browse(ids):
            seconds = max(1, rule.interval_number) * INTERVAL.get(rule.interval_type, 86400)
            rule.next_run_at = now + timedelta(seconds=seconds)
            records = self.env[rule.model_name].sudo().search(rule._domain("domain"))
            if "company_id" in records._fields:
                records = records.filtered(lambda r, c=rule.company_id: not r.company_id or r.company_id == c)
            count += len(rule._create_tasks(records))
        return count
