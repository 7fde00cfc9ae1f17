from odoo import api, fields, models

from ..tools.rpc_args import MAX_COMMENT, check_sizes


class ApprovalAssignment(models.Model):
    """One approver's part in an approval request."""

    _name = "approval.assignment"
    _inherit = ["workflow.target.follower.mixin"]
    _description = "Approval Assignment"
    _workflow_follow_field = "request_id"  # read with its request (comments are about the document)
    _order = "request_id, level, sequence, id"
    _rec_name = "approver_id"

    request_id = fields.Many2one("approval.request", required=True, ondelete="cascade", index=True)
    approver_id = fields.Many2one("res.users", required=True, index=True, ondelete="restrict")
    approver_group_id = fields.Many2one("res.groups", string="Assigned Through")
    level = fields.Integer(default=1, help="Levels are decided one after the other.")
    sequence = fields.Integer(default=1)
    status = fields.Selection(
        [
            ("waiting", "Waiting for its turn"),
            ("pending", "To decide"),
            ("approved", "Approved"),
            ("rejected", "Rejected"),
            ("skipped", "Not needed"),
        ],
        default="waiting",
        required=True,
        index=True,
    )
    is_current = fields.Boolean(compute="_compute_is_current", store=True, index=True)
    decision_at = fields.Datetime()
    decided_by = fields.Many2one("res.users", help="Who clicked: the approver or their delegate.")
    comment = fields.Text()
    rejection_reason_id = fields.Many2one("approval.rejection.reason")
    delegated_to = fields.Many2one("res.users", index=True, ondelete="set null")
    delegated_at = fields.Datetime()
    delegation_comment = fields.Text()
    previous_holder_ids = fields.Many2many(
        "res.users",
        "approval_assignment_previous_holder_rel",
        "assignment_id",
        "user_id",
        string="Delegated Before By",
        help="Who had this assignment in hand before its delegate: it may never come back to them.",
    )
    notified_at = fields.Datetime()
    reminder_count = fields.Integer(default=0)
    last_reminder_at = fields.Datetime()
    next_reminder_at = fields.Datetime(index=True)
    activity_id = fields.Many2one("mail.activity", ondelete="set null")
    company_id = fields.Many2one(related="request_id.company_id", store=True, index=True)

    _sql_constraints = [
        (
            "request_approver_unique",
            "UNIQUE(request_id, approver_id)",
            "An approver is assigned once per request.",
        ),
    ]

    @api.constrains("comment", "delegation_comment")
    def _check_sizes(self):
        check_sizes(self, {"comment": MAX_COMMENT, "delegation_comment": MAX_COMMENT})

    @api.depends("status")
    def _compute_is_current(self):
        for assignment in self:
            assignment.is_current = assignment.status == "pending"

    def _may_decide(self, user):
        self.ensure_one()
        return self.status == "pending" and user in (self.approver_id | self.delegated_to)

    def _holders(self):
        """Who has these assignments in hand: the delegate when there is one, else the approver."""
        return self.env["res.users"].union(*(a.delegated_to or a.approver_id for a in self))
