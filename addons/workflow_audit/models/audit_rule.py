import logging

from odoo import _, api, fields, models, tools
from odoo.exceptions import ValidationError

_logger = logging.getLogger(__name__)

# Models of workflow_automation captured whenever they exist (see workflow.hook)
WORKFLOW_MODELS = {"workflow.history": ("create", "workflow"), "approval.assignment": ("write", "approval")}
FORBIDDEN_MODELS = ("audit.log", "audit.rule")
EVENT_FIELDS = {"create": "log_create", "write": "log_write", "unlink": "log_unlink", "read": "log_read"}


class AuditRule(models.Model):
    """Which models are audited, and for which operations."""

    _name = "audit.rule"
    _description = "Audit Rule"
    _order = "model_name"

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    model_id = fields.Many2one(
        "ir.model", required=True, ondelete="cascade", domain=[("transient", "=", False)]
    )
    model_name = fields.Char(string="Model Name", related="model_id.model", store=True, index=True)
    log_create = fields.Boolean(string="Creations", default=True)
    log_write = fields.Boolean(string="Updates", default=True)
    log_unlink = fields.Boolean(string="Deletions", default=True)
    log_read = fields.Boolean(
        string="Read Access", help="One entry per record read through read() (UI, RPC)."
    )
    excluded_field_ids = fields.Many2many(
        "ir.model.fields",
        string="Fields Not Logged",
        domain="[('model_id', '=', model_id)]",
        help="Changes of these fields are neither stored nor shown (secrets, noisy counters).",
    )
    view_id = fields.Many2one("ir.ui.view", string="Audit Trail Button", readonly=True, copy=False)
    action_id = fields.Many2one(
        "ir.actions.act_window", string="Audit Trail Action", readonly=True, copy=False
    )

    _sql_constraints = [("model_uniq", "unique(model_id)", "There is already an audit rule for this model.")]

    @api.constrains("model_id")
    def _check_model(self):
        for rule in self:
            if rule.model_id.model in FORBIDDEN_MODELS:
                raise ValidationError(_("The audit trail cannot audit itself (%s).", rule.model_id.model))

    # -- configuration cache ----------------------------------------------------
    @api.model
    @tools.ormcache()
    def _audit_config(self):
        """``{model: (frozenset(events), frozenset(excluded field names))}`` of the active rules."""
        if not tools.sql.table_exists(self.env.cr, "audit_rule"):
            return {}
        self.flush_model()
        self.env.cr.execute(
            """SELECT r.model_name, r.log_create, r.log_write, r.log_unlink, r.log_read,
                      array_remove(array_agg(f.name), NULL)
                 FROM audit_rule r
            LEFT JOIN audit_rule_ir_model_fields_rel rel ON rel.audit_rule_id = r.id
            LEFT JOIN ir_model_fields f ON f.id = rel.ir_model_fields_id
                WHERE r.active
             GROUP BY r.id"""
        )
        config = {}
        for model, create, write, unlink, read, excluded in self.env.cr.fetchall():
            events = {e for e, flag in zip(EVENT_FIELDS, (create, write, unlink, read), strict=True) if flag}
            config[model] = (frozenset(events), frozenset(excluded))
        return config

    def _audit_changed(self):
        self.env.registry.clear_cache()
        self.env["workflow.hook"]._hook_refresh()

    # -- CRUD ---------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        rules = super().create(vals_list)
        rules._sync_action()
        rules._audit_changed()
        return rules

    def write(self, vals):
        res = super().write(vals)
        if {"model_id", "active"} & set(vals):
            self._sync_action()
        self._audit_changed()
        return res

    def unlink(self):
        actions, views = self.action_id, self.view_id
        res = super().unlink()
        views.sudo().unlink()
        actions.sudo().unlink()
        self._audit_changed()
        return res

    def _sync_action(self):
        """Give each audited model an "Audit Trail" entry in its Action menu and,
        when its form has a button box, an "Audit Trail" smart button."""
        for rule in self:
            if not rule.active:
                rule.view_id.sudo().unlink()
                rule.action_id.sudo().unlink()
                continue
            vals = {
                "name": _("Audit Trail"),
                "res_model": "audit.log",
                "binding_model_id": rule.model_id.id,
                "binding_view_types": "form,list",
                "view_mode": "tree,form",
                # active_model/active_id(s): set by the Action menu and by a form's action button
                "domain": "[('model_name', '=', %r), ('record_id', 'in', active_ids or [active_id])]"
                % rule.model_id.model,
                "groups_id": [(6, 0, [self.env.ref("workflow_audit.group_audit_auditor").id])],
            }
            if rule.action_id:
                rule.action_id.sudo().write(vals)
            else:
                rule.action_id = self.env["ir.actions.act_window"].sudo().create(vals)
            if not rule.view_id:
                rule.view_id = rule._create_smart_button()

    def _create_smart_button(self):
        self.ensure_one()
        Views = self.env["ir.ui.view"].sudo()
        model = self.model_id.model
        form = Views.search(
            [
                ("model", "=", model),
                ("type", "=", "form"),
                ("mode", "=", "primary"),
                ("inherit_id", "=", False),
            ],
            order="priority, id",
            limit=1,
        )
        if not form or model not in self.env:
            return Views
        arch = self.env[model].sudo().get_view(form.id, "form")["arch"]
        if "button_box" not in arch:
            return Views
        button = (
            '<xpath expr="//div[@name=\'button_box\']" position="inside">'
            f'<button name="{self.action_id.id}" type="action" class="oe_stat_button" icon="fa-history" '
            'string="Audit Trail" groups="workflow_audit.group_audit_auditor"/>'
            "</xpath>"
        )
        try:
            with self.env.cr.savepoint():
                return Views.create(
                    {
                        "name": f"{model}.form.audit_trail",
                        "model": model,
                        "inherit_id": form.id,
                        "mode": "extension",
                        "priority": 99,
                        "arch": button,
                    }
                )
        except ValidationError:
            _logger.warning("audit: no Audit Trail button on the form of %s", model, exc_info=True)
            return Views

    def action_view_logs(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("workflow_audit.action_audit_log")
        action["domain"] = [("model_name", "=", self.model_name)]
        return action
