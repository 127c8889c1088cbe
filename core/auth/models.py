"""Staff users, roles (named sets of permissions) and API tokens."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.audit import Audit
from core.db import db, utcnow

_hasher = PasswordHasher()
_dummy_hash: str | None = None


def verify_nothing(password: str) -> None:
    """Check ``password`` against a throw-away hash: the same work as a real check, so a
    login for an unknown or inactive account takes as long as one for a real account."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash(secrets.token_urlsafe(16))
    try:
        _hasher.verify(_dummy_hash, password)
    except (VerificationError, InvalidHashError):
        pass

ADMIN_ROLE = "admin"

user_roles = sa.Table(
    "core_user_role",
    db.metadata,
    sa.Column("user_id", sa.ForeignKey("core_user.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("role_id", sa.ForeignKey("core_role.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Role(db.Model):
    __tablename__ = "core_role"
    __audit__ = Audit("role", label=_l("Role"), title="name", fields={"permissions": _l("Permissions")})

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    description: Mapped[str] = mapped_column(sa.String(255), default="")
    permissions: Mapped[list] = mapped_column(sa.JSON, default=list)

    @property
    def is_admin(self) -> bool:
        return self.name == ADMIN_ROLE


class User(UserMixin, db.Model):
    __tablename__ = "core_user"
    # last_login_at is left out: logins have entries of their own.
    __audit__ = Audit("user", label=_l("User"), title="email", ignore=("last_login_at",), secret=("password_hash",),
                      collections={"roles": "name"},
                      fields={"password_hash": _l("Password"), "ui_language": _l("Language"), "roles": _l("Roles")})

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    ui_language: Mapped[str | None] = mapped_column(sa.String(10))
    # Empty means the business time zone / the language's usual calendar (core.l10n.context).
    timezone: Mapped[str | None] = mapped_column(sa.String(64))
    calendar: Mapped[str | None] = mapped_column(sa.String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    roles: Mapped[list[Role]] = relationship(secondary=user_roles, lazy="selectin")

    @property
    def is_active(self) -> bool:  # flask-login
        return self.active

    def get_id(self) -> str:
        """What flask-login keeps in the session cookie: ``"<user id>:<session key>"``.

        The key names a :class:`UserSession` row; the user loader accepts the cookie only
        while that row is live, so a session ends on the server (see core/auth/sessions.py).
        """
        key = getattr(self, "session_key", None)
        return f"{self.id}:{key}" if key else str(self.id)

    @property
    def display_name(self) -> str:
        return self.name or self.email

    def set_password(self, password: str) -> None:
        self.password_hash = _hasher.hash(password)

    def check_password(self, password: str) -> bool:
        try:
            ok = _hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        if ok and _hasher.check_needs_rehash(self.password_hash):
            self.set_password(password)
        return ok

    @property
    def is_admin(self) -> bool:
        return any(r.is_admin for r in self.roles)

    def permission_set(self) -> frozenset[str]:
        perms: set[str] = set()
        for role in self.roles:
            perms.update(role.permissions or ())
        return frozenset(perms)

    def can(self, permission: str | None) -> bool:
        """True when this user holds ``permission`` (admins hold every permission)."""
        if permission is None:
            return True
        return self.is_admin or permission in self.permission_set()


class UserSession(db.Model):
    """One login: a browser holding ``"<user id>:<key>"`` in its signed session cookie.

    Only the key's SHA-256 is stored (the key is 256-bit random). Revoking the row ends
    the session everywhere its cookie is replayed.
    """

    __tablename__ = "core_user_session"
    __table_args__ = (sa.Index("ix_core_user_session_user_live", "user_id", "revoked_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("core_user.id", ondelete="CASCADE"))
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    user_agent: Mapped[str] = mapped_column(sa.String(200), default="")

    @staticmethod
    def digest(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(db.Model):
    """A bearer token. Only its SHA-256 is stored: tokens are 256-bit random, so a
    fast hash is enough and lookups stay a single indexed equality."""

    __tablename__ = "core_api_token"
    # last_used_at changes with use, not by anyone's decision: not recorded.
    __audit__ = Audit("token", label=_l("API token"), title="name", ignore=("last_used_at",), secret=("token_hash",),
                      fields={"token_hash": _l("Token"), "prefix": _l("Starts with"), "revoked_at": _l("Revoked")},
                      users=("user_id",))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("core_user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100), default="")
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(12))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    @staticmethod
    def digest(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User, name: str = "") -> tuple["ApiToken", str]:
        """Create a token for ``user``; returns the row and the clear token (shown once)."""
        clear = "rpt_" + secrets.token_urlsafe(32)
        row = cls(user=user, name=name, token_hash=cls.digest(clear), prefix=clear[:10])
        db.session.add(row)
        return row, clear
