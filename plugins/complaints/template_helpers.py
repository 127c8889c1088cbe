"""What complaint pages (and the customer page's tab, the dashboard card) call while they
render: words for codes, the calendar's time zone, links to what a complaint is about."""
from __future__ import annotations

import sqlalchemy as sa
from flask import g
from flask_babel import gettext as _

from core.db import db
from plugins.complaints import labels
from plugins.complaints.defaults import display_name
from plugins.complaints.models import STATES, Severity
from plugins.complaints.sla import sla_status
from plugins.complaints.views import bp


@bp.app_template_global()
def complaint_state_label(state):
    return labels.state_label(state)


@bp.app_template_global()
def complaint_sla(complaint, now=None):
    return sla_status(complaint, now)


@bp.app_template_global()
def complaints_name(row):
    return display_name(row)


@bp.app_template_global()
def complaint_labels():
    return labels


@bp.app_template_global()
def complaint_words():
    """States, SLA statuses and badge classes as plain strings, translated once per request
    (a list of 50 complaints would otherwise translate the same words 50 times)."""
    if "complaint_words" not in g:
        g.complaint_words = {
            "state": {s: labels.state_label(s) for s in STATES},
            "sla": {k: str(v) for k, v in labels.SLA_LABELS.items()},
            "state_badge": labels.STATE_BADGES, "sla_badge": labels.SLA_BADGES,
            "severity": {r.id: display_name(r) for r in db.session.execute(sa.select(Severity)).scalars()},
        }
    return g.complaint_words


@bp.app_template_global()
def complaint_about_url(complaint):
    """The page of what the complaint is about (``about_ref`` = ``"<endpoint>:<arg>=<id>"``), or
    None while the plugin that owns it is disabled."""
    from core.web.nav import record_url

    endpoint, _sep, arg = (complaint.about_ref or "").partition(":")
    name, _sep, value = arg.partition("=")
    if not (endpoint and name.isidentifier() and value.isascii() and value.isdigit()):
        return None
    return record_url(endpoint, **{name: int(value)})


@bp.app_template_global()
def complaint_when(value):
    """A stored (naive UTC) time in the reader's zone and calendar (``5 Μαρ 2026, 14:30``,
    Persian digits and Solar Hijri for a Persian reader) — the staff member's own clock, as
    every other page shows times; the SLA is still computed in the business calendar."""
    from core.l10n.dates import format_datetime

    return "" if value is None else format_datetime(value)


def complaint_month(text):
    """A statistics month key (``"2026-03"``) as the reader names the month (``Μάρτιος 2026``)."""
    from core.l10n.dates import format_month

    return format_month(text)


@bp.app_template_filter()
def complaint_stat_name(row):
    from plugins.complaints.charts import name_of

    return name_of(row)


@bp.app_template_global()
def complaint_duration(seconds):
    if not isinstance(seconds, (int, float)):  # None, or a figure a snapshot made before it existed
        return "—"
    from core.l10n.numbers import format_number

    return _("%(n)s h", n=format_number(round(seconds / 3600, 1), 1))
