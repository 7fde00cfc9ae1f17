/** @odoo-module **/
/**
 * The designer's graph without any drawing: what is edited, the undo/redo stack, the payload
 * sent to the server.  Kept apart from the canvas so the JS tests can check it directly.
 */

export const STATE_FIELDS = [
    "name",
    "code",
    "state_type",
    "sequence",
    "approval_type",
    "min_approvers",
    "approver_user_ids",
    "approver_group_ids",
    "approver_field_path",
    "approval_tie_policy",
    "require_comment_on_rejection",
    "require_comment_on_approval",
    "reminder_interval_hours",
    "escalation_user_id",
    "escalation_group_id",
    "on_enter_action_ids",
    "on_exit_action_ids",
    "timeout_hours",
    "timeout_action",
    "position_x",
    "position_y",
];
export const TRANSITION_FIELDS = [
    "name",
    "sequence",
    "trigger_type",
    "condition_domain",
    "action_ids",
    "button_label",
    "button_class",
    "require_comment",
    "is_visible",
    "group_ids",
];

const STATE_DEFAULTS = {
    state_type: "normal",
    sequence: 10,
    approval_type: "any",
    min_approvers: 1,
    approver_user_ids: [],
    approver_group_ids: [],
    approver_field_path: false,
    approval_tie_policy: "reject",
    require_comment_on_rejection: true,
    require_comment_on_approval: false,
    reminder_interval_hours: 0,
    escalation_user_id: false,
    escalation_group_id: false,
    on_enter_action_ids: [],
    on_exit_action_ids: [],
    timeout_hours: 0,
    timeout_action: "transition",
    position_x: 0,
    position_y: 0,
    approver_names: [],
};
const TRANSITION_DEFAULTS = {
    sequence: 10,
    trigger_type: "user_action",
    condition_domain: "[]",
    action_ids: [],
    button_label: false,
    button_class: "btn-primary",
    require_comment: false,
    is_visible: true,
    group_ids: [],
};

let counter = 0;
export function newKey(prefix) {
    counter += 1;
    return `${prefix}${Date.now().toString(36)}${counter}`;
}

/** A code for a new state: the name in lower case letters, digits and underscores, unique. */
export function stateCode(name, graph) {
    const base =
        (name || "state")
            .normalize("NFD")
            .replace(/[\u0300-\u036f]/g, "")
            .toLowerCase()
            .replace(/[^a-z0-9]+/g, "_")
            .replace(/^_+|_+$/g, "")
            .slice(0, 50) || "state";
    const taken = new Set(graph.states.map((s) => s.code));
    let code = base;
    let n = 2;
    while (taken.has(code)) {
        code = `${base}_${n++}`;
    }
    return code;
}

export function cloneGraph(graph) {
    return JSON.parse(JSON.stringify({ states: graph.states, transitions: graph.transitions }));
}

export function makeState(graph, { name, state_type, x = 0, y = 0 }) {
    return {
        ...JSON.parse(JSON.stringify(STATE_DEFAULTS)),
        key: newKey("n"),
        id: false,
        name,
        code: stateCode(name, graph),
        state_type: state_type || "normal",
        sequence: (Math.max(0, ...graph.states.map((s) => s.sequence || 0)) || 0) + 1,
        position_x: x,
        position_y: y,
    };
}

export function makeTransition(graph, from, to, name) {
    return {
        ...JSON.parse(JSON.stringify(TRANSITION_DEFAULTS)),
        key: newKey("e"),
        id: false,
        from,
        to,
        name,
        sequence: (Math.max(0, ...graph.transitions.map((t) => t.sequence || 0)) || 0) + 1,
    };
}

/** A copy of a state (its settings, not its transitions), placed next to it. */
export function copyState(graph, state, copyLabel) {
    const copy = JSON.parse(JSON.stringify(state));
    copy.key = newKey("n");
    copy.id = false;
    copy.name = copyLabel;
    copy.code = stateCode(copy.name, graph);
    copy.position_x = (state.position_x || 0) + 60;
    copy.position_y = (state.position_y || 0) + 60;
    if (copy.state_type === "start") {
        copy.state_type = "normal"; // one start state
    }
    return copy;
}

/** Remove states and transitions by key; transitions of a removed state go with it. */
export function removeItems(graph, stateKeys, transitionKeys) {
    const states = new Set(stateKeys);
    const transitions = new Set(transitionKeys);
    graph.states = graph.states.filter((s) => !states.has(s.key));
    graph.transitions = graph.transitions.filter(
        (t) => !transitions.has(t.key) && !states.has(t.from) && !states.has(t.to)
    );
}

/** What designer_save / designer_validate receive: known fields only. */
export function toPayload(graph) {
    const pick = (item, fields, extra) => {
        const out = { key: item.key, id: item.id || false };
        for (const f of [...fields, ...extra]) {
            if (f in item) {
                out[f] = item[f];
            }
        }
        return out;
    };
    return {
        states: graph.states.map((s) => pick(s, STATE_FIELDS, [])),
        transitions: graph.transitions.map((t) => pick(t, TRANSITION_FIELDS, ["from", "to"])),
    };
}

/** Snapshot undo/redo: each entry is the graph before a change. */
export class UndoStack {
    constructor(limit = 100) {
        this.limit = limit;
        this.past = [];
        this.future = [];
    }
    record(graph) {
        this.past.push(cloneGraph(graph));
        if (this.past.length > this.limit) {
            this.past.shift();
        }
        this.future = [];
    }
    get canUndo() {
        return this.past.length > 0;
    }
    get canRedo() {
        return this.future.length > 0;
    }
    undo(graph) {
        if (!this.canUndo) {
            return null;
        }
        this.future.push(cloneGraph(graph));
        return this.past.pop();
    }
    redo(graph) {
        if (!this.canRedo) {
            return null;
        }
        this.past.push(cloneGraph(graph));
        return this.future.pop();
    }
    clear() {
        this.past = [];
        this.future = [];
    }
}

/** Problems returned by the server, as sets of keys to highlight. */
export function problemKeys(problems) {
    const states = new Set();
    const transitions = new Set();
    for (const p of problems || []) {
        (p.states || []).forEach((k) => states.add(k));
        (p.transitions || []).forEach((k) => transitions.add(k));
    }
    return { states, transitions };
}

/** True when no state has a position yet (imported JSON or BPMN, templates): lay it out. */
export function needsLayout(graph) {
    return graph.states.length > 0 && graph.states.every((s) => !s.position_x && !s.position_y);
}
