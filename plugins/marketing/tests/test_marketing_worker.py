"""A real worker process (``rapport worker``) killed with SIGKILL in the middle of a campaign
and started again: every recipient is queued exactly once — nobody twice, nobody left out —
and the outbox then delivers one message to each over a real SMTP server."""
from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.db import db
from marketing_testdata import customer, newsletter_template, rules

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "tests"))
from processes import Processes, rapport_env, wait_until  # noqa: E402

pytestmark = pytest.mark.plugins("marketing")
PEOPLE = 24


@pytest.fixture
def procs(tmp_path):
    p = Processes(tmp_path)
    yield p
    p.stop_all()


def _state(app, campaign_id):
    from plugins.marketing.models import Campaign, Recipient

    with app.app_context():
        counts = dict(db.session.execute(sa.select(Recipient.status, sa.func.count()).where(
            Recipient.campaign_id == campaign_id).group_by(Recipient.status)).all())
        state = db.session.get(Campaign, campaign_id).state
        db.session.remove()
        return state, counts


def test_a_worker_killed_mid_campaign_queues_everyone_once(app, tmp_path, procs, smtp_sink):
    from core.messaging.models import OutboxMessage
    from plugins.marketing.campaigns import start_sending
    from plugins.marketing.models import Campaign, Segment

    with app.app_context():
        for i in range(PEOPLE):
            customer(f"Πελάτης {i:02d}", f"p{i:02d}@example.gr", language="el", consent={"email": True})
        newsletter_template()
        segment = Segment(name="All", kind="rules", rules=rules())
        db.session.add(segment)
        db.session.flush()
        # 120 a minute: two recipients handed to the outbox each second, so the kill lands mid-way.
        campaign = Campaign(name="Slow", channel="email", segment_id=segment.id,
                            template_key="marketing.test_newsletter", rate_per_minute=120, owner_id=1)
        db.session.add(campaign)
        db.session.flush()
        assert start_sending(campaign, None)
        db.session.commit()
        cid = campaign.id

    env = rapport_env(app, tmp_path, RAPPORT_JOB_LEASE_SECONDS=2)
    first = procs.start(["worker", "--workers", "1"], env, "worker-1")
    wait_until(lambda: _state(app, cid)[1].get("queued", 0) >= 4, what="a few recipients queued", logs=procs.logs)
    procs.kill(first)
    state, counts = _state(app, cid)
    assert state == "sending" and 4 <= counts.get("queued", 0) < PEOPLE, counts

    procs.start(["worker", "--workers", "1"], env, "worker-2")
    wait_until(lambda: _state(app, cid)[0] == "done", timeout=120, what="the campaign finished", logs=procs.logs)
    assert _state(app, cid)[1] == {"queued": PEOPLE}

    app.config.update(SMTP_URL=smtp_sink.url, OUTBOX_RATE={"email": 0, "sms": 0})
    from core.messaging.sending import send_all_due

    with app.app_context():
        per_customer = Counter(db.session.execute(sa.select(OutboxMessage.customer_id)).scalars())
        assert len(per_customer) == PEOPLE and set(per_customer.values()) == {1}
        send_all_due()
    delivered = Counter(m.rcpt_tos[0] for m in smtp_sink.messages)
    assert len(delivered) == PEOPLE and set(delivered.values()) == {1}
