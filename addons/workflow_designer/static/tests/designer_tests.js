/** @odoo-module **/
import { click, getFixture, nextTick, triggerEvent } from "@web/../tests/helpers/utils";
import { createWebClient, doAction } from "@web/../tests/webclient/helpers";
import {
    UndoStack,
    copyState,
    makeState,
    makeTransition,
    needsLayout,
    problemKeys,
    removeItems,
    stateCode,
    toPayload,
} from "@workflow_designer/designer/graph_model";
import { nodeLabel } from "@workflow_designer/designer/designer";

const SELECTIONS = {
    state_type: [
        ["start", "Start"],
        ["normal", "Normal"],
        ["approval", "Approval"],
        ["end", "End"],
        ["error", "Error"],
    ],
    approval_type: [
        ["any", "Any approver"],
        ["all", "All approvers"],
    ],
    approval_tie_policy: [["reject", "A tie rejects"]],
    timeout_action: [["transition", "Fire the timeout transition"]],
    trigger_type: [
        ["user_action", "User action"],
        ["condition", "Condition (automatic)"],
    ],
    button_class: [["btn-primary", "Primary"]],
};

function smallGraph() {
    return {
        states: [
            { key: "s1", id: 1, name: "Draft", code: "draft", state_type: "start", position_x: 0, position_y: 0 },
            { key: "s2", id: 2, name: "Done", code: "done", state_type: "end", position_x: 0, position_y: 0 },
        ],
        transitions: [
            { key: "t1", id: 1, name: "Finish", from: "s1", to: "s2", trigger_type: "user_action", group_ids: [] },
        ],
    };
}

QUnit.module("workflow_designer", {}, () => {
    QUnit.module("graph model");

    QUnit.test("new states get a unique code from their name", (assert) => {
        const graph = smallGraph();
        assert.strictEqual(stateCode("Quality Check", graph), "quality_check");
        assert.strictEqual(stateCode("Draft", graph), "draft_2");
        assert.strictEqual(stateCode("Réception!", graph), "reception");
        const state = makeState(graph, { name: "Approval", state_type: "approval", x: 10, y: 20 });
        assert.strictEqual(state.id, false);
        assert.strictEqual(state.state_type, "approval");
        assert.deepEqual([state.position_x, state.position_y], [10, 20]);
        assert.strictEqual(state.approval_type, "any");
    });

    QUnit.test("undo and redo restore the graph", (assert) => {
        const graph = smallGraph();
        const stack = new UndoStack();
        stack.record(graph);
        graph.states.push(makeState(graph, { name: "Review" }));
        assert.ok(stack.canUndo);
        const before = stack.undo(graph);
        assert.strictEqual(before.states.length, 2);
        assert.ok(stack.canRedo);
        const after = stack.redo(before);
        assert.strictEqual(after.states.length, 3);
        stack.record(after);
        assert.notOk(stack.canRedo, "a new change forgets what could be redone");
    });

    QUnit.test("deleting a state removes its transitions; a copy is a new state", (assert) => {
        const graph = smallGraph();
        const copy = copyState(graph, graph.states[0], "Draft (copy)");
        assert.strictEqual(copy.state_type, "normal", "there is one start state");
        assert.strictEqual(copy.code, "draft_copy");
        assert.strictEqual(copy.id, false);
        graph.states.push(copy);
        graph.transitions.push(makeTransition(graph, copy.key, "s2", "Done"));
        removeItems(graph, ["s2"], []);
        assert.deepEqual(
            graph.states.map((s) => s.key),
            ["s1", copy.key]
        );
        assert.strictEqual(graph.transitions.length, 0);
    });

    QUnit.test("the payload holds known fields only; problems give keys", (assert) => {
        const graph = smallGraph();
        graph.states[0].approver_names = ["Mitchell Admin"];
        const payload = toPayload(graph);
        assert.notOk("approver_names" in payload.states[0]);
        assert.deepEqual(payload.transitions[0], {
            key: "t1",
            id: 1,
            name: "Finish",
            from: "s1",
            to: "s2",
            trigger_type: "user_action",
            group_ids: [],
        });
        assert.ok(needsLayout(graph));
        const keys = problemKeys([{ message: "x", states: ["s1"], transitions: ["t1"] }]);
        assert.ok(keys.states.has("s1") && keys.transitions.has("t1"));
    });

    QUnit.test("approval states show their rule and approvers; the overlay its figures", (assert) => {
        const state = {
            key: "s3",
            name: "Manager approval",
            state_type: "approval",
            approval_type: "all",
            approver_names: ["Ann", "Bob"],
        };
        assert.strictEqual(nodeLabel(state, SELECTIONS, null), "Manager approval\nAll approvers\nAnn, Bob");
        const overlay = { states: { s3: { running: 4, median_hours: 2.25, slow: true } } };
        assert.ok(nodeLabel(state, SELECTIONS, overlay).endsWith("4 running · median 2.3 h"));
    });

    QUnit.module("designer action");

    QUnit.test("draws the graph, edits it, checks it on the server and saves it in one call", async (assert) => {
        const calls = [];
        const loaded = { id: 7, name: "Order flow", code: "ORDER", version: 1, active: true,
            old_version: false, model: "res.partner", model_label: "Contact", running: 0, can_edit: true,
            selections: SELECTIONS, ...smallGraph() };
        const mockRPC = (route, args) => {
            if (args.model === "workflow.definition") {
                calls.push([args.method, args.args]);
                if (args.method === "designer_load") {
                    return JSON.parse(JSON.stringify(loaded));
                }
                if (args.method === "designer_validate") {
                    const states = args.args[1].states;
                    return states.length > 2
                        ? [{ message: "These states of workflow Order flow cannot be reached from Draft: Approval.",
                            states: [states[2].key], transitions: [] }]
                        : [];
                }
                if (args.method === "designer_save") {
                    return { ok: true, graph: JSON.parse(JSON.stringify(loaded)) };
                }
            }
        };
        const target = getFixture();
        const webClient = await createWebClient({ mockRPC });
        await doAction(webClient, { type: "ir.actions.client", tag: "workflow_designer.designer",
            params: { definition_id: 7 } });
        await nextTick();
        assert.ok(target.querySelector(".o_wfd_canvas canvas"), "cytoscape draws in the canvas");
        assert.strictEqual(target.querySelector(".o_wfd_title").textContent.trim().startsWith("Order flow"), true);
        assert.containsN(target, ".o_wfd_palette .o_wfd_add", 5, "one button per state type");

        await click(target, ".o_wfd_add_approval");
        await new Promise((resolve) => setTimeout(resolve, 400)); // the check waits for a pause
        await nextTick();
        assert.containsOnce(target, ".o_wfd_panel input[name='name']", "the new state is selected");
        assert.strictEqual(target.querySelector(".o_wfd_panel input[name='name']").value, "Approval");
        assert.strictEqual(
            target.querySelector(".o_wfd_problems").textContent.trim(),
            "These states of workflow Order flow cannot be reached from Draft: Approval."
        );
        const validate = calls.filter(([method]) => method === "designer_validate").pop();
        assert.strictEqual(validate[1][1].states.length, 3);

        // Delete removes the selection; Ctrl+Z brings it back
        await triggerEvent(target, ".o_workflow_designer", "keydown", { key: "Delete" });
        await nextTick();
        assert.containsNone(target, ".o_wfd_panel input[name='name']");
        await triggerEvent(target, ".o_workflow_designer", "keydown", { key: "z", ctrlKey: true });
        await nextTick();
        await click(target, ".o_wfd_save");
        const save = calls.filter(([method]) => method === "designer_save").pop();
        assert.deepEqual(
            save[1][1].states.map((s) => s.name),
            ["Draft", "Done", "Approval"],
            "the restored state is saved with the others, in one call"
        );
        assert.strictEqual(save[1][1].transitions.length, 1);
    });

    QUnit.test("read only without the Workflow Manager group", async (assert) => {
        const mockRPC = (route, args) => {
            if (args.method === "designer_load") {
                return { id: 7, name: "Order flow", version: 1, active: true, model: "res.partner",
                    model_label: "Contact", running: 0, can_edit: false, selections: SELECTIONS, ...smallGraph() };
            }
        };
        const target = getFixture();
        const webClient = await createWebClient({ mockRPC });
        await doAction(webClient, { type: "ir.actions.client", tag: "workflow_designer.designer",
            params: { definition_id: 7 } });
        await nextTick();
        assert.containsOnce(target, ".o_wfd_readonly");
        assert.containsNone(target, ".o_wfd_palette");
        assert.containsNone(target, ".o_wfd_save");
        assert.containsNone(target, ".o_wfd_testrun");
        assert.containsNone(target, ".o_wfd_import_bpmn", "importing makes a workflow: managers only");
        assert.containsOnce(target, ".o_wfd_export_bpmn", "anyone who reads it may download it");
    });

    QUnit.test("BPMN export asks the server for the saved workflow's download", async (assert) => {
        const calls = [];
        const mockRPC = (route, args) => {
            if (args.method === "designer_load") {
                return { id: 7, name: "Order flow", version: 1, active: true, model: "res.partner",
                    model_label: "Contact", running: 0, can_edit: true, selections: SELECTIONS, ...smallGraph() };
            }
            if (args.method === "action_export_bpmn") {
                calls.push(args.args);
                return { type: "ir.actions.act_window_close" };
            }
        };
        const target = getFixture();
        const webClient = await createWebClient({ mockRPC });
        await doAction(webClient, { type: "ir.actions.client", tag: "workflow_designer.designer",
            params: { definition_id: 7 } });
        await nextTick();
        await click(target, ".o_wfd_export_bpmn");
        await nextTick();
        assert.deepEqual(calls, [[[7]]], "the definition's own export action");
        // unsaved changes: the export would not be what the canvas shows
        await click(target, ".o_wfd_add_normal");
        await nextTick();
        await click(target, ".o_wfd_export_bpmn");
        await nextTick();
        assert.strictEqual(calls.length, 1, "nothing exported while changes are unsaved");
        assert.containsOnce(target, ".o_notification", "the user is told to save first");
    });
});
