"""Import and export of workflow definitions as JSON (see tools/definition_json.py for the shape)."""

from odoo import Command, _, api, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..tools import definition_json, rpc_args
from ..tools.conditions import json_condition_to_domain


def _without_none(value):
    """XML-RPC cannot carry None: leave such keys out (import treats them as absent)."""
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value


class WorkflowDefinition(models.Model):
    _inherit = "workflow.definition"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def import_json(self, data, replace=False):
        """Create (or, with ``replace``, update) a definition from its JSON; returns its id.

        The document is checked completely before anything is written; any error
        names the offending element and nothing is stored.
        """
        if not self.env.user.has_group("workflow_automation.group_workflow_manager"):
            raise AccessError(_("Only workflow managers may import workflow definitions."))
        if not isinstance(replace, bool):
            raise ValidationError(_("import_json: replace must be true or false."))
        doc = definition_json.load(data)
        model_name = doc.get("model") or doc.get("model_name")
        model = self.env["ir.model"]._get(model_name)
        if not model or model.transient:
            raise ValidationError(_("Invalid workflow file at $.model: unknown model %s", model_name))
        with self.env.cr.savepoint():
            vals = self._json_to_vals(doc, model)
            existing = self.search(
                [
                    ("code", "=", doc["code"]),
                    ("current_version_id", "=", False),
                    ("active", "in", (True, False)),
                ],
                limit=1,
            )
            if existing and not replace:
                raise ValidationError(
                    _(
                        "Invalid workflow file at $.code: a workflow with code %s exists already "
                        "(import with replace to make a new version of it).",
                        doc["code"],
                    )
                )
            if existing:
                existing._freeze_running_versions()
                existing.transition_ids.with_context(workflow_structure_defer=True).unlink()
                vals["state_ids"] = [Command.clear()] + vals["state_ids"]
                transitions = vals.pop("transition_ids")
                existing.with_context(workflow_structure_defer=True).write(vals)
                existing._create_json_transitions(transitions)
                existing._check_structure()
                self.env["workflow.hook"]._hook_refresh()
                return existing.id
            transitions = vals.pop("transition_ids")
            definition = self.with_context(workflow_structure_defer=True).create(vals)
            definition._create_json_transitions(transitions)
            definition = definition.with_env(self.env)
            definition._check_structure()
            self.env["workflow.hook"]._hook_refresh()
            return definition.id

    def _create_json_transitions(self, transitions):
        self.ensure_one()
        by_code = {s.code: s.id for s in self.state_ids}
        self.env["workflow.transition"].with_context(workflow_structure_defer=True).create(
            [
                dict(vals, workflow_id=self.id, from_state_id=by_code[frm], to_state_id=by_code[to])
                for frm, to, vals in transitions
            ]
        )

    @api.model
    def _json_to_vals(self, doc, model):
        config = doc["workflow_config"]
        named = {a["id"]: a for a in config.get("actions", [])}
        cache = {}

        def actions(refs, path):
            ids = []
            for i, ref in enumerate(refs):
                key = ref if isinstance(ref, str) else None
                if key and key in cache:
                    ids.append(cache[key])
                    continue
                spec = named[ref] if key else ref
                action_id = self._json_action(spec, model, f"{path}[{i}]")
                if key:
                    cache[key] = action_id
                ids.append(action_id)
            return [Command.set(ids)]

        # every named action is built (and checked) even when nothing refers to it
        for i, (key, spec) in enumerate(named.items()):
            cache[key] = self._json_action(spec, model, f"$.workflow_config.actions[{i}]")
        if doc.get("trigger_domain") is not None:
            trigger_domain = doc["trigger_domain"]
        else:
            trigger_domain = str(
                json_condition_to_domain(doc.get("trigger_condition"), "$.trigger_condition")
            )
        states = []
        for i, st in enumerate(config["states"]):
            path = f"$.workflow_config.states[{i}]"
            state_type = st.get("state_type", "normal")
            vals = {
                "code": st["code"],
                "name": st["name"],
                "state_type": state_type,
                "sequence": st.get("sequence", (i + 1) * 10),
                "is_initial": st.get("is_initial", state_type == "start"),
                "is_final": st.get("is_final", state_type == "end"),
                "timeout_hours": st.get("timeout_hours", 0),
                "on_enter_action_ids": actions(st.get("on_enter_actions", []), f"{path}.on_enter_actions"),
                "on_exit_action_ids": actions(st.get("on_exit_actions", []), f"{path}.on_exit_actions"),
            }
            if st.get("timeout_action"):
                vals["timeout_action"] = st["timeout_action"]
            if "color" in st:
                vals["color"] = st["color"]
            for key in ("position_x", "position_y"):
                if key in st:
                    vals[key] = st[key]
            vals.update(self._json_approval(st.get("approval_config") or {}, f"{path}.approval_config"))
            vals.update(self._json_escalation(st.get("escalate_to", []), f"{path}.escalate_to"))
            states.append(Command.create(vals))
        transitions = []
        for i, tr in enumerate(config.get("transitions", [])):
            path = f"$.workflow_config.transitions[{i}]"
            if tr.get("domain") is not None:
                domain = tr["domain"]
            else:
                domain = str(json_condition_to_domain(tr.get("condition"), f"{path}.condition"))
            groups = []
            for j, xmlid in enumerate(tr.get("groups", [])):
                group = self.env.ref(xmlid, raise_if_not_found=False)
                if not group or group._name != "res.groups":
                    raise ValidationError(
                        _(
                            "Invalid workflow file at %(path)s: no group %(xmlid)s",
                            path=f"{path}.groups[{j}]",
                            xmlid=xmlid,
                        )
                    )
                groups.append(group.id)
            vals = {
                "name": tr["name"],
                "trigger_type": tr.get("trigger_type", "user_action"),
                "condition_domain": domain,
                "action_ids": actions(tr.get("actions", []), f"{path}.actions"),
                "button_label": tr.get("button_label") or False,
                "button_class": tr.get("button_class") or "btn-primary",
                "require_comment": tr.get("require_comment", False),
                "is_visible": tr.get("is_visible", True),
                "group_ids": [Command.set(groups)],
                "sequence": tr.get("sequence", (i + 1) * 10),
            }
            transitions.append((tr["from"], tr["to"], vals))
        return {
            "name": doc["name"],
            "code": doc["code"],
            "description": doc.get("description") or False,
            "workflow_type": doc.get("workflow_type", "process"),
            "model_id": model.id,
            "trigger_type": doc.get("trigger_type", "manual"),
            "trigger_domain": trigger_domain,
            "timeout_hours": doc.get("timeout_hours", 72),
            "allow_parallel": doc.get("allow_parallel", False),
            "require_comment": doc.get("require_comment", False),
            "chatter_mode": doc.get("chatter_mode", "start_end"),
            "is_default": doc.get("is_default", False),
            "schedule_minutes": doc.get("schedule_minutes", 60),
            "active": doc.get("active", True),
            "state_ids": states,
            "transition_ids": transitions,
        }

    @api.model
    def _json_person(self, ref, path, not_found):
        """The user or group a checked reference names (``{"type", "login" | "xmlid" | "id"}``),
        refused when archived, a portal user or a portal group, as an approver is."""
        kind = "res.users" if ref["type"] == "user" else "res.groups"
        if "xmlid" in ref:
            rec = self.env.ref(ref["xmlid"], raise_if_not_found=False)
            rec = rec if rec and rec._name == kind else None
        elif "login" in ref and kind == "res.users":
            # archived users too: they are refused below with their name, not "not found"
            rec = (
                self.env["res.users"]
                .with_context(active_test=False)
                .search([("login", "=", ref["login"])], limit=1)
            )
        else:
            rec = self.env[kind].with_context(active_test=False).browse(ref.get("id", 0)).exists()
        if not rec:
            raise ValidationError(_("Invalid workflow file at %(path)s: %(why)s", path=path, why=not_found))
        self.env["workflow.state"]._check_approver_records(
            rec if kind == "res.users" else self.env["res.users"],
            rec if kind == "res.groups" else self.env["res.groups"],
            _("Invalid workflow file at %s", path),
        )
        return rec

    @api.model
    def _json_escalation(self, refs, path):
        vals = {}
        for i, ref in enumerate(refs):
            rec = self._json_person(ref, f"{path}[{i}]", _("user or group not found"))
            vals["escalation_user_id" if rec._name == "res.users" else "escalation_group_id"] = rec.id
        return vals

    @api.model
    def _json_approval(self, config, path):
        if not config:
            return {}
        users, groups = [], []
        for i, approver in enumerate(config.get("approvers", [])):
            rec = self._json_person(approver, f"{path}.approvers[{i}]", _("approver not found"))
            (users if rec._name == "res.users" else groups).append(rec.id)
        return {
            "approval_type": config.get("approval_type", "any"),
            "min_approvers": config.get("min_approvers", 1),
            "approver_user_ids": [Command.set(users)],
            "approver_group_ids": [Command.set(groups)],
            # a user field of the record ("user_id", "team_id.user_id"): checked by the state
            "approver_field_path": config.get("dynamic_field") or False,
        }

    @api.model
    def _json_action(self, spec, model, path):
        """Create the server action for one JSON action; returns its id."""
        kind = spec["type"]
        # Workflow managers design processes without being administrators: the action
        # types created here are the safe ones (update, mail, message, activity, allowed
        # webhook) and are checked above; code (call_method) needs an administrator.
        Action = self.env["ir.actions.server"].sudo()
        name = spec.get("name") or spec.get("id") or kind.replace("_", " ").capitalize()

        def fail(message, key=None):
            raise ValidationError(
                _(
                    "Invalid workflow file at %(path)s: %(msg)s",
                    path=f"{path}.{key}" if key else path,
                    msg=message,
                )
            )

        def refuse_sensitive(action):
            # what a non-administrator may make a workflow run (the same check as at save and run time)
            try:
                action._workflow_check_rights()
            except AccessError as exc:
                raise AccessError(
                    _("Workflow file at %(path)s refused: %(msg)s", path=path, msg=exc.args[0])
                ) from exc
            return action.id

        def made(vals):
            return refuse_sensitive(Action.create(vals))

        base = {"name": name, "model_id": model.id}
        if kind == "server_action":
            if "xmlid" in spec:
                action = self.env.ref(spec["xmlid"], raise_if_not_found=False)
            else:
                action = Action.browse(spec["server_action_id"]).exists()
            if not action or action._name != "ir.actions.server":
                fail(_("server action not found"))
            if action.model_id != model:
                fail(_("server action %s runs on another model", action.name))
            return refuse_sensitive(action)
        if kind == "update_field":
            field = self.env[model.model]._fields.get(spec["field"])
            if not field or not field.store or field.readonly and not field.inverse:
                fail(
                    _("%(model)s has no writable field %(field)s", model=model.model, field=spec["field"]),
                    "field",
                )
            value = spec.get("value")
            vals = dict(base, state="object_write", update_path=spec["field"], evaluation_type="value")
            if field.type == "boolean":
                vals["update_boolean_value"] = "true" if value else "false"
            else:
                vals["value"] = "" if value is None else str(value)
            return made(vals)
        if kind == "send_email":
            if "template" in spec:
                template = self.env.ref(spec["template"], raise_if_not_found=False)
            else:
                template = self.env["mail.template"].browse(spec["template_id"]).exists()
            if not template or template._name != "mail.template":
                fail(_("mail template not found"))
            if template.model != model.model:
                fail(_("mail template %s is for another model", template.name))
            return made(dict(base, state="mail_post", template_id=template.id, mail_post_method="email"))
        if kind == "post_message":
            return made(dict(base, state="workflow_message", workflow_message_body=spec["body"]))
        if kind == "create_task":
            activity_type = self.env.ref(
                spec.get("activity_type", "mail.mail_activity_data_todo"), raise_if_not_found=False
            )
            if not activity_type or activity_type._name != "mail.activity.type":
                fail(_("activity type not found"), "activity_type")
            vals = dict(
                base,
                state="next_activity",
                activity_type_id=activity_type.id,
                activity_summary=spec.get("summary") or name,
                activity_note=spec.get("note") or False,
                activity_date_deadline_range=spec.get("deadline_days", 0),
                activity_date_deadline_range_type="days",
            )
            if "user_login" in spec:
                user = self.env["res.users"].search([("login", "=", spec["user_login"])], limit=1)
                if not user:
                    fail(_("no user with login %s", spec["user_login"]), "user_login")
                vals.update(activity_user_type="specific", activity_user_id=user.id)
            else:
                field_name = spec.get("user_field", "user_id")
                field = self.env[model.model]._fields.get(field_name)
                if not field or field.comodel_name != "res.users":
                    fail(
                        _("%(model)s has no user field %(field)s", model=model.model, field=field_name),
                        "user_field",
                    )
                vals.update(activity_user_type="generic", activity_user_field_name=field_name)
            return made(vals)
        if kind == "webhook":
            try:
                Action._check_webhook_host(spec["url"])
            except UserError as exc:
                fail(exc.args[0], "url")
            fields_ = self.env["ir.model.fields"].search(
                [("model_id", "=", model.id), ("name", "in", spec.get("fields", []))]
            )
            if len(fields_) != len(set(spec.get("fields", []))):
                fail(_("unknown field in %s", ", ".join(spec.get("fields", []))), "fields")
            return made(
                dict(
                    base,
                    state="webhook",
                    webhook_url=spec["url"],
                    webhook_field_ids=[Command.set(fields_.ids)],
                )
            )
        if kind == "call_method":
            if not self.env.user.has_group("base.group_system"):
                fail(_("call_method actions run code and can only be imported by an administrator"))
            method = spec["method"]
            if not callable(getattr(self.env[model.model], method, None)):
                fail(_("%(model)s has no method %(method)s", model=model.model, method=method), "method")
            return Action.sudo(False).create(dict(base, state="code", code=f"records.{method}()")).id
        fail(_("unsupported action type %s", kind), "type")
        return False

    # ------------------------------------------------------------------
    # export
    # ------------------------------------------------------------------
    @api.model
    def _json_person_ref(self, record):
        """How the file names a user (login) or a group (xml id; a group made in this database
        has none: its id, as the import reads it)."""
        if record._name == "res.users":
            return {"type": "user", "login": record.login}
        xmlid = record.get_external_id().get(record.id)
        return {"type": "group", "xmlid": xmlid} if xmlid else {"type": "group", "id": record.id}

    def export_json(self):
        """The definition as a JSON-ready dict, in the shape ``import_json`` reads.

        Whoever may read the definition may export it (a workflow user of its company): its
        server actions are part of it and are described with ``sudo``, only those this
        definition uses, without giving the user read access to server actions in general."""
        rpc_args.check_records(self, "export_json: the workflow definition", single=True)
        self.ensure_one()
        self.check_access_rights("read")
        self.check_access_rule("read")
        actions, named = [], {}

        def ref(action):
            if action.id not in named:
                key = f"a{len(named) + 1}"
                spec = self._action_to_json(action.sudo())
                spec["id"] = key
                named[action.id] = key
                actions.append(spec)
            return named[action.id]

        states = []
        for st in self.state_ids.sorted(lambda s: (s.sequence, s.id)):
            item = {
                "code": st.code,
                "name": st.name,
                "state_type": st.state_type,
                "sequence": st.sequence,
                "is_initial": st.is_initial,
                "is_final": st.is_final,
                "timeout_hours": st.timeout_hours,
                "timeout_action": st.timeout_action or None,
                "on_enter_actions": [ref(a) for a in st.on_enter_action_ids],
                "on_exit_actions": [ref(a) for a in st.on_exit_action_ids],
            }
            if st.position_x or st.position_y:
                item.update(position_x=st.position_x, position_y=st.position_y)
            if st.escalation_user_id or st.escalation_group_id:
                item["escalate_to"] = (
                    [self._json_person_ref(st.escalation_user_id)] if st.escalation_user_id else []
                )
                if st.escalation_group_id:
                    item["escalate_to"].append(self._json_person_ref(st.escalation_group_id))
            if st.state_type == "approval":
                approvers = [self._json_person_ref(u) for u in st.approver_user_ids]
                approvers += [self._json_person_ref(g) for g in st.approver_group_ids]
                item["approval_config"] = {
                    "approval_type": st.approval_type,
                    "min_approvers": st.min_approvers,
                    "approvers": approvers,
                }
                if st.approver_field_path:
                    item["approval_config"]["dynamic_field"] = st.approver_field_path
            states.append(item)
        transitions = [
            {
                "name": tr.name,
                "from": tr.from_state_id.code,
                "to": tr.to_state_id.code,
                "trigger_type": tr.trigger_type,
                "domain": tr.condition_domain or "[]",
                "actions": [ref(a) for a in tr.action_ids],
                "button_label": tr.button_label or None,
                "button_class": tr.button_class or None,
                "require_comment": tr.require_comment,
                "is_visible": tr.is_visible,
                "groups": [x for x in tr.group_ids.get_external_id().values() if x],
                "sequence": tr.sequence,
            }
            for tr in self.transition_ids.sorted(lambda t: (t.sequence, t.id))
        ]
        return _without_none(
            {
                "format": "workflow_automation/1",
                "name": self.name,
                "code": self.code,
                "description": self.description or "",
                "model": self.model_name,
                "workflow_type": self.workflow_type,
                "trigger_type": self.trigger_type,
                "trigger_domain": self.trigger_domain or "[]",
                "timeout_hours": self.timeout_hours,
                "allow_parallel": self.allow_parallel,
                "require_comment": self.require_comment,
                "chatter_mode": self.chatter_mode,
                "schedule_minutes": self.schedule_minutes,
                "version": self.version,
                "workflow_config": {"states": states, "transitions": transitions, "actions": actions},
            }
        )

    def _action_to_json(self, action):
        xmlid = action.get_external_id().get(action.id)
        if action.state == "object_write" and action.update_path and "." not in action.update_path:
            value = (
                (action.update_boolean_value == "true")
                if action.update_field_id.ttype == "boolean"
                else action.value
            )
            return {"type": "update_field", "name": action.name, "field": action.update_path, "value": value}
        if action.state == "mail_post" and action.template_id:
            tmpl = action.template_id.get_external_id().get(action.template_id.id)
            spec = {"template": tmpl} if tmpl else {"template_id": action.template_id.id}
            return dict(spec, type="send_email", name=action.name)
        if action.state == "workflow_message":
            return {"type": "post_message", "name": action.name, "body": action.workflow_message_body or ""}
        if action.state == "webhook":
            return {
                "type": "webhook",
                "name": action.name,
                "url": action.webhook_url,
                "fields": action.webhook_field_ids.mapped("name"),
            }
        if xmlid:
            return {"type": "server_action", "name": action.name, "xmlid": xmlid}
        return {"type": "server_action", "name": action.name, "server_action_id": action.id}
