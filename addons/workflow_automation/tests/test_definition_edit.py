"""Editing a live definition from its form; the state and transition forms; import error positions."""

import json
from xmlrpc.client import Fault

from lxml import etree

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, HttpCase, new_test_user, tagged
from odoo.tools.misc import file_path

from .common import WorkflowCase


def quality_check_state(from_state, to_state, incoming=True):
    """What the definition form sends for a state added with its transitions (States tab)."""
    vals = {
        "name": "Quality check",
        "code": "quality_check",
        "outgoing_transition_ids": [Command.create({"name": "Quality passed", "to_state_id": to_state.id})],
    }
    if incoming:
        vals["incoming_transition_ids"] = [
            Command.create({"name": "Check quality", "from_state_id": from_state.id})
        ]
    return {"state_ids": [Command.create(vals)]}


@tagged("post_install", "-at_install")
class TestEditLiveDefinition(WorkflowCase):
    def test_state_and_its_transitions_added_in_one_save(self):
        running = self.start()
        definition = self.definition.with_user(self.manager)
        definition.write(quality_check_state(self.states["draft"], self.states["review"]))
        new_state = definition.state_ids.filtered(lambda s: s.code == "quality_check")
        self.assertEqual(new_state.state_type, "normal")
        check = definition.transition_ids.filtered(lambda t: t.name == "Check quality")
        passed = definition.transition_ids.filtered(lambda t: t.name == "Quality passed")
        self.assertEqual((check.from_state_id, check.to_state_id), (self.states["draft"], new_state))
        self.assertEqual((passed.from_state_id, passed.to_state_id), (new_state, self.states["review"]))
        # the definition had a running instance: it keeps version 1, the edit is version 2
        self.assertEqual(definition.version, 2)
        frozen = self.definition.with_context(active_test=False).old_version_ids
        self.assertEqual(running.workflow_id, frozen)
        self.assertNotIn("quality_check", frozen.state_ids.mapped("code"))
        # a new instance can take the new path
        new = self.start(self.env["res.partner"].create({"name": "Hill Farm Shop"}))
        new.fire(check.id)
        new.fire(passed.id)
        self.assertEqual(new.current_state_id, self.states["review"])

    def test_unreachable_state_refused_as_a_whole(self):
        """Refused by the check over the final graph; the request's rollback then undoes the whole
        write, the frozen copy included (shown over HTTP in TestEditLiveDefinitionTour)."""
        self.start()
        with self.assertRaises(ValidationError) as caught:
            self.definition.with_user(self.manager).write(
                quality_check_state(self.states["draft"], self.states["review"], incoming=False)
            )
        self.assertEqual(
            str(caught.exception),
            "These states of workflow Order flow cannot be reached from Draft: Quality check.",
        )

    def test_activation_refuses_an_invalid_graph(self):
        self.definition.active = False
        definition = self.definition.with_user(self.manager)
        # an archived definition is a draft: it may be incomplete
        definition.write(quality_check_state(self.states["draft"], self.states["review"], incoming=False))
        with self.assertRaises(ValidationError) as caught:  # rolls back to a savepoint, as a request would
            definition.action_activate()
        self.assertIn("cannot be reached from Draft: Quality check", str(caught.exception))
        self.assertFalse(self.definition.active)
        # once reachable it activates
        definition.write(
            {
                "transition_ids": [
                    Command.create(
                        {
                            "name": "Check quality",
                            "from_state_id": self.states["draft"].id,
                            "to_state_id": definition.state_ids.filtered(
                                lambda s: s.code == "quality_check"
                            ).id,
                        }
                    )
                ]
            }
        )
        definition.action_activate()
        self.assertTrue(self.definition.active)

    def test_workflow_user_cannot_change_a_definition(self):
        with self.assertRaises(AccessError):
            self.definition.with_user(self.user).write(
                quality_check_state(self.states["draft"], self.states["review"])
            )
        self.assertNotIn("quality_check", self.definition.state_ids.mapped("code"))


@tagged("post_install", "-at_install")
class TestStateType(WorkflowCase):
    def test_type_is_the_one_source_of_initial_and_final(self):
        review = self.states["review"]
        self.assertEqual(
            [(s.code, s.state_type, s.is_initial, s.is_final) for s in self.definition.state_ids],
            [
                ("draft", "start", True, False),
                ("review", "normal", False, False),
                ("done", "end", False, True),
                ("refused", "end", False, True),
            ],
        )
        review.state_type = "approval"
        self.assertEqual((review.is_initial, review.is_final), (False, False))
        # the flags still read and write, as the JSON format and XML-RPC callers use them
        self.definition.active = False
        refused = self.states["refused"]
        refused.is_final = False
        self.assertEqual(refused.state_type, "normal")
        refused.is_final = True
        self.assertEqual(refused.state_type, "end")
        state = self.env["workflow.state"].create(
            {"workflow_id": self.definition.id, "name": "Extra", "code": "extra", "is_initial": True}
        )
        self.assertEqual(state.state_type, "start")

    def test_type_and_flags_cannot_disagree(self):
        self.definition.active = False
        with self.assertRaisesRegex(ValidationError, "State Gate cannot be of type Approval and initial"):
            self.env["workflow.state"].create(
                {
                    "workflow_id": self.definition.id,
                    "name": "Gate",
                    "code": "gate",
                    "state_type": "approval",
                    "is_initial": True,
                }
            )
        with self.assertRaisesRegex(ValidationError, "Done cannot be of type End and not final"):
            self.states["done"].write({"state_type": "end", "is_final": False})
        with self.assertRaisesRegex(ValidationError, "cannot be both initial and final"):
            self.states["review"].write({"is_initial": True, "is_final": True})


@tagged("post_install", "-at_install")
class TestStructureForms(WorkflowCase):
    def test_state_form_shows_what_applies_to_its_type(self):
        state = Form(
            self.env["workflow.state"]
            .with_user(self.manager)
            .with_context(default_workflow_id=self.definition.id)
        )

        def hidden(*names):
            return {name: state._get_modifier(name, "invisible") for name in names}

        approval = ("approver_user_ids", "approver_group_ids", "approver_field_path", "approval_type")
        state.state_type = "end"
        self.assertEqual(
            hidden(
                "timeout_hours", "timeout_action", "reminder_interval_hours", "on_exit_action_ids", *approval
            ),
            dict.fromkeys(
                (
                    "timeout_hours",
                    "timeout_action",
                    "reminder_interval_hours",
                    "on_exit_action_ids",
                    *approval,
                ),
                True,
            ),
        )
        self.assertFalse(state._get_modifier("on_enter_action_ids", "invisible"))
        state.state_type = "normal"
        state.timeout_hours = 4
        self.assertEqual(
            hidden("timeout_hours", "timeout_action", "reminder_interval_hours", "escalation_user_id"),
            {
                "timeout_hours": False,
                "timeout_action": False,
                "reminder_interval_hours": True,
                "escalation_user_id": True,
            },
        )
        self.assertTrue(all(hidden(*approval).values()))
        state.state_type = "approval"
        self.assertFalse(any(hidden(*approval, "reminder_interval_hours").values()))
        state.approval_type = "all"
        self.assertEqual(
            hidden("min_approvers", "approval_tie_policy"),
            {"min_approvers": True, "approval_tie_policy": True},
        )
        state.approval_type = "majority"
        self.assertEqual(
            hidden("min_approvers", "approval_tie_policy"),
            {"min_approvers": False, "approval_tie_policy": False},
        )
        self.assertTrue(state._get_modifier("escalation_user_id", "invisible"))
        state.timeout_action = "escalate"
        self.assertFalse(state._get_modifier("escalation_user_id", "invisible"))
        self.assertFalse(state._get_modifier("escalation_group_id", "invisible"))

    def test_transition_form_shows_button_settings_for_user_actions(self):
        transition = Form(self.transitions["Submit"].with_user(self.manager))
        buttons = ("button_label", "button_class", "is_visible", "group_ids", "require_comment")
        self.assertFalse(any(transition._get_modifier(name, "invisible") for name in buttons))
        transition.trigger_type = "condition"
        self.assertTrue(all(transition._get_modifier(name, "invisible") for name in buttons))
        self.assertFalse(transition._get_modifier("condition_domain", "invisible"))
        self.assertFalse(transition._get_modifier("action_ids", "invisible"))

    def test_definition_lists_open_the_forms(self):
        """The States and Transitions tabs are plain lists: a line opens the form with every setting."""
        arch = etree.fromstring(
            self.env["workflow.definition"].get_view(
                self.env.ref("workflow_automation.view_workflow_definition_form").id
            )["arch"]
        )
        for name in ("state_ids", "transition_ids"):
            (tree,) = arch.xpath(f"//field[@name='{name}']/tree")
            self.assertFalse(tree.get("editable"), f"{name} lines open their form")
            self.assertFalse(arch.xpath(f"//field[@name='{name}']/form"), "the model's own form is used")
        self.assertEqual(
            self.env["workflow.state"].get_view(view_type="form")["id"],
            self.env.ref("workflow_automation.view_workflow_state_form").id,
        )
        self.assertEqual(
            self.env["workflow.transition"].get_view(view_type="form")["id"],
            self.env.ref("workflow_automation.view_workflow_transition_form").id,
        )


@tagged("post_install", "-at_install")
class TestImportErrors(WorkflowCase):
    def _import_text(self, text):
        wizard = self.env["workflow.import.wizard"].with_user(self.manager).create({"json_text": text})
        return wizard.action_import()

    def test_syntax_error_gives_line_column_and_text(self):
        text = '{\n  "name": "Broken",\n  "code": "BROKEN"\n  "model": "res.partner"\n}'
        with self.assertRaises(ValidationError) as caught:
            self._import_text(text)
        self.assertEqual(
            str(caught.exception),
            "Invalid workflow file at line 4, column 3: not valid JSON (Expecting ',' delimiter).\n"
            'Line 4:   "model": "res.partner"',
        )

    def test_syntax_error_on_a_long_line_shows_the_part_around_it(self):
        doc = json.dumps({"name": "x" * 200, "code": "LONG", "model": "res.partner"})
        text = doc.replace('"code"', '"code" "', 1)
        with self.assertRaisesRegex(
            ValidationError,
            r"at line 1, column 221: not valid JSON \(Expecting ':' delimiter\)\.\n"
            r'Line 1: …x{49}", "code" ": "LONG", "model": "res.partner"}$',
        ):
            self._import_text(text)

    def test_structure_errors_still_name_the_path(self):
        with self.assertRaisesRegex(ValidationError, r"at \$\.workflow_config: this field is required"):
            self._import_text(json.dumps({"name": "x", "code": "X", "model": "res.partner"}))

    def test_editor_uses_a_mode_odoo_ships(self):
        arch = etree.fromstring(
            self.env["workflow.import.wizard"].get_view(
                self.env.ref("workflow_automation.view_workflow_import_wizard_form").id
            )["arch"]
        )
        (field,) = arch.xpath("//field[@name='json_text']")
        mode = json.loads(field.get("options").replace("'", '"'))["mode"]
        self.assertTrue(file_path(f"web/static/lib/ace/mode-{mode}.js"))


@tagged("post_install", "-at_install")
class TestEditLiveDefinitionTour(HttpCase):
    """Journey 2 in a browser, as a Workflow Manager who is not an administrator."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            login="wf_tour_manager",  # the password is the login, as start_tour expects
            groups="base.group_user,base.group_partner_manager,workflow_automation.group_workflow_manager",
            name="Tess Manager",
        )
        cls.definition = cls.env["workflow.definition"].browse(
            cls.env["workflow.definition"].import_json(
                {
                    "name": "Tour flow",
                    "code": "TOUR_FLOW",
                    "model": "res.partner",
                    "timeout_hours": 0,
                    "workflow_config": {
                        "states": [
                            {"code": "draft", "name": "Draft", "state_type": "start"},
                            {"code": "review", "name": "Review"},
                            {"code": "done", "name": "Done", "state_type": "end"},
                        ],
                        "transitions": [
                            {"name": "Submit", "from": "draft", "to": "review"},
                            {"name": "Approve", "from": "review", "to": "done"},
                        ],
                    },
                }
            )
        )
        cls.partner = cls.env["res.partner"].create({"name": "Riverside Creamery"})
        cls.running = cls.env["workflow.instance"]._start(cls.definition, cls.partner)

    def test_add_state_and_transitions_from_the_form(self):
        self.start_tour(
            "/web#action=workflow_automation.action_workflow_definition",
            "workflow_automation_edit_live_definition",
            login="wf_tour_manager",
        )
        definition = self.definition
        self.assertEqual(definition.version, 2)
        self.assertEqual(definition.state_ids.mapped("code"), ["draft", "review", "done", "quality_check"])
        new_state = definition.state_ids[-1]
        self.assertEqual(
            sorted((t.name, t.from_state_id.code, t.to_state_id.code) for t in definition.transition_ids),
            [
                ("Approve", "review", "done"),
                ("Check quality", "draft", "quality_check"),
                ("Quality passed", "quality_check", "review"),
                ("Submit", "draft", "review"),
            ],
        )
        self.assertEqual(new_state.workflow_id, definition)
        frozen = definition.with_context(active_test=False).old_version_ids
        self.assertEqual(self.running.workflow_id, frozen)
        self.assertEqual(frozen.state_ids.mapped("code"), ["draft", "review", "done"])

    def test_refused_save_stores_nothing(self):
        """Over the real HTTP server: the request that fails leaves no frozen copy and no state."""
        uid = self.xmlrpc_common.authenticate(self.env.cr.dbname, "wf_tour_manager", "wf_tour_manager", {})
        draft, review = self.definition.state_ids[:2]
        with self.assertRaisesRegex(Fault, "cannot be reached from Draft: Quality check"):
            self.xmlrpc_object.execute_kw(
                self.env.cr.dbname,
                uid,
                "wf_tour_manager",
                "workflow.definition",
                "write",
                [
                    self.definition.ids,
                    json.loads(json.dumps(quality_check_state(draft, review, incoming=False))),
                ],
            )
        self.env.invalidate_all()
        self.assertEqual(self.definition.state_ids.mapped("code"), ["draft", "review", "done"])
        self.assertEqual(self.definition.version, 1)
        self.assertFalse(self.definition.with_context(active_test=False).old_version_ids)
        self.assertEqual(self.running.workflow_id, self.definition)
