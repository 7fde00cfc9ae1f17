from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..tools.rpc_args import MAX_CODE, MAX_NAME, check_sizes


class WorkflowState(models.Model):
    _name = "workflow.state"
    _inherit = ["workflow.structure.mixin"]
    _description = "Workflow State"
    _structure_field = "state_ids"
    _order = "workflow_id, sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True)
    # the type is the one place that says where instances begin and end:
    # is_initial / is_final only read it (and writing them sets it)
    state_type = fields.Selection(
        [
            ("start", "Start"),
            ("normal", "Normal"),
            ("approval", "Approval"),
            ("end", "End"),
            ("error", "Error"),
        ],
        string="Type",
        required=True,
        default="normal",
        help="Start: where every instance begins (the initial state). End: where instances finish "
        "(a final state; nothing leaves it). Approval: approvers decide before the instance moves on. "
        "Normal and Error: ordinary steps.",
    )
    sequence = fields.Integer(default=10)
    is_initial = fields.Boolean(
        string="Initial", compute="_compute_flags", store=True, help="A state of type Start."
    )
    is_final = fields.Boolean(
        string="Final", compute="_compute_flags", store=True, help="A state of type End."
    )
    color = fields.Integer()
    # where the state is drawn (designer, BPMN diagram): the centre, in pixels; both 0 = not placed
    position_x = fields.Float()
    position_y = fields.Float()
    model_name = fields.Char(related="workflow_id.model_name")
    # approval configuration (used by approval states)
    approval_type = fields.Selection(
        [
            ("any", "Any approver"),
            ("all", "All approvers"),
            ("sequential", "Sequential"),
            ("majority", "Majority"),
        ],
        default="any",
    )
    approver_user_ids = fields.Many2many("res.users", string="Approvers")
    approver_group_ids = fields.Many2many("res.groups", string="Approver Groups")
    min_approvers = fields.Integer(default=1)
    approver_field_path = fields.Char(
        string="Approver from Record",
        help="Field path on the record giving users, e.g. user_id or team_id.user_id.",
    )
    approval_tie_policy = fields.Selection(
        [("reject", "A tie rejects"), ("approve", "A tie approves")], default="reject", string="Majority Tie"
    )
    require_comment_on_rejection = fields.Boolean(default=True)
    require_comment_on_approval = fields.Boolean()
    reminder_interval_hours = fields.Float(help="Remind pending approvers every so many hours (0 = never).")
    escalation_user_id = fields.Many2one("res.users", string="Escalate to")
    escalation_group_id = fields.Many2one("res.groups", string="Escalate to Group")
    # actions
    on_enter_action_ids = fields.Many2many(
        "ir.actions.server",
        "workflow_state_enter_action_rel",
        "state_id",
        "action_id",
        string="On Enter",
        domain="[('model_name', '=', model_name)]",
    )
    on_exit_action_ids = fields.Many2many(
        "ir.actions.server",
        "workflow_state_exit_action_rel",
        "state_id",
        "action_id",
        string="On Exit",
        domain="[('model_name', '=', model_name)]",
    )
    # timeout
    timeout_hours = fields.Float(help="Time an instance may stay in this state (0 = no limit).")
    timeout_action = fields.Selection(
        [
            ("transition", "Fire the timeout transition"),
            ("escalate", "Escalate"),
            ("auto_approve", "Auto approve"),
            ("auto_reject", "Auto reject"),
            ("notify", "Notify only"),
        ],
        default="transition",
        help="What happens when the deadline passes; without a matching transition the starter is notified.",
    )
    outgoing_transition_ids = fields.One2many("workflow.transition", "from_state_id", string="Outgoing")
    incoming_transition_ids = fields.One2many("workflow.transition", "to_state_id", string="Incoming")
    # read with the state's row: the engine looks for automatic transitions only where one leaves
    has_condition_exit = fields.Boolean(
        compute="_compute_has_condition_exit",
        store=True,
        string="Automatic Transition Leaves",
        help="An automatic (condition) transition leaves this state.",
    )

    _sql_constraints = [
        (
            "workflow_code_unique",
            "UNIQUE(workflow_id, code)",
            "State codes must be unique within a workflow.",
        ),
        ("timeout_positive", "CHECK(timeout_hours >= 0)", "A state timeout cannot be negative."),
        ("min_approvers_positive", "CHECK(min_approvers >= 1)", "At least one approver is needed."),
    ]

    def init(self):
        # databases from before the type decided the flags: a flagged Normal state takes the
        # type its flag meant, then every flag follows the type (idempotent, runs on update)
        self.env.cr.execute(
            """UPDATE workflow_state SET state_type = CASE WHEN is_initial THEN 'start' ELSE 'end' END
                WHERE state_type = 'normal' AND (is_initial OR is_final)"""
        )
        self.env.cr.execute(
            """UPDATE workflow_state SET is_initial = (state_type = 'start'), is_final = (state_type = 'end')
                WHERE is_initial IS DISTINCT FROM (state_type = 'start')
                   OR is_final IS DISTINCT FROM (state_type = 'end')"""
        )

    @api.constrains("name", "code", "approver_field_path")
    def _check_sizes(self):
        check_sizes(self, {"name": MAX_NAME, "code": MAX_CODE, "approver_field_path": MAX_NAME})

    @api.depends("state_type")
    def _compute_flags(self):
        for state in self:
            state.is_initial = state.state_type == "start"
            state.is_final = state.state_type == "end"

    @api.model
    def _type_from_flags(self, vals, current_type=None):
        """Turn is_initial / is_final of ``vals`` into the state type they mean (in place).

        ``current_type`` is the type of the state being written (None on create).  Without a
        type in ``vals`` the flags decide (a cleared flag makes a Start or End state Normal);
        with one, a flag may make a Normal type precise and must agree with any other.
        """
        if "is_initial" not in vals and "is_final" not in vals:
            return vals
        initial, final = vals.pop("is_initial", None), vals.pop("is_final", None)
        name = vals.get("name") or self.name or vals.get("code") or ""
        if initial and final:
            raise ValidationError(_("State %s cannot be both initial and final.", name))
        state_type = vals.get("state_type")
        if not state_type:
            state_type = current_type or "normal"
            if initial or final:
                state_type = "start" if initial else "end"
            elif (initial is not None and state_type == "start") or (
                final is not None and state_type == "end"
            ):
                state_type = "normal"
        elif state_type == "normal" and (initial or final):
            state_type = "start" if initial else "end"
        if initial is not None and bool(initial) != (state_type == "start"):
            wrong = _("initial") if initial else _("not initial")
        elif final is not None and bool(final) != (state_type == "end"):
            wrong = _("final") if final else _("not final")
        else:
            vals["state_type"] = state_type
            return vals
        types = dict(self._fields["state_type"]._description_selection(self.env))
        raise ValidationError(
            _(
                "State %(state)s cannot be of type %(type)s and %(flag)s: the initial state "
                "is the Start state and the final states are the End states.",
                state=name,
                type=types[state_type],
                flag=wrong,
            )
        )

    @api.model_create_multi
    def create(self, vals_list):
        return super().create([self._type_from_flags(dict(vals)) for vals in vals_list])

    def write(self, vals):
        if "is_initial" not in vals and "is_final" not in vals:
            return super().write(vals)
        # the flags mean a type relative to each state's own: write state by state
        for state in self:
            super(WorkflowState, state).write(state._type_from_flags(dict(vals), state.state_type))
        return True

    @api.constrains("on_enter_action_ids", "on_exit_action_ids")
    def _check_action_rights(self):
        """A workflow manager who is not an administrator may not make a step run sensitive actions."""
        if not self.env.su:  # system code (frozen version copies) only keeps what was configured
            (self.on_enter_action_ids | self.on_exit_action_ids)._workflow_check_rights()

    @api.depends("outgoing_transition_ids.trigger_type")
    def _compute_has_condition_exit(self):
        for state in self:
            state.has_condition_exit = "condition" in state.outgoing_transition_ids.mapped("trigger_type")

    def _deadline_from(self, start):
        """Deadline of the instance in this state; approval states have theirs on the request."""
        self.ensure_one()
        if not self.timeout_hours or self.state_type == "approval":
            return False
        return start + timedelta(hours=self.timeout_hours)

    def _check_unlink(self):
        # every running instance counts, also those on documents the manager may not read
        running = (
            self.env["workflow.instance"]
            .sudo()
            .search_count([("current_state_id", "in", self.ids), ("status", "=", "active")])
        )
        if running:
            raise ValidationError(_("A state that running instances are in cannot be deleted."))

    @api.constrains("approver_user_ids", "approver_group_ids", "escalation_user_id", "escalation_group_id")
    def _check_approvers(self):
        if self.env.context.get("workflow_no_version"):
            return  # a frozen copy keeps the approvers its running instances had
        # archived users are hidden from many2many reads unless asked for
        for state in self.with_context(active_test=False):
            if state.workflow_id.current_version_id:
                continue
            where = _("State %s", state.name)
            self._check_approver_records(
                state.approver_user_ids | state.escalation_user_id,
                state.approver_group_ids | state.escalation_group_id,
                where,
            )

    @api.model
    def _check_approver_records(self, users, groups, where):
        """Refuse approvers who cannot decide in the back office: portal or public users, archived
        users, and groups meant for portal or public users.  Used at save and at JSON import."""
        outside = self.env.ref("base.group_portal") | self.env.ref("base.group_public")
        for user in users.sudo().with_context(active_test=False):
            if not user.active:
                raise ValidationError(
                    _("%(where)s: %(user)s is archived and cannot approve.", where=where, user=user.name)
                )
            if user.share:
                raise ValidationError(
                    _(
                        "%(where)s: %(user)s is a portal or public user and cannot approve; "
                        "approvers must be internal users.",
                        where=where,
                        user=user.name,
                    )
                )
        for group in groups.sudo():
            if group.share or (group | group.trans_implied_ids) & outside:
                raise ValidationError(
                    _(
                        "%(where)s: the group %(group)s is for portal or public users and cannot approve.",
                        where=where,
                        group=group.full_name,
                    )
                )

    @api.constrains("approver_field_path", "workflow_id")
    def _check_approver_field_path(self):
        for state in self.filtered("approver_field_path"):
            model = self.env.get(state.workflow_id.model_name)
            if model is None:
                continue
            try:
                field = model._fields[state.approver_field_path.split(".")[0]]
                value = model.browse().mapped(state.approver_field_path)
            except KeyError as exc:
                raise ValidationError(
                    _(
                        "%(path)s is not a field path of %(model)s.",
                        path=state.approver_field_path,
                        model=state.workflow_id.model_id.name,
                    )
                ) from exc
            if getattr(value, "_name", None) != "res.users" or not field.relational:
                raise ValidationError(_("%s must lead to users.", state.approver_field_path))

    def get_approvers(self, record=None):
        """Users who may decide in this approval state, as [(user, group), ...] in a stable order."""
        self.ensure_one()
        pairs, seen = [], set()

        def add(users, group=None):
            for user in users.filtered("active").sorted("id"):
                if user.id not in seen and not user.share:
                    seen.add(user.id)
                    pairs.append((user, group))

        add(self.approver_user_ids)
        for group in self.approver_group_ids:
            add(group.users, group)
        if record and self.approver_field_path:
            add(record.sudo().mapped(self.approver_field_path))
        return pairs
