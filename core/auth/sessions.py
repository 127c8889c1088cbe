"""Server-side sessions: every login is a row that can be ended from anywhere.

Flask's session cookie is signed but lives in the browser, so logging out used to end
nothing on the server: a copied cookie kept working. Now a login creates a
:class:`~core.auth.models.UserSession` and the cookie carries its random key
(``User.get_id()`` → ``"<id>:<key>"``); the user loader accepts a cookie only while its
row is live and the user active. Hence:

* logout revokes that row — the cookie is dead wherever it was copied;
* a password change revokes every other session of the user;
* deactivating a user, or an admin setting their password, revokes all of them;
* "Log out everywhere" on the profile revokes all, this one included.

A remember-me cookie (flask-login stores ``get_id()`` in it too) would be bound to
the same row. ``last_seen_at`` is written at most every few minutes, not on every request.
"""
from __future__ import annotations

import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import request

from core.auth.models import User, UserSession
from core.db import db, utcnow

TOUCH_EVERY = timedelta(minutes=5)
SESSIONS_SHOWN = 20


def start_session(user: User) -> str:
    """A new session row for ``user``; returns the clear key and attaches it to ``user``."""
    key = secrets.token_urlsafe(32)
    agent = (request.headers.get("User-Agent") or "")[:200] if request else ""
    db.session.add(UserSession(user_id=user.id, key_hash=UserSession.digest(key), user_agent=agent))
    user.session_key = key
    return key


# The user loader's statement, built once: it runs on every request, and building the
# expression (column coercions, operators) cost more Python than executing it. The values
# are bound per call.
_LIVE_SESSION = (
    sa.select(UserSession, User).join(User, User.id == UserSession.user_id)
    .where(UserSession.key_hash == sa.bindparam("key_hash"), UserSession.user_id == sa.bindparam("user_id"),
           UserSession.revoked_at.is_(None), User.active.is_(True))
)


def load_session_user(user_id: str) -> User | None:
    """flask-login's user loader: the user behind a live session, or None."""
    uid, _sep, key = (user_id or "").partition(":")
    if not uid.isdigit() or not key:
        return None  # a cookie from before server-side sessions, or forged: not a login
    row = db.session.execute(_LIVE_SESSION, {"key_hash": UserSession.digest(key), "user_id": int(uid)}).first()
    if row is None:
        return None
    session_row, user = row
    user.session_key = key
    now = utcnow()
    if now - session_row.last_seen_at > TOUCH_EVERY:
        session_row.last_seen_at = now
        db.session.commit()
    return user


def end_session(user: User) -> None:
    """Revoke the session ``user`` was loaded with (logout). The caller commits."""
    key = getattr(user, "session_key", None)
    if key:
        db.session.execute(sa.update(UserSession).where(UserSession.key_hash == UserSession.digest(key),
                                                        UserSession.revoked_at.is_(None))
                           .values(revoked_at=utcnow()))


def end_sessions(user_id: int, *, keep: User | None = None) -> int:
    """Revoke every live session of ``user_id`` except ``keep``'s own; returns how many.
    The caller commits."""
    stmt = sa.update(UserSession).where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
    key = getattr(keep, "session_key", None) if keep is not None else None
    if key:
        stmt = stmt.where(UserSession.key_hash != UserSession.digest(key))
    return db.session.execute(stmt.values(revoked_at=utcnow())).rowcount


def live_sessions(user: User) -> list[tuple[UserSession, bool]]:
    """The user's live sessions, newest first, each with "is this the current one"."""
    current = UserSession.digest(user.session_key) if getattr(user, "session_key", None) else None
    rows = db.session.execute(
        sa.select(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc()).limit(SESSIONS_SHOWN)
    ).scalars().all()
    return [(row, row.key_hash == current) for row in rows]
