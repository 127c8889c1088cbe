"""complaints: first-response and resolution times in business hours, beside the wall-clock ones

Revision ID: complaints_0021
Revises: complaints_0003
Create Date: 2026-11-28 00:30:00

The statistics showed wall-clock durations while SLA compliance counts business hours; a
complaint that came in on Friday afternoon and was answered on Monday morning waited 66 hours
by the clock and two by the SLA. The business-hour durations are stored when they happen (as
the wall-clock ones are); this migration fills them in for complaints already answered or
resolved, on the calendar as it is now configured.
"""
from datetime import date, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from alembic import op
import sqlalchemy as sa


revision = 'complaints_0021'
down_revision = 'complaints_0003'
branch_labels = None
depends_on = None

BATCH = 5000


def _calendar(bind):
    from plugins.complaints.calendar import Calendar

    row = bind.execute(sa.text("SELECT timezone, day_start, day_end, weekdays FROM complaints_settings "
                               "ORDER BY id LIMIT 1")).first()
    holidays = frozenset(_day(d) for (d,) in bind.execute(sa.text("SELECT day FROM complaints_holiday")))
    if row is None:
        return Calendar(tz=ZoneInfo("UTC"), holidays=holidays)
    try:
        tz = ZoneInfo(row[0])
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo("UTC")
    return Calendar(tz=tz, day_start=_time(row[1]), day_end=_time(row[2]),
                    weekdays=frozenset(int(c) for c in row[3] if c.isdigit()), holidays=holidays)


def _day(value):
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _time(value):
    return value if isinstance(value, time) else time.fromisoformat(str(value))


def _moment(value):
    from datetime import datetime

    return value if isinstance(value, datetime) or value is None else datetime.fromisoformat(str(value))


def upgrade():
    with op.batch_alter_table("complaints_complaint") as batch:
        batch.add_column(sa.Column("first_response_business_seconds", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("resolution_business_seconds", sa.Integer(), nullable=True))
    bind = op.get_bind()
    calendar = _calendar(bind)
    update = sa.text("UPDATE complaints_complaint SET first_response_business_seconds = :f, "
                     "resolution_business_seconds = :r WHERE id = :id")
    last = 0
    while True:
        rows = bind.execute(sa.text(
            "SELECT id, created_at, first_response_at, resolved_at FROM complaints_complaint "
            "WHERE id > :last AND (first_response_at IS NOT NULL OR resolved_at IS NOT NULL) "
            "ORDER BY id LIMIT :n"), {"last": last, "n": BATCH}).all()
        if not rows:
            break
        values = []
        for id_, created, first, resolved in rows:
            created, first, resolved = _moment(created), _moment(first), _moment(resolved)
            values.append({"id": id_,
                           "f": round(calendar.hours_between(created, first) * 3600) if first else None,
                           "r": round(calendar.hours_between(created, resolved) * 3600) if resolved else None})
        bind.execute(update, values)
        last = rows[-1][0]


def downgrade():
    with op.batch_alter_table("complaints_complaint") as batch:
        batch.drop_column("resolution_business_seconds")
        batch.drop_column("first_response_business_seconds")
