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
    # the record picked by its name (product, or a record of a rule's model): fills model_name/record_id
    record_ref = fields.Reference(
        selection="_selection_record_model",
        string="Record",
        compute="_compute_record_ref",
        inverse="_inverse_record_ref",
        help="Silence alerts about this record only.",
    )
    date_start = fields.Datetime("From", required=True, default=fields.Datetime.now)
    date_end = fields.Datetime("Until", required=True, index=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)

    @api.model
    def _selection_record_model(self):
        """Products and the models of the alert rules, by their labels."""
        models_ = self.env["ir.model"].sudo().search([("model", "=", "product.product")])
        models_ |= self.env["alert.rule"].sudo().with_context(active_test=False).search([]).model_id
        return [(model.model, model.name) for model in models_]

    @api.depends("model_name", "record_id")
    @api.depends_context("uid")
    def _compute_record_ref(self):
        # only records the user may read: a link they cannot open would break the list
        readable = set()
        for model_name in {s.model_name for s in self if s.model_name in self.env}:
            Model = self.env[model_name]
            if Model.check_access_rights("read", raise_exception=False):
                ids = [s.record_id for s in self if s.model_name == model_name and s.record_id]
                readable |= {
                    (model_name, rid) for rid in Model.browse(ids).exists()._filter_access_rules("read").ids
                }
        for silence in self:
            valid = (silence.model_name, silence.record_id) in readable
            silence.record_ref = "%s,%s" % (silence.model_name, silence.record_id) if valid else False

    @api.model_create_multi
    def create(self, vals_list):
        # the record's fields are checked at creation, before an inverse would run: fill them first
        for vals in vals_list:
            ref = vals.pop("record_ref", None)
            if ref:
                model_name, _sep, record_id = (
                    ref.partition(",") if isinstance(ref, str) else (ref._name, "", ref.id)
                )
                vals.update(model_name=model_name, record_id=int(record_id))
        return super().create(vals_list)

    def _inverse_record_ref(self):
        for silence in self:
            record = silence.record_ref
            silence.model_name = record._name if record else False
            silence.record_id = record.id if record else False

    @api.constrains("rule_id", "model_name", "record_id", "date_start", "date_end")
    def _check_scope(self):
        for silence in self:
            if silence.date_end <= silence.date_start:
                raise ValidationError(_("A silence must end after it starts."))
            if not silence.rule_id and not (silence.model_name and silence.record_id):
                raise ValidationError(_("A silence needs a rule, a record, or both."))
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
