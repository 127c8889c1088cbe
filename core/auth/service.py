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
