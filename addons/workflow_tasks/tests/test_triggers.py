from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import TaskCase


def lab_workflow(env, code="LAB_T"):
    definition_id = env["workflow.definition"].import_json(
        {
            "name": "Lab sample",
            "code": code,
            "model": "res.partner",
            "timeout_hours": 0,
            "workflow_config": {
                "states": [
                    {"code": "entered", "name": "Sample entered", "is_initial": True},
                    {"code": "review", "name": "Review"},
                    {"code": "result", "name": "Result recorded", "is_final": True},
                ],
                "transitions": [
                    {"name": "To review", "from": "entered", "to": "review"},
                    {"name": "Record", "from": "review", "to": "result"},
                ],
            },
        }
    )
    return env["workflow.definition"].browse(definition_id)


@tagged("post_install", "-at_install")
class TestTriggers(TaskCase):
    def test_record_created_with_domain(self):
        rule = self.make_rule(trigger="create", domain="[('is_company', '=', True)]")
        farm = self.env["res.partner"].create({"name": "Green Farm", "is_company": True})
        person = self.env["res.partner"].create({"name": "A person"})
        task = self.tasks_of(rule)
        self.assertEqual(
            task.mapped("record_id"), [farm.id], "only the record matching the domain gets a task"
        )
        self.assertFalse(self.tasks_of(rule, person))
        activity = task.activity_id
        self.assertEqual((activity.res_model, activity.res_id), ("res.partner", farm.id))
        self.assertEqual(activity.summary, "Review Green Farm")
        self.assertEqual(activity.user_id, task.user_id)
        self.assertIn(task.user_id, self.analysts)

    def test_record_updated_before_after(self):
        rule = self.make_rule(
            trigger="write", pre_domain="[('ref', '=', False)]", domain="[('ref', '!=', False)]"
        )
        farm = self.env["res.partner"].create({"name": "Farm"})
        farm.write({"city": "Bogura"})
        self.assertFalse(self.tasks_of(rule), "an update not reaching the after domain creates nothing")
        farm.write({"ref": "S-1"})
        self.assertEqual(len(self.tasks_of(rule, farm)), 1)
        other = self.env["res.partner"].create({"name": "Other", "ref": "X"})
        other.write({"ref": "Y"})
        self.assertFalse(self.tasks_of(rule, other), "a record not matching the before domain is left alone")

    def test_update_only_on_watched_fields(self):
        rule = self.make_rule(
            trigger="write",
            trigger_field_ids=[(6, 0, self.env["ir.model.fields"]._get("res.partner", "ref").ids)],
        )
        farm = self.env["res.partner"].create({"name": "Farm"})
        farm.write({"city": "Bogura"})
        self.assertFalse(self.tasks_of(rule))
        farm.write({"ref": "S-1"})
        self.assertTrue(self.tasks_of(rule))

    def test_condition_becoming_true(self):
        rule = self.make_rule(trigger="condition", domain="[('ref', '=', 'LAB')]")
        farm = self.env["res.partner"].create({"name": "Farm"})
        self.assertFalse(self.tasks_of(rule))
        farm.write({"ref": "LAB"})
        task = self.tasks_of(rule)
        self.assertEqual(len(task), 1)
        task.activity_id.action_done()
        self.assertEqual(task.state, "done", "the assignee marking the activity done closes the task")
        farm.write({"city": "Pabna"})
        self.assertEqual(len(self.tasks_of(rule)), 1, "the condition was already true: not 'becoming' true")
        farm.write({"ref": "OTHER"})
        farm.write({"ref": "LAB"})
        self.assertEqual(len(self.tasks_of(rule)), 2, "true again after being false: a new task")
        created = self.env["res.partner"].create({"name": "Born true", "ref": "LAB"})
        self.assertEqual(len(self.tasks_of(rule, created)), 1)

    def test_no_duplicates(self):
        rule = self.make_rule(trigger="write")
        farm = self.env["res.partner"].create({"name": "Farm"})
        for city in ("A", "B", "C"):
            farm.write({"city": city})
        self.assertEqual(len(self.tasks_of(rule, farm)), 1, "one open task per rule and record")
        self.assertEqual(
            self.env["mail.activity"].search_count(
                [("res_model", "=", "res.partner"), ("res_id", "=", farm.id)]
            ),
            1,
        )
        self.tasks_of(rule, farm)._close("done")
        farm.write({"city": "D"})
        self.assertEqual(len(self.tasks_of(rule, farm)), 2, "once done, the trigger may create a new task")

    def test_state_entered_and_left(self):
        definition = lab_workflow(self.env)
        definition.action_activate()
        entered = definition.state_ids.filtered(lambda s: s.code == "entered")
        review = definition.state_ids.filtered(lambda s: s.code == "review")
        rule = self.make_rule(trigger="state_enter", state_id=review.id)
        other = self.make_rule(name="on entered", trigger="state_enter", state_id=entered.id)
        farm = self.env["res.partner"].create({"name": "Farm"})
        inst = self.env["workflow.instance"]._start(definition, farm)
        self.assertEqual(len(self.tasks_of(other, farm)), 1, "the initial state counts as entered")
        self.assertFalse(self.tasks_of(rule, farm))
        inst.fire(definition.transition_ids.filtered(lambda t: t.name == "To review").id)
        self.assertEqual(self.tasks_of(other, farm).state, "done", "leaving the state closes its task")
        task = self.tasks_of(rule, farm)
        self.assertEqual((task.state, task.instance_id, task.state_id), ("open", inst, review))
        inst.fire(definition.transition_ids.filtered(lambda t: t.name == "Record").id)
        self.assertEqual(task.state, "done")
        self.assertFalse(task.activity_id.exists(), "the activity is marked done with the task")

    def test_close_and_cancel_conditions(self):
        rule = self.make_rule(
            trigger="create",
            close_domain="[('function', '!=', False)]",
            cancel_domain="[('active', '=', False)]",
        )
        done_farm, cancelled_farm, deleted_farm = self.env["res.partner"].create(
            [{"name": "Result farm"}, {"name": "Cancelled farm"}, {"name": "Deleted farm"}]
        )
        done_farm.write({"function": "Fat 4.1%"})
        self.assertEqual(
            self.tasks_of(rule, done_farm).state, "done", "the lab result closes the task by itself"
        )
        self.assertTrue(self.tasks_of(rule, done_farm).done_at)
        self.assertFalse(self.tasks_of(rule, done_farm).activity_id.exists())
        self.assertTrue(
            done_farm.message_ids.filtered(lambda m: "done: Review Result farm" in str(m.body)),
            "the record's chatter says the task was done",
        )
        cancelled_farm.write({"active": False})
        self.assertEqual(self.tasks_of(rule, cancelled_farm).state, "cancelled")
        self.assertFalse(self.tasks_of(rule, cancelled_farm).activity_id.exists())
        task = self.tasks_of(rule, deleted_farm)
        deleted_farm.unlink()
        self.assertEqual(task.state, "cancelled", "deleting the record cancels its task")

    def test_no_task_for_work_already_done(self):
        rule = self.make_rule(trigger="write", close_domain="[('function', '!=', False)]")
        farm = self.env["res.partner"].create({"name": "Farm"})
        farm.write({"city": "Bogura"})
        farm.write({"function": "Result"})
        self.assertEqual(self.tasks_of(rule, farm).mapped("state"), ["done"])
        farm.write({"city": "Pabna"})
        self.assertEqual(
            len(self.tasks_of(rule, farm)), 1, "the result is there: no new task to close at once"
        )

    def test_model_without_activities_refused(self):
        with self.assertRaises(ValidationError):
            self.make_rule(model_id=self.env["ir.model"]._get("res.country").id)

    def test_inactive_rule_does_nothing(self):
        rule = self.make_rule(trigger="create", active=False)
        self.env["res.partner"].create({"name": "Farm"})
        self.assertFalse(self.tasks_of(rule))
