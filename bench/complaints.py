"""Complaints at size: the escalation job over 100,000 open complaints, and the lists,
statistics page and API at 1,000,000 complaints (issue 10).

    python -m bench.complaints                                   # SQLite, bench/data/complaints.db
    python -m bench.complaints --complaints 1000000 --open 100000
    DATABASE_URL=postgresql://... python -m bench.complaints     # PostgreSQL

Fills a database (complaints enabled) once — customers, five teams of agents, complaints
with the states, deadlines, durations and ratings of a few years of work, ``--open`` of
them open — runs ``ANALYZE``, then measures, each beside a raw baseline doing the same work
without the application:

* **escalation**: one run of ``escalate_due`` (the every-minute task) with ``--breaches``
  new breaches among the open complaints (each one escalated: claim, escalation row,
  history entry, manager follow-up and email), and an idle run (nothing new); baseline:
  the bare candidate SELECT;
* **pages** (Flask test client, median of ``--repeat`` after a warm-up): the lists a manager
  and an agent open (my complaints, the team's open ones, breached, at risk, all), the
  statistics page (from the snapshot) and ``GET /api/v1/complaints/``; baseline: the bare
  SELECT of one page;
* **statistics refresh** (the job behind the snapshot): one full ``compute`` at this size.
Measurements only.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta

import sqlalchemy as sa

from bench.generate import HERE, generate, make_app

BATCH = 5_000
PASSWORD = "bench-password-1"
MANAGER, AGENT = "manager@bench.example", "agent0@bench.example"


def database_url() -> str:
    from core.config import database_url as configured

    if os.environ.get("DATABASE_URL"):
        return configured("")
    path = HERE / "data" / "complaints.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def fill(app, customers: int, complaints: int, open_count: int, seed=10):
    from core.auth.models import Role, User
    from core.db import db, utcnow
    from core.plugin_ops import initialise_database
    from plugins.complaints.models import Category, Complaint, RootCause, Severity, Team, TeamMember

    rng = random.Random(seed)
    with app.app_context():
        initialise_database(enable=["complaints"])
        if db.session.execute(sa.select(sa.func.count(Complaint.id))).scalar():
            return
        generate(app, customers, interactions_per_customer=0, echo=lambda *_: None)
        roles = {r.name: r for r in db.session.execute(sa.select(Role)).scalars()}
        manager = User(email=MANAGER, name="Manager", roles=[roles["Complaints manager"]])
        agents = [User(email=f"agent{n}@bench.example", name=f"Agent {n}", roles=[roles["Complaints agent"]])
                  for n in range(20)]
        for user in (manager, *agents):
            user.set_password(PASSWORD)
        db.session.add_all([manager, *agents])
        db.session.flush()
        teams = [Team(name=f"Team {n}", manager_id=manager.id) for n in range(5)]
        db.session.add_all(teams)
        db.session.flush()
        for n, agent in enumerate(agents):
            db.session.add(TeamMember(team_id=teams[n % 5].id, user_id=agent.id))
        db.session.commit()
        cats = list(db.session.execute(sa.select(Category.id)).scalars())
        sevs = list(db.session.execute(sa.select(Severity.id)).scalars())
        causes = list(db.session.execute(sa.select(RootCause.id)).scalars())
        team_ids, agent_ids = [t.id for t in teams], [a.id for a in agents]
        now = utcnow()
        open_ids = set(rng.sample(range(complaints), open_count))

        def row(i):
            created = now - timedelta(days=rng.uniform(0, 1000)) if i not in open_ids else \
                now - timedelta(hours=rng.uniform(0, 200))
            team = rng.choice(team_ids)
            first = int(rng.uniform(600, 60 * 3600))
            base = {
                "customer_id": rng.randrange(1, customers + 1), "title": f"Complaint {i}", "description": "",
                "channel": rng.choice(("staff", "phone", "email", "api")), "category_id": rng.choice(cats),
                "severity_id": rng.choice(sevs), "team_id": team,
                "assignee_id": rng.choice(agent_ids) if rng.random() < 0.7 else None, "about_label": "",
                "created_at": created, "updated_at": created, "escalation_count": 0, "reopened_count": 0,
                "resolution": "", "corrective_action": "", "compensation_credit": False, "rating_comment": "",
                "version": 1, "first_response_due": created + timedelta(hours=8),
                "resolution_due": created + timedelta(hours=40),
            }
            if i in open_ids:
                answered = rng.random() < 0.5
                base.update(state=rng.choice(("new", "acknowledged", "investigating")),
                            first_response_at=created + timedelta(seconds=first) if answered else None,
                            first_response_seconds=first if answered else None)
                # what earlier runs already escalated
                if base["first_response_due"] <= now and not answered:
                    base["first_response_escalated_at"] = base["first_response_due"]
                if base["resolution_due"] <= now:
                    base["resolution_escalated_at"] = base["resolution_due"]
            else:
                resolution = int(first + rng.uniform(3600, 30 * 86400))
                base.update(state=rng.choice(("resolved", "closed", "closed")),
                            first_response_at=created + timedelta(seconds=first), first_response_seconds=first,
                            resolved_at=created + timedelta(seconds=resolution), resolution_seconds=resolution,
                            resolved_in_time=resolution <= 40 * 3600 * 3, root_cause_id=rng.choice(causes),
                            resolution="Done", rating=rng.choice((None, None, 3, 4, 5, 1, 2)))
            return base

        table = Complaint.__table__
        columns = [c.name for c in table.columns if c.name != "id"]
        for start in range(0, complaints, BATCH):
            rows = []
            for i in range(start, min(complaints, start + BATCH)):
                r = row(i)
                rows.append({c: r.get(c) for c in columns})
            with db.engine.begin() as conn:
                conn.execute(table.insert(), rows)
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("ANALYZE"))


def breach(app, n: int) -> None:
    """Make ``n`` open complaints newly breached: unanswered, first-response deadline just
    passed, not escalated yet (what one minute of a busy day brings)."""
    from core.db import db, utcnow
    from plugins.complaints.models import OPEN_STATES, Complaint

    with app.app_context():
        ids = list(db.session.execute(sa.select(Complaint.id).where(Complaint.state.in_(OPEN_STATES))
                                      .order_by(sa.func.random()).limit(n)).scalars())
        db.session.execute(sa.update(Complaint).where(Complaint.id.in_(ids)).values(
            first_response_at=None, first_response_seconds=None, first_response_escalated_at=None,
            first_response_due=utcnow() - timedelta(minutes=1)))
        db.session.commit()


def bench_escalation(app, breaches: int, echo=print) -> None:
    from core.db import db, utcnow
    from plugins.complaints.escalation import _candidates, escalate_due
    from plugins.complaints.models import OPEN_STATES, Complaint

    with app.app_context():
        open_now = db.session.execute(sa.select(sa.func.count()).where(Complaint.state.in_(OPEN_STATES))).scalar()
        echo(f"open complaints: {open_now:,}")
        escalate_due()  # settle anything the fill left
        for label, new in (("idle run (nothing new)", 0), (f"run with {breaches} new breaches", breaches)):
            if new:
                breach(app, new)
            started = time.perf_counter()
            done = escalate_due()
            took = time.perf_counter() - started
            echo(f"  escalate_due, {label:<28} {took * 1000:9.1f} ms   escalated {done}")
        times = []
        for _ in range(5):
            started = time.perf_counter()
            for target in ("first_response", "resolution"):
                _candidates(target, utcnow(), 0)
            times.append((time.perf_counter() - started) * 1000)
        echo(f"  baseline: the two candidate SELECTs      {statistics.median(times):9.1f} ms")


def timed(client, url, repeat, headers=None):
    client.get(url, headers=headers)
    times, status = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        status = response.status_code
    return statistics.median(times), status


def bench_pages(app, repeat: int, echo=print) -> None:
    from core.auth.models import ApiToken, User
    from core.db import db
    from plugins.complaints.models import Complaint
    from plugins.complaints.stats import refresh

    with app.app_context():
        started = time.perf_counter()
        refresh()
        db.session.commit()
        echo(f"  statistics refresh (the job), full compute {(time.perf_counter() - started) * 1000:9.1f} ms")
        manager = db.session.execute(sa.select(User).where(User.email == MANAGER)).scalar_one()
        token = ApiToken.issue(manager, "bench")[1]
        db.session.commit()
        with db.engine.connect() as conn:
            stmt = sa.select(Complaint).order_by(Complaint.id.desc()).limit(51)
            base = []
            for _ in range(repeat):
                t = time.perf_counter()
                conn.execute(stmt).all()
                base.append((time.perf_counter() - t) * 1000)
    echo(f"  baseline: bare SELECT of one page        {statistics.median(base):9.1f} ms")
    for email in (MANAGER, AGENT):
        client = app.test_client()
        if client.post("/login", data={"email": email, "password": PASSWORD}).status_code != 302:
            raise SystemExit(f"could not log in as {email}")
        echo(f"  -- as {email}")
        urls = ["/complaints/?view=mine", "/complaints/?view=team", "/complaints/?view=breached",
                "/complaints/?view=at_risk", "/complaints/?view=queue"]
        if email == MANAGER:
            urls += ["/complaints/?view=all", "/complaints/?view=all&state=closed", "/complaints/stats"]
        for url in urls:
            ms, status = timed(client, url, repeat)
            echo(f"  {url:<40} median {ms:8.1f} ms  HTTP {status}")
        if email == MANAGER:
            ms, status = timed(client, "/api/v1/complaints/", repeat, {"Authorization": f"Bearer {token}"})
            echo(f"  {'GET /api/v1/complaints/':<40} median {ms:8.1f} ms  HTTP {status}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--breaches", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    url = database_url()
    app = make_app(url)
    started = time.perf_counter()
    fill(app, args.customers, args.complaints, args.open)
    print(f"database ready in {time.perf_counter() - started:.1f} s: "
          f"{sa.engine.make_url(url).render_as_string(hide_password=True)}")
    bench_escalation(app, args.breaches)
    bench_pages(app, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
