"""``rapport service ...``: maintenance scheduling, from the command line and as a daily job."""
from __future__ import annotations

from datetime import date

import click
from flask.cli import with_appcontext

from core.db import db
from core.l10n import local_today


@click.group("service")
def service_group():
    """Service and warranty."""


@service_group.command("schedule")
@click.option("--horizon", default=30, show_default=True, type=click.IntRange(0, 3650),
              help="Book visits falling due within this many days.")
@click.option("--today", "today", default=None, help="Reference date (YYYY-MM-DD); default: today.")
@with_appcontext
def schedule_command(horizon: int, today: str | None):
    """Book the next maintenance visit of every plan and unit that has none open.

    Safe to run as often as you like: a unit that already has an open visit under a
    plan gets nothing new.
    """
    from plugins.service.service import schedule_due_visits

    try:
        ref = date.fromisoformat(today) if today else local_today()
    except ValueError as exc:
        raise click.BadParameter("use YYYY-MM-DD", param_hint="--today") from exc
    created = schedule_due_visits(ref, horizon)
    db.session.commit()
    click.echo(f"scheduled {created} visit(s)")


def schedule_visits_job(job, horizon: int = 30) -> str:
    """The daily periodic job ``service.schedule_visits`` (same work as the command)."""
    from flask_babel import ngettext

    from plugins.service.service import schedule_due_visits

    created = schedule_due_visits(local_today(), int(horizon))
    job.progress(1, total=1)
    return ngettext("%(num)d visit booked.", "%(num)d visits booked.", created)
