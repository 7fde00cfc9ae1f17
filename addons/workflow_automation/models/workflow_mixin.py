from lxml import etree

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools import rpc_args


class WorkflowMixin(models.AbstractModel):
    """Inherit this to give a business model its workflow.

    The model gains the running instance, a state badge and the transition
    buttons in its form (injected into the form view), and every change of
    state is posted in its chatter.  ``_workflow_code`` optionally names the
    definition started by ``action_workflow_start``; otherwise the definition
    flagged *default* for the model is used.
    """

    _name = "workflow.mixin"
    _description = "Workflow Mixin"
    _workflow_code = None

    workflow_instance_id = fields.Many2one("workflow.instance", compute="_compute_workflow")
    workflow_state_id = fields.Many2one(
        "workflow.state",
        compute="_compute_workflow",
        search="_search_workflow_state",
    )
    workflow_state_name = fields.Char(compute="_compute_workflow", string="Workflow Stage")
    workflow_status = fields.Selection(
        [
            ("none", "No workflow"),
            ("active", "Running"),
            ("completed", "Completed"),
            ("cancelled", "Cancelled"),
            ("error", "Error"),
            ("timeout", "Timed Out"),
        ],
        compute="_compute_workflow",
        search="_search_workflow_status",
    )
    workflow_transitions = fields.Json(compute="_compute_workflow")
    workflow_approval_progress = fields.Json(compute="_compute_workflow")
    workflow_instance_count = fields.Integer(compute="_compute_workflow")
    workflow_rejected = fields.Boolean(compute="_compute_workflow", string="Workflow Ended by a Rejection")
    workflow_my_request_id = fields.Many2one(
        "approval.request",
        compute="_compute_workflow_my_request",
        string="My Approval Request",
        help="The approval request of this document waiting for the current user's decision.",
    )
    workflow_approval_mine = fields.Boolean(
        compute="_compute_workflow_my_request",
        search="_search_workflow_approval_mine",
        string="I Approve This",
        help="The current user holds (or was delegated) an approval assignment on this document, "
        "decided or not. Record rules use it to let approvers read what they approve.",
    )

    @api.depends_context("uid")
    def _compute_workflow(self):
        instances = (
            self.env["workflow.instance"]
            .sudo()
            .search([("model_name", "=", self._name), ("record_id", "in", self.ids)], order="id desc")
        )
        latest, count = {}, {}
        rank = {"active": 0, "error": 1, "timeout": 2}
        for inst in instances:
            count[inst.record_id] = count.get(inst.record_id, 0) + 1
            best = latest.get(inst.record_id)
            if best is None or rank.get(inst.status, 9) < rank.get(best.status, 9):
                latest[inst.record_id] = inst
        request_by_instance = {}
        chosen = [inst.id for inst in latest.values()]
        for request in (
            self.env["approval.request"].sudo().search([("instance_id", "in", chosen)], order="id")
        ):
            request_by_instance[request.instance_id.id] = request  # the latest one wins
        for rec in self:
            inst = latest.get(rec.id)
            rec.workflow_instance_id = inst.id if inst else False
            rec.workflow_state_id = inst.current_state_id.id if inst else False
            rec.workflow_state_name = inst.current_state_id.name if inst else False
            rec.workflow_status = inst.status if inst else "none"
            rec.workflow_transitions = inst.with_env(self.env).available_transitions if inst else []
            rec.workflow_instance_count = count.get(rec.id, 0)
            rec.workflow_rejected = bool(inst and inst.ended_rejected)
            request = request_by_instance.get(inst.id) if inst else None
            rec.workflow_approval_progress = request.progress if request else []

    @api.depends_context("uid")
    def _compute_workflow_my_request(self):
        requests = (
            self.env["approval.request"]
            .sudo()
            .search(
                [
                    ("model_name", "=", self._name),
                    ("record_id", "in", self.ids),
                    ("status", "=", "pending"),
                    ("my_turn", "=", True),
                ],
                order="id desc",
            )
        )
        by_record = {}
        for request in requests:
            by_record.setdefault(request.record_id, request)
        mine = set(self._workflow_assigned_ids(self.ids))
        for rec in self:
            rec.workflow_my_request_id = by_record.get(rec.id, False)
            rec.workflow_approval_mine = rec.id in mine

    @api.model
    def _workflow_assigned_query(self, uid=None):
        """SQL selecting the ids of this model's records on which user ``uid`` holds or was
        delegated an approval assignment, decided or not."""
        uid = uid or self.env.uid
        self.env["approval.assignment"].flush_model(["request_id", "approver_id", "delegated_to"])
        self.env["approval.request"].flush_model(["model_name", "record_id"])
        return SQL(
            """SELECT r.record_id FROM approval_request r
               JOIN approval_assignment a ON a.request_id = r.id
               WHERE r.model_name = %s AND (a.approver_id = %s OR a.delegated_to = %s)""",
            self._name,
            uid,
            uid,
        )

    @api.model
    def _workflow_assigned_ids(self, ids=None, uid=None):
        query = self._workflow_assigned_query(uid)
        if ids is not None:
            if not ids:
                return []
            query = SQL("%s AND r.record_id IN %s", query, tuple(ids))
        self.env.cr.execute(query)
        return [row[0] for row in self.env.cr.fetchall()]

    def _search_workflow_approval_mine(self, operator, value):
        """``[('workflow_approval_mine', '=', True)]``: the domain "records on which I have an
        approval assignment", for record rules that let approvers read what they approve."""
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(_("Unsupported search on 'I Approve This'."))
        positive = (operator == "=") == value
        return [("id", "in" if positive else "not in", SQL("(%s)", self._workflow_assigned_query()))]

    def _search_workflow_state(self, operator, value):
        if isinstance(value, str):
            state_domain = [("name", operator, value)]
        else:
            state_domain = [("id", operator, value)]
        states = self.env["workflow.state"].sudo()._search(state_domain)
        query = (
            self.env["workflow.instance"]
            .sudo()
            ._search(
                [
                    ("model_name", "=", self._name),
                    ("status", "=", "active"),
                    ("current_state_id", "in", states),
                ]
            )
        )
        return [("id", "in", query.subselect("record_id"))]

    def _search_workflow_status(self, operator, value):
        if operator not in ("=", "!=", "in", "not in"):
            raise UserError(_("Unsupported search on the workflow status."))
        values = [value] if isinstance(value, str) else list(value)
        positive = operator in ("=", "in")
        query = (
            self.env["workflow.instance"]
            .sudo()
            ._search([("model_name", "=", self._name), ("status", "in", [v for v in values if v != "none"])])
        )
        if "none" in values:
            any_query = self.env["workflow.instance"].sudo()._search([("model_name", "=", self._name)])
            domain = [
                "|",
                ("id", "in", query.subselect("record_id")),
                ("id", "not in", any_query.subselect("record_id")),
            ]
        else:
            domain = [("id", "in", query.subselect("record_id"))]
        return domain if positive else ["!"] + domain

    # ------------------------------------------------------------------
    # actions
    # ------------------------------------------------------------------
    def _workflow_definition(self, code=None):
        code = code or self._workflow_code
        company = (
            self[:1].company_id if "company_id" in self._fields and self[:1].company_id else self.env.company
        )
        domain = [
            ("model_name", "=", self._name),
            ("current_version_id", "=", False),
            ("company_id", "=", company.id),
        ]
        domain += [("code", "=", code)] if code else [("is_default", "=", True)]
        definition = self.env["workflow.definition"].sudo().search(domain, limit=1)
        if not definition:
            raise UserError(
                _(
                    "No active workflow %(code)s for %(model)s.",
                    code=code or _("(default)"),
                    model=self._description,
                )
            )
        return definition

    def action_workflow_start(self, code=None):
        rpc_args.check_records(self, "action_workflow_start: the records")
        rpc_args.as_text(code, "action_workflow_start: code", rpc_args.MAX_CODE)
        self.check_access_rights("write")
        self.check_access_rule("write")
        definition = self._workflow_definition(code)
        ids = self.env["workflow.instance"]._start(definition, self).ids
        self.invalidate_recordset(self._workflow_fields())
        return ids

    @api.model
    def _workflow_fields(self):
        return [name for name, field in self._fields.items() if field.compute == "_compute_workflow"]

    def action_workflow_fire(self, transition_id, comment=None):
        """Fire a transition from the record's form; asks for a comment first when one is needed."""
        rpc_args.check_records(self, "action_workflow_fire: the record", single=True)
        rpc_args.as_id(transition_id, "action_workflow_fire: transition_id")
        rpc_args.as_text(comment, "action_workflow_fire: comment", rpc_args.MAX_COMMENT)
        self.ensure_one()
        instance = self.workflow_instance_id
        if not instance:
            raise UserError(_("%s has no running workflow.", self.display_name))
        transition = self.env["workflow.transition"].sudo().browse(int(transition_id)).exists()
        needs_comment = transition and (transition.require_comment or instance.workflow_id.require_comment)
        if needs_comment and not comment:
            return instance.action_open_fire_wizard(transition.id)
        instance.with_env(self.env).fire(int(transition_id), comment=comment)
        self.invalidate_recordset(self._workflow_fields())
        return True

    def _workflow_my_request(self):
        self.ensure_one()
        request = self.workflow_my_request_id
        if not request:
            raise UserError(_("Nothing on %s waits for your decision.", self.display_name))
        return request

    def action_workflow_approve(self):
        """Approve button of the document's form (for the user whose turn it is), as Purchase's
        "Approve Order": approves at once, or asks for the comment the step requires."""
        request = self._workflow_my_request()
        if request.sudo().state_id.require_comment_on_approval:
            return request.action_decision_wizard("approve")
        request.approve()
        return request._decision_notification("approved", reload=True)

    def action_workflow_reject(self):
        return self._workflow_my_request().action_decision_wizard("reject")

    def action_workflow_delegate(self):
        return self._workflow_my_request().action_decision_wizard("delegate")

    def _approval_summary(self):
        """The facts an approver decides on, shown in *My Approvals* (extension point).

        Returns a dict with any of ``amount``, ``currency_id``, ``partner_id``,
        ``user_id`` (ids), ``lines`` (a few short texts) and ``level_names``
        (the name of each approval level, in order). Called as the system (sudo):
        give what the approver needs, nothing more.
        """
        self.ensure_one()
        facts = {}
        if "partner_id" in self._fields and self._fields["partner_id"].comodel_name == "res.partner":
            facts["partner_id"] = self.partner_id.id
        if "user_id" in self._fields and self._fields["user_id"].comodel_name == "res.users":
            facts["user_id"] = self.user_id.id
        return facts

    def action_view_workflow_instances(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("workflow_automation.action_workflow_instance")
        action["domain"] = [("model_name", "=", self._name), ("record_id", "=", self.id)]
        action["context"] = {}
        return action

    # ------------------------------------------------------------------
    # form view: state badge, transition buttons, smart button
    # ------------------------------------------------------------------
    @api.model
    def _get_view(self, view_id=None, view_type="form", **options):
        arch, view = super()._get_view(view_id, view_type, **options)
        if view_type == "form" and not options.get("workflow_no_inject"):
            arch = self._workflow_inject(arch)
        return arch, view

    @api.model
    def _workflow_inject(self, arch):
        header = arch.find(".//header")
        if header is None:
            sheet = arch.find(".//sheet")
            header = etree.Element("header")
            if sheet is not None:
                sheet.addprevious(header)
            else:
                arch.insert(0, header)
        for name in (
            "workflow_instance_id",
            "workflow_status",
            "workflow_instance_count",
            "workflow_my_request_id",
            "workflow_rejected",
        ):
            header.append(etree.Element("field", name=name, invisible="1"))
        # the decision of the user whose turn it is, on the document itself
        for position, (method, label, css) in enumerate(
            (
                ("action_workflow_approve", _("Approve"), "btn-primary"),
                ("action_workflow_reject", _("Reject"), "btn-secondary"),
                ("action_workflow_delegate", _("Delegate"), "btn-secondary"),
            )
        ):
            button = etree.Element(
                "button",
                name=method,
                type="object",
                string=label,
                invisible="not workflow_my_request_id",
            )
            button.set("class", f"{css} o_workflow_{method[16:]}")
            header.insert(position, button)
        header.append(
            etree.Element(
                "field",
                name="workflow_transitions",
                widget="workflow_buttons",
                invisible="workflow_status != 'active'",
                nolabel="1",
            )
        )
        header.append(
            etree.Element(
                "field",
                {
                    "name": "workflow_state_name",
                    "widget": "badge",
                    "invisible": "workflow_status == 'none'",
                    "decoration-info": "workflow_status == 'active'",
                    "decoration-success": "workflow_status == 'completed' and not workflow_rejected",
                    "decoration-danger": "workflow_status in ('error', 'timeout') or workflow_rejected",
                },
            )
        )
        sheet = arch.find(".//sheet")
        progress = etree.Element(
            "field",
            name="workflow_approval_progress",
            widget="approval_progress",
            invisible="not workflow_approval_progress",
            nolabel="1",
            colspan="2",
        )
        if sheet is not None:
            title = sheet.find("./div[@class='oe_title']")
            (title.addnext if title is not None else sheet.append)(progress)
        button_box = arch.find(".//div[@name='button_box']")
        if button_box is not None:
            button = etree.SubElement(
                button_box,
                "button",
                name="action_view_workflow_instances",
                type="object",
                icon="fa-sitemap",
                invisible="workflow_instance_count == 0",
            )
            button.set("class", "oe_stat_button")
            etree.SubElement(
                button, "field", name="workflow_instance_count", widget="statinfo", string=_("Workflows")
            )
        return arch
