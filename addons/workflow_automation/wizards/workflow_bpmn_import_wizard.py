import base64

from odoo import _, fields, models
from odoo.exceptions import UserError


class WorkflowBpmnImportWizard(models.TransientModel):
    _name = "workflow.bpmn.import.wizard"
    _description = "Import a Workflow from BPMN"

    file = fields.Binary(string="BPMN File", required=True)
    filename = fields.Char()
    model_id = fields.Many2one(
        "ir.model",
        string="Document",
        domain=[("transient", "=", False)],
        ondelete="cascade",
        help="The kind of document the workflow runs on, for a file drawn in another tool "
        "(bpmn.io, Camunda Modeler). A file exported from Odoo names it itself.",
    )
    replace = fields.Boolean(
        string="Replace existing workflow with the same code",
        help="Running instances keep the current version; new ones use the imported one.",
    )

    def action_import(self):
        self.ensure_one()
        if not self.file:
            raise UserError(_("Choose a BPMN file."))
        definition_id, notes = self.env["workflow.definition"]._import_bpmn(
            base64.b64decode(self.file), model=self.model_id.model or None, replace=self.replace
        )
        action = {
            "type": "ir.actions.act_window",
            "res_model": "workflow.definition",
            "res_id": definition_id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }
        if not notes:
            return action
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": _("Workflow imported"),
                "message": _("Settings of other tools were ignored: %s", "; ".join(notes)),
                "type": "warning",
                "sticky": True,
                "next": action,
            },
        }
