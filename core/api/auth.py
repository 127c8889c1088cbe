"""Bearer-token authentication and permission checks for API requests."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, g, request
from flask_smorest import abort

from core.auth.models import ApiToken
from core.db import db, utcnow
from core.security import LOGIN, PUBLIC, access_rule

TOUCH_EVERY = timedelta(minutes=1)


def authenticate_api_request(endpoint: str):
    view = current_app.view_functions[endpoint]
    rule = access_rule(view, request.method)
    if rule == PUBLIC:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        abort(401, message="Send an API token: 'Authorization: Bearer <token>'.")
    row = db.session.execute(
        sa.select(ApiToken).where(ApiToken.token_hash == ApiToken.digest(token.strip()))
    ).scalar_one_or_none()
    if row is None or row.revoked_at is not None or not row.user.active:
        abort(401, message="The API token is invalid or revoked.")
    g._login_user = row.user  # flask-login's per-request user: current_user is now this user
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > TOUCH_EVERY:
        row.last_used_at = now
        db.session.commit()
    if rule is None:
        current_app.logger.error("API view %s declares no access rule; denying", endpoint)
        abort(403, message="Forbidden.")
    if rule != LOGIN and not row.user.can(rule):
        abort(403, message=f"This token's user lacks the permission {rule}.")
    return None
