import contextlib
import json
import logging
import os
import re

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.modules.module import get_module_path

from ..tools import template_format as fmt

_logger = logging.getLogger(__name__)

TEMPLATE_DIR = os.path.join("data", "templates")
CATEGORY_SELECTION = [
    ("sales", "Sales"),
    ("procurement", "Procurement"),
    ("quality", "Quality and food safety"),
    ("production", "Production"),
    ("inventory", "Inventory"),
    ("maintenance", "Maintenance"),
    ("finance", "Finance"),
    ("people", "People"),
    ("farm", "Farm and collection"),
    ("logistics", "Logistics"),
    ("admin", "Administration"),
]
STATE_TYPE_LABELS = {
    "start": "start",
    "normal": "normal",
    "approval": "approval",
    "end": "end",
    "error": "error",
}


def template_files(root=None):
    """Paths of every template file under data/templates/, sorted."""
    root = root or os.path.join(get_module_path("workflow_templates"), TEMPLATE_DIR)
    out = []
    for folder, _dirs, files in os.walk(root):
        out.extend(os.path.join(folder, name) for name in files if name.endswith(".json"))
    return sorted(out)


class WorkflowTemplate(models.Model):
    _name = "workflow.template"
    _description = "Workflow Template"
    _order = "category, name, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True, index=True, readonly=True)
    category = fields.Selection(CATEGORY_SELECTION, required=True, index=True)
    description = fields.Text(translate=True)
    model = fields.Char(string="Target Model Name", required=True, index=True, readonly=True)
    model_description = fields.Char(
        compute="_compute_usable", string="Applies To", help="The kind of document this workflow runs on."
    )
    modules = fields.Char(
        string="Modules Needed", readonly=True, help="Technical names of the apps it needs, comma separated."
    )
    missing_modules = fields.Char(compute="_compute_usable", string="Apps To Install")
    usable = fields.Boolean(compute="_compute_usable", search="_search_usable", string="Usable Here")
    version = fields.Char(readonly=True)
    tags = fields.Char(readonly=True)
    roles = fields.Json(readonly=True)
    parameters = fields.Json(readonly=True)
    walk = fields.Json(readonly=True)
    definition = fields.Json(
        readonly=True, help="The template's workflow, placeholders and roles unresolved."
    )
    file_path = fields.Char(readonly=True, help="The template file, relative to the addon.")
    state_count = fields.Integer(readonly=True, string="States")
    transition_count = fields.Integer(readonly=True, string="Transitions")
    state_summary = fields.Json(readonly=True, help="[[code, name, state type], ...] for the gallery card.")
    state_names = fields.Char(compute="_compute_state_names", string="Steps")
    role_names = fields.Char(compute="_compute_state_names", string="Who Takes Part")
    request_category_code = fields.Char(readonly=True)
    request_category_name = fields.Char(readonly=True)
    check_error = fields.Text(readonly=True, help="Why the template failed its check when it was loaded.")
    use_count = fields.Integer(readonly=True, string="Times Used")
    active = fields.Boolean(default=True)

    _sql_constraints = [("code_unique", "UNIQUE(code)", "A template code is unique.")]

    @api.depends("state_summary", "roles")
    def _compute_state_names(self):
        for rec in self:
            rec.state_names = " → ".join(name for _code, name, _kind in rec.state_summary or [])
            rec.role_names = ", ".join(role["name"] for role in rec.roles or [])

    @api.depends("model", "modules")
    @api.depends_context("uid")
    def _compute_usable(self):
        installed = self._installed_modules()
        for rec in self:
            needed = rec._module_list()
            missing = [m for m in needed if m not in installed]
            model = self.env["ir.model"]._get(rec.model) if rec.model in self.env else None
            rec.missing_modules = ", ".join(missing)
            rec.usable = not missing and bool(model)
            rec.model_description = model.name if model else rec.model

    def _search_usable(self, operator, value):
        if operator not in ("=", "!="):
            raise UserError(_("Unsupported search on Usable Here."))
        positive = (operator == "=") == bool(value)
        ids = self.with_context(active_test=False).search([]).filtered("usable").ids
        return [("id", "in" if positive else "not in", ids)]

    def _module_list(self):
        return [m.strip() for m in (self.modules or "").split(",") if m.strip()]

    @api.model
    def _installed_modules(self):
        self.env.cr.execute("SELECT name FROM ir_module_module WHERE state = 'installed'")
        return {row[0] for row in self.env.cr.fetchall()}

    # ------------------------------------------------------------------
    # loading the files
    # ------------------------------------------------------------------
    @api.model
    def _load_template_files(self, root=None):
        """Create the templates of data/templates/ that are missing and refresh the others.

        Called from data XML at every install and upgrade. Only ``workflow.template`` records
        are written: a definition a company made from a template is its own and never touched.
        A file that fails its check is loaded with the error (``check_error``) and logged.
        """
        base = get_module_path("workflow_templates")
        Template = self.with_context(active_test=False)
        existing = {t.code: t for t in Template.search([])}
        seen = set()
        for path in template_files(root):
            rel = os.path.relpath(path, base)
            try:
                with open(path, encoding="utf-8") as handle:
                    data = fmt.parse(handle.read())
                vals = self._vals_from_file(data, rel)
            except (ValidationError, UnicodeDecodeError) as exc:
                _logger.error("workflow template %s is invalid: %s", rel, exc.args[0])
                continue
            code = vals["code"]
            if code in seen:
                _logger.error("workflow template %s repeats the code %s", rel, code)
                continue
            seen.add(code)
            vals["check_error"] = self._check_data(data) or False
            if vals["check_error"]:
                _logger.error("workflow template %s fails its check: %s", rel, vals["check_error"])
            if code in existing:
                existing[code].write(vals)
            else:
                existing[code] = Template.create(vals)
        gone = Template.browse([t.id for code, t in existing.items() if code not in seen and t.file_path])
        gone.write({"active": False})
        return len(seen)

    @api.model
    def _vals_from_file(self, data, rel):
        meta = data["template"]
        config = data["definition"].get("workflow_config") or {}
        summary = fmt.state_summary(data)
        rc = meta.get("request_category") or {}
        if rc:
            self.env["workflow.request.category"]._ensure(rc["code"], rc["name"])
        return {
            "name": meta["name"],
            "code": meta["code"],
            "category": meta["category"],
            "description": meta["description"],
            "model": meta["model"],
            "modules": ", ".join(meta.get("modules") or []),
            "version": meta["version"],
            "tags": ", ".join(meta.get("tags") or []),
            "roles": meta.get("roles") or [],
            "parameters": meta.get("parameters") or [],
            "walk": data.get("walk") or {},
            "definition": data["definition"],
            "file_path": rel,
            "state_count": len(summary),
            "transition_count": len(config.get("transitions") or []),
            "state_summary": [list(s) for s in summary],
            "request_category_code": rc.get("code") or False,
            "request_category_name": rc.get("name") or False,
            "active": True,
        }

    def _file_data(self):
        self.ensure_one()
        meta = {
            "code": self.code,
            "name": self.name,
            "category": self.category,
            "description": self.description or "",
            "model": self.model,
            "modules": self._module_list(),
            "version": self.version or "1.0",
            "roles": self.roles or [],
            "parameters": self.parameters or [],
        }
        if self.request_category_code:
            meta["request_category"] = {
                "code": self.request_category_code,
                "name": self.request_category_name,
            }
        return {"template": meta, "definition": self.definition or {}, "walk": self.walk or {}}

    @api.model
    def _check_data(self, data):
        """The template with its parameters at their defaults and its roles at their default
        groups, put through the suite's JSON importer (shape, model, actions, approvers, state
        machine) in a savepoint that is rolled back. Returns the error text, or None.

        Without the modules it needs, only the shape is checked (definition_json.load)."""
        from odoo.addons.workflow_automation.tools import definition_json

        meta = data["template"]
        try:
            roles = self._default_roles(meta)
            doc = fmt.build_document(data, f"{meta['code']}__CHECK", fmt.default_values(meta), roles)
            definition_json.load(doc)
            if not self._usable_meta(meta):
                return None
            with contextlib.closing(self.env.cr.savepoint()):
                try:
                    self.env["workflow.definition"].import_json(doc)
                    self.env.flush_all()
                finally:
                    self.env.invalidate_all()
            self.env.invalidate_all()
            self.env["workflow.hook"]._hook_refresh()
        except (ValidationError, UserError, AccessError) as exc:
            return exc.args[0]
        return None

    @api.model
    def _usable_meta(self, meta):
        installed = self._installed_modules()
        return all(m in installed for m in meta.get("modules") or []) and meta["model"] in self.env

    @api.model
    def _default_roles(self, meta):
        """Each role at its default group; a role without one goes to the administrator."""
        roles = {}
        admin = self.env.ref("base.user_admin")
        for i, role in enumerate(meta.get("roles") or []):
            group = None
            if role.get("default_group") and self._usable_meta(meta):
                group = self.env.ref(role["default_group"], raise_if_not_found=False)
                if not group or group._name != "res.groups":
                    raise ValidationError(
                        _(
                            "Invalid template at $.template.roles[%(i)s].default_group: no group %(xmlid)s",
                            i=i,
                            xmlid=role["default_group"],
                        )
                    )
            if group:
                roles[role["key"]] = {"users": [], "groups": [group.id], "group_login": admin.login}
            else:
                roles[role["key"]] = {"users": [(admin.id, admin.login)], "groups": []}
        return roles

    def action_check(self):
        """Managers: run the template's check again and show its outcome."""
        self._check_manager()
        for rec in self:
            rec.sudo().check_error = self._check_data(rec._file_data()) or False
        return True

    def _check_manager(self):
        if not self.env.user.has_group("workflow_automation.group_workflow_manager"):
            raise AccessError(_("Only workflow managers may use workflow templates."))

    # ------------------------------------------------------------------
    # use
    # ------------------------------------------------------------------
    def _refuse_if_unusable(self):
        self.ensure_one()
        if self.missing_modules:
            raise UserError(
                _(
                    "The template %(name)s needs these apps, which are not installed: %(modules)s. "
                    "Install them first.",
                    name=self.name,
                    modules=self.missing_modules,
                )
            )
        if not self.usable:
            raise UserError(
                _(
                    "The template %(name)s runs on %(model)s, which this database does not have.",
                    name=self.name,
                    model=self.model,
                )
            )

    def _next_code(self, company):
        """The template's code, or CODE_2, CODE_3, ... : the first no live workflow of any company uses."""
        self.ensure_one()
        Definition = self.env["workflow.definition"].sudo().with_context(active_test=False)
        used = set(
            Definition.search(
                [("code", "=like", f"{self.code}%"), ("current_version_id", "=", False)]
            ).mapped("code")
        )
        if self.code not in used:
            return self.code
        n = 2
        pattern = re.compile(re.escape(self.code) + r"_(\d+)$")
        numbers = [int(m.group(1)) for c in used if (m := pattern.match(c))]
        if numbers:
            n = max(numbers) + 1
        return f"{self.code}_{n}"

    def _instantiate(self, values, roles, company=None, name=None):
        """Create the draft (archived) definition of this template through the JSON importer,
        with the caller's rights; returns it. ``values``: {parameter key: value};
        ``roles``: {role key: {"users": res.users, "groups": res.groups}}."""
        self.ensure_one()
        self._check_manager()
        self._refuse_if_unusable()
        company = company or self.env.company
        data = self._file_data()
        typed_values = {}
        for i, param in enumerate(self.parameters or []):
            value = values.get(param["key"], param["default"])
            typed_values[param["key"]] = fmt.typed(param, value, f"$.template.parameters[{i}]")
        role_map = {}
        for role in self.roles or []:
            chosen = roles.get(role["key"]) or {}
            users = chosen.get("users") or self.env["res.users"]
            groups = chosen.get("groups") or self.env["res.groups"]
            if not users and not groups:
                raise UserError(_("Choose who takes the role %s (users or groups).", role["name"]))
            group_user = groups.sudo().users.filtered(lambda u: u.active and not u.share)[:1]
            role_map[role["key"]] = {
                "users": [(u.id, u.login) for u in users],
                "groups": groups.ids,
                "group_login": group_user.login or False,
            }
        doc = fmt.build_document(data, self._next_code(company), typed_values, role_map)
        if name:
            doc["name"] = name
        doc["active"] = True
        Definition = self.env["workflow.definition"].with_company(company)
        definition = Definition.browse(Definition.import_json(doc))
        # a draft: checked as a whole by the importer, archived until someone activates it
        definition.write({"active": False})
        self.sudo().use_count += 1
        return definition

    def action_use(self):
        self.ensure_one()
        self._check_manager()
        self._refuse_if_unusable()
        return {
            "type": "ir.actions.act_window",
            "name": _("Use template: %s", self.name),
            "res_model": "workflow.template.use",
            "view_mode": "form",
            "target": "new",
            "context": {"default_template_id": self.id},
        }


def load_json(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)
