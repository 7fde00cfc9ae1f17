import json
import logging
from datetime import timedelta

from psycopg2.extras import execute_values

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from odoo.addons.workflow_automation.tools import rpc_args
from odoo.addons.workflow_automation.tools.conditions import check_domain, parse_domain
from odoo.addons.workflow_automation.tools.jobs import job

_logger = logging.getLogger(__name__)

SEVERITIES = [
    ("info", "Info"),
    ("warning", "Warning"),
    ("critical", "Critical"),
    ("urgent", "Urgent"),
]
SEVERITY_RANK = {"info": 0, "warning": 1, "critical": 2, "urgent": 3}
CHANNELS = [("email", "Email"), ("in_app", "In-App"), ("sms", "SMS"), ("push", "Push Notification")]
OPEN_STATES = ("active", "acknowledged", "escalated")
# Types evaluated periodically by _job_evaluate; "event" fires on the record
# change itself (workflow.hook) and "sla" through raise_alert().
POLLED_TYPES = ("inventory", "threshold", "schedule")


class AlertRule(models.Model):
    _name = "alert.rule"
    _description = "Alert Rule"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(
        required=True,
        help="Stable identifier used by other modules and XML-RPC callers (raise_alert).",
    )
    sequence = fields.Integer(default=10)
    description = fields.Text(translate=True, help="Text of the alert message for event/SLA/threshold rules.")
    alert_type = fields.Selection(
        [
            ("inventory", "Inventory"),
            ("sla", "SLA"),
            ("threshold", "Threshold"),
            ("schedule", "Scheduled"),
            ("event", "Event"),
        ],
        required=True,
        default="inventory",
        help="Inventory: stock levels of storable products, checked periodically.\n"
        "Threshold: one alert per record matching the condition, checked periodically.\n"
        "Scheduled: one summary alert when records match the condition, checked periodically.\n"
        "Event: fires when a record is created or changed so that it matches the condition.\n"
        "SLA: raised by the SLA module through raise_alert().",
    )
    model_id = fields.Many2one(
        "ir.model",
        ondelete="cascade",
        domain=[("transient", "=", False)],
        help="Records watched by threshold, scheduled and event rules.",
    )
    model_name = fields.Char(related="model_id.model", store=True, index=True, string="Model Name")
    target_model = fields.Char(compute="_compute_target_model")
    condition = fields.Char(
        default="[]",
        help="Records matching this domain raise an alert (threshold/scheduled/event rules); "
        "for inventory rules it narrows the products checked.",
    )
    severity = fields.Selection(SEVERITIES, required=True, default="warning")

    # -- channels and recipients -------------------------------------------
    channel_email = fields.Boolean("Email", default=True)
    channel_in_app = fields.Boolean("In-App", default=True)
    channel_sms = fields.Boolean("SMS")
    channel_push = fields.Boolean("Push")
    user_ids = fields.Many2many("res.users", "alert_rule_res_users_rel", "rule_id", "user_id", "Users")
    group_ids = fields.Many2many("res.groups", "alert_rule_res_groups_rel", "rule_id", "group_id", "Groups")
    recipient_field_id = fields.Many2one(
        "ir.model.fields",
        ondelete="set null",
        domain="[('model_id', '=', model_id), ('ttype', '=', 'many2one'), ('relation', '=', 'res.users')]",
        help="A user field of the record (e.g. the salesperson) whose user is notified as well.",
    )

    # -- throttling ------------------------------------------------------------
    cooldown_minutes = fields.Integer(
        default=60,
        help="After an alert for a record, no new alert for the same record is raised for this many "
        "minutes, even if the first one was resolved in between (flapping stock).",
    )
    max_alerts_per_day = fields.Integer(
        default=200, help="At most this many alerts per rule and UTC day (0: unlimited)."
    )
    digest_threshold = fields.Integer(
        default=10,
        help="When one check raises more alerts than this, each recipient gets one digest per channel "
        "instead of one message per alert (0: never digest).",
    )

    # -- escalation ------------------------------------------------------------
    escalation_step_ids = fields.One2many("alert.escalation.step", "rule_id", "Escalation Steps", copy=True)

    # -- periodic checks ---------------------------------------------------------
    check_interval_minutes = fields.Integer("Check Every (Minutes)", default=5)
    next_check_at = fields.Datetime(index=True, copy=False)
    last_error = fields.Text(readonly=True, copy=False)

    # -- inventory ---------------------------------------------------------------
    check_type = fields.Selection(
        [
            ("reorder_point", "Below Reorder Point"),
            ("fixed_threshold", "Below Fixed Quantity"),
            ("days_of_stock", "Days of Stock Left"),
            ("percentage", "Percentage of Reorder Point"),
        ],
        default="reorder_point",
    )
    threshold_qty = fields.Float("Quantity Threshold", digits="Product Unit of Measure")
    days_threshold = fields.Float("Days of Stock Threshold", default=7.0)
    usage_days = fields.Integer(
        "Average Over (Days)", default=30, help="Days of done customer deliveries averaged for daily usage."
    )
    percentage = fields.Float("Percentage of Reorder Point", default=100.0)
    category_ids = fields.Many2many(
        "product.category", "alert_rule_product_category_rel", "rule_id", "category_id", "Product Categories"
    )
    warehouse_ids = fields.Many2many(
        "stock.warehouse", "alert_rule_stock_warehouse_rel", "rule_id", "warehouse_id", "Warehouses"
    )
    location_ids = fields.Many2many(
        "stock.location",
        "alert_rule_stock_location_rel",
        "rule_id",
        "location_id",
        "Locations",
        domain=[("usage", "=", "internal")],
    )

    # -- status --------------------------------------------------------------------
    active = fields.Boolean(default=True)
    # computed from the alerts, not counters on the rule row: concurrent triggers of one rule
    # (event rules fired by several users at once) must not all update the same row
    last_triggered_at = fields.Datetime(compute="_compute_trigger_stats")
    trigger_count = fields.Integer(compute="_compute_trigger_stats")
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    alert_ids = fields.One2many("alert.instance", "rule_id", "Alerts")
    open_alert_count = fields.Integer(compute="_compute_open_alert_count")

    _sql_constraints = [
        ("code_unique", "UNIQUE(code, company_id)", "The code of an alert rule must be unique per company."),
        ("cooldown_positive", "CHECK(cooldown_minutes >= 0)", "The cooldown cannot be negative."),
        ("cap_positive", "CHECK(max_alerts_per_day >= 0)", "The daily cap cannot be negative."),
        ("interval_positive", "CHECK(check_interval_minutes > 0)", "The check interval must be positive."),
    ]

    @api.depends("alert_type", "model_name")
    def _compute_target_model(self):
        for rule in self:
            rule.target_model = rule._target_model()

    def _compute_trigger_stats(self):
        groups = (
            self.env["alert.instance"]
            .sudo()
            ._read_group([("rule_id", "in", self.ids)], ["rule_id"], ["__count", "triggered_at:max"])
        )
        stats = {rule.id: (count, last) for rule, count, last in groups}
        for rule in self:
            rule.trigger_count, rule.last_triggered_at = stats.get(rule.id, (0, False))

    def _compute_open_alert_count(self):
        groups = self.env["alert.instance"]._read_group(
            [("rule_id", "in", self.ids), ("status", "in", OPEN_STATES)], ["rule_id"], ["__count"]
        )
        counts = {rule.id: count for rule, count in groups}
        for rule in self:
            rule.open_alert_count = counts.get(rule.id, 0)

    # ------------------------------------------------------------------
    # validation
    # ------------------------------------------------------------------
    @api.constrains("alert_type", "model_id", "condition", "recipient_field_id")
    def _check_condition(self):
        for rule in self:
            domain = rule._domain()
            model = rule._target_model()
            if rule.alert_type in ("threshold", "schedule", "event") and not rule.model_id:
                raise ValidationError(_("Rule %s needs a model to watch.", rule.name))
            if model and domain and model in self.env:
                # fields, operators and values checked, and the domain run once: a condition the
                # event hook could not evaluate on every save of the model is refused here
                check_domain(self.env[model], domain, _("The condition of rule %s", rule.name))
            if rule.recipient_field_id and rule.recipient_field_id.model != model:
                raise ValidationError(
                    _("The recipient field of rule %s must be a field of the watched model.", rule.name)
                )

    @api.constrains("name", "code", "description", "condition")
    def _check_sizes(self):
        rpc_args.check_sizes(
            self,
            {
                "name": rpc_args.MAX_NAME,
                "code": rpc_args.MAX_CODE,
                "description": rpc_args.MAX_MESSAGE,
                "condition": rpc_args.MAX_COMMENT,
            },
        )

    @api.constrains("percentage", "days_threshold", "usage_days", "check_type")
    def _check_inventory(self):
        for rule in self.filtered(lambda r: r.alert_type == "inventory"):
            if rule.check_type == "percentage" and rule.percentage <= 0:
                raise ValidationError(_("The percentage of rule %s must be positive.", rule.name))
            if rule.check_type == "days_of_stock" and (rule.usage_days <= 0 or rule.days_threshold <= 0):
                raise ValidationError(
                    _("Rule %s needs a positive number of days of usage and of stock.", rule.name)
                )

    def _target_model(self):
        self.ensure_one()
        return "product.product" if self.alert_type == "inventory" else self.model_name or False

    def _domain(self):
        self.ensure_one()
        where = _("The condition of rule %s", self.name)
        try:
            return parse_domain(self.condition, where)
        except (NameError, TypeError) as exc:  # const_eval refusing names: not a literal domain
            raise ValidationError(
                _("%(where)s is not a valid domain: %(err)s", where=where, err=exc)
            ) from exc

    def _channels(self):
        self.ensure_one()
        return [
            code
            for code, flag in (
                ("email", self.channel_email),
                ("in_app", self.channel_in_app),
                ("sms", self.channel_sms),
                ("push", self.channel_push),
            )
            if flag
        ]

    # ------------------------------------------------------------------
    # CRUD: event rules change which models the shared hook watches
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        rules = super().create(vals_list)
        self._refresh_hooks(rules)
        return rules

    def write(self, vals):
        res = super().write(vals)
        if {"alert_type", "model_id", "active"} & set(vals):
            self._refresh_hooks(self)
        return res

    def unlink(self):
        refresh = any(rule.alert_type == "event" for rule in self)
        res = super().unlink()
        if refresh:
            self._refresh_hooks(self.browse())
        return res

    def _refresh_hooks(self, rules):
        if not rules or any(rule.alert_type == "event" for rule in rules):
            self.env["workflow.hook"]._hook_refresh()

    @api.model
    def _event_rules(self, model_name):
        return self.sudo().search(
            [("alert_type", "=", "event"), ("model_name", "=", model_name), ("active", "=", True)]
        )

    # ------------------------------------------------------------------
    # public API
    # ------------------------------------------------------------------
    @api.model
    @api.returns("alert.instance", lambda value: value.ids)
    def raise_alert(
        self,
        rule,
        records=None,
        severity=None,
        message=None,
        title=None,
        model_name=None,
        record_ids=None,
        dedup_key=None,
    ):
        """Raise alerts of ``rule`` for ``records`` and return the new ``alert.instance`` records.

        ``rule`` is a rule record, id or code (of the current company first).  ``records`` is a
        recordset; XML-RPC callers pass ``model_name`` and ``record_ids`` instead.  Without records
        a single alert about the rule itself is raised.  Deduplication, silences, cooldown and the
        daily cap apply: a record that already has an open alert of this rule gets no second one.
        Over XML-RPC the ids of the new alerts are returned.
        """
        if not self.env.su and not self.env["alert.instance"].check_access_rights("create", False):
            raise AccessError(_("You are not allowed to raise alerts."))
        if isinstance(rule, bool) or not isinstance(rule, (int, str, models.BaseModel)):
            raise ValidationError(_("raise_alert: rule must be the id or the code of an alert rule."))
        if records is not None and not isinstance(records, models.BaseModel):
            raise ValidationError(
                _("raise_alert: pass model_name and record_ids to name records over XML-RPC, not records.")
            )
        rpc_args.as_text(message, "raise_alert: message", rpc_args.MAX_MESSAGE)
        rpc_args.as_text(title, "raise_alert: title", rpc_args.MAX_NAME)
        rpc_args.as_text(dedup_key, "raise_alert: dedup_key", rpc_args.MAX_NAME)
        rpc_args.as_text(model_name, "raise_alert: model_name", rpc_args.MAX_NAME)
        if record_ids not in (None, False):
            record_ids = rpc_args.as_ids(record_ids, "raise_alert: record_ids")
            if not model_name:
                raise ValidationError(_("raise_alert: record_ids need the model_name they belong to."))
        if severity and severity not in SEVERITY_RANK:
            raise UserError(_("Unknown severity %s.", severity))
        rule = self._resolve_rule(rule)
        if not rule.active:
            return self.env["alert.instance"]
        if records is None and model_name:
            records = self._raise_alert_records(model_name, record_ids or [])
        extra = {"message": message, "title": title}
        if records:
            candidates = [
                {"model_name": records._name, "record_id": rid, "context": dict(extra)} for rid in records.ids
            ]
            if dedup_key and len(candidates) == 1:
                candidates[0]["dedup_key"] = dedup_key
        else:
            candidates = [
                {
                    "model_name": False,
                    "record_id": 0,
                    "context": dict(extra),
                    "dedup_key": dedup_key or "%s:rule" % rule.id,
                }
            ]
        if severity:
            for cand in candidates:
                cand["severity"] = severity
        return rule.sudo()._trigger(candidates)

    @api.model
    def _raise_alert_records(self, model_name, record_ids):
        """The records named by id, as the caller sees them: unknown ids and records of
        companies the caller cannot access are refused by name."""
        if model_name not in self.env:
            raise UserError(_("Unknown model %s.", model_name))
        Model = self.env[model_name].with_context(active_test=False)
        wanted = list(dict.fromkeys(record_ids))
        missing = set(wanted) - set(Model.sudo().browse(wanted).exists().ids)
        if missing:
            raise UserError(
                _(
                    "raise_alert: no %(model)s with id %(ids)s.",
                    model=model_name,
                    ids=", ".join(str(i) for i in sorted(missing)),
                )
            )
        Model.check_access_rights("read")
        visible = set(Model.search([("id", "in", wanted)]).ids)  # record rules: the caller's companies
        hidden = [i for i in wanted if i not in visible]
        if hidden:
            raise AccessError(
                _(
                    "raise_alert: you cannot access %(model)s %(ids)s (another company's records?).",
                    model=model_name,
                    ids=", ".join(str(i) for i in hidden),
                )
            )
        return self.env[model_name].browse(wanted)

    @api.model
    def _resolve_rule(self, rule):
        wanted = rule
        if isinstance(rule, models.BaseModel):
            rule = rule.sudo()
        elif isinstance(rule, int):
            rpc_args.as_id(rule, "raise_alert: rule")
            rule = self.sudo().browse(rule).exists()
            # a rule named by id must be one of the caller's companies, as a code is
            if rule and not self.env.su and rule.company_id not in self.env.companies:
                raise AccessError(
                    _("raise_alert: alert rule %s belongs to a company you cannot access.", wanted)
                )
        else:
            company_ids = self.env.companies.ids + [False]
            rule = (
                self.sudo()
                .with_context(active_test=False)
                .search([("code", "=", rule), ("company_id", "in", company_ids)], limit=1)
            )
        if len(rule) != 1:
            raise UserError(_("No alert rule %s.", wanted))
        return rule

    def action_check_now(self):
        """Button: evaluate the rules at once and say what was found (a notification)."""
        rpc_args.check_records(self, "action_check_now: the alert rules")
        self.env["alert.instance"].check_access_rights("create")
        lines = []
        for rule in self.sudo():
            if rule.alert_type not in POLLED_TYPES:
                raise UserError(_("Only inventory, threshold and scheduled rules are checked periodically."))
            report = {}
            new_alerts = rule._evaluate(report=report)
            lines.append(
                rule._check_report(report.get("found", 0), len(new_alerts), report.get("resolved", 0))
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Check done: %s", self.name) if len(self) == 1 else _("Check done"),
                "message": "\n".join(lines),
                "type": "success",
                "sticky": False,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _check_report(self, found, new, resolved):
        """ "3 products below their reorder point, 2 new alerts, 1 resolved." """
        self.ensure_one()
        if self.alert_type == "inventory":
            check = self.check_type or "reorder_point"
            if check == "fixed_threshold":
                what = _("%s product(s) at or below the threshold", found)
            elif check == "days_of_stock":
                what = _(
                    "%(n)s product(s) with less than %(days)s days of stock",
                    n=found,
                    days=self.days_threshold,
                )
            elif check == "percentage":
                what = _(
                    "%(n)s product(s) below %(pct)s%% of their reorder point", n=found, pct=self.percentage
                )
            else:
                what = _("%s product(s) below their reorder point", found)
        else:
            what = _("%s record(s) match the condition", found)
        return _(
            "%(what)s, %(new)s new alert(s), %(resolved)s resolved.", what=what, new=new, resolved=resolved
        )

    def action_view_alerts(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("workflow_alerts.action_alert_instance")
        action["domain"] = [("rule_id", "=", self.id)]
        action["context"] = {"search_default_open": 1}
        return action

    # ------------------------------------------------------------------
    # periodic evaluation
    # ------------------------------------------------------------------
    @job(batch_size=20)
    def _job_evaluate(self, limit=20):
        """Evaluate the polled rules that are due (one batch of rules)."""
        now = fields.Datetime.now()
        self.env.flush_all()
        ids = self.env["workflow.job"]._lock_batch(
            "alert_rule",
            "active AND alert_type IN %s AND (next_check_at IS NULL OR next_check_at <= %s)",
            (POLLED_TYPES, now),
            limit,
            "next_check_at NULLS FIRST, id",
        )
        for rule in self.browse(ids):
            try:
                with self.env.cr.savepoint():
                    rule._evaluate()
                    error = False
            except (UserError, ValidationError, ValueError) as exc:
                _logger.warning("alert rule %s failed: %s", rule.code, exc)
                error = str(exc)
            rule.write(
                {"next_check_at": now + timedelta(minutes=rule.check_interval_minutes), "last_error": error}
            )
        return len(ids)

    def _evaluate(self, report=None):
        """Raise alerts for what breaches the rule now and resolve those that recovered.
        ``report`` (a dict) receives ``found`` (records breaching) and ``resolved`` (alerts closed)."""
        self.ensure_one()
        report = {} if report is None else report
        if self.alert_type == "inventory":
            breaches = self.env["alert.inventory.monitor"]._breaches(self)
            model = "product.product"
        elif self.alert_type == "threshold":
            model = self.model_name
            ids = self.env[model].with_context(active_test=True).search(self._domain()).ids
            breaches = {rid: {} for rid in ids}
        elif self.alert_type == "schedule":
            count = self.env[self.model_name].search_count(self._domain())
            report["found"] = count
            if count:
                return self._trigger(
                    [
                        {
                            "model_name": self.model_name,
                            "record_id": 0,
                            "dedup_key": "%s:schedule" % self.id,
                            "context": {"count": count},
                        }
                    ]
                )
            report["resolved"] = len(
                self._auto_resolve(model_name=self.model_name, keep_ids=set(), all_records=True)
            )
            return self.env["alert.instance"]
        else:
            raise UserError(_("Rule %s is not checked periodically.", self.name))
        report["found"] = len(breaches)
        report["resolved"] = len(
            self._auto_resolve(model_name=model, keep_ids=set(breaches), breaches=breaches)
        )
        candidates = [
            {"model_name": model, "record_id": rid, "context": ctx} for rid, ctx in breaches.items()
        ]
        return self._trigger(candidates)

    def _auto_resolve(self, model_name, keep_ids, breaches=None, all_records=False):
        """Resolve the open alerts of this rule whose record no longer breaches."""
        open_alerts = self.env["alert.instance"].search(
            [("rule_id", "=", self.id), ("status", "in", OPEN_STATES), ("model_name", "=", model_name)]
        )
        recovered = (
            open_alerts if all_records else open_alerts.filtered(lambda a: a.record_id not in keep_ids)
        )
        if recovered:
            recovered._close(
                "resolved", _("Condition cleared: resolved automatically at the next check."), auto=True
            )
        return recovered

    # ------------------------------------------------------------------
    # the pipeline: silence -> dedup -> cooldown -> daily cap -> alerts -> outbox
    # ------------------------------------------------------------------
    def _trigger(self, candidates):
        """Create alerts for ``candidates`` that pass the filters and queue their notifications.

        ``candidates``: list of dicts ``{model_name, record_id, context, [dedup_key], [severity]}``.
        Returns the new alert.instance records.
        """
        self.ensure_one()
        Alert = self.env["alert.instance"].sudo()
        if not candidates:
            return Alert
        Alert.flush_model()
        for cand in candidates:
            cand.setdefault("dedup_key", "%s:%s:%s" % (self.id, cand["model_name"] or "", cand["record_id"]))
        candidates = self.env["alert.silence"]._filter_silenced(self, candidates)
        if candidates:
            keys = [c["dedup_key"] for c in candidates]
            self.env.cr.execute(
                "SELECT dedup_key FROM alert_instance WHERE dedup_key = ANY(%s) AND status IN %s",
                (keys, OPEN_STATES),
            )
            taken = {row[0] for row in self.env.cr.fetchall()}
            candidates = [c for c in candidates if c["dedup_key"] not in taken]
        throttle = self.env["alert.throttle"]
        if candidates and self.cooldown_minutes:
            free = throttle._acquire_cooldown(self, [c["dedup_key"] for c in candidates])
            candidates = [c for c in candidates if c["dedup_key"] in free]
        if candidates and self.max_alerts_per_day:
            allowed = throttle._acquire_daily(self, len(candidates))
            if allowed < len(candidates):
                dropped = candidates[allowed:]
                candidates = candidates[:allowed]
                if self.cooldown_minutes:
                    throttle._release_cooldown(self, [c["dedup_key"] for c in dropped])
                _logger.info("alert rule %s: daily cap reached, %d alerts dropped", self.code, len(dropped))
        if not candidates:
            return Alert
        alerts = self._insert_alerts(candidates)
        if not alerts:
            return alerts
        self.invalidate_recordset(["trigger_count", "last_triggered_at", "open_alert_count"])
        self.env["alert.history"]._log(alerts, "triggered")
        if self._in_storm(alerts):
            # alerts trickling in one by one (event rules, raise_alert) during a storm: hold their
            # notifications for the next digest run instead of one message each
            alerts.write({"digest_pending": True})
        else:
            self.env["alert.notification"]._queue_for_alerts(alerts, self._recipients_by_alert(alerts))
        return alerts

    def _in_storm(self, alerts):
        """More than the digest threshold of alerts within the storm window, these included."""
        threshold = self.digest_threshold
        if not threshold or len(alerts) > threshold:
            return False  # no storm control, or already one digest for this batch
        window = int(
            self.env["ir.config_parameter"].sudo().get_param("workflow_alerts.storm_window_minutes", 5)
        )
        self.env.cr.execute(
            "SELECT count(*) FROM alert_instance WHERE rule_id = %s AND triggered_at >= %s",
            (self.id, fields.Datetime.now() - timedelta(minutes=window)),
        )
        return self.env.cr.fetchone()[0] > threshold

    def _insert_alerts(self, candidates):
        """One multi-row INSERT; a concurrent duplicate is dropped by the open-alert unique index."""
        now = fields.Datetime.now()
        names = self._record_names(candidates)
        first_step = self.escalation_step_ids[:1]
        next_escalation = now + timedelta(minutes=first_step.delay_minutes) if first_step else None
        uid = self.env.uid
        rows = []
        for cand in candidates:
            ctx = cand.get("context") or {}
            record_name = names.get((cand["model_name"], cand["record_id"])) or self.name
            title, message = self._alert_text(record_name, ctx)
            rows.append(
                (
                    self.id,
                    cand["model_name"] or None,
                    cand["record_id"] or None,
                    record_name,
                    cand.get("severity") or self.severity,
                    title,
                    message,
                    json.dumps(ctx, default=str),
                    "active",
                    now,
                    0,
                    next_escalation,
                    cand["dedup_key"],
                    self.company_id.id,
                    uid,
                    now,
                    uid,
                    now,
                )
            )
        ids = execute_values(
            self.env.cr._obj,
            """INSERT INTO alert_instance (rule_id, model_name, record_id, record_name, severity, title,
                   message, context_data, status, triggered_at, escalation_level, next_escalation_at,
                   dedup_key, company_id, create_uid, create_date, write_uid, write_date)
               VALUES %s
               ON CONFLICT (dedup_key) WHERE status IN ('active', 'acknowledged', 'escalated')
               DO NOTHING RETURNING id""",
            rows,
            page_size=1000,
            fetch=True,
        )
        return self.env["alert.instance"].sudo().browse(sorted(row[0] for row in ids))

    def _record_names(self, candidates):
        by_model = {}
        for cand in candidates:
            if cand["model_name"] and cand["record_id"]:
                by_model.setdefault(cand["model_name"], []).append(cand["record_id"])
        names = {}
        for model, ids in by_model.items():
            for rec in self.env[model].sudo().browse(ids).exists():
                names[(model, rec.id)] = rec.display_name
        return names

    def _alert_text(self, record_name, ctx):
        """Title and message of a new alert."""
        title = ctx.get("title")
        message = ctx.get("message")
        if self.alert_type == "inventory":
            title = title or _("Low stock: %s", record_name)
            if not message:
                message = self.env["alert.inventory.monitor"]._message(self, record_name, ctx)
        elif self.alert_type == "schedule":
            title = title or self.name
            message = message or _(
                "%(count)s record(s) match the rule %(rule)s.", count=ctx.get("count", 0), rule=self.name
            )
        else:
            title = title or _("%(rule)s: %(record)s", rule=self.name, record=record_name)
            message = message or self.description or title
        return title, message

    def _recipients_by_alert(self, alerts, extra_users=None):
        """``{alert_id: res.users}``: the rule's users and groups, the record's user field, extra users."""
        self.ensure_one()
        base = (self.user_ids | self.group_ids.users | (extra_users or self.env["res.users"])).filtered(
            lambda u: u.active and not u.share
        )
        result = {alert.id: base for alert in alerts}
        field = self.recipient_field_id
        if field and self.model_name:
            record_ids = [a.record_id for a in alerts if a.record_id and a.model_name == self.model_name]
            users_by_record = {}
            for rec in self.env[self.model_name].sudo().browse(record_ids).exists():
                users_by_record[rec.id] = rec[field.name]
            for alert in alerts:
                user = users_by_record.get(alert.record_id)
                if user and user.active and not user.share:
                    result[alert.id] = result[alert.id] | user
        return result
