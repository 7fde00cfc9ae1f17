from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..tools.conditions import check_domain, filter_records, parse_domain
from ..tools.rpc_args import MAX_COMMENT, MAX_NAME, check_sizes


class WorkflowTransition(models.Model):
    _name = "workflow.transition"
    _inherit = ["workflow.structure.mixin"]
    _description = "Workflow Transition"
    _structure_field = "transition_ids"
    _order = "workflow_id, sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    from_state_id = fields.Many2one(
        "workflow.state",
        string="From",
        required=True,
        ondelete="cascade",
        index=True,
        domain="[('workflow_id', '=', workflow_id)]",
    )
    to_state_id = fields.Many2one(
        "workflow.state",
        string="To",
        required=True,
        ondelete="cascade",
        index=True,
        domain="[('workflow_id', '=', workflow_id)]",
    )
    trigger_type = fields.Selection(
        [
            ("user_action", "User action"),
            ("condition", "Condition (automatic)"),
            ("timeout", "Timeout"),
            ("approval", "Approval"),
            ("rejection", "Rejection"),
        ],
        string="Trigger",
        required=True,
        default="user_action",
    )
    model_name = fields.Char(related="workflow_id.model_name")
    condition_domain = fields.Char(
        string="Condition",
        default="[]",
        help="The target record must match this domain for the transition to be possible.",
    )
    action_ids = fields.Many2many(
        "ir.actions.server",
        "workflow_transition_action_rel",
        "transition_id",
        "action_id",
        string="Actions",
        domain="[('model_name', '=', model_name)]",
    )
    button_label = fields.Char(translate=True)
    button_class = fields.Selection(
        [("btn-primary", "Primary"), ("btn-secondary", "Secondary"), ("btn-danger", "Danger")],
        default="btn-primary",
    )
    require_comment = fields.Boolean()
    is_visible = fields.Boolean(string="Show as Button", default=True)
    group_ids = fields.Many2many(
        "res.groups",
        string="Allowed Groups",
        help="Only members of these groups may fire the transition (empty: every workflow user).",
    )

    # read with the transition's row: whether firing it runs a server action (leaving its state,
    # on the way, entering the next); most run none, and then the engine asks nothing more
    runs_actions = fields.Boolean(
        compute="_compute_runs_actions",
        store=True,
        help="A server action runs when leaving the From state, on this transition or entering the To state.",
    )

    @api.depends("action_ids", "from_state_id.on_exit_action_ids", "to_state_id.on_enter_action_ids")
    def _compute_runs_actions(self):
        for tr in self:
            tr.runs_actions = bool(
                tr.action_ids or tr.from_state_id.on_exit_action_ids or tr.to_state_id.on_enter_action_ids
            )

    @api.model_create_multi
    def create(self, vals_list):
        # added from a state's form ("Comes from" / "Leads to"), a transition knows its
        # workflow through that state, which may be created in the same save
        vals_list = [dict(vals) for vals in vals_list]
        for vals in vals_list:
            if not vals.get("workflow_id"):
                states = self.env["workflow.state"].browse(
                    [vals[key] for key in ("from_state_id", "to_state_id") if vals.get(key)]
                )
                vals["workflow_id"] = states.workflow_id[:1].id
        return super().create(vals_list)

    @api.constrains("name", "button_label", "condition_domain")
    def _check_sizes(self):
        check_sizes(self, {"name": MAX_NAME, "button_label": MAX_NAME, "condition_domain": MAX_COMMENT})

    @api.constrains("condition_domain", "workflow_id")
    def _check_condition_domain(self):
        if self.env.context.get("workflow_no_version"):
            return  # a frozen copy keeps the condition its running instances had
        for tr in self:
            where = _("The condition of transition %s", tr.name)
            if tr.workflow_id.model_name in self.env:
                check_domain(self.env[tr.workflow_id.model_name], tr.condition_domain, where)
            else:
                parse_domain(tr.condition_domain, where)

    @api.constrains("action_ids")
    def _check_action_rights(self):
        """A workflow manager who is not an administrator may not make a transition run sensitive actions."""
        if not self.env.su:  # system code (frozen version copies) only keeps what was configured
            self.action_ids._workflow_check_rights()

    @api.constrains("from_state_id", "to_state_id", "workflow_id")
    def _check_same_workflow(self):
        for tr in self:
            if self.env.context.get("workflow_structure_defer"):
                continue
            if tr.from_state_id.workflow_id != tr.workflow_id or tr.to_state_id.workflow_id != tr.workflow_id:
                raise ValidationError(_("Transition %s links states of another workflow.", tr.name))

    def _get_domain(self):
        """The condition as a list (checked against the model when it was saved)."""
        self.ensure_one()
        return parse_domain(self.condition_domain, _("The condition of transition %s", self.name))

    def _label(self):
        self.ensure_one()
        return self.button_label or self.name

    def _user_may_fire(self, user=None):
        self.ensure_one()
        user = user or self.env.user
        if user._is_superuser() or not self.group_ids:
            return True
        return bool(self.group_ids & user.groups_id)

    def _check_record(self, record):
        """True when the record satisfies the transition's condition."""
        self.ensure_one()
        domain = self._get_domain()
        if not domain:
            return True
        # a condition broken since it was saved (a field removed) is logged and never holds
        return bool(filter_records(record.sudo(), domain, _("The condition of transition %s", self.name)))
