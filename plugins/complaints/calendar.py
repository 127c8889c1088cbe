"""Business hours: adding working time to a moment, on the business's own calendar.

An SLA of "8 business hours" from Friday 16:00 in Athens, with Monday a holiday, ends
Tuesday 16:00 Athens time. The arithmetic runs on local wall-clock days of the
calendar's time zone (so a working day is 09:00–17:00 there, whatever the offset or
daylight-saving time) and converts each window's edges back to naive UTC, the way
Rapport stores times.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa

from core.db import db

MAX_DAYS = 3660  # a calendar without any working day must not loop forever


@dataclass(frozen=True)
class Calendar:
    tz: ZoneInfo
    day_start: time = time(9, 0)
    day_end: time = time(17, 0)
    weekdays: frozenset[int] = frozenset({1, 2, 3, 4, 5})
    holidays: frozenset[date] = field(default_factory=frozenset)

    def is_working_day(self, day: date) -> bool:
        return day.isoweekday() in self.weekdays and day not in self.holidays

    def window(self, day: date) -> tuple[datetime, datetime] | None:
        """The working window of ``day`` as naive UTC, or None on a day off."""
        if not self.is_working_day(day) or self.day_end <= self.day_start:
            return None
        start = datetime.combine(day, self.day_start, self.tz).astimezone(timezone.utc).replace(tzinfo=None)
        end = datetime.combine(day, self.day_end, self.tz).astimezone(timezone.utc).replace(tzinfo=None)
        return start, end

    def local_day(self, moment: datetime) -> date:
        return moment.replace(tzinfo=timezone.utc).astimezone(self.tz).date()

    def add_hours(self, start: datetime, hours: float) -> datetime:
        """The moment (naive UTC) when ``hours`` of working time after ``start`` have passed."""
        remaining = timedelta(hours=hours)
        day = self.local_day(start)
        for _ in range(MAX_DAYS):
            window = self.window(day)
            if window:
                begin = max(window[0], start)
                if begin < window[1]:
                    available = window[1] - begin
                    if remaining <= available:
                        return begin + remaining
                    remaining -= available
            day += timedelta(days=1)
        raise ValueError("the working calendar has no working time")

    def hours_between(self, start: datetime, end: datetime) -> float:
        """Working hours between two moments (naive UTC); 0 when ``end`` is not later."""
        if end <= start:
            return 0.0
        total = timedelta()
        day = self.local_day(start)
        last = self.local_day(end)
        while day <= last:
            window = self.window(day)
            if window:
                lo, hi = max(window[0], start), min(window[1], end)
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return total.total_seconds() / 3600


def load_calendar() -> Calendar:
    """The business's calendar from its settings (defaults when none was saved yet), read
    once per request or job (a list page formats dozens of times with it)."""
    from flask import g, has_app_context

    if has_app_context() and "complaints_calendar" in g:
        return g.complaints_calendar
    calendar = _read_calendar()
    if has_app_context():
        g.complaints_calendar = calendar
    return calendar


def _read_calendar() -> Calendar:
    from plugins.complaints.models import Holiday, Settings

    row = db.session.execute(sa.select(Settings).order_by(Settings.id).limit(1)).scalar()
    holidays = frozenset(db.session.execute(sa.select(Holiday.day)).scalars())
    if row is None:
        return Calendar(tz=default_timezone(), holidays=holidays)
    try:
        tz = ZoneInfo(row.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        tz = default_timezone()
    return Calendar(tz=tz, day_start=row.day_start, day_end=row.day_end,
                    weekdays=frozenset(int(c) for c in row.weekdays if c.isdigit()), holidays=holidays)


def default_timezone() -> ZoneInfo:
    """The business time zone from the configuration (``TIMEZONE``), else UTC."""
    from flask import current_app

    try:
        return ZoneInfo(current_app.config.get("TIMEZONE") or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")
