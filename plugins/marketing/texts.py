"""How marketing's contact-history entries read, in the reader's language.

Stored as a kind and parameters (``core.l10n.texts``): campaign and survey names as they
were, the channel as its code, scores as numbers (formatted here, in the reader's digits).
Registered through the ``register_text_kinds`` hook.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import pgettext

from core.contrib import TextKind
from core.l10n import format_number


def _campaign(p: dict) -> str:
    return _("Campaign “%(name)s”", name=p["campaign"])


def _consent(p: dict, granted: bool) -> str:
    sms = p.get("channel") == "sms"
    if granted:
        text = _("Subscribed to SMS marketing") if sms else _("Subscribed to email marketing")
    else:
        text = _("Unsubscribed from SMS marketing") if sms else _("Unsubscribed from email marketing")
    if p.get("campaign"):
        text = pgettext("consent change", "%(change)s (campaign “%(name)s”)", change=text, name=p["campaign"])
    return text


def _survey(p: dict) -> str:
    # NPS and CSAT are the scales' names in every language.
    return _("%(scale)s %(score)s/%(high)s: %(survey)s", scale=p["scale"], score=format_number(p["score"]),
             high=format_number(p["high"]), survey=p["survey"])


def text_kinds() -> list[TextKind]:
    return [
        TextKind("marketing.campaign", _campaign),
        TextKind("marketing.subscribed", lambda p: _consent(p, True)),
        TextKind("marketing.unsubscribed", lambda p: _consent(p, False)),
        TextKind("marketing.survey_answered", _survey),
    ]
