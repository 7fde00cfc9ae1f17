import logging

from odoo import _, models

_logger = logging.getLogger(__name__)

SEVERITY = {"warning": "warning", "breach": "critical", "escalation": "urgent"}


class SlaTracking(models.Model):
    _inherit = "sla.tracking"

    def _sla_notify_elsewhere(self, kind, info, message, host):
        """The definition's alert rule raises the event as an alert (one per tracking, kind and
        level); False, so the chatter notifies, without a rule or when the rule refused it."""
        sla = self.sla_id.sudo()
        rule = (kind == "warning" and sla.warning_alert_rule_id) or sla.alert_rule_id
        if not rule:
            return super()._sla_notify_elsewhere(kind, info, message, host)
        level = info.elapsed_percent if kind == "escalation" else (info if kind == "warning" else 100)
        try:
            with self.env.cr.savepoint():
                self.env["alert.rule"].sudo().raise_alert(
                    rule,
                    records=host,
                    severity=SEVERITY[kind],
                    message=message,
                    title=_("SLA %(sla)s: %(record)s", sla=self.sla_id.name, record=self.record_name or ""),
                    dedup_key="sla:%s:%s:%s" % (self.id, kind, level),
                )
        except Exception:  # the breach stays recorded: fall back to the chatter
            _logger.exception("workflow_alerts refused the SLA event of tracking %s", self.id)
            return False
        return True
