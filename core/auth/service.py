"""Creating users with validated input (shared by the CLI and the admin pages)."""
from __future__ import annotations

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email

from core.auth.passwords import password_problems
from core.auth.models import Role, User
from core.db import db


class UserError(ValueError):
    pass


def normalise_staff_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise UserError(f"invalid email: {exc}") from exc


def create_user(email: str, password: str, *, name: str = "", roles: list[str] = ()) -> User:
    email = normalise_staff_email(email)
    problems = password_problems(password, email=email, name=name)
    if problems:
        raise UserError(" ".join(problems))
    if db.session.execute(sa.select(User.id).where(User.email == email)).scalar():
        raise UserError(f"a user with email {email} already exists")
    found = db.session.execute(sa.select(Role).where(Role.name.in_(list(roles)))).scalars().all() if roles else []
    missing = sorted(set(roles) - {r.name for r in found})
    if missing:
        known = ", ".join(db.session.execute(sa.select(Role.name).order_by(Role.name)).scalars())
        raise UserError(f"unknown role(s): {', '.join(missing)} (known: {known or 'none; run rapport init'})")
    user = User(email=email, name=name, roles=list(found))
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


# -- the user picker (``user`` lookup) -------------------------------------------------------

USER_SCAN = 500


def lookup_users(term: str, limit: int, params: dict) -> list:
    """Active staff by name or email; ``perm=...`` keeps those holding that permission."""
    from core.contrib import LookupItem
    from core.text import fold

    # Staff are counted in hundreds: folding in Python matches "zoe" to "Zoë" on every database.
    stmt = sa.select(User).where(User.active.is_(True)).order_by(User.name, User.id)
    perm = params.get("perm") or None
    found = []
    for user in db.session.execute(stmt.limit(USER_SCAN)).scalars():
        if term and term not in fold(f"{user.name} {user.email}"):
            continue
        if perm and not user.can(perm):
            continue
        found.append(LookupItem(user.id, user.display_name, user.email))
        if len(found) >= limit:
            break
    return found


def lookup_user(user_id: int):
    from core.contrib import LookupItem

    user = db.session.get(User, user_id)
    return LookupItem(user.id, user.display_name, user.email) if user else None
