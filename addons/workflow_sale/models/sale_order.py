from markupsafe import Markup

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_amount

from odoo.addons.workflow_automation.tools import rpc_args

SO_APPROVAL = "SO_APPROVAL"
# fields only the approval process itself may set (through sudo)
APPROVAL_FIELDS = {
    "approval_state",
    "approval_requested_band_id",
    "approval_approved_band_id",
    "approval_approved_amount",
}
# changes that may move an order into another band
BAND_FIELDS = {
    "order_line",
    "currency_id",
    "company_id",
    "team_id",
    "partner_id",
    "pricelist_id",
    "date_order",
}


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "workflow.mixin"]
    _workflow_code = SO_APPROVAL

    approval_state = fields.Selection(
        [
            ("not_required", "No Approval Needed"),
            ("to_approve", "To Approve"),
            ("pending", "Waiting for Approval"),
            ("approved", "Approved"),
            ("rejected", "Rejected"),
        ],
        default="not_required",
        required=True,
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
    )
    approval_amount = fields.Monetary(
        compute="_compute_approval_band",
        currency_field="approval_currency_id",
        string="Amount for Approval",
        help="Order total in the company currency, which the approval matrix uses.",
    )
    approval_currency_id = fields.Many2one(related="company_id.currency_id", string="Company Currency")
    approval_band_id = fields.Many2one(
        "sale.approval.matrix",
        compute="_compute_approval_band",
        help="The band of the approval matrix this order falls in now (empty: no approval needed).",
    )
    approval_required = fields.Boolean(compute="_compute_approval_band")
    approval_levels_text = fields.Char(compute="_compute_approval_band", string="Approval Levels")
    approval_requested_band_id = fields.Many2one(
        "sale.approval.matrix", readonly=True, copy=False, string="Band Submitted"
    )
    approval_approved_band_id = fields.Many2one(
        "sale.approval.matrix", readonly=True, copy=False, string="Band Approved"
    )
    approval_approved_amount = fields.Monetary(
        readonly=True, copy=False, currency_field="approval_currency_id", string="Amount Approved"
    )
    approval_banner = fields.Char(
        compute="_compute_approval_banner",
        string="Approval Status",
        help="Where the order's approval stands, in a sentence: submitted, approved or rejected (with the reason).",
    )

    # ------------------------------------------------------------------
    # band
    # ------------------------------------------------------------------
    def _approval_amounts(self):
        """Order totals converted into their company's currency, by order id."""
        today = fields.Date.context_today(self)
        return {
            order.id: order.currency_id._convert(
                order.amount_total,
                order.company_id.currency_id,
                order.company_id,
                order.date_order or today,
            )
            if order.currency_id and order.currency_id != order.company_id.currency_id
            else order.amount_total
            for order in self
        }

    def _approval_bands(self):
        """The band requiring approval of each order (empty when none is needed), by order id."""
        amounts = self._approval_amounts()
        bands = self.env["sale.approval.matrix"]._find_bands(self, amounts)
        result = {}
        for order in self:
            band = bands[order.id]
            below = (
                order.company_id.currency_id.compare_amounts(
                    amounts[order.id], order.company_id.sale_approval_threshold
                )
                < 0
            )
            result[order.id] = band if band and band.level_ids and not below else band.browse()
        return result, amounts

    @api.depends("amount_total", "currency_id", "company_id", "team_id", "partner_id", "date_order")
    @api.depends_context("uid")
    def _compute_approval_band(self):
        bands, amounts = self._approval_bands()
        for order in self:
            band = bands.get(order.id) or self.env["sale.approval.matrix"]
            order.approval_amount = amounts.get(order.id, 0.0)
            order.approval_band_id = band
            order.approval_required = bool(band)
            order.approval_levels_text = band._levels_text() if band else False

    def _approval_last_request(self):
        """The latest approval request of the order's SO_APPROVAL workflow (sudo), or empty."""
        self.ensure_one()
        return (
            self.env["approval.request"]
            .sudo()
            .search(
                [
                    ("model_name", "=", self._name),
                    ("record_id", "=", self.id),
                    ("workflow_id.code", "=", SO_APPROVAL),
                ],
                order="id desc",
                limit=1,
            )
        )

    @api.depends("approval_state")
    @api.depends_context("uid")
    def _compute_approval_banner(self):
        for order in self:
            state = order.approval_state
            request = order._approval_last_request() if state in ("pending", "approved", "rejected") else None
            if not request:
                order.approval_banner = False
                continue
            decided = request.assignment_ids.filtered(lambda a: a.status in ("approved", "rejected"))
            if state == "pending":
                order.approval_banner = _(
                    "Submitted for approval by %(user)s — %(next)s.",
                    user=request.requested_by.name or "-",
                    next=request._next_step_text(),
                )
            elif state == "approved":
                order.approval_banner = _(
                    "Approved by %(users)s.",
                    users=", ".join((a.decided_by or a.approver_id).name for a in decided) or _("the system"),
                )
            else:
                texts = []
                for a in decided.filtered(lambda a: a.status == "rejected"):
                    text = (a.decided_by or a.approver_id).name
                    if a.rejection_reason_id:
                        text += _(" (reason: %s)", a.rejection_reason_id.name)
                    if a.comment:
                        text += ": " + a.comment
                    texts.append(text)
                if request.outcome_comment:
                    texts.append(request.outcome_comment)
                order.approval_banner = _(
                    "Rejected by %s. Change the quotation and request approval again.",
                    "; ".join(texts) or _("the approvers"),
                )

    def _approval_summary(self):
        """What an approver decides on (shown in My Approvals): total, customer, salesperson,
        the largest lines, and the names of the band's levels."""
        facts = super()._approval_summary()
        lines = self.order_line.filtered(lambda line: not line.display_type).sorted(
            lambda line: -line.price_subtotal
        )
        texts = [
            _(
                "%(qty)s × %(product)s — %(amount)s",
                qty=f"{line.product_uom_qty:g}",
                product=line.product_id.display_name or line.name,
                amount=format_amount(self.env, line.price_subtotal, self.currency_id),
            )
            for line in lines[:3]
        ]
        if len(lines) > 3:
            texts.append(_("and %s more lines", len(lines) - 3))
        band = self.approval_requested_band_id or self.approval_band_id
        facts.update(
            amount=self.amount_total,
            currency_id=self.currency_id.id,
            partner_id=self.partner_id.id,
            user_id=self.user_id.id,
            lines=texts,
            level_names=band.level_ids.sorted(lambda lv: (lv.sequence, lv.id)).mapped("name") if band else [],
        )
        return facts

    @staticmethod
    def _band_is_higher(band, reference):
        """True when ``band`` asks more than the band ``reference`` that was submitted or approved."""
        if not band:
            return False
        if not reference:
            return True
        if band == reference:
            return False
        return band.amount_min > reference.amount_min or len(band.level_ids) > len(reference.level_ids)

    # ------------------------------------------------------------------
    # protection of the approval fields
    # ------------------------------------------------------------------
    def _check_approval_fields(self, vals_list):
        if self.env.su:
            return
        for vals in vals_list:
            if APPROVAL_FIELDS & set(vals):
                raise AccessError(
                    _("The approval status of an order is set by its approval workflow, not by hand.")
                )

    @api.model_create_multi
    def create(self, vals_list):
        self._check_approval_fields(vals_list)
        orders = super().create(vals_list)
        orders._approval_sync()
        return orders

    def write(self, vals):
        self._check_approval_fields([vals])
        res = super().write(vals)
        if BAND_FIELDS & set(vals):
            self._approval_sync()
        return res

    # ------------------------------------------------------------------
    # state keeping
    # ------------------------------------------------------------------
    def _approval_sync(self):
        """Keep ``approval_state`` in line with the order's amount.

        An approved (or submitted) order whose amount moves into a higher band
        goes back to *To Approve*; within the same band, or down, nothing changes.
        """
        quotes = self.filtered(lambda o: o.state in ("draft", "sent"))
        if not quotes:
            return
        bands, amounts = quotes._approval_bands()
        for order in quotes:
            band = bands[order.id]
            state = order.approval_state
            if state in ("not_required", "to_approve"):
                new_state = "to_approve" if band else "not_required"
                if new_state != state:
                    order.sudo().write({"approval_state": new_state})
            elif state == "approved" and self._band_is_higher(band, order.approval_approved_band_id):
                order._approval_reopen(band, amounts[order.id])
            elif state == "pending" and self._band_is_higher(band, order.approval_requested_band_id):
                order._approval_reopen(band, amounts[order.id])

    def _approval_running_instances(self):
        return (
            self.env["workflow.instance"]
            .sudo()
            .search(
                [
                    ("model_name", "=", self._name),
                    ("record_id", "in", self.ids),
                    ("status", "in", ("active", "error", "timeout")),
                    ("workflow_id.code", "=", SO_APPROVAL),
                ]
            )
        )

    def _approval_reopen(self, band, amount):
        """The order changed into a higher band: what was approved no longer covers it."""
        self.ensure_one()
        previous = dict(self._fields["approval_state"].selection)[self.approval_state]
        running = self._approval_running_instances()
        if running:
            # cancelling the running approval follows from the user's change: the system's path
            running.with_context(sale_approval_reopening=True)._cancel_system(
                reason=_("The order amount moved into a higher approval band.")
            )
        self.sudo().write(
            {
                "approval_state": "to_approve",
                "approval_requested_band_id": False,
                "approval_approved_band_id": False,
            }
        )
        self.message_post(
            body=_(
                "The total is now %(amount)s, in the approval band %(band)s (%(levels)s). "
                "The order was %(previous)s; it must be approved again before confirmation.",
                amount=format_amount(self.env, amount, self.company_id.currency_id),
                band=band.name,
                levels=band._levels_text(),
                previous=previous.lower(),
            ),
            subtype_xmlid="mail.mt_note",
        )

    def _approval_reset(self):
        """Back to the start (cancelled order, cancelled workflow): nothing is submitted any more."""
        running = self._approval_running_instances()
        if running:
            running.with_context(sale_approval_reopening=True)._cancel_system(
                reason=_("The order was cancelled.")
            )
        self.sudo().write(
            {
                "approval_state": "not_required",
                "approval_requested_band_id": False,
                "approval_approved_band_id": False,
            }
        )
        self._approval_sync()

    # ------------------------------------------------------------------
    # actions
    # ------------------------------------------------------------------
    def action_request_approval(self):
        """Submit the quotations to the approvers of their band (starts the SO_APPROVAL workflow)."""
        rpc_args.check_records(self, "action_request_approval: the quotations")
        for order in self:
            if order.state not in ("draft", "sent"):
                raise UserError(_("Only quotations can be submitted for approval (%s is not).", order.name))
            if order.approval_state == "pending":
                raise UserError(_("%s is already waiting for approval.", order.name))
        self._approval_sync()
        to_submit = self.filtered(lambda o: o.approval_required and o.approval_state != "approved")
        for order in self - to_submit:
            order.message_post(body=_("No approval is needed for this order."), subtype_xmlid="mail.mt_note")
        if not to_submit:
            return True
        # the engine's own start and transition posts are replaced by one in the button's words
        quiet = to_submit.with_context(workflow_quiet_chatter=True)
        instance_ids = quiet.action_workflow_start()
        Instance = self.env["workflow.instance"].with_context(workflow_quiet_chatter=True)
        for instance in Instance.browse(instance_ids):
            submit = instance.current_state_id.sudo().outgoing_transition_ids.filtered(
                lambda t: t.trigger_type == "user_action"
            )[:1]
            if not submit:
                raise UserError(_("The order approval workflow has no Submit step from its first state."))
            instance.fire(submit.id)
        for order in to_submit:
            request = order._approval_last_request()
            # written as the system in the user's name, as the engine's own posts are (a user
            # without an email address can still request approval)
            order.sudo().message_post(
                author_id=self.env.user.partner_id.id,
                body=_("Requested approval — %s.", request._next_step_text())
                if request.status == "pending"
                else _("Requested approval."),
                subtype_xmlid="mail.mt_note",
            )
        self.invalidate_recordset(self._workflow_fields())
        return True

    def action_confirm(self):
        self._check_approved_for_confirmation()
        return super().action_confirm()

    def _check_approved_for_confirmation(self):
        if self.env.context.get("install_module") and self.env.uid == SUPERUSER_ID:
            return  # data files of modules being installed (e.g. their demo orders) are not approved
        quotes = self.filtered(lambda o: o.state in ("draft", "sent"))
        if not quotes:
            return
        quotes._approval_sync()
        bands, amounts = quotes._approval_bands()
        for order in quotes:
            band = bands[order.id]
            if not band:
                continue
            if order.approval_state == "approved" and not self._band_is_higher(
                band, order.approval_approved_band_id
            ):
                continue
            amount = format_amount(self.env, amounts[order.id], order.company_id.currency_id)
            if order.approval_state == "pending":
                request = (
                    self.env["approval.request"]
                    .sudo()
                    .search(
                        [
                            ("model_name", "=", self._name),
                            ("record_id", "=", order.id),
                            ("status", "=", "pending"),
                        ],
                        limit=1,
                        order="id desc",
                    )
                )
                waiting = request.assignment_ids.filtered(lambda a: a.status == "pending")
                raise UserError(
                    _(
                        "%(order)s cannot be confirmed yet: it is waiting for approval (level %(level)s of "
                        "%(count)s, %(users)s). Band %(band)s requires: %(levels)s.",
                        order=order.name,
                        level=request.current_level or 1,
                        count=request.level_count or len(band.level_ids),
                        users=", ".join(waiting.mapped(lambda a: (a.delegated_to or a.approver_id).name))
                        or "-",
                        band=band.name,
                        levels=band._levels_text(),
                    )
                )
            raise UserError(
                _(
                    "%(order)s cannot be confirmed: its total of %(amount)s falls in the approval band "
                    "%(band)s, which requires: %(levels)s. %(hint)s",
                    order=order.name,
                    amount=amount,
                    band=band.name,
                    levels=band._levels_text(),
                    hint=_("It was rejected; change it and request approval again.")
                    if order.approval_state == "rejected"
                    else _("Click Request Approval first."),
                )
            )

    def _action_cancel(self):
        res = super()._action_cancel()
        self._approval_reset()
        return res

    def action_draft(self):
        res = super().action_draft()
        self._approval_sync()
        return res

    # ------------------------------------------------------------------
    # reactions of the SO_APPROVAL workflow (called by workflow.instance)
    # ------------------------------------------------------------------
    def _approval_levels_for(self, instance):
        """Levels of the order's band as ``[[(user, group), ...], ...]`` for the approval engine.

        The salesperson and the person who submitted are left out of a level
        when someone else can decide in it (four-eyes principle), and a level
        is decided by other people than the levels before it.
        """
        self.ensure_one()
        band = self.approval_requested_band_id or self._approval_bands()[0][self.id]
        if not band:
            raise UserError(_("%s needs no approval: its amount is below every approval band.", self.name))
        interested = self.user_id | instance.started_by
        levels, earlier = [], self.env["res.users"]
        for level in band.level_ids.sorted(lambda lv: (lv.sequence, lv.id)):
            pairs = level._approver_pairs()
            if not pairs:
                raise UserError(
                    _(
                        "Level %(level)s of the approval band %(band)s has no active approver; "
                        "ask a sales manager to complete the approval matrix.",
                        level=level.name,
                        band=band.name,
                    )
                )
            # each level is decided by other people than the levels before it
            fresh = [(u, g) for u, g in pairs if u not in earlier]
            if not fresh:
                raise UserError(
                    _(
                        "Level %(level)s of the approval band %(band)s has only approvers of earlier levels "
                        "(%(users)s); a level must be decided by someone else.",
                        level=level.name,
                        band=band.name,
                        users=", ".join(u.name for u, _g in pairs),
                    )
                )
            others = [(u, g) for u, g in fresh if u not in interested]
            chosen = others or fresh
            earlier |= self.env["res.users"].union(*(u for u, _g in chosen))
            levels.append(chosen)
        return levels

    def _approval_submitted(self):
        band_by_order = self._approval_bands()[0]
        for order in self:
            order.sudo().write(
                {
                    "approval_state": "pending",
                    "approval_requested_band_id": band_by_order[order.id].id,
                    "approval_approved_band_id": False,
                }
            )

    def _approval_granted(self, instance):
        self.ensure_one()
        amounts = self._approval_amounts()
        self.sudo().write(
            {
                "approval_state": "approved",
                "approval_approved_band_id": self.approval_requested_band_id.id,
                "approval_approved_amount": amounts[self.id],
            }
        )
        self.message_post(
            body=_("Order approved (band %s).", self.approval_requested_band_id.name or ""),
            subtype_xmlid="mail.mt_note",
        )
        if self.company_id.sale_approval_auto_confirm and self.state in ("draft", "sent"):
            try:
                with self.env.cr.savepoint():
                    # the confirmation follows the approvers' decision: done by the system
                    self.sudo().with_company(self.company_id).action_confirm()
            except UserError as exc:
                self.message_post(
                    body=_(
                        "The order is approved but could not be confirmed automatically: %s "
                        "Please confirm it by hand.",
                        exc.args[0],
                    ),
                    subtype_xmlid="mail.mt_note",
                )

    def _approval_refused(self, instance):
        self.ensure_one()
        self.sudo().write({"approval_state": "rejected"})
        requests = (
            self.env["approval.request"]
            .sudo()
            .search(
                [("instance_id", "=", instance.id), ("status", "=", "rejected")], order="id desc", limit=1
            )
        )
        lines = []
        for assignment in requests.assignment_ids.filtered(lambda a: a.status == "rejected"):
            text = (assignment.decided_by or assignment.approver_id).name
            if assignment.rejection_reason_id:
                text += _(" (reason: %s)", assignment.rejection_reason_id.name)
            if assignment.comment:
                text += ": " + assignment.comment
            lines.append(text)
        if requests.outcome_comment:
            lines.append(requests.outcome_comment)
        body = Markup("%s<br/>%s<br/>%s") % (
            _("Approval rejected by:"),
            Markup("<br/>").join(lines or [_("the approvers")]),
            _("The order stays a quotation; change it and request approval again."),
        )
        self.message_post(body=body, subtype_xmlid="mail.mt_comment", partner_ids=self.user_id.partner_id.ids)
