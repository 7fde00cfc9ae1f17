import json

from odoo import http
from odoo.http import request


class WorkflowExportController(http.Controller):
    @http.route("/workflow_automation/definition/<int:definition_id>/export", type="http", auth="user")
    def export_definition(self, definition_id, **kwargs):
        definition = request.env["workflow.definition"].browse(definition_id).exists()
        if not definition:
            raise request.not_found()
        definition.check_access_rights("read")
        definition.check_access_rule("read")
        payload = json.dumps(definition.export_json(), indent=2, ensure_ascii=False)
        filename = f"workflow_{definition.code}_v{definition.version}.json"
        return request.make_response(
            payload,
            headers=[
                ("Content-Type", "application/json; charset=utf-8"),
                ("Content-Disposition", http.content_disposition(filename)),
            ],
        )
