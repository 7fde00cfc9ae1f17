import base64

from odoo import _, fields, models
from odoo.exceptions import UserError


class WorkflowImportWizard(models.TransientModel):
    _name = "workflow.import.wizard"
    _description = "Import a Workflow Definition"

    file = fields.Binary(string="JSON File")
    filename = fields.Char()
    json_text = fields.Text(string="Or paste JSON")
    replace = fields.Boolean(
        string="Replace existing workflow with the same code",
        help="Running instances keep the current version; new ones use the imported one.",
    )

    def action_import(self):
        self.ensure_one()
        if self.file:
            data = base64.b64decode(self.file)
        elif self.json_text:
            data = self.json_text
        else:
            raise UserError(_("Choose a JSON file or paste its content."))
        definition_id = self.env["workflow.definition"].import_json(data, replace=self.replace)
        return {
            "type": "ir.actions.act_window",
            "res_model": "workflow.definition",
            "res_id": definition_id,
            "view_mode": "form",
            "target": "current",
        }
