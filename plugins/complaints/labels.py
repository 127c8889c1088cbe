"""Words for codes (states, channels, SLA status), in the reader's language."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import pgettext

from plugins.complaints.models import FIRST_RESPONSE

CHANNEL_LABELS = {"staff": _l("In person"), "phone": _l("Phone call"), "email": _l("Email"), "api": _l("API"),
                  "portal": _l("Customer portal")}
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
