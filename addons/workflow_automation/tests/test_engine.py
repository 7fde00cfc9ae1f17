from odoo import Command
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.tests import tagged

from .common import WorkflowCase


@tagged("post_install", "-at_install")
class TestEngine(WorkflowCase):
    def test_start_enters_initial_state_with_history(self):
        inst = self.start()
        self.assertEqual(inst.status, "active")
        self.assertEqual(inst.current_state_id.code, "draft")
        self.assertEqual(inst.version, 1)
        self.assertEqual(inst.record_ref, self.partner)
        self.assertEqual(inst.history_ids.action_type, "start")
        body = self.partner.message_ids[0].body
        self.assertIn(
            f"Started <b>{self.definition.name}</b> (Draft).", body, "rendered as HTML, not escaped text"
        )
        self.assertNotIn("started in state", body, "people's words, not the engine's")
        self.assertNotIn("&lt;b&gt;", body)

    def test_second_start_refused_unless_parallel(self):
        self.start()
        with self.assertRaisesRegex(UserError, "already running on Green Valley Dairy Shop"):
            self.start()
        self.definition.allow_parallel = True
        self.assertTrue(self.start())

    def test_start_workflow_api_checks_arguments(self):
        Instance = self.env["workflow.instance"]
        inst_id = Instance.start_workflow("ORDER_FLOW", "res.partner", self.partner.id, {"source": "test"})
        self.assertEqual(Instance.browse(inst_id).context_data, {"source": "test"})
        with self.assertRaisesRegex(UserError, "No active workflow with code NOPE"):
            Instance.start_workflow("NOPE", "res.partner", self.partner.id)
        with self.assertRaisesRegex(UserError, "expects \\(code: str, model_name: str, record_id: int\\)"):
            Instance.start_workflow("ORDER_FLOW", "res.partner", "12")
        with self.assertRaisesRegex(UserError, "does not exist"):
            Instance.start_workflow("ORDER_FLOW", "res.partner", 999999999)
        with self.assertRaisesRegex(UserError, "context_data must be a JSON object"):
            Instance.start_workflow("ORDER_FLOW", "res.partner", self.partner.id, [1])

    def test_full_path_completes_and_records_history(self):
        inst = self.start()
        self.assertEqual(inst.fire(self.transitions["Submit"].id, comment="please"), "review")
        inst.fire(self.transitions["Approve"].id)
        self.assertEqual(inst.status, "completed")
        self.assertTrue(inst.completed_at)
        history = inst.history_ids.sorted("id")
        self.assertEqual(history.mapped("action_type"), ["start", "transition", "transition"])
        chatter = [m.body for m in self.partner.message_ids if "— now" in (m.body or "")]
        label = self.transitions["Submit"]._label()
        self.assertIn(f"<b>{label}</b> — now Review<br>please", chatter[-1], "the button's words")
        self.assertEqual(history[1].comment, "please")
        self.assertEqual(history[1].from_state_name, "Draft")
        self.assertEqual(history[2].to_state_id.code, "done")
        self.assertGreaterEqual(history[2].duration_seconds, 0)
        self.assertFalse(inst.available_transitions)
        with self.assertRaisesRegex(UserError, "is Completed; no transition can be done"):
            inst.fire(self.transitions["Refuse"].id, comment="late")

    def test_transition_must_leave_current_state(self):
        inst = self.start()
        with self.assertRaisesRegex(UserError, "cannot be done from state Draft"):
            inst.fire(self.transitions["Approve"].id)

    def test_required_comment(self):
        inst = self.start()
        inst.fire(self.transitions["Submit"].id)
        with self.assertRaisesRegex(UserError, "Refuse needs a comment"):
            inst.fire(self.transitions["Refuse"].id, comment="   ")
        inst.fire(self.transitions["Refuse"].id, comment="No fridge on site")
        self.assertEqual(inst.current_state_id.code, "refused")

    def test_definition_wide_required_comment(self):
        self.definition.require_comment = True
        inst = self.start()
        with self.assertRaisesRegex(UserError, "Submit needs a comment"):
            inst.fire(self.transitions["Submit"].id)

    def test_allowed_groups(self):
        inst = self.start()
        inst.with_user(self.user).fire(self.transitions["Submit"].id)
        with self.assertRaisesRegex(AccessError, "not allowed to do Approve"):
            inst.with_user(self.user).fire(self.transitions["Approve"].id)
        self.assertEqual([t["name"] for t in inst.with_user(self.user).available_transitions], ["Refuse"])
        self.assertEqual(
            [t["name"] for t in inst.with_user(self.manager).available_transitions], ["Approve", "Refuse"]
        )
        inst.with_user(self.manager).fire(self.transitions["Approve"].id)
        self.assertEqual(inst.status, "completed")

    def test_condition_must_hold(self):
        self.transitions["Submit"].condition_domain = "[('email', '!=', False)]"
        inst = self.start()
        self.assertFalse(inst.available_transitions)
        with self.assertRaisesRegex(UserError, "does not meet its condition"):
            inst.fire(self.transitions["Submit"].id)
        self.partner.email = "shop@greenvalley.example"
        inst.fire(self.transitions["Submit"].id)
        self.assertEqual(inst.current_state_id.code, "review")

    def test_condition_transitions_fire_by_themselves(self):
        inst = self.start()
        inst.fire(self.transitions["Submit"].id)
        self.assertEqual(inst.current_state_id.code, "review")
        self.partner.ref = "AUTO"  # the write re-checks the condition transitions
        self.assertEqual(inst.status, "completed")
        self.assertEqual(inst.history_ids.sorted("id")[-1].transition_id, self.transitions["Auto"])
        # automatic transitions cannot be fired by hand
        other = self.start(self.env["res.partner"].create({"name": "Other"}))
        other.fire(self.transitions["Submit"].id)
        with self.assertRaisesRegex(UserError, "happens automatically"):
            other.fire(self.transitions["Auto"].id)

    def test_what_the_engine_reads_with_the_rows_follows_the_definition(self):
        """``fire`` asks for server actions and automatic transitions only where the state and
        transition rows say there are some: those flags must follow every change."""
        submit, draft, review = self.transitions["Submit"], self.states["draft"], self.states["review"]
        self.assertFalse(submit.runs_actions)
        self.assertTrue(review.has_condition_exit, "Auto leaves Review")
        self.assertFalse(draft.has_condition_exit)
        write = self.action("Write ref", state="object_write", update_path="ref", value="LEFT")
        for owner, fname in (
            (draft, "on_exit_action_ids"),
            (submit, "action_ids"),
            (review, "on_enter_action_ids"),
        ):
            owner[fname] = write
            self.assertTrue(submit.runs_actions, fname)
            owner[fname] = False
            self.assertFalse(submit.runs_actions, fname)
        self.transitions["Auto"].trigger_type = "user_action"
        self.assertFalse(review.has_condition_exit)
        self.transitions["Auto"].trigger_type = "condition"
        self.assertTrue(review.has_condition_exit)
        # and they are obeyed: an exit action added now runs
        draft.on_exit_action_ids = write
        self.start().fire(submit.id)
        self.assertEqual(self.partner.ref, "LEFT")

    def test_deleted_instance_is_refused(self):
        inst = self.start()
        inst.unlink()
        with self.assertRaisesRegex(MissingError, "deleted"):
            inst.fire(self.transitions["Submit"].id)

    def test_actions_run_in_order_exit_transition_enter(self):
        order = []
        for name, where in (
            ("exit", "on_exit_action_ids"),
            ("transition", "action_ids"),
            ("enter", "on_enter_action_ids"),
        ):
            act = self.action(
                name, state="workflow_message", workflow_message_body=f"step {name} in {{state}}"
            )
            order.append((name, act, where))
        self.states["draft"].on_exit_action_ids = order[0][1]
        self.transitions["Submit"].action_ids = order[1][1]
        self.states["review"].on_enter_action_ids = order[2][1]
        inst = self.start()
        inst.fire(self.transitions["Submit"].id)
        bodies = [m.body for m in self.partner.message_ids.sorted("id") if "step" in (m.body or "")]
        self.assertEqual(len(bodies), 3)
        self.assertIn("step exit in Draft", bodies[0])  # still in Draft while leaving it
        self.assertIn("step transition in Draft", bodies[1])
        self.assertIn("step enter in Review", bodies[2])

    def test_update_record_action(self):
        act = self.action("Mark reviewed", state="object_write", update_path="ref", value="REVIEWED")
        self.transitions["Submit"].action_ids = act
        inst = self.start()
        inst.fire(self.transitions["Submit"].id)
        self.assertEqual(self.partner.ref, "REVIEWED")

    def test_failing_action_rolls_back_whole_transition(self):
        write = self.action("Write ref", state="object_write", update_path="ref", value="HALF")
        boom = self.action("Boom", state="code", code="raise UserError('The ERP gateway is down')")
        self.states["draft"].on_exit_action_ids = write
        self.transitions["Submit"].action_ids = boom
        inst = self.start()
        with self.assertRaisesRegex(
            UserError, "Submit could not be done and nothing was changed: The ERP gateway is down"
        ):
            inst.fire(self.transitions["Submit"].id)
        self.assertEqual(inst.current_state_id.code, "draft")
        self.assertEqual(inst.status, "active")
        self.assertFalse(self.partner.ref, "the on-exit write must be rolled back")
        self.assertEqual(inst.history_ids.mapped("action_type"), ["start"])

    def test_failing_automatic_transition_records_error(self):
        boom = self.action("Boom", state="code", code="raise UserError('Scale offline')")
        self.transitions["Auto"].action_ids = boom
        inst = self.start()
        inst.fire(self.transitions["Submit"].id)
        self.partner.ref = "AUTO"
        self.assertEqual(inst.status, "error")
        self.assertEqual(inst.current_state_id.code, "review")
        self.assertEqual(inst.error_message, "Scale offline")
        self.assertEqual(inst.retry_count, 1)
        self.assertEqual(inst.history_ids.sorted("id")[-1].action_type, "error")
        # fix the cause, retry: the condition transition fires
        self.transitions["Auto"].action_ids = False
        inst.with_user(self.manager).action_retry()
        self.assertEqual(inst.status, "completed")

    def test_cancel(self):
        inst = self.start()
        with self.assertRaises(AccessError):
            inst.with_user(self.user).action_cancel()
        inst.with_user(self.manager).action_cancel(reason="Shop closed")
        self.assertEqual(inst.status, "cancelled")
        self.assertEqual(inst.history_ids.sorted("id")[-1].comment, "Shop closed")
        with self.assertRaisesRegex(UserError, "is Cancelled"):
            inst.fire(self.transitions["Submit"].id)

    def test_deleting_record_cancels_its_workflow(self):
        partner = self.env["res.partner"].create({"name": "Closing shop"})
        inst = self.start(partner)
        partner.unlink()
        self.assertEqual(inst.status, "cancelled")


@tagged("post_install", "-at_install")
class TestTriggers(WorkflowCase):
    def test_on_create_trigger_with_domain(self):
        definition = self.make_definition(
            code="ON_CREATE", trigger="on_create", domain="[('is_company', '=', True)]"
        )
        company = self.env["res.partner"].create({"name": "Alpine Cheese Ltd", "is_company": True})
        person = self.env["res.partner"].create({"name": "Someone"})
        Instance = self.env["workflow.instance"]
        self.assertEqual(
            Instance.search_count([("record_id", "=", company.id), ("workflow_id", "=", definition.id)]), 1
        )
        self.assertEqual(
            Instance.search_count([("record_id", "=", person.id), ("workflow_id", "=", definition.id)]), 0
        )

    def test_on_write_trigger_starts_once(self):
        definition = self.make_definition(code="ON_WRITE", trigger="on_write", domain="[('color', '=', 3)]")
        self.partner.color = 3
        self.partner.name = "Renamed"  # still matches: the running instance is kept, no second one
        self.assertEqual(self.env["workflow.instance"].search_count([("workflow_id", "=", definition.id)]), 1)

    def test_on_condition_trigger_fires_when_condition_becomes_true(self):
        definition = self.make_definition(
            code="ON_COND", trigger="on_condition", domain="[('color', '=', 7)]"
        )
        definition.allow_parallel = True
        count = lambda: self.env["workflow.instance"].search_count([("workflow_id", "=", definition.id)])  # noqa: E731
        self.partner.name = "No change of condition"
        self.assertEqual(count(), 0)
        self.partner.color = 7
        self.assertEqual(count(), 1)
        self.partner.name = "Still seven"  # stays true: no new start
        self.assertEqual(count(), 1)
        self.partner.color = 1
        self.partner.color = 7  # becomes true again
        self.assertEqual(count(), 2)
        # created already matching: starts too
        self.env["res.partner"].create({"name": "Seven", "color": 7})
        self.assertEqual(count(), 3)

    def test_archived_definition_does_not_trigger(self):
        definition = self.make_definition(code="ARCH", trigger="on_create")
        definition.active = False
        self.env["res.partner"].create({"name": "Nobody watches"})
        self.assertEqual(self.env["workflow.instance"].search_count([("workflow_id", "=", definition.id)]), 0)

    def test_scheduled_trigger_job(self):
        definition = self.make_definition(code="SCHED", trigger="scheduled", domain="[('ref', '=', 'SCHED')]")
        targets = self.env["res.partner"].create([{"name": f"Shop {i}", "ref": "SCHED"} for i in range(3)])
        done = self.env["workflow.job"].run_job("workflow.definition", "_job_scheduled_starts")
        self.assertGreaterEqual(done, 1)
        instances = self.env["workflow.instance"].search([("workflow_id", "=", definition.id)])
        self.assertEqual(set(instances.mapped("record_id")), set(targets.ids))
        self.assertTrue(definition.next_scheduled_run)
        # not due again yet: nothing new
        self.env["workflow.job"].run_job("workflow.definition", "_job_scheduled_starts")
        self.assertEqual(self.env["workflow.instance"].search_count([("workflow_id", "=", definition.id)]), 3)

    def test_trigger_action_writing_the_record_does_not_loop(self):
        act = self.action("Touch", state="object_write", update_path="color", value="3")
        definition = self.make_definition(code="LOOP", trigger="on_write", domain="[('color', '=', 3)]")
        definition.state_ids.filtered("is_initial").on_enter_action_ids = act
        definition.allow_parallel = True
        self.partner.color = 3
        self.assertEqual(self.env["workflow.instance"].search_count([("workflow_id", "=", definition.id)]), 1)

    def test_start_from_definition_with_records(self):
        partners = self.env["res.partner"].create([{"name": "A"}, {"name": "B"}])
        ids = self.definition.start(partners.ids)
        self.assertEqual(len(ids), 2)
        with self.assertRaisesRegex(UserError, "do not exist"):
            self.definition.start([999999999])
        self.definition.active = False
        with self.assertRaisesRegex(UserError, "archived"):
            self.definition.start(self.partner.ids)

    def test_adding_unreachable_state_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "cannot be reached from Draft: X"):
            self.definition.write({"state_ids": [Command.create({"name": "X", "code": "x"})]})


@tagged("post_install", "-at_install")
class TestChatterMode(WorkflowCase):
    """What a workflow writes in the document's chatter, per definition; the history keeps every step."""

    def _run(self, mode, comment=None):
        self.definition.chatter_mode = mode
        env = self.env(context=dict(self.env.context, tracking_disable=False))  # tracking as in production
        partner = env["res.partner"].create({"name": f"Chatter {mode}"})
        before = set(partner.message_ids.ids)
        inst = env["workflow.instance"]._start(self.definition, partner)
        inst.fire(self.transitions["Submit"].id, comment=comment)
        inst.fire(self.transitions["Approve"].id)
        self.assertEqual(inst.status, "completed")
        self.assertEqual(
            inst.history_ids.sorted("id").mapped("action_type"), ["start", "transition", "transition"]
        )
        return inst, [m.body for m in partner.message_ids.sorted("id") if m.id not in before]

    def test_start_and_end_by_default(self):
        self.assertEqual(
            self.env["workflow.definition"].default_get(["chatter_mode"])["chatter_mode"], "start_end"
        )
        inst, bodies = self._run("start_end")
        self.assertEqual(len(bodies), 2, bodies)
        self.assertIn("Started <b>", bodies[0])
        self.assertIn("(Draft)", bodies[0])
        self.assertIn("<b>Approve</b> — now Done", bodies[1])
        self.assertFalse(inst.message_ids.tracking_value_ids, "the instance does not track its state twice")

    def test_start_and_end_still_posts_a_comment(self):
        _inst, bodies = self._run("start_end", comment="please check the fat content")
        self.assertEqual(len(bodies), 3, bodies)
        self.assertIn("<b>Submit</b> — now Review<br>please check the fat content", bodies[1])

    def test_every_change(self):
        inst, bodies = self._run("all")
        self.assertEqual(len(bodies), 3, bodies)
        self.assertIn("<b>Submit</b> — now Review", bodies[1])
        self.assertIn("<b>Approve</b> — now Done", bodies[2])
        self.assertEqual(
            len(
                inst.message_ids.tracking_value_ids.filtered(lambda t: t.field_id.name == "current_state_id")
            ),
            2,
            "the instance's own chatter tracks each state change",
        )

    def test_nothing(self):
        inst, bodies = self._run("none", comment="kept in the history")
        self.assertEqual(bodies, [])
        self.assertEqual(
            inst.history_ids.filtered(lambda h: h.comment == "kept in the history").action_type, "transition"
        )
        inst2 = self.env["workflow.instance"]._start(self.definition, self.partner)
        inst2.action_cancel(reason="not needed")
        self.assertEqual(inst2.history_ids.sorted("id")[-1].action_type, "cancel")
