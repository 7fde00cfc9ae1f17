from odoo import _, api, fields, models
from odoo.exceptions import UserError


class ApprovalDecisionWizard(models.TransientModel):
    _name = "approval.decision.wizard"
    _description = "Approve, Reject or Delegate"

    request_ids = fields.Many2many("approval.request", string="Requests", required=True)
    decision = fields.Selection(
        [("approve", "Approve"), ("reject", "Reject"), ("delegate", "Delegate")],
        required=True,
        default="approve",
    )
    comment = fields.Text()
    reason_id = fields.Many2one("approval.rejection.reason", string="Rejection Reason")
    delegate_id = fields.Many2one("res.users", string="Delegate to", domain=[("share", "=", False)])
    comment_required = fields.Boolean(compute="_compute_comment_required")
    request_count = fields.Integer(compute="_compute_comment_required")

    @api.depends("decision", "reason_id", "request_ids")
    def _compute_comment_required(self):
        for wiz in self:
            states = wiz.request_ids.sudo().state_id
            wiz.request_count = len(wiz.request_ids)
            wiz.comment_required = (
                wiz.decision == "reject"
                and (any(states.mapped("require_comment_on_rejection")) or wiz.reason_id.require_comment)
            ) or (wiz.decision == "approve" and any(states.mapped("require_comment_on_approval")))

    def action_confirm(self):
        self.ensure_one()
        requests = self.request_ids
        if self.decision == "approve":
            requests.approve(comment=self.comment or None)
        elif self.decision == "reject":
            requests.reject(comment=self.comment or None, reason_id=self.reason_id.id or None)
        else:
            if not self.delegate_id:
                raise UserError(_("Choose who decides instead of you."))
            requests.delegate(self.delegate_id.id, comment=self.comment or None)
        return {"type": "ir.actions.act_window_close"}
