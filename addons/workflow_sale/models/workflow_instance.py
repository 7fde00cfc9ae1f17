from odoo import models

from odoo.addons.workflow_automation.tools import rpc_args

from .price_change_request import PRICE_CHANGE
from .sale_order import SO_APPROVAL


class WorkflowInstance(models.Model):
    _inherit = "workflow.instance"

    def _sale_target(self, code, model_name):
        """The target record when this instance runs the sales workflow ``code``, else None."""
        self.ensure_one()
        if self.model_name != model_name or self.workflow_id.code != code:
            return None
        return self._get_record() or None

    def _approval_levels(self, state, record):
        if record and self.model_name == "sale.order" and self.workflow_id.code == SO_APPROVAL:
            return record._approval_levels_for(self)
        if record and self.model_name == "price.change.request" and self.workflow_id.code == PRICE_CHANGE:
            return record._approval_levels_for(self, super()._approval_levels(state, record))
        return super()._approval_levels(state, record)

    def _enter_state_hook(self, state):
        order = self._sale_target(SO_APPROVAL, "sale.order")
        request = self._sale_target(PRICE_CHANGE, "price.change.request")
        if state.state_type == "approval":
            # record what is submitted before the engine asks for the approvers
            if order:
                order._approval_submitted()
            if request:
                request._price_submitted()
        res = super()._enter_state_hook(state)
        if state.is_final and order:
            if state.code == "approved":
                order._approval_granted(self)
            elif state.code == "rejected":
                order._approval_refused(self)
        if state.is_final and request:
            if state.code == "approved":
                request._price_approved()
            elif state.code == "rejected":
                request._price_rejected(self)
        return res

    def action_cancel(self, reason=None):
        rpc_args.check_records(self, "action_cancel: the workflow instances")
        orders = self.env["sale.order"]
        requests = self.env["price.change.request"]
        for inst in self.sudo().filtered(lambda i: i.status in ("active", "error", "timeout")):
            orders |= inst._sale_target(SO_APPROVAL, "sale.order") or orders
            requests |= inst._sale_target(PRICE_CHANGE, "price.change.request") or requests
        res = super().action_cancel(reason=reason)
        if not self.env.context.get("sale_approval_reopening"):
            pending = orders.filtered(lambda o: o.approval_state == "pending")
            if pending:
                pending.sudo().write({"approval_state": "to_approve", "approval_requested_band_id": False})
                pending._approval_sync()
            requests.filtered(lambda r: r.status in ("draft", "pending"))._price_cancelled()
        return res
