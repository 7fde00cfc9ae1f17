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
        """Decide on the requests waiting for the user; the others (decided meanwhile, not yet
        their turn, not theirs) are skipped and named in the notification."""
        self.ensure_one()
        requests = self.request_ids
        if self.decision == "delegate" and not self.delegate_id:
            raise UserError(_("Choose who decides instead of you."))
        mine = requests.filtered("my_turn")
        skipped = requests - mine
        if not mine:
            raise UserError(
                _(
                    "None of the selected requests waits for your decision: %s.",
                    ", ".join(skipped.sudo().mapped("name")),
                )
            )
        if self.decision == "approve":
            mine.approve(comment=self.comment or None)
            decision = "approved"
        elif self.decision == "reject":
            mine.reject(comment=self.comment or None, reason_id=self.reason_id.id or None)
            decision = "rejected"
        else:
            mine.delegate(self.delegate_id.id, comment=self.comment or None)
            decision = "delegated"
        return mine._decision_notification(decision, skipped=skipped)
