"""Two real database connections firing on one instance at the same moment."""
# pylint: disable=invalid-commit

from odoo import SUPERUSER_ID, api, sql_db
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged
from odoo.tests.common import get_db_name


@tagged("post_install", "-at_install")
class TestConcurrentTransitions(TransactionCase):
    """Committed data and independent connections: what two users' requests really are."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.db = sql_db.db_connect(get_db_name())
        with cls.db.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            definition = env["workflow.definition"].import_json(
                {
                    "name": "Concurrency",
                    "code": "CONCURRENCY_TEST",
                    "model": "res.partner",
                    "timeout_hours": 0,
                    "allow_parallel": True,
                    "workflow_config": {
                        "states": [
                            {"code": "a", "name": "A", "is_initial": True},
                            {"code": "b", "name": "B"},
                            {"code": "c", "name": "C", "is_final": True},
                        ],
                        "transitions": [
                            {"name": "Go", "from": "a", "to": "b"},
                            {"name": "Finish", "from": "b", "to": "c"},
                            {"name": "Jump", "from": "a", "to": "c"},
                            {"name": "Late", "from": "a", "to": "c", "trigger_type": "timeout"},
                        ],
                    },
                }
            )
            cls.definition_id = definition
            partner = env["res.partner"].create({"name": "Concurrent shop"})
            cls.partner_id = partner.id
            definition = env["workflow.definition"].browse(definition)
            cls.go, cls.finish, cls.jump = [
                definition.transition_ids.filtered(lambda t, n=n: t.name == n).id
                for n in ("Go", "Finish", "Jump")
            ]
            cr.commit()

    @classmethod
    def tearDownClass(cls):
        with cls.db.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            instances = env["workflow.instance"].search([("workflow_id", "=", cls.definition_id)])
            instances.history_ids.unlink()
            instances.unlink()
            env["workflow.definition"].with_context(active_test=False).browse(cls.definition_id).unlink()
            env["res.partner"].browse([cls.partner_id, *getattr(cls, "extra_partner_ids", [])]).unlink()
            cr.commit()
        super().tearDownClass()

    def _new_instance(self, partner_id=None):
        with self.db.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            inst = env["workflow.instance"]._start(
                env["workflow.definition"].browse(self.definition_id),
                env["res.partner"].browse(partner_id or self.partner_id),
            )
            cr.commit()
            return inst.id

    def _env(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})

    def test_two_simultaneous_transitions_exactly_one_wins(self):
        inst_id = self._new_instance()
        cr1, cr2 = self.db.cursor(), self.db.cursor()
        try:
            env1, env2 = self._env(cr1), self._env(cr2)
            # both users loaded the instance before either acted
            self.assertEqual(env2["workflow.instance"].browse(inst_id).current_state_id.code, "a")
            env1["workflow.instance"].browse(inst_id).fire(self.go)  # holds the row lock, not committed yet
            with self.assertRaisesRegex(UserError, "Another user is changing this workflow"):
                env2["workflow.instance"].browse(inst_id).fire(self.jump)
            # the held row was skipped, not fought over: the refused transaction can go on
            self.assertEqual(env2["res.partner"].browse(self.partner_id).name, "Concurrent shop")
            cr2.rollback()
            cr1.commit()
            # the second user retries on fresh data: the workflow has moved on
            env2 = self._env(cr2)
            with self.assertRaisesRegex(UserError, "cannot be done from state B"):
                env2["workflow.instance"].browse(inst_id).fire(self.jump)
            cr2.rollback()
        finally:
            cr1.close()
            cr2.close()
        with self.db.cursor() as cr:
            inst = self._env(cr)["workflow.instance"].browse(inst_id)
            self.assertEqual(inst.current_state_id.code, "b")
            self.assertEqual(inst.history_ids.mapped("action_type").count("transition"), 1)

    def test_same_transition_twice_at_once_applies_once(self):
        inst_id = self._new_instance()
        cr1, cr2 = self.db.cursor(), self.db.cursor()
        try:
            env2 = self._env(cr2)
            snapshot = env2["workflow.instance"].browse(inst_id).current_state_id  # read before the commit
            self.assertEqual(snapshot.code, "a")
            self._env(cr1)["workflow.instance"].browse(inst_id).fire(self.go)
            cr1.commit()
            # the old snapshot cannot update a row changed since: refused, never applied twice
            with self.assertRaisesRegex(
                UserError, "Another user is changing this workflow|cannot be done from state"
            ):
                env2["workflow.instance"].browse(inst_id).fire(self.go)
            cr2.rollback()
        finally:
            cr1.close()
            cr2.close()
        with self.db.cursor() as cr:
            inst = self._env(cr)["workflow.instance"].browse(inst_id)
            self.assertEqual(inst.history_ids.mapped("action_type").count("transition"), 1)

    def test_timeout_job_twice_at_once_acts_once(self):
        # one shop each, as in real life; a deadline with a timeout transition to fire
        with self.db.cursor() as cr:
            partners = self._env(cr)["res.partner"].create([{"name": f"Late shop {i}"} for i in range(4)])
            cr.commit()
        self.__class__.extra_partner_ids = partners.ids
        inst_ids = [self._new_instance(pid) for pid in partners.ids]
        with self.db.cursor() as cr:
            cr.execute(
                "UPDATE workflow_instance SET state_due_at = now() at time zone 'UTC' - interval '1 minute' "
                "WHERE id IN %s",
                [tuple(inst_ids)],
            )
            cr.commit()
        cr1, cr2 = self.db.cursor(), self.db.cursor()
        try:
            done1 = self._env(cr1)["workflow.job"].run_job("workflow.instance", "_job_timeouts", limit=2)
            done2 = self._env(cr2)["workflow.job"].run_job("workflow.instance", "_job_timeouts", limit=10)
            cr1.commit()
            cr2.commit()
        finally:
            cr1.close()
            cr2.close()
        self.assertEqual(done1, 2)
        self.assertEqual(done2, 2, "rows locked by the first run are skipped by the second")
        with self.db.cursor() as cr:
            env = self._env(cr)
            lines = env["workflow.history"].search(
                [("instance_id", "in", inst_ids), ("action_type", "=", "timeout")]
            )
            self.assertEqual(len(lines), 4, "each instance handled exactly once")
