import json
import logging
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from odoo.addons.workflow_automation.tools import rpc_args
from odoo.addons.workflow_automation.tools.jobs import job

from .alert_rule import OPEN_STATES, SEVERITIES

_logger = logging.getLogger(__name__)

USER_WRITABLE = {"resolution_notes"}


class AlertInstance(models.Model):
    _name = "alert.instance"
    _inherit = ["workflow.target.mixin"]
    _description = "Alert"
    _order = "triggered_at desc, id desc"
    _rec_name = "title"

    rule_id = fields.Many2one("alert.rule", required=True, ondelete="cascade", index=True, readonly=True)
    alert_type = fields.Selection(related="rule_id.alert_type")
    # the record the alert is about (workflow.target.mixin); none for an alert about a count or
    # a schedule, so not required here
    model_name = fields.Char(required=False, readonly=True)
    record_id = fields.Integer(required=False, readonly=True)
    record_name = fields.Char(readonly=True)
    severity = fields.Selection(SEVERITIES, required=True, readonly=True)
    title = fields.Char(required=True, readonly=True)
    message = fields.Text(required=True, readonly=True)
    context_data = fields.Text(readonly=True, help="JSON figures the alert was raised with.")
    dedup_key = fields.Char(
        "Deduplication Key",
        required=True,
        readonly=True,
        help="At most one open alert exists per key (rule + record by default).",
    )
    status = fields.Selection(
        [
            ("active", "Active"),
            ("escalated", "Escalated"),
            ("acknowledged", "Acknowledged"),
            ("resolved", "Resolved"),
            ("expired", "Expired"),
        ],
        default="active",
        required=True,
        readonly=True,
        index=True,
    )
    triggered_at = fields.Datetime(default=fields.Datetime.now, readonly=True, index=True)
    acknowledged_at = fields.Datetime(readonly=True)
    acknowledged_by = fields.Many2one("res.users", readonly=True)
    resolved_at = fields.Datetime(readonly=True)
    resolved_by = fields.Many2one("res.users", readonly=True)
    resolution_notes = fields.Text()
    escalation_level = fields.Integer(readonly=True, default=0)
    next_escalation_at = fields.Datetime(readonly=True, index=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, readonly=True
    )
    digest_pending = fields.Boolean(
        readonly=True, help="Raised during a storm: notified in the next digest rather than alone."
    )
    history_ids = fields.One2many("alert.history", "alert_id", readonly=True)
    notification_ids = fields.One2many("alert.notification", "alert_id", "Notifications", readonly=True)
    color = fields.Integer(compute="_compute_color")
    # what an inventory alert is about, in words and units (display only)
    product_id = fields.Many2one("product.product", compute="_compute_stock_figures")
    product_uom_id = fields.Many2one("uom.uom", compute="_compute_stock_figures", string="Unit")
    qty_on_hand = fields.Float(
        "On Hand",
        compute="_compute_stock_figures",
        digits="Product Unit of Measure",
        help="Quantity on hand when the alert was raised.",
    )
    reorder_min_qty = fields.Float(
        "Reorder Point",
        compute="_compute_stock_figures",
        digits="Product Unit of Measure",
        help="Minimum quantity of the product's reordering rule when the alert was raised.",
    )
    warehouse_id = fields.Many2one("stock.warehouse", compute="_compute_stock_figures")
    stock_text = fields.Char("Stock", compute="_compute_stock_figures")

    def init(self):
        # one open alert per deduplication key; also the arbiter of INSERT ... ON CONFLICT
        self.env.cr.execute(
            """CREATE UNIQUE INDEX IF NOT EXISTS alert_instance_open_dedup_uniq ON alert_instance (dedup_key)
               WHERE status IN ('active', 'acknowledged', 'escalated')"""
        )
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS alert_instance_digest_pending_idx
               ON alert_instance (rule_id) WHERE digest_pending"""
        )
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS alert_instance_escalation_due_idx
               ON alert_instance (next_escalation_at) WHERE status IN ('active', 'escalated')"""
        )

    @api.depends("severity")
    def _compute_color(self):
        colors = {"info": 4, "warning": 3, "critical": 2, "urgent": 1}
        for alert in self:
            alert.color = colors.get(alert.severity, 0)

    @api.depends("model_name", "record_id", "context_data", "rule_id")
    def _compute_stock_figures(self):
        products = self.env["product.product"]
        for alert in self:
            if alert.model_name == "product.product" and alert.record_id:
                products |= products.browse(alert.record_id)
        products = products.exists()
        # the warehouse of the product's reordering rule (in the rule's warehouses when it has some)
        # (read as the system: a warehouse figure, also for users without stock rights)
        orderpoints = self.env["stock.warehouse.orderpoint"].sudo()
        if products:
            orderpoints = orderpoints.search(
                [("product_id", "in", products.ids), ("company_id", "in", self.company_id.ids)],
                order="warehouse_id, id",
            )
        for alert in self:
            product = (
                products.browse(alert.record_id) & products
                if alert.model_name == "product.product"
                else products.browse()
            )
            data = alert._context_figures()
            warehouses = alert.rule_id.warehouse_ids
            orderpoint = orderpoints.filtered(
                lambda op, a=alert, p=product, w=warehouses: (
                    op.product_id == p and op.company_id == a.company_id and (not w or op.warehouse_id in w)
                )
            )[:1]
            alert.product_id = product
            alert.product_uom_id = product.uom_id
            alert.qty_on_hand = data.get("qty", 0.0)
            alert.reorder_min_qty = data.get("min_qty", orderpoint.product_min_qty or 0.0)
            alert.warehouse_id = orderpoint.warehouse_id.with_env(self.env) or (
                warehouses[:1] if len(warehouses) == 1 else False
            )
            alert.stock_text = alert._stock_text(product, data) if product and "qty" in data else False

    def _context_figures(self):
        self.ensure_one()
        try:
            data = json.loads(self.context_data or "{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    def _stock_text(self, product, data):
        """ "4 Units on hand of 10 at the reorder point" and the like, in the product's unit."""
        uom = product.uom_id.name or ""
        qty = "%s %s" % (self._format_qty(data.get("qty", 0.0)), uom)
        if "min_qty" in data:
            return _(
                "%(qty)s on hand, reorder point %(min)s %(uom)s",
                qty=qty.strip(),
                min=self._format_qty(data["min_qty"]),
                uom=uom,
            ).strip()
        if "days_left" in data:
            return _(
                "%(qty)s on hand, about %(days)s day(s) of stock", qty=qty.strip(), days=data["days_left"]
            )
        if self.rule_id.check_type == "fixed_threshold":
            return _(
                "%(qty)s on hand, threshold %(limit)s %(uom)s",
                qty=qty.strip(),
                limit=self._format_qty(self.rule_id.threshold_qty),
                uom=uom,
            ).strip()
        return _("%s on hand", qty.strip())

    @api.model
    def _format_qty(self, qty):
        return ("%.3f" % float(qty or 0.0)).rstrip("0").rstrip(".")

    @api.depends("title", "record_name")
    def _compute_display_name(self):
        for alert in self:
            alert.display_name = alert.title

    def write(self, vals):
        # users handle alerts through the buttons (which write with sudo) and may edit the notes;
        # the rest of an alert is the system's record
        if (
            not self.env.su
            and set(vals) - USER_WRITABLE
            and not self.env.user.has_group("workflow_automation.group_workflow_manager")
        ):
            raise AccessError(_("Use the Acknowledge and Resolve buttons to handle an alert."))
        return super().write(vals)

    # ------------------------------------------------------------------
    # handling
    # ------------------------------------------------------------------
    def action_acknowledge(self, note=None):
        """Acknowledge open alerts: escalation stops, the alert stays open until resolved."""
        rpc_args.check_records(self, "action_acknowledge: the alerts")
        rpc_args.as_text(note, "action_acknowledge: note", rpc_args.MAX_COMMENT)
        self.check_access_rights("write")
        self.check_access_rule("write")
        todo = self.filtered(lambda a: a.status in ("active", "escalated"))
        if not todo and self:
            raise UserError(_("Only active or escalated alerts can be acknowledged."))
        todo.sudo().write(
            {
                "status": "acknowledged",
                "acknowledged_at": fields.Datetime.now(),
                "acknowledged_by": self.env.uid,
                "next_escalation_at": False,
            }
        )
        self.env["alert.history"]._log(todo, "acknowledged", note or False)
        return True

    def action_resolve(self, notes=None):
        """Resolve open alerts with optional notes."""
        rpc_args.check_records(self, "action_resolve: the alerts")
        rpc_args.as_text(notes, "action_resolve: notes", rpc_args.MAX_COMMENT)
        self.check_access_rights("write")
        self.check_access_rule("write")
        todo = self.filtered(lambda a: a.status in OPEN_STATES)
        if not todo and self:
            raise UserError(_("These alerts are already closed."))
        todo._close("resolved", notes or False)
        return True

    def action_open_resolve_wizard(self):
        name = _("Resolve alert: %s", self.title) if len(self) == 1 else _("Resolve %s alerts", len(self))
        return {
            "name": name,
            "type": "ir.actions.act_window",
            "res_model": "alert.resolve.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_alert_ids": [(6, 0, self.ids)]},
        }

    def action_replenish(self):
        """Button: Odoo's replenishment wizard for the alert's product (routes: buy, manufacture,
        resupply), with the missing quantity up to the reorder point; a Buy route makes an RFQ."""
        self.ensure_one()
        if not self.product_id:
            raise UserError(_("This alert is not about a product."))
        self.env["product.replenish"].check_access_rights("create")
        action = self.env["ir.actions.act_window"]._for_xml_id("stock.action_product_replenish")
        missing = self.reorder_min_qty - self.qty_on_hand
        context = {
            "default_product_id": self.product_id.id,
            "default_product_tmpl_id": self.product_id.product_tmpl_id.id,
            "default_quantity": missing if missing > 0 else 1.0,
        }
        if self.warehouse_id:
            context["default_warehouse_id"] = self.warehouse_id.id
        action["name"] = _("Replenish %s", self.product_id.display_name)
        action["context"] = context
        return action

    def action_open_record(self):
        self.ensure_one()
        if not self.model_name or not self.record_id or self.model_name not in self.env:
            raise UserError(_("This alert is not about a single record."))
        return super().action_open_record()

    def _close(self, status, notes, auto=False):
        vals = {
            "status": status,
            "resolved_at": fields.Datetime.now(),
            "resolved_by": False if auto else self.env.uid,
            "next_escalation_at": False,
        }
        if notes:
            vals["resolution_notes"] = notes
        self.sudo().write(vals)
        self.env["alert.history"]._log(self, "auto_resolved" if auto else status, notes)

    # ------------------------------------------------------------------
    # storm digests
    # ------------------------------------------------------------------
    @job(batch_size=5000)
    def _job_flush_digests(self, limit=5000):
        """Send one digest per rule, recipient and channel for the alerts held during a storm."""
        self.env.flush_all()
        ids = self.env["workflow.job"]._lock_batch(
            "alert_instance", "digest_pending", (), limit, "rule_id, id"
        )
        alerts = self.browse(ids)
        for rule, rule_alerts in alerts.grouped("rule_id").items():
            self.env["alert.notification"]._queue_for_alerts(
                rule_alerts, rule._recipients_by_alert(rule_alerts), digest=True
            )
        alerts.write({"digest_pending": False})
        return len(ids)

    # ------------------------------------------------------------------
    # escalation
    # ------------------------------------------------------------------
    @job(batch_size=200)
    def _job_escalate(self, limit=200):
        """Escalate unacknowledged alerts whose next step is due (one batch)."""
        now = fields.Datetime.now()
        self.env.flush_all()
        ids = self.env["workflow.job"]._lock_batch(
            "alert_instance",
            "status IN ('active', 'escalated') AND next_escalation_at <= %s",
            (now,),
            limit,
            "next_escalation_at, id",
        )
        alerts = self.browse(ids)
        for rule, rule_alerts in alerts.grouped("rule_id").items():
            steps = rule.escalation_step_ids
            for level, level_alerts in rule_alerts.grouped("escalation_level").items():
                if level >= len(steps):
                    level_alerts.write({"next_escalation_at": False})
                    continue
                step = steps[level]
                following = steps[level + 1] if level + 1 < len(steps) else None
                vals = {
                    "status": "escalated",
                    "escalation_level": level + 1,
                    "next_escalation_at": now + timedelta(minutes=following.delay_minutes)
                    if following
                    else False,
                }
                if step.severity:
                    vals["severity"] = step.severity
                level_alerts.write(vals)
                self.env["alert.history"]._log(level_alerts, "escalated", _("Escalation step %s", level + 1))
                recipients = rule._recipients_by_alert(level_alerts, extra_users=step._extra_users())
                self.env["alert.notification"]._queue_for_alerts(level_alerts, recipients, escalation=True)
        return len(ids)
