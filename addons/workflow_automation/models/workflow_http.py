from odoo import _, api, models

from ..tools import http_guard

ALLOWED_HOSTS_PARAM = "workflow_automation.webhook_allowed_hosts"


class WorkflowHttp(models.AbstractModel):
    """Outgoing HTTP for the whole suite, through :mod:`..tools.http_guard`.

    The allow-list is a system parameter (``param``), read here so that only an
    administrator (who edits system parameters) opens a destination.  Private
    methods only: nothing here is reachable over RPC.
    """

    _name = "workflow.http"
    _description = "Outgoing HTTP Guard"

    @api.model
    def _allow_list(self, param=ALLOWED_HOSTS_PARAM):
        return http_guard.parse_allow_list(self.env["ir.config_parameter"].sudo().get_param(param) or "")

    @api.model
    def _setting(self, param):
        return _("the system parameter %s", param)

    @api.model
    def _check_url(self, url, param=ALLOWED_HOSTS_PARAM, purpose=None, resolve=False):
        """Check ``url`` as the guard will when sending (``resolve=False``: without DNS,
        for a check when a URL is saved); raises ``http_guard.OutgoingHttpRefused``."""
        return http_guard.check_url(
            url, self._allow_list(param), setting=self._setting(param), purpose=purpose, resolve=resolve
        )

    @api.model
    def _post(
        self,
        url,
        json=None,
        data=None,
        headers=None,
        timeout=http_guard.DEFAULT_TIMEOUT,
        purpose=None,
        param=ALLOWED_HOSTS_PARAM,
        max_bytes=http_guard.DEFAULT_MAX_BYTES,
    ):
        """POST through the guard; returns an ``http_guard.Result`` (status, headers,
        body up to ``max_bytes``, ``excerpt``, ``duration``, ``error``).  A refused URL
        raises ``http_guard.OutgoingHttpRefused`` (a UserError) before anything is sent."""
        return http_guard.send(
            url,
            self._allow_list(param),
            json=json,
            data=data,
            headers=headers,
            timeout=timeout,
            max_bytes=max_bytes,
            setting=self._setting(param),
            purpose=purpose,
        )
