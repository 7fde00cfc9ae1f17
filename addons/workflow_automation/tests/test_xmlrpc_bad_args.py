"""A careless XML-RPC client: every wrongly typed argument gets a sentence, never a traceback."""

from xmlrpc.client import Fault

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestXmlRpcBadArguments(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            login="bad_manager",
            password="bad_manager_pw",
            groups="base.group_user,base.group_partner_manager,workflow_automation.group_workflow_manager",
            name="Bea Manager",
        )
        cls.clerk = new_test_user(
            cls.env,
            login="bad_clerk",
            password="bad_clerk_pw",
            groups="base.group_user,base.group_partner_manager",
            name="Carl Clerk",
        )
        cls.partner = cls.env["res.partner"].create({"name": "Hilltop Farm"})
        model = cls.env["ir.model"]._get("res.partner")
        defer = cls.env(context=dict(cls.env.context, workflow_structure_defer=True))
        cls.definition = (
            cls.env["workflow.definition"]
            .with_env(defer)
            .create(
                {
                    "name": "Careless flow",
                    "code": "CARELESS",
                    "model_id": model.id,
                    "timeout_hours": 0,
                    "state_ids": [
                        Command.create({"name": "New", "code": "new", "is_initial": True}),
                        Command.create(
                            {
                                "name": "Check",
                                "code": "check",
                                "state_type": "approval",
                                "approver_user_ids": [Command.set(cls.manager.ids)],
                            }
                        ),
                        Command.create({"name": "Done", "code": "done", "is_final": True}),
                        Command.create({"name": "Refused", "code": "refused", "is_final": True}),
                    ],
                }
            )
        )
        states = {s.code: s for s in cls.definition.state_ids}
        cls.env["workflow.transition"].with_env(defer).create(
            [
                {
                    "workflow_id": cls.definition.id,
                    "name": "Ask",
                    "from_state_id": states["new"].id,
                    "to_state_id": states["check"].id,
                },
                {
                    "workflow_id": cls.definition.id,
                    "name": "Approved",
                    "trigger_type": "approval",
                    "from_state_id": states["check"].id,
                    "to_state_id": states["done"].id,
                },
                {
                    "workflow_id": cls.definition.id,
                    "name": "Rejected",
                    "trigger_type": "rejection",
                    "from_state_id": states["check"].id,
                    "to_state_id": states["refused"].id,
                },
            ]
        )
        cls.definition._check_structure()
        cls.env["workflow.hook"]._hook_refresh()
        cls.ask = cls.definition.transition_ids.filtered(lambda t: t.name == "Ask")

    def call(self, login, model, method, *args, **kwargs):
        uids = self.__dict__.setdefault("_uids", {})
        if login not in uids:
            uids[login] = self.xmlrpc_common.authenticate(self.env.cr.dbname, login, f"{login}_pw", {})
        uid = uids[login]
        return self.xmlrpc_object.execute_kw(
            self.env.cr.dbname, uid, f"{login}_pw", model, method, list(args), kwargs
        )

    def assertFault(self, sentence, login, model, method, *args, **kwargs):
        with self.assertRaises(Fault) as caught:
            self.call(login, model, method, *args, **kwargs)
        fault = caught.exception.faultString
        self.assertIn(sentence, fault, f"{method}{args}{kwargs}")
        self.assertNotIn("Traceback", fault, f"{method}{args}{kwargs}: {fault}")
        return fault

    def test_workflow_instance_arguments(self):
        inst = self.call(
            "bad_clerk", "workflow.instance", "start_workflow", "CARELESS", "res.partner", self.partner.id
        )
        cases = [
            ("start_workflow expects (code: str", "start_workflow", ("CARELESS", "res.partner", "7")),
            (
                "start_workflow: record_id must be the id of one record",
                "start_workflow",
                ("CARELESS", "res.partner", True),
            ),
            (
                "start_workflow: record_id must be the id of one record",
                "start_workflow",
                ("CARELESS", "res.partner", -3),
            ),
            ("context_data must be a JSON object", "start_workflow", ("CARELESS", "res.partner", 1, ["x"])),
            (
                "start_workflow: code is too long",
                "start_workflow",
                ("C" * 65, "res.partner", self.partner.id),
            ),
            ("fire expects a transition id (integer).", "fire", ([inst], str(self.ask.id))),
            ("fire expects a transition id (integer).", "fire", ([inst], [self.ask.id])),
            (
                "fire: transition_id must be the id of one record (a positive integer), not True",
                "fire",
                ([inst], True),
            ),
            (
                "fire: transition_id must be the id of one record (a positive integer), not -1",
                "fire",
                ([inst], -1),
            ),
            (
                "fire: the workflow instance must hold record ids (positive integers); '1' is not one",
                "fire",
                (["1"], self.ask.id),
            ),
            (
                "fire: the workflow instance must hold record ids (positive integers); True is not one",
                "fire",
                ([True], self.ask.id),
            ),
            (
                "fire: the workflow instance must name exactly one record; 2 were given",
                "fire",
                ([inst, inst + 1], self.ask.id),
            ),
            ("The comment must be text.", "fire", ([inst], self.ask.id, 42)),
            (
                "get_available_transitions: the workflow instances must hold record ids",
                "get_available_transitions",
                (["x"],),
            ),
            ("action_cancel: reason must be text", "action_cancel", ([inst], {"why": 1})),
            (
                "action_workflow_fire: transition_id must be the id of one record",
                "action_workflow_fire",
                ([inst], "abc"),
            ),
        ]
        for sentence, method, args in cases:
            with self.subTest(method=method, args=args):
                self.assertFault(sentence, "bad_clerk", "workflow.instance", method, *args)
        # nothing moved
        self.assertEqual(self.env["workflow.instance"].browse(inst).current_state_id.code, "new")

    def test_workflow_definition_arguments(self):
        definition = self.definition.id
        self.assertFault(
            "start: record_ids must hold record ids",
            "bad_manager",
            "workflow.definition",
            "start",
            [definition],
            ["1"],
        )
        self.assertFault(
            "start: the workflow definition must name exactly one record",
            "bad_manager",
            "workflow.definition",
            "start",
            [definition, definition],
            [1],
        )
        self.assertFault(
            "start: context_data is too large",
            "bad_manager",
            "workflow.definition",
            "start",
            [definition],
            [self.partner.id],
            {"x": "y" * 70000},
        )
        self.assertFault(
            "export_json: the workflow definition must hold record ids",
            "bad_manager",
            "workflow.definition",
            "export_json",
            [False],
        )
        self.assertFault(
            "import_json: replace must be true or false",
            "bad_manager",
            "workflow.definition",
            "import_json",
            {},
            "yes",
        )
        self.assertFault(
            "Invalid workflow file at $: expected an object",
            "bad_manager",
            "workflow.definition",
            "import_json",
            [1, 2],
        )

    def test_approval_request_arguments(self):
        inst = self.call(
            "bad_clerk", "workflow.instance", "start_workflow", "CARELESS", "res.partner", self.partner.id
        )
        self.call("bad_clerk", "workflow.instance", "fire", [inst], self.ask.id)
        request = self.env["approval.request"].search([("instance_id", "=", inst)])
        self.assertEqual(len(request), 1)
        cases = [
            ("approve: the approval requests must hold record ids", "approve", (["abc"],), {}),
            ("approve: comment must be text", "approve", ([request.id],), {"comment": ["ok"]}),
            (
                "approve: comment is too long: 10001 characters, at most 10000",
                "approve",
                ([request.id],),
                {"comment": "c" * 10001},
            ),
            (
                "reject: reason_id must be the id of one record",
                "reject",
                ([request.id],),
                {"comment": "no", "reason_id": "2"},
            ),
            ("delegate expects the id of a user.", "delegate", ([request.id], "7"), {}),
            ("delegate expects the id of a user.", "delegate", ([request.id], [self.clerk.id]), {}),
            ("delegate: user_id must be the id of one record", "delegate", ([request.id], False), {}),
            (
                "list_my_pending: limit must be a whole number between 1 and 10000, not -5",
                "list_my_pending",
                (),
                {"limit": -5},
            ),
            ("list_my_pending: limit must be a whole number", "list_my_pending", (), {"limit": "10"}),
        ]
        for sentence, method, args, kwargs in cases:
            with self.subTest(method=method, args=args):
                self.assertFault(sentence, "bad_manager", "approval.request", method, *args, **kwargs)
        self.assertEqual(request.status, "pending", "nothing was decided")
        self.assertEqual(self.call("bad_manager", "approval.request", "get_my_pending_count"), 1)
