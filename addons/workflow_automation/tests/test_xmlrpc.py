"""The XML-RPC surface, through Odoo's real HTTP server."""

from xmlrpc.client import Fault

from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestXmlRpc(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            login="rpc_manager",
            password="rpc_manager_pw",
            groups="base.group_user,base.group_partner_manager,workflow_automation.group_workflow_manager",
        )
        cls.clerk = new_test_user(
            cls.env,
            login="rpc_clerk",
            password="rpc_clerk_pw",
            groups="base.group_user,base.group_partner_manager",
        )
        cls.partner = cls.env["res.partner"].create({"name": "Riverside Creamery"})

    def call(self, login, model, method, *args, **kwargs):
        uid = self.xmlrpc_common.authenticate(self.env.cr.dbname, login, f"{login}_pw", {})
        return self.xmlrpc_object.execute_kw(
            self.env.cr.dbname, uid, f"{login}_pw", model, method, list(args), kwargs
        )

    def _import(self):
        return self.call(
            "rpc_manager",
            "workflow.definition",
            "import_json",
            {
                "name": "RPC flow",
                "code": "RPC_FLOW",
                "model": "res.partner",
                "timeout_hours": 0,
                "workflow_config": {
                    "states": [
                        {"code": "new", "name": "New", "is_initial": True},
                        {"code": "ok", "name": "OK", "is_final": True},
                    ],
                    "transitions": [
                        {
                            "name": "Accept",
                            "from": "new",
                            "to": "ok",
                            "require_comment": True,
                            "groups": ["workflow_automation.group_workflow_manager"],
                        },
                    ],
                },
            },
        )

    def test_start_list_fire_over_xmlrpc(self):
        definition_id = self._import()
        inst_id = self.call(
            "rpc_clerk",
            "workflow.instance",
            "start_workflow",
            "RPC_FLOW",
            "res.partner",
            self.partner.id,
            {"channel": "edi"},
        )
        available = self.call("rpc_manager", "workflow.instance", "get_available_transitions", [inst_id])
        transitions = available[str(inst_id)]
        self.assertEqual([t["name"] for t in transitions], ["Accept"])
        self.assertTrue(transitions[0]["require_comment"])
        # the clerk may not accept: AccessError reaches the caller, nothing changes
        with self.assertRaisesRegex(Fault, "not allowed to do Accept"):
            self.call("rpc_clerk", "workflow.instance", "fire", [inst_id], transitions[0]["id"], comment="ok")
        with self.assertRaisesRegex(Fault, "Accept needs a comment"):
            self.call("rpc_manager", "workflow.instance", "fire", [inst_id], transitions[0]["id"])
        state = self.call(
            "rpc_manager",
            "workflow.instance",
            "fire",
            [inst_id],
            transitions[0]["id"],
            comment="EDI order verified",
        )
        self.assertEqual(state, "ok")
        [inst] = self.call("rpc_clerk", "workflow.instance", "read", [inst_id], ["status", "context_data"])
        self.assertEqual(inst["status"], "completed")
        self.assertEqual(inst["context_data"], {"channel": "edi"})
        exported = self.call("rpc_manager", "workflow.definition", "export_json", [definition_id])
        self.assertEqual(exported["code"], "RPC_FLOW")

    def test_bad_arguments_get_clear_errors(self):
        self._import()
        with self.assertRaisesRegex(Fault, "start_workflow expects"):
            self.call("rpc_clerk", "workflow.instance", "start_workflow", "RPC_FLOW", "res.partner", "x")
        with self.assertRaisesRegex(Fault, "fire expects a transition id"):
            inst_id = self.call(
                "rpc_clerk", "workflow.instance", "start_workflow", "RPC_FLOW", "res.partner", self.partner.id
            )
            self.call("rpc_clerk", "workflow.instance", "fire", [inst_id], "Accept")
        with self.assertRaisesRegex(Fault, r"Invalid workflow file at \$\.workflow_config\.states"):
            self.call(
                "rpc_manager",
                "workflow.definition",
                "import_json",
                {"name": "x", "code": "X", "model": "res.partner", "workflow_config": {"states": "nope"}},
            )
        with self.assertRaisesRegex(Fault, "Only workflow managers may import"):
            self.call("rpc_clerk", "workflow.definition", "import_json", {})

    def test_clerk_cannot_write_instances_directly(self):
        self._import()
        inst_id = self.call(
            "rpc_clerk", "workflow.instance", "start_workflow", "RPC_FLOW", "res.partner", self.partner.id
        )
        with self.assertRaisesRegex(Fault, "not allowed to modify"):
            self.call("rpc_clerk", "workflow.instance", "write", [inst_id], {"status": "completed"})

    def test_export_controller(self):
        definition_id = self._import()
        self.authenticate("rpc_manager", "rpc_manager_pw")
        response = self.url_open(f"/workflow_automation/definition/{definition_id}/export")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["code"], "RPC_FLOW")
        self.assertIn("workflow_RPC_FLOW_v1.json", response.headers["Content-Disposition"])

    def _import_with_actions(self):
        """A definition whose steps run server actions (which workflow users cannot read)."""
        Definition = self.env["workflow.definition"]
        return Definition.browse(
            Definition.import_json(
                {
                    "name": "Flow with actions",
                    "code": "RPC_ACTIONS",
                    "model": "res.partner",
                    "workflow_config": {
                        "actions": [
                            {"id": "note", "type": "post_message", "name": "Note", "body": "Entered {state}"},
                            {
                                "id": "flag",
                                "type": "update_field",
                                "name": "Flag",
                                "field": "comment",
                                "value": "x",
                            },
                        ],
                        "states": [
                            {"code": "new", "name": "New", "is_initial": True, "on_exit_actions": ["flag"]},
                            {"code": "ok", "name": "OK", "is_final": True, "on_enter_actions": ["note"]},
                        ],
                        "transitions": [{"name": "Accept", "from": "new", "to": "ok", "actions": ["note"]}],
                    },
                }
            )
        )

    def test_export_by_workflow_user_describes_the_actions(self):
        definition = self._import_with_actions()
        self.assertFalse(self.clerk.has_group("base.group_system"))
        self.assertFalse(
            self.env["ir.actions.server"].with_user(self.clerk).check_access_rights("read", False)
        )
        self.authenticate("rpc_clerk", "rpc_clerk_pw")
        response = self.url_open(f"/workflow_automation/definition/{definition.id}/export")
        self.assertEqual(response.status_code, 200)
        config = response.json()["workflow_config"]
        by_key = {a["id"]: a for a in config["actions"]}
        self.assertEqual(
            sorted((a["type"], a["name"]) for a in by_key.values()),
            [("post_message", "Note"), ("update_field", "Flag")],
        )
        self.assertEqual(by_key[config["transitions"][0]["actions"][0]]["body"], "Entered {state}")
        self.assertEqual(by_key[config["states"][0]["on_exit_actions"][0]]["field"], "comment")
        # over XML-RPC too, and the export gave no read access to server actions in general
        exported = self.call("rpc_clerk", "workflow.definition", "export_json", [definition.id])
        self.assertEqual(exported["workflow_config"]["actions"], config["actions"])
        action_id = definition.transition_ids.action_ids.id
        with self.assertRaisesRegex(Fault, "not allowed to access"):
            self.call("rpc_clerk", "ir.actions.server", "read", [action_id], ["name"])

    def test_export_refused_to_a_user_of_another_company(self):
        definition = self._import_with_actions()
        other = self.env["res.company"].create({"name": "Other dairy"})
        new_test_user(
            self.env,
            login="rpc_stranger",
            password="rpc_stranger_pw",
            groups="base.group_user,workflow_automation.group_workflow_manager",
            company_id=other.id,
            company_ids=[(6, 0, other.ids)],
        )
        self.authenticate("rpc_stranger", "rpc_stranger_pw")
        response = self.url_open(f"/workflow_automation/definition/{definition.id}/export")
        self.assertEqual(response.status_code, 403)
        self.assertNotIn("Entered {state}", response.text)
        with self.assertRaisesRegex(Fault, "doesn.t have .read. access"):
            self.call("rpc_stranger", "workflow.definition", "export_json", [definition.id])


@tagged("post_install", "-at_install")
class TestApprovalXmlRpc(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        groups = "base.group_user,base.group_partner_manager"
        cls.approver = new_test_user(cls.env, login="rpc_approver", password="rpc_approver_pw", groups=groups)
        cls.other = new_test_user(cls.env, login="rpc_other", password="rpc_other_pw", groups=groups)
        cls.deputy = new_test_user(cls.env, login="rpc_deputy", password="rpc_deputy_pw", groups=groups)
        definition = cls.env["workflow.definition"].browse(
            cls.env["workflow.definition"].import_json(
                {
                    "name": "RPC approval",
                    "code": "RPC_APPROVAL",
                    "model": "res.partner",
                    "timeout_hours": 0,
                    "allow_parallel": True,
                    "workflow_config": {
                        "states": [
                            {"code": "draft", "name": "Draft", "is_initial": True},
                            {
                                "code": "review",
                                "name": "Review",
                                "state_type": "approval",
                                "approval_config": {"approvers": [{"type": "user", "login": "rpc_approver"}]},
                            },
                            {"code": "ok", "name": "OK", "is_final": True},
                            {"code": "ko", "name": "KO", "is_final": True},
                        ],
                        "transitions": [
                            {"name": "Submit", "from": "draft", "to": "review"},
                            {"name": "Yes", "from": "review", "to": "ok", "trigger_type": "approval"},
                            {"name": "No", "from": "review", "to": "ko", "trigger_type": "rejection"},
                        ],
                    },
                }
            )
        )
        partner = cls.env["res.partner"].create({"name": "Dairy wholesaler"})
        cls.requests = cls.env["approval.request"]
        for _i in range(3):
            inst = cls.env["workflow.instance"]._start(definition, partner)
            inst.fire(definition.transition_ids.filtered(lambda t: t.name == "Submit").id)
            cls.requests |= cls.env["approval.request"].search([("instance_id", "=", inst.id)])

    def call(self, login, model, method, *args, **kwargs):
        uid = self.xmlrpc_common.authenticate(self.env.cr.dbname, login, f"{login}_pw", {})
        return self.xmlrpc_object.execute_kw(
            self.env.cr.dbname, uid, f"{login}_pw", model, method, list(args), kwargs
        )

    def test_approve_reject_delegate_and_list(self):
        first, second, third = self.requests.ids
        pending = self.call("rpc_approver", "approval.request", "list_my_pending")
        self.assertEqual(sorted(p["id"] for p in pending), sorted(self.requests.ids))
        self.assertEqual(self.call("rpc_approver", "approval.request", "get_my_pending_count"), 3)
        # someone else: AccessError and nothing changes
        with self.assertRaises(Fault) as caught:
            self.call("rpc_other", "approval.request", "approve", [first], comment="me too")
        self.assertEqual(caught.exception.faultCode, 4, "Odoo's XML-RPC code of an AccessError")
        self.assertEqual(self.requests[0].status, "pending")
        self.assertEqual(
            self.call("rpc_approver", "approval.request", "approve", [first], comment="ok"),
            {str(first): "approved"},
        )
        with self.assertRaisesRegex(Fault, "explain why you reject"):
            self.call("rpc_approver", "approval.request", "reject", [second])
        self.call("rpc_approver", "approval.request", "reject", [second], comment="credit hold")
        self.call("rpc_approver", "approval.request", "delegate", [third], self.deputy.id, comment="holiday")
        self.assertEqual(
            [p["id"] for p in self.call("rpc_deputy", "approval.request", "list_my_pending")], [third]
        )
        self.assertTrue(self.call("rpc_deputy", "approval.request", "list_my_pending")[0]["delegated"])
        self.call("rpc_deputy", "approval.request", "approve", [third])
        self.assertEqual(self.requests.mapped("status"), ["approved", "rejected", "approved"])
        with self.assertRaisesRegex(Fault, "delegate expects the id of a user"):
            self.call("rpc_approver", "approval.request", "delegate", [third], "deputy")
