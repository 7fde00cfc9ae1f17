"""Two triggers of one round-robin rule at the same instant, on two real database connections."""
# pylint: disable=invalid-commit

import threading

from odoo import SUPERUSER_ID, Command, api, sql_db
from odoo.service.model import retrying
from odoo.tests import TransactionCase, tagged
from odoo.tests.common import get_db_name
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestConcurrentRoundRobin(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.db = sql_db.db_connect(get_db_name())
        with cls.db.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            users = env["res.users"].create(
                [
                    {"name": f"Race analyst {i}", "login": f"race_analyst_{i}", "groups_id": [Command.set(env.ref("base.group_user").ids)]}
                    for i in range(3)
                ]
            )  # fmt: skip
            cls.user_ids = users.ids
            role = env["task.role"].create(
                {"name": "Race role", "member_ids": [Command.create({"user_id": uid}) for uid in users.ids]}
            )
            cls.role_id = role.id
            rule = env["task.automation.rule"].create(
                {
                    "name": "Race rule",
                    "model_id": env["ir.model"]._get_id("res.partner"),
                    "trigger": "write",
                    "domain": "[('ref', '=', 'RACE')]",
                    "title_template": "Race {{ record.name }}",
                    "assign_type": "role",
                    "role_id": role.id,
                    "due_type": "hours",
                    "due_amount": 1,
                }
            )
            cls.rule_id = rule.id
            cls.partner_ids = (
                env["res.partner"].create([{"name": "Race farm 1"}, {"name": "Race farm 2"}]).ids
            )
            cr.commit()

    @classmethod
    def tearDownClass(cls):
        with cls.db.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            tasks = env["task.automation.task"].search([("rule_id", "=", cls.rule_id)])
            tasks.activity_id.unlink()
            tasks.unlink()
            env["task.automation.rule"].browse(cls.rule_id).unlink()
            env["task.role"].browse(cls.role_id).unlink()
            env["res.partner"].browse(cls.partner_ids).unlink()
            users = env["res.users"].browse(cls.user_ids)
            partners = users.partner_id
            users.unlink()
            partners.unlink()
            cr.commit()
        super().tearDownClass()

    def test_two_connections_two_people(self):
        barrier = threading.Barrier(2, timeout=30)
        results, errors = {}, []

        def trigger(partner_id):
            try:
                with self.db.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
                    env.cr.execute(
                        "SELECT 1"
                    )  # the transaction's snapshot is taken here, before either locks
                    barrier.wait()

                    def write():
                        env["res.partner"].browse(partner_id).write({"ref": "RACE"})

                    retrying(write, env)  # what Odoo does for an RPC call or a cron run
                    cr.commit()
                with self.db.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    task = env["task.automation.task"].search(
                        [("rule_id", "=", self.rule_id), ("record_id", "=", partner_id)]
                    )
                    results[partner_id] = task.user_id.id
            except Exception as exc:
                errors.append(exc)

        threads = [threading.Thread(target=trigger, args=(pid,)) for pid in self.partner_ids]
        # the loser's serialization failure is logged by sql_db before it is retried: expected here
        with mute_logger("odoo.sql_db", "odoo.service.model"):
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(60)
        self.assertFalse(errors, errors)
        self.assertEqual(len(results), 2)
        users = list(results.values())
        self.assertTrue(all(users), users)
        self.assertNotEqual(users[0], users[1], "two simultaneous triggers go to two different people")
