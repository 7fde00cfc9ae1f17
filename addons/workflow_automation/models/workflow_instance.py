import logging
from datetime import timedelta

from markupsafe import Markup
from psycopg2 import errors as pg_errors

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.query import Query

from ..tools.jobs import job
from ..tools.rpc_args import (
    MAX_CODE,
    MAX_COMMENT,
    MAX_CONTEXT_BYTES,
    MAX_NAME,
    as_context,
    as_id,
    as_text,
    check_records,
    check_sizes,
)

_logger = logging.getLogger(__name__)

MAX_AUTOMATIC_STEPS = 25
BUSY_CONTEXT = "workflow_busy_instance_ids"


class WorkflowInstance(models.Model):
    _name = "workflow.instance"
    _description = "Workflow Instance"
    _inherit = ["mail.thread", "workflow.target.mixin"]
    _order = "started_at desc, id desc"

    name = fields.Char(compute="_compute_name", store=True)
    workflow_id = fields.Many2one("workflow.definition", required=True, index=True, ondelete="restrict")
    live_workflow_id = fields.Many2one(
        "workflow.definition",
        compute="_compute_live_workflow",
        store=True,
        index=True,
        string="Workflow Definition",
        help="The definition as users know it, whichever version this instance runs on.",
    )
    version = fields.Integer(readonly=True, help="Version of the definition this instance started on.")
    current_state_id = fields.Many2one("workflow.state", string="State", index=True, tracking=True)
    state_type = fields.Selection(related="current_state_id.state_type")
    status = fields.Selection(
        [
            ("active", "Running"),
            ("completed", "Completed"),
            ("cancelled", "Cancelled"),
            ("error", "Error"),
            ("timeout", "Timed Out"),
        ],
        default="active",
        required=True,
        index=True,
        tracking=True,
    )
    started_at = fields.Datetime(default=fields.Datetime.now, required=True, index=True)
    completed_at = fields.Datetime()
    due_at = fields.Datetime(string="Due", index=True)
    state_entered_at = fields.Datetime(string="In State Since")
    state_due_at = fields.Datetime(string="State Deadline", index=True)
    context_data = fields.Json(default=dict)
    error_message = fields.Text()
    retry_count = fields.Integer(default=0)
    started_by = fields.Many2one("res.users", default=lambda self: self.env.user, index=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    history_ids = fields.One2many("workflow.history", "instance_id")
    available_transitions = fields.Json(compute="_compute_available_transitions")
    is_overdue = fields.Boolean(compute="_compute_is_overdue")
    duration_hours = fields.Float(compute="_compute_duration_hours", string="Duration (h)")
    ended_rejected = fields.Boolean(
        compute="_compute_ended_rejected",
        string="Ended by a Rejection",
        help="Completed, but through a rejection: shown in red, not in the green of an approval.",
    )

    def init(self):
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS workflow_instance_running_due_idx
               ON workflow_instance (state_due_at, due_at) WHERE status = 'active'"""
        )
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS workflow_instance_target_idx
               ON workflow_instance (model_name, record_id, status)"""
        )

    @api.constrains("context_data")
    def _check_context_size(self):
        check_sizes(self, {"context_data": MAX_CONTEXT_BYTES})

    # ------------------------------------------------------------------
    # computes
    # ------------------------------------------------------------------
    @api.depends("workflow_id", "record_name", "record_id")
    def _compute_name(self):
        for inst in self:
            inst.name = f"{inst.workflow_id.name or ''} / {inst.record_name or inst.record_id}"

    @api.depends("workflow_id.current_version_id")
    def _compute_live_workflow(self):
        for inst in self:
            inst.live_workflow_id = inst.workflow_id.current_version_id or inst.workflow_id

    def _compute_is_overdue(self):
        now = fields.Datetime.now()
        for inst in self:
            deadline = min(d for d in (inst.state_due_at, inst.due_at, now + timedelta(days=36500)) if d)
            inst.is_overdue = inst.status == "active" and deadline < now

    def _compute_duration_hours(self):
        now = fields.Datetime.now()
        for inst in self:
            end = inst.completed_at or now
            inst.duration_hours = (end - inst.started_at).total_seconds() / 3600.0 if inst.started_at else 0.0

    @api.depends("status", "current_state_id")
    def _compute_ended_rejected(self):
        completed = self.filtered(lambda i: i.status == "completed" and isinstance(i.id, int))
        last = {}
        if completed:
            for row in (
                self.env["workflow.history"]
                .sudo()
                .search_read(
                    [("instance_id", "in", completed.ids)], ["instance_id", "action_type"], order="id"
                )
            ):
                last[row["instance_id"][0]] = row["action_type"]
        for inst in self:
            inst.ended_rejected = last.get(inst.id) == "rejection"

    @api.depends("current_state_id", "status")
    @api.depends_context("uid")
    def _compute_available_transitions(self):
        for inst in self:
            inst.available_transitions = [
                {
                    "id": tr.id,
                    "name": tr.name,
                    "label": tr._label(),
                    "class": tr.button_class or "btn-secondary",
                    "require_comment": bool(tr.require_comment or inst.workflow_id.require_comment),
                }
                for tr in inst._available_transition_records()
            ]

    def _available_transition_records(self):
        """User transitions the current user may fire now (none unless they may write the record)."""
        self.ensure_one()
        if self.status != "active" or not self.current_state_id:
            return self.env["workflow.transition"]
        if not self._may_change_target():
            return self.env["workflow.transition"]
        record = self._get_record()
        if not record:
            return self.env["workflow.transition"]
        return self.current_state_id.sudo().outgoing_transition_ids.filtered(
            lambda t: (
                t.trigger_type == "user_action"
                and t.is_visible
                and t._user_may_fire()
                and t._check_record(record)
            )
        )

    # ------------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------------
    def _lock(self):
        """Row lock on the instances; a concurrent change gets a clear error instead of a double transition.

        One query locks the rows and reads them again (``FOR UPDATE SKIP LOCKED``, every stored
        column into the cache): what the caller reads next is the row as it stands under the lock.
        A row another transaction holds is skipped, not waited for, and that is the error below;
        no savepoint is needed, since skipping leaves the transaction as it was. The one case
        that aborts the transaction is a row changed and committed by someone else after this
        transaction began (a serialization failure): the same error is raised, and the request
        is rolled back with it.
        """
        if not self:
            return
        self.invalidate_recordset()  # flushes this transaction's pending changes of these rows first
        fnames = [name for name, field in self._fields.items() if field.prefetch is True]
        columns = [field for field in self.sudo()._determine_fields_to_fetch(fnames) if field.column_type]
        query = Query(self.env.cr, self._table, self._table_query)
        query.add_where(SQL("%s IN %s", SQL.identifier(self._table, "id"), tuple(self.ids)))
        select = query.select(
            SQL.identifier(self._table, "id"),
            *(self._field_to_sql(self._table, field.name, query) for field in columns),
        )
        try:
            # what ``_fetch_query`` does, with the lock (and no error logged for a refused one)
            self.env.cr.execute(
                SQL("%s FOR UPDATE OF %s SKIP LOCKED", select, SQL.identifier(self._table)),
                log_exceptions=False,
            )
        except pg_errors.SerializationFailure as exc:
            raise self._busy_error() from exc
        rows = self.env.cr.fetchall()
        locked = self.browse(row[0] for row in rows)
        if rows:
            for field, values in zip(columns, list(zip(*rows))[1:]):
                self.env.cache.insert_missing(locked, field, values)
        if len(locked) < len(self):
            gone = (self - locked) - (self - locked).exists()
            if gone:
                raise MissingError(_("This workflow was deleted in the meantime: reload the page."))
            raise self._busy_error()

    def _busy_error(self):
        return UserError(
            _("Another user is changing this workflow at this very moment. Reload the page and try again.")
        )

    def _check_target_access(self, operation="read"):
        """The caller must be allowed to see (``read``) or change (``write``) the record the workflow runs on.

        Firing a user transition is like pressing a button on the record's form: it needs ``write``.
        """
        for inst in self:
            if inst.model_name not in self.env:
                continue
            target = self.env[inst.model_name].browse(inst.record_id)
            target.check_access_rights(operation)
            target.check_access_rule(operation)

    def _may_change_target(self):
        """True when the current user may write the record of this instance (no exception)."""
        self.ensure_one()
        if self.model_name not in self.env:
            return False
        target = self.env[self.model_name].browse(self.record_id)
        if not target.check_access_rights("write", raise_exception=False):
            return False
        return bool(target._filter_access_rules("write"))

    def _action_run_user(self, action):
        """Who an action of this workflow runs as: the user who last configured it (never more).

        ``workflow_configured_by`` of the server action (set by its create and
        write, whoever the ORM runs as): the superuser for shipped data, an
        administrator for actions set up in Settings, the workflow manager who
        imported or edited it otherwise. ``write_uid`` is not used: Odoo also
        sets it when it recomputes a stored field, as whichever user flushes.
        """
        action = action.sudo()
        return action.workflow_configured_by or action.create_uid or self.env.ref("base.user_root")

    def _run_actions(self, actions, record):
        """Run server actions on the target record with the rights of whoever configured them.

        Each action runs as the user who last wrote it (see ``_action_run_user``),
        never with ``sudo()``, with the instance's company allowed; that user must
        belong to that company. Actions configured by someone who is not an
        administrator are checked again against the deny-list of sensitive models,
        fields and action kinds (``ir.actions.server._workflow_refusal``): an action
        an administrator wrote and somebody else re-pointed later is refused here
        even if it slipped past the checks at save time. Who may fire the transition
        (write access to the record) was checked before.
        """
        if not actions or not record:
            return
        ctx = {
            "active_model": record._name,
            "active_id": record.id,
            "active_ids": record.ids,
            "workflow_instance_id": self.id,
            "workflow_in_action": True,
            BUSY_CONTEXT: list(self.env.context.get(BUSY_CONTEXT, [])) + [self.id],
        }
        company = self.sudo().company_id
        for action in actions:
            user = self._action_run_user(action)
            action._workflow_check_rights(user)
            if not user._is_superuser():
                if company not in user.company_ids:
                    raise AccessError(
                        _(
                            "The action %(action)s runs with the rights of %(user)s, who has no access to "
                            "the company %(company)s of this workflow.",
                            action=action.sudo().name,
                            user=user.name,
                            company=company.name,
                        )
                    )
                companies = company.ids + (user.company_ids - company).ids
            else:
                companies = company.ids
            action.with_user(user).with_context(**ctx, allowed_company_ids=companies).run()

    def _post_on_record(self, body, record=None):
        """A note in the document's chatter about the workflow's start or end (or a transition,
        whose caller decides by the definition's ``chatter_mode``); none in mode "none".
        The History tab keeps every step whatever the mode."""
        if self.env.context.get("workflow_quiet_chatter"):
            return  # the caller says it in its own words (a bridge's "Requested approval")
        if (self.workflow_id.chatter_mode or "start_end") == "none":
            return
        record = record if record is not None else self._get_record()
        if record and hasattr(record, "message_post"):
            record.message_post(body=body, subtype_xmlid="mail.mt_note")

    def _history(self, action_type, from_state, to_state, transition=None, comment=None, duration=None):
        # the line belongs to the instance's company: its defaults are looked up there, which
        # spares reading the user's own company for them
        return (
            self.env["workflow.history"]
            .sudo()
            .with_context(allowed_company_ids=self.sudo().company_id.ids)
            .create(
                {
                    "instance_id": self.id,
                    "transition_id": transition.id if transition else False,
                    "from_state_id": from_state.id if from_state else False,
                    "to_state_id": to_state.id if to_state else False,
                    "from_state_name": from_state.name if from_state else False,
                    "to_state_name": to_state.name if to_state else False,
                    "action_type": action_type,
                    "performed_by": self.env.uid,
                    "comment": comment or False,
                    "duration_seconds": duration,
                }
            )
        )

    # ------------------------------------------------------------------
    # start
    # ------------------------------------------------------------------
    @api.model
    def _start(self, definition, records, context_data=None, from_trigger=False):
        """Start ``definition`` on ``records``; returns the new instances (sudo)."""
        definition = definition.sudo()
        definition.ensure_one()
        if not definition.active:
            raise UserError(_("The workflow %s is archived and cannot be started.", definition.name))
        if records._name != definition.model_name:
            raise UserError(
                _(
                    "Workflow %(wf)s runs on %(model)s, not on %(other)s.",
                    wf=definition.name,
                    model=definition.model_name,
                    other=records._name,
                )
            )
        if not records:
            return self.browse()
        # serialise concurrent starts on the same records
        for rid in records.ids:
            self.env.cr.execute("SELECT pg_advisory_xact_lock(%s, %s)", (definition.id, rid))
        if not definition.allow_parallel:
            versions = definition | definition.with_context(active_test=False).old_version_ids
            running = self.sudo().search(
                [
                    ("workflow_id", "in", versions.ids),
                    ("record_id", "in", records.ids),
                    ("model_name", "=", records._name),
                    ("status", "=", "active"),
                ]
            )
            busy = set(running.mapped("record_id"))
            if busy and not from_trigger:
                raise UserError(
                    _(
                        "Workflow %(wf)s is already running on %(records)s.",
                        wf=definition.name,
                        records=", ".join(records.filtered(lambda r: r.id in busy).mapped("display_name")),
                    )
                )
            records = records.filtered(lambda r: r.id not in busy)
            if not records:
                return self.browse()
        initial = definition.get_initial_state()
        now = fields.Datetime.now()
        company = definition.company_id
        instances = self.sudo().create(
            [
                {
                    "workflow_id": definition.id,
                    "version": definition.version,
                    "model_name": rec._name,
                    "record_id": rec.id,
                    "record_name": rec.display_name,
                    "current_state_id": initial.id,
                    "status": "active",
                    "started_at": now,
                    "state_entered_at": now,
                    "state_due_at": initial._deadline_from(now),
                    "due_at": now + timedelta(hours=definition.timeout_hours)
                    if definition.timeout_hours
                    else False,
                    "context_data": context_data or {},
                    "started_by": self.env.uid,
                    "company_id": rec.company_id.id if "company_id" in rec and rec.company_id else company.id,
                }
                for rec in records.sudo()
            ]
        )
        self.env["workflow.history"].sudo().create(
            [
                {
                    "instance_id": inst.id,
                    "to_state_id": initial.id,
                    "to_state_name": initial.name,
                    "action_type": "start",
                    "performed_by": self.env.uid,
                    "comment": _("Workflow started"),
                }
                for inst in instances
            ]
        )
        for inst in instances:
            record = inst._get_record()
            try:
                with self.env.cr.savepoint():
                    inst._run_actions(initial.on_enter_action_ids, record)
                    inst._enter_state_hook(initial)
            except Exception as exc:
                if not from_trigger:
                    raise UserError(
                        _("Workflow %(wf)s could not start: %(err)s", wf=definition.name, err=exc)
                    ) from exc
                inst._record_error(exc)
                continue
            inst._post_on_record(
                Markup(_("Started <b>%(wf)s</b> (%(state)s)."))
                % {"wf": definition.name, "state": initial.name}
            )
            inst._run_condition_transitions()
        return instances

    @api.model
    def start_workflow(self, code, model_name, record_id, context_data=None):
        """XML-RPC: start the workflow ``code`` on one record; returns the instance id."""
        if not isinstance(code, str) or not isinstance(model_name, str) or not isinstance(record_id, int):
            raise ValidationError(_("start_workflow expects (code: str, model_name: str, record_id: int)."))
        if context_data is not None and not isinstance(context_data, dict):
            raise ValidationError(_("context_data must be a JSON object."))
        as_text(code, "start_workflow: code", MAX_CODE, required=True)
        as_text(model_name, "start_workflow: model_name", MAX_NAME, required=True)
        as_id(record_id, "start_workflow: record_id")
        as_context(context_data, "start_workflow: context_data")
        if model_name not in self.env:
            raise ValidationError(_("Unknown model %s.", model_name))
        definition = self.env["workflow.definition"].search(
            [("code", "=", code), ("model_name", "=", model_name), ("current_version_id", "=", False)],
            limit=1,
        )
        if not definition:
            raise UserError(
                _("No active workflow with code %(code)s on %(model)s.", code=code, model=model_name)
            )
        record = self.env[model_name].browse(record_id)
        if not record.exists():
            raise UserError(_("%(model)s record %(id)s does not exist.", model=model_name, id=record_id))
        record.check_access_rights("write")
        record.check_access_rule("write")
        return self._start(definition, record, context_data=context_data).id

    # ------------------------------------------------------------------
    # transitions
    # ------------------------------------------------------------------
    def fire(self, transition_id, comment=None):
        """Fire a user transition (UI and XML-RPC); returns the new state code."""
        check_records(self, "fire: the workflow instance", single=True)
        self.ensure_one()
        if not isinstance(transition_id, int):
            raise ValidationError(_("fire expects a transition id (integer)."))
        if comment is not None and not isinstance(comment, str):
            raise ValidationError(_("The comment must be text."))
        as_id(transition_id, "fire: transition_id")
        as_text(comment, "fire: comment", MAX_COMMENT)
        self.check_access_rights("read")
        inst = self.sudo()
        # the lock first: its query reads the row as it stands under the lock, and the rule
        # checks below read it from there (a caller without record access holds the lock only
        # until its request fails)
        inst._lock()
        self.check_access_rule("read")
        # like pressing a button on the record's form: the caller must be allowed to change it
        self._check_target_access("write")
        transition = self.env["workflow.transition"].sudo().browse(transition_id)
        try:
            transition.from_state_id  # noqa: B018 - reads the transition row; a deleted one is refused
        except MissingError:
            raise UserError(_("Transition %s does not exist.", transition_id)) from None
        record = inst._check_can_fire(transition, comment, by_user=True)
        from_state, to_state = inst.current_state_id, transition.to_state_id
        (from_state | to_state).mapped("name")  # both states in one query
        has_actions = inst._has_actions(from_state, transition, to_state)
        try:
            if has_actions or "approval" in (from_state.state_type, to_state.state_type):
                # server actions and approval requests write what a failure must take back
                # even for a caller that goes on after the error
                with self.env.cr.savepoint():
                    inst._apply_transition(transition, record, comment)
            else:
                # the instance row, a history line and at most a chatter note: a failure
                # raises out of this call, and the request that made it is rolled back
                inst._apply_transition(transition, record, comment)
                self.env.cr.flush()  # what the savepoint's end does: the writes, then the tracking
        except AccessError as exc:
            raise AccessError(
                _(
                    "%(tr)s could not be done and nothing was changed: %(err)s",
                    tr=transition.name,
                    err=exc.args[0],
                )
            ) from exc
        except (UserError, ValidationError) as exc:
            raise UserError(
                _(
                    "%(tr)s could not be done and nothing was changed: %(err)s",
                    tr=transition.name,
                    err=exc.args[0],
                )
            ) from exc
        except Exception as exc:
            _logger.exception("workflow transition %s failed on instance %s", transition.id, inst.id)
            raise UserError(
                _("%(tr)s could not be done and nothing was changed: %(err)s", tr=transition.name, err=exc)
            ) from exc
        inst._run_condition_transitions()
        return inst.current_state_id.code

    def _check_can_fire(self, transition, comment, by_user):
        self.ensure_one()
        if self.status != "active":
            raise UserError(
                _(
                    "The workflow on %(rec)s is %(status)s; no transition can be done.",
                    rec=self.record_name,
                    status=dict(self._fields["status"].selection)[self.status],
                )
            )
        if transition.from_state_id != self.current_state_id:
            raise UserError(
                _(
                    "%(tr)s cannot be done from state %(state)s (the workflow may have moved on: reload the page).",
                    tr=transition.name,
                    state=self.current_state_id.name,
                )
            )
        if by_user:
            if transition.trigger_type != "user_action":
                raise UserError(_("%s happens automatically and cannot be done by hand.", transition.name))
            if not transition._user_may_fire(self.env.user):
                raise AccessError(
                    _(
                        "You are not allowed to do %(tr)s (reserved to: %(groups)s).",
                        tr=transition.name,
                        groups=", ".join(transition.group_ids.mapped("full_name")),
                    )
                )
            if (transition.require_comment or self.workflow_id.require_comment) and not (
                comment or ""
            ).strip():
                raise UserError(_("%s needs a comment.", transition.name))
        record = self._get_record()
        if not record:
            raise UserError(_("The record of this workflow no longer exists."))
        if not transition._check_record(record):
            raise UserError(
                _(
                    "%(tr)s is not possible: %(rec)s does not meet its condition %(cond)s.",
                    tr=transition.name,
                    rec=record.display_name,
                    cond=transition.condition_domain,
                )
            )
        return record

    def _apply_transition(self, transition, record, comment=None, action_type="transition"):
        """on-exit actions, transition actions, state change, on-enter actions, history (caller holds a savepoint)."""
        self.ensure_one()
        from_state, to_state = self.current_state_id, transition.to_state_id
        # both states in one query (their names, types and deadlines are all needed below)
        (from_state | to_state).mapped("name")
        now = fields.Datetime.now()
        mode = self.workflow_id.chatter_mode or "start_end"
        has_actions = self._has_actions(from_state, transition, to_state)
        self._leave_state_hook(from_state)
        if has_actions:
            self._run_actions(from_state.on_exit_action_ids, record)
            self._run_actions(transition.action_ids, record)
        vals = {
            "current_state_id": to_state.id,
            "state_entered_at": now,
            "state_due_at": to_state._deadline_from(now),
            "error_message": False,
        }
        if to_state.is_final:
            vals.update(status="completed", completed_at=now, state_due_at=False)
        duration = int((now - self.state_entered_at).total_seconds()) if self.state_entered_at else None
        # the instance's own chatter tracks its state only in mode "all": the History tab has every step
        self.with_context(mail_notrack=mode != "all").write(vals)
        if has_actions:
            self._run_actions(to_state.on_enter_action_ids, record)
        self._history(action_type, from_state, to_state, transition, comment, duration)
        self._enter_state_hook(to_state)
        if transition.trigger_type in ("approval", "rejection") and not comment:
            return  # the approver's decision is already in the chatter in their words
        if mode == "none" or (mode == "start_end" and not (to_state.is_final or comment)):
            return
        # the button's words, then where the document now stands: "Request Approval — now Approval"
        body = Markup(_("<b>%(tr)s</b> — now %(to)s")) % {"tr": transition._label(), "to": to_state.name}
        if comment:
            body += Markup("<br/>") + comment
        self._post_on_record(body, record=record)

    @api.model
    def _has_actions(self, from_state, transition, to_state):
        """Whether leaving ``from_state`` by ``transition`` into ``to_state`` runs any server action.

        Read with the transition (``runs_actions``) for its own states; otherwise one query for
        the three relations instead of one per relation.
        """
        if transition.from_state_id == from_state and transition.to_state_id == to_state:
            return transition.runs_actions
        self.env["workflow.state"].flush_model(["on_exit_action_ids", "on_enter_action_ids"])
        self.env["workflow.transition"].flush_model(["action_ids"])
        self.env.cr.execute(
            """SELECT EXISTS(SELECT 1 FROM workflow_state_exit_action_rel WHERE state_id = %s)
                   OR EXISTS(SELECT 1 FROM workflow_transition_action_rel WHERE transition_id = %s)
                   OR EXISTS(SELECT 1 FROM workflow_state_enter_action_rel WHERE state_id = %s)""",
            (from_state.id or 0, transition.id, to_state.id or 0),
        )
        return self.env.cr.fetchone()[0]

    def _enter_state_hook(self, state):
        """Called when the instance enters ``state``: approval states open their request."""
        if state.state_type == "approval":
            self.env["approval.request"]._create_for(self, state)

    def _leave_state_hook(self, state):
        """Called when the instance leaves ``state`` by any transition: close what is still pending there."""
        if state and state.state_type != "approval":
            return  # approval requests are opened only in approval states (``_enter_state_hook``)
        self.env["approval.request"].sudo().search(
            [("instance_id", "=", self.id), ("state_id", "=", state.id), ("status", "=", "pending")]
        )._cancel(_("The workflow moved on."))

    def _approval_levels(self, state, record):
        """Approvers of an approval state, as levels decided one after the other.

        Returns ``[[(user, group), ...], ...]``. By default one level with the
        state's users, groups and record field; bridges (e.g. the sales
        approval matrix) override this to build several levels.
        """
        return [state.get_approvers(record)]

    def _fire_system(self, transition, action_type="transition", comment=None):
        """Fire an automatic transition; a failure is recorded on the instance instead of raised."""
        self.ensure_one()
        try:
            self._check_can_fire(transition, comment, by_user=False)
            with self.env.cr.savepoint():
                self._apply_transition(transition, self._get_record(), comment, action_type)
        except Exception as exc:  # recorded on the instance, shown to managers
            _logger.warning("automatic transition %s failed on instance %s: %s", transition.id, self.id, exc)
            self._record_error(exc)
            return False
        return True

    def _record_error(self, exc):
        message = exc.args[0] if isinstance(exc, (UserError, ValidationError)) and exc.args else str(exc)
        self.sudo().write({"status": "error", "error_message": message, "retry_count": self.retry_count + 1})
        self._history("error", self.current_state_id, self.current_state_id, comment=message)

    def _run_condition_transitions(self):
        """Fire automatic (condition) transitions while one applies."""
        for inst in self.sudo():
            if inst.id in self.env.context.get(BUSY_CONTEXT, []):
                continue
            for _step in range(MAX_AUTOMATIC_STEPS):
                if inst.status != "active" or not inst.current_state_id.has_condition_exit:
                    break
                # one query, nothing more to read in the usual case of a state without conditions
                conditions = (
                    self.env["workflow.transition"]
                    .sudo()
                    .search(
                        [("from_state_id", "=", inst.current_state_id.id), ("trigger_type", "=", "condition")]
                    )
                )
                if not conditions:
                    break
                record = inst._get_record()
                candidate = conditions.filtered(lambda t, rec=record: t._check_record(rec))[:1]
                if not candidate or not inst._fire_system(candidate):
                    break
            else:
                inst._record_error(
                    UserError(
                        _(
                            "More than %s automatic transitions in a row: the workflow loops.",
                            MAX_AUTOMATIC_STEPS,
                        )
                    )
                )

    # ------------------------------------------------------------------
    # user actions
    # ------------------------------------------------------------------
    def get_available_transitions(self):
        """XML-RPC: the transitions the caller may fire now, per instance id (none on records they may not write)."""
        check_records(self, "get_available_transitions: the workflow instances")
        self.check_access_rights("read")
        self.check_access_rule("read")
        return {str(inst.id): inst.available_transitions or [] for inst in self}

    def action_cancel(self, reason=None):
        """User path: a workflow manager, or whoever started the instance, cancels it."""
        check_records(self, "action_cancel: the workflow instances")
        as_text(reason, "action_cancel: reason", MAX_COMMENT)
        if not self:
            return True
        for inst in self:
            if not (
                self.env.user.has_group("workflow_automation.group_workflow_manager")
                or inst.started_by == self.env.user
            ):
                raise AccessError(
                    _("Only a workflow manager or the person who started it may cancel a workflow.")
                )
        return self._cancel_system(reason=reason)

    def _cancel_system(self, reason=None):
        """System path: cancel the running instances without asking who the user is.

        For bridges and jobs whose cancellation follows from something the
        user was allowed to do (an order moving into a higher band, a newer
        price request); private, so it cannot be called over RPC.
        """
        running = self.sudo().filtered(lambda i: i.status in ("active", "error", "timeout"))
        running._lock()
        for inst in running:
            inst._leave_state_hook(inst.current_state_id)
            inst.write({"status": "cancelled", "completed_at": fields.Datetime.now(), "state_due_at": False})
            inst._history("cancel", inst.current_state_id, inst.current_state_id, comment=reason)
            inst._post_on_record(_("Workflow %s cancelled.", inst.workflow_id.name))
        return True

    def action_retry(self):
        """Managers: put an instance in error (or timed out) back to running and re-check its conditions."""
        check_records(self, "action_retry: the workflow instances")
        if not self.env.user.has_group("workflow_automation.group_workflow_manager"):
            raise AccessError(_("Only workflow managers may retry a workflow."))
        # only instances the manager may see (their company, a document they may read)
        self.check_access_rights("write")
        self.check_access_rule("write")
        for inst in self.sudo().filtered(lambda i: i.status in ("error", "timeout")):
            inst._lock()
            inst.write({"status": "active", "error_message": False})
            inst._history("system", inst.current_state_id, inst.current_state_id, comment=_("Retried"))
            inst._run_condition_transitions()
        return True

    def action_workflow_fire(self, transition_id, comment=None):
        """Button of the form: fire, or ask for the comment first when one is needed."""
        check_records(self, "action_workflow_fire: the workflow instance", single=True)
        as_id(transition_id, "action_workflow_fire: transition_id")
        as_text(comment, "action_workflow_fire: comment", MAX_COMMENT)
        self.ensure_one()
        self.check_access_rights("read")
        self.check_access_rule("read")
        self._check_target_access("write")
        transition = self.env["workflow.transition"].sudo().browse(int(transition_id)).exists()
        if transition and (transition.require_comment or self.workflow_id.require_comment) and not comment:
            return self.action_open_fire_wizard(transition.id)
        self.fire(int(transition_id), comment=comment)
        return True

    def action_open_fire_wizard(self, transition_id):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Confirm"),
            "res_model": "workflow.transition.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_instance_id": self.id, "default_transition_id": transition_id},
        }

    # ------------------------------------------------------------------
    # jobs
    # ------------------------------------------------------------------
    @job(batch_size=200)
    def _job_timeouts(self, limit=200):
        """Handle state deadlines and workflow deadlines that have passed (precise to the cron interval)."""
        now = fields.Datetime.now()
        ids = self.env["workflow.job"]._lock_batch(
            "workflow_instance",
            "status = 'active' AND (state_due_at <= %s OR due_at <= %s)",
            (now, now),
            limit=limit,
            order="LEAST(state_due_at, due_at)",
        )
        for inst in self.browse(ids):
            try:
                with self.env.cr.savepoint():
                    inst._handle_timeout(now)
            except Exception as exc:  # one bad instance must not block the batch
                _logger.exception("timeout handling failed for workflow instance %s", inst.id)
                inst._record_error(exc)
        return len(ids)

    def _handle_timeout(self, now):
        self.ensure_one()
        state = self.current_state_id
        if self.state_due_at and self.state_due_at <= now:
            trigger = {"transition": "timeout", "auto_approve": "approval", "auto_reject": "rejection"}.get(
                state.timeout_action
            )
            transition = state.outgoing_transition_ids.filtered(lambda t: t.trigger_type == trigger)[:1]
            if transition:
                if self._fire_system(transition, action_type="timeout", comment=_("Deadline passed")):
                    self._run_condition_transitions()
            else:
                self._notify_timeout(state)
            return
        if self.due_at and self.due_at <= now:
            self.write({"status": "timeout", "state_due_at": False})
            self._history("timeout", state, state, comment=_("The workflow was not finished in time."))
            self._post_on_record(_("Workflow %s timed out.", self.workflow_id.name))

    def _notify_timeout(self, state):
        """Deadline of a state passed with nothing to fire: tell the person who started it, once."""
        self.write({"state_due_at": False})
        kind = "escalation" if state.timeout_action == "escalate" else "timeout"
        self._history(kind, state, state, comment=_("Deadline of state %s passed.", state.name))
        record = self._get_record()
        if record and hasattr(record, "activity_schedule") and self.started_by:
            record.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=_(
                    "Workflow %(wf)s overdue in state %(state)s", wf=self.workflow_id.name, state=state.name
                ),
                user_id=self.started_by.id,
            )
        else:
            self.message_post(body=_("Deadline of state %s passed.", state.name))
