from odoo import http
from odoo.http import request


class WorkflowBpmnController(http.Controller):
    @http.route("/workflow_automation/definition/<int:definition_id>/export_bpmn", type="http", auth="user")
    def export_definition_bpmn(self, definition_id, **kwargs):
        definition = request.env["workflow.definition"].browse(definition_id).exists()
        if not definition:
            raise request.not_found()
        definition.check_access_rights("read")
        definition.check_access_rule("read")
        payload = definition.export_bpmn()
        filename = f"workflow_{definition.code}_v{definition.version}.bpmn"
        return request.make_response(
            payload,
            headers=[
                ("Content-Type", "application/xml; charset=utf-8"),
                ("Content-Disposition", http.content_disposition(filename)),
            ],
        )
