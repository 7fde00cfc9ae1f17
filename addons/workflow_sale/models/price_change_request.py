import logging

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import float_compare, float_is_zero, format_datetime

from odoo.addons.workflow_automation.tools import rpc_args
from odoo.addons.workflow_automation.tools.jobs import job

_logger = logging.getLogger(__name__)

PRICE_CHANGE = "PRICE_CHANGE"
APPLY_KEY = "price_change_apply"
# set by the request's own workflow only (through sudo)
PROTECTED_FIELDS = {"status", "applied_at", "old_price", "decided_at"}


class PriceChangeRequest(models.Model):
    """A sales price change larger than the company threshold, waiting for a price approver."""

    _name = "price.change.request"
    _description = "Price Change Request"
    _inherit = ["mail.thread", "mail.activity.mixin", "workflow.mixin"]
    _workflow_code = PRICE_CHANGE
    _order = "id desc"

    name = fields.Char(compute="_compute_name", store=True)
    target = fields.Selection(
        [("list_price", "Sales Price"), ("pricelist_item", "Pricelist Price")],
        required=True,
        default="list_price",
        readonly=True,
    )
    product_tmpl_id = fields.Many2one(
        "product.template", string="Product", index=True, ondelete="cascade", readonly=True
    )
    pricelist_item_id = fields.Many2one(
        "product.pricelist.item", string="Pricelist Rule", index=True, ondelete="cascade", readonly=True
    )
    pricelist_id = fields.Many2one(related="pricelist_item_id.pricelist_id", store=True)
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    old_price = fields.Monetary(readonly=True, tracking=True)
    new_price = fields.Monetary(required=True, tracking=True)
    change_percent = fields.Float(compute="_compute_change_percent", store=True, string="Change (%)")
    effective_date = fields.Datetime(
        required=True,
        default=fields.Datetime.now,
        index=True,
        tracking=True,
        help="The approved price is applied from this moment on (checked every minute).",
    )
    reason = fields.Text()
    status = fields.Selection(
        [
            ("draft", "Draft"),
            ("pending", "Waiting for Approval"),
            ("approved", "Approved"),
            ("rejected", "Rejected"),
            ("applied", "Applied"),
            ("cancelled", "Cancelled"),
        ],
        default="draft",
        required=True,
        readonly=True,
        index=True,
        tracking=True,
    )
    requested_by = fields.Many2one("res.users", default=lambda self: self.env.user, readonly=True, index=True)
    decided_at = fields.Datetime(readonly=True)
    applied_at = fields.Datetime(readonly=True)
    apply_error = fields.Text(readonly=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )

    @api.constrains("reason")
    def _check_sizes(self):
        rpc_args.check_sizes(self, {"reason": rpc_args.MAX_COMMENT})

    def init(self):
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS price_change_request_due_idx ON price_change_request (effective_date) "
            "WHERE status = 'approved' AND apply_error IS NULL"
        )

    @api.depends("product_tmpl_id", "pricelist_item_id", "new_price", "old_price")
    def _compute_name(self):
        for req in self:
            what = req.product_tmpl_id.display_name or req.pricelist_item_id.name or ""
            if req.pricelist_item_id:
                what = f"{req.pricelist_id.name}: {what}"
            req.name = f"{what} {req.old_price:.2f} → {req.new_price:.2f}"

    @api.depends("old_price", "new_price")
    def _compute_change_percent(self):
        for req in self:
            req.change_percent = self._change_percent(req.old_price, req.new_price) or 0.0

    @api.model
    def _change_percent(self, old, new):
        """Signed change in percent, None when there was no price before."""
        if float_is_zero(old or 0.0, precision_digits=6):
            return None
        return (new - old) / old * 100.0

    @api.model
    def _needs_approval(self, company, old, new):
        if not company.price_change_approval:
            return False
        pct = self._change_percent(old, new)
        return (
            pct is not None
            and float_compare(abs(pct), company.price_change_threshold, precision_digits=4) > 0
        )

    # ------------------------------------------------------------------
    # protection: the decision and the applied price come from the workflow
    # ------------------------------------------------------------------
    def write(self, vals):
        if not self.env.su:
            if PROTECTED_FIELDS & set(vals):
                raise AccessError(_("The status of a price change request is set by its approval workflow."))
            if {"new_price", "effective_date"} & set(vals) and self.filtered(
                lambda r: r.status not in ("draft", "pending")
            ):
                raise UserError(_("A decided price change cannot be modified; request a new one."))
            if "new_price" in vals and self.filtered(lambda r: r.status == "pending"):
                raise UserError(_("The price of a request waiting for approval cannot be changed."))
        return super().write(vals)

    # ------------------------------------------------------------------
    # creation (from product.template and product.pricelist.item writes)
    # ------------------------------------------------------------------
    @api.model
    def _hold_price_write(self, records, guarded, vals, price_field, write):
        """Write ``vals`` on ``records`` but keep ``price_field`` of ``guarded`` for approval.

        ``write(recordset, vals)`` is the caller's own ``super().write``; the caller
        then submits the requests for ``guarded``.
        """
        guarded.check_access_rights("write")
        guarded.check_access_rule("write")
        res = True
        if records - guarded:
            res = write(records - guarded, vals)
        other_vals = {key: value for key, value in vals.items() if key != price_field}
        if other_vals:
            write(guarded, other_vals)
        return res

    @api.model
    def _submit_changes(self, vals_list):
        """Create requests for ``vals_list`` and submit them; returns the requests.

        The caller has checked the user may change the prices; creating the
        requests is the consequence of that write, so it runs with sudo.
        """
        requests = self.sudo().create(vals_list)
        requests._supersede_older()
        instances = self.env["workflow.instance"].browse(requests.action_workflow_start())
        for instance in instances:
            submit = instance.current_state_id.sudo().outgoing_transition_ids.filtered(
                lambda t: t.trigger_type == "user_action"
            )[:1]
            if not submit:
                raise UserError(_("The price change workflow has no Submit step from its first state."))
            # submitting is the system's consequence of the price write, like creating the request:
            # whoever may change the price submits, without write access to price change requests
            instance.sudo().fire(submit.id)
        return requests.with_env(self.env)

    def _supersede_older(self):
        """A newer request on the same price replaces the ones not applied yet."""
        for req in self:
            domain = [
                ("id", "not in", self.ids),
                ("target", "=", req.target),
                ("status", "in", ("draft", "pending", "approved")),
            ]
            if req.target == "pricelist_item":
                domain.append(("pricelist_item_id", "=", req.pricelist_item_id.id))
            else:
                domain.append(("product_tmpl_id", "=", req.product_tmpl_id.id))
            older = self.sudo().search(domain)
            if older:
                older._cancel_workflows(_("Replaced by a newer price change request."))
                older.sudo().write({"status": "cancelled"})
                for old in older:
                    old.message_post(body=_("Replaced by %s.", req.name))

    def _cancel_workflows(self, reason):
        instances = (
            self.env["workflow.instance"]
            .sudo()
            .search(
                [
                    ("model_name", "=", self._name),
                    ("record_id", "in", self.ids),
                    ("status", "in", ("active", "error", "timeout")),
                ]
            )
        )
        if not instances:
            return
        # cancelling follows from what the user was allowed to do (a newer change, a withdrawal)
        instances.with_context(sale_approval_reopening=True)._cancel_system(reason=reason)

    def _approval_levels_for(self, instance, levels):
        """The price approvers, without the requester when someone else can decide (four-eyes)."""
        self.ensure_one()
        result = []
        for pairs in levels:
            others = [(u, g) for u, g in pairs if u != self.requested_by]
            result.append(others or pairs)
        return result

    def _target_record(self):
        self.ensure_one()
        return self.pricelist_item_id if self.target == "pricelist_item" else self.product_tmpl_id

    def _post_on_product(self, body):
        for req in self:
            if req.product_tmpl_id:
                req.product_tmpl_id.sudo().message_post(body=body, subtype_xmlid="mail.mt_note")
            elif req.pricelist_id:
                req.pricelist_id.sudo().message_post(body=body, subtype_xmlid="mail.mt_note")

    # ------------------------------------------------------------------
    # reactions of the PRICE_CHANGE workflow (called by workflow.instance)
    # ------------------------------------------------------------------
    def _price_submitted(self):
        self.sudo().write({"status": "pending"})

    def _price_approved(self):
        now = fields.Datetime.now()
        self.sudo().write({"status": "approved", "decided_at": now})
        for req in self:
            if req.effective_date <= now:
                req._apply()
            else:
                req._post_on_product(
                    _(
                        "Price change %(name)s approved; it applies on %(date)s.",
                        name=req.name,
                        date=format_datetime(self.env, req.effective_date),
                    )
                )

    def _price_rejected(self, instance):
        self.ensure_one()
        self.sudo().write({"status": "rejected", "decided_at": fields.Datetime.now()})
        decision = (
            self.env["approval.request"]
            .sudo()
            .search(
                [("instance_id", "=", instance.id), ("status", "=", "rejected")], order="id desc", limit=1
            )
        )
        comments = [
            f"{(a.decided_by or a.approver_id).name}: {a.comment}"
            for a in decision.assignment_ids.filtered(lambda a: a.status == "rejected" and a.comment)
        ]
        self._post_on_product(
            _(
                "Price change %(name)s rejected; the price stays %(price).2f. %(why)s",
                name=self.name,
                price=self.old_price,
                why=" ".join(comments),
            )
        )

    def _price_cancelled(self):
        self.sudo().write({"status": "cancelled"})

    def _apply(self):
        """Write the approved price (once) and record it."""
        for req in self.filtered(lambda r: r.status == "approved"):
            target = req._target_record()
            if not target:
                req.sudo().write({"status": "cancelled"})
                continue
            field = "fixed_price" if req.target == "pricelist_item" else "list_price"
            current = target[field]
            target.sudo().with_context(**{APPLY_KEY: True}).write({field: req.new_price})
            req.sudo().write({"status": "applied", "applied_at": fields.Datetime.now()})
            note = ""
            if req.currency_id.compare_amounts(current, req.old_price):
                note = _(" (the price had meanwhile changed to %.2f)", current)
            req._post_on_product(_("Price change %(name)s applied%(note)s.", name=req.name, note=note))

    # ------------------------------------------------------------------
    # job: apply approved prices at their effective date
    # ------------------------------------------------------------------
    @job(batch_size=200)
    def _job_apply_due(self, limit=200):
        """Apply approved requests whose effective date has come (SKIP LOCKED batch)."""
        now = fields.Datetime.now()
        ids = self.env["workflow.job"]._lock_batch(
            "price_change_request",
            "status = 'approved' AND apply_error IS NULL AND effective_date <= %s",
            (now,),
            limit=limit,
            order="effective_date",
        )
        for req in self.browse(ids):
            try:
                with self.env.cr.savepoint():
                    req._apply()
            except Exception as exc:  # one broken request must not block the others
                _logger.exception("could not apply price change request %s", req.id)
                req.sudo().write({"apply_error": str(exc)})
                req.message_post(body=_("The approved price could not be applied: %s", exc))
        return len(ids)

    # ------------------------------------------------------------------
    # UI
    # ------------------------------------------------------------------
    def action_cancel_request(self):
        """The requester (or a price approver) withdraws requests not applied yet."""
        rpc_args.check_records(self, "action_cancel_request: the price change requests")
        for req in self:
            if req.status not in ("draft", "pending", "approved"):
                raise UserError(_("%s is already decided and cannot be withdrawn.", req.name))
            if req.requested_by != self.env.user and not self.env.user.has_group(
                "workflow_sale.group_price_approver"
            ):
                raise AccessError(_("Only the requester or a price approver may withdraw %s.", req.name))
        self._cancel_workflows(_("Withdrawn by %s.", self.env.user.name))
        self.sudo().write({"status": "cancelled"})
        return True

    def action_open_target(self):
        self.ensure_one()
        target = self._target_record()
        return {
            "type": "ir.actions.act_window",
            "res_model": target._name,
            "res_id": target.id,
            "view_mode": "form",
            "target": "current",
        }

    def _notify_requester(self):
        """Tell the person who changed the price, in the web client, that it waits for approval."""
        if not self:
            return
        self.env["bus.bus"]._sendone(
            self.env.user.partner_id,
            "simple_notification",
            {
                "type": "warning",
                "sticky": False,
                "title": _("Price change needs approval"),
                "message": _(
                    "%(count)s price change(s) above the threshold were sent for approval: %(names)s. "
                    "The current price stays until approval.",
                    count=len(self),
                    names=", ".join(self.mapped("name")),
                ),
            },
        )
