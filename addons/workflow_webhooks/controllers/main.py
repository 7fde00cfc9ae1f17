from odoo import http
from odoo.http import request


class WorkflowWebhookController(http.Controller):
    @http.route(
        "/workflow/webhook/in/<string:token>",
        type="http",
        auth="none",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def incoming(self, token, **_kw):
        """A signed call of an incoming webhook: checked and run by ``workflow.webhook.incoming._handle``."""
        if not request.db:
            return request.make_json_response(
                {"error": "unknown_endpoint", "message": "No database is selected for this address."},
                status=404,
            )
        body = request.httprequest.get_data(cache=False)
        status, answer = (
            request.env["workflow.webhook.incoming"]
            .sudo()
            ._handle(token, dict(request.httprequest.headers), body, request.httprequest.remote_addr)
        )
        return request.make_json_response(answer, status=status)
