from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.osv import expression

from odoo.addons.workflow_automation.tools.jobs import job


class TaskAutomationTask(models.Model):
    """A task a rule created for one record: its activity, assignee, due date and outcome."""

    _name = "task.automation.task"
    _description = "Automated Task"
    _inherit = ["workflow.target.mixin"]
    _order = "state_rank, deadline_at, id"

    name = fields.Char(required=True)
    description = fields.Text()
    rule_id = fields.Many2one("task.automation.rule", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one("res.company", required=True, index=True)
    user_id = fields.Many2one("res.users", string="Assignee", index=True)
    activity_id = fields.Many2one("mail.activity", ondelete="set null", index="btree_not_null")
    state = fields.Selection(
        [("open", "Open"), ("done", "Done"), ("cancelled", "Cancelled")],
        default="open",
        required=True,
        index=True,
    )
    state_rank = fields.Integer(compute="_compute_state_rank", store=True)
    priority = fields.Selection([("0", "Normal"), ("1", "High"), ("2", "Urgent")], default="0")
    started_at = fields.Datetime(string="Created At", default=fields.Datetime.now, required=True)
    deadline_at = fields.Datetime(string="Due", index=True)
    reminder_at = fields.Datetime(index=True)
    reminded = fields.Boolean(default=False)
    done_at = fields.Datetime(string="Closed At")
    escalation_level = fields.Integer(default=0)
    close_checked_at = fields.Datetime(index=True)
    instance_id = fields.Many2one("workflow.instance", ondelete="set null", index="btree_not_null")
    state_id = fields.Many2one("workflow.state", string="Workflow State", ondelete="set null")
    is_overdue = fields.Boolean(compute="_compute_is_overdue", search="_search_is_overdue")

    def init(self):
        # one open task per rule and record, even for two transactions at once
        self.env.cr.execute(
            """CREATE UNIQUE INDEX IF NOT EXISTS task_automation_task_one_open
               ON task_automation_task (rule_id, model_name, record_id) WHERE state = 'open'"""
        )

    @api.depends("state")
    def _compute_state_rank(self):
        for task in self:
            task.state_rank = 0 if task.state == "open" else 1

    def _compute_is_overdue(self):
        now = fields.Datetime.now()
        for task in self:
            task.is_overdue = task.state == "open" and bool(task.deadline_at) and task.deadline_at < now

    def _search_is_overdue(self, operator, value):
        overdue = [("state", "=", "open"), ("deadline_at", "<", fields.Datetime.now())]
        positive = (operator == "=") == bool(value)
        return overdue if positive else ["!"] + expression.normalize_domain(overdue)

    # ------------------------------------------------------------------
    # closing (system paths)
    # ------------------------------------------------------------------
    def _close(self, outcome, feedback=None):
        """Mark open tasks done or cancelled, and their activities with them."""
        tasks = self.sudo().filtered(lambda t: t.state == "open")
        if not tasks:
            return tasks
        tasks.write({"state": outcome, "done_at": fields.Datetime.now()})
        activities = tasks.activity_id.exists()
        if activities and outcome == "done":
            tasks._log_done(feedback or _("Closed by its task rule."))
        activities.unlink()
        return tasks

    def _log_done(self, feedback):
        """One 'done' note per record, logged in batch (closing thousands of tasks at once)."""
        by_model = defaultdict(dict)
        for task in self.filtered("activity_id"):
            body = Markup("<p>%s</p>") % _(
                "%(type)s done: %(task)s. %(feedback)s",
                type=task.activity_id.activity_type_id.name,
                task=task.name,
                feedback=feedback,
            )
            by_model[task.model_name][task.record_id] = body
        for model_name, bodies in by_model.items():
            records = self.env[model_name].sudo().browse(list(bodies)).exists()
            if hasattr(records, "_message_log_batch"):
                records._message_log_batch(bodies={r.id: bodies[r.id] for r in records})

    @api.model
    def _check_records(self, model_name, record_ids):
        """Close or cancel the open tasks of these records whose rule's condition now holds."""
        if not record_ids:
            return self.browse()
        tasks = self.sudo().search(
            [("model_name", "=", model_name), ("record_id", "in", list(record_ids)), ("state", "=", "open")]
        )
        return tasks._check_close()

    def _check_close(self):
        """Set-based: one search per rule and condition over the tasks' records."""
        by_rule = defaultdict(lambda: self.browse())
        for task in self:
            by_rule[task.rule_id] |= task
        closed = self.browse()
        for rule, tasks in by_rule.items():
            model = self.env[rule.model_name].sudo().with_context(active_test=False)
            for fname, outcome in (("cancel_domain", "cancelled"), ("close_domain", "done")):
                domain = rule._domain(fname)
                if not domain:
                    continue
                open_tasks = tasks.filtered(lambda t: t.state == "open")
                if not open_tasks:
                    break
                hit = set(
                    model.search(expression.AND([domain, [("id", "in", open_tasks.mapped("record_id"))]])).ids
                )
                closed |= open_tasks.filtered(lambda t, hit=hit: t.record_id in hit)._close(outcome)
        return closed

    @api.model
    def _records_deleted(self, model_name, record_ids):
        tasks = self.sudo().search(
            [("model_name", "=", model_name), ("record_id", "in", list(record_ids)), ("state", "=", "open")]
        )
        tasks.write({"state": "cancelled", "done_at": fields.Datetime.now()})
        return tasks

    # ------------------------------------------------------------------
    # jobs
    # ------------------------------------------------------------------
    @job(batch_size=2000)
    def _job_close_check(self, limit=2000):
        """Check the close / cancel conditions of the open tasks least recently checked.

        The ORM hooks close tasks as records are written; this sweep catches
        what they cannot see (stored computed fields, imports, SQL).
        """
        now = fields.Datetime.now()
        ids = self.env["workflow.job"]._lock_batch(
            "task_automation_task",
            """state = 'open' AND (close_checked_at IS NULL OR close_checked_at < %s) AND rule_id IN (
                 SELECT id FROM task_automation_rule
                  WHERE COALESCE(close_domain, '') NOT IN ('', '[]') OR COALESCE(cancel_domain, '') NOT IN ('', '[]'))""",
            (now - timedelta(minutes=1),),
            limit=limit,
            order="close_checked_at NULLS FIRST, id",
        )
        tasks = self.browse(ids)
        if not tasks:
            return 0
        self.env.cr.execute(
            "UPDATE task_automation_task SET close_checked_at = %s WHERE id = ANY(%s)", [now, ids]
        )
        tasks.invalidate_recordset(["close_checked_at"])
        tasks._check_close()
        return len(ids)

    @job(batch_size=500)
    def _job_remind(self, limit=500):
        """Tell assignees their task is due soon."""
        ids = self.env["workflow.job"]._lock_batch(
            "task_automation_task",
            "state = 'open' AND NOT reminded AND reminder_at <= %s",
            (fields.Datetime.now(),),
            limit=limit,
            order="reminder_at, id",
        )
        for task in self.browse(ids):
            task.reminded = True
            if task.user_id:
                task._notify(
                    task.user_id.partner_id,
                    _("Reminder: %(task)s is due on %(due)s.", task=task.name, due=task._due_text()),
                )
        return len(ids)

    @job(batch_size=500)
    def _job_escalate(self, limit=500):
        """Hand overdue tasks on to the next escalation step of their rule."""
        now = fields.Datetime.now()
        ids = self.env["workflow.job"]._lock_batch(
            "task_automation_task",
            """state = 'open' AND deadline_at < %s AND EXISTS (
                 SELECT 1 FROM task_automation_escalation e
                  WHERE e.rule_id = task_automation_task.rule_id)""",
            (now,),
            limit=limit,
            order="deadline_at, id",
        )
        count = 0
        for task in self.browse(ids):
            steps = task.rule_id.escalation_ids.sorted(lambda s: (s.after_hours, s.id))
            due_steps = [s for s in steps if task.deadline_at + timedelta(hours=s.after_hours) <= now]
            if len(due_steps) <= task.escalation_level:
                continue
            step = due_steps[-1]
            task._escalate(step, len(due_steps), now)
            count += 1
        return count

    def _escalate(self, step, level, now):
        self.ensure_one()
        if step.target == "user":
            target = step.user_id
            if target and target.id in self.rule_id._unavailable_user_ids(
                target.with_context(active_test=False), now
            ):
                target = self.env["res.users"]
        elif step.target == "manager":
            # res.users._workflow_managers: nobody without hr, the employee's manager with it (workflow_hr)
            managers = self.user_id._workflow_managers(self.company_id).filtered(lambda u: not u.share)
            off = self.rule_id._unavailable_user_ids(managers, now)
            target = managers.filtered(lambda u: u.id not in off)[:1]
        else:
            members = step.group_id.users.filtered(lambda u: not u.share).sorted("id")
            off = self.rule_id._unavailable_user_ids(members, now)
            members = members.filtered(lambda u: u.id not in off)
            counts = self.rule_id._open_counts(members.ids)
            target = min(members, key=lambda u: counts.get(u.id, 0)) if members else self.env["res.users"]
        previous = self.user_id
        self.escalation_level = level
        if not target or target == previous:
            return
        self.user_id = target
        self._target_reassign(target)
        body = _(
            "Overdue task escalated (step %(level)s): %(task)s, due %(due)s, moved from %(old)s to %(new)s.",
            level=level,
            task=self.name,
            due=self._due_text(),
            old=previous.name or _("nobody"),
            new=target.name,
        )
        self._notify(target.partner_id | previous.partner_id, body)

    def _target_reassign(self, user):
        """Hand what the assignee works on to ``user`` (bridges extend)."""
        if self.activity_id:
            self.activity_id.sudo().write({"user_id": user.id})

    def _due_text(self):
        return fields.Datetime.to_string(self.deadline_at) + " UTC" if self.deadline_at else ""

    def _notify(self, partners, body):
        record = self._get_record()
        if record is None or not record or not partners:
            return
        if hasattr(record, "message_notify"):
            record.message_notify(
                partner_ids=partners.ids,
                body=Markup("<p>%s</p>") % body,
                subject=self.name,
                model_description=None,
            )

    # ------------------------------------------------------------------
    # user actions
    # ------------------------------------------------------------------
    def action_open_activity_record(self):
        return self.action_open_record()
