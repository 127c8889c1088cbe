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
import statistics
import sys
import time
from datetime import timedelta

import sqlalchemy as sa

from bench.generate import HERE, generate, make_app
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
        first_id = {model: db.session.execute(sa.select(sa.func.min(model.id))).scalar()
                    for model in (Category, Severity, RootCause, Team)}
        agent0 = min(a.id for a in agents)
        db.session.commit()
        started = time.perf_counter()
        insert_complaints(db, complaints, open_count, customers, first_id, agent0, len(agents), utcnow())
        print(f"  {complaints:,} complaints inserted in {time.perf_counter() - started:.1f} s")
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("ANALYZE"))


def insert_complaints(db, n, open_count, customers, first_id, agent0, agents, now):
    """One ``INSERT … SELECT`` over a generated series: the database makes the rows (a Python
    loop over a million dicts took most of an hour on the shared machine). Every
    ``n // open_count``-th complaint is open, created in the last 200 hours; the others were
    opened in the last 1,000 days and resolved or closed with durations and ratings."""
    from plugins.complaints.models import Category, RootCause, Severity, Team

    pg = db.engine.dialect.name == "postgresql"

    def rand(k):
        return f"floor(random() * {k})::int" if pg else f"(abs(random()) % {k})"

    def plus(ts, seconds):
        return f"({ts} + ({seconds}) * interval '1 second')" if pg else f"datetime({ts}, ({seconds}) || ' seconds')"

    every = max(1, n // max(1, open_count))
    now_sql = "CAST(:now AS timestamp)" if pg else ":now"
    series = ("SELECT generate_series(1, :n) AS i" if pg else
              "WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < :n) SELECT i FROM seq")
    base = f"""
        SELECT i, (i % {every} = 0) AS is_open, {rand(customers)} + 1 AS cust,
               {rand(200 * 3600)} AS age_open, {rand(1000 * 86400)} AS age_done, 600 + {rand(60 * 3600)} AS first_s,
               3600 + {rand(30 * 86400)} AS res_s, {rand(6)} AS cat, {rand(4)} AS sev, {rand(5)} AS team,
               {rand(agents)} AS agent, {rand(10)} AS assigned, {rand(3)} AS st, {rand(7)} AS rating, {rand(2)} AS answered,
               {rand(6)} AS cause, {rand(4)} AS chan
        FROM ({series}) AS s"""
    created = f"(CASE WHEN is_open THEN {plus(now_sql, '-age_open')} ELSE {plus(now_sql, '-age_done')} END)"
    # MATERIALIZED: each row's random draws are made once. A plain subquery is flattened by
    # SQLite, and random() is then drawn again wherever a column is used (a deadline that
    # does not follow from its complaint's own creation time).
    timed = f"""
        WITH b AS MATERIALIZED ({base}),
             t AS MATERIALIZED (SELECT b.*, {created} AS created FROM b)
        SELECT * FROM t"""
    answered = "(NOT is_open OR answered = 1)"
    columns = {
        "customer_id": "cust", "title": "'Complaint ' || i", "description": "''",
        "channel": "CASE chan WHEN 0 THEN 'staff' WHEN 1 THEN 'phone' WHEN 2 THEN 'email' ELSE 'api' END",
        "is_open": "is_open",
        "state": "CASE WHEN is_open THEN CASE st WHEN 0 THEN 'new' WHEN 1 THEN 'acknowledged' ELSE 'investigating' END "
                 "ELSE CASE st WHEN 0 THEN 'resolved' ELSE 'closed' END END",
        "category_id": f"{first_id[Category]} + cat", "severity_id": f"{first_id[Severity]} + sev",
        "team_id": f"{first_id[Team]} + team", "assignee_id": f"CASE WHEN assigned < 7 THEN {agent0} + agent END",
        "about_label": "''", "created_at": "created", "updated_at": "created",
        "first_response_due": plus("created", 8 * 3600), "resolution_due": plus("created", 40 * 3600),
        "first_response_at": f"CASE WHEN {answered} THEN {plus('created', 'first_s')} END",
        "first_response_seconds": f"CASE WHEN {answered} THEN first_s END",
        # business hours: a third of the wall-clock time (8 working hours a day), close enough
        # for the statistics' percentile queries to do the same work as on real data
        "first_response_business_seconds": f"CASE WHEN {answered} THEN first_s / 3 END",
        "first_response_escalated_at": f"CASE WHEN is_open AND answered = 0 AND {plus('created', 8 * 3600)} <= {now_sql} "
                                       f"THEN {plus('created', 8 * 3600)} END",
        "resolution_escalated_at": f"CASE WHEN is_open AND {plus('created', 40 * 3600)} <= {now_sql} "
                                   f"THEN {plus('created', 40 * 3600)} END",
        "escalation_count": "0", "reopened_count": "0",
        "resolved_at": f"CASE WHEN NOT is_open THEN {plus('created', 'first_s + res_s')} END",
        "resolution_seconds": "CASE WHEN NOT is_open THEN first_s + res_s END",
        "resolution_business_seconds": "CASE WHEN NOT is_open THEN (first_s + res_s) / 3 END",
        "resolved_in_time": f"CASE WHEN NOT is_open THEN (first_s + res_s <= {120 * 3600}) END",
        "root_cause_id": f"CASE WHEN NOT is_open THEN {first_id[RootCause]} + cause END",
        "resolution": "CASE WHEN is_open THEN '' ELSE 'Done' END", "corrective_action": "''",
        "compensation_credit": "false" if pg else "0", "rating_comment": "''",
        "rating": "CASE WHEN NOT is_open AND rating >= 2 THEN rating - 1 END", "version": "1",
    }
    sql = (f"INSERT INTO complaints_complaint ({', '.join(columns)}) "
           f"SELECT {', '.join(columns.values())} FROM ({timed}) AS rows")
    from plugins.complaints.models import Complaint

    indexes = list(Complaint.__table__.indexes)
    with db.engine.begin() as conn:  # load first, index after: one sort per index instead of a million updates
        for index in indexes:
            index.drop(conn)
        conn.execute(sa.text(sql), {"n": n, "now": now if pg else now.strftime("%Y-%m-%d %H:%M:%S")})
        for index in indexes:
            index.create(conn)


def breach(app, n: int) -> None:
    """Make ``n`` open complaints newly breached: unanswered, first-response deadline just
    passed, not escalated yet (what one minute of a busy day brings)."""
    from core.db import db, utcnow
    from plugins.complaints.models import Complaint

    with app.app_context():
        ids = list(db.session.execute(sa.select(Complaint.id).where(Complaint.is_open == sa.true())
                                      .order_by(sa.func.random()).limit(n)).scalars())
        db.session.execute(sa.update(Complaint).where(Complaint.id.in_(ids)).values(
            first_response_at=None, first_response_seconds=None, first_response_business_seconds=None,
            first_response_escalated_at=None,
            first_response_due=utcnow() - timedelta(minutes=1)))
        db.session.commit()


def bench_escalation(app, breaches: int, echo=print) -> None:
    from core.db import db, utcnow
    from plugins.complaints.escalation import _candidates, escalate_due
    from plugins.complaints.models import Complaint

    with app.app_context():
        open_now = db.session.execute(sa.select(sa.func.count()).where(Complaint.is_open == sa.true())).scalar()
        echo(f"open complaints: {open_now:,}")
        escalate_due()  # settle anything the fill left
        idle = []
        for _ in range(5):
            started = time.perf_counter()
            escalate_due()
            idle.append((time.perf_counter() - started) * 1000)
        echo(f"  escalate_due, idle run (nothing new)     first {idle[0]:9.1f} ms, median {statistics.median(idle):7.1f} ms")
        breach(app, breaches)
        started = time.perf_counter()
        done = escalate_due()
        echo(f"  escalate_due, run with {breaches} new breaches  {(time.perf_counter() - started) * 1000:9.1f} ms   "
             f"escalated {done}")
        times = []
        for _ in range(5):
            started = time.perf_counter()
            for target in ("first_response", "resolution"):
                _candidates(target, utcnow())
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
            urls += ["/complaints/?view=all", "/complaints/?view=all&state=closed", "/complaints/stats",
                     "/customers/"]  # the core's customer list: what any page of the shell costs here
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
