import logging
from collections import defaultdict
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools.conditions import check_domain, filter_records, parse_domain
from ..tools.jobs import job
from ..tools.rpc_args import MAX_CODE, MAX_COMMENT, MAX_NAME, as_context, as_ids, check_records, check_sizes
from ..tools.structure import (  # noqa: F401  (imported from here by other modules)
    MAX_APPROVAL_LEVELS,
    MAX_STATES,
    MAX_TRANSITIONS,
    approval_levels,
    graph_problems,
)

_logger = logging.getLogger(__name__)

# writes of states and transitions that only change how the definition looks: no new version
LAYOUT_FIELDS = {"name", "sequence", "color", "button_label", "button_class", "position_x", "position_y"}
# writes that change how running instances would behave: they make a new version
STRUCTURAL_FIELDS = {
    "model_id",
    "state_ids",
    "transition_ids",
    "trigger_type",
    "trigger_domain",
    "timeout_hours",
    "require_comment",
}


class WorkflowDefinition(models.Model):
    _name = "workflow.definition"
    _description = "Workflow Definition"
    _inherit = ["mail.thread"]
    _order = "sequence, name, id"

    name = fields.Char(required=True, translate=True, tracking=True)
    code = fields.Char(
        required=True,
        copy=False,
        tracking=True,
        help="Stable identifier used by other modules and over XML-RPC (unique per company).",
    )
    description = fields.Text(translate=True)
    sequence = fields.Integer(default=10)
    workflow_type = fields.Selection(
        [
            ("approval", "Approval"),
            ("process", "Process"),
            ("notification", "Notification"),
            ("escalation", "Escalation"),
            ("scheduled", "Scheduled"),
        ],
        string="Type",
        required=True,
        default="process",
        tracking=True,
    )
    model_id = fields.Many2one(
        "ir.model",
        string="Target Model",
        required=True,
        ondelete="cascade",
        domain=[("transient", "=", False)],
        tracking=True,
    )
    model_name = fields.Char(related="model_id.model", store=True, index=True, string="Model Name")
    trigger_type = fields.Selection(
        [
            ("on_create", "On Creation"),
            ("on_write", "On Update"),
            ("on_condition", "When a Condition Becomes True"),
            ("scheduled", "Scheduled"),
            ("manual", "Manual"),
        ],
        string="Trigger",
        required=True,
        default="manual",
        tracking=True,
    )
    trigger_domain = fields.Char(
        string="Trigger Condition",
        default="[]",
        help="Records must match this domain for the workflow to start.",
    )
    schedule_minutes = fields.Integer(
        string="Check Every (minutes)",
        default=60,
        help="For scheduled workflows: how often matching records are looked for.",
    )
    next_scheduled_run = fields.Datetime(copy=False)
    version = fields.Integer(default=1, readonly=True, copy=False)
    current_version_id = fields.Many2one(
        "workflow.definition",
        string="Superseded By",
        readonly=True,
        copy=False,
        index=True,
        ondelete="cascade",
        help="Set on the frozen copy that running instances keep using after the definition changed.",
    )
    old_version_ids = fields.One2many("workflow.definition", "current_version_id", string="Older Versions")
    active = fields.Boolean(default=True, tracking=True)
    is_default = fields.Boolean(
        string="Default for Model", help="Started by workflow.mixin records that do not name a workflow."
    )
    timeout_hours = fields.Integer(
        default=72,
        help="An instance still running after this many hours gets the status Timeout (0 = never).",
    )
    allow_parallel = fields.Boolean(
        string="Allow Parallel Instances", help="Allow several running instances for one record."
    )
    require_comment = fields.Boolean(help="Every user transition of this workflow needs a comment.")
    chatter_mode = fields.Selection(
        [
            ("start_end", "Start and End"),
            ("all", "Every Change"),
            ("none", "Nothing"),
        ],
        string="Post in the Document's Chatter",
        default="start_end",
        required=True,
        help="What the workflow writes in the chatter of the document it runs on. Start and End: when "
        "it starts and when it ends (completed, cancelled, timed out), plus every transition done with "
        "a comment. Every Change: also each transition (and the instance's own chatter tracks its state). "
        "Whatever is chosen, the workflow's History tab keeps every step.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    state_ids = fields.One2many("workflow.state", "workflow_id", string="States", copy=True)
    transition_ids = fields.One2many("workflow.transition", "workflow_id", string="Transitions", copy=True)
    instance_ids = fields.One2many("workflow.instance", "workflow_id", string="Instances")
    instance_count = fields.Integer(compute="_compute_instance_counts")
    active_instance_count = fields.Integer(compute="_compute_instance_counts", string="Running")
    state_count = fields.Integer(compute="_compute_structure_counts")
    transition_count = fields.Integer(compute="_compute_structure_counts")
    color = fields.Integer()

    _sql_constraints = [
        ("timeout_positive", "CHECK(timeout_hours >= 0)", "The timeout cannot be negative."),
        ("schedule_positive", "CHECK(schedule_minutes > 0)", "The schedule interval must be positive."),
    ]

    def init(self):
        # one live definition per code and company; frozen versions share the code
        self.env.cr.execute(
            """CREATE UNIQUE INDEX IF NOT EXISTS workflow_definition_code_company_uniq
               ON workflow_definition (code, company_id) WHERE current_version_id IS NULL"""
        )

    # ------------------------------------------------------------------
    # computes
    # ------------------------------------------------------------------
    def _compute_instance_counts(self):
        groups = self.env["workflow.instance"]._read_group(
            [("workflow_id", "in", self.ids)], ["workflow_id", "status"], ["__count"]
        )
        total, running = defaultdict(int), defaultdict(int)
        for workflow, status, count in groups:
            total[workflow.id] += count
            if status == "active":
                running[workflow.id] += count
        for rec in self:
            rec.instance_count = total[rec.id]
            rec.active_instance_count = running[rec.id]

    @api.depends("state_ids", "transition_ids")
    def _compute_structure_counts(self):
        for rec in self:
            rec.state_count = len(rec.state_ids)
            rec.transition_count = len(rec.transition_ids)

    # ------------------------------------------------------------------
    # validation
    # ------------------------------------------------------------------
    @api.constrains("name", "code", "description", "trigger_domain")
    def _check_sizes(self):
        check_sizes(
            self,
            {"name": MAX_NAME, "code": MAX_CODE, "description": MAX_COMMENT, "trigger_domain": MAX_COMMENT},
        )

    def _check_code_free(self, vals_list):
        """Refuse a code already used by a live workflow of the company, before the unique index does."""
        for vals in vals_list:
            if vals.get("current_version_id") or not vals.get("code"):
                continue
            company_id = vals.get("company_id") or self.env.company.id
            clash = self.with_context(active_test=False).search_count(
                [
                    ("id", "not in", self.ids),
                    ("code", "=", vals["code"]),
                    ("company_id", "=", company_id),
                    ("current_version_id", "=", False),
                ]
            )
            if clash:
                company = self.env["res.company"].browse(company_id)
                raise ValidationError(
                    _(
                        "Another workflow of %(company)s already uses the code %(code)s.",
                        company=company.name,
                        code=vals["code"],
                    )
                )

    @api.constrains("trigger_domain", "model_id")
    def _check_trigger_domain(self):
        if self.env.context.get("workflow_no_version"):
            return  # a frozen copy keeps the condition its running instances had
        for rec in self:
            where = _("The trigger condition of %s", rec.name)
            if rec.model_name in self.env:
                check_domain(self.env[rec.model_name], rec.trigger_domain, where)
            else:
                parse_domain(rec.trigger_domain, where)

    def _get_trigger_domain(self):
        """The trigger domain as a list (checked against the model when it was saved)."""
        self.ensure_one()
        return parse_domain(self.trigger_domain, _("The trigger condition of %s", self.name))

    def _trigger_matching(self, records):
        """Records matching the trigger condition; None (logged) when the condition broke since it
        was saved (a field removed by an uninstall): the workflow is skipped, the user's save goes on."""
        self.ensure_one()
        return filter_records(
            records.sudo(), self._get_trigger_domain, _("The trigger condition of workflow %s", self.code)
        )

    def _check_structure(self):
        """Check a definition is a usable state machine; raise with a sentence a business user reads."""
        for rec in self.filtered("active"):
            for tr in rec.transition_ids:
                if tr.from_state_id.workflow_id != rec or tr.to_state_id.workflow_id != rec:
                    raise ValidationError(
                        _("Transition %(tr)s links states of another workflow.", tr=tr.name)
                    )
            problems = graph_problems(rec.name, *rec._structure_graph())
            if problems:
                raise ValidationError(problems[0][0])
        return True

    def _structure_graph(self):
        """The states and transitions as the plain data of tools/structure.py (keys: record ids)."""
        self.ensure_one()
        states = [{"key": s.id, "name": s.name, "state_type": s.state_type} for s in self.state_ids]
        transitions = [
            {"key": t.id, "name": t.name, "from": t.from_state_id.id, "to": t.to_state_id.id}
            for t in self.transition_ids
        ]
        return states, transitions

    def _max_approval_levels(self, start, graph):
        """The most approval states a record can pass through from ``start``, in linear time.

        States that can reach one another (a rejection sending the record back to an earlier
        state) form one group; going through a group counts each of its approval states once,
        however often the record goes round.  On a definition without loops this is exactly
        the most approval states on one path.  The groups are found with an iterative Tarjan
        walk (no recursion: a chain of thousands of states is fine), then the longest path is
        summed over the groups, each group once, sinks first.
        """
        approval = set(self.state_ids.filtered(lambda s: s.state_type == "approval").ids)
        return approval_levels(start, graph, approval)

    # ------------------------------------------------------------------
    # CRUD: structure checks, versioning, hook refresh
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        deferred = self.env.context.get("workflow_structure_defer")
        self._check_code_free(vals_list)
        records = super(WorkflowDefinition, self.with_context(workflow_structure_defer=True)).create(
            vals_list
        )
        records = records.with_env(self.env)
        if not deferred:
            records._check_structure()
            self.env["workflow.hook"]._hook_refresh()
        return records

    def write(self, vals):
        if "code" in vals or "company_id" in vals:
            for rec in self:
                rec._check_code_free(
                    [
                        {
                            "code": vals.get("code", rec.code),
                            "company_id": vals.get("company_id", rec.company_id.id),
                            "current_version_id": rec.current_version_id.id,
                        }
                    ]
                )
        if STRUCTURAL_FIELDS & set(vals) and not self.env.context.get("workflow_no_version"):
            self._freeze_running_versions()
        deferred = self.env.context.get("workflow_structure_defer")
        res = super(WorkflowDefinition, self.with_context(workflow_structure_defer=True)).write(vals)
        if deferred:
            return res
        if {"active", "state_ids", "transition_ids"} & set(vals):
            self._check_structure()
        if {"active", "model_id", "trigger_type", "trigger_domain", "transition_ids", "state_ids"} & set(
            vals
        ):
            self.env["workflow.hook"]._hook_refresh()
        return res

    def unlink(self):
        if (
            self.env["workflow.instance"]
            .sudo()
            .search_count([("workflow_id", "in", self.ids), ("status", "=", "active")])
        ):
            raise UserError(_("A workflow with running instances cannot be deleted; archive it instead."))
        res = super().unlink()
        self.env["workflow.hook"]._hook_refresh()
        return res

    def copy(self, default=None):
        self.ensure_one()
        default = dict(default or {})
        default.setdefault("code", _("%s_copy", self.code))
        default.setdefault("name", _("%s (copy)", self.name))
        new = super(WorkflowDefinition, self.with_context(workflow_structure_defer=True)).copy(default)
        # transitions were copied with the old states: point them at the copies
        mapping = {
            old.code: state for old in self.state_ids for state in new.state_ids if state.code == old.code
        }
        for tr in new.transition_ids:
            tr.write(
                {
                    "from_state_id": mapping[tr.from_state_id.code].id,
                    "to_state_id": mapping[tr.to_state_id.code].id,
                }
            )
        new = new.with_env(self.env)
        if not self.env.context.get("workflow_structure_defer"):
            new._check_structure()
            self.env["workflow.hook"]._hook_refresh()
        return new

    def _freeze_running_versions(self):
        """Before a structural change: move running instances to a frozen copy of the current version."""
        Instance = self.env["workflow.instance"].sudo()
        for rec in self.filtered(lambda d: not d.current_version_id):
            running = Instance.search([("workflow_id", "=", rec.id), ("status", "=", "active")])
            if not running:
                continue
            frozen = (
                rec.sudo()
                .with_context(workflow_no_version=True, workflow_structure_defer=True)
                .copy(
                    {
                        "code": rec.code,
                        "name": rec.name,
                        "active": False,
                        "current_version_id": rec.id,
                        "version": rec.version,
                        "is_default": False,
                    }
                )
            )
            state_map = {s.code: f for s in rec.state_ids for f in frozen.state_ids if f.code == s.code}
            tr_map = {
                t.id: f
                for t in rec.transition_ids
                for f in frozen.transition_ids
                if (f.name, f.from_state_id.code, f.to_state_id.code, f.sequence)
                == (t.name, t.from_state_id.code, t.to_state_id.code, t.sequence)
            }
            for inst in running:
                inst.write(
                    {"workflow_id": frozen.id, "current_state_id": state_map[inst.current_state_id.code].id}
                )
            history = self.env["workflow.history"].sudo().search([("instance_id", "in", running.ids)])
            for line in history:
                line.write(
                    {
                        "from_state_id": line.from_state_id and state_map[line.from_state_id.code].id,
                        "to_state_id": line.to_state_id and state_map[line.to_state_id.code].id,
                        "transition_id": line.transition_id
                        and tr_map.get(line.transition_id.id, line.transition_id).id,
                    }
                )
            rec.with_context(workflow_no_version=True).sudo().version = rec.version + 1
            rec.message_post(
                body=_(
                    "Version %(old)s frozen for %(count)s running instance(s); now editing version %(new)s.",
                    old=frozen.version,
                    count=len(running),
                    new=rec.version,
                )
            )

    # ------------------------------------------------------------------
    # API
    # ------------------------------------------------------------------
    def get_initial_state(self):
        check_records(self, "get_initial_state: the workflow definition", single=True)
        initial = self.state_ids.filtered("is_initial")
        if len(initial) != 1:
            raise UserError(_("Workflow %s has no single initial state.", self.name))
        return initial

    def start(self, record_ids, context_data=None):
        """Start this workflow on records of its model; returns the new instance ids."""
        check_records(self, "start: the workflow definition", single=True)
        record_ids = as_ids(record_ids, "start: record_ids")
        as_context(context_data, "start: context_data")
        records = self.env[self.model_name].browse(record_ids).exists()
        # starting a workflow changes how the records are handled: the caller must be allowed to change them
        records.check_access_rights("write")
        records.check_access_rule("write")
        if len(records) != len(set(record_ids)):
            raise UserError(_("Some %s records to start the workflow on do not exist.", self.model_id.name))
        return self.env["workflow.instance"]._start(self, records, context_data=context_data).ids

    def action_activate(self):
        check_records(self, "action_activate: the workflow definitions")
        self.write({"active": True})

    def action_view_instances(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("workflow_automation.action_workflow_instance")
        action["domain"] = [("workflow_id", "in", (self | self.old_version_ids).ids)]
        action["context"] = {"search_default_filter_running": 1}
        return action

    def action_export_json(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            "url": f"/workflow_automation/definition/{self.id}/export",
            "target": "self",
        }

    # called by states and transitions edited on their own (XML-RPC, designer)
    def _before_structure_change(self, changed):
        if changed - LAYOUT_FIELDS:
            if not self.env.context.get("workflow_no_version"):
                self._freeze_running_versions()

    def _structure_changed(self):
        if self.env.context.get("workflow_structure_defer"):
            return
        self._check_structure()
        self.env["workflow.hook"]._hook_refresh()

    # ------------------------------------------------------------------
    # scheduled trigger
    # ------------------------------------------------------------------
    @job(batch_size=20)
    def _job_scheduled_starts(self, limit=20):
        """Start scheduled workflows on the records matching their condition."""
        now = fields.Datetime.now()
        ids = self.env["workflow.job"]._lock_batch(
            "workflow_definition",
            "active AND trigger_type = 'scheduled' AND current_version_id IS NULL"
            " AND (next_scheduled_run IS NULL OR next_scheduled_run <= %s)",
            (now,),
            limit=limit,
            order="next_scheduled_run NULLS FIRST",
        )
        Instance = self.env["workflow.instance"]
        for definition in self.browse(ids):
            if definition.model_name in self.env:
                try:
                    records = self.env[definition.model_name].search(
                        definition._get_trigger_domain(), limit=5000
                    )
                except (ValidationError, ValueError, KeyError) as exc:
                    # the condition broke since it was saved (a field removed): logged, skipped
                    _logger.warning("scheduled workflow %s skipped: %s", definition.code, exc)
                    records = self.env[definition.model_name]
                Instance._start(definition, records, from_trigger=True)
            definition.next_scheduled_run = now + timedelta(minutes=definition.schedule_minutes)
        return len(ids)
