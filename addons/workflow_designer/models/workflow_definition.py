"""The designer's server side: load a definition as a graph, check an edited graph with the
definition's own rules, save it in one transaction, the live overlay and the test run."""

import logging
from statistics import median

import psycopg2

from odoo import _, api, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from odoo.addons.workflow_automation.tools.rpc_args import (
    MAX_CODE,
    MAX_COMMENT,
    MAX_NAME,
    as_id,
    as_ids,
    as_text,
    check_records,
)
from odoo.addons.workflow_automation.tools.structure import MAX_STATES, MAX_TRANSITIONS, graph_problems

_logger = logging.getLogger(__name__)

MANAGER = "workflow_automation.group_workflow_manager"
# what the designer edits, per field: its kind (checked on save) and, for records, the model
STATE_FIELDS = {
    "name": ("text", MAX_NAME),
    "code": ("text", MAX_CODE),
    "state_type": ("selection", None),
    "sequence": ("int", None),
    "approval_type": ("selection", None),
    "min_approvers": ("int", None),
    "approver_user_ids": ("many", "res.users"),
    "approver_group_ids": ("many", "res.groups"),
    "approver_field_path": ("text", MAX_NAME),
    "approval_tie_policy": ("selection", None),
    "require_comment_on_rejection": ("bool", None),
    "require_comment_on_approval": ("bool", None),
    "reminder_interval_hours": ("float", None),
    "escalation_user_id": ("one", "res.users"),
    "escalation_group_id": ("one", "res.groups"),
    "on_enter_action_ids": ("many", "ir.actions.server"),
    "on_exit_action_ids": ("many", "ir.actions.server"),
    "timeout_hours": ("float", None),
    "timeout_action": ("selection", None),
    "position_x": ("float", None),
    "position_y": ("float", None),
}
TRANSITION_FIELDS = {
    "name": ("text", MAX_NAME),
    "sequence": ("int", None),
    "trigger_type": ("selection", None),
    "condition_domain": ("text", MAX_COMMENT),
    "action_ids": ("many", "ir.actions.server"),
    "button_label": ("text", MAX_NAME),
    "button_class": ("selection", None),
    "require_comment": ("bool", None),
    "is_visible": ("bool", None),
    "group_ids": ("many", "res.groups"),
}
REQUIRED = {"name", "code"}
MAX_KEY = 64
# a state is slow when its median time is this many times the median over the definition's states
SLOW_FACTOR = 2.0


class DesignerPayloadError(ValidationError):
    """The graph sent by the designer is malformed (a client bug or a hand-made call)."""


class WorkflowHttpTestRun(models.AbstractModel):
    _inherit = "workflow.http"

    @api.model
    def _post(self, url, *args, **kwargs):
        """Inside a designer test run nothing leaves the server: the call is refused before sending."""
        if self.env.context.get("workflow_designer_test_run"):
            raise UserError(_("Not sent during a test run: a call to %s.", url))
        return super()._post(url, *args, **kwargs)


class WorkflowDefinition(models.Model):
    _inherit = "workflow.definition"

    def action_open_designer(self):
        """Open the designer on this definition (form button, kanban card)."""
        check_records(self, "action_open_designer: the workflow definition", single=True)
        return {
            "type": "ir.actions.client",
            "tag": "workflow_designer.designer",
            "name": self.name,
            "params": {"definition_id": self.id},
        }

    # ------------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------------
    def _designer_may_edit(self):
        self.ensure_one()
        return (
            self.env.user.has_group(MANAGER)
            and not self.current_version_id
            and self.check_access_rights("write", raise_exception=False)
        )

    def _designer_check_manager(self):
        if not self.env.user.has_group(MANAGER):
            raise AccessError(_("Only Workflow Managers may change workflows in the designer."))

    def _designer_selections(self):
        State, Transition = self.env["workflow.state"], self.env["workflow.transition"]

        def options(model, fname):
            return model._fields[fname]._description_selection(self.env)

        return {
            "state_type": options(State, "state_type"),
            "approval_type": options(State, "approval_type"),
            "approval_tie_policy": options(State, "approval_tie_policy"),
            "timeout_action": options(State, "timeout_action"),
            "trigger_type": options(Transition, "trigger_type"),
            "button_class": options(Transition, "button_class"),
        }

    @staticmethod
    def _designer_value(record, fname, kind):
        value = record[fname]
        if kind == "many":
            return value.ids
        if kind == "one":
            return value.id
        return value

    @api.model
    def _designer_approver_names(self, state):
        """Who approves, in words, for the node's label: users, groups, the record's field."""
        names = state.approver_user_ids.mapped("name") + state.approver_group_ids.mapped("full_name")
        if state.approver_field_path:
            names.append(_("from %s", state.approver_field_path))
        return names

    def designer_approver_names(self, user_ids, group_ids):
        """The names shown on an approval state after the approvers were changed in the panel."""
        check_records(self, "designer_approver_names: the workflow definition", single=True)
        users = self.env["res.users"].browse(as_ids(user_ids, "user_ids")).exists()
        groups = self.env["res.groups"].browse(as_ids(group_ids, "group_ids")).exists()
        return users.mapped("name") + groups.mapped("full_name")

    # ------------------------------------------------------------------
    # load
    # ------------------------------------------------------------------
    def designer_load(self):
        """The definition as the designer draws it."""
        check_records(self, "designer_load: the workflow definition", single=True)
        self.check_access_rights("read")
        self.check_access_rule("read")
        rec = self.with_context(active_test=False)
        states = []
        for state in rec.state_ids:
            item = {"key": f"s{state.id}", "id": state.id}
            for fname, (kind, _limit) in STATE_FIELDS.items():
                item[fname] = self._designer_value(state, fname, kind)
            item["approver_names"] = self._designer_approver_names(state)
            states.append(item)
        transitions = []
        for tr in rec.transition_ids:
            item = {
                "key": f"t{tr.id}",
                "id": tr.id,
                "from": f"s{tr.from_state_id.id}",
                "to": f"s{tr.to_state_id.id}",
            }
            for fname, (kind, _limit) in TRANSITION_FIELDS.items():
                item[fname] = self._designer_value(tr, fname, kind)
            transitions.append(item)
        return {
            "id": self.id,
            "name": self.name,
            "code": self.code,
            "version": self.version,
            "active": self.active,
            "old_version": bool(self.current_version_id),
            "model": self.model_name,
            "model_label": self.sudo().model_id.name,  # the label only (ir.model is for administrators)
            "running": self.active_instance_count,
            "can_edit": self._designer_may_edit(),
            "states": states,
            "transitions": transitions,
            "selections": self._designer_selections(),
        }

    # ------------------------------------------------------------------
    # payload
    # ------------------------------------------------------------------
    def _designer_parse(self, graph):
        """Check the graph sent by the designer strictly; returns ``(states, transitions)`` as
        lists of dicts with ``key``, ``id`` and ORM values (``from``/``to`` for transitions)."""
        self.ensure_one()

        def fail(message):
            raise DesignerPayloadError(message)

        if not isinstance(graph, dict):
            fail(_("The designer's graph must be an object with states and transitions."))
        unknown = set(graph) - {"states", "transitions"}
        if unknown:
            fail(_("The designer's graph has unknown keys: %s.", ", ".join(sorted(map(str, unknown)))))
        raw_states, raw_transitions = graph.get("states"), graph.get("transitions")
        if not isinstance(raw_states, list) or not isinstance(raw_transitions, list):
            fail(_("The designer's graph must hold a list of states and a list of transitions."))
        if len(raw_states) > MAX_STATES or len(raw_transitions) > MAX_TRANSITIONS:
            fail(
                _(
                    "The designer's graph is too large: at most %(states)s states and %(transitions)s "
                    "transitions.",
                    states=MAX_STATES,
                    transitions=MAX_TRANSITIONS,
                )
            )
        own_states = set(self.state_ids.ids)
        own_transitions = set(self.transition_ids.ids)
        selections = self._designer_selections()

        def parse(item, spec, what, own, extra=()):
            if not isinstance(item, dict):
                fail(_("%s must be an object.", what))
            allowed = set(spec) | {"key", "id"} | set(extra)
            unknown = set(item) - allowed
            if unknown:
                fail(
                    _(
                        "%(what)s has unknown properties: %(keys)s.",
                        what=what,
                        keys=", ".join(sorted(map(str, unknown))),
                    )
                )
            key = item.get("key")
            if not isinstance(key, str) or not key or len(key) > MAX_KEY:
                fail(_("%s needs a key (text of at most 64 characters).", what))
            rid = item.get("id") or False
            if rid:
                as_id(rid, _("%s: id", what))
                if rid not in own:
                    fail(_("%(what)s: record %(id)s is not part of this workflow.", what=what, id=rid))
            vals = {}
            for fname, (kind, extra_arg) in spec.items():
                if fname not in item:
                    if not rid and fname in REQUIRED:
                        fail(_("%(what)s: %(field)s is required.", what=what, field=fname))
                    continue
                value = item[fname]
                label = _("%(what)s: %(field)s", what=what, field=fname)
                if kind == "text":
                    value = as_text(value, label, extra_arg, required=fname in REQUIRED)
                    vals[fname] = value or False
                elif kind == "selection":
                    allowed_values = [v for v, _label in selections[fname]]
                    if value not in allowed_values:
                        fail(
                            _(
                                "%(label)s must be one of %(values)s, not %(value)r.",
                                label=label,
                                values=", ".join(allowed_values),
                                value=value,
                            )
                        )
                    vals[fname] = value
                elif kind == "bool":
                    if not isinstance(value, bool):
                        fail(_("%s must be true or false.", label))
                    vals[fname] = value
                elif kind == "int":
                    if not isinstance(value, int) or isinstance(value, bool):
                        fail(_("%s must be a whole number.", label))
                    vals[fname] = value
                elif kind == "float":
                    if not isinstance(value, (int, float)) or isinstance(value, bool) or value != value:
                        fail(_("%s must be a number.", label))
                    if abs(value) > 1e7:
                        fail(_("%s is out of range.", label))
                    vals[fname] = float(value)
                elif kind == "one":
                    if isinstance(value, dict):
                        value = value.get("id")
                    if value in (False, None):
                        vals[fname] = False
                        continue
                    as_id(value, label)
                    if not self.env[extra_arg].browse(value).exists():
                        fail(_("%(label)s: record %(id)s does not exist.", label=label, id=value))
                    vals[fname] = value
                elif kind == "many":
                    if isinstance(value, list):
                        value = [v.get("id") if isinstance(v, dict) else v for v in value]
                    ids = as_ids(value, label)
                    missing = set(ids) - set(self.env[extra_arg].browse(ids).exists().ids)
                    if missing:
                        fail(
                            _(
                                "%(label)s: records %(ids)s do not exist.",
                                label=label,
                                ids=", ".join(map(str, sorted(missing))),
                            )
                        )
                    vals[fname] = [(6, 0, ids)]
            return {"key": key, "id": rid, "vals": vals}

        states, state_keys, codes = [], {}, {}
        for index, item in enumerate(raw_states):
            state = parse(item, STATE_FIELDS, _("State %s", index + 1), own_states)
            if state["key"] in state_keys:
                fail(_("Two states have the key %s.", state["key"]))
            state_keys[state["key"]] = state
            states.append(state)
        by_id = {s.id: s for s in self.state_ids}
        for state in states:
            code = state["vals"].get("code") or by_id[state["id"]].code
            if code in codes:
                fail(_("Two states have the code %s; a state's code is unique in its workflow.", code))
            codes[code] = state
        transitions, transition_keys = [], set()
        for index, item in enumerate(raw_transitions):
            what = _("Transition %s", index + 1)
            tr = parse(item, TRANSITION_FIELDS, what, own_transitions, extra=("from", "to"))
            if tr["key"] in transition_keys:
                fail(_("Two transitions have the key %s.", tr["key"]))
            transition_keys.add(tr["key"])
            if not tr["id"] and "name" not in tr["vals"]:
                fail(_("%s: name is required.", what))
            for end in ("from", "to"):
                if item.get(end) not in state_keys:
                    fail(_("%(what)s: %(end)s names no state of the graph.", what=what, end=end))
                tr[end] = item[end]
            transitions.append(tr)
        return states, transitions

    def _designer_plain(self, states, transitions):
        """The parsed graph as the plain data of tools/structure.py."""
        by_state = {s.id: s for s in self.state_ids}
        by_tr = {t.id: t for t in self.transition_ids}
        plain_states = [
            {
                "key": s["key"],
                "name": s["vals"].get("name") or by_state[s["id"]].name,
                "state_type": s["vals"].get("state_type")
                or (by_state[s["id"]].state_type if s["id"] else "normal"),
            }
            for s in states
        ]
        plain_transitions = [
            {
                "key": t["key"],
                "name": t["vals"].get("name") or by_tr[t["id"]].name,
                "from": t["from"],
                "to": t["to"],
            }
            for t in transitions
        ]
        return plain_states, plain_transitions

    # ------------------------------------------------------------------
    # validation
    # ------------------------------------------------------------------
    def designer_validate(self, graph):
        """Every problem of an edited (unsaved) graph, with the states and transitions to point
        at: ``[{"message", "states": [keys], "transitions": [keys]}]`` (empty: a valid graph)."""
        check_records(self, "designer_validate: the workflow definition", single=True)
        self.check_access_rights("read")
        self.check_access_rule("read")
        states, transitions = self._designer_parse(graph)
        problems = graph_problems(self.name, *self._designer_plain(states, transitions), first_only=False)
        return [
            {"message": message, "states": state_keys, "transitions": transition_keys}
            for message, state_keys, transition_keys in problems
        ]

    # ------------------------------------------------------------------
    # save
    # ------------------------------------------------------------------
    def designer_save(self, graph):
        """Write the whole graph in one transaction with the caller's rights.

        Returns ``{"ok": True, "graph": <designer_load>}``, or ``{"ok": False, "message",
        "states", "transitions"}`` when the definition refuses it (nothing is stored).  A
        malformed payload or a caller who may not edit workflows gets an error."""
        check_records(self, "designer_save: the workflow definition", single=True)
        self._designer_check_manager()
        self.check_access_rights("write")
        self.check_access_rule("write")
        if self.current_version_id:
            raise UserError(_("This is an old version kept for running instances; it cannot be changed."))
        states, transitions = self._designer_parse(graph)
        problems = (
            graph_problems(self.name, *self._designer_plain(states, transitions)) if self.active else []
        )
        if problems:
            message, state_keys, transition_keys = problems[0]
            return {"ok": False, "message": message, "states": state_keys, "transitions": transition_keys}
        try:
            with self.env.cr.savepoint():
                self._designer_apply(states, transitions)
        except (UserError, ValidationError) as exc:
            self.env.invalidate_all()
            return {"ok": False, "message": exc.args[0], "states": [], "transitions": []}
        except psycopg2.IntegrityError as exc:
            self.env.invalidate_all()
            _logger.info("designer save of workflow %s refused by the database: %s", self.id, exc)
            return {
                "ok": False,
                "message": _(
                    "The database refused the workflow (%s); nothing was saved.", exc.diag.message_primary
                ),
                "states": [],
                "transitions": [],
            }
        return {"ok": True, "graph": self.designer_load()}

    def _designer_apply(self, states, transitions):
        """Apply the parsed graph (inside the caller's savepoint)."""
        self.ensure_one()
        old_states = {s.id: s for s in self.state_ids}
        old_transitions = {t.id: t for t in self.transition_ids}
        from odoo.addons.workflow_automation.models.workflow_definition import LAYOUT_FIELDS

        def changed(record, vals):
            for fname, value in vals.items():
                current = record[fname]
                if isinstance(value, list):  # (6, 0, ids)
                    if set(current.ids) != set(value[0][2]):
                        return True
                elif hasattr(current, "_name"):
                    if current.id != (value or False):
                        return True
                elif fname in ("position_x", "position_y") or isinstance(current, float):
                    if abs((current or 0.0) - (value or 0.0)) > 1e-6:
                        return True
                elif (current or False) != (value or False):
                    return True
            return False

        state_updates = {
            s["id"]: {f: v for f, v in s["vals"].items() if changed(old_states[s["id"]], {f: v})}
            for s in states
            if s["id"]
        }
        tr_updates = {
            t["id"]: {
                **{f: v for f, v in t["vals"].items() if changed(old_transitions[t["id"]], {f: v})},
                **{
                    end_field: None
                    for end, end_field in (("from", "from_state_id"), ("to", "to_state_id"))
                    if t[end] != f"s{old_transitions[t['id']][end_field].id}"
                },
            }
            for t in transitions
            if t["id"]
        }
        kept_states = {s["id"] for s in states if s["id"]}
        kept_transitions = {t["id"] for t in transitions if t["id"]}
        structural = (
            any(not s["id"] for s in states)
            or any(not t["id"] for t in transitions)
            or set(old_states) - kept_states
            or set(old_transitions) - kept_transitions
            or any(set(vals) - LAYOUT_FIELDS for vals in state_updates.values())
            or any(set(vals) - LAYOUT_FIELDS for vals in tr_updates.values())
        )
        if structural:
            # exactly what the form's save does first: running instances keep a frozen copy
            self._before_structure_change({"state_ids"})
        deferred = self.with_context(workflow_structure_defer=True)
        Transition = deferred.env["workflow.transition"]
        State = deferred.env["workflow.state"]
        Transition.browse(sorted(set(old_transitions) - kept_transitions)).unlink()
        State.browse(sorted(set(old_states) - kept_states)).unlink()
        records = {}
        for state in states:
            if state["id"]:
                record = State.browse(state["id"])
                vals = state_updates[state["id"]]
                if vals:
                    record.write(vals)
            else:
                record = State.create(dict(state["vals"], workflow_id=self.id))
            records[state["key"]] = record
        for tr in transitions:
            vals = {f: v for f, v in tr["vals"].items() if not tr["id"] or f in tr_updates[tr["id"]]}
            ends = {"from_state_id": records[tr["from"]].id, "to_state_id": records[tr["to"]].id}
            if tr["id"]:
                record = Transition.browse(tr["id"])
                if any(f in tr_updates[tr["id"]] for f in ends):
                    vals.update(ends)
                if vals:
                    record.write(vals)
            else:
                Transition.create(dict(vals, workflow_id=self.id, **ends))
        self.invalidate_recordset()
        self._check_structure()
        self.env["workflow.hook"]._hook_refresh()
        self.env.flush_all()

    # ------------------------------------------------------------------
    # live overlay
    # ------------------------------------------------------------------
    def designer_overlay(self):
        """Per state: running instances and the median hours spent there, over the instances
        the caller may read (this version and the frozen ones, matched by state code)."""
        check_records(self, "designer_overlay: the workflow definition", single=True)
        self.check_access_rights("read")
        self.check_access_rule("read")
        versions = self.with_context(active_test=False)
        versions = versions | versions.old_version_ids
        Instance = self.env["workflow.instance"]
        self.env.flush_all()  # the figures come from SQL
        readable = Instance._search([("workflow_id", "in", versions.ids)])
        self.env.cr.execute(
            SQL(
                """SELECT s.code, count(*) FROM workflow_instance i
                     JOIN workflow_state s ON s.id = i.current_state_id
                    WHERE i.status = 'active' AND i.id IN %s
                 GROUP BY s.code""",
                readable.subselect(),
            )
        )
        running = dict(self.env.cr.fetchall())
        self.env.cr.execute(
            SQL(
                """SELECT s.code,
                          percentile_cont(0.5) WITHIN GROUP (ORDER BY h.duration_seconds),
                          count(*)
                     FROM workflow_history h
                     JOIN workflow_state s ON s.id = h.from_state_id
                    WHERE h.duration_seconds IS NOT NULL AND h.instance_id IN %s
                 GROUP BY s.code""",
                readable.subselect(),
            )
        )
        medians = {code: (seconds / 3600.0, count) for code, seconds, count in self.env.cr.fetchall()}
        typical = median([hours for hours, _count in medians.values()]) if medians else 0.0
        result = {}
        for state in self.state_ids:
            hours, passed = medians.get(state.code, (None, 0))
            slow = bool(
                hours is not None
                and (
                    (state.timeout_hours and hours > state.timeout_hours)
                    or (len(medians) > 1 and typical and hours > SLOW_FACTOR * typical)
                )
            )
            result[f"s{state.id}"] = {
                "running": running.get(state.code, 0),
                "median_hours": hours,
                "passed": passed,
                "slow": slow,
            }
        return {"states": result, "typical_hours": typical}

    # ------------------------------------------------------------------
    # test run
    # ------------------------------------------------------------------
    def designer_test_run(self, record_id, steps=None):
        """Run the saved workflow on a record inside a savepoint that is always rolled back.

        ``steps``: the transitions to fire in order, after the start.  Returns what happened at
        each step (state entered, actions that ran, approvers asked) and what is possible now
        (each outgoing transition, whether its condition holds, who may fire it)."""
        check_records(self, "designer_test_run: the workflow definition", single=True)
        self._designer_check_manager()
        as_id(record_id, "designer_test_run: record_id")
        steps = as_ids(steps or [], "designer_test_run: steps")
        if len(steps) > 200:
            raise ValidationError(_("designer_test_run: at most 200 steps."))
        if self.model_name not in self.env:
            raise UserError(_("The target model of %s is not installed.", self.name))
        record = self.env[self.model_name].browse(record_id).exists()
        if not record:
            raise UserError(_("The record to test on does not exist."))
        record.check_access_rights("read")
        record.check_access_rule("read")
        cr = self.env.cr
        cr.flush()
        postcommit = (list(cr.postcommit._funcs), dict(cr.postcommit.data))
        precommit = (list(cr.precommit._funcs), dict(cr.precommit.data))
        savepoint = cr.savepoint()
        try:
            return self.with_context(
                workflow_designer_test_run=True, mail_notify_force_send=False
            )._designer_test_steps(record, steps)
        finally:
            # never kept: the rows (instances, history, approval requests, mails, bus messages,
            # outbox) go with the savepoint; the callbacks that would send after commit go too
            savepoint.close(rollback=True)
            cr.clear()
            self.env.invalidate_all()
            for callbacks, (funcs, data) in ((cr.postcommit, postcommit), (cr.precommit, precommit)):
                callbacks._funcs.clear()
                callbacks._funcs.extend(funcs)
                callbacks.data.clear()
                callbacks.data.update(data)

    def _designer_test_steps(self, record, steps):
        definition = self.sudo()
        if not definition.active:
            raise UserError(_("Activate the workflow to test it."))
        # the test may run on a record the workflow already runs on
        definition.allow_parallel = True
        Instance = self.env["workflow.instance"]
        log = []
        mail_before = self._designer_max_id("mail_mail")

        def actions_of(*action_sets):
            names = []
            for actions in action_sets:
                names += actions.sudo().mapped("name")
            return names

        def approvers_of(inst, state):
            if state.state_type != "approval":
                return []
            return [
                [user.name for user, _group in level]
                for level in inst._approval_levels(state, inst._get_record())
            ]

        try:
            inst = Instance._start(definition, record)
        except (UserError, ValidationError, AccessError) as exc:
            return {"steps": [], "error": exc.args[0], "state": False, "transitions": []}
        if not inst:
            return {"steps": [], "error": _("The workflow did not start."), "state": False, "transitions": []}
        initial = definition.get_initial_state()
        log.append(
            {
                "transition": False,
                "state": f"s{initial.id}",
                "state_name": initial.name,
                "actions": actions_of(initial.on_enter_action_ids),
                "approvers": approvers_of(inst, initial),
            }
        )
        error = False
        seen = {"last": 0}  # automatic moves made by the start are shown too

        def log_moves(requested=None):
            # what the history says happened since the last look (a step, then automatic ones)
            lines = inst.history_ids.filtered(lambda h: h.id > seen["last"] and h.transition_id).sorted("id")
            for line in lines:
                log.append(
                    {
                        "transition": line.transition_id.name,
                        "automatic": line.transition_id.id != requested,
                        "state": f"s{line.to_state_id.id}",
                        "state_name": line.to_state_id.name,
                        "actions": actions_of(
                            line.from_state_id.on_exit_action_ids,
                            line.transition_id.action_ids,
                            line.to_state_id.on_enter_action_ids,
                        ),
                        "approvers": approvers_of(inst, line.to_state_id),
                    }
                )
            seen["last"] = max(inst.history_ids.ids or [0])

        log_moves()
        for tid in steps:
            transition = self.env["workflow.transition"].sudo().browse(tid).exists()
            if not transition or transition.workflow_id != definition:
                error = _("Transition %s is not part of this workflow.", tid)
                break
            try:
                inst._check_can_fire(transition, _("Test run"), by_user=False)
                with self.env.cr.savepoint():
                    inst._apply_transition(transition, inst._get_record(), _("Test run"))
                inst._run_condition_transitions()
            except Exception as exc:  # shown in the designer, always rolled back
                error = _(
                    "%(tr)s could not be done: %(err)s",
                    tr=transition.name,
                    err=exc.args[0] if exc.args else exc,
                )
                break
            finally:
                inst.invalidate_recordset()
            log_moves(transition.id)
        state = inst.current_state_id
        record = inst._get_record()
        options = []
        if inst.status == "active":
            for tr in state.outgoing_transition_ids.sorted(lambda t: (t.sequence, t.id)):
                options.append(
                    {
                        "id": tr.id,
                        "key": f"t{tr.id}",
                        "name": tr._label(),
                        "trigger_type": tr.trigger_type,
                        "condition": tr.condition_domain
                        if tr.condition_domain not in (False, "[]")
                        else False,
                        "condition_holds": tr._check_record(record),
                        "you_may_fire": tr._user_may_fire(self.env.user),
                        "to": tr.to_state_id.name,
                        "actions": actions_of(
                            state.on_exit_action_ids, tr.action_ids, tr.to_state_id.on_enter_action_ids
                        ),
                    }
                )
        requests = self.env["approval.request"].sudo().search([("instance_id", "=", inst.id)])
        return {
            "record": record.display_name,
            "steps": log,
            "error": error or (inst.error_message if inst.status == "error" else False),
            "state": f"s{state.id}",
            "state_name": state.name,
            "status": dict(inst._fields["status"]._description_selection(self.env))[inst.status],
            "transitions": options,
            "approval_requests": len(requests),
            "emails_prepared": self._designer_max_id("mail_mail") - mail_before,
        }

    def _designer_max_id(self, table):
        self.env.flush_all()
        self.env.cr.execute(SQL("SELECT COALESCE(max(id), 0) FROM %s", SQL.identifier(table)))
        return self.env.cr.fetchone()[0]
