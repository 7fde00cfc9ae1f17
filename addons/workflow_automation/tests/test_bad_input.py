"""Bad input refused when it is saved, with a sentence naming what is wrong (issue 9, item 8)."""

import logging
import time
from collections import defaultdict
from contextlib import contextmanager

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import WorkflowCase

_logger = logging.getLogger(__name__)


class RefusedMixin:
    @contextmanager
    def refused(self, regex):
        """The block is refused with a ValidationError matching ``regex``; nothing of it is kept."""
        with self.assertRaisesRegex(ValidationError, regex), self.env.cr.savepoint():
            yield
        self.env.invalidate_all()


def chain_document(code, count, approval_every=0):
    """A JSON definition: s0 -> s1 -> ... -> s<count-1> (final)."""
    states = []
    for i in range(count):
        state = {"code": f"s{i}", "name": f"Step {i}"}
        if i == 0:
            state["is_initial"] = True
        elif i == count - 1:
            state["is_final"] = True
        elif approval_every and i % approval_every == 0:
            state["state_type"] = "approval"
        states.append(state)
    transitions = [{"name": f"Next {i}", "from": f"s{i}", "to": f"s{i + 1}"} for i in range(count - 1)]
    return {
        "name": f"Chain {code}",
        "code": code,
        "model": "res.partner",
        "workflow_config": {"states": states, "transitions": transitions},
    }


@tagged("post_install", "-at_install")
class TestDomainsRefusedAtSave(RefusedMixin, WorkflowCase):
    """Every stored domain is checked against its model when it is saved."""

    def test_trigger_domain_that_cannot_run_is_refused(self):
        Definition = self.env["workflow.definition"].with_user(self.manager)
        for i, (domain, expected) in enumerate(
            [
                ("[('no_such_field', '=', 1)]", "has no field no_such_field"),
                ("[('name', 'like', 5)]", "condition on name needs a text value"),
                ("[('create_date', '>', 'yesterday')]", "needs a date"),
                ("[('name.id', '=', 1)]", "name is not a relation"),
                ("[('name', 'bogus', 1)]", "cannot be used: unknown operator 'bogus'"),
                ("[('name', 'in', 'Shop')]", "needs a list value"),
                ("[('id', '=', 'abc')]", "condition on id needs a number"),
            ]
        ):
            with self.subTest(domain=domain), self.refused(expected):
                Definition.create(
                    {
                        "name": "Broken trigger",
                        "code": f"BROKEN_TRIGGER_{i}",
                        "model_id": self.partner_model.id,
                        "trigger_type": "on_create",
                        "trigger_domain": domain,
                    }
                )
        with self.refused("The trigger condition of Order flow.*no field"):
            self.definition.with_user(self.manager).trigger_domain = "[('nope', '=', 1)]"

    def test_transition_condition_that_cannot_run_is_refused(self):
        submit = self.transitions["Submit"].with_user(self.manager)
        with self.refused(
            "The condition of transition Submit cannot be used: the condition on ref needs a text value"
        ):
            submit.condition_domain = "[('ref', 'ilike', 42)]"
        submit.condition_domain = "[('ref', 'ilike', '42')]"  # a good one is kept
        self.assertEqual(submit.condition_domain, "[('ref', 'ilike', '42')]")

    def test_trigger_condition_broken_later_never_fails_the_save(self):
        definition = self.make_definition(
            code="ON_CREATE", trigger="on_create", domain="[('ref', '=', 'GO')]"
        )
        # a field removed by a module uninstall after the definition was saved
        self.env.cr.execute(
            "UPDATE workflow_definition SET trigger_domain = %s WHERE id = %s",
            ("[('x_removed_field', '=', 'GO')]", definition.id),
        )
        definition.invalidate_recordset(["trigger_domain"])
        with mute_logger("odoo.addons.workflow_automation.tools.conditions"):
            partner = (
                self.env["res.partner"].with_user(self.user).create({"name": "Still saved", "ref": "GO"})
            )
            partner.write({"ref": "GO2"})
        self.assertTrue(partner.exists())
        self.assertFalse(self.env["workflow.instance"].search([("workflow_id", "=", definition.id)]))

    def test_transition_condition_broken_later_is_skipped(self):
        inst = self.start()
        submit = self.transitions["Submit"]
        self.env.cr.execute(
            "UPDATE workflow_transition SET condition_domain = %s WHERE id = %s",
            ("[('x_removed_field', '=', 1)]", submit.id),
        )
        submit.invalidate_recordset(["condition_domain"])
        inst.invalidate_recordset(["available_transitions"])
        with mute_logger("odoo.addons.workflow_automation.tools.conditions"):
            self.assertNotIn(
                submit.id, [t["id"] for t in inst.with_user(self.manager).available_transitions or []]
            )
            with self.assertRaisesRegex(UserError, "Submit is not possible"):
                inst.with_user(self.manager).fire(submit.id)
        self.assertEqual(inst.current_state_id, self.states["draft"])


@tagged("post_install", "-at_install")
class TestApprovalLevelsCheck(RefusedMixin, WorkflowCase):
    """The approval-levels check is linear: big definitions validate fast or get a sentence."""

    def _ladder(self, steps, approval_every=5):
        """``steps`` states in a row, each with two transitions to the next (2^steps paths)."""
        states = [Command.create({"name": "L0", "code": "l0", "is_initial": True, "sequence": 0})]
        for i in range(1, steps - 1):
            kind = "approval" if i % approval_every == 0 else "normal"
            states.append(
                Command.create({"name": f"L{i}", "code": f"l{i}", "state_type": kind, "sequence": i})
            )
        states.append(
            Command.create({"name": "End", "code": f"l{steps - 1}", "is_final": True, "sequence": steps})
        )
        definition = (
            self.env["workflow.definition"]
            .with_context(workflow_structure_defer=True)
            .create(
                {"name": "Ladder", "code": "LADDER", "model_id": self.partner_model.id, "state_ids": states}
            )
        )
        by_code = {s.code: s.id for s in definition.state_ids}
        vals = []
        for i in range(steps - 1):
            for label in ("approve", "fast track"):
                vals.append(
                    {
                        "workflow_id": definition.id,
                        "name": f"{label} {i}",
                        "from_state_id": by_code[f"l{i}"],
                        "to_state_id": by_code[f"l{i + 1}"],
                    }
                )
        self.env["workflow.transition"].with_context(workflow_structure_defer=True).create(vals)
        return definition

    def test_forty_state_ladder_validates(self):
        definition = self._ladder(40)  # 7 approval states on every one of 2^39 paths
        started = time.perf_counter()
        self.assertTrue(definition._check_structure())
        _logger.info("40-state ladder validated in %.1f ms", (time.perf_counter() - started) * 1000)
        self.assertEqual(
            definition._max_approval_levels(definition.get_initial_state().id, self._graph(definition)), 7
        )

    def test_ladder_with_too_many_approvals_keeps_the_sentence(self):
        definition = self._ladder(40, approval_every=3)  # 12 approval states on a path
        with self.refused("Workflow Ladder has a path through 12 approval states; at most 10 are allowed."):
            definition._check_structure()

    def _graph(self, definition):
        graph = defaultdict(set)
        for tr in definition.transition_ids:
            graph[tr.from_state_id.id].add(tr.to_state_id.id)
        return graph

    def test_loops_count_each_approval_state_once(self):
        """A rejection sending the record back counts each approval state once, however often it loops."""
        Definition = self.env["workflow.definition"].with_user(self.manager)

        def flow(code, approvals):
            states = [{"code": "draft", "name": "Draft", "is_initial": True}]
            states += [
                {"code": f"a{i}", "name": f"Level {i}", "state_type": "approval"} for i in range(approvals)
            ]
            states.append({"code": "done", "name": "Done", "is_final": True})
            chain = ["draft"] + [f"a{i}" for i in range(approvals)] + ["done"]
            transitions = [{"name": f"to {b}", "from": a, "to": b} for a, b in zip(chain, chain[1:])]
            transitions += [{"name": f"reject {i}", "from": f"a{i}", "to": "draft"} for i in range(approvals)]
            return {
                "name": code,
                "code": code,
                "model": "res.partner",
                "workflow_config": {"states": states, "transitions": transitions},
            }

        self.assertTrue(Definition.import_json(flow("TEN_LEVELS", 10)))
        with self.refused("path through 11 approval states; at most 10 are allowed"):
            Definition.import_json(flow("ELEVEN_LEVELS", 11))

    def test_five_thousand_state_chain_gets_a_sentence(self):
        Definition = self.env["workflow.definition"].with_user(self.manager)
        started = time.perf_counter()
        with self.refused(
            r"Invalid workflow file at \$\.workflow_config\.states: 5000 states; a workflow has at most 1000",
        ):
            Definition.import_json(chain_document("CHAIN_5000", 5000, approval_every=50))
        _logger.info("5,000-state chain refused in %.1f ms", (time.perf_counter() - started) * 1000)
        self.assertFalse(Definition.search([("code", "=", "CHAIN_5000")]))

    def test_more_states_than_allowed_refused_by_the_model(self):
        states = [Command.create({"name": "S0", "code": "s0", "is_initial": True})]
        states += [Command.create({"name": f"S{i}", "code": f"s{i}"}) for i in range(1, 1000)]
        states.append(Command.create({"name": "End", "code": "end", "is_final": True}))
        with self.refused("has 1001 states; a workflow has at most 1000 states"):
            self.env["workflow.definition"].create(
                {"name": "Too big", "code": "TOO_BIG", "model_id": self.partner_model.id, "state_ids": states}
            )

    def test_thousand_state_chain_validates(self):
        definition = (
            self.env["workflow.definition"]
            .with_user(self.manager)
            .import_json(chain_document("CHAIN_1000", 1000, approval_every=200))
        )
        definition = self.env["workflow.definition"].browse(definition)
        self.assertEqual(definition.state_count, 1000)
        self.assertTrue(definition._check_structure())


@tagged("post_install", "-at_install")
class TestSizeLimits(RefusedMixin, WorkflowCase):
    def test_names_codes_and_texts_have_limits(self):
        Definition = self.env["workflow.definition"].with_user(self.manager)
        with self.refused("Name of Workflow Definition is too long: 257 characters, at most 256"):
            self.definition.with_user(self.manager).name = "x" * 257
        with self.refused("Code of Workflow Definition is too long: 65 characters, at most 64"):
            self.definition.with_user(self.manager).code = "C" * 65
        with self.refused("Name of Workflow State is too long"):
            self.states["draft"].with_user(self.manager).name = "d" * 300
        doc = chain_document("LONG", 3)
        doc["workflow_config"]["states"][1]["name"] = "n" * 257
        with self.refused(r"\$\.workflow_config\.states\[1\]\.name: too long: 257 characters, at most 256"):
            Definition.import_json(doc)
        doc = chain_document("LONG_MSG", 3)
        doc["workflow_config"]["actions"] = [{"id": "say", "type": "post_message", "body": "b" * 10001}]
        with self.refused(r"actions\[0\]\.body: too long: 10001 characters, at most 10000"):
            Definition.import_json(doc)
        self.assertFalse(Definition.search([("code", "in", ("LONG", "LONG_MSG"))]))

    def test_api_refuses_oversized_comment_and_context(self):
        Instance = self.env["workflow.instance"].with_user(self.user)
        with self.refused("start_workflow: context_data is too large: .* at most 65536"):
            Instance.start_workflow("ORDER_FLOW", "res.partner", self.partner.id, {"blob": "x" * 70000})
        inst = self.env["workflow.instance"].browse(
            Instance.start_workflow("ORDER_FLOW", "res.partner", self.partner.id, {"channel": "edi"})
        )
        with self.refused("fire: comment is too long: 10001 characters, at most 10000"):
            inst.with_user(self.user).fire(self.transitions["Submit"].id, comment="c" * 10001)
        self.assertEqual(inst.current_state_id, self.states["draft"], "nothing changed")
        with self.refused("Context Data of Workflow Instance is too large"):
            inst.sudo().context_data = {"blob": "y" * 70000}
        action = self.env["ir.actions.server"].create(
            {"name": "Say", "model_id": self.partner_model.id, "state": "workflow_message"}
        )
        with self.refused("Message of .* is too long: 10001 characters, at most 10000"):
            action.workflow_message_body = "m" * 10001


@tagged("post_install", "-at_install")
class TestApproversRefused(RefusedMixin, WorkflowCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.archived = new_test_user(cls.env, login="wf_gone", groups="base.group_user", name="Gina Gone")
        cls.archived.active = False
        cls.group_portal = cls.env.ref("base.group_portal")

    def test_state_save_refuses_portal_archived_and_portal_groups(self):
        review = self.states["review"].with_user(self.manager)
        review.state_type = "approval"
        with self.refused("State Review: Otto Portal is a portal or public user"):
            review.approver_user_ids = [Command.set(self.outsider.ids)]
        with self.refused("State Review: Gina Gone is archived and cannot approve"):
            review.approver_user_ids = [Command.set(self.archived.ids)]
        with self.refused("the group .*Portal is for portal or public users"):
            review.approver_group_ids = [Command.set(self.group_portal.ids)]
        review.approver_user_ids = [Command.set(self.manager.ids)]
        self.assertEqual(review.approver_user_ids, self.manager)

    def test_import_refuses_portal_archived_and_portal_groups(self):
        Definition = self.env["workflow.definition"].with_user(self.manager)
        for approver, expected in [
            ({"type": "user", "login": "wf_portal"}, "Otto Portal is a portal or public user"),
            ({"type": "user", "login": "wf_gone"}, "Gina Gone is archived and cannot approve"),
            ({"type": "user", "id": self.archived.id}, "Gina Gone is archived"),
            (
                {"type": "group", "xmlid": "base.group_public"},
                "the group .*Public is for portal or public users",
            ),
        ]:
            doc = chain_document("APPROVERS", 3)
            doc["workflow_config"]["states"][1].update(
                state_type="approval", approval_config={"approvers": [approver]}
            )
            with (
                self.subTest(approver=approver),
                self.refused(
                    r"Invalid workflow file at \$\.workflow_config\.states\[1\]\.approval_config\.approvers\[0\]: "
                    + expected,
                ),
            ):
                Definition.import_json(doc)
        self.assertFalse(Definition.search([("code", "=", "APPROVERS")]))
