"""The designer's server side: load, live validation, one-call save (versioning, refusals,
nothing half-stored), the live overlay's figures and the always-rolled-back test run."""

from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.workflow_automation.tests.common import WorkflowCase


def payload(graph):
    """What the designer's JS sends back: the loaded graph without display-only keys."""
    return {
        "states": [{k: v for k, v in s.items() if k != "approver_names"} for s in graph["states"]],
        "transitions": [dict(t) for t in graph["transitions"]],
    }


@tagged("post_install", "-at_install")
class TestDesignerSave(WorkflowCase):
    def setUp(self):
        super().setUp()
        self.designer = self.definition.with_user(self.manager)
        self.graph = payload(self.designer.designer_load())

    def key(self, code):
        return f"s{self.states[code].id}"

    def add_quality_check(self, graph):
        graph["states"].append(
            {
                "key": "new1",
                "name": "Quality check",
                "code": "quality_check",
                "state_type": "approval",
                "position_x": 300.0,
                "position_y": 120.0,
                "min_approvers": 1,
                "approver_user_ids": [self.manager.id],
                "approval_type": "all",
            }
        )
        graph["transitions"] += [
            {
                "key": "e1",
                "name": "Check quality",
                "from": self.key("draft"),
                "to": "new1",
                "trigger_type": "user_action",
                "button_label": "Send to quality",
            },
            {
                "key": "e2",
                "name": "Quality passed",
                "from": "new1",
                "to": self.key("review"),
                "trigger_type": "approval",
            },
        ]
        return graph

    def test_load_gives_the_graph_the_forms_show(self):
        graph = self.designer.designer_load()
        self.assertTrue(graph["can_edit"])
        self.assertEqual(sorted(s["code"] for s in graph["states"]), ["done", "draft", "refused", "review"])
        refuse = next(t for t in graph["transitions"] if t["name"] == "Refuse")
        self.assertEqual((refuse["from"], refuse["to"]), (self.key("review"), self.key("refused")))
        self.assertTrue(refuse["require_comment"])
        approve = next(t for t in graph["transitions"] if t["name"] == "Approve")
        self.assertEqual(approve["group_ids"], self.env.ref("workflow_automation.group_workflow_manager").ids)
        self.assertIn(("approval", "Approval"), graph["selections"]["state_type"])

    def test_save_writes_the_whole_graph_in_one_call(self):
        result = self.designer.designer_save(self.add_quality_check(self.graph))
        self.assertTrue(result["ok"], result)
        state = self.definition.state_ids.filtered(lambda s: s.code == "quality_check")
        self.assertEqual((state.state_type, state.approval_type), ("approval", "all"))
        self.assertEqual(state.approver_user_ids, self.manager)
        self.assertEqual((state.position_x, state.position_y), (300.0, 120.0))
        check = self.definition.transition_ids.filtered(lambda t: t.name == "Check quality")
        self.assertEqual((check.from_state_id, check.to_state_id), (self.states["draft"], state))
        self.assertEqual(check.button_label, "Send to quality")
        # no running instance: the same version; the designer gets the saved graph back
        self.assertEqual(self.definition.version, 1)
        self.assertIn(f"s{state.id}", [s["key"] for s in result["graph"]["states"]])
        # a new instance takes the new path
        instance = self.start()
        instance.with_user(self.manager).fire(check.id)
        self.assertEqual(instance.current_state_id, state)

    def test_save_with_running_instances_makes_a_new_version_as_the_form_does(self):
        running = self.start()
        result = self.designer.designer_save(self.add_quality_check(self.graph))
        self.assertTrue(result["ok"], result)
        self.assertEqual(self.definition.version, 2)
        frozen = self.definition.with_context(active_test=False).old_version_ids
        self.assertEqual(running.workflow_id, frozen)
        self.assertEqual(frozen.version, 1)
        self.assertNotIn("quality_check", frozen.state_ids.mapped("code"))
        self.assertEqual(result["graph"]["version"], 2)

    def test_moving_states_does_not_make_a_new_version(self):
        self.start()
        for state in self.graph["states"]:
            state["position_x"] += 40
        self.assertTrue(self.designer.designer_save(self.graph)["ok"])
        self.assertEqual(self.definition.version, 1)
        self.assertFalse(self.definition.with_context(active_test=False).old_version_ids)
        self.assertEqual(self.states["draft"].position_x, 40.0)

    def test_deleting_a_state_and_renaming_another(self):
        self.graph["states"] = [s for s in self.graph["states"] if s["code"] != "refused"]
        self.graph["transitions"] = [t for t in self.graph["transitions"] if t["name"] != "Refuse"]
        next(s for s in self.graph["states"] if s["code"] == "review")["name"] = "Manager review"
        self.assertTrue(self.designer.designer_save(self.graph)["ok"])
        self.assertEqual(self.definition.state_ids.mapped("name"), ["Draft", "Manager review", "Done"])
        self.assertNotIn("Refuse", self.definition.transition_ids.mapped("name"))

    def test_invalid_graph_is_refused_with_the_servers_sentence_and_nothing_stored(self):
        self.start()
        graph = self.add_quality_check(self.graph)
        graph["transitions"] = [t for t in graph["transitions"] if t["key"] != "e1"]  # no way in
        result = self.designer.designer_save(graph)
        self.assertFalse(result["ok"])
        self.assertEqual(
            result["message"],
            "These states of workflow Order flow cannot be reached from Draft: Quality check.",
        )
        self.assertEqual(result["states"], ["new1"])
        self.assertNotIn("quality_check", self.definition.state_ids.mapped("code"))
        self.assertEqual(self.definition.version, 1)
        self.assertFalse(self.definition.with_context(active_test=False).old_version_ids)

    def test_failure_in_the_orm_rolls_back_the_frozen_copy_too(self):
        """A condition naming a field the model lacks is refused by the transition's own check,
        after the running instance was moved to a frozen copy: the savepoint takes it all back."""
        running = self.start()
        graph = self.add_quality_check(self.graph)
        graph["transitions"][-1]["condition_domain"] = "[('no_such_field', '=', 1)]"
        result = self.designer.designer_save(graph)
        self.assertFalse(result["ok"])
        self.assertIn("no_such_field", result["message"])
        self.assertEqual(running.workflow_id, self.definition)
        self.assertEqual(self.definition.version, 1)
        self.assertFalse(self.definition.with_context(active_test=False).old_version_ids)
        self.assertNotIn("quality_check", self.definition.state_ids.mapped("code"))
        self.assertEqual(len(self.definition.transition_ids), 4)

    def test_plain_workflow_user_is_refused(self):
        as_user = self.definition.with_user(self.user)
        self.assertFalse(as_user.designer_load()["can_edit"])  # reads it, read only
        with self.assertRaisesRegex(AccessError, "Only Workflow Managers may change workflows"):
            as_user.designer_save(self.add_quality_check(self.graph))
        with self.assertRaises(AccessError):
            as_user.designer_test_run(self.partner.id, [])
        self.assertNotIn("quality_check", self.definition.state_ids.mapped("code"))

    def test_malformed_payloads_get_a_sentence_naming_the_problem(self):
        cases = [
            ("not a graph", "must be an object with states and transitions"),
            ({"states": [], "transitions": [], "x": 1}, "unknown keys: x"),
            ({"states": "all", "transitions": []}, "a list of states and a list of transitions"),
            ({"states": [{"key": "a", "name": "A"}], "transitions": []}, "State 1: code is required"),
            (
                {"states": [{"key": "a", "name": "A", "code": "a", "state_type": "odd"}], "transitions": []},
                "State 1: state_type must be one of start, normal, approval, end, error",
            ),
            (
                {"states": [{"key": "a", "name": "A", "code": "a", "min_approvers": "2"}], "transitions": []},
                "State 1: min_approvers must be a whole number",
            ),
            (
                {
                    "states": [{"key": "a", "name": "A", "code": "a", "approver_user_ids": [999999]}],
                    "transitions": [],
                },
                "State 1: approver_user_ids: records 999999 do not exist",
            ),
            (
                {"states": [{"key": "a", "name": "A", "code": "a", "sql": 1}], "transitions": []},
                "State 1 has unknown properties: sql",
            ),
            (
                {
                    "states": [
                        {
                            "key": "a",
                            "id": self.env["workflow.state"]
                            .search([("workflow_id", "!=", self.definition.id)], limit=1)
                            .id
                            or 10**8,
                            "name": "A",
                        }
                    ],
                    "transitions": [],
                },
                "is not part of this workflow",
            ),
            (
                {
                    "states": [
                        {"key": "a", "name": "A", "code": "a"},
                        {"key": "b", "name": "B", "code": "a"},
                    ],
                    "transitions": [],
                },
                "Two states have the code a",
            ),
            (
                {
                    "states": [{"key": "a", "name": "A", "code": "a"}],
                    "transitions": [{"key": "t", "name": "T", "from": "a", "to": "zz"}],
                },
                "Transition 1: to names no state of the graph",
            ),
        ]
        for graph, message in cases:
            with self.subTest(message=message), self.assertRaisesRegex(ValidationError, message):
                self.designer.designer_save(graph)
        self.assertEqual(len(self.definition.state_ids), 4)


@tagged("post_install", "-at_install")
class TestDesignerValidation(WorkflowCase):
    def test_every_problem_with_what_to_highlight(self):
        graph = payload(self.definition.designer_load())
        done = f"s{self.states['done'].id}"
        draft = f"s{self.states['draft'].id}"
        graph["states"].append({"key": "lost", "name": "Lost", "code": "lost"})
        graph["transitions"].append({"key": "back", "name": "Reopen", "from": done, "to": draft})
        problems = self.definition.with_user(self.user).designer_validate(graph)
        self.assertEqual(
            [p["message"] for p in problems],
            [
                "Transition Reopen leaves the final state Done; nothing may leave a final state.",
                "These states of workflow Order flow cannot be reached from Draft: Lost.",
            ],
        )
        self.assertEqual((problems[0]["states"], problems[0]["transitions"]), ([done], ["back"]))
        self.assertEqual(problems[1]["states"], ["lost"])

    def test_no_initial_state_and_too_many_approvals(self):
        graph = payload(self.definition.designer_load())
        for state in graph["states"]:
            if state["code"] == "draft":
                state["state_type"] = "normal"
        problems = self.definition.designer_validate(graph)
        self.assertEqual(
            problems[0]["message"], "Workflow Order flow must have exactly one initial state (it has 0)."
        )
        chain = [{"key": "a0", "name": "Start", "code": "a0", "state_type": "start"}]
        chain += [
            {"key": f"a{i}", "name": f"Level {i}", "code": f"a{i}", "state_type": "approval"}
            for i in range(1, 12)
        ]
        chain.append({"key": "end", "name": "End", "code": "end", "state_type": "end"})
        keys = [s["key"] for s in chain]
        transitions = [
            {"key": f"t{i}", "name": f"t{i}", "from": a, "to": b}
            for i, (a, b) in enumerate(zip(keys, keys[1:]))
        ]
        problems = self.definition.designer_validate({"states": chain, "transitions": transitions})
        self.assertEqual(
            problems[0]["message"],
            "Workflow Order flow has a path through 11 approval states; at most 10 are allowed.",
        )
        self.assertEqual(problems[0]["states"], keys[1:12])

    def test_the_stored_definition_gives_the_same_sentence(self):
        """One home for the rules: the save of the form says what the designer showed."""
        self.definition.write(
            {"state_ids": [Command.create({"name": "Lost", "code": "lost"})], "active": False}
        )
        with self.assertRaisesRegex(ValidationError, "cannot be reached from Draft: Lost"):
            self.definition.active = True


@tagged("post_install", "-at_install")
class TestDesignerOverlay(WorkflowCase):
    def test_running_counts_and_median_hours_per_state(self):
        now = fields.Datetime.now()
        instances = []
        for index, hours in enumerate((1, 2, 9)):
            partner = self.env["res.partner"].create({"name": f"Shop {index}"})
            inst = self.start(partner)
            inst.fire(self.transitions["Submit"].id)
            # time spent in Draft: rewrite the history line the move wrote
            line = inst.history_ids.filtered(lambda h: h.action_type == "transition")
            line.duration_seconds = hours * 3600
            instances.append(inst)
        instances[0].fire(self.transitions["Approve"].id)
        overlay = self.definition.with_user(self.manager).designer_overlay()["states"]
        draft, review = overlay[f"s{self.states['draft'].id}"], overlay[f"s{self.states['review'].id}"]
        self.assertEqual((draft["running"], review["running"]), (0, 2))
        self.assertEqual(draft["median_hours"], 2.0)
        self.assertEqual(draft["passed"], 3)
        self.assertIsNone(overlay[f"s{self.states['refused'].id}"]["median_hours"])
        self.assertTrue(now)

    def test_slow_state_is_flagged_against_its_deadline(self):
        self.states["draft"].timeout_hours = 1
        inst = self.start()
        inst.fire(self.transitions["Submit"].id)
        inst.history_ids.filtered(lambda h: h.action_type == "transition").duration_seconds = 3 * 3600
        overlay = self.definition.designer_overlay()["states"]
        self.assertTrue(overlay[f"s{self.states['draft'].id}"]["slow"])
        self.assertFalse(overlay[f"s{self.states['review'].id}"]["slow"])

    def test_counts_only_instances_the_user_may_read(self):
        other_company = self.env["res.company"].create({"name": "Other Dairy"})
        inst = self.start()
        inst.sudo().company_id = other_company
        self.assertEqual(
            self.definition.designer_overlay()["states"][f"s{self.states['draft'].id}"]["running"], 1
        )
        as_manager = self.definition.with_user(self.manager)
        self.assertEqual(as_manager.designer_overlay()["states"][f"s{self.states['draft'].id}"]["running"], 0)


@tagged("post_install", "-at_install")
class TestDesignerTestRun(WorkflowCase):
    def snapshot(self):
        self.env.flush_all()
        counts = {}
        for table in (
            "workflow_instance",
            "workflow_history",
            "mail_mail",
            "mail_message",
            "bus_bus",
            "approval_request",
        ):
            self.env.cr.execute(SQL("SELECT count(*), COALESCE(max(id), 0) FROM %s", SQL.identifier(table)))
            counts[table] = self.env.cr.fetchone()
        self.env.cr.execute("SELECT ref, write_date FROM res_partner WHERE id = %s", [self.partner.id])
        counts["partner"] = self.env.cr.fetchone()
        return counts

    def test_test_run_steps_through_and_leaves_nothing(self):
        self.states["review"].write(
            {"state_type": "approval", "approver_user_ids": [Command.set(self.manager.ids)]}
        )
        write_ref = self.action(
            "Mark as audited",
            state="object_write",
            update_path="ref",
            value="AUDITED",
            evaluation_type="value",
        )
        self.transitions["Submit"].action_ids = write_ref
        self.cr.postcommit.clear()
        before = self.snapshot()
        designer = self.definition.with_user(self.manager)
        first = designer.designer_test_run(self.partner.id, [])
        self.assertEqual(first["state_name"], "Draft")
        self.assertEqual([o["name"] for o in first["transitions"]], ["Submit"])
        self.assertEqual(first["transitions"][0]["actions"], ["Mark as audited"])
        second = designer.designer_test_run(self.partner.id, [self.transitions["Submit"].id])
        self.assertFalse(second["error"])
        self.assertEqual(second["state_name"], "Review")
        self.assertEqual(second["steps"][-1]["approvers"], [["Wanda Manager"]])
        self.assertEqual(second["approval_requests"], 1)
        by_name = {o["name"]: o for o in second["transitions"]}
        self.assertFalse(by_name["Auto"]["condition_holds"])  # ref is AUDITED, not AUTO
        self.assertTrue(by_name["Approve"]["you_may_fire"])
        self.assertEqual(self.snapshot(), before)
        self.assertFalse(self.partner.ref)
        self.assertFalse(self.cr.postcommit._funcs, "nothing queued to send after commit")

    def test_a_step_that_fails_is_reported_and_rolled_back(self):
        before = self.snapshot()
        result = self.definition.designer_test_run(self.partner.id, [self.transitions["Approve"].id])
        self.assertIn("Approve cannot be done from state Draft", result["error"])
        self.assertEqual(result["state_name"], "Draft")
        self.assertEqual(self.snapshot(), before)

    def test_webhook_is_not_sent_during_a_test_run(self):
        hook = self.action("Tell the ERP", state="webhook", webhook_url="https://erp.example.com/hook")
        self.transitions["Submit"].action_ids = hook
        result = self.definition.designer_test_run(self.partner.id, [self.transitions["Submit"].id])
        self.assertIn("Not sent during a test run: a call to https://erp.example.com/hook", result["error"])

    def test_running_instance_is_untouched(self):
        running = self.start()
        stamp = running.state_entered_at - timedelta(hours=1)
        running.state_entered_at = stamp
        self.definition.designer_test_run(self.partner.id, [self.transitions["Submit"].id])
        self.assertEqual(running.current_state_id, self.states["draft"])
        self.assertEqual(running.state_entered_at, stamp)
