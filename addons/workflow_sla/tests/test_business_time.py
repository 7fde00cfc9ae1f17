"""Due dates and elapsed business time against hand-computed expectations.

Calendar: Mon-Fri 08:00-12:00, 13:00-17:00 local time.  March 2026: Monday 2,
Friday 6, Monday 9; Europe/Brussels moves from UTC+1 to UTC+2 on Sunday 29."""

from odoo.tests import tagged

from ..tools.business_time import BusinessClock
from .common import SlaCase, utc

H = 3600


@tagged("post_install", "-at_install")
class TestBusinessTime(SlaCase):
    def plan(self, calendar, start, hours, pauses=()):
        return BusinessClock(self.env).plan(calendar, start, [int(hours * H)], pauses)[0]

    def test_across_the_night(self):
        # Mon 15:00 local + 4 h: 15-17 (2 h), Tue 08-10 (2 h) -> Tue 10:00 local = 09:00 UTC
        self.assertEqual(self.plan(self.calendar, utc(2026, 3, 2, 14, 0), 4), utc(2026, 3, 3, 9, 0))

    def test_lunch_break_is_not_business_time(self):
        # Mon 11:00 local + 2 h: 11-12, 13-14 -> 14:00 local = 13:00 UTC
        self.assertEqual(self.plan(self.calendar, utc(2026, 3, 2, 10, 0), 2), utc(2026, 3, 2, 13, 0))

    def test_target_ending_with_the_day(self):
        # Mon 15:00 local + 2 h ends at 17:00 that day, not the next morning
        self.assertEqual(self.plan(self.calendar, utc(2026, 3, 2, 14, 0), 2), utc(2026, 3, 2, 16, 0))

    def test_start_at_night_waits_for_the_morning(self):
        # Tue 02:00 local + 1 h 30 -> Tue 09:30 local
        self.assertEqual(self.plan(self.calendar, utc(2026, 3, 3, 1, 0), 1.5), utc(2026, 3, 3, 8, 30))

    def test_across_the_weekend(self):
        # Fri 16:30 local + 2 h: Fri 0.5 h, Mon 08:00-09:30 -> Mon 9 March 09:30 local = 08:30 UTC
        self.assertEqual(self.plan(self.calendar, utc(2026, 3, 6, 15, 30), 2), utc(2026, 3, 9, 8, 30))

    def test_public_holiday(self):
        # Monday 9 March is a holiday (local day = 8 March 23:00 to 9 March 23:00 UTC)
        self._holiday(self.calendar, utc(2026, 3, 8, 23, 0), utc(2026, 3, 9, 22, 59, 59))
        self.assertEqual(self.plan(self.calendar, utc(2026, 3, 6, 15, 30), 2), utc(2026, 3, 10, 8, 30))
        # a holiday of every calendar (no calendar on the leave) counts too
        self.env["resource.calendar.leaves"].create(
            {"name": "Closure", "date_from": utc(2026, 3, 9, 23, 0), "date_to": utc(2026, 3, 10, 22, 59, 59)}
        )
        self.assertEqual(self.plan(self.calendar, utc(2026, 3, 6, 15, 30), 2), utc(2026, 3, 11, 8, 30))

    def test_half_day_closure(self):
        # closed Tuesday morning: Mon 15:00 + 4 h -> 15-17, Tue 13-15 -> Tue 15:00 local = 14:00 UTC
        self._holiday(self.calendar, utc(2026, 3, 3, 7, 0), utc(2026, 3, 3, 11, 0), "Inventory")
        self.assertEqual(self.plan(self.calendar, utc(2026, 3, 2, 14, 0), 4), utc(2026, 3, 3, 14, 0))

    def test_daylight_saving_change(self):
        # Fri 27 March 16:00 local (UTC+1) + 4 h: Fri 1 h, Mon 30 March 08-11 local (UTC+2) -> 09:00 UTC
        self.assertEqual(self.plan(self.calendar, utc(2026, 3, 27, 15, 0), 4), utc(2026, 3, 30, 9, 0))
        clock = BusinessClock(self.env)
        self.assertEqual(clock.elapsed(self.calendar, utc(2026, 3, 27, 15, 0), utc(2026, 3, 30, 9, 0)), 4 * H)
        # autumn: Fri 23 Oct 16:00 local (UTC+2) + 4 h -> Mon 26 Oct 11:00 local (UTC+1) = 10:00 UTC
        self.assertEqual(self.plan(self.calendar, utc(2026, 10, 23, 14, 0), 4), utc(2026, 10, 26, 10, 0))

    def test_time_zone_of_the_calendar(self):
        # New York (UTC-5 in early March): Mon 15:00 local + 4 h -> Tue 10:00 local = 15:00 UTC
        self.assertEqual(self.plan(self.calendar_ny, utc(2026, 3, 2, 20, 0), 4), utc(2026, 3, 3, 15, 0))
        # the same instant on the Brussels calendar is after hours: Tue 08-12 -> 12:00 local
        self.assertEqual(self.plan(self.calendar, utc(2026, 3, 2, 20, 0), 4), utc(2026, 3, 3, 11, 0))
        # US DST starts Sunday 8 March: Fri 6 March 16:00 EST + 2 h -> Mon 9 March 09:00 EDT = 13:00 UTC
        self.assertEqual(self.plan(self.calendar_ny, utc(2026, 3, 6, 21, 0), 2), utc(2026, 3, 9, 13, 0))

    def test_minutes(self):
        # Mon 16:50 local + 15 min: 10 min Monday, 5 min Tuesday -> Tue 08:05 local
        self.assertEqual(self.plan(self.calendar, utc(2026, 3, 2, 15, 50), 0.25), utc(2026, 3, 3, 7, 5))

    def test_pause_moves_the_due_date(self):
        # Mon 15:00 local + 4 h with a pause Mon 16:00 -> Tue 09:00 local: Mon 1 h, Tue 09-12 -> 12:00 local
        pause = [(utc(2026, 3, 2, 15, 0), utc(2026, 3, 3, 8, 0))]
        self.assertEqual(self.plan(self.calendar, utc(2026, 3, 2, 14, 0), 4, pause), utc(2026, 3, 3, 11, 0))

    def test_elapsed_leaves_out_nights_and_pauses(self):
        clock = BusinessClock(self.env)
        start = utc(2026, 3, 2, 14, 0)  # Mon 15:00 local
        self.assertEqual(clock.elapsed(self.calendar, start, utc(2026, 3, 3, 10, 0)), 5 * H)  # 2 h + 3 h
        # paused Mon 16:30 -> Tue 09:30 local: 1.5 h Monday + 1.5 h Tuesday
        pause = [(utc(2026, 3, 2, 15, 30), utc(2026, 3, 3, 8, 30))]
        self.assertEqual(clock.elapsed(self.calendar, start, utc(2026, 3, 3, 10, 0), pause), 3 * H)
        # an open pause counts until now
        self.assertEqual(
            clock.elapsed(self.calendar, start, utc(2026, 3, 3, 10, 0), [(utc(2026, 3, 2, 15, 0), None)]), H
        )

    def test_around_the_clock_without_calendar(self):
        no_calendar = self.env["resource.calendar"]
        self.assertEqual(self.plan(no_calendar, utc(2026, 3, 7, 22, 0), 4), utc(2026, 3, 8, 2, 0))
        clock = BusinessClock(self.env)
        self.assertEqual(clock.elapsed(no_calendar, utc(2026, 3, 7, 22, 0), utc(2026, 3, 8, 2, 0)), 4 * H)

    def test_several_checkpoints_in_one_pass(self):
        # 50 %, 75 %, 100 %, 150 % of 4 h from Mon 10:00 local
        clock = BusinessClock(self.env)
        got = clock.plan(self.calendar, utc(2026, 3, 2, 9, 0), [2 * H, 3 * H, 4 * H, 6 * H])
        self.assertEqual(
            got,
            [utc(2026, 3, 2, 11, 0), utc(2026, 3, 2, 13, 0), utc(2026, 3, 2, 14, 0), utc(2026, 3, 2, 16, 0)],
        )
