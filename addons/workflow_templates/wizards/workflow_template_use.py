from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError

PARAM_TYPE_SELECTION = [("float", "Amount"), ("integer", "Number"), ("hours", "Hours"), ("days", "Days")]


class WorkflowTemplateUse(models.TransientModel):
    """What a company decides when it adopts a template: who takes each role, its thresholds
    and deadlines, the company. Creates a draft workflow through the JSON importer."""

    _name = "workflow.template.use"
    _description = "Use a Workflow Template"

    template_id = fields.Many2one("workflow.template", required=True, ondelete="cascade", readonly=True)
    description = fields.Text(related="template_id.description")
    name = fields.Char(string="Workflow Name", required=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        domain=lambda self: [("id", "in", self.env.companies.ids)],
    )
    role_ids = fields.One2many("workflow.template.use.role", "wizard_id", string="Who Decides")
    param_ids = fields.One2many("workflow.template.use.param", "wizard_id", string="Settings")

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        template = (
            self.env["workflow.template"]
            .browse(res.get("template_id") or self.env.context.get("default_template_id"))
            .exists()
        )
        if template:
            res.setdefault("name", template.name)
            res.update(self._lines_for(template))
        return res

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            template = self.env["workflow.template"].browse(vals.get("template_id")).exists()
            if template:
                vals.setdefault("name", template.name)
                for key, lines in self._lines_for(template).items():
                    vals.setdefault(key, lines)
        return super().create(vals_list)

    @api.model
    def _lines_for(self, template):
        """One line per role (its usual group proposed) and per parameter (its default)."""
        roles = []
        for role in template.roles or []:
            group = (
                self.env.ref(role["default_group"], raise_if_not_found=False)
                if role.get("default_group")
                else None
            )
            groups = group.ids if group and group._name == "res.groups" else []
            roles.append(
                Command.create({"key": role["key"], "name": role["name"], "group_ids": [Command.set(groups)]})
            )
        params = [
            Command.create(
                {
                    "key": p["key"],
                    "name": p["name"],
                    "param_type": p["type"],
                    "value": p["default"],
                    "help": p.get("help") or False,
                }
            )
            for p in template.parameters or []
        ]
        return {"role_ids": roles, "param_ids": params}

    def action_create(self):
        self.ensure_one()
        template = self.template_id
        template._check_manager()
        for line in self.role_ids:
            if not line.user_ids and not line.group_ids:
                raise UserError(_("Choose who takes the role %s: users, groups or both.", line.name))
        roles = {line.key: {"users": line.user_ids, "groups": line.group_ids} for line in self.role_ids}
        values = {line.key: line.value for line in self.param_ids}
        definition = template._instantiate(values, roles, company=self.company_id, name=self.name)
        return {
            "type": "ir.actions.act_window",
            "name": definition.name,
            "res_model": "workflow.definition",
            "res_id": definition.id,
            "view_mode": "form",
            "target": "current",
            "context": {"active_test": False},
        }


class WorkflowTemplateUseRole(models.TransientModel):
    _name = "workflow.template.use.role"
    _description = "Role of a Template Being Used"

    wizard_id = fields.Many2one("workflow.template.use", required=True, ondelete="cascade")
    key = fields.Char(required=True, readonly=True)
    name = fields.Char(string="Role", required=True, readonly=True)
    user_ids = fields.Many2many(
        "res.users",
        string="Users",
        domain=[("share", "=", False)],
        help="These people decide (or get the tasks) of this role.",
    )
    group_ids = fields.Many2many(
        "res.groups",
        string="Groups",
        domain=[("share", "=", False)],
        help="Everyone in these groups decides for this role.",
    )


class WorkflowTemplateUseParam(models.TransientModel):
    _name = "workflow.template.use.param"
    _description = "Setting of a Template Being Used"

    wizard_id = fields.Many2one("workflow.template.use", required=True, ondelete="cascade")
    key = fields.Char(required=True, readonly=True)
    name = fields.Char(string="Setting", required=True, readonly=True)
    param_type = fields.Selection(PARAM_TYPE_SELECTION, string="Unit", required=True, readonly=True)
    value = fields.Float(required=True)
    help = fields.Char(readonly=True)
