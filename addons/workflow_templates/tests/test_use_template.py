from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import TemplateCase, make_user


@tagged("post_install", "-at_install")
class TestUseTemplate(TemplateCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.approver = make_user(
            cls.env, "tpl_approver", "base.group_user,sales_team.group_sale_manager", "Sadia Sales"
        )
        cls.sale_template = cls.env["workflow.template"].search([("code", "=", "SALES_ORDER_APPROVAL")])

    def test_wizard_makes_a_draft_with_the_choices(self):
        action = self.sale_template.with_user(self.manager).action_use()
        self.assertEqual(action["res_model"], "workflow.template.use")
        form = Form(
            self.env["workflow.template.use"].with_user(self.manager).with_context(**action["context"])
        )
        self.assertEqual(form.name, "Sales order approval by amount")
        with form.role_ids.edit(0) as role:
            self.assertEqual(role.name, "Sales manager")
            self.assertEqual(role.group_ids[:], self.env.ref("sales_team.group_sale_manager"))
            role.user_ids.add(self.approver)
            role.group_ids.clear()
        with form.param_ids.edit(0) as param:
            self.assertEqual(param.value, 10000)
            param.value = 25000
        wizard = form.save()
        result = wizard.action_create()
        definition = self.env["workflow.definition"].with_context(active_test=False).browse(result["res_id"])
        self.assertEqual(result["res_model"], "workflow.definition")
        self.assertFalse(definition.active, "a template makes a draft (archived) workflow")
        self.assertEqual(definition.code, "SALES_ORDER_APPROVAL")
        self.assertEqual(definition.model_name, "sale.order")
        approval = definition.state_ids.filtered(lambda s: s.code == "approval")
        self.assertEqual(approval.approver_user_ids, self.approver)
        self.assertFalse(approval.approver_group_ids)
        self.assertEqual(approval.timeout_hours, 24)
        domains = definition.transition_ids.mapped("condition_domain")
        self.assertIn("[('amount_untaxed', '>=', 25000.0)]", domains)
        self.assertEqual(self.sale_template.use_count, 1)

        # a second use: an independent definition with its own code
        second = self.sale_template.with_user(self.manager)._instantiate(
            {}, {"sales_manager": {"groups": self.env.ref("sales_team.group_sale_manager")}}
        )
        self.assertEqual(second.code, "SALES_ORDER_APPROVAL_2")
        self.assertNotEqual(second.state_ids, definition.state_ids)
        third = self.sale_template.with_user(self.manager)._instantiate(
            {}, {"sales_manager": {"users": self.approver}}
        )
        self.assertEqual(third.code, "SALES_ORDER_APPROVAL_3")
        second.action_activate()
        self.assertTrue(second.active)

    def test_every_role_needs_someone(self):
        wizard = (
            self.env["workflow.template.use"]
            .with_user(self.manager)
            .create({"template_id": self.sale_template.id, "name": "X"})
        )
        wizard.role_ids.group_ids = False
        self.assertEqual(wizard.role_ids.name, "Sales manager")
        with self.assertRaisesRegex(
            UserError, "Choose who takes the role Sales manager: users, groups or both"
        ):
            wizard.action_create()

    def test_bad_parameter_is_refused_and_nothing_stored(self):
        template = self.template("LEAVE_APPROVAL")
        before = self.env["workflow.definition"].with_context(active_test=False).search_count([])
        with self.assertRaisesRegex(ValidationError, "Long leave from \\(days\\) needs a whole number"):
            template.with_user(self.manager)._instantiate(
                {"long_leave_days": 2.5},
                {"officer": {"users": self.approver}, "hr_manager": {"users": self.approver}},
            )
        self.assertEqual(
            self.env["workflow.definition"].with_context(active_test=False).search_count([]), before
        )

    def test_only_workflow_managers_use_templates(self):
        with self.assertRaisesRegex(AccessError, "Only workflow managers may use workflow templates"):
            self.sale_template.with_user(self.employee).action_use()
        with self.assertRaises(AccessError):
            self.sale_template.with_user(self.employee)._instantiate(
                {}, {"sales_manager": {"users": self.approver}}
            )
        with self.assertRaises(AccessError):
            self.env["workflow.template"].with_user(self.employee).search([])

    def _raw_template(self, code, model, actions):
        return self.env["workflow.template"].create(
            {
                "name": f"Test {code}",
                "code": code,
                "category": "admin",
                "model": model,
                "modules": "",
                "version": "1.0",
                "roles": [],
                "parameters": [],
                "definition": {
                    "workflow_config": {
                        "states": [
                            {"code": "open", "name": "Open", "state_type": "start"},
                            {
                                "code": "done",
                                "name": "Done",
                                "state_type": "end",
                                "on_enter_actions": actions,
                            },
                        ],
                        "transitions": [{"name": "Close", "from": "open", "to": "done"}],
                    }
                },
            }
        )

    def test_non_admin_manager_meets_the_import_deny_list(self):
        template = self._raw_template(
            "USER_LOCKOUT", "res.users", [{"type": "update_field", "field": "active", "value": False}]
        )
        with self.assertRaisesRegex(AccessError, r"Workflow file at \$\.workflow_config\.states\[1\]"):
            template.with_user(self.manager)._instantiate({}, {})
        # an administrator may (the same rule as JSON import)
        definition = template.with_user(self.admin)._instantiate({}, {})
        self.assertEqual(definition.model_name, "res.users")

    def test_non_admin_manager_may_change_requests_not_the_suite_internals(self):
        # a request is a document people file: the templates' request actions are usable by a
        # Workflow Manager who is no administrator (the tour uses one on "System access request")
        request_action = self._raw_template(
            "REQ_CLOSE", "workflow.request", [{"type": "update_field", "field": "priority", "value": "1"}]
        )
        definition = request_action.with_user(self.manager)._instantiate({}, {})
        self.assertEqual(definition.model_name, "workflow.request")
        # the suite's own records stay reserved to administrators
        internals = self._raw_template(
            "DEF_OFF", "workflow.definition", [{"type": "update_field", "field": "active", "value": False}]
        )
        with self.assertRaisesRegex(AccessError, "workflow.definition records, reserved to administrators"):
            internals.with_user(self.manager)._instantiate({}, {})

    def test_same_errors_as_json_import(self):
        template = self._raw_template(
            "BAD_FIELD", "res.partner", [{"type": "update_field", "field": "nope", "value": 1}]
        )
        with self.assertRaisesRegex(
            ValidationError,
            r"Invalid workflow file at \$\.workflow_config\.states\[1\]\.on_enter_actions\[0\]\.field: "
            "res.partner has no writable field nope",
        ):
            template.with_user(self.manager)._instantiate({}, {})
        self.assertFalse(
            self.env["workflow.definition"]
            .with_context(active_test=False)
            .search([("code", "=", "BAD_FIELD")])
        )

    def test_gallery_filters(self):
        Template = self.env["workflow.template"].with_user(self.manager)
        usable = Template.search([("usable", "=", True)])
        self.assertIn(self.sale_template, usable)
        self.assertEqual(self.sale_template.model_description, "Sales Order")
        self.assertEqual(
            self.sale_template.state_names,
            "Quotation → Amount check → Sales manager approval → Approved → Rejected",
        )
        groups = Template.read_group([], ["category"], ["category"])
        self.assertTrue({"sales", "procurement", "quality", "people"} <= {g["category"] for g in groups})
        self.assertIn(self.sale_template, Template.search([("name", "ilike", "sales order")]))

    def test_company_of_the_workflow(self):
        other = self.env["res.company"].create({"name": "Smart Dairy Chattogram"})
        self.manager.write({"company_ids": [(4, other.id)]})
        wizard = (
            self.env["workflow.template.use"]
            .with_user(self.manager)
            .create(
                {
                    "template_id": self.sale_template.id,
                    "name": "Chattogram order approval",
                    "company_id": other.id,
                }
            )
        )
        wizard.role_ids.user_ids = self.admin
        result = wizard.action_create()
        definition = self.env["workflow.definition"].with_context(active_test=False).browse(result["res_id"])
        self.assertEqual(definition.company_id, other)
        self.assertEqual(definition.name, "Chattogram order approval")
        self.assertEqual(
            definition.state_ids.filtered(lambda s: s.code == "approval").approver_user_ids, self.admin
        )
