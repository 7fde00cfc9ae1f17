from datetime import datetime

from freezegun import freeze_time

from odoo.tests import tagged

from .common import TaskCase


@tagged("post_install", "-at_install")
class TestDueDates(TaskCase):
    def due_for(self, **vals):
        rule = self.make_rule(trigger="create", assign_type="user", user_id=self.analysts[0].id, **vals)
        with freeze_time("2026-03-06 16:00:00"):  # Friday, one working hour left
            farm = self.env["res.partner"].create({"name": "Farm"})
        return self.tasks_of(rule, farm)

    def test_business_hours_over_weekend_and_holiday(self):
        task = self.due_for(due_type="business_hours", due_amount=2)
        # Fri 16:00-17:00, weekend, Monday 9th is a holiday, Tuesday 08:00-09:00
        self.assertEqual(task.deadline_at, datetime(2026, 3, 10, 9, 0))
        self.assertEqual(task.activity_id.date_deadline.isoformat(), "2026-03-10")

    def test_business_hours_skip_lunch_break(self):
        task = self.due_for(due_type="business_hours", due_amount=5.5)
        # Fri 1h, Tue 08-12 (4h), lunch 12-13, 13:00-13:30
        self.assertEqual(task.deadline_at, datetime(2026, 3, 10, 13, 30))

    def test_business_hours_own_leave(self):
        resource = self.env["resource.resource"].search([("user_id", "=", self.analysts[0].id)])
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Ada's Tuesday morning off",
                "calendar_id": self.calendar.id,
                "resource_id": resource.id,
                "date_from": datetime(2026, 3, 10, 8, 0),
                "date_to": datetime(2026, 3, 10, 12, 0),
            }
        )
        task = self.due_for(due_type="business_hours", due_amount=2)
        self.assertEqual(
            task.deadline_at, datetime(2026, 3, 10, 14, 0), "the assignee's own leave is skipped"
        )

    def test_business_days(self):
        task = self.due_for(due_type="business_days", due_amount=2)
        self.assertEqual(
            task.deadline_at, datetime(2026, 3, 10, 17, 0), "Friday and Tuesday (Monday holiday)"
        )

    def test_calendar_time(self):
        self.assertEqual(
            self.due_for(due_type="hours", due_amount=2).deadline_at, datetime(2026, 3, 6, 18, 0)
        )
        self.assertEqual(
            self.due_for(name="days", due_type="days", due_amount=3).deadline_at, datetime(2026, 3, 9, 16, 0)
        )

    def test_other_timezone_shift(self):
        """A shift calendar in Dhaka time: due dates are stored in UTC, exact to the minute."""
        self.calendar.tz = "Asia/Dhaka"  # 08:00 Dhaka = 02:00 UTC
        for res in self.env["resource.resource"].search([("user_id", "in", self.analysts.ids)]):
            res.tz = "Asia/Dhaka"
        rule = self.make_rule(
            trigger="create",
            assign_type="user",
            user_id=self.analysts[0].id,
            due_type="business_hours",
            due_amount=1.5,
        )
        with freeze_time("2026-03-05 10:30:00"):  # Thu 16:30 Dhaka
            farm = self.env["res.partner"].create({"name": "Farm"})
        # Thu 16:30-17:00 Dhaka (0.5h), Fri 08:00-09:00 Dhaka = 02:00-03:00 UTC
        self.assertEqual(self.tasks_of(rule, farm).deadline_at, datetime(2026, 3, 6, 3, 0))
