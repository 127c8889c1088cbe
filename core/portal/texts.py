"""How the portal's contact-history entries read, in the reader's language.

The portal writes for staff, while the request is the customer's (in the customer's
language): the entries are stored as a kind and parameters (``core.l10n.texts``) so
each colleague reads them in their own language. The address is a parameter; a GDPR
erasure empties the parameters and the entry then reads without it.
"""
from __future__ import annotations

from flask_babel import gettext as _

from core.contrib import TextKind

INVITED, SIGNED_UP = "portal.invited", "portal.signed_up"
DETAILS_SUBMITTED, PREFERENCES_CHANGED = "portal.details_submitted", "portal.preferences_changed"
WITH_ADDRESS = (INVITED, SIGNED_UP)


def _invited(p: dict) -> str:
    if p.get("email"):
        return _("Invited to the portal (%(email)s)", email=p["email"])
    return _("Invited to the portal")


def _signed_up(p: dict) -> str:
    if p.get("email"):
        return _("Signed up in the portal (%(email)s)", email=p["email"])
    return _("Signed up in the portal")


def text_kinds() -> list[TextKind]:
    return [
        TextKind(INVITED, _invited),
        TextKind(SIGNED_UP, _signed_up),
        TextKind(DETAILS_SUBMITTED, lambda p: _("Changed contact details submitted in the portal")),
        TextKind(PREFERENCES_CHANGED, lambda p: _("Consent and language changed in the portal")),
    ]
