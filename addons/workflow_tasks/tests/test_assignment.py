from collections import Counter
from datetime import datetime

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from .common import TaskCase


@tagged("post_install", "-at_install")
class TestAssignment(TaskCase):
    def test_round_robin_fair_over_100_triggers(self):
        rule = self.make_rule(trigger="create")
        partners = self.env["res.partner"]
        for i in range(100):  # 100 separate triggers, not one batch
            partners |= self.env["res.partner"].create({"name": f"Sample {i}"})
        tasks = self.tasks_of(rule)
        self.assertEqual(len(tasks), 100)
        counts = Counter(t.user_id.id for t in tasks)
        self.assertEqual(sorted(counts.values()), [33, 33, 34])
        order = [t.user_id.id for t in tasks]
        self.assertTrue(all(a != b for a, b in zip(order, order[1:])), "never the same person twice in a row")
        self.assertEqual(rule.rr_last_user_id.id, order[-1], "the pointer is kept on the rule")

    def test_round_robin_in_one_batch(self):
        rule = self.make_rule(trigger="create")
        self.env["res.partner"].create([{"name": f"Batch {i}"} for i in range(6)])
        self.assertEqual(
            Counter(t.user_id.id for t in self.tasks_of(rule)), dict.fromkeys(self.analysts.ids, 2)
        )

    def test_least_open(self):
        ada, bela, cyd = self.analysts
        busy = self.make_rule(name="busy", trigger="write", assign_type="user", user_id=ada.id)
        busy2 = self.make_rule(name="busy2", trigger="write", assign_type="user", user_id=bela.id)
        farms = self.env["res.partner"].create([{"name": f"F{i}"} for i in range(3)])
        farms[:2].write({"city": "x"})  # ada: 2 open, bela: 2 open (both rules), cyd: 0
        self.assertEqual(len(self.tasks_of(busy)) + len(self.tasks_of(busy2)), 4)
        rule = self.make_rule(name="least", trigger="create", strategy="least_open")
        new = self.env["res.partner"].create([{"name": "N1"}, {"name": "N2"}, {"name": "N3"}])
        users = [self.tasks_of(rule, p).user_id for p in new]
        self.assertEqual(users[:2], [cyd, cyd], "the person with no open task gets them until level")
        self.assertNotEqual(users[2], cyd)

    def test_capacity_weighted(self):
        ada, bela, cyd = self.analysts
        role = self.env["task.role"].create(
            {
                "name": "Weighted",
                "member_ids": [
                    Command.create({"user_id": ada.id, "capacity": 2.0}),
                    Command.create({"user_id": bela.id, "capacity": 1.0}),
                    Command.create({"user_id": cyd.id, "capacity": 1.0}),
                ],
            }
        )
        rule = self.make_rule(trigger="create", strategy="capacity", role_id=role.id)
        for i in range(40):
            self.env["res.partner"].create({"name": f"C{i}"})
        counts = Counter(t.user_id for t in self.tasks_of(rule))
        self.assertEqual((counts[ada], counts[bela], counts[cyd]), (20, 10, 10))

    def test_leave_and_archived_skipped(self):
        ada, bela, cyd = self.analysts
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Bela on leave",
                "calendar_id": self.calendar.id,
                "resource_id": self.env["resource.resource"].search([("user_id", "=", bela.id)]).id,
                "date_from": datetime(2026, 3, 2, 0, 0),
                "date_to": datetime(2026, 3, 6, 23, 0),
            }
        )
        cyd.active = False
        rule = self.make_rule(trigger="create")
        with freeze_time("2026-03-03 10:00:00"):
            for i in range(4):
                self.env["res.partner"].create({"name": f"L{i}"})
        self.assertEqual(
            set(self.tasks_of(rule).mapped("user_id")), {ada}, "on leave and archived are skipped"
        )
        with freeze_time("2026-03-10 10:00:00"):  # leave is over
            self.env["res.partner"].create([{"name": "After leave 1"}, {"name": "After leave 2"}])
        self.assertIn(bela, self.tasks_of(rule).mapped("user_id"))

    def test_everybody_away_uses_fallback(self):
        self.analysts.active = False
        rule = self.make_rule(trigger="create")
        self.env["res.partner"].create({"name": "Nobody"})
        self.assertFalse(self.tasks_of(rule), "without a fallback nobody gets it (and nothing half-created)")
        rule.fallback_user_id = self.manager
        self.env["res.partner"].create({"name": "Fallback"})
        self.assertEqual(self.tasks_of(rule).user_id, self.manager)

    def test_user_field_of_record(self):
        field = self.env["ir.model.fields"]._get("res.partner", "user_id")
        rule = self.make_rule(trigger="create", assign_type="field", user_field_id=field.id)
        farm = self.env["res.partner"].create({"name": "Farm", "user_id": self.analysts[2].id})
        self.assertEqual(self.tasks_of(rule, farm).user_id, self.analysts[2])

    def test_group_assignment(self):
        group = self.env["res.groups"].create(
            {"name": "QA group", "users": [Command.set(self.analysts[:2].ids)]}
        )
        rule = self.make_rule(trigger="create", assign_type="group", group_id=group.id)
        self.env["res.partner"].create([{"name": "G1"}, {"name": "G2"}])
        self.assertEqual(self.tasks_of(rule).mapped("user_id"), self.analysts[:2])
