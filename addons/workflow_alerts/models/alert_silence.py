from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class AlertSilence(models.Model):
    _name = "alert.silence"
    _description = "Alert Silence"
    _order = "date_end desc, id desc"

    name = fields.Char("Reason", required=True)
    rule_id = fields.Many2one(
        "alert.rule", ondelete="cascade", index=True, help="Leave empty to silence every rule for the record."
    )
    model_name = fields.Char("Model", help="With a record ID: silence alerts about this record only.")
    record_id = fields.Integer("Record ID")
    date_start = fields.Datetime("From", required=True, default=fields.Datetime.now)
    date_end = fields.Datetime("Until", required=True, index=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)

    @api.constrains("rule_id", "model_name", "record_id", "date_start", "date_end")
    def _check_scope(self):
        for silence in self:
            if silence.date_end <= silence.date_start:
                raise ValidationError(_("A silence must end after it starts."))
            if not silence.rule_id and not (silence.model_name and silence.record_id):
                raise ValidationError(_("A silence needs a rule, a record (model and ID), or both."))
            if bool(silence.model_name) != bool(silence.record_id):
                raise ValidationError(_("Give both the model and the record ID to silence a record."))

    @api.model
    def _filter_silenced(self, rule, candidates):
        """Drop the candidates a current silence covers (one query for the whole set)."""
        now = fields.Datetime.now()
        silences = self.sudo().search(
            [
                ("date_start", "<=", now),
                ("date_end", ">", now),
                "|",
                ("rule_id", "=", rule.id),
                ("rule_id", "=", False),
            ]
        )
        if not silences:
            return candidates
        if any(s.rule_id and not s.record_id for s in silences):
            return []
        muted = {(s.model_name, s.record_id) for s in silences}
        return [c for c in candidates if (c["model_name"], c["record_id"]) not in muted]
