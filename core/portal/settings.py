"""Portal settings staff change in the application (stored in ``core_portal_setting``):
today whether customers may sign up themselves. The environment (``RAPPORT_PORTAL_SIGNUP``)
gives the default until staff choose; their choice then wins over it."""
from __future__ import annotations

from flask import current_app

from core.db import db, utcnow
from core.portal.models import PortalSetting

SIGNUP = "signup"


def signup_enabled() -> bool:
    row = db.session.get(PortalSetting, SIGNUP)
    return bool(current_app.config["PORTAL_SIGNUP"]) if row is None else row.value


def set_signup(enabled: bool, *, user_id: int | None) -> None:
    """Turn self sign-up on or off (the caller commits; the audit log records who did)."""
    row = db.session.get(PortalSetting, SIGNUP)
    if row is None:
        row = PortalSetting(key=SIGNUP)
        db.session.add(row)
    row.value, row.updated_at, row.updated_by_id = bool(enabled), utcnow(), user_id
