from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import WorkflowCase


@tagged("post_install", "-at_install")
class TestDefinitionValidation(WorkflowCase):
    def _states(self, *specs):
        return [Command.create(dict({"name": code.title(), "code": code}, **flags)) for code, flags in specs]

    def _create(self, states, transitions=(), active=True):
        self.counter = getattr(self, "counter", 0) + 1
        definition = (
            self.env["workflow.definition"]
            .with_context(workflow_structure_defer=True)
            .create(
                {
                    "name": "Check",
                    "code": f"CHECK{self.counter}",
                    "model_id": self.partner_model.id,
                    "state_ids": states,
                    "active": False,
                }
            )
        )
        st = {s.code: s.id for s in definition.state_ids}
        self.env["workflow.transition"].with_context(workflow_structure_defer=True).create(
            [
                {
                    "workflow_id": definition.id,
                    "name": f"{a}->{b}",
                    "from_state_id": st[a],
                    "to_state_id": st[b],
                }
                for a, b in transitions
            ]
        )
        definition = definition.with_env(self.env)
        if active:
            definition.action_activate()
        return definition

    def test_valid_definition_activates(self):
        definition = self._create(
            self._states(("a", {"is_initial": True}), ("b", {"is_final": True})), [("a", "b")]
        )
        self.assertTrue(definition.active)

    def test_exactly_one_initial_state(self):
        with self.assertRaisesRegex(ValidationError, "exactly one initial state \\(it has 0\\)"):
            self._create(self._states(("a", {}), ("b", {"is_final": True})), [("a", "b")])
        with self.assertRaisesRegex(ValidationError, "exactly one initial state \\(it has 2\\)"):
            self._create(
                self._states(
                    ("a", {"is_initial": True}), ("c", {"is_initial": True}), ("b", {"is_final": True})
                ),
                [("a", "b"), ("c", "b")],
            )

    def test_final_state_needed(self):
        with self.assertRaisesRegex(ValidationError, "at least one final state"):
            self._create(self._states(("a", {"is_initial": True}), ("b", {})), [("a", "b")])

    def test_unreachable_state(self):
        with self.assertRaisesRegex(ValidationError, "cannot be reached from A: Lost"):
            self._create(
                self._states(("a", {"is_initial": True}), ("b", {"is_final": True}), ("lost", {})),
                [("a", "b")],
            )

    def test_nothing_leaves_a_final_state(self):
        with self.assertRaisesRegex(ValidationError, "leaves the final state B"):
            self._create(
                self._states(
                    ("a", {"is_initial": True}), ("b", {"is_final": True}), ("c", {"is_final": True})
                ),
                [("a", "b"), ("b", "c")],
            )

    def test_transition_inside_its_definition(self):
        other = self.make_definition(code="OTHER")
        with self.assertRaisesRegex(ValidationError, "links states of another workflow"):
            self.env["workflow.transition"].create(
                {
                    "workflow_id": self.definition.id,
                    "name": "Cross",
                    "from_state_id": self.states["draft"].id,
                    "to_state_id": other.state_ids[1].id,
                }
            )

    def test_at_most_ten_approval_levels(self):
        specs = [("s0", {"is_initial": True})]
        specs += [(f"a{i}", {"state_type": "approval"}) for i in range(1, 12)]
        specs += [("end", {"is_final": True})]
        chain = [code for code, _flags in specs]
        transitions = list(zip(chain, chain[1:]))
        with self.assertRaisesRegex(ValidationError, "path through 11 approval states; at most 10"):
            self._create(self._states(*specs), transitions)
        # ten levels are fine
        specs = [s for s in specs if s[0] != "a11"]
        chain = [code for code, _flags in specs]
        definition = self._create(self._states(*specs), list(zip(chain, chain[1:])))
        self.assertTrue(definition.active)

    def test_draft_may_be_incomplete_until_activated(self):
        definition = self._create(
            self._states(
                ("a", {}),
            ),
            active=False,
        )
        self.assertFalse(definition.active)
        with self.assertRaises(ValidationError):
            definition.action_activate()

    def test_code_unique_per_company(self):
        with self.assertRaisesRegex(ValidationError, "already uses the code ORDER_FLOW"):
            self.make_definition(code="ORDER_FLOW")
        other_company = self.env["res.company"].create({"name": "Hill Farm Cheese"})
        other = self.make_definition(code="ORDER_FLOW", company_id=other_company.id)
        self.assertEqual(other.code, "ORDER_FLOW")

    def test_bad_domains_are_refused(self):
        with self.assertRaisesRegex(ValidationError, "not a valid domain"):
            self.definition.trigger_domain = "[('name', '=', "
        with self.assertRaisesRegex(ValidationError, "cannot be used"):
            self.definition.trigger_domain = "[('no_such_field', '=', 1)]"
        with self.assertRaisesRegex(ValidationError, "not a valid domain"):
            self.transitions["Submit"].condition_domain = "__import__('os').system('true')"


@tagged("post_install", "-at_install")
class TestVersioning(WorkflowCase):
    def test_change_with_running_instances_makes_new_version(self):
        running = self.start()
        self.assertEqual(running.version, 1)
        # redesign: a fast track from Draft straight to Done
        self.env["workflow.transition"].create(
            {
                "workflow_id": self.definition.id,
                "name": "Fast track",
                "from_state_id": self.states["draft"].id,
                "to_state_id": self.states["done"].id,
            }
        )
        fast_track = self.definition.transition_ids.filtered(lambda t: t.name == "Fast track")
        self.assertEqual(self.definition.version, 2)
        frozen = self.definition.with_context(active_test=False).old_version_ids
        self.assertEqual(len(frozen), 1)
        self.assertEqual(frozen.version, 1)
        self.assertFalse(frozen.active)
        self.assertEqual(frozen.code, self.definition.code)
        self.assertNotIn("Fast track", frozen.transition_ids.mapped("name"))
        # the running instance finishes on version 1: no fast track there
        self.assertEqual(running.workflow_id, frozen)
        self.assertEqual(running.history_ids.to_state_id.workflow_id, frozen)
        self.assertNotIn("Fast track", [t["name"] for t in running.available_transitions])
        with self.assertRaisesRegex(UserError, "cannot be done from state Draft"):
            running.fire(fast_track.id)
        submit_v1 = frozen.transition_ids.filtered(lambda t: t.name == "Submit")
        running.fire(submit_v1.id)
        self.assertEqual(running.current_state_id.code, "review")
        # a new instance runs on version 2 and may take the fast track
        new = self.start(self.env["res.partner"].create({"name": "Second shop"}))
        self.assertEqual(new.workflow_id, self.definition)
        self.assertEqual(new.version, 2)
        new.fire(fast_track.id)
        self.assertEqual(new.status, "completed")
        # both are listed under the definition users know
        self.assertEqual(running.live_workflow_id, self.definition)
        self.assertEqual(new.live_workflow_id, self.definition)
        # a second change while version 2 has no running instance edits in place
        fast_track.unlink()
        self.assertEqual(self.definition.version, 2)

    def test_change_without_running_instances_edits_in_place(self):
        self.definition.transition_ids.filtered(lambda t: t.name == "Submit").button_label = "Send"
        self.definition.write({"timeout_hours": 10})
        self.assertEqual(self.definition.version, 1)
        self.assertFalse(self.definition.with_context(active_test=False).old_version_ids)

    def test_cosmetic_change_does_not_version(self):
        self.start()
        self.transitions["Submit"].write({"button_label": "Send for review"})
        self.assertEqual(self.definition.version, 1)

    def test_copy_gives_independent_workflow(self):
        copy = self.definition.copy()
        self.assertEqual(copy.code, "ORDER_FLOW_copy")
        self.assertEqual(len(copy.state_ids), 4)
        self.assertTrue(all(t.from_state_id.workflow_id == copy for t in copy.transition_ids))
