from odoo import _, api, fields, models, tools
from odoo.exceptions import ValidationError

from odoo.addons.workflow_automation.tools import conditions, rpc_args

METRICS = [
    ("response_time", "Response Time"),
    ("resolution_time", "Resolution Time"),
    ("delivery_time", "Delivery Time"),
    ("custom", "Custom"),
]
DOMAIN_FIELDS = {
    "applies_domain": "Applies when",
    "start_domain": "Start condition",
    "stop_domain": "Stop condition",
    "pause_domain": "Pause condition",
    "cancel_domain": "Cancel condition",
}
# changing one of these moves the due dates of the open trackings
TARGET_FIELDS = {
    "critical_threshold",
    "warning_threshold",
    "warning_levels",
    "use_business_hours",
    "calendar_id",
}
# engine models given a default SLA when they exist (see _install_engine_definitions)
ENGINE_DEFAULTS = [
    {
        "model": "workflow.instance",
        "code": "WF_INSTANCE_RESOLUTION",
        "name": "Workflow completed within 3 business days",
        "metric_type": "resolution_time",
        "critical_threshold": 24.0,
        "start_domain": "[('status', '=', 'active')]",
        "stop_domain": "[('status', '=', 'completed')]",
        "cancel_domain": "[('status', 'in', ['cancelled', 'error'])]",
        "user_field": "started_by",
    },
    {
        "model": "approval.request",
        "code": "APPROVAL_DECISION",
        "name": "Approval decided within 4 business hours",
        "metric_type": "response_time",
        "critical_threshold": 4.0,
        "start_domain": "[('status', '=', 'pending')]",
        "stop_domain": "[('status', 'in', ['approved', 'rejected'])]",
        "cancel_domain": "[('status', '=', 'cancelled')]",
        "user_field": "",
    },
]


def parse_domain(text, where="domain"):
    """The suite's eval-free domain parser; forbidden names are a bad domain too."""
    try:
        return conditions.parse_domain(text, where)
    except NameError as exc:
        raise ValidationError(_("%(where)s is not a valid domain: %(err)s", where=where, err=exc)) from exc


class SlaDefinition(models.Model):
    _name = "sla.definition"
    _description = "SLA Definition"
    _order = "model_name, metric_type, sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True, copy=False)
    description = fields.Text(translate=True)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(
        default=10,
        help="For one record and one metric, the first matching definition (lowest sequence) wins.",
    )
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    model_id = fields.Many2one(
        "ir.model",
        string="Target Model",
        required=True,
        ondelete="cascade",
        domain=[("transient", "=", False), ("model", "not like", "sla.")],
    )
    model_name = fields.Char(related="model_id.model", store=True, index=True, string="Model Name")
    metric_type = fields.Selection(METRICS, string="Metric", required=True, default="resolution_time")
    critical_threshold = fields.Float(
        string="Target (business hours)",
        required=True,
        default=8.0,
        help="Business time allowed before the SLA is breached.",
    )
    warning_threshold = fields.Float(
        string="Warning after (business hours)",
        help="Optional extra warning after this much business time, besides the warning levels.",
    )
    warning_levels = fields.Char(
        default="50,75",
        help="Warn when these percentages of the target have elapsed, comma separated (e.g. 50,75).",
    )
    applies_domain = fields.Char(
        string="Applies When", default="[]", help="Records this SLA applies to, e.g. priority high."
    )
    start_domain = fields.Char(string="Start Condition", default="[]", help="Tracking starts when it holds.")
    stop_domain = fields.Char(
        string="Stop Condition", default="[]", help="The SLA is met (or finished late) when it holds."
    )
    pause_domain = fields.Char(
        string="Pause Condition",
        default="[]",
        help="The clock stops while it holds, e.g. waiting on customer.",
    )
    cancel_domain = fields.Char(
        string="Cancel Condition", default="[]", help="Tracking is cancelled when it holds."
    )
    use_business_hours = fields.Boolean(default=True)
    calendar_id = fields.Many2one(
        "resource.calendar",
        string="Business Hours",
        default=lambda self: self.env.company.resource_calendar_id,
        help="Working times, time zone, public holidays and closures (global leaves) of this SLA.",
    )
    team_id = fields.Many2one("sla.team")
    user_field_id = fields.Many2one(
        "ir.model.fields",
        string="Responsible Field",
        ondelete="set null",
        domain="[('model_id', '=', model_id), ('ttype', '=', 'many2one'), ('relation', '=', 'res.users')]",
        help="Field of the record holding the responsible user (defaults to user_id when it exists).",
    )
    escalation_step_ids = fields.One2many("sla.escalation.step", "definition_id", string="Escalation Steps")
    tracking_ids = fields.One2many("sla.tracking", "sla_id", string="Trackings")
    tracking_count = fields.Integer(compute="_compute_tracking_stats")
    achieved_percent = fields.Float(string="Achieved %", compute="_compute_tracking_stats")

    _sql_constraints = [
        ("code_unique", "UNIQUE(code)", "The SLA code must be unique."),
        ("target_positive", "CHECK(critical_threshold > 0)", "The SLA target must be more than zero hours."),
    ]

    def _compute_tracking_stats(self):
        groups = self.env["sla.tracking"]._read_group(
            [("sla_id", "in", self.ids)], ["sla_id", "status"], ["__count"]
        )
        counts = {}
        for sla, status, count in groups:
            counts.setdefault(sla.id, {})[status] = count
        for sla in self:
            stats = counts.get(sla.id, {})
            sla.tracking_count = sum(stats.values())
            done = stats.get("met", 0) + stats.get("breached", 0)
            sla.achieved_percent = 100.0 * stats.get("met", 0) / done if done else 0.0

    # -- validation ------------------------------------------------------
    @api.constrains("model_id", *DOMAIN_FIELDS)
    def _check_domains(self):
        for sla in self:
            if sla.model_name.startswith("sla.") or sla.sudo().model_id.transient:
                raise ValidationError(_("An SLA cannot track %(model)s.", model=sla.model_name))
            model = self.env[sla.model_name]
            for fname, label in DOMAIN_FIELDS.items():
                # checked against the model and run once: a domain the hooks could not evaluate on
                # every create/write of the model is refused here, not met by everyone's save
                conditions.check_domain(
                    model, sla[fname], _("%(label)s of SLA %(sla)s", label=label, sla=sla.name)
                )

    @api.constrains("name", "code", "description", *DOMAIN_FIELDS)
    def _check_sizes(self):
        limits = dict.fromkeys(DOMAIN_FIELDS, rpc_args.MAX_COMMENT)
        limits.update(
            name=rpc_args.MAX_NAME,
            code=rpc_args.MAX_CODE,
            description=rpc_args.MAX_COMMENT,
        )
        rpc_args.check_sizes(self, limits)

    @api.constrains("warning_levels", "warning_threshold", "critical_threshold")
    def _check_warnings(self):
        for sla in self:
            sla._warning_percents()
            if sla.warning_threshold and not 0 < sla.warning_threshold < sla.critical_threshold:
                raise ValidationError(
                    _("The warning of SLA %(sla)s must come before its target.", sla=sla.name)
                )

    @api.constrains("use_business_hours", "calendar_id")
    def _check_calendar(self):
        for sla in self:
            if sla.use_business_hours and not sla.calendar_id:
                raise ValidationError(
                    _("SLA %(sla)s counts business hours: choose its calendar.", sla=sla.name)
                )
            if sla.use_business_hours and not sla.calendar_id.attendance_ids:
                raise ValidationError(
                    _(
                        "The business hours %(calendar)s of SLA %(sla)s have no working time.",
                        calendar=sla.calendar_id.name,
                        sla=sla.name,
                    )
                )

    # -- helpers used by the tracking ------------------------------------
    def _domain(self, fname):
        self.ensure_one()
        return parse_domain(self[fname], DOMAIN_FIELDS[fname])

    def _matching(self, records, fname):
        """``records`` matching one of the SLA's conditions (all of them for an empty condition).

        None when the condition broke since it was saved (a field removed by an uninstall):
        it is logged and the SLA skipped, never failing the save of the record.
        """
        self.ensure_one()
        return conditions.filter_records(
            records, lambda: self._domain(fname), "%s of SLA %s" % (DOMAIN_FIELDS[fname], self.code)
        )

    def _calendar(self):
        self.ensure_one()
        return self.calendar_id if self.use_business_hours else self.env["resource.calendar"]

    def _warning_percents(self):
        self.ensure_one()
        percents = set()
        for part in (self.warning_levels or "").replace(";", ",").split(","):
            part = part.strip().rstrip("%")
            if not part:
                continue
            try:
                value = float(part)
            except ValueError as exc:
                raise ValidationError(
                    _("Warning levels of SLA %(sla)s must be numbers such as 50,75.", sla=self.name)
                ) from exc
            if not 0 < value < 100:
                raise ValidationError(
                    _("Warning levels of SLA %(sla)s must lie between 0 and 100.", sla=self.name)
                )
            percents.add(value)
        if self.warning_threshold and self.critical_threshold:
            percents.add(round(100.0 * self.warning_threshold / self.critical_threshold, 4))
        return sorted(percents)

    def _checkpoint_percents(self):
        """Warnings (< 100), the breach (100) and escalation steps, ascending."""
        self.ensure_one()
        return sorted(
            set(self._warning_percents()) | {100.0} | set(self.escalation_step_ids.mapped("elapsed_percent"))
        )

    def _watched_fields(self):
        """Field names whose change can change an SLA of these definitions."""
        names = set()
        for sla in self:
            for fname in DOMAIN_FIELDS:
                for term in sla._domain(fname):
                    if isinstance(term, (list, tuple)):
                        names.add(term[0].split(".")[0])
            names.add(sla.user_field_id.name or "user_id")
        return names

    @api.model
    def _for_model(self, model_name):
        """Active definitions of a model, by metric then priority (cached per registry)."""
        return self.sudo().browse(self._for_model_ids(model_name))

    @api.model
    @tools.ormcache("model_name")
    def _for_model_ids(self, model_name):
        return tuple(
            self.sudo()
            .with_context(active_test=True)
            .search([("model_name", "=", model_name)], order="metric_type, sequence, id")
            .ids
        )

    # -- configuration changes ------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        self.env.registry.clear_cache()
        self.env["workflow.hook"]._hook_refresh()
        return records

    def write(self, vals):
        res = super().write(vals)
        if {"model_id", "active", "sequence", "metric_type"} & set(vals):
            self.env.registry.clear_cache()
        if {"model_id", "active"} & set(vals):
            self.env["workflow.hook"]._hook_refresh()
        if "active" in vals and not vals["active"]:
            # an archived SLA no longer runs
            self.tracking_ids._sla_open()._sla_cancel(fields.Datetime.now())
        elif TARGET_FIELDS & set(vals) or "escalation_step_ids" in vals:
            self.tracking_ids._sla_open()._sla_recompute()
        return res

    def unlink(self):
        self.env["sla.tracking"].sudo().search([("sla_id", "in", self.ids)]).unlink()
        res = super().unlink()
        self.env.registry.clear_cache()
        self.env["workflow.hook"]._hook_refresh()
        return res

    def copy(self, default=None):
        default = dict(default or {})
        default.setdefault("code", _("%s (copy)", self.code))
        default.setdefault("name", _("%s (copy)", self.name))
        return super().copy(default)

    def action_view_trackings(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id("workflow_sla.action_sla_tracking")
        action["domain"] = [("sla_id", "=", self.id)]
        action["context"] = {}
        return action

    def action_apply_existing(self):
        """Start the SLA on existing records of the target model that match it now."""
        rpc_args.check_records(self, "action_apply_existing: the SLA definitions")
        for sla in self:
            domain = sla._domain("applies_domain") + sla._domain("start_domain")
            records = self.env[sla.model_name].sudo().search(domain)
            self.env["sla.tracking"]._sla_sync(records)
        return True

    @api.model
    def _install_engine_definitions(self, specs=None):
        """Give the engine's models (workflow instances, approval requests) a default SLA
        when they exist in this database; nothing happens otherwise."""
        Model = self.env["ir.model"].sudo()
        created = self.browse()
        for spec in ENGINE_DEFAULTS if specs is None else specs:
            model = Model._get(spec["model"])
            if not model or self.with_context(active_test=False).search_count([("code", "=", spec["code"])]):
                continue
            fields_ok = self.env[spec["model"]]._fields
            if not all(
                term[0] in fields_ok
                for key in ("start_domain", "stop_domain", "cancel_domain")
                for term in parse_domain(spec[key])
            ):
                continue
            user_field = spec["user_field"] and self.env["ir.model.fields"]._get(
                spec["model"], spec["user_field"]
            )
            calendar = self.env.company.resource_calendar_id
            created |= self.create(
                {
                    "name": spec["name"],
                    "code": spec["code"],
                    "model_id": model.id,
                    "metric_type": spec["metric_type"],
                    "critical_threshold": spec["critical_threshold"],
                    "start_domain": spec["start_domain"],
                    "stop_domain": spec["stop_domain"],
                    "cancel_domain": spec["cancel_domain"],
                    "user_field_id": user_field.id if user_field else False,
                    "use_business_hours": bool(calendar),
                    "calendar_id": calendar.id,
                }
            )
        return created
