"""Small builders shared by the complaints tests."""
from __future__ import annotations

import sqlalchemy as sa

from core.db import db


def customer(name="Ζωή Παπαδοπούλου", email="zoe@example.com", language=None):
    from core.customers.service import create_customer

    data = {"name": name, "emails": [email] if email else []}
    if language:
        data["preferred_language"] = language
    row = create_customer(data)
    db.session.commit()
    return row


def severity(code):
    from plugins.complaints.models import Severity

    return db.session.execute(sa.select(Severity).where(Severity.code == code)).scalar_one()


def category(code):
    from plugins.complaints.models import Category

    return db.session.execute(sa.select(Category).where(Category.code == code)).scalar_one()


def root_cause(code="defect"):
    from plugins.complaints.models import RootCause

    return db.session.execute(sa.select(RootCause).where(RootCause.code == code)).scalar_one()


def team(name, manager=None, members=(), round_robin=False):
    from plugins.complaints.models import Team, TeamMember

    row = Team(name=name, manager_id=manager.id if manager else None, round_robin=round_robin)
    db.session.add(row)
    db.session.flush()
    for user in members:
        db.session.add(TeamMember(team_id=row.id, user_id=user.id))
    db.session.commit()
    return row


def user(email):
    from core.auth.models import User

    return db.session.execute(sa.select(User).where(User.email == email)).scalar_one()


def complaint(customer_id, title="Broken on arrival", **data):
    from plugins.complaints.workflow import create_complaint

    row = create_complaint({"customer_id": customer_id, "title": title, **data}, channel=data.pop("channel", "staff")
                           if "channel" in data else "staff")
    db.session.commit()
    return row
