"""Import and export of workflow definitions as BPMN 2.0 XML (see tools/bpmn.py for the mapping).

A BPMN file is converted to the JSON shape and goes through ``import_json``: the same checks,
the same rights, the same errors (with the BPMN element added), nothing half-stored.
"""

import logging

from odoo import _, api, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..tools import bpmn, rpc_args

_logger = logging.getLogger(__name__)


class WorkflowDefinition(models.Model):
    _inherit = "workflow.definition"

    @api.model
    def import_bpmn(self, xml, model=None, replace=False):
        """Create (or, with ``replace``, make a new version of) a definition from BPMN 2.0 XML.

        ``model``: the target model (e.g. ``sale.order``) for a file drawn in another tool; a
        file exported here names it itself.  Returns the definition id."""
        return self._import_bpmn(xml, model=model, replace=replace)[0]

    @api.model
    def _import_bpmn(self, xml, model=None, replace=False):
        """``import_bpmn`` returning ``(definition id, notes)``: what of the file was ignored."""
        # refused before reading: a user who may not import does not get the file parsed
        if not self.env.user.has_group("workflow_automation.group_workflow_manager"):
            raise AccessError(_("Only workflow managers may import workflow definitions."))
        if not isinstance(xml, (str, bytes)):
            raise ValidationError(
                _("import_bpmn: xml must be the text of a BPMN file, not %s.", type(xml).__name__)
            )
        model = rpc_args.as_text(model, "import_bpmn: model", rpc_args.MAX_NAME)
        if not isinstance(replace, bool):
            raise ValidationError(_("import_bpmn: replace must be true or false."))
        doc, notes, origins = bpmn.parse(xml, model=model)
        try:
            definition_id = self.import_json(doc, replace=replace)
        except (ValidationError, AccessError) as exc:
            message = bpmn.explain(exc.args[0], origins)
            if message == exc.args[0]:
                raise
            raise type(exc)(message) from exc
        if notes:
            text = _("Ignored in the BPMN file (settings of other tools): %s", "; ".join(notes))
            _logger.info("workflow %s imported from BPMN. %s", doc["code"], text)
            self.browse(definition_id).message_post(body=text)
        return definition_id, notes

    def export_bpmn(self):
        """The definition as BPMN 2.0 XML with its diagram (text)."""
        rpc_args.check_records(self, "export_bpmn: the workflow definition", single=True)
        return bpmn.write(self.export_json())

    def action_export_bpmn(self):
        if len(self) != 1:
            raise UserError(_("Select one workflow to export as BPMN."))
        return {
            "type": "ir.actions.act_url",
            "url": f"/workflow_automation/definition/{self.id}/export_bpmn",
            "target": "self",
        }
