import json

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import WorkflowCase

SPEC_DOC = {
    "name": "Large order approval",
    "code": "LARGE_ORDER",
    "model": "res.partner",
    "workflow_type": "approval",
    "trigger_type": "on_write",
    "trigger_condition": {"field": "color", "operator": ">", "value": 5},
    "timeout_hours": 48,
    "workflow_config": {
        "actions": [
            {"id": "note", "type": "post_message", "body": "Entered {state} of {workflow}"},
            {"id": "flag", "type": "update_field", "field": "comment", "value": "under review"},
        ],
        "states": [
            {"code": "draft", "name": "Draft", "state_type": "start", "is_initial": True},
            {
                "code": "manager",
                "name": "Manager approval",
                "state_type": "approval",
                "timeout_hours": 24,
                "timeout_action": "escalate",
                "on_enter_actions": ["note", "flag"],
                "approval_config": {
                    "approval_type": "all",
                    "min_approvers": 1,
                    "approvers": [
                        {"type": "user", "login": "admin"},
                        {"type": "group", "xmlid": "base.group_system"},
                    ],
                },
            },
            {"code": "approved", "name": "Approved", "state_type": "end", "is_final": True},
            {"code": "rejected", "name": "Rejected", "state_type": "end", "is_final": True},
        ],
        "transitions": [
            {
                "name": "Submit",
                "from": "draft",
                "to": "manager",
                "condition": [{"field": "email", "operator": "!=", "value": False}],
            },
            {
                "name": "Approve",
                "from": "manager",
                "to": "approved",
                "trigger_type": "approval",
                "actions": [{"type": "post_message", "body": "Approved"}],
            },
            {
                "name": "Reject",
                "from": "manager",
                "to": "rejected",
                "trigger_type": "rejection",
                "require_comment": True,
                "groups": ["workflow_automation.group_workflow_manager"],
                "button_class": "btn-danger",
            },
        ],
    },
}


@tagged("post_install", "-at_install")
class TestJsonImportExport(WorkflowCase):
    def _doc(self, **changes):
        doc = json.loads(json.dumps(SPEC_DOC))
        doc.update(changes)
        return doc

    def _import(self, doc, **kw):
        return self.env["workflow.definition"].browse(
            self.env["workflow.definition"].import_json(json.dumps(doc), **kw)
        )

    def test_import_specification_shape(self):
        definition = self._import(self._doc())
        self.assertEqual(definition.code, "LARGE_ORDER")
        self.assertEqual(definition.trigger_type, "on_write")
        self.assertEqual(definition.trigger_domain, "[('color', '>', 5)]")
        self.assertEqual(definition.state_ids.mapped("code"), ["draft", "manager", "approved", "rejected"])
        manager = definition.state_ids.filtered(lambda s: s.code == "manager")
        self.assertEqual(manager.approval_type, "all")
        self.assertEqual(manager.approver_user_ids, self.env.ref("base.user_admin"))
        self.assertEqual(manager.approver_group_ids, self.env.ref("base.group_system"))
        self.assertEqual(manager.on_enter_action_ids.mapped("state"), ["workflow_message", "object_write"])
        submit = definition.transition_ids.filtered(lambda t: t.name == "Submit")
        self.assertEqual(submit.condition_domain, "[('email', '!=', False)]")
        reject = definition.transition_ids.filtered(lambda t: t.name == "Reject")
        self.assertEqual(reject.group_ids, self.env.ref("workflow_automation.group_workflow_manager"))
        self.assertTrue(reject.require_comment)

    def test_export_then_import_round_trip(self):
        definition = self._import(self._doc())
        exported = definition.export_json()
        self.assertEqual(exported["workflow_config"]["states"][1]["approval_config"]["approval_type"], "all")
        exported["code"] = "LARGE_ORDER_2"
        again = self._import(exported)
        second = again.export_json()
        for key in ("states", "transitions"):
            self.assertEqual(exported["workflow_config"][key], second["workflow_config"][key])
        self.assertEqual(
            [a["type"] for a in exported["workflow_config"]["actions"]],
            [a["type"] for a in second["workflow_config"]["actions"]],
        )

    def test_export_of_demo_workflow_reimports(self):
        exported = self.definition.export_json()
        exported["code"] = "ORDER_FLOW_COPY"
        copy = self._import(exported)
        self.assertEqual(len(copy.transition_ids), 4)
        self.assertEqual(
            copy.transition_ids.filtered(lambda t: t.name == "Auto").condition_domain,
            "[('ref', '=', 'AUTO')]",
        )

    def _assert_rejected(self, doc, message):
        before = (
            self.env["workflow.definition"].with_context(active_test=False).search_count([]),
            self.env["workflow.state"].search_count([]),
            self.env["ir.actions.server"].search_count([]),
        )
        with self.assertRaisesRegex(ValidationError, message):
            self.env["workflow.definition"].import_json(doc if isinstance(doc, str) else json.dumps(doc))
        after = (
            self.env["workflow.definition"].with_context(active_test=False).search_count([]),
            self.env["workflow.state"].search_count([]),
            self.env["ir.actions.server"].search_count([]),
        )
        self.assertEqual(before, after, "nothing may be half-imported")

    def test_bad_files_name_the_offending_element(self):
        self._assert_rejected("{not json", r"at line 1, column 2: not valid JSON")
        self._assert_rejected([1, 2], r"at \$: expected an object")
        doc = self._doc()
        del doc["code"]
        self._assert_rejected(doc, r"at \$\.code: this field is required")
        doc = self._doc(model="no.such.model")
        self._assert_rejected(doc, r"at \$\.model: unknown model no\.such\.model")
        doc = self._doc()
        doc["workflow_config"]["states"][1]["state_type"] = "waiting"
        self._assert_rejected(doc, r"states\[1\]\.state_type: 'waiting' is not one of")
        doc = self._doc()
        doc["workflow_config"]["transitions"][2]["to"] = "nowhere"
        self._assert_rejected(doc, r"transitions\[2\]\.to: no state with code nowhere")
        doc = self._doc()
        doc["workflow_config"]["states"][1]["on_enter_actions"] = ["missing"]
        self._assert_rejected(doc, r"states\[1\]\.on_enter_actions\[0\]: no action with id missing")
        doc = self._doc()
        doc["workflow_config"]["actions"][1]["field"] = "no_field"
        self._assert_rejected(doc, r"has no writable field no_field")
        doc = self._doc()
        doc["workflow_config"]["transitions"][0]["condition"] = {
            "field": "email",
            "operator": "~",
            "value": 1,
        }
        self._assert_rejected(doc, r"unknown operator '~'")
        doc = self._doc()
        doc["workflow_config"]["states"].append({"code": "draft", "name": "Again"})
        self._assert_rejected(doc, r"states\[4\]\.code: duplicate state code draft")
        doc = self._doc(timeout_hours=True)
        self._assert_rejected(doc, r"\$\.timeout_hours: expected a number")
        doc = self._doc()
        doc["workflow_config"]["transitions"][2]["groups"] = ["base.no_such_group"]
        self._assert_rejected(doc, r"transitions\[2\]\.groups\[0\]: no group base\.no_such_group")
        doc = self._doc()
        doc["workflow_config"]["actions"].append(
            {"id": "hook", "type": "webhook", "url": "http://example.com/x"}
        )
        self._assert_rejected(doc, r"webhook host example\.com is not allowed")

    def test_structural_errors_after_schema_roll_back_everything(self):
        doc = self._doc()
        doc["workflow_config"]["states"].append({"code": "orphan", "name": "Orphan"})
        # valid JSON, valid schema, invalid state machine: actions created before must be gone too
        self._assert_rejected(doc, "cannot be reached from Draft: Orphan")

    def test_duplicate_code_needs_replace(self):
        self._import(self._doc())
        self._assert_rejected(self._doc(), r"\$\.code: a workflow with code LARGE_ORDER exists already")

    def test_replace_makes_a_new_version_for_running_instances(self):
        definition = self._import(self._doc())
        instance = self.start(definition=definition)
        doc = self._doc(name="Large order approval v2")
        doc["workflow_config"]["states"][1]["name"] = "Director approval"
        self._import(doc, replace=True)
        self.assertEqual(definition.version, 2)
        self.assertEqual(definition.name, "Large order approval v2")
        self.assertNotEqual(instance.workflow_id, definition)
        self.assertEqual(instance.workflow_id.version, 1)
        self.assertEqual(instance.workflow_id.state_ids.mapped("name")[1], "Manager approval")

    def test_call_method_needs_administrator(self):
        doc = self._doc()
        doc["workflow_config"]["actions"].append(
            {"id": "m", "type": "call_method", "method": "toggle_active"}
        )
        doc["workflow_config"]["states"][2]["on_enter_actions"] = ["m"]
        definition = self._import(doc)  # superuser
        self.assertIn("code", definition.state_ids.on_enter_action_ids.mapped("state"))
        doc["code"] = "BY_MANAGER"
        with self.assertRaisesRegex(ValidationError, "can only be imported by an administrator"):
            self.env["workflow.definition"].with_user(self.manager).import_json(json.dumps(doc))

    def test_only_managers_import(self):
        with self.assertRaises(AccessError):
            self.env["workflow.definition"].with_user(self.user).import_json(json.dumps(self._doc()))

    def test_import_wizard(self):
        wizard = self.env["workflow.import.wizard"].create({"json_text": json.dumps(self._doc())})
        action = wizard.action_import()
        self.assertEqual(self.env["workflow.definition"].browse(action["res_id"]).code, "LARGE_ORDER")

    def test_chatter_mode_imports_exports_and_is_checked(self):
        definition = self._import(self._doc())
        self.assertEqual(definition.chatter_mode, "start_end", "the default: start and end only")
        quiet = self._import(self._doc(code="LARGE_ORDER_Q", chatter_mode="none"))
        self.assertEqual(quiet.chatter_mode, "none")
        self.assertEqual(quiet.export_json()["chatter_mode"], "none")
        with self.assertRaisesRegex(
            ValidationError, r"\$\.chatter_mode.*'loud' is not one of start_end, all, none"
        ):
            self._import(self._doc(code="LARGE_ORDER_L", chatter_mode="loud"))
        self.assertFalse(
            self.env["workflow.definition"].search([("code", "=", "LARGE_ORDER_L")]), "nothing half-stored"
        )

    def test_escalation_target_imports_exports_and_is_checked(self):
        # "after 24 h, the plant manager and the finance group hear of it"
        plant = new_test_user(self.env, login="wf_plant_mgr", name="Pia Plant")
        doc = self._doc(code="LARGE_ORDER_E")
        manager_state = doc["workflow_config"]["states"][1]
        manager_state.update(
            timeout_hours=24,
            timeout_action="escalate",
            escalate_to=[
                {"type": "user", "login": "wf_plant_mgr"},
                {"type": "group", "xmlid": "base.group_system"},
            ],
        )
        definition = self._import(doc)
        manager = definition.state_ids.filtered(lambda s: s.code == "manager")
        self.assertEqual(manager.escalation_user_id, plant)
        self.assertEqual(manager.escalation_group_id, self.env.ref("base.group_system"))
        out = next(s for s in definition.export_json()["workflow_config"]["states"] if s["code"] == "manager")
        self.assertEqual(
            out["escalate_to"],
            [{"type": "user", "login": "wf_plant_mgr"}, {"type": "group", "xmlid": "base.group_system"}],
        )
        again = self._import(dict(definition.export_json(), code="LARGE_ORDER_E2"))
        self.assertEqual(again.state_ids.filtered(lambda s: s.code == "manager").escalation_user_id, plant)
        # bad references name their place, and nothing is stored
        portal = new_test_user(self.env, login="wf_portal_esc", groups="base.group_portal")
        for code, escalate_to, message in (
            (
                "LARGE_ORDER_E3",
                [{"type": "user", "login": "nobody_here"}],
                r"escalate_to\[0\]: user or group not found",
            ),
            (
                "LARGE_ORDER_E4",
                [{"type": "user", "login": "wf_plant_mgr"}, {"type": "user", "login": "admin"}],
                r"escalate_to.*one user and/or one group",
            ),
            ("LARGE_ORDER_E5", [{"type": "role", "xmlid": "base.group_user"}], r"escalate_to\[0\]\.type"),
            ("LARGE_ORDER_E6", [{"type": "user", "login": portal.login}], r"escalate_to\[0\]"),
        ):
            manager_state["escalate_to"] = escalate_to
            with self.assertRaisesRegex(ValidationError, message):
                self._import(dict(doc, code=code))
            self.assertFalse(
                self.env["workflow.definition"].search([("code", "=", code)]), "nothing half-stored"
            )

    def test_approver_field_and_groups_without_xml_id_survive_the_round_trip(self):
        # "the record's salesperson decides", and a group made in this database (no xml id)
        local_group = self.env["res.groups"].create({"name": "Cheese tasting panel"})
        doc = self._doc(code="LARGE_ORDER_F")
        config = doc["workflow_config"]["states"][1]["approval_config"]
        config["dynamic_field"] = "user_id"
        config["approvers"].append({"type": "group", "id": local_group.id})
        definition = self._import(doc)
        manager = definition.state_ids.filtered(lambda s: s.code == "manager")
        self.assertEqual(manager.approver_field_path, "user_id", "the importer no longer drops the field")
        self.assertIn(local_group, manager.approver_group_ids)
        exported = definition.export_json()["workflow_config"]["states"]
        out = next(s for s in exported if s["code"] == "manager")["approval_config"]
        self.assertEqual(out["dynamic_field"], "user_id")
        self.assertIn({"type": "group", "id": local_group.id}, out["approvers"])
        self.assertIn({"type": "group", "xmlid": "base.group_system"}, out["approvers"])
        again = self._import(dict(definition.export_json(), code="LARGE_ORDER_F2"))
        again_manager = again.state_ids.filtered(lambda s: s.code == "manager")
        self.assertEqual(again_manager.approver_field_path, "user_id")
        self.assertEqual(again_manager.approver_group_ids, manager.approver_group_ids)
        # a path that is no user field of the model is refused, nothing stored
        config["dynamic_field"] = "name"
        with self.assertRaises(ValidationError):
            self._import(dict(doc, code="LARGE_ORDER_F3"))
        self.assertFalse(self.env["workflow.definition"].search([("code", "=", "LARGE_ORDER_F3")]))
