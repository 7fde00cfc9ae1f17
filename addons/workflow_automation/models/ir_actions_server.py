import json
import logging

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import plaintext2html

from ..tools.rpc_args import MAX_MESSAGE, check_sizes
from .workflow_http import ALLOWED_HOSTS_PARAM

_logger = logging.getLogger(__name__)
WEBHOOK_TIMEOUT = 1.0  # Odoo's: a slow receiver must not hold the user's transaction

# What a workflow manager who is not an administrator may make a workflow do.
# Action kinds that evaluate nothing (Python code and computed values are for administrators).
WORKFLOW_SAFE_KINDS = frozenset(
    {
        "object_write",
        "object_create",
        "mail_post",
        "followers",
        "remove_followers",
        "next_activity",
        "webhook",
        "workflow_message",
        "multi",
    }
)
# Models that hold rights, configuration, code or the suite's own records: administrators only.
# A name matches when it equals an entry or starts with an entry ending in a dot.
WORKFLOW_SENSITIVE_MODELS = (
    "ir.",  # parameters, server actions, crons, access and record rules, ir.model*, mail servers, views...
    "res.users",
    "res.users.",
    "res.groups",
    "res.groups.",
    "res.company",
    "base.",
    "auth_totp.",
    "fetchmail.server",
    "mail.alias",
    "workflow.",  # the suite's own definitions, instances, history, hooks, jobs
    "approval.",  # approval requests, assignments, delegations
    "audit.",  # workflow_audit's log, rules, chains and partitions
)
# Fields that hand out rights or secrets, on whatever model they are.
WORKFLOW_SENSITIVE_FIELDS = frozenset(
    {"groups_id", "group_ids", "implied_ids", "company_ids", "password", "api_key_ids"}
)


def is_workflow_admin(user):
    """Administrators (Settings) configure whatever they want; everybody else goes through the deny-list."""
    return user._is_superuser() or user.has_group("base.group_system")


# The suite's own namespaces: a model there that is a business document people file (the
# templates' generic request, say) says so with ``_workflow_business_document = True``.
WORKFLOW_SUITE_NAMESPACES = ("workflow.", "approval.", "audit.")


def is_sensitive_model(model_name, env=None):
    if not model_name or not any(
        model_name == entry or (entry.endswith(".") and model_name.startswith(entry))
        for entry in WORKFLOW_SENSITIVE_MODELS
    ):
        return False
    if env is not None and model_name.startswith(WORKFLOW_SUITE_NAMESPACES) and model_name in env:
        return not getattr(type(env[model_name]), "_workflow_business_document", False)
    return True


class IrActionsServer(models.Model):
    _inherit = "ir.actions.server"

    state = fields.Selection(
        selection_add=[("workflow_message", "Post a Message (workflow)")],
        ondelete={"workflow_message": "cascade"},
    )
    workflow_configured_by = fields.Many2one(
        "res.users",
        string="Configured By",
        readonly=True,
        copy=False,
        ondelete="set null",
        help="Who last created or changed this action; a workflow runs it with this user's rights.",
    )
    workflow_message_body = fields.Text(
        string="Message",
        translate=True,
        help="Plain text posted in the record's chatter. {state} and {workflow} are replaced; nothing is evaluated.",
    )

    # ------------------------------------------------------------------
    # what non-administrators may configure (checked at import, save and run time)
    # ------------------------------------------------------------------
    def _workflow_refusal(self):
        """Why a workflow of a non-administrator may not run this action (a sentence), or None."""
        self.ensure_one()
        action = self.sudo()
        if action.state not in WORKFLOW_SAFE_KINDS:
            return _("actions of type %s are reserved to administrators", action.state)
        if action.state == "object_write" and action.evaluation_type == "equation":
            return _("a value computed by a Python expression is reserved to administrators")
        models_ = {
            action.model_id.model,
            action.crud_model_id.model,
            action.update_related_model_id.model,
            action.link_field_id.relation,
        }
        if action.state == "object_write" and action.update_path and action.model_id.model in self.env:
            model = self.env[action.model_id.model]
            for name in action.update_path.split("."):
                field = model._fields.get(name)
                if field is None:
                    break
                if field.relational:
                    models_.add(field.comodel_name)
                    model = self.env[field.comodel_name]
        sensitive = sorted(m for m in models_ if is_sensitive_model(m, self.env))
        if sensitive:
            return _("it changes %s records, reserved to administrators", ", ".join(sensitive))
        for field in action.update_field_id | action.link_field_id:
            # a one2many can change the records it holds; a many2many to groups hands out rights
            if field.name in WORKFLOW_SENSITIVE_FIELDS or (
                is_sensitive_model(field.relation, self.env)
                and (field.ttype == "one2many" or field.relation.startswith("res.groups"))
            ):
                return _("the field %s is reserved to administrators", field.name)
        if action.state == "multi":
            for child in action.child_ids:
                reason = child._workflow_refusal()
                if reason:
                    return _("its step %(child)s: %(why)s", child=child.name, why=reason)
        return None

    def _workflow_check_rights(self, user=None):
        """Raise AccessError when ``user`` (default: the real current user, even under sudo) may not
        have a workflow run these actions."""
        user = user or self.env.user
        if is_workflow_admin(user):
            return
        for action in self:
            reason = action._workflow_refusal()
            if reason:
                raise AccessError(
                    _(
                        "The server action %(action)s cannot be used in a workflow configured by %(user)s: %(why)s.",
                        action=action.sudo().name,
                        user=user.name,
                        why=reason,
                    )
                )

    def _workflow_linked(self):
        """The actions of ``self`` that some workflow state or transition uses."""
        if not self:
            return self
        self.env.cr.execute(
            """SELECT action_id FROM workflow_state_enter_action_rel WHERE action_id IN %(ids)s
               UNION SELECT action_id FROM workflow_state_exit_action_rel WHERE action_id IN %(ids)s
               UNION SELECT action_id FROM workflow_transition_action_rel WHERE action_id IN %(ids)s""",
            {"ids": tuple(self.ids)},
        )
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    def init(self):
        # actions from before this field: whoever last wrote them
        self.env.cr.execute(
            "UPDATE ir_act_server SET workflow_configured_by = write_uid WHERE workflow_configured_by IS NULL"
        )

    @api.model_create_multi
    def create(self, vals_list):
        # the real user, also when the ORM runs as sudo (an import by a workflow manager)
        for vals in vals_list:
            vals["workflow_configured_by"] = self.env.uid
        return super().create(vals_list)

    def write(self, vals):
        if set(vals) - {"workflow_configured_by"}:
            vals = dict(vals, workflow_configured_by=self.env.uid)
        res = super().write(vals)
        # a non-administrator (through some sudo path) re-pointing an action a workflow runs
        if not is_workflow_admin(self.env.user):
            self._workflow_linked()._workflow_check_rights()
        return res

    @api.constrains("workflow_message_body")
    def _check_workflow_message_size(self):
        check_sizes(self, {"workflow_message_body": MAX_MESSAGE})

    def _run_action_workflow_message(self, eval_context=None):
        record = self.env[self.model_id.model].browse(self._context.get("active_id")).exists()
        if not record or not hasattr(record, "message_post"):
            return False
        instance = (
            self.env["workflow.instance"].sudo().browse(self._context.get("workflow_instance_id")).exists()
        )
        text = self.workflow_message_body or ""
        text = text.replace("{state}", instance.current_state_id.name or "").replace(
            "{workflow}", instance.workflow_id.name or ""
        )
        record.message_post(body=plaintext2html(text), subtype_xmlid="mail.mt_note")
        return False

    def _run_action_webhook(self, eval_context=None):
        """Odoo's webhook (same JSON payload, same 'send and forget' with a 1 s limit), sent
        through the suite's outgoing-HTTP guard instead of a bare ``requests.post``."""
        record = self.env[self.model_id.model].browse(self._context.get("active_id"))
        url = self.webhook_url
        if not record:
            return
        if not url:
            raise UserError(_("The webhook action %s has no URL.", self.name))
        vals = {"_model": self.model_id.model, "_id": record.id, "_action": f"{self.name}(#{self.id})"}
        if self.webhook_field_ids:
            vals.update(record.read(self.webhook_field_ids.mapped("name"), load=None)[0])
        payload = json.dumps(vals, sort_keys=True, default=str)
        result = self.env["workflow.http"]._post(
            url,
            data=payload,
            headers={"Content-Type": "application/json"},
            timeout=WEBHOOK_TIMEOUT,
            purpose=_("webhook"),
            param=ALLOWED_HOSTS_PARAM,
        )
        if not result.ok:
            _logger.warning("Webhook call to %s failed: %s", url, result.describe())

    def _check_webhook_host(self, url):
        """Refuse (UserError) a webhook URL the guard would refuse, without resolving its name:
        the check when a URL is saved or imported; sending checks again, resolution included."""
        self.env["workflow.http"]._check_url(url, ALLOWED_HOSTS_PARAM, purpose=_("webhook"))
