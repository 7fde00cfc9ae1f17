"""Business time on top of ``resource.calendar``.

Working time comes from the calendar itself (``_work_intervals_batch``:
attendances in the calendar's time zone, minus global leaves such as public
holidays and closures).  This module only does interval arithmetic on what the
calendar returns:

* ``plan``: the datetimes at which given amounts of business time have elapsed
  since a start, paused intervals left out (the due date moves with a pause);
* ``elapsed``: the business time between a start and a moment, paused
  intervals left out.

All datetimes handed in and out are naive UTC (as Odoo stores them); amounts
are integer seconds so results are exact to the second.  A ``BusinessClock``
caches the calendar's intervals per calendar for the lifetime of one batch,
so planning thousands of trackings costs a few queries, not one per record.
"""

from datetime import datetime, timedelta

from pytz import utc

WINDOW = timedelta(days=28)
MAX_WINDOWS = 80  # about six years of calendar: a target never planned further is an error


def _aware(dt):
    return utc.localize(dt) if dt.tzinfo is None else dt


def _naive(dt):
    return dt.astimezone(utc).replace(tzinfo=None)


def subtract(intervals, holes):
    """``intervals`` minus ``holes`` (both sorted lists of (start, stop); stop None = open)."""
    if not holes:
        return list(intervals)
    result = []
    for start, stop in intervals:
        pieces = [(start, stop)]
        for h_start, h_stop in holes:
            h_stop = h_stop or datetime.max
            if h_stop <= start or h_start >= stop:
                continue
            next_pieces = []
            for p_start, p_stop in pieces:
                if h_stop <= p_start or h_start >= p_stop:
                    next_pieces.append((p_start, p_stop))
                    continue
                if p_start < h_start:
                    next_pieces.append((p_start, h_start))
                if h_stop < p_stop:
                    next_pieces.append((h_stop, p_stop))
            pieces = next_pieces
        result.extend(pieces)
    return result


def seconds(intervals):
    return sum(int((stop - start).total_seconds()) for start, stop in intervals)


class BusinessClock:
    """Working intervals of calendars (``False`` = around the clock), cached per batch."""

    def __init__(self, env):
        self.env = env
        self._cache = {}  # calendar id -> (lo, hi, [(start, stop), ...]) naive UTC, sorted

    def _fetch(self, calendar, start, stop):
        found = calendar._work_intervals_batch(_aware(start), _aware(stop))[False]
        return [(_naive(s), _naive(e)) for s, e, _meta in found if e > s]

    def intervals(self, calendar, start, stop):
        """Working intervals of ``calendar`` within [start, stop)."""
        if stop <= start:
            return []
        if not calendar:
            return [(start, stop)]
        lo, hi, items = self._cache.get(calendar.id, (None, None, []))
        if lo is None:
            lo, hi = start, stop
            items = self._fetch(calendar, start, stop)
        else:
            if start < lo:
                items = self._fetch(calendar, start, lo) + items
                lo = start
            if stop > hi:
                items = items + self._fetch(calendar, hi, stop)
                hi = stop
        self._cache[calendar.id] = (lo, hi, items)
        result = []
        for s, e in items:
            if e <= start:
                continue
            if s >= stop:
                break
            result.append((max(s, start), min(e, stop)))
        return result

    def plan(self, calendar, start, amounts, pauses=()):
        """Datetimes at which each of ``amounts`` (seconds, ascending) of business time
        has elapsed since ``start``, paused intervals left out.  ``None`` if out of reach."""
        pauses = sorted(pauses)
        targets = sorted(set(amounts))
        reached = {}
        done = 0
        cursor = start
        pending = list(targets)
        for _n in range(MAX_WINDOWS):
            if not pending:
                break
            window_end = cursor + WINDOW
            for s, e in subtract(self.intervals(calendar, cursor, window_end), pauses):
                length = int((e - s).total_seconds())
                while pending and pending[0] - done <= length:
                    target = pending.pop(0)
                    reached[target] = s + timedelta(seconds=target - done)
                done += length
                if not pending:
                    break
            cursor = window_end
        return [reached.get(amount) for amount in amounts]

    def elapsed(self, calendar, start, until, pauses=()):
        """Business seconds between ``start`` and ``until``, paused intervals left out."""
        if not until or until <= start:
            return 0
        return seconds(subtract(self.intervals(calendar, start, until), sorted(pauses)))
