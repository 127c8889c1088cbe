"""Words for codes (states, channels, SLA status), in the reader's language."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import pgettext

from plugins.complaints.models import FIRST_RESPONSE

CHANNEL_LABELS = {"staff": _l("In person"), "phone": _l("Phone call"), "email": _l("Email"), "api": _l("API"),
                  "portal": _l("Customer portal")}
RATING_SOURCES = {"link": _l("the rating link in our mail"), "portal": _l("the customer portal"),
                  "api": _l("the API"), "survey": _l("the satisfaction survey")}
SLA_LABELS = {"breached": _l("Breached"), "at_risk": _l("At risk"), "ok": _l("On time")}


def state_label(state: str) -> str:
    return {
        "new": pgettext("complaint", "New"), "acknowledged": pgettext("complaint", "Acknowledged"),
        "investigating": pgettext("complaint", "Investigating"), "resolved": pgettext("complaint", "Resolved"),
        "closed": pgettext("complaint", "Closed"),
    }.get(state, state)


def target_label(target: str) -> str:
    return str(_l("First response") if target == FIRST_RESPONSE else _l("Resolution"))


STATE_BADGES = {"new": "text-bg-warning", "acknowledged": "text-bg-info", "investigating": "text-bg-primary",
                "resolved": "text-bg-success", "closed": "text-bg-secondary"}
SLA_BADGES = {"breached": "text-bg-danger", "at_risk": "text-bg-warning", "ok": "text-bg-light"}


def _name(model, row_id) -> str | None:
    """The current name of a category, severity, team or root cause (for the audit log's
    values; None when it was deleted since, so the log shows the stored id)."""
    from core.db import db

    row = db.session.get(model, row_id) if isinstance(row_id, int) else None
    if row is None:
        return None
    if hasattr(row, "code"):
        from plugins.complaints.defaults import display_name

        return display_name(row)
    return row.name


def category_name(row_id):
    from plugins.complaints.models import Category

    return _name(Category, row_id)


def severity_name(row_id):
    from plugins.complaints.models import Severity

    return _name(Severity, row_id)


def root_cause_name(row_id):
    from plugins.complaints.models import RootCause

    return _name(RootCause, row_id)


def team_name(row_id):
    from plugins.complaints.models import Team

    return _name(Team, row_id)
