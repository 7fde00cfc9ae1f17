/** @odoo-module **/
import { Component, onMounted, onWillStart, onWillUnmount, useRef, useState } from "@odoo/owl";
import { loadBundle } from "@web/core/assets";
import { DomainSelector } from "@web/core/domain_selector/domain_selector";
import { _t } from "@web/core/l10n/translation";
import { MultiRecordSelector } from "@web/core/record_selectors/multi_record_selector";
import { RecordSelector } from "@web/core/record_selectors/record_selector";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { debounce } from "@web/core/utils/timing";
import {
    UndoStack,
    cloneGraph,
    copyState,
    makeState,
    makeTransition,
    needsLayout,
    problemKeys,
    removeItems,
    toPayload,
} from "./graph_model";

export const LIB_BUNDLE = "workflow_designer.cytoscape_lib";

const TYPE_STYLE = {
    start: { shape: "ellipse", color: "#2e7d32" },
    normal: { shape: "round-rectangle", color: "#1565c0" },
    approval: { shape: "diamond", color: "#ef6c00" },
    end: { shape: "ellipse", color: "#424242" },
    error: { shape: "octagon", color: "#c62828" },
};
const TRIGGER_STYLE = {
    user_action: { color: "#546e7a", style: "solid" },
    condition: { color: "#6a1b9a", style: "dashed" },
    timeout: { color: "#ef6c00", style: "dotted" },
    approval: { color: "#2e7d32", style: "solid" },
    rejection: { color: "#c62828", style: "solid" },
};

export function cyStyle() {
    const style = [
        {
            selector: "node",
            style: {
                label: "data(label)",
                "text-wrap": "wrap",
                "text-max-width": 150,
                "text-valign": "center",
                "text-halign": "center",
                "font-size": 11,
                color: "#fff",
                width: 170,
                height: 60,
                "border-width": 2,
                "border-color": "#fff",
            },
        },
        {
            selector: "edge",
            style: {
                label: "data(label)",
                "curve-style": "bezier",
                "target-arrow-shape": "triangle",
                width: 2,
                "font-size": 10,
                "text-background-color": "#fff",
                "text-background-opacity": 0.9,
                "text-background-padding": 2,
            },
        },
        { selector: "node:selected", style: { "border-color": "#ffd54f", "border-width": 5 } },
        { selector: "edge:selected", style: { width: 4, "line-color": "#ffb300", "target-arrow-color": "#ffb300" } },
        { selector: ".o_problem", style: { "border-color": "#d50000", "border-width": 6, "border-style": "dashed" } },
        { selector: "edge.o_problem", style: { "line-color": "#d50000", "target-arrow-color": "#d50000", width: 4 } },
        { selector: ".o_slow", style: { "background-blacken": 0.1, "border-color": "#ff1744", "border-width": 6 } },
        { selector: ".o_current", style: { "border-color": "#00e5ff", "border-width": 7 } },
        { selector: "edge.o_possible", style: { width: 5, "line-color": "#00bfa5", "target-arrow-color": "#00bfa5" } },
        { selector: ".eh-handle", style: { "background-color": "#ffb300", width: 12, height: 12, shape: "ellipse" } },
        { selector: ".eh-ghost-edge", style: { "line-color": "#ffb300", "target-arrow-color": "#ffb300" } },
        { selector: ".eh-hover", style: { "border-color": "#ffb300", "border-width": 5 } },
    ];
    for (const [type, s] of Object.entries(TYPE_STYLE)) {
        style.push({ selector: `node.t_${type}`, style: { shape: s.shape, "background-color": s.color } });
    }
    style.push({ selector: "node.t_approval", style: { width: 240, height: 110, "text-max-width": 140 } });
    for (const [trigger, s] of Object.entries(TRIGGER_STYLE)) {
        style.push({
            selector: `edge.g_${trigger}`,
            style: { "line-color": s.color, "target-arrow-color": s.color, "line-style": s.style },
        });
    }
    return style;
}

export function selectionLabel(selections, field, value) {
    const found = (selections[field] || []).find(([v]) => v === value);
    return found ? found[1] : "";
}

export function nodeLabel(state, selections, overlay) {
    const lines = [state.name];
    if (state.state_type === "approval") {
        lines.push(selectionLabel(selections, "approval_type", state.approval_type));
        const names = state.approver_names || [];
        if (names.length) {
            lines.push(names.slice(0, 3).join(", ") + (names.length > 3 ? " …" : ""));
        } else {
            lines.push(_t("no approvers yet"));
        }
    }
    const figures = overlay && overlay.states[state.key];
    if (figures) {
        const median = figures.median_hours === null ? "–" : `${figures.median_hours.toFixed(1)} h`;
        lines.push(_t("%(running)s running · median %(median)s", { running: figures.running, median }));
    }
    return lines.join("\n");
}

let extensionsRegistered = false;
function registerExtensions(cytoscape) {
    // once per page: cytoscape refuses a second registration of the same extension
    // (the extensions' browser builds register themselves when cytoscape is already there)
    if (!extensionsRegistered) {
        if (!cytoscape("layout", "dagre")) {
            cytoscape.use(window.cytoscapeDagre);
        }
        if (!cytoscape("core", "edgehandles")) {
            cytoscape.use(window.cytoscapeEdgehandles);
        }
        extensionsRegistered = true;
    }
}

export class WorkflowDesigner extends Component {
    static template = "workflow_designer.Designer";
    static components = { DomainSelector, MultiRecordSelector, RecordSelector };
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.notification = useService("notification");
        this.actionService = useService("action");
        this.canvasRef = useRef("canvas");
        this.navRef = useRef("navigator");
        this.rootRef = useRef("root");
        this.undoStack = new UndoStack();
        this.state = useState({
            loading: true,
            definitions: [],
            info: null,
            graph: { states: [], transitions: [] },
            selected: null, // {kind: "state"|"transition", key}
            problems: [],
            saveError: null,
            dirty: false,
            drawMode: false,
            overlay: null,
            testRun: null, // {recordId, steps, result}
            saving: false,
            undoCount: 0,
            redoCount: 0,
        });
        this.validateSoon = debounce(() => this.validate(), 250);
        this.refreshNavigatorSoon = debounce(() => this.refreshNavigator(), 150);
        onWillStart(async () => {
            await loadBundle(LIB_BUNDLE);
            const params = this.props.action?.params || {};
            const definitionId = params.definition_id || this.props.action?.context?.active_id;
            if (definitionId) {
                await this.load(definitionId);
            } else {
                this.state.definitions = await this.orm.searchRead(
                    "workflow.definition",
                    [["current_version_id", "=", false]],
                    ["name", "model_id", "version", "active_instance_count", "state_count"]
                );
            }
            this.state.loading = false;
        });
        onMounted(() => {
            if (this.state.info) {
                this.initCanvas();
            }
        });
        onWillUnmount(() => {
            this.cy?.destroy();
            this.nav?.destroy();
        });
    }

    // ------------------------------------------------------------------
    // data
    // ------------------------------------------------------------------
    get readonly() {
        return !this.state.info?.can_edit;
    }

    get selections() {
        return this.state.info?.selections || {};
    }

    get selectedState() {
        const sel = this.state.selected;
        return sel?.kind === "state" ? this.state.graph.states.find((s) => s.key === sel.key) : null;
    }

    get selectedTransition() {
        const sel = this.state.selected;
        return sel?.kind === "transition" ? this.state.graph.transitions.find((t) => t.key === sel.key) : null;
    }

    selectionLabel(selections, field, value) {
        return selectionLabel(selections, field, value);
    }

    stateName(key) {
        return this.state.graph.states.find((s) => s.key === key)?.name || "";
    }

    async load(definitionId) {
        const data = await this.orm.call("workflow.definition", "designer_load", [[definitionId]]);
        this.applyLoaded(data);
    }

    applyLoaded(data) {
        const { states, transitions, ...info } = data;
        this.state.info = info;
        this.state.graph = { states, transitions };
        this.state.dirty = false;
        this.state.problems = [];
        this.state.saveError = null;
        this.undoStack.clear();
        this.syncUndo();
    }

    async openDefinition(definition) {
        this.state.loading = true;
        await this.load(definition.id);
        this.state.loading = false;
        // the canvas element appears with the next render
        await new Promise((resolve) => requestAnimationFrame(resolve));
        this.initCanvas();
    }

    /** Record the graph before a change (undo), then mark it changed and check it again. */
    change(fn) {
        if (this.readonly) {
            return;
        }
        this.undoStack.record(this.state.graph);
        fn(this.state.graph);
        this.afterChange();
    }

    afterChange() {
        this.state.dirty = true;
        this.state.saveError = null;
        this.syncUndo();
        this.syncCanvas();
        this.validateSoon();
    }

    syncUndo() {
        this.state.undoCount = this.undoStack.past.length;
        this.state.redoCount = this.undoStack.future.length;
    }

    undo() {
        const previous = this.undoStack.undo(this.state.graph);
        if (previous) {
            Object.assign(this.state.graph, previous);
            this.afterChange();
        }
    }

    redo() {
        const next = this.undoStack.redo(this.state.graph);
        if (next) {
            Object.assign(this.state.graph, next);
            this.afterChange();
        }
    }

    // ------------------------------------------------------------------
    // canvas
    // ------------------------------------------------------------------
    initCanvas() {
        const cytoscape = window.cytoscape;
        registerExtensions(cytoscape);
        this.cy?.destroy();
        this.cy = cytoscape({
            container: this.canvasRef.el,
            style: cyStyle(),
            minZoom: 0.1,
            maxZoom: 3,
            autoungrabify: this.readonly,
            boxSelectionEnabled: true,
        });
        this.syncCanvas();
        if (needsLayout(this.state.graph)) {
            this.tidy(false);
        } else {
            this.fit();
        }
        this.cy.on("tap", "node", (ev) => this.select("state", ev.target.id()));
        this.cy.on("tap", "edge", (ev) => this.select("transition", ev.target.id()));
        this.cy.on("tap", (ev) => {
            if (ev.target === this.cy) {
                this.state.selected = null;
            }
        });
        this.cy.on("dragfree", "node", (ev) => this.onMoved(ev.target));
        this.cy.on("viewport resize", () => this.drawViewport());
        if (!this.readonly && this.cy.edgehandles) {
            this.eh = this.cy.edgehandles({
                canConnect: (source, target) => !source.same(target) && !source.hasClass("t_end"),
                edgeParams: () => ({ data: {} }),
                hoverDelay: 80,
                snap: true,
            });
            this.cy.on("ehcomplete", (ev, source, target, added) => {
                added.remove();
                this.addTransition(source.id(), target.id());
            });
        }
        this.initNavigator();
    }

    elementsFor(graph) {
        const { states: badStates, transitions: badTransitions } = problemKeys(this.state.problems);
        const overlay = this.state.overlay;
        const testRun = this.state.testRun?.result;
        const possible = new Set((testRun?.transitions || []).map((t) => t.key));
        const nodes = graph.states.map((s) => {
            const classes = [`t_${s.state_type}`];
            if (badStates.has(s.key)) {
                classes.push("o_problem");
            }
            if (overlay?.states[s.key]?.slow) {
                classes.push("o_slow");
            }
            if (testRun?.state === s.key) {
                classes.push("o_current");
            }
            return {
                group: "nodes",
                data: { id: s.key, label: nodeLabel(s, this.selections, overlay) },
                position: { x: s.position_x || 0, y: s.position_y || 0 },
                classes: classes.join(" "),
            };
        });
        const edges = graph.transitions.map((t) => {
            const classes = [`g_${t.trigger_type}`];
            if (badTransitions.has(t.key)) {
                classes.push("o_problem");
            }
            if (possible.has(t.key)) {
                classes.push("o_possible");
            }
            return {
                group: "edges",
                data: { id: t.key, source: t.from, target: t.to, label: t.button_label || t.name },
                classes: classes.join(" "),
            };
        });
        return { nodes, edges };
    }

    /** Bring the canvas in line with the graph (add, update, remove; positions of moved nodes). */
    syncCanvas() {
        const cy = this.cy;
        if (!cy) {
            return;
        }
        const { nodes, edges } = this.elementsFor(this.state.graph);
        cy.batch(() => {
            const wanted = new Set([...nodes, ...edges].map((e) => e.data.id));
            cy.elements().forEach((el) => {
                if (!wanted.has(el.id()) && !el.hasClass("eh-handle") && !el.hasClass("eh-ghost")) {
                    el.remove();
                }
            });
            for (const n of nodes) {
                const el = cy.getElementById(n.data.id);
                if (el.empty()) {
                    cy.add(n);
                } else {
                    el.data(n.data);
                    el.classes(n.classes);
                    const p = el.position();
                    if (Math.abs(p.x - n.position.x) > 0.5 || Math.abs(p.y - n.position.y) > 0.5) {
                        el.position(n.position);
                    }
                }
            }
            for (const e of edges) {
                const el = cy.getElementById(e.data.id);
                if (el.nonempty() && (el.data("source") !== e.data.source || el.data("target") !== e.data.target)) {
                    el.remove();
                }
                if (cy.getElementById(e.data.id).empty()) {
                    cy.add(e);
                } else {
                    el.data(e.data);
                    el.classes(e.classes);
                }
            }
        });
        const sel = this.state.selected;
        cy.elements(":selected").unselect();
        if (sel) {
            cy.getElementById(sel.key).select();
        }
        this.refreshNavigatorSoon();
    }

    onMoved(node) {
        const state = this.state.graph.states.find((s) => s.key === node.id());
        if (!state || this.readonly) {
            return;
        }
        const p = node.position();
        // every node that moved with it (a box selection moves together)
        const moved = this.cy.nodes(":selected").union(node);
        this.change((graph) => {
            for (const n of moved) {
                const s = graph.states.find((st) => st.key === n.id());
                if (s) {
                    s.position_x = Math.round(n.position().x);
                    s.position_y = Math.round(n.position().y);
                }
            }
        });
        return p;
    }

    /** Lay the graph out from top to bottom (dagre); ``record``: as a change that undo reverts. */
    tidy(record = true) {
        const cy = this.cy;
        if (!cy || !cy.nodes().length) {
            return;
        }
        cy.layout({ name: "dagre", rankDir: "TB", nodeSep: 60, rankSep: 80, edgeSep: 20, animate: false, fit: false }).run();
        this.fit();
        const apply = (graph) => {
            for (const node of cy.nodes()) {
                const s = graph.states.find((st) => st.key === node.id());
                if (s) {
                    s.position_x = Math.round(node.position().x);
                    s.position_y = Math.round(node.position().y);
                }
            }
        };
        if (record && !this.readonly) {
            this.change(apply);
        } else {
            apply(this.state.graph);
            this.refreshNavigatorSoon();
        }
    }

    zoom(factor) {
        const cy = this.cy;
        cy.zoom({ level: cy.zoom() * factor, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } });
    }

    fit() {
        const cy = this.cy;
        cy.fit(undefined, 40);
        if (cy.zoom() > 1) {
            // a small graph is shown at its size, not blown up
            cy.zoom(1);
            cy.center();
        }
    }

    // navigator: the whole graph small, the visible part framed; a click moves the view there
    initNavigator() {
        if (!this.navRef.el) {
            return;
        }
        this.nav?.destroy();
        this.nav = window.cytoscape({
            container: this.navRef.el.querySelector(".o_wfd_nav_canvas"),
            style: cyStyle().concat([{ selector: "node", style: { label: "" } }, { selector: "edge", style: { label: "" } }]),
            userZoomingEnabled: false,
            userPanningEnabled: false,
            boxSelectionEnabled: false,
            autoungrabify: true,
            autounselectify: true,
        });
        this.nav.on("tap", (ev) => {
            const p = ev.position;
            const cy = this.cy;
            cy.pan({ x: cy.width() / 2 - p.x * cy.zoom(), y: cy.height() / 2 - p.y * cy.zoom() });
        });
        this.refreshNavigator();
    }

    refreshNavigator() {
        if (!this.nav || !this.cy) {
            return;
        }
        this.nav.elements().remove();
        this.nav.add(this.cy.elements().not(".eh-handle, .eh-ghost, .eh-ghost-edge").jsons());
        this.nav.fit(undefined, 5);
        this.drawViewport();
    }

    drawViewport() {
        const frame = this.navRef.el?.querySelector(".o_wfd_nav_frame");
        if (!frame || !this.nav || !this.cy) {
            return;
        }
        const ext = this.cy.extent();
        const zoom = this.nav.zoom();
        const pan = this.nav.pan();
        frame.style.left = `${ext.x1 * zoom + pan.x}px`;
        frame.style.top = `${ext.y1 * zoom + pan.y}px`;
        frame.style.width = `${ext.w * zoom}px`;
        frame.style.height = `${ext.h * zoom}px`;
    }

    // ------------------------------------------------------------------
    // editing
    // ------------------------------------------------------------------
    select(kind, key) {
        this.state.selected = key ? { kind, key } : null;
    }

    addState(stateType) {
        const cy = this.cy;
        const ext = cy.extent();
        const typeLabel = selectionLabel(this.selections, "state_type", stateType);
        const count = this.state.graph.states.filter((s) => s.state_type === stateType).length;
        // below the lowest state, in the middle of the view: never on top of another state
        const lowest = Math.max(...this.state.graph.states.map((s) => s.position_y || 0), ext.y1);
        let created;
        this.change((graph) => {
            created = makeState(graph, {
                name: count ? `${typeLabel} ${count + 1}` : typeLabel,
                state_type: stateType,
                x: Math.round(ext.x1 + ext.w / 2),
                y: Math.round(graph.states.length ? lowest + 120 : ext.y1 + ext.h / 2),
            });
            graph.states.push(created);
        });
        this.select("state", created.key);
        this.syncCanvas();
        this.cy.animate({ center: { eles: this.cy.getElementById(created.key) } }, { duration: 200 });
    }

    addTransition(from, to) {
        let created;
        this.change((graph) => {
            created = makeTransition(graph, from, to, this.stateName(to));
            graph.transitions.push(created);
        });
        this.select("transition", created.key);
        this.syncCanvas();
    }

    /** The panel's keyboard way to draw a transition: from another state to this one. */
    linkFrom(ev, item) {
        const other = ev.target.value;
        ev.target.value = "";
        if (other) {
            this.addTransition(other, item.key);
        }
    }

    linkTo(ev, item) {
        const other = ev.target.value;
        ev.target.value = "";
        if (other) {
            this.addTransition(item.key, other);
        }
    }

    deleteSelection() {
        if (this.readonly || !this.cy) {
            return;
        }
        const selected = this.cy.elements(":selected");
        const stateKeys = selected.nodes().map((n) => n.id());
        const transitionKeys = selected.edges().map((e) => e.id());
        if (!stateKeys.length && !transitionKeys.length) {
            return;
        }
        this.change((graph) => removeItems(graph, stateKeys, transitionKeys));
        this.state.selected = null;
        this.syncCanvas();
    }

    copySelectedState() {
        const state = this.selectedState;
        if (!state || this.readonly) {
            return;
        }
        let copy;
        this.change((graph) => {
            copy = copyState(graph, state, _t("%s (copy)", state.name));
            graph.states.push(copy);
        });
        this.select("state", copy.key);
        this.syncCanvas();
    }

    toggleDrawMode() {
        if (!this.eh) {
            return;
        }
        this.state.drawMode = !this.state.drawMode;
        if (this.state.drawMode) {
            this.eh.enableDrawMode();
        } else {
            this.eh.disableDrawMode();
        }
    }

    /** A property edited in the side panel (one undo step per field change). */
    setField(item, field, value) {
        if (this.readonly || item[field] === value) {
            return;
        }
        const kind = this.state.graph.states.includes(item) ? "states" : "transitions";
        const key = item.key;
        this.change((graph) => {
            const target = graph[kind].find((i) => i.key === key);
            target[field] = value;
        });
        if (field === "approver_user_ids" || field === "approver_group_ids" || field === "approver_field_path") {
            this.refreshApproverNames(key);
        }
    }

    setNumber(item, field, raw, integer = false) {
        const value = integer ? parseInt(raw, 10) : parseFloat(raw);
        this.setField(item, field, Number.isFinite(value) ? value : 0);
    }

    async refreshApproverNames(key) {
        const state = this.state.graph.states.find((s) => s.key === key);
        if (!state) {
            return;
        }
        const names = await this.orm.call("workflow.definition", "designer_approver_names", [
            [this.state.info.id],
            state.approver_user_ids,
            state.approver_group_ids,
        ]);
        if (state.approver_field_path) {
            names.push(_t("from %s", state.approver_field_path));
        }
        state.approver_names = names;
        this.syncCanvas();
    }

    onKeydown(ev) {
        const tag = ev.target.tagName;
        if (["INPUT", "TEXTAREA", "SELECT"].includes(tag) || ev.target.isContentEditable) {
            return;
        }
        const ctrl = ev.ctrlKey || ev.metaKey;
        const key = ev.key.toLowerCase();
        if (ev.key === "Delete" || ev.key === "Backspace") {
            this.deleteSelection();
        } else if (ctrl && key === "z" && !ev.shiftKey) {
            this.undo();
        } else if (ctrl && (key === "y" || (key === "z" && ev.shiftKey))) {
            this.redo();
        } else if (ctrl && (key === "c" || key === "d")) {
            this.copySelectedState();
        } else if (ctrl && key === "s") {
            this.save();
        } else if (ev.key === "+" || ev.key === "=") {
            this.zoom(1.2);
        } else if (ev.key === "-") {
            this.zoom(1 / 1.2);
        } else if (ev.key === "0") {
            this.fit();
        } else if (ev.key.startsWith("Arrow") && this.cy) {
            const step = 60;
            const d = { ArrowLeft: [step, 0], ArrowRight: [-step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] }[ev.key];
            this.cy.panBy({ x: d[0], y: d[1] });
        } else if (ev.key === "Tab" && this.cy && this.state.graph.states.length) {
            // Tab / Shift+Tab walk through the states
            const states = this.state.graph.states;
            const index = states.findIndex((s) => s.key === this.state.selected?.key);
            const next = states[(index + (ev.shiftKey ? -1 : 1) + states.length) % states.length];
            this.select("state", next.key);
            this.syncCanvas();
            this.cy.center(this.cy.getElementById(next.key));
        } else if (ev.key === "Escape") {
            this.state.selected = null;
            this.syncCanvas();
        } else {
            return;
        }
        ev.preventDefault();
    }

    // ------------------------------------------------------------------
    // server: validation, save, overlay, test run
    // ------------------------------------------------------------------
    async validate() {
        if (!this.state.info) {
            return;
        }
        const problems = await this.orm.call("workflow.definition", "designer_validate", [
            [this.state.info.id],
            toPayload(this.state.graph),
        ]);
        this.state.problems = problems;
        this.syncCanvas();
    }

    async save() {
        if (this.readonly || this.state.saving) {
            return;
        }
        this.state.saving = true;
        try {
            const result = await this.orm.call("workflow.definition", "designer_save", [
                [this.state.info.id],
                toPayload(this.state.graph),
            ]);
            if (result.ok) {
                const oldVersion = this.state.info.version;
                const selected = this.state.selected;
                this.applyLoaded(result.graph);
                this.state.selected = null;
                this.syncCanvas();
                this.notification.add(
                    result.graph.version !== oldVersion
                        ? _t("Saved as version %s: running instances keep the version they started on.", result.graph.version)
                        : _t("Workflow saved."),
                    { type: "success" }
                );
                return selected;
            }
            this.state.saveError = result.message;
            this.state.problems = [result];
            this.syncCanvas();
        } finally {
            this.state.saving = false;
        }
    }

    async discard() {
        await this.load(this.state.info.id);
        this.state.selected = null;
        this.syncCanvas();
        this.fit();
    }

    async toggleOverlay() {
        if (this.state.overlay) {
            this.state.overlay = null;
        } else {
            this.state.overlay = await this.orm.call("workflow.definition", "designer_overlay", [[this.state.info.id]]);
        }
        this.syncCanvas();
    }

    // test run
    openTestRun() {
        this.state.testRun = this.state.testRun ? null : { recordId: false, steps: [], result: null };
        this.syncCanvas();
    }

    async setTestRecord(recordId) {
        this.state.testRun.recordId = recordId || false;
        this.state.testRun.steps = [];
        this.state.testRun.result = null;
        if (recordId) {
            await this.runTest();
        }
        this.syncCanvas();
    }

    async runTest() {
        const run = this.state.testRun;
        run.result = await this.orm.call("workflow.definition", "designer_test_run", [
            [this.state.info.id],
            run.recordId,
            run.steps,
        ]);
        this.syncCanvas();
    }

    async testFire(option) {
        this.state.testRun.steps.push(option.id);
        await this.runTest();
    }

    async testBack() {
        this.state.testRun.steps.pop();
        await this.runTest();
    }

    async testRestart() {
        this.state.testRun.steps = [];
        await this.runTest();
    }

    /** Download the saved definition as BPMN 2.0 (with its diagram), as the form's button does. */
    async exportBpmn() {
        if (this.state.dirty) {
            this.notification.add(_t("Save your changes first: the export is the saved workflow."), {
                type: "warning",
            });
            return;
        }
        const action = await this.orm.call("workflow.definition", "action_export_bpmn", [[this.state.info.id]]);
        await this.actionService.doAction(action);
    }

    /** The BPMN import wizard (a new workflow, or a new version of this one with "replace"). */
    importBpmn() {
        return this.actionService.doAction("workflow_automation.action_workflow_bpmn_import_wizard");
    }

    backToForm() {
        this.actionService.doAction({
            type: "ir.actions.act_window",
            res_model: "workflow.definition",
            res_id: this.state.info.id,
            views: [[false, "form"]],
        });
    }
}

registry.category("actions").add("workflow_designer.designer", WorkflowDesigner);

// exported for the JS tests
export const __test__ = { cloneGraph };
