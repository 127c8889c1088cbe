"""Contact history through HTTP: logging interactions, the timeline (order,
paging, channel filter, plugin events), follow-ups, "My activities" and the
dashboard widget."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from core.testing import PASSWORD


def new_customer(app, name="Timeline Person") -> int:
    from core.customers.service import create_customer
    from core.db import db

    with app.app_context():
        c = create_customer({"name": name})
        db.session.commit()
        return c.id


def interactions(app, customer_id):
    from core.db import db
    from core.history.models import Interaction

    with app.app_context():
        return [(i.channel, i.direction, i.subject, i.body, i.user_id) for i in db.session.execute(
            sa.select(Interaction).where(Interaction.customer_id == customer_id).order_by(Interaction.id)).scalars()]


def test_log_interaction(app, client, login):
    cid = new_customer(app)
    login()
    r = client.post(f"/customers/{cid}/interactions", data={
        "channel": "visit", "direction": "inbound", "occurred_at": "3/1/2024 10:30",
        "subject": "Came to the showroom", "body": "Looked at <b>red</b> cars"})
    assert r.status_code == 302
    assert interactions(app, cid) == [("visit", "inbound", "Came to the showroom", "Looked at <b>red</b> cars", 1)]
    html = client.get(f"/customers/{cid}").get_data(as_text=True)
    assert "Came to the showroom" in html and "Looked at &lt;b&gt;red&lt;/b&gt; cars" in html
    # Typed in the business time zone (Europe/Athens, UTC+2 in March), stored in UTC.
    assert 'datetime="2024-03-01T08:30:00Z"' in html


@pytest.mark.parametrize("data, message", [
    ({"channel": "pigeon", "subject": "x"}, "Not a valid choice"),
    ({"channel": "phone", "direction": "sideways", "subject": "x"}, "Not a valid choice"),
    ({"channel": "phone", "subject": "", "body": ""}, "Write a subject or a note"),
    ({"channel": "phone", "subject": "x" * 301}, "At most 300 characters"),
    ({"channel": "phone", "subject": "x", "occurred_at": "yesterday"}, "Enter a date and time such as 12/31/2026 14:30."),
    ({"channel": "phone", "subject": "x", "occurred_at": "0001-01-01T00:00"}, "out of range"),
])
def test_bad_interaction_is_refused(app, client, login, data, message):
    cid = new_customer(app)
    login()
    r = client.post(f"/customers/{cid}/interactions", data=data)
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert message in html and "nothing was saved" in html
    assert interactions(app, cid) == []


def test_logging_needs_permission(app, client, login, make_user):
    cid = new_customer(app)
    make_user("reader@example.com", roles=["Read only"])
    login("reader@example.com")
    r = client.post(f"/customers/{cid}/interactions", data={"channel": "phone", "subject": "x"})
    assert r.status_code == 403
    assert client.post(f"/customers/{cid}/activities", data={"summary": "x", "due_date": "2030-01-01",
                                                             "assignee_id": "1"}).status_code == 403
    assert client.get("/activities").status_code == 403
    assert interactions(app, cid) == []
    assert client.post("/customers/999999/interactions", data={"channel": "phone", "subject": "x"}).status_code == 403
    # history.log alone is not enough to write on customers one cannot see.
    make_user("logger@example.com", permissions=["history.log"])
    login("logger@example.com")
    assert client.post(f"/customers/{cid}/interactions", data={"channel": "phone", "subject": "x"}).status_code == 403
    assert interactions(app, cid) == []
    login()
    assert client.post("/customers/999999/interactions", data={"channel": "phone", "subject": "x"}).status_code == 404


def _seed_timeline(app, cid, n=7):
    from core.db import db
    from core.history.service import log_event, log_interaction

    base = datetime(2024, 1, 1, 9, 0)
    with app.app_context():
        for i in range(n):
            log_interaction(cid, channel="phone" if i % 2 else "email", subject=f"Entry {i}",
                            occurred_at=base + timedelta(days=i))
        # Same time as entry 3: the id breaks the tie (newer id first).
        log_interaction(cid, channel="email", subject="Entry 3b", occurred_at=base + timedelta(days=3))
        log_event(cid, "sales.order_confirmed", source="sales", subject="Order SO-42 confirmed",
                  occurred_at=base + timedelta(days=10))
        db.session.commit()


def _subjects(html):
    import re

    return re.findall(r"<strong>([^<]*)</strong>", html)


def test_timeline_newest_first_paged_and_filtered(make_app):
    app = make_app(PAGE_SIZE=3)
    cid = new_customer(app)
    _seed_timeline(app, cid)
    client = app.test_client()
    client.post("/login", data={"email": "admin@example.com", "password": PASSWORD})
    seen, url = [], f"/customers/{cid}"
    for _ in range(6):
        html = client.get(url).get_data(as_text=True)
        seen += _subjects(html)
        if 'rel="next"' not in html:
            break
        url = html.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    assert seen == ["Order SO-42 confirmed", "Entry 6", "Entry 5", "Entry 4", "Entry 3b", "Entry 3", "Entry 2",
                    "Entry 1", "Entry 0"]
    html = client.get(f"/customers/{cid}?channel=phone").get_data(as_text=True)
    assert _subjects(html) == ["Entry 5", "Entry 3", "Entry 1"]
    assert 'rel="next"' not in html
    # The plugin event shows its source next to its subject.
    html = client.get(f"/customers/{cid}").get_data(as_text=True)
    assert 'title="sales.order_confirmed">Sales</span>' in html  # the plugin's label, in the reader's language
    assert client.get(f"/customers/{cid}?cursor=garbage").status_code == 400
    # An unknown channel is ignored rather than an error.
    assert len(_subjects(client.get(f"/customers/{cid}?channel=nope").get_data(as_text=True))) == 3


# -- follow-ups --------------------------------------------------------------------------------


def activities(app, customer_id=None):
    from core.db import db
    from core.history.models import Activity

    with app.app_context():
        stmt = sa.select(Activity).order_by(Activity.id)
        if customer_id:
            stmt = stmt.where(Activity.customer_id == customer_id)
        return [(a.summary, a.due_date, a.assignee_id, a.done_at is not None) for a in db.session.execute(stmt).scalars()]


def test_schedule_follow_up_from_customer_page(app, client, login, make_user):
    cid = new_customer(app)
    colleague = make_user("colleague@example.com", roles=["Staff"])
    login()
    r = client.post(f"/customers/{cid}/activities", data={"summary": "Send the offer", "due_date": "2030-02-03",
                                                          "assignee_id": str(colleague), "notes": ""})
    assert r.status_code == 302
    assert activities(app, cid) == [("Send the offer", date(2030, 2, 3), colleague, False)]
    assert "Send the offer" in client.get(f"/customers/{cid}").get_data(as_text=True)


@pytest.mark.parametrize("data, message", [
    ({"summary": "", "due_date": "2030-01-01", "assignee_id": "1"}, "A summary of 1 to 300 characters"),
    ({"summary": "x", "due_date": "31/12/2030", "assignee_id": "1"}, "Enter a date such as 12/31/2026."),
    ({"summary": "x", "due_date": "2030-01-01", "assignee_id": "9999"}, "Not a valid choice"),
])
def test_bad_follow_up_is_refused(app, client, login, data, message):
    cid = new_customer(app)
    login()
    r = client.post(f"/customers/{cid}/activities", data=data)
    assert r.status_code == 422
    assert message in r.get_data(as_text=True)
    assert activities(app) == []


def _seed_activities(app, user_id, other_id):
    from core.db import db
    from core.history.service import schedule_activity

    from core.l10n.dates import local_today

    cid = new_customer(app, "Follow Me")
    with app.app_context():
        today = local_today()  # the reader's today (the business zone): after 22:00 UTC it is tomorrow in Athens
        ids = {}
        for summary, days in (("Next week", 7), ("Long overdue", -10), ("Today", 0), ("Slightly overdue", -1),
                              ("Far future", 60)):
            ids[summary] = schedule_activity(cid, summary=summary, due_date=today + timedelta(days=days),
                                             assignee_id=user_id).id
        schedule_activity(cid, summary="Someone else's", due_date=today - timedelta(days=3), assignee_id=other_id)
        db.session.commit()
    return ids


def test_my_activities_overdue_first_and_done_undo(app, client, login, make_user):
    me = make_user("me@example.com", roles=["Staff"])
    other = make_user("other@example.com", roles=["Staff"])
    ids = _seed_activities(app, me, other)
    login("me@example.com")
    html = client.get("/activities").get_data(as_text=True)
    order = ["Long overdue", "Slightly overdue", "Today", "Next week", "Far future"]
    positions = [html.index(s) for s in order]
    assert positions == sorted(positions)
    assert "Someone else&#39;s" not in html and "Someone else's" not in html
    assert html.count("overdue</span>") == 2
    r = client.post(f"/activities/{ids['Long overdue']}/done", data={"next": "/activities"})
    assert r.status_code == 302 and r.headers["Location"] == "/activities"
    html = client.get("/activities").get_data(as_text=True)
    assert "<td>Long overdue</td>" not in html and "<td>Slightly overdue</td>" in html
    done = client.get("/activities?show=done").get_data(as_text=True)
    assert "<td>Long overdue</td>" in done and "<td>Next week</td>" not in done
    r = client.post(f"/activities/{ids['Long overdue']}/undo", data={"next": "https://evil.example/"})
    assert r.headers["Location"] == "/activities"
    assert "<td>Long overdue</td>" in client.get("/activities").get_data(as_text=True)
    assert "<td>Long overdue</td>" not in client.get("/activities?show=done").get_data(as_text=True)
    assert client.post("/activities/99999/done").status_code == 404


def test_my_activities_paginated(make_app, make_user):
    from core.db import db
    from core.history.service import schedule_activity

    app = make_app(PAGE_SIZE=2)
    cid = new_customer(app)
    with app.app_context():
        for i in range(5):
            schedule_activity(cid, summary=f"Task {i}", due_date=date(2030, 1, 1) + timedelta(days=i), assignee_id=1)
        db.session.commit()
    client = app.test_client()
    client.post("/login", data={"email": "admin@example.com", "password": PASSWORD})
    seen, url = [], "/activities"
    for _ in range(5):
        html = client.get(url).get_data(as_text=True)
        seen += [f"Task {i}" for i in range(5) if f"Task {i}" in html]
        if 'rel="next"' not in html:
            break
        url = html.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    assert seen == [f"Task {i}" for i in range(5)]


def test_dashboard_widget_shows_overdue_and_today(app, client, login, make_user):
    me = make_user("me@example.com", roles=["Staff"])
    other = make_user("other@example.com", roles=["Staff"])
    _seed_activities(app, me, other)
    login("me@example.com")
    html = client.get("/").get_data(as_text=True)
    assert "My overdue and today" in html
    assert "Long overdue" in html and "Today" in html and "Slightly overdue" in html
    assert "Next week" not in html and "Someone else" not in html
    assert "Recently added customers" in html and "Follow Me" in html
    # Widgets are HTML, not escaped text.
    assert "&lt;li" not in html and '<a class="small" href="/customers/' in html


def test_dashboard_widgets_hidden_without_permission(app, client, login, make_user):
    make_user("catalog@example.com", permissions=["catalog.view"])
    login("catalog@example.com")
    html = client.get("/").get_data(as_text=True)
    assert "My overdue and today" not in html and "Recently added customers" not in html
