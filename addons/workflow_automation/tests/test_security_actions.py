"""Server actions of a workflow run with the rights of whoever configured them, never more.

The refused user is a Workflow Manager who is not an administrator.
"""

from xmlrpc.client import Fault

from odoo.exceptions import AccessError
from odoo.tests import Form, HttpCase, new_test_user, tagged

from .common import WorkflowCase

DESIGNER_GROUPS = "base.group_user,base.group_partner_manager,workflow_automation.group_workflow_manager"


def one_step_flow(code, model, action):
    """A two-state workflow on ``model`` whose only transition runs ``action``."""
    return {
        "name": f"Flow {code}",
        "code": code,
        "model": model,
        "timeout_hours": 0,
        "workflow_config": {
            "states": [
                {"code": "new", "name": "New", "is_initial": True},
                {"code": "done", "name": "Done", "is_final": True},
            ],
            "transitions": [{"name": "Go", "from": "new", "to": "done", "actions": [action]}],
        },
    }


@tagged("post_install", "-at_install")
class TestActionRights(WorkflowCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.designer = new_test_user(
            cls.env, login="wf_designer", groups=DESIGNER_GROUPS, name="Dana Designer"
        )
        cls.other_company = cls.env["res.company"].create({"name": "Hill Farm Cheese"})

    def test_designer_is_not_an_administrator(self):
        self.assertTrue(self.designer.has_group("workflow_automation.group_workflow_manager"))
        self.assertFalse(self.designer.has_group("base.group_system"))

    def _import_as_designer(self, data):
        return self.env["workflow.definition"].with_user(self.designer).import_json(data)

    def _nothing_stored(self, code):
        self.assertFalse(
            self.env["workflow.definition"].with_context(active_test=False).search([("code", "=", code)])
        )
        self.assertFalse(self.env["ir.actions.server"].search([("name", "=", f"act {code}")]))

    # ------------------------------------------------------------------
    # import
    # ------------------------------------------------------------------
    def test_import_refuses_sensitive_models(self):
        cases = [
            ("UP_USERS", "res.users", {"field": "active", "value": False}),
            ("UP_GROUPS", "res.groups", {"field": "name", "value": "Everybody"}),
            ("UP_PARAM", "ir.config_parameter", {"field": "value", "value": "http://evil.example"}),
            ("UP_SRV", "ir.actions.server", {"field": "state", "value": "code"}),
            ("UP_CRON", "ir.cron", {"field": "active", "value": True}),
            ("UP_RULE", "ir.rule", {"field": "domain_force", "value": "[(1, '=', 1)]"}),
            ("UP_ACCESS", "ir.model.access", {"field": "perm_write", "value": True}),
            ("UP_INST", "workflow.instance", {"field": "status", "value": "completed"}),
        ]
        for code, model, spec in cases:
            with self.subTest(model=model):
                action = dict(spec, type="update_field", name=f"act {code}")
                with self.assertRaisesRegex(AccessError, "reserved to administrators"):
                    self._import_as_designer(one_step_flow(code, model, action))
                self._nothing_stored(code)

    def test_import_refuses_sensitive_fields_and_existing_admin_actions(self):
        # the users of a partner are users: a one2many to them is for administrators
        with self.assertRaisesRegex(AccessError, r"transitions\[0\]\.actions\[0\].*reserved to admin"):
            self._import_as_designer(
                one_step_flow(
                    "UP_PATH",
                    "res.partner",
                    {
                        "type": "update_field",
                        "name": "act UP_PATH",
                        "field": "user_ids",
                        "value": "2",
                    },
                )
            )
        self._nothing_stored("UP_PATH")
        # Python code an administrator wrote cannot be pulled into a non-administrator's workflow
        code_action = self.action("Admin code", state="code", code="records.write({'comment': 'x'})")
        with self.assertRaisesRegex(AccessError, "actions of type code are reserved"):
            self._import_as_designer(
                one_step_flow(
                    "USE_CODE",
                    "res.partner",
                    {"type": "server_action", "server_action_id": code_action.id},
                )
            )
        self._nothing_stored("USE_CODE")

    def test_designer_opens_the_forms_of_a_workflow_with_actions(self):
        # a Workflow Manager who is no administrator reads the actions a workflow runs (their
        # names in the state and transition forms); the Python code of an action stays hidden
        definition_id = self._import_as_designer(
            one_step_flow(
                "FORM_READ",
                "res.partner",
                {"type": "update_field", "name": "Flag the partner", "field": "comment", "value": "checked"},
            )
        )
        definition = self.env["workflow.definition"].with_user(self.designer).browse(definition_id)
        self.assertEqual(Form(definition).name, "Flow FORM_READ")  # reads every field of the form
        transition = definition.transition_ids.filtered("action_ids")
        self.assertEqual(Form(transition).action_ids[0].display_name, "Flag the partner")
        code_action = self.action("Admin code", state="code", code="records.write({'comment': 'x'})")
        self.assertEqual(code_action.with_user(self.designer).name, "Admin code")
        with self.assertRaises(AccessError):
            code_action.with_user(self.designer).code  # noqa: B018 (reading is the point)
        with self.assertRaises(AccessError):
            code_action.with_user(self.designer).write({"name": "Renamed"})

    def test_administrator_may_import_sensitive_actions(self):
        definition_id = self.env["workflow.definition"].import_json(
            one_step_flow(
                "ADMIN_PARAM",
                "ir.config_parameter",
                {"type": "update_field", "name": "act ADMIN_PARAM", "field": "value", "value": "1"},
            )
        )
        self.assertTrue(self.env["workflow.definition"].browse(definition_id).transition_ids.action_ids)

    # ------------------------------------------------------------------
    # save
    # ------------------------------------------------------------------
    def test_saving_steps_refuses_sensitive_actions(self):
        users_model = self.env["ir.model"]._get("res.users")
        param_model = self.env["ir.model"]._get("ir.config_parameter")
        settings = self.env.ref("base.group_system")
        to_settings = self.env["ir.actions.server"].create(
            {
                "name": "Make admin",
                "model_id": users_model.id,
                "state": "object_write",
                "update_path": "groups_id",
                "update_m2m_operation": "add",
                "resource_ref": f"res.groups,{settings.id}",
            }
        )
        new_param = self.env["ir.actions.server"].create(
            {"name": "New parameter", "model_id": param_model.id, "state": "object_create", "value": "x"}
        )
        code = self.action("Admin code", state="code", code="records.write({'comment': 'x'})")
        review = self.states["review"].with_user(self.designer)
        submit = self.transitions["Submit"].with_user(self.designer)
        for action in (to_settings, new_param, code):
            with self.subTest(action=action.name):
                with (
                    self.assertRaisesRegex(AccessError, "reserved to administrators"),
                    self.env.cr.savepoint(),
                ):
                    review.write({"on_enter_action_ids": [(4, action.id)]})
                with (
                    self.assertRaisesRegex(AccessError, "reserved to administrators"),
                    self.env.cr.savepoint(),
                ):
                    review.write({"on_exit_action_ids": [(4, action.id)]})
                with (
                    self.assertRaisesRegex(AccessError, "reserved to administrators"),
                    self.env.cr.savepoint(),
                ):
                    submit.write({"action_ids": [(4, action.id)]})
        self.assertFalse(self.states["review"].on_enter_action_ids | self.states["review"].on_exit_action_ids)
        self.assertFalse(self.transitions["Submit"].action_ids)
        # a plain field of the record is fine
        note = self.action("Note", state="object_write", update_path="comment", value="Checked")
        submit.write({"action_ids": [(4, note.id)]})
        self.assertEqual(self.transitions["Submit"].action_ids, note)

    def test_repointing_a_workflow_action_is_checked(self):
        definition = self.env["workflow.definition"].browse(
            self._import_as_designer(
                one_step_flow(
                    "NOTE",
                    "res.partner",
                    {"type": "update_field", "name": "Note", "field": "comment", "value": "ok"},
                )
            )
        )
        action = definition.transition_ids.action_ids
        # the designer may not write server actions at all; through any sudo path the deny-list still holds
        with self.assertRaises(AccessError):
            action.with_user(self.designer).write({"update_path": "user_id.active"})
        with self.assertRaisesRegex(AccessError, "reserved to administrators"), self.env.cr.savepoint():
            action.with_user(self.designer).sudo().write({"update_path": "user_id.active"})

    # ------------------------------------------------------------------
    # run
    # ------------------------------------------------------------------
    def test_action_repointed_by_a_non_administrator_is_refused_at_run_time(self):
        salesman = new_test_user(self.env, login="wf_salesman", groups="base.group_user")
        self.partner.user_id = salesman
        action = self.action("Note", state="object_write", update_path="comment", value="Checked")
        self.transitions["Submit"].action_ids = action  # configured by the administrator: fine
        # later the action is re-pointed at the salesperson's user by the designer through a path that
        # skipped the checks at save time (simulated in SQL: the administrator's write, the designer's name)
        action.write({"update_path": "user_id.active", "update_boolean_value": "false"})
        self.env.cr.execute(
            "UPDATE ir_act_server SET workflow_configured_by = %s WHERE id = %s",
            [self.designer.id, action.id],
        )
        action.invalidate_recordset(["workflow_configured_by"])
        inst = self.start()
        with self.assertRaisesRegex(AccessError, "Dana Designer.*reserved to administrators"):
            inst.fire(self.transitions["Submit"].id)
        self.assertEqual(inst.current_state_id.code, "draft")
        self.assertTrue(salesman.active)
        self.assertEqual(inst.history_ids.mapped("action_type"), ["start"])

    def test_manager_actions_run_with_the_managers_rights(self):
        definition = self.env["workflow.definition"].browse(
            self._import_as_designer(
                one_step_flow(
                    "NOTE",
                    "res.partner",
                    {
                        "type": "update_field",
                        "name": "Note",
                        "field": "comment",
                        "value": "Checked by workflow",
                    },
                )
            )
        )
        go = definition.transition_ids
        # in the designer's company: it runs, as the designer (not as the administrator who fired it)
        inst = self.env["workflow.instance"]._start(definition, self.partner)
        inst.fire(go.id)
        self.assertEqual(inst.status, "completed")
        self.assertIn("Checked by workflow", self.partner.comment)
        self.assertEqual(self.partner.write_uid, self.designer)
        # a shop of a company the designer is not in: the action may not write it, nothing changes
        foreign = self.env["res.partner"].create(
            {"name": "Foreign shop", "company_id": self.other_company.id}
        )
        inst = self.env["workflow.instance"]._start(definition, foreign)
        self.assertEqual(inst.company_id, self.other_company)
        with self.assertRaisesRegex(AccessError, "Dana Designer, who has no access to the company Hill Farm"):
            inst.fire(go.id)
        self.assertFalse(foreign.comment)
        self.assertEqual(inst.current_state_id.code, "new")
        self.assertEqual(inst.history_ids.mapped("action_type"), ["start"])

    def test_actions_of_a_manager_who_may_not_change_partners_do_not_change_them(self):
        # a Workflow Manager without the Contact Creation right designs a workflow that writes partners
        planner = new_test_user(
            self.env,
            login="wf_planner",
            groups="base.group_user,workflow_automation.group_workflow_manager",
            name="Pat Planner",
        )
        definition = self.env["workflow.definition"].browse(
            self.env["workflow.definition"]
            .with_user(planner)
            .import_json(
                one_step_flow(
                    "NOTE",
                    "res.partner",
                    {"type": "update_field", "name": "Note", "field": "comment", "value": "Checked"},
                )
            )
        )
        # the administrator fires it: the action still runs with the planner's rights only
        inst = self.env["workflow.instance"]._start(definition, self.partner)
        with self.assertRaises(AccessError):
            inst.fire(definition.transition_ids.id)
        self.assertFalse(self.partner.comment)
        self.assertEqual(inst.current_state_id.code, "new")
        self.assertEqual(inst.history_ids.mapped("action_type"), ["start"])


@tagged("post_install", "-at_install")
class TestActionRightsXmlRpc(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        new_test_user(cls.env, login="rpc_designer", password="rpc_designer_pw", groups=DESIGNER_GROUPS)

    def call(self, model, method, *args, **kwargs):
        db = self.env.cr.dbname
        uid = self.xmlrpc_common.authenticate(db, "rpc_designer", "rpc_designer_pw", {})
        return self.xmlrpc_object.execute_kw(db, uid, "rpc_designer_pw", model, method, list(args), kwargs)

    def test_designer_cannot_import_a_workflow_that_writes_parameters(self):
        data = one_step_flow(
            "RPC_PARAM",
            "ir.config_parameter",
            {"type": "update_field", "name": "act RPC_PARAM", "field": "value", "value": "1"},
        )
        with self.assertRaises(Fault) as caught:
            self.call("workflow.definition", "import_json", data)
        self.assertEqual(caught.exception.faultCode, 4, "Odoo's XML-RPC code of an AccessError")
        self.assertIn("ir.config_parameter records, reserved to administrators", caught.exception.faultString)
        self.assertFalse(self.call("workflow.definition", "search", [("code", "=", "RPC_PARAM")]))
        # the same workflow on a plain field of a partner is fine
        data = one_step_flow(
            "RPC_NOTE",
            "res.partner",
            {"type": "update_field", "name": "Note", "field": "comment", "value": "ok"},
        )
        self.assertTrue(self.call("workflow.definition", "import_json", data))
