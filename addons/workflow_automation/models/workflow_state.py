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
    )
    sequence = fields.Integer(default=10)
    is_initial = fields.Boolean(string="Initial")
    is_final = fields.Boolean(string="Final")
    color = fields.Integer()
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

    _sql_constraints = [
        (
            "workflow_code_unique",
            "UNIQUE(workflow_id, code)",
            "State codes must be unique within a workflow.",
        ),
        ("timeout_positive", "CHECK(timeout_hours >= 0)", "A state timeout cannot be negative."),
        ("min_approvers_positive", "CHECK(min_approvers >= 1)", "At least one approver is needed."),
    ]

    @api.constrains("name", "code", "approver_field_path")
    def _check_sizes(self):
        check_sizes(self, {"name": MAX_NAME, "code": MAX_CODE, "approver_field_path": MAX_NAME})

    @api.constrains("is_initial", "is_final", "state_type")
    def _check_flags(self):
        for state in self:
            if state.is_initial and state.is_final and state.workflow_id.active:
                raise ValidationError(_("State %s cannot be both initial and final.", state.name))

    @api.onchange("state_type")
    def _onchange_state_type(self):
        if self.state_type == "start":
            self.is_initial = True
        elif self.state_type == "end":
            self.is_final = True

    def _deadline_from(self, start):
        """Deadline of the instance in this state; approval states have theirs on the request."""
        self.ensure_one()
        if not self.timeout_hours or self.state_type == "approval":
            return False
        return start + timedelta(hours=self.timeout_hours)

    def _check_unlink(self):
        running = self.env["workflow.instance"].search_count(
            [("current_state_id", "in", self.ids), ("status", "=", "active")]
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
