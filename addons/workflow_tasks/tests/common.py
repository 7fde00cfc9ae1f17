from datetime import datetime

from odoo import Command
from odoo.tests import TransactionCase, new_test_user


class TaskCase(TransactionCase):
    """Three QA analysts on a Mon-Fri 08:00-12:00 / 13:00-17:00 UTC calendar, a holiday on Monday 2026-03-09."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, mail_create_nolog=True))
        cls.company = cls.env.company
        cls.partner_model = cls.env["ir.model"]._get("res.partner")
        cls.calendar = cls.env["resource.calendar"].create(
            {
                "name": "QA day shift",
                "tz": "UTC",
                "company_id": cls.company.id,
                "attendance_ids": [(5, 0, 0)]
                + [
                    Command.create(
                        {
                            "name": f"{d} {p}",
                            "dayofweek": str(d),
                            "hour_from": h0,
                            "hour_to": h1,
                            "day_period": p,
                        }
                    )
                    for d in range(5)
                    for h0, h1, p in ((8, 12, "morning"), (13, 17, "afternoon"))
                ],
            }
        )
        cls.env["resource.calendar.leaves"].create(
            {
                "name": "Dairy plant holiday",
                "calendar_id": cls.calendar.id,
                "date_from": datetime(2026, 3, 9, 0, 0),
                "date_to": datetime(2026, 3, 9, 23, 59, 59),
            }
        )
        cls.manager = new_test_user(
            cls.env,
            login="task_manager",
            groups="base.group_user,workflow_automation.group_workflow_manager",
            name="Mona Manager",
        )
        cls.analysts = cls.env["res.users"]
        for name in ("Ada", "Bela", "Cyd"):
            user = new_test_user(
                cls.env, login=f"qa_{name.lower()}", groups="base.group_user", name=f"{name} QA"
            )
            user.tz = "UTC"
            cls.env["resource.resource"].create(
                {"name": user.name, "user_id": user.id, "calendar_id": cls.calendar.id, "tz": "UTC"}
            )
            cls.analysts |= user
        cls.role = cls.env["task.role"].create(
            {
                "name": "QA analyst",
                "member_ids": [Command.create({"user_id": u.id, "capacity": 1.0}) for u in cls.analysts],
            }
        )
        cls.todo = cls.env.ref("mail.mail_activity_data_todo")

    @classmethod
    def make_rule(cls, **vals):
        base = {
            "name": "QA review",
            "model_id": cls.partner_model.id,
            "trigger": "create",
            "title_template": "Review {{ record.name }}",
            "activity_type_id": cls.todo.id,
            "assign_type": "role",
            "role_id": cls.role.id,
            "strategy": "round_robin",
            "due_type": "hours",
            "due_amount": 2,
        }
        base.update(vals)
        return cls.env["task.automation.rule"].create(base)

    def tasks_of(self, rule, records=None):
        domain = [("rule_id", "=", rule.id)]
        if records is not None:
            domain += [("model_name", "=", records._name), ("record_id", "in", records.ids)]
        return self.env["task.automation.task"].search(domain, order="id")
