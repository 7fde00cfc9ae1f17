from collections import defaultdict

from odoo import models


class SlaTracking(models.Model):
    """An SLA warning or breach fires the task rules of the tracked record's model."""

    _inherit = "sla.tracking"

    def _sla_notify(self, events):
        res = super()._sla_notify(events)
        groups = defaultdict(set)  # (trigger, definition id, model) -> record ids
        for rec, kind, _info in events:
            if kind in ("warning", "breach"):
                groups[(f"sla_{kind}", rec.sla_id.id, rec.model_name)].add(rec.record_id)
        Rule = self.env["task.automation.rule"].sudo()
        for (trigger, definition_id, model_name), ids in groups.items():
            rules = Rule.search(
                [
                    ("trigger", "=", trigger),
                    ("model_name", "=", model_name),
                    ("sla_definition_id", "in", (False, definition_id)),
                ]
            )
            if rules:
                rules._fire(self.env[model_name].sudo().browse(list(ids)).exists())
        return res
