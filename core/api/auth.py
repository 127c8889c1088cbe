"""Bearer-token authentication and permission checks for API requests.

Runs from the app's ``before_request`` for every endpoint of an API blueprint. Only
the ``Authorization: Bearer <token>`` header authenticates: a browser session
cookie is ignored here, so a logged-in page cannot be made to call the API
(no CSRF exposure) and scripts always act as the token's user.
"""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, g, request
from flask_babel import gettext as _
from flask_smorest import abort
from sqlalchemy.orm import joinedload

from core.auth.models import ApiToken
from core.db import db, utcnow
from core.security import LOGIN, PUBLIC, access_rule

TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is informative; don't write on every call
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="rapport"'}


def _commit_keeping_loaded() -> None:
    """Commit the "last used" write without expiring what this request has loaded: the
    token, its user and their roles were read in this very transaction and are unchanged,
    and expiring them would read all three again for the permission check (issue 17)."""
    session = db.session()
    keep, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = keep


def authenticate_api_request(endpoint: str):
    view = current_app.view_functions[endpoint]
    rule = access_rule(view, request.method)
    if rule == PUBLIC:
        return None
    # Whatever flask-login restored from a session cookie does not count for the API.
    g._login_user = current_app.login_manager.anonymous_user()
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        abort(401, message=_("Send an API token: 'Authorization: Bearer <token>'."), headers=CHALLENGE)
    # The token and its user in one statement (the user's roles follow, selectin).
    row = db.session.execute(
        sa.select(ApiToken).options(joinedload(ApiToken.user))
        .where(ApiToken.token_hash == ApiToken.digest(token.strip()))
    ).scalar_one_or_none()
    if row is None or row.revoked_at is not None or not row.user.active:
        abort(401, message=_("The API token is invalid or revoked."),
              headers={"WWW-Authenticate": 'Bearer realm="rapport", error="invalid_token"'})
    g._login_user = row.user  # flask-login's per-request user: current_user is now this user
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > TOUCH_EVERY:
        row.last_used_at = now
        _commit_keeping_loaded()
    if rule is None:
        current_app.logger.error("API view %s declares no access rule; denying", endpoint)
        abort(403, message=_("Forbidden."))
    if rule != LOGIN and not row.user.can(rule):
        g.audit_permission = rule  # named in the audit's record of the refusal
        abort(403, message=_("This token's user lacks the permission %(perm)s.", perm=rule))
    return None

