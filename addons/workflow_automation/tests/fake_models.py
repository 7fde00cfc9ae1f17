from odoo import fields, models


class WorkflowTestDocument(models.Model):
    """A business document that gains its workflow through workflow.mixin (tests only)."""

    _name = "workflow.test.document"
    _description = "Workflow Test Document"
    _inherit = ["mail.thread", "workflow.mixin"]
    _workflow_code = "DOC_FLOW"

    name = fields.Char(required=True)
    amount = fields.Float()
