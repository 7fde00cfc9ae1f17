from odoo import Command
from odoo.tests import TransactionCase, new_test_user


class WorkflowCase(TransactionCase):
    """A small order-like workflow on res.partner used across the tests.

    draft --submit--> review --approve--> done (final)
                        \\--refuse (comment)--> refused (final)
    review --auto (condition: ref = 'AUTO')--> done
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, mail_create_nolog=True))
        cls.partner_model = cls.env["ir.model"]._get("res.partner")
        cls.manager = new_test_user(
            cls.env,
            login="wf_manager",
            # firing a transition needs write access to the record: the manager may change partners
            groups="base.group_user,base.group_partner_manager,workflow_automation.group_workflow_manager",
            name="Wanda Manager",
        )
        cls.user = new_test_user(
            cls.env, login="wf_user", groups="base.group_user,base.group_partner_manager", name="Uma User"
        )
        cls.outsider = new_test_user(
            cls.env, login="wf_portal", groups="base.group_portal", name="Otto Portal"
        )
        cls.definition = cls.make_definition()
        cls.states = {s.code: s for s in cls.definition.state_ids}
        cls.transitions = {t.name: t for t in cls.definition.transition_ids}
        cls.partner = cls.env["res.partner"].create({"name": "Green Valley Dairy Shop"})

    @classmethod
    def make_definition(cls, code="ORDER_FLOW", trigger="manual", domain="[]", **extra):
        vals = {
            "name": "Order flow",
            "code": code,
            "model_id": cls.partner_model.id,
            "trigger_type": trigger,
            "trigger_domain": domain,
            "timeout_hours": 0,
            "state_ids": [
                Command.create(
                    {
                        "name": "Draft",
                        "code": "draft",
                        "state_type": "start",
                        "is_initial": True,
                        "sequence": 1,
                    }
                ),
                Command.create({"name": "Review", "code": "review", "sequence": 2}),
                Command.create(
                    {"name": "Done", "code": "done", "state_type": "end", "is_final": True, "sequence": 3}
                ),
                Command.create(
                    {
                        "name": "Refused",
                        "code": "refused",
                        "state_type": "end",
                        "is_final": True,
                        "sequence": 4,
                    }
                ),
            ],
        }
        vals.update(extra)
        definition = cls.env["workflow.definition"].with_context(workflow_structure_defer=True).create(vals)
        st = {s.code: s for s in definition.state_ids}
        cls.env["workflow.transition"].with_context(workflow_structure_defer=True).create(
            [
                {
                    "workflow_id": definition.id,
                    "name": "Submit",
                    "from_state_id": st["draft"].id,
                    "to_state_id": st["review"].id,
                    "sequence": 1,
                },
                {
                    "workflow_id": definition.id,
                    "name": "Approve",
                    "from_state_id": st["review"].id,
                    "to_state_id": st["done"].id,
                    "sequence": 2,
                    "group_ids": [Command.set(cls.env.ref("workflow_automation.group_workflow_manager").ids)],
                },
                {
                    "workflow_id": definition.id,
                    "name": "Refuse",
                    "from_state_id": st["review"].id,
                    "to_state_id": st["refused"].id,
                    "require_comment": True,
                    "sequence": 3,
                },
                {
                    "workflow_id": definition.id,
                    "name": "Auto",
                    "from_state_id": st["review"].id,
                    "to_state_id": st["done"].id,
                    "trigger_type": "condition",
                    "condition_domain": "[('ref', '=', 'AUTO')]",
                    "sequence": 4,
                },
            ]
        )
        definition = definition.with_env(cls.env)
        definition._check_structure()
        cls.env["workflow.hook"]._hook_refresh()
        return definition

    def start(self, partner=None, definition=None):
        definition = definition or self.definition
        return self.env["workflow.instance"]._start(definition, partner or self.partner)

    def action(self, name, **vals):
        return self.env["ir.actions.server"].create(
            dict({"name": name, "model_id": self.partner_model.id}, **vals)
        )


def make_approval_definition(env, approval_state, code, name="Approval flow"):
    """draft --Submit--> <approval_state> --approval--> approved | --rejection--> rejected.

    ``approval_state``: the values of the approval state (code ``review``). Shared by the
    tests of every addon that needs a one-level approval flow on partners.
    """
    definition = (
        env["workflow.definition"]
        .with_context(workflow_structure_defer=True)
        .create(
            {
                "name": name,
                "code": code,
                "model_id": env["ir.model"]._get("res.partner").id,
                "timeout_hours": 0,
                "state_ids": [
                    Command.create({"name": "Draft", "code": "draft", "is_initial": True, "sequence": 1}),
                    Command.create(approval_state),
                    Command.create({"name": "Approved", "code": "approved", "is_final": True, "sequence": 3}),
                    Command.create({"name": "Rejected", "code": "rejected", "is_final": True, "sequence": 4}),
                ],
            }
        )
    )
    st = {s.code: s for s in definition.state_ids}
    env["workflow.transition"].with_context(workflow_structure_defer=True).create(
        [
            {
                "workflow_id": definition.id,
                "name": "Submit",
                "from_state_id": st["draft"].id,
                "to_state_id": st["review"].id,
            },
            {
                "workflow_id": definition.id,
                "name": "Approved",
                "from_state_id": st["review"].id,
                "to_state_id": st["approved"].id,
                "trigger_type": "approval",
            },
            {
                "workflow_id": definition.id,
                "name": "Rejected",
                "from_state_id": st["review"].id,
                "to_state_id": st["rejected"].id,
                "trigger_type": "rejection",
            },
        ]
    )
    definition = definition.with_env(env)
    definition._check_structure()
    return definition
