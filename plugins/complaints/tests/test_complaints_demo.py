"""``rapport init --demo`` with complaints: a customer-care team and complaints in every
state, backdated consistently, some rated, and not one mail queued for them."""
from __future__ import annotations

import sqlalchemy as sa

from core.db import db


def test_demo_seeds_complaints_in_every_state(make_app, monkeypatch):
    from core.demo import load_demo
    from core.messaging.models import OutboxMessage
    from plugins.complaints.models import STATES, Complaint, Team
    from plugins.complaints.stats import latest

    monkeypatch.setenv("RAPPORT_ADMIN_PASSWORD", "demo-password-1234")
    app = make_app("complaints")
    lines: list[str] = []
    with app.app_context():
        load_demo(echo=lines.append)
        assert not [line for line in lines if "FAILED" in line], lines
        complaints = db.session.execute(sa.select(Complaint)).scalars().all()
        assert 20 <= len(complaints) <= 60
        assert {c.state for c in complaints} == set(STATES)
        team = db.session.execute(sa.select(Team).where(Team.name == "Customer care")).scalar_one()
        assert team.manager_id is not None and len(team.members) == 2
        assert all(c.team_id == team.id and c.assignee_id is not None for c in complaints)
        for c in complaints:
            assert c.first_response_due > c.created_at
            if c.resolved_at:
                assert c.created_at < c.resolved_at and c.root_cause_id and c.resolution
                assert c.resolution_seconds == int((c.resolved_at - c.created_at).total_seconds())
        assert any(c.rating for c in complaints if c.state == "closed")
        assert not any(c.rating for c in complaints if c.state != "closed")
        assert len({c.created_at.date() for c in complaints}) > 10  # spread over months, not all today
        assert db.session.execute(sa.select(sa.func.count()).select_from(OutboxMessage)
                                  .where(OutboxMessage.source == "complaints")).scalar() == 0
        assert latest() is not None  # statistics ready at once
