from odoo import fields, models


class WorkflowTransitionWizard(models.TransientModel):
    _name = "workflow.transition.wizard"
    _description = "Confirm a Workflow Transition"

    instance_id = fields.Many2one("workflow.instance", required=True, ondelete="cascade")
    transition_id = fields.Many2one("workflow.transition", required=True, ondelete="cascade")
    require_comment = fields.Boolean(compute="_compute_require_comment")
    comment = fields.Text()

    def _compute_require_comment(self):
        for wiz in self:
            wiz.require_comment = (
                wiz.transition_id.sudo().require_comment or wiz.instance_id.sudo().workflow_id.require_comment
            )

    def action_confirm(self):
        self.ensure_one()
        self.instance_id.fire(self.transition_id.id, comment=self.comment or None)
        return {"type": "ir.actions.act_window_close"}
