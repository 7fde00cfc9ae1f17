from odoo import fields, models


class WebhookEventType(models.Model):
    """One event of the catalogue (``workflow.transitioned``...); bridges add theirs as data."""

    _name = "workflow.webhook.event.type"
    _description = "Webhook Event Type"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True, help="The event's type in the payload, e.g. workflow.transitioned.")
    description = fields.Text(translate=True)
    sequence = fields.Integer(default=10)

    _sql_constraints = [("code_unique", "UNIQUE(code)", "An event type code must be unique.")]
