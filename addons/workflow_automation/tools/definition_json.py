"""The JSON shape of a workflow definition (the specification's ``workflow_config``) and its checks.

Shape::

    {
      "name": "Order approval", "code": "SO_APPROVAL", "model": "sale.order",
      "workflow_type": "approval", "trigger_type": "on_create",
      "trigger_condition": {"field": "amount_total", "operator": ">", "value": 100000}
          | "trigger_domain": "[('amount_total', '>', 100000)]",
      "timeout_hours": 72, "allow_parallel": false, "require_comment": false, "description": "...",
      "chatter_mode": "start_end" | "all" | "none",
      "workflow_config": {
        "states": [{"code": "draft", "name": "Draft", "state_type": "start", "is_initial": true,
                    "is_final": false, "sequence": 10, "timeout_hours": 0, "timeout_action": "notify",
                    "position_x": 150, "position_y": 100,
                    "on_enter_actions": ["notify_sales"], "on_exit_actions": [],
                    "approval_config": {"approval_type": "any", "min_approvers": 1,
                                        "approvers": [{"type": "user", "login": "admin"},
                                                      {"type": "group", "xmlid": "base.group_system"}]}}],
        "transitions": [{"name": "Submit", "from": "draft", "to": "review",
                         "trigger_type": "user_action", "condition": {...} | "domain": "[...]",
                         "actions": ["notify_sales", {"type": "update_field", ...}],
                         "button_label": "Submit", "button_class": "btn-primary",
                         "require_comment": false, "groups": ["base.group_user"], "sequence": 10}],
        "actions": [{"id": "notify_sales", "type": "update_field" | "send_email" | "create_task"
                     | "post_message" | "webhook" | "server_action" | "call_method", ...}]
      }
    }

Every problem is reported with the JSON path of the offending element.
"""

import json

from odoo import _
from odoo.exceptions import ValidationError

from .conditions import JSON_OPERATORS  # noqa: F401  (documented operators)
from .rpc_args import MAX_CODE, MAX_COMMENT, MAX_MESSAGE, MAX_NAME

# a definition is designed by a person: more is a mistake (the model refuses it too)
MAX_STATES = 1000
MAX_TRANSITIONS = 5000
MAX_ACTIONS = 1000
MAX_DOCUMENT = 5 * 1024 * 1024  # characters of JSON text
# longest text of each key (characters); keys not listed: MAX_NAME
TEXT_LIMITS = {
    "code": MAX_CODE,
    "from": MAX_CODE,
    "to": MAX_CODE,
    "id": MAX_CODE,
    "description": MAX_COMMENT,
    "trigger_domain": MAX_COMMENT,
    "domain": MAX_COMMENT,
    "trigger_condition": MAX_COMMENT,
    "condition": MAX_COMMENT,
    "value": MAX_COMMENT,
    "body": MAX_MESSAGE,
    "note": MAX_MESSAGE,
    "url": 2048,
}

STATE_TYPES = ("start", "normal", "approval", "end", "error")
TRIGGER_TYPES = ("on_create", "on_write", "on_condition", "scheduled", "manual")
WORKFLOW_TYPES = ("approval", "process", "notification", "escalation", "scheduled")
TRANSITION_TRIGGERS = ("user_action", "condition", "timeout", "approval", "rejection")
TIMEOUT_ACTIONS = ("transition", "escalate", "auto_approve", "auto_reject", "notify")
APPROVAL_TYPES = ("any", "all", "sequential", "majority")
CHATTER_MODES = ("start_end", "all", "none")
ACTION_TYPES = (
    "update_field",
    "send_email",
    "create_task",
    "post_message",
    "webhook",
    "server_action",
    "call_method",
)
BUTTON_CLASSES = ("btn-primary", "btn-secondary", "btn-danger")

TOP_KEYS = {
    "name": str,
    "code": str,
    "model": str,
    "model_name": str,
    "description": str,
    "workflow_type": str,
    "trigger_type": str,
    "trigger_condition": (dict, list, str),
    "trigger_domain": str,
    "timeout_hours": int,
    "allow_parallel": bool,
    "require_comment": bool,
    "chatter_mode": str,
    "version": int,
    "is_default": bool,
    "active": bool,
    "schedule_minutes": int,
    "workflow_config": dict,
    "format": str,
}
STATE_KEYS = {
    "code": str,
    "name": str,
    "state_type": str,
    "sequence": int,
    "is_initial": bool,
    "is_final": bool,
    "timeout_hours": (int, float),
    "timeout_action": (str, type(None)),
    "on_enter_actions": list,
    "on_exit_actions": list,
    "approval_config": (dict, type(None)),
    # who a passed deadline escalates to (timeout_action "escalate"): one user, one group or both
    "escalate_to": list,
    "color": int,
    # where the state is drawn (designer, BPMN diagram): its centre in pixels
    "position_x": (int, float),
    "position_y": (int, float),
}
TRANSITION_KEYS = {
    "name": str,
    "from": str,
    "to": str,
    "trigger_type": str,
    "condition": (dict, list, str, type(None)),
    "domain": str,
    "actions": list,
    "button_label": (str, type(None)),
    "button_class": (str, type(None)),
    "require_comment": bool,
    "is_visible": bool,
    "groups": list,
    "sequence": int,
}


def _fail(path, message):
    raise ValidationError(_("Invalid workflow file at %(path)s: %(msg)s", path=path, msg=message))


def _fail_decode(exc):
    """A JSON syntax error, placed for a person: 1-based line and column, and that line's text."""
    line = exc.doc.split("\n")[exc.lineno - 1].rstrip("\r")  # lineno counts "\n" as json does
    start = max(0, exc.colno - 60)  # a one-line (minified) file: show the part around the error
    text = ("…" if start else "") + line[start : exc.colno + 60] + ("…" if len(line) > exc.colno + 60 else "")
    raise ValidationError(
        _(
            "Invalid workflow file at line %(line)s, column %(column)s: not valid JSON (%(error)s).\n"
            "Line %(line)s: %(text)s",
            line=exc.lineno,
            column=exc.colno,
            error=exc.msg,
            text=text,
        )
    )


def _check_keys(obj, spec, path, required=()):
    if not isinstance(obj, dict):
        _fail(path, _("expected an object"))
    for key in required:
        if key not in obj or obj[key] in (None, ""):
            _fail(f"{path}.{key}", _("this field is required"))
    for key, value in obj.items():
        if key not in spec:
            _fail(f"{path}.{key}", _("unknown field"))
        expected = spec[key]
        # bool is an int in Python: keep them apart
        if isinstance(value, bool) and expected in (int, (int, float)):
            _fail(f"{path}.{key}", _("expected a number, got true/false"))
        if not isinstance(value, expected):
            _fail(f"{path}.{key}", _("wrong type %s", type(value).__name__))
        _check_text(value, key, path)


def _check_text(value, key, path):
    limit = TEXT_LIMITS.get(key, MAX_NAME)
    if isinstance(value, str) and len(value) > limit:
        _fail(
            f"{path}.{key}",
            _("too long: %(length)s characters, at most %(max)s are allowed", length=len(value), max=limit),
        )


def _check_choice(value, choices, path):
    if value not in choices:
        _fail(path, _("%(value)r is not one of %(choices)s", value=value, choices=", ".join(choices)))


def load(data):
    """Parse (if text) and check the whole document; returns the dict."""
    if isinstance(data, (bytes, bytearray)):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            _fail("$", _("the file is not UTF-8 text"))
    if isinstance(data, str):
        if len(data) > MAX_DOCUMENT:
            _fail("$", _("the document is larger than %s characters", MAX_DOCUMENT))
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            _fail_decode(exc)
    _check_keys(data, TOP_KEYS, "$", required=("name", "code", "workflow_config"))
    if not (data.get("model") or data.get("model_name")):
        _fail("$.model", _("this field is required"))
    if "workflow_type" in data:
        _check_choice(data["workflow_type"], WORKFLOW_TYPES, "$.workflow_type")
    if "trigger_type" in data:
        _check_choice(data["trigger_type"], TRIGGER_TYPES, "$.trigger_type")
    if "timeout_hours" in data and data["timeout_hours"] < 0:
        _fail("$.timeout_hours", _("cannot be negative"))
    if "chatter_mode" in data:
        _check_choice(data["chatter_mode"], CHATTER_MODES, "$.chatter_mode")
    config = data["workflow_config"]
    _check_keys(
        config, {"states": list, "transitions": list, "actions": list}, "$.workflow_config", ("states",)
    )
    for key, limit in (("states", MAX_STATES), ("transitions", MAX_TRANSITIONS), ("actions", MAX_ACTIONS)):
        if len(config.get(key, [])) > limit:
            _fail(
                f"$.workflow_config.{key}",
                _(
                    "%(count)s %(what)s; a workflow has at most %(max)s",
                    count=len(config[key]),
                    what=key,
                    max=limit,
                ),
            )
    actions = {}
    for i, action in enumerate(config.get("actions", [])):
        path = f"$.workflow_config.actions[{i}]"
        check_action(action, path)
        if not action.get("id"):
            _fail(f"{path}.id", _("named actions need an id"))
        if action["id"] in actions:
            _fail(f"{path}.id", _("duplicate action id %s", action["id"]))
        actions[action["id"]] = action
    codes = set()
    if not config["states"]:
        _fail("$.workflow_config.states", _("a workflow needs states"))
    for i, state in enumerate(config["states"]):
        path = f"$.workflow_config.states[{i}]"
        _check_keys(state, STATE_KEYS, path, required=("code", "name"))
        if state["code"] in codes:
            _fail(f"{path}.code", _("duplicate state code %s", state["code"]))
        codes.add(state["code"])
        _check_choice(state.get("state_type", "normal"), STATE_TYPES, f"{path}.state_type")
        if state.get("timeout_action") is not None:
            _check_choice(state["timeout_action"], TIMEOUT_ACTIONS, f"{path}.timeout_action")
        if state.get("timeout_hours", 0) < 0:
            _fail(f"{path}.timeout_hours", _("cannot be negative"))
        for key in ("on_enter_actions", "on_exit_actions"):
            for j, ref in enumerate(state.get(key, [])):
                _check_action_ref(ref, actions, f"{path}.{key}[{j}]")
        approval = state.get("approval_config")
        if approval:
            _check_approval(approval, f"{path}.approval_config")
        _check_escalation(state.get("escalate_to", []), f"{path}.escalate_to")
    for i, tr in enumerate(config.get("transitions", [])):
        path = f"$.workflow_config.transitions[{i}]"
        _check_keys(tr, TRANSITION_KEYS, path, required=("name", "from", "to"))
        for end in ("from", "to"):
            if tr[end] not in codes:
                _fail(f"{path}.{end}", _("no state with code %s", tr[end]))
        _check_choice(tr.get("trigger_type", "user_action"), TRANSITION_TRIGGERS, f"{path}.trigger_type")
        if tr.get("button_class"):
            _check_choice(tr["button_class"], BUTTON_CLASSES, f"{path}.button_class")
        for j, ref in enumerate(tr.get("actions", [])):
            _check_action_ref(ref, actions, f"{path}.actions[{j}]")
        for j, group in enumerate(tr.get("groups", [])):
            if not isinstance(group, str) or "." not in group:
                _fail(f"{path}.groups[{j}]", _("expected a group XML id such as base.group_user"))
    return data


def _check_action_ref(ref, actions, path):
    if isinstance(ref, str):
        if ref not in actions:
            _fail(path, _("no action with id %s in workflow_config.actions", ref))
    else:
        check_action(ref, path)


def _check_approval(config, path):
    _check_keys(
        config,
        {"approval_type": str, "min_approvers": int, "approvers": list, "dynamic_field": str},
        path,
    )
    if "approval_type" in config:
        _check_choice(config["approval_type"], APPROVAL_TYPES, f"{path}.approval_type")
    if config.get("min_approvers", 1) < 1:
        _fail(f"{path}.min_approvers", _("must be at least 1"))
    for i, approver in enumerate(config.get("approvers", [])):
        _check_person(approver, f"{path}.approvers[{i}]", ("user", "group", "role"))


def _check_person(ref, path, kinds):
    """A user or group named by id, login or xml id (approvers, escalation)."""
    _check_keys(ref, {"type": str, "id": int, "login": str, "xmlid": str}, path, ("type",))
    _check_choice(ref["type"], kinds, f"{path}.type")
    if not any(k in ref for k in ("id", "login", "xmlid")):
        _fail(path, _("give the user's or group's id, login or xmlid"))


def _check_escalation(refs, path):
    for i, ref in enumerate(refs):
        _check_person(ref, f"{path}[{i}]", ("user", "group"))
    for kind in ("user", "group"):
        if sum(1 for ref in refs if ref["type"] == kind) > 1:
            _fail(path, _("a deadline escalates to one user and/or one group, not several"))


ACTION_KEYS = {
    "update_field": ({"field": str, "value": object}, ("field",)),
    "send_email": ({"template_id": int, "template": str}, ()),
    "create_task": (
        {
            "summary": str,
            "note": str,
            "activity_type": str,
            "user_field": str,
            "user_login": str,
            "deadline_days": int,
        },
        (),
    ),
    "post_message": ({"body": str}, ("body",)),
    "webhook": ({"url": str, "fields": list}, ("url",)),
    "server_action": ({"xmlid": str, "server_action_id": int}, ()),
    "call_method": ({"method": str}, ("method",)),
}


def check_action(action, path):
    if not isinstance(action, dict):
        _fail(path, _("expected an action object or the id of a named action"))
    kind = action.get("type")
    if kind not in ACTION_TYPES:
        _fail(
            f"{path}.type",
            _("%(value)r is not one of %(choices)s", value=kind, choices=", ".join(ACTION_TYPES)),
        )
    keys, required = ACTION_KEYS[kind]
    spec = dict(keys, type=str, id=str, name=str)
    for key in required:
        if key not in action:
            _fail(f"{path}.{key}", _("this field is required for %s actions", kind))
    for key in action:
        if key not in spec:
            _fail(f"{path}.{key}", _("unknown field for %s actions", kind))
        _check_text(action[key], key, path)
    if kind == "send_email" and not ("template_id" in action or "template" in action):
        _fail(path, _("send_email needs template (XML id) or template_id"))
    if kind == "server_action" and not ("xmlid" in action or "server_action_id" in action):
        _fail(path, _("server_action needs xmlid or server_action_id"))
    if kind == "call_method" and (not action["method"].isidentifier() or action["method"].startswith("_")):
        _fail(f"{path}.method", _("only public method names are allowed"))
