"""Shared setup and the walk harness of the template tests (docs/templates_format.md, "walk")."""

import contextlib
import re
from collections import deque
from datetime import timedelta

from odoo import fields
from odoo.tests import TransactionCase, new_test_user

DATE_RE = re.compile(r"^(today|next_monday|now)([+-]\d+)?(h)?$")


def resolve(env, value):
    """Walk values to create/write values: ``"ref:module.xmlid"`` → id, ``"today+3"`` /
    ``"next_monday+14"`` → a date, ``"now+2h"`` → a datetime, ``{"_create": model, ...}`` → the
    id of a record created with the other keys; lists and objects are resolved inside."""
    if isinstance(value, str):
        if value.startswith("ref:"):
            return env.ref(value[4:]).id
        match = DATE_RE.match(value)
        if match:
            base, offset, hours = match.group(1), int(match.group(2) or 0), match.group(3)
            if base == "now":
                now = fields.Datetime.now().replace(microsecond=0)
                return fields.Datetime.to_string(
                    now + (timedelta(hours=offset) if hours else timedelta(days=offset))
                )
            today = fields.Date.today()
            if base == "next_monday":
                today += timedelta(days=7 - today.weekday())
            return fields.Date.to_string(today + timedelta(days=offset))
        return value
    if isinstance(value, dict):
        if "_create" in value:
            vals = {k: resolve(env, v) for k, v in value.items() if k != "_create"}
            return env[value["_create"]].create(vals).id
        return {k: resolve(env, v) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(env, v) for v in value]
    return value


def walk_paths(definition):
    """Paths (lists of transitions) from the initial state: one to each final state (shortest),
    then one through each state no earlier path visited, deepest first (shortest to it, then
    shortest to any end)."""
    initial = definition.state_ids.filtered("is_initial")
    out = {}
    for tr in definition.transition_ids.sorted(lambda t: (t.sequence, t.id)):
        out.setdefault(tr.from_state_id.id, []).append(tr)

    def bfs(start, goal):
        prev = {start.id: None}
        queue = deque([start.id])
        while queue:
            sid = queue.popleft()
            if goal(sid):
                path = []
                while prev[sid] is not None:
                    tr = prev[sid]
                    path.append(tr)
                    sid = tr.from_state_id.id
                return list(reversed(path))
            for tr in out.get(sid, []):
                if tr.to_state_id.id not in prev:
                    prev[tr.to_state_id.id] = tr
                    queue.append(tr.to_state_id.id)
        return None

    finals = definition.state_ids.filtered("is_final")
    paths = []
    for final in finals.sorted(lambda s: (s.sequence, s.id)):
        path = bfs(initial, lambda sid, f=final: sid == f.id)
        if path is not None:
            paths.append(path)
    visited = {initial.id} | {tr.to_state_id.id for path in paths for tr in path}
    heads = {}
    for state in definition.state_ids:
        head = bfs(initial, lambda sid, s=state: sid == s.id)
        if head is not None:
            heads[state] = head
    # deepest first: a path to a deep state visits the shallower ones on its way
    for state in sorted(heads, key=lambda s: (-len(heads[s]), s.sequence, s.id)):
        if state.id in visited:
            continue
        head = heads[state]
        tail = bfs(state, lambda sid: sid in finals.ids)
        if tail is not None:
            paths.append(head + tail)
            visited |= {tr.to_state_id.id for tr in head + tail}
    return paths


class TemplateCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # no tracking, no activity e-mails: the tests look at states, approvals and activities
        cls.env = cls.env(
            context=dict(
                cls.env.context,
                tracking_disable=True,
                mail_create_nolog=True,
                mail_activity_quick_update=True,
            )
        )
        cls.Template = cls.env["workflow.template"].with_context(active_test=False)
        cls.admin = cls.env.ref("base.user_admin")
        cls.manager = new_test_user(
            cls.env,
            login="tpl_manager",
            groups="base.group_user,workflow_automation.group_workflow_manager",
            name="Tanvir Manager",
        )
        cls.employee = new_test_user(
            cls.env, login="tpl_employee", groups="base.group_user", name="Eva Employee"
        )

    def template(self, code):
        template = self.Template.search([("code", "=", code)])
        self.assertTrue(template, f"template {code} is not loaded")
        return template

    @contextlib.contextmanager
    def rolled_back(self):
        """Undo everything done inside (a template used, records walked) before the next one."""
        with contextlib.closing(self.env.cr.savepoint()):
            try:
                yield
            finally:
                self.env.invalidate_all()
        self.env.invalidate_all()
        self.env["workflow.hook"]._hook_refresh()

    # ------------------------------------------------------------------
    # the walk
    # ------------------------------------------------------------------
    def role_users(self, template):
        """One internal user per role, in the role's default group if it has one (shared by the
        templates whose roles have the same key and group)."""
        cache = type(self).__dict__.get("_walk_users")
        if cache is None:
            cache = type(self)._walk_users = {}
        users = {}
        for role in template.roles or []:
            key = (role["key"], role.get("default_group") or "")
            if key not in cache:
                groups = "base.group_user"
                if role.get("default_group"):
                    groups += "," + role["default_group"]
                cache[key] = new_test_user(
                    self.env,
                    login=f"walk_{role['key']}_{len(cache)}",
                    groups=groups,
                    name=f"{role['name']} (walk)",
                )
            users[role["key"]] = cache[key]
        return users

    def use_for_walk(self, template, users=None):
        users = users or self.role_users(template)
        roles = {key: {"users": user} for key, user in users.items()}
        definition = template.with_user(self.admin)._instantiate({}, roles)
        definition.action_activate()
        return definition

    def walk_template(self, template, users=None):
        """Walk every path of the template's workflow on a fresh record each; returns the
        number of paths walked. Fails with the template, the path and the step that broke."""
        definition = self.use_for_walk(template, users)
        paths = walk_paths(definition)
        self.assertTrue(paths, f"{template.code}: no path from the initial state to a final state")
        for path in paths:
            self.walk_path(template, definition, path)
        return len(paths)

    def walk_path(self, template, definition, path):
        walk = template.walk or {}
        sets = walk.get("set") or {}
        env = self.env
        Model = env[definition.model_name]
        route = " → ".join([path[0].from_state_id.code] + [tr.to_state_id.code for tr in path])
        where = f"{template.code} ({template.file_path}), path {route}"

        def set_values(tr):
            key = f"{tr.from_state_id.code}->{tr.to_state_id.code}"
            return sets.get(key) if tr.trigger_type == "condition" else None

        vals = resolve(env, walk.get("record") or {})
        if template.request_category_code and "category_id" not in vals:
            vals["category_id"] = (
                env["workflow.request.category"]
                ._ensure(template.request_category_code, template.request_category_name)
                .id
            )
        record = Model.create(vals)
        Instance = env["workflow.instance"]
        instance = Instance.search(
            [
                ("workflow_id", "=", definition.id),
                ("record_id", "=", record.id),
                ("model_name", "=", Model._name),
            ]
        )
        if not instance:
            if set_values(path[0]):
                record.write(resolve(env, set_values(path[0])))
            instance = Instance.browse(definition.start([record.id]))
        self.assertEqual(len(instance), 1, f"{where}: the workflow did not start")
        index = 0
        while index < len(path):
            tr = path[index]
            instance.invalidate_recordset()
            self.assertEqual(
                instance.status,
                "active",
                f"{where}: stopped at {instance.current_state_id.code}: "
                f"{instance.status} {instance.error_message or ''}",
            )
            ahead_of = [
                j for j in range(index, len(path)) if path[j].to_state_id == instance.current_state_id
            ]
            if ahead_of:
                index = ahead_of[-1] + 1  # automatic transitions already took it there
                continue
            self.assertEqual(
                instance.current_state_id.code,
                tr.from_state_id.code,
                f"{where}: expected to be in {tr.from_state_id.code} before {tr.name!r}, "
                f"is in {instance.current_state_id.code}",
            )
            following = path[index + 1] if index + 1 < len(path) else None
            ahead = (set_values(following) if following else None) or {}
            own = set_values(tr) or {}
            if tr.trigger_type == "condition":
                # the next condition's values go in with this one's (this one's win): the next
                # state's conditions are checked as soon as it is entered
                self.walk_step(instance, record, tr, {**ahead, **own}, where)
            else:
                if ahead:
                    record.write(resolve(env, ahead))
                    instance.invalidate_recordset()
                if instance.current_state_id == tr.from_state_id:
                    self.walk_step(instance, record, tr, None, where)
            instance.invalidate_recordset()
            reached = [j for j in range(index, len(path)) if path[j].to_state_id == instance.current_state_id]
            self.assertTrue(
                reached,
                f"{where}: {tr.name!r} ({tr.trigger_type}) did not lead to {tr.to_state_id.code}; "
                f"in {instance.current_state_id.code}, {instance.status} {instance.error_message or ''}",
            )
            index = reached[-1] + 1
        final = path[-1].to_state_id
        self.assertTrue(final.is_final, where)
        self.assertEqual(instance.status, "completed", f"{where}: reached {final.code} but not completed")

    def walk_step(self, instance, record, tr, values, where):
        kind = tr.trigger_type
        if kind == "user_action":
            actor = self.admin
            if tr.group_ids - actor.groups_id:
                actor.sudo().groups_id = [(4, g.id) for g in tr.group_ids]
            instance.with_user(actor).fire(tr.id, comment="Walked by the template test")
        elif kind == "condition":
            if values:
                record.write(resolve(self.env, values))
            instance._run_condition_transitions()
        elif kind == "timeout":
            instance.sudo().write({"state_due_at": fields.Datetime.now() - timedelta(minutes=1)})
            self.env["workflow.instance"]._job_timeouts()
        elif kind in ("approval", "rejection"):
            self.decide(instance, tr, "approve" if kind == "approval" else "reject", where)
        else:
            self.fail(f"{where}: unknown transition type {kind}")

    def decide(self, instance, tr, decision, where):
        Request = self.env["approval.request"]
        for _round in range(30):
            instance.invalidate_recordset()
            if instance.current_state_id != tr.from_state_id:
                return
            request = Request.search(
                [
                    ("instance_id", "=", instance.id),
                    ("state_id", "=", tr.from_state_id.id),
                    ("status", "=", "pending"),
                ],
                limit=1,
            )
            self.assertTrue(request, f"{where}: no pending approval in {tr.from_state_id.code}")
            pending = request.assignment_ids.filtered(lambda a: a.status == "pending")
            self.assertTrue(pending, f"{where}: nobody may decide in {tr.from_state_id.code}")
            approver = pending[0].delegated_to or pending[0].approver_id
            mine = request.with_user(approver)
            if decision == "approve":
                mine.approve(comment="Approved by the template test")
            else:
                mine.reject(comment="Rejected by the template test")
        self.fail(f"{where}: {tr.from_state_id.code} was still undecided after 30 decisions")
