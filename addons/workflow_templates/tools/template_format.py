"""The template file format (docs/templates_format.md) and its substitutions.

A template file is ``{"template": {...}, "definition": {...}, "walk": {...}}``. This module
checks the ``template`` and ``walk`` parts and turns ``definition`` into the document the
suite's JSON importer reads (``workflow_automation/tools/definition_json.py``): placeholders
``{{key}}`` become the parameter values, role approvers become the users and groups a company
chose. Pure Python: no database; every problem names its JSON path.
"""

import copy
import json
import re

from odoo import _
from odoo.exceptions import ValidationError

CATEGORIES = (
    "sales",
    "procurement",
    "quality",
    "production",
    "inventory",
    "maintenance",
    "finance",
    "people",
    "farm",
    "logistics",
    "admin",
)
PARAM_TYPES = ("float", "integer", "hours", "days")
CODE_RE = re.compile(r"^[A-Z][A-Z0-9_]{1,47}$")
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
PLACEHOLDER_RE = re.compile(r"\{\{\s*([A-Za-z0-9_]*)\s*\}\}")
WHOLE_PLACEHOLDER_RE = re.compile(r"^\{\{\s*([A-Za-z0-9_]*)\s*\}\}$")
FILE_KEYS = {"template": dict, "definition": dict, "walk": dict}
META_KEYS = {
    "code": str,
    "name": str,
    "category": str,
    "description": str,
    "model": str,
    "modules": list,
    "version": str,
    "tags": list,
    "roles": list,
    "parameters": list,
    "request_category": dict,
}
META_REQUIRED = ("code", "name", "category", "description", "model", "modules", "version")
ROLE_KEYS = {"key": str, "name": str, "default_group": (str, type(None))}
PARAM_KEYS = {"key": str, "name": str, "type": str, "default": (int, float), "help": str}
WALK_KEYS = {"record": dict, "set": dict}


def fail(path, message):
    raise ValidationError(_("Invalid template at %(path)s: %(msg)s", path=path, msg=message))


def _keys(obj, spec, path, required=()):
    if not isinstance(obj, dict):
        fail(path, _("expected an object"))
    for key in required:
        if obj.get(key) in (None, "", []) and not (key == "modules" and obj.get(key) == []):
            fail(f"{path}.{key}", _("this field is required"))
    for key, value in obj.items():
        if key not in spec:
            fail(f"{path}.{key}", _("unknown field"))
        expected = spec[key]
        if isinstance(value, bool) and expected in ((int, float), int):
            fail(f"{path}.{key}", _("expected a number, got true/false"))
        if not isinstance(value, expected):
            fail(f"{path}.{key}", _("wrong type %s", type(value).__name__))


def parse(text, path="$"):
    """JSON text (or an already parsed dict) of a template file, checked; returns the dict."""
    if isinstance(text, (bytes, bytearray)):
        text = text.decode("utf-8")
    if isinstance(text, str):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            fail(
                path,
                _(
                    "not valid JSON at line %(line)s, column %(col)s: %(msg)s",
                    line=exc.lineno,
                    col=exc.colno,
                    msg=exc.msg,
                ),
            )
    else:
        data = text
    _keys(data, FILE_KEYS, path, required=("template", "definition"))
    check_meta(data["template"], f"{path}.template")
    check_walk(data.get("walk") or {}, f"{path}.walk")
    meta = data["template"]
    definition = data["definition"]
    if definition.get("model") not in (None, meta["model"]):
        fail(f"{path}.definition.model", _("must be %s like template.model (or left out)", meta["model"]))
    used_params = set()
    used_roles = set()
    _scan(definition, f"{path}.definition", used_params, used_roles)
    declared = {p["key"] for p in meta.get("parameters", [])}
    for key, where in sorted(used_params):
        if key not in declared:
            fail(where, _("{{%s}} is not a parameter of this template (template.parameters)", key))
    roles = {r["key"] for r in meta.get("roles", [])}
    for key, where in sorted(used_roles):
        if key not in roles:
            fail(where, _("role %s is not declared in template.roles", key))
    return data


def check_meta(meta, path):
    _keys(meta, META_KEYS, path, required=META_REQUIRED)
    if not CODE_RE.match(meta["code"]):
        fail(f"{path}.code", _("use 2-48 capitals, digits and underscores, starting with a letter"))
    if meta["category"] not in CATEGORIES:
        fail(
            f"{path}.category",
            _("%(value)r is not one of %(choices)s", value=meta["category"], choices=", ".join(CATEGORIES)),
        )
    if "." not in meta["model"]:
        fail(f"{path}.model", _("expected a model name such as sale.order"))
    for key in ("modules", "tags"):
        for i, item in enumerate(meta.get(key, [])):
            if not isinstance(item, str) or not item:
                fail(f"{path}.{key}[{i}]", _("expected a non-empty text"))
    seen = set()
    for i, role in enumerate(meta.get("roles", [])):
        rpath = f"{path}.roles[{i}]"
        _keys(role, ROLE_KEYS, rpath, required=("key", "name"))
        if not KEY_RE.match(role["key"]):
            fail(f"{rpath}.key", _("use lower-case letters, digits and underscores"))
        if role["key"] in seen:
            fail(f"{rpath}.key", _("duplicate role %s", role["key"]))
        seen.add(role["key"])
        if role.get("default_group") and "." not in role["default_group"]:
            fail(f"{rpath}.default_group", _("expected a group XML id such as base.group_user"))
    seen = set()
    for i, param in enumerate(meta.get("parameters", [])):
        ppath = f"{path}.parameters[{i}]"
        _keys(param, PARAM_KEYS, ppath, required=("key", "name", "type", "default"))
        if not KEY_RE.match(param["key"]):
            fail(f"{ppath}.key", _("use lower-case letters, digits and underscores"))
        if param["key"] in seen:
            fail(f"{ppath}.key", _("duplicate parameter %s", param["key"]))
        seen.add(param["key"])
        if param["type"] not in PARAM_TYPES:
            fail(
                f"{ppath}.type",
                _("%(value)r is not one of %(choices)s", value=param["type"], choices=", ".join(PARAM_TYPES)),
            )
        typed(param, param["default"], f"{ppath}.default")
    if "request_category" in meta:
        rc = meta["request_category"]
        _keys(rc, {"code": str, "name": str}, f"{path}.request_category", required=("code", "name"))
        if not KEY_RE.match(rc["code"]):
            fail(f"{path}.request_category.code", _("use lower-case letters, digits and underscores"))
        if meta["model"] != "workflow.request":
            fail(f"{path}.request_category", _("only templates on workflow.request have a request category"))


def check_walk(walk, path):
    _keys(walk, WALK_KEYS, path)
    for key, values in (walk.get("set") or {}).items():
        if key.count("->") != 1 or not all(key.split("->")):
            fail(f"{path}.set.{key}", _('expected "<from state code>-><to state code>"'))
        if not isinstance(values, dict):
            fail(f"{path}.set.{key}", _("expected an object of field values"))


def typed(param, value, path):
    """The value of a parameter in its type; refuses what does not fit."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        fail(path, _("%s needs a number", param["name"]))
    if value < 0:
        fail(path, _("%s cannot be negative", param["name"]))
    kind = param["type"]
    if kind in ("integer", "days"):
        if value != int(value):
            fail(path, _("%s needs a whole number", param["name"]))
        return int(value)
    if kind == "hours":
        return int(value) if value == int(value) else float(value)
    return float(value)


def _scan(node, path, params, roles):
    if isinstance(node, dict):
        if node.get("type") == "role":
            roles.add((node.get("role"), path))
        if "role" in node and node.get("type") == "create_task":
            roles.add((node["role"], f"{path}.role"))
        for key, value in node.items():
            _scan(value, f"{path}.{key}", params, roles)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _scan(value, f"{path}[{i}]", params, roles)
    elif isinstance(node, str):
        for match in PLACEHOLDER_RE.finditer(node):
            params.add((match.group(1), path))


def literal(value):
    """How a value is written inside a text (a domain): 10000 or 10000.0, as Python writes it."""
    return repr(value)


def substitute(node, values, path="$.definition"):
    """A deep copy of ``node`` with each placeholder replaced by its value.

    A text that is exactly ``"{{key}}"`` becomes the typed value (a number); inside a longer
    text each ``{{key}}`` is replaced by :func:`literal` of the value.
    """
    if isinstance(node, dict):
        return {k: substitute(v, values, f"{path}.{k}") for k, v in node.items()}
    if isinstance(node, list):
        return [substitute(v, values, f"{path}[{i}]") for i, v in enumerate(node)]
    if isinstance(node, str):
        whole = WHOLE_PLACEHOLDER_RE.match(node)
        if whole:
            if whole.group(1) not in values:
                fail(path, _("no value for {{%s}}", whole.group(1)))
            return values[whole.group(1)]

        def repl(match):
            if match.group(1) not in values:
                fail(path, _("no value for {{%s}}", match.group(1)))
            return literal(values[match.group(1)])

        return PLACEHOLDER_RE.sub(repl, node)
    return node


def expand_roles(node, roles, path="$.definition"):
    """Replace role approvers and role task assignees by the people chosen for the role.

    ``roles``: ``{key: {"users": [(id, login), ...], "groups": [id, ...]}}``. An approver
    ``{"type": "role", "role": key}`` becomes one ``{"type": "user", "id": ...}`` per user and
    one ``{"type": "group", "id": ...}`` per group; a ``create_task`` action's ``"role": key``
    becomes ``"user_login"`` of the role's first user.
    """
    if isinstance(node, list):
        out = []
        for i, item in enumerate(node):
            if isinstance(item, dict) and item.get("type") == "role":
                key = item.get("role")
                chosen = roles.get(key)
                if not chosen or not (chosen["users"] or chosen["groups"]):
                    fail(f"{path}[{i}]", _("nobody is chosen for the role %s", key))
                out.extend({"type": "user", "id": uid} for uid, _login in chosen["users"])
                out.extend({"type": "group", "id": gid} for gid in chosen["groups"])
            else:
                out.append(expand_roles(item, roles, f"{path}[{i}]"))
        return out
    if isinstance(node, dict):
        node = {k: expand_roles(v, roles, f"{path}.{k}") for k, v in node.items()}
        if node.get("type") == "create_task" and "role" in node:
            key = node.pop("role")
            chosen = roles.get(key) or {}
            login = (chosen.get("users") or [(None, None)])[0][1] or chosen.get("group_login")
            if not login:
                fail(f"{path}.role", _("nobody is chosen for the role %s", key))
            node["user_login"] = login
        return node
    return node


def build_document(data, code, values, roles):
    """The importer's document for one use of a template: its definition with ``code``, the
    target model, the placeholders replaced by ``values`` and the roles by ``roles``."""
    meta = data["template"]
    doc = copy.deepcopy(data["definition"])
    doc = substitute(doc, values)
    doc = expand_roles(doc, roles)
    doc["code"] = code
    doc["model"] = meta["model"]
    doc.pop("model_name", None)
    doc.setdefault("name", meta["name"])
    doc.setdefault("description", meta["description"])
    return doc


def default_values(meta):
    return {p["key"]: typed(p, p["default"], "$") for p in meta.get("parameters", [])}


def state_summary(data):
    """[(code, name, state_type)] of the definition's states, in their order."""
    states = (data["definition"].get("workflow_config") or {}).get("states") or []
    out = []
    for i, st in enumerate(states):
        if isinstance(st, dict):
            kind = st.get("state_type") or (
                "start" if st.get("is_initial") else "end" if st.get("is_final") else "normal"
            )
            out.append((st.get("sequence", (i + 1) * 10), i, st.get("code"), st.get("name"), kind))
    return [(code, name, kind) for _seq, _i, code, name, kind in sorted(out)]
