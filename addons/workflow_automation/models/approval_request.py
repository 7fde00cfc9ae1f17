import logging
from datetime import timedelta

from psycopg2 import errors as pg_errors

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..tools import rpc_args
from ..tools.jobs import job

_logger = logging.getLogger(__name__)

PENDING = ("waiting", "pending")


def _duration_text(delta):
    """A waiting time as people say it: "5 min", "3 h", "2 days"."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    if minutes < 60:
        return _("%s min", minutes)
    if minutes < 48 * 60:
        return _("%s h", minutes // 60)
    return _("%s days", minutes // (24 * 60))


class ApprovalRequest(models.Model):
    """A decision asked of one or more approvers when an instance enters an approval state."""

    _name = "approval.request"
    _description = "Approval Request"
    _inherit = ["mail.thread", "mail.activity.mixin", "workflow.target.mixin"]
    _order = "due_at asc, id desc"

    name = fields.Char(compute="_compute_name", store=True)
    instance_id = fields.Many2one("workflow.instance", required=True, ondelete="cascade", index=True)
    state_id = fields.Many2one("workflow.state", required=True, ondelete="restrict", string="Approval Step")
    workflow_id = fields.Many2one(related="instance_id.live_workflow_id", store=True, index=True)
    model_description = fields.Char(compute="_compute_model_description", store=True, string="Document Type")
    approval_type = fields.Selection(
        [
            ("any", "Any approver"),
            ("all", "All approvers"),
            ("sequential", "Sequential"),
            ("majority", "Majority"),
        ],
        required=True,
        default="any",
    )
    tie_policy = fields.Selection(
        [("reject", "A tie rejects"), ("approve", "A tie approves")], default="reject", required=True
    )
    required_approvals = fields.Integer(default=1, string="Minimum Approvals")
    current_approvals = fields.Integer(compute="_compute_counts", store=True)
    current_rejections = fields.Integer(compute="_compute_counts", store=True)
    status = fields.Selection(
        [
            ("pending", "Pending"),
            ("approved", "Approved"),
            ("rejected", "Rejected"),
            ("cancelled", "Cancelled"),
        ],
        default="pending",
        required=True,
        index=True,
        tracking=True,
    )
    requested_at = fields.Datetime(default=fields.Datetime.now, required=True)
    due_at = fields.Datetime(index=True, tracking=True)
    completed_at = fields.Datetime()
    escalation_level = fields.Integer(default=0, tracking=True)
    escalated_to = fields.Many2one("res.users")
    requested_by = fields.Many2one("res.users", default=lambda self: self.env.user, index=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    assignment_ids = fields.One2many("approval.assignment", "request_id", string="Approvers")
    current_level = fields.Integer(compute="_compute_counts", store=True)
    level_count = fields.Integer(compute="_compute_counts", store=True)
    my_turn = fields.Boolean(compute="_compute_my_turn", search="_search_my_turn", string="Waiting for Me")
    is_overdue = fields.Boolean(compute="_compute_urgency")
    urgency = fields.Selection(
        [("overdue", "Overdue"), ("today", "Due today"), ("soon", "Due this week"), ("later", "Later")],
        compute="_compute_urgency",
    )
    progress = fields.Json(compute="_compute_progress")
    outcome_comment = fields.Text()
    # the facts an approver decides on, provided by the document (``_approval_summary``)
    summary_amount = fields.Monetary(
        compute="_compute_summary", currency_field="summary_currency_id", string="Amount"
    )
    summary_currency_id = fields.Many2one("res.currency", compute="_compute_summary", string="Currency")
    summary_partner_id = fields.Many2one("res.partner", compute="_compute_summary", string="Partner")
    summary_user_id = fields.Many2one("res.users", compute="_compute_summary", string="Responsible")
    summary_lines = fields.Text(compute="_compute_summary", string="Key Lines")
    level_text = fields.Char(compute="_compute_summary", string="Level")
    waiting_since = fields.Datetime(compute="_compute_summary", help="When the current level got its turn.")
    waiting_text = fields.Char(compute="_compute_summary", string="Waiting")

    def init(self):
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS approval_request_pending_due_idx ON approval_request (due_at) "
            "WHERE status = 'pending'"
        )

    def _workflow_visible_anyway(self, uid):
        """An assigned approver (or their delegate) sees the request they are asked to decide, even
        without reading its document (workflow.target.mixin): its name, step and progress."""
        if not self._ids:
            return set()
        self.env["approval.assignment"].flush_model(["request_id", "approver_id", "delegated_to"])
        self.env.cr.execute(
            """SELECT DISTINCT request_id FROM approval_assignment
               WHERE request_id IN %s AND (approver_id = %s OR delegated_to = %s)""",
            [tuple(self._ids), uid, uid],
        )
        return {row[0] for row in self.env.cr.fetchall()}

    # ------------------------------------------------------------------
    # computes
    # ------------------------------------------------------------------
    @api.depends("record_name", "state_id")
    def _compute_name(self):
        for req in self:
            req.name = _("%(record)s: %(step)s", record=req.record_name or "", step=req.state_id.name or "")

    @api.depends("model_name")
    def _compute_model_description(self):
        for req in self:
            req.model_description = (
                self.env["ir.model"]._get(req.model_name).name if req.model_name else False
            )

    @api.depends("assignment_ids.status", "assignment_ids.level")
    def _compute_counts(self):
        for req in self:
            assignments = req.assignment_ids
            req.current_approvals = len(assignments.filtered(lambda a: a.status == "approved"))
            req.current_rejections = len(assignments.filtered(lambda a: a.status == "rejected"))
            open_levels = assignments.filtered(lambda a: a.status in PENDING).mapped("level")
            req.current_level = min(open_levels) if open_levels else 0
            req.level_count = len(set(assignments.mapped("level")))

    @api.depends_context("uid")
    def _compute_my_turn(self):
        uid = self.env.uid
        for req in self:
            req.my_turn = any(
                a.status == "pending" and uid in (a.approver_id.id, a.delegated_to.id)
                for a in req.assignment_ids
            )

    def _search_my_turn(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(_("Unsupported search on 'Waiting for Me'."))
        domain = [
            ("status", "=", "pending"),
            (
                "assignment_ids",
                "any",
                [
                    ("status", "=", "pending"),
                    "|",
                    ("approver_id", "=", self.env.uid),
                    ("delegated_to", "=", self.env.uid),
                ],
            ),
        ]
        if (operator == "=") == value:
            return domain
        return [("id", "not in", self._search(domain))]

    def _compute_urgency(self):
        now = fields.Datetime.now()
        for req in self:
            due = req.due_at
            if req.status != "pending" or not due:
                req.urgency, req.is_overdue = "later", False
                continue
            req.is_overdue = due < now
            if due < now:
                req.urgency = "overdue"
            elif due.date() == now.date():
                req.urgency = "today"
            elif due < now + timedelta(days=7):
                req.urgency = "soon"
            else:
                req.urgency = "later"

    def _compute_progress(self):
        labels = dict(self.env["approval.assignment"]._fields["status"].selection)
        for req in self:
            req.progress = [
                {
                    "level": a.level,
                    "approver": a.approver_id.name,
                    "delegate": a.delegated_to.name or False,
                    "status": a.status,
                    "status_label": labels[a.status],
                    "decided_by": a.decided_by.name or False,
                    "decision_at": fields.Datetime.to_string(a.decision_at) if a.decision_at else False,
                    "comment": a.comment or False,
                }
                for a in req.assignment_ids.sorted(lambda x: (x.level, x.sequence, x.id))
            ]

    @api.depends_context("uid")
    def _compute_summary(self):
        """What the document says about itself (``_approval_summary`` of its model, read by the
        system: an approver decides on these facts even without reading the document) and where
        the request stands: "Level 1 of 2 — Sales manager (any one of 3)", waiting for how long."""
        records = self.sudo()._get_records()
        now = fields.Datetime.now()
        for req in self:
            record = records.get(req.id)
            facts = (
                record._approval_summary()
                if record is not None and hasattr(record, "_approval_summary")
                else {}
            )
            req.summary_amount = facts.get("amount", 0.0)
            req.summary_currency_id = facts.get("currency_id") or False
            req.summary_partner_id = facts.get("partner_id") or False
            req.summary_user_id = facts.get("user_id") or False
            req.summary_lines = "\n".join(facts.get("lines") or []) or False
            assignments = req.sudo().assignment_ids
            current = assignments.filtered(lambda a: a.status == "pending")
            opened = [a.notified_at for a in current if a.notified_at]
            req.waiting_since = (
                min(opened) if opened else (req.requested_at if req.status == "pending" else False)
            )
            req.waiting_text = _duration_text(now - req.waiting_since) if req.waiting_since else False
            req.level_text = req._level_text(current, facts.get("level_names") or [])

    def _level_text(self, current, level_names):
        """The level whose turn it is, as "Level 1 of 2 — Sales manager (any one of 3)"."""
        self.ensure_one()
        if self.status != "pending" or not current:
            return dict(self._fields["status"].selection)[self.status]
        level = self.current_level or min(current.mapped("level"))
        count = self.level_count or 1
        if self.approval_type == "sequential":
            name = (current[:1].delegated_to or current[:1].approver_id).name
        else:
            name = level_names[level - 1] if len(level_names) >= level else self.state_id.name
        in_level = current.filtered(lambda a: a.level == level)
        if len(in_level) <= 1 or self.approval_type == "sequential":
            who = (in_level[:1].delegated_to or in_level[:1].approver_id).name
            rule = who if who != name else ""
        elif self.approval_type == "all":
            rule = _("all %s", len(in_level))
        elif self.approval_type == "majority":
            rule = _("majority of %s", len(in_level))
        else:
            rule = _("any one of %s", len(in_level))
        text = _("Level %(level)s of %(count)s — %(name)s", level=level, count=count, name=name)
        return f"{text} ({rule})" if rule else text

    def _next_step_text(self):
        """Where the request stands after a decision, for the person who decided:
        "now waiting for Frank Finance (level 2 of 2)" or "S00025 is now Approved"."""
        self.ensure_one()
        req = self.sudo()
        if req.status == "pending":
            holders = req.assignment_ids.filtered(lambda a: a.status == "pending")
            return _(
                "now waiting for %(users)s (level %(level)s of %(count)s)",
                users=", ".join((a.delegated_to or a.approver_id).name for a in holders) or "-",
                level=req.current_level,
                count=req.level_count,
            )
        state = req.instance_id.current_state_id.name or dict(self._fields["status"].selection)[req.status]
        return _("%(doc)s is now %(state)s", doc=req.record_name, state=state)

    def _decision_notification(self, decision, skipped=None, reload=False):
        """The client notification telling the decider what happens next:
        "Approved — now waiting for Frank Finance (level 2 of 2)"; ``skipped`` requests are named."""
        words = {
            "approved": _("Approved"),
            "rejected": _("Rejected"),
            "delegated": _("Delegated"),
        }[decision]
        if len(self) == 1:
            message = f"{words} — {self._next_step_text()}"
        else:
            message = _("%(words)s %(count)s requests.", words=words, count=len(self))
            if self:
                message += " " + "; ".join(f"{r.sudo().record_name}: {r._next_step_text()}" for r in self)
        if skipped:
            message += " " + _(
                "Skipped, not waiting for your decision: %s.",
                ", ".join(skipped.sudo().mapped("name")),
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": words,
                "message": message,
                "type": "warning" if skipped else "success",
                "sticky": bool(skipped),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"}
                if reload
                else {"type": "ir.actions.act_window_close"},
            },
        }

    def _post_decision(self, decision, assignments, comment=None, reason=None):
        """Say the decision once in the document's chatter, in the button's words:
        "Approved by Sofia (level 1 of 2): OK for this customer"."""
        self.ensure_one()
        user = self.env.user
        assignment = assignments[:1]
        who = user.name
        if assignment.delegated_to == user and assignment.approver_id != user:
            who = _(
                "%(user)s on behalf of %(approver)s", user=user.name, approver=assignment.approver_id.name
            )
        details = []
        if self.level_count > 1:
            details.append(_("level %(level)s of %(count)s", level=assignment.level, count=self.level_count))
        if reason and decision == "rejected":
            details.append(_("reason: %s", reason.name))
        body = _("Approved by %s", who) if decision == "approved" else _("Rejected by %s", who)
        if details:
            body += f" ({', '.join(details)})"
        if comment:
            body += f": {comment}"
        target = self._activity_target()
        if hasattr(target, "message_post"):
            target.sudo().message_post(body=body, author_id=user.partner_id.id, subtype_xmlid="mail.mt_note")

    # ------------------------------------------------------------------
    # creation (from the engine)
    # ------------------------------------------------------------------
    @api.model
    def _create_for(self, instance, state):
        """Create the request of ``instance`` entering approval ``state`` and notify the first approvers."""
        record = instance._get_record()
        levels = instance._approval_levels(state, record)
        if not any(levels):
            raise UserError(
                _(
                    "Nobody can approve %(record)s at step %(step)s: configure its approvers.",
                    record=instance.record_name,
                    step=state.name,
                )
            )
        now = fields.Datetime.now()
        request = self.sudo().create(
            {
                "instance_id": instance.id,
                "state_id": state.id,
                "model_name": instance.model_name,
                "record_id": instance.record_id,
                "record_name": instance.record_name,
                "approval_type": state.approval_type,
                "tie_policy": state.approval_tie_policy,
                "required_approvals": state.min_approvers,
                "due_at": now + timedelta(hours=state.timeout_hours) if state.timeout_hours else False,
                "requested_by": instance.started_by.id or self.env.uid,
                "company_id": instance.company_id.id,
            }
        )
        Delegation = self.env["approval.delegation"]
        all_approvers = self.env["res.users"].union(*(user for pairs in levels for user, _group in pairs))
        seen, vals_list, seq = set(), [], 0
        for level_index, pairs in enumerate(levels, start=1):
            if pairs and all(user.id in seen for user, _group in pairs):
                raise UserError(
                    _(
                        "Approval level %(level)s of %(step)s has nobody left to decide: %(users)s already "
                        "decide at an earlier level.",
                        level=level_index,
                        step=state.name,
                        users=", ".join(user.name for user, _group in pairs),
                    )
                )
            for user, group in pairs:
                if user.id in seen:
                    continue
                seen.add(user.id)
                seq += 1
                level = seq if state.approval_type == "sequential" else level_index
                # an out-of-office rule never hands a level to someone who decides another one
                delegate = Delegation._resolve(
                    user,
                    instance.workflow_id,
                    instance.model_name,
                    company=request.company_id,
                    excluded=all_approvers - user,
                )
                vals_list.append(
                    {
                        "request_id": request.id,
                        "approver_id": user.id,
                        "approver_group_id": group.id if group else False,
                        "level": level,
                        "sequence": seq,
                        "delegated_to": delegate.id if delegate != user else False,
                        "delegated_at": now if delegate != user else False,
                        "delegation_comment": _("Out-of-office rule") if delegate != user else False,
                    }
                )
        self.env["approval.assignment"].sudo().create(vals_list)
        request._open_next_level()
        return request

    def _open_next_level(self):
        """Give the lowest undecided level its turn: assignments become pending, approvers get an activity."""
        self.ensure_one()
        waiting = self.assignment_ids.filtered(lambda a: a.status == "waiting")
        if not waiting or self.assignment_ids.filtered(lambda a: a.status == "pending"):
            return
        level = min(waiting.mapped("level"))
        now = fields.Datetime.now()
        interval = self.state_id.reminder_interval_hours
        opened = waiting.filtered(lambda a: a.level == level)
        for assignment in opened:
            assignment.write(
                {
                    "status": "pending",
                    "notified_at": now,
                    "next_reminder_at": now + timedelta(hours=interval) if interval else False,
                }
            )
            assignment.activity_id = self._schedule_activity(
                assignment.delegated_to or assignment.approver_id
            )
        self._notify_counters(opened._holders(), "assigned")

    def _activity_target(self):
        record = self.instance_id._get_record()
        if record and hasattr(record, "activity_schedule"):
            return record
        return self

    @api.model
    def _activity_type(self):
        """The activity type of approval to-dos: they are found by it, never by their (translated) summary."""
        return self.env.ref("workflow_automation.mail_activity_type_approval", raise_if_not_found=False) or (
            self.env.ref("mail.mail_activity_data_todo")
        )

    def _schedule_activity(self, user):
        self.ensure_one()
        target = self._activity_target().sudo()
        return target.activity_schedule(
            activity_type_id=self._activity_type().id,
            date_deadline=(self.due_at or fields.Datetime.now()).date(),
            summary=_("Approve: %s", self.name),
            note=_(
                "Your decision is needed on %(record)s (%(step)s).",
                record=self.record_name,
                step=self.state_id.name,
            ),
            user_id=user.id,
        )

    def _open_activities(self, assignments):
        """The approval to-dos of ``assignments``: their own, plus any activity of the approval type
        on the same document for the same people that no other open assignment holds."""
        self.ensure_one()
        Activity = self.env["mail.activity"].sudo()
        if not assignments:
            return Activity
        target = self._activity_target()
        found = Activity.search(
            [
                ("res_model", "=", target._name),
                ("res_id", "=", target.id),
                ("activity_type_id", "=", self._activity_type().id),
                ("user_id", "in", assignments._holders().ids),
            ]
        )
        held_elsewhere = (
            self.env["approval.assignment"]
            .sudo()
            .search(
                [
                    ("activity_id", "in", found.ids),
                    ("id", "not in", assignments.ids),
                    ("status", "in", PENDING),
                ]
            )
            .activity_id
        )
        return (found - held_elsewhere) | assignments.activity_id.sudo()

    def _clear_activities(self, assignments, feedback=None):
        """Close the to-dos of ``assignments``: marked done with ``feedback``, else removed."""
        activities = self._open_activities(assignments).exists()
        if feedback is not None:
            activities.action_feedback(feedback=feedback)
        else:
            activities.unlink()

    def _notify_counters(self, users, event):
        """Tell ``users``' web clients their approvals changed (the systray counter follows the bus)."""
        partners = users.sudo().filtered(lambda u: u.active and not u.share).partner_id
        if not partners or not self:
            return
        self.env["bus.bus"]._sendmany(
            [
                (partner, "workflow_automation/approvals", {"event": event, "request_ids": self.ids})
                for partner in partners
            ]
        )

    # ------------------------------------------------------------------
    # decisions (UI and XML-RPC, with the caller's own rights)
    # ------------------------------------------------------------------
    def approve(self, comment=None):
        """Approve as the current user (or as their delegate); returns the statuses by request id."""
        rpc_args.check_records(self, "approve: the approval requests")
        rpc_args.as_text(comment, "approve: comment", rpc_args.MAX_COMMENT)
        return self._decide("approved", comment)

    def reject(self, comment=None, reason_id=None):
        """Reject as the current user; the comment is mandatory when the step or the reason asks for it."""
        rpc_args.check_records(self, "reject: the approval requests")
        rpc_args.as_text(comment, "reject: comment", rpc_args.MAX_COMMENT)
        if reason_id not in (None, False):
            rpc_args.as_id(reason_id, "reject: reason_id")
        return self._decide("rejected", comment, reason_id=reason_id)

    def delegate(self, user_id, comment=None):
        """Hand the current user's pending assignments on these requests to ``user_id``.

        Only who has the assignment in hand (its approver or their delegate)
        hands it on. The delegate must be an active internal user allowed in
        the request's company who decides no other part of the request, and
        the assignment must not come back to anyone who held it, directly or
        through out-of-office rules. Everything is checked before anything
        changes.
        """
        rpc_args.check_records(self, "delegate: the approval requests")
        if not isinstance(user_id, int):
            raise ValidationError(_("delegate expects the id of a user."))
        rpc_args.as_id(user_id, "delegate: user_id")  # booleans and negative ids: named sentence
        rpc_args.as_text(comment, "delegate: comment", rpc_args.MAX_COMMENT)
        user = self.env["res.users"].sudo().with_context(active_test=False).browse(user_id).exists()
        if not user:
            raise UserError(_("User %s does not exist.", user_id))
        me = self.env.user
        if user == me:
            raise UserError(_("You cannot delegate an approval to yourself."))
        self.check_access_rights("read")
        self.check_access_rule("read")
        Delegation = self.env["approval.delegation"]
        planned = []
        for req in self.sudo():
            req._lock_request()
            if req.status != "pending":
                raise UserError(
                    _(
                        "%(name)s is already %(status)s.",
                        name=req.name,
                        status=dict(self._fields["status"].selection)[req.status].lower(),
                    )
                )
            mine = req._my_assignments()
            if not mine:
                raise AccessError(_("You have no approval to delegate on %s.", req.name))
            refusal = Delegation._delegate_refusal(user, req.company_id)
            if refusal:
                raise UserError(refusal)
            chain = Delegation._chain(user, req.workflow_id, req.model_name)
            for assignment in mine:
                held = assignment.approver_id | assignment.previous_holder_ids | me
                if user in held:
                    raise UserError(
                        _(
                            "Delegating to %(user)s would send the approval back to them: they already "
                            "had it in hand (a delegation cycle).",
                            user=user.name,
                        )
                    )
                back = next((u for u in chain if u in held), None)
                if back:
                    raise UserError(
                        _(
                            "Delegating to %(user)s would send the approval back to %(back)s through "
                            "out-of-office rules (a delegation cycle).",
                            user=user.name,
                            back=back.name,
                        )
                    )
                other = (req.assignment_ids - assignment).filtered(
                    lambda a, u=user: u in (a.approver_id | a.delegated_to)
                )[:1]
                if other and other.level == assignment.level:
                    raise UserError(_("%s is already deciding on this request.", user.name))
                if other:
                    raise UserError(
                        _(
                            "%(user)s decides level %(other)s of %(request)s; delegating level %(level)s "
                            "to them would let one person decide two levels.",
                            user=user.name,
                            other=other.level,
                            request=req.name,
                            level=assignment.level,
                        )
                    )
                planned.append((req, assignment))
        now = fields.Datetime.now()
        for req, assignment in planned:
            previous = assignment.delegated_to or assignment.approver_id
            req._clear_activities(assignment)
            assignment.write(
                {
                    "delegated_to": user.id,
                    "delegated_at": now,
                    "delegation_comment": comment or False,
                    "previous_holder_ids": [Command.link(previous.id)],
                    "activity_id": req._schedule_activity(user).id,
                }
            )
            req.instance_id._history(
                "system",
                req.state_id,
                req.state_id,
                comment=_(
                    "%(from)s delegated the approval to %(to)s. %(comment)s",
                    to=user.name,
                    comment=comment or "",
                    **{"from": previous.name},
                ),
            )
            req.message_post(
                body=_(
                    "%(from)s delegated this approval to %(to)s.",
                    to=user.name,
                    **{"from": previous.name},
                ),
                partner_ids=(assignment.approver_id | user).partner_id.ids,
            )
            req._notify_counters(previous | user, "delegated")
        return True

    @api.model
    def list_my_pending(self, limit=80):
        """XML-RPC: what the caller must decide now (delegated items included)."""
        rpc_args.as_limit(limit, "list_my_pending: limit")
        requests = self.search([("my_turn", "=", True)], limit=limit)
        return [
            {
                "id": r.id,
                "name": r.name,
                "model": r.model_name,
                "record_id": r.record_id,
                "record_name": r.record_name,
                "step": r.state_id.name,
                "approval_type": r.approval_type,
                "due_at": fields.Datetime.to_string(r.due_at) if r.due_at else False,
                "urgency": r.urgency,
                "delegated": any(a.delegated_to == self.env.user for a in r.sudo()._my_assignments()),
            }
            for r in requests
        ]

    @api.model
    def get_my_pending_count(self):
        """Systray counter: one indexed count."""
        return self.search_count([("my_turn", "=", True)])

    def _my_assignments(self):
        self.ensure_one()
        user = self.env.user
        return self.assignment_ids.filtered(lambda a: a._may_decide(user))

    def _lock_request(self):
        """Serialise decisions on one request; waits a little for a concurrent decision to finish."""
        self.env.flush_all()
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute("SET LOCAL lock_timeout = '5s'")
                self.env.cr.execute(
                    "SELECT id FROM approval_request WHERE id = %s FOR UPDATE",
                    [self.id],
                    log_exceptions=False,
                )
        except (pg_errors.LockNotAvailable, pg_errors.SerializationFailure) as exc:
            raise UserError(
                _("Another approver is deciding on %s right now. Reload and try again.", self.name)
            ) from exc
        self.invalidate_recordset()
        self.assignment_ids.invalidate_recordset()

    def _decide(self, decision, comment=None, reason_id=None):
        if comment is not None and not isinstance(comment, str):
            raise ValidationError(_("The comment must be text."))
        self.check_access_rights("read")
        self.check_access_rule("read")
        reason = self.env["approval.rejection.reason"].browse(reason_id).exists() if reason_id else None
        if reason_id and not reason:
            raise ValidationError(_("Rejection reason %s does not exist.", reason_id))
        user = self.env.user
        for req in self.sudo():
            req._lock_request()
            if req.status != "pending":
                raise UserError(
                    _(
                        "%(name)s is already %(status)s.",
                        name=req.name,
                        status=dict(self._fields["status"].selection)[req.status].lower(),
                    )
                )
            mine = req._my_assignments()
            if not mine:
                if req.assignment_ids.filtered(
                    lambda a, u=user: u in (a.approver_id | a.delegated_to) and a.status == "waiting"
                ):
                    raise UserError(_("It is not your turn to decide on %s yet.", req.name))
                raise AccessError(_("You are not an approver of %s.", req.name))
            needs_comment = req.state_id.require_comment_on_rejection or (reason and reason.require_comment)
            if decision == "rejected" and needs_comment and not (comment or "").strip():
                raise UserError(_("Please explain why you reject %s.", req.name))
            if (
                decision == "approved"
                and req.state_id.require_comment_on_approval
                and not (comment or "").strip()
            ):
                raise UserError(_("A comment is required to approve %s.", req.name))
            now = fields.Datetime.now()
            mine.write(
                {
                    "status": decision,
                    "decision_at": now,
                    "decided_by": user.id,
                    "comment": comment or False,
                    "rejection_reason_id": reason.id if reason and decision == "rejected" else False,
                }
            )
            # the to-do goes away without Odoo's "To-Do done" message: the decision is said once below
            req._clear_activities(mine)
            req._post_decision(decision, mine, comment, reason)
            req._notify_counters(user, "decided")
            for assignment in mine:
                on_behalf = assignment.delegated_to == user and assignment.approver_id != user
                text = (
                    _(
                        "%(user)s approved on behalf of %(approver)s",
                        user=user.name,
                        approver=assignment.approver_id.name,
                    )
                    if decision == "approved" and on_behalf
                    else _(
                        "%(user)s rejected on behalf of %(approver)s",
                        user=user.name,
                        approver=assignment.approver_id.name,
                    )
                    if on_behalf
                    else _("%s approved", user.name)
                    if decision == "approved"
                    else _("%s rejected", user.name)
                )
                if reason and decision == "rejected":
                    text += _(" (reason: %s)", reason.name)
                if comment:
                    text += f": {comment}"
                req.instance_id._history(
                    "approval" if decision == "approved" else "rejection",
                    req.state_id,
                    req.state_id,
                    comment=text,
                )
            req._evaluate()
        return {str(r.id): r.status for r in self.sudo()}

    # ------------------------------------------------------------------
    # rules
    # ------------------------------------------------------------------
    def _level_outcome(self, assignments):
        """'approved', 'rejected' or None for one level, by the request's decision rule."""
        n = len(assignments)
        approved = len(assignments.filtered(lambda a: a.status == "approved"))
        rejected = len(assignments.filtered(lambda a: a.status == "rejected"))
        kind = self.approval_type
        if kind == "majority":
            need = n // 2 + 1
            if self.tie_policy == "approve" and n % 2 == 0:
                need = n // 2
            need = min(max(need, self.required_approvals), n)
            if approved >= need:
                return "approved"
            if rejected > n - need:
                return "rejected"
            return None
        if rejected:
            return "rejected"  # any, all and sequential: one rejection rejects
        if kind == "all":
            need = n
        else:  # any; sequential levels hold one approver each
            need = min(max(1, self.required_approvals if kind == "any" else 1), n)
        return "approved" if approved >= need else None

    def _evaluate(self):
        """Apply the decision rule level by level; open the next level when one is decided."""
        self.ensure_one()
        if self.status != "pending":
            return None
        for level in sorted(set(self.assignment_ids.mapped("level"))):
            in_level = self.assignment_ids.filtered(lambda a, lv=level: a.level == lv)
            outcome = self._level_outcome(in_level)
            if outcome == "rejected":
                return self._complete("rejected")
            if outcome != "approved":
                if not in_level.filtered(lambda a: a.status == "pending"):
                    self._open_next_level()
                return None
            self._skip(in_level.filtered(lambda a: a.status in PENDING))
        return self._complete("approved")  # every level approved

    def _skip(self, assignments, event="closed"):
        if not assignments:
            return
        pending = assignments.filtered(lambda a: a.status == "pending")
        self._clear_activities(pending)
        holders = pending._holders()
        assignments.write({"status": "skipped"})
        self._notify_counters(holders, event)

    def _complete(self, outcome, comment=None):
        """Close the request once: the conditional update makes a second completion a no-op."""
        self.ensure_one()
        if not self._close(outcome):
            return False
        self._skip(self.assignment_ids.filtered(lambda a: a.status in PENDING))
        if comment:
            self.outcome_comment = comment
        instance = self.instance_id
        trigger = "approval" if outcome == "approved" else "rejection"
        transition = self.state_id.outgoing_transition_ids.filtered(lambda t: t.trigger_type == trigger)[:1]
        if (
            outcome != "cancelled"
            and instance.status == "active"
            and instance.current_state_id == self.state_id
        ):
            if transition:
                if instance._fire_system(transition, action_type=trigger, comment=comment):
                    instance._run_condition_transitions()
            else:
                instance.message_post(
                    body=_(
                        "Approval step %(step)s ended (%(outcome)s) but no %(trigger)s transition leaves it.",
                        step=self.state_id.name,
                        outcome=outcome,
                        trigger=trigger,
                    )
                )
        self.message_post(body=_("Request %s.", dict(self._fields["status"].selection)[outcome].lower()))
        return True

    def _close(self, outcome):
        """Set the final status once, under the request's row lock: False when it was already closed.

        The lock (held already by a decision, taken here otherwise) makes a
        concurrent closer wait and then see the new status, so exactly one
        of them closes the request; one ORM write, so the change is tracked
        and the suite's hooks (SLA, audit) see it.
        """
        self.ensure_one()
        self._lock_request()
        if self.status != "pending":
            return False
        self.write({"status": outcome, "completed_at": fields.Datetime.now()})
        return True

    def _cancel(self, reason=None):
        for req in self.filtered(lambda r: r.status == "pending"):
            if not req._close("cancelled"):
                continue
            req._skip(req.assignment_ids.filtered(lambda a: a.status in PENDING), event="cancelled")
            if reason:
                req.message_post(body=reason)

    # ------------------------------------------------------------------
    # jobs: deadlines (escalate / auto approve / auto reject / notify) and reminders
    # ------------------------------------------------------------------
    @job(batch_size=100)
    def _job_deadlines(self, limit=100):
        now = fields.Datetime.now()
        ids = self.env["workflow.job"]._lock_batch(
            "approval_request", "status = 'pending' AND due_at <= %s", (now,), limit=limit, order="due_at"
        )
        for req in self.browse(ids):
            try:
                with self.env.cr.savepoint():
                    req._handle_deadline(now)
            except Exception:  # one broken request must not block the others
                _logger.exception("deadline handling failed for approval request %s", req.id)
                req.write({"due_at": False})
                req.message_post(body=_("The deadline could not be handled automatically; please check."))
        return len(ids)

    def _handle_deadline(self, now):
        state = self.state_id
        action = state.timeout_action
        pending = self.assignment_ids.filtered(lambda a: a.status == "pending")
        if action == "auto_approve":
            self.instance_id._history(
                "timeout", state, state, comment=_("Approved automatically: deadline passed.")
            )
            self._complete("approved", comment=_("Approved automatically: deadline passed."))
        elif action == "auto_reject":
            self.instance_id._history(
                "timeout", state, state, comment=_("Rejected automatically: deadline passed.")
            )
            self._complete("rejected", comment=_("Rejected automatically: deadline passed."))
        elif action == "escalate" and self._escalation_targets(pending):
            targets = self._escalation_targets(pending)
            level = (
                min(pending.mapped("level")) if pending else max(self.assignment_ids.mapped("level") or [1])
            )
            new = self.env["approval.assignment"].create(
                [
                    {
                        "request_id": self.id,
                        "approver_id": u.id,
                        "level": level,
                        "sequence": 100 + i,
                        "status": "waiting",
                    }
                    for i, u in enumerate(targets)
                ]
            )
            self.write(
                {
                    "escalation_level": self.escalation_level + 1,
                    "escalated_to": targets[0].id,
                    "due_at": now + timedelta(hours=state.timeout_hours) if state.timeout_hours else False,
                }
            )
            for assignment in new:
                assignment.write({"status": "pending", "notified_at": now})
                assignment.activity_id = self._schedule_activity(assignment.approver_id)
            self._notify_counters(new._holders(), "assigned")
            self.instance_id._history(
                "escalation",
                state,
                state,
                comment=_(
                    "Escalated (level %(level)s) to %(users)s: deadline passed.",
                    level=self.escalation_level,
                    users=", ".join(targets.mapped("name")),
                ),
            )
        else:
            self.write({"due_at": False})
            self.instance_id._history("timeout", state, state, comment=_("Approval deadline passed."))
            for assignment in pending:
                self._remind(assignment, overdue=True)

    def _escalation_targets(self, pending):
        """Configured user/group of the step, else the managers of the pending approvers
        (``res.users._workflow_managers``: workflow_hr fills it in when hr is installed)."""
        state = self.state_id
        targets = state.escalation_user_id | state.escalation_group_id.users
        if not targets:
            targets = pending.approver_id._workflow_managers(self.company_id)
        assigned = self.assignment_ids.approver_id
        return targets.filtered(lambda u: u not in assigned and u.active)

    @job(batch_size=200)
    def _job_reminders(self, limit=200):
        now = fields.Datetime.now()
        ids = self.env["workflow.job"]._lock_batch(
            "approval_assignment",
            "status = 'pending' AND next_reminder_at <= %s",
            (now,),
            limit=limit,
            order="next_reminder_at",
        )
        for assignment in self.env["approval.assignment"].browse(ids):
            assignment.request_id._remind(assignment)
            interval = assignment.request_id.state_id.reminder_interval_hours
            assignment.next_reminder_at = now + timedelta(hours=interval) if interval else False
        return len(ids)

    def _remind(self, assignment, overdue=False):
        user = assignment.delegated_to or assignment.approver_id
        body = (
            _("Overdue: your approval of %s is still pending.", self.name)
            if overdue
            else _("Reminder: your approval of %s is pending.", self.name)
        )
        self.message_post(
            body=body,
            partner_ids=user.partner_id.ids,
            message_type="notification",
            subtype_xmlid="mail.mt_comment",
        )
        assignment.write(
            {"reminder_count": assignment.reminder_count + 1, "last_reminder_at": fields.Datetime.now()}
        )

    # ------------------------------------------------------------------
    # UI helpers
    # ------------------------------------------------------------------
    def action_decision_wizard(self, decision="approve"):
        return {
            "type": "ir.actions.act_window",
            "name": _("Decide"),
            "res_model": "approval.decision.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_request_ids": self.ids, "default_decision": decision},
        }

    def action_approve_wizard(self):
        return self.action_decision_wizard("approve")

    def action_reject_wizard(self):
        return self.action_decision_wizard("reject")

    def action_delegate_wizard(self):
        return self.action_decision_wizard("delegate")
