from odoo import fields, models


class WorkflowHistory(models.Model):
    _name = "workflow.history"
    _inherit = ["workflow.target.follower.mixin"]
    _description = "Workflow History"
    # a history line is read with its instance, i.e. by those who may read the document
    _workflow_follow_field = "instance_id"
    _order = "performed_at desc, id desc"
    _rec_name = "instance_id"

    instance_id = fields.Many2one("workflow.instance", required=True, ondelete="cascade", index=True)
    # precomputed: written by the INSERT of the line, not by an UPDATE right after it
    workflow_id = fields.Many2one(related="instance_id.workflow_id", store=True, index=True, precompute=True)
    model_name = fields.Char(related="instance_id.model_name", store=True, precompute=True)
    record_id = fields.Integer(related="instance_id.record_id", store=True, precompute=True)
    record_name = fields.Char(related="instance_id.record_name")
    company_id = fields.Many2one(related="instance_id.company_id", store=True, index=True, precompute=True)
    transition_id = fields.Many2one("workflow.transition", ondelete="set null")
    from_state_id = fields.Many2one("workflow.state", ondelete="set null")
    to_state_id = fields.Many2one("workflow.state", ondelete="set null")
    from_state_name = fields.Char(string="From")
    to_state_name = fields.Char(string="To")
    action_type = fields.Selection(
        [
            ("start", "Started"),
            ("transition", "Transition"),
            ("approval", "Approval"),
            ("rejection", "Rejection"),
            ("timeout", "Timeout"),
            ("escalation", "Escalation"),
            ("cancel", "Cancelled"),
            ("error", "Error"),
            ("system", "System"),
        ],
        required=True,
        default="transition",
    )
    performed_by = fields.Many2one("res.users", default=lambda self: self.env.user, index=True)
    performed_at = fields.Datetime(default=fields.Datetime.now, required=True, index=True)
    comment = fields.Text()
    context_data = fields.Json()
    duration_seconds = fields.Integer(help="Time spent in the previous state.")
    duration_hours = fields.Float(compute="_compute_duration_hours", string="Hours in Previous State")

    def _compute_duration_hours(self):
        for line in self:
            line.duration_hours = (line.duration_seconds or 0) / 3600.0
