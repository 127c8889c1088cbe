"""Database access: the Flask-SQLAlchemy object, durable events and after-commit work.

:func:`announce` writes an event (and who must hear it) in the session's transaction
(``core.events``); :func:`core.jobs.start_job` adds a job row the same way. Once
``commit()`` succeeds, :class:`EventSession` hands both over: jobs to the queue,
events to their listeners. A rollback drops them with the rest of the transaction.
This is the one place where "after commit" is implemented.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy.orm import DeclarativeBase

log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class EventSession(FlaskSession):
    """A session that hands new jobs and announced events over after each successful commit."""

    def commit(self):
        events, jobs = self.info.get("pending_events"), self.info.get("pending_jobs")
        if events or jobs:
            self.flush()  # ids for what was announced and started, before the commit expires them
            from core.events.log import snapshot

            events = [snapshot(ev) for ev in self.info.pop("pending_events", ())]
            jobs = [job.id for job in self.info.pop("pending_jobs", ())]
        calls = self.info.pop("pending_calls", None)
        super().commit()
        if jobs:
            from core.jobs.service import enqueue_jobs

            enqueue_jobs(jobs)
        if calls:
            from core.jobs.service import enqueue_calls

            enqueue_calls(calls)
        if events:
            from core.events.delivery import deliver_committed

            deliver_committed(events)

    def rollback(self):
        self.info.pop("pending_events", None)
        self.info.pop("pending_jobs", None)
        self.info.pop("pending_calls", None)
        super().rollback()


db = SQLAlchemy(model_class=Base, session_options={"class_": EventSession})


def announce(event: str, **payload) -> None:
    """Announce hook ``event`` with ``payload``: recorded now, delivered once the session commits.

    The event and one delivery per listening plugin are written in the current
    transaction; after commit each listener is called (and retried by a worker until
    it succeeds). Payloads must be plain JSON data (dicts, lists, strings, numbers,
    ISO dates as strings), never ORM objects: they are stored, and a retry hours
    later gets exactly what was stored.
    """
    from core.events.log import record

    record(db.session, event, payload)


def change_state(obj, column: str, expected, **values) -> bool:
    """Move ``obj`` out of state ``expected`` atomically; True when this call did it.

    One conditional ``UPDATE … SET <values> WHERE id = :id AND <column> IN (:expected)``:
    of several requests racing to confirm the same order, the database lets exactly one
    match the row (PostgreSQL re-checks the condition after the winner commits; SQLite
    serialises writers), and the others update nothing. The winner — and only the winner
    — goes on to log, announce and cause side effects; a loser answers 409. ``obj`` is
    refreshed either way, so the caller sees the current state (for the loser's message).
    The row's version (optimistic locking) moves on like any other change. On an audited
    model the winner's change is recorded like a flushed one (core.audit).
    """
    from core.audit.spec import spec_of

    model = type(obj)
    expected = (expected,) if isinstance(expected, str) else tuple(expected)
    mapper = sa.inspect(model)
    if mapper.version_id_col is not None:
        version = mapper.get_property_by_column(mapper.version_id_col).key
        values[version] = getattr(model, version) + 1
    stmt = (sa.update(model).where(model.id == obj.id, getattr(model, column).in_(expected)).values(**values)
            .execution_options(synchronize_session=False))
    audited = spec_of(model) is not None
    before = {key: getattr(obj, key) for key in values} if audited else None
    won = db.session.execute(stmt).rowcount == 1
    db.session.refresh(obj)
    if won and audited:
        from core.audit.recorder import note_changed

        if before.get(column) not in expected and len(expected) == 1:
            before[column] = expected[0]  # obj was stale; the row our UPDATE matched held this
        note_changed(obj, before)
    return won


MAX_ID = 2**31 - 1  # the largest id an INTEGER primary key holds (PostgreSQL, SQLite alike)


def parse_id(value) -> int | None:
    """``value`` as a row id (an int, or a string of ASCII digits) from 1 to :data:`MAX_ID`,
    else ``None``. Use it before ``db.session.get`` on anything a user typed: ``"²"``
    passes ``str.isdigit()`` but not ``int()``, and PostgreSQL fails on ids past 2**31."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not (value.isascii() and value.isdigit()) or len(value) > 10:
            return None
        value = int(value)
    if not isinstance(value, int):
        return None
    return value if 1 <= value <= MAX_ID else None


def utcnow() -> datetime:
    """Timezone-aware now; stored as naive UTC for portability between databases."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def iso_utc(value: datetime | None) -> str | None:
    """A stored (naive UTC) time as ISO 8601 *with* its offset, for event payloads:
    ``"2026-03-01T10:15:00+00:00"``; ``None`` stays ``None``."""
    if value is None:
        return None
    aware = value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
    return aware.isoformat()


def is_lock_timeout(exc: sa.exc.OperationalError) -> bool:
    """True when ``exc`` means "another transaction holds the lock; try again later".

    SQLite: ``database is locked`` / ``database table is locked`` (the busy timeout ran
    out, e.g. while an import's save pass holds the write lock); PostgreSQL: SQLSTATE
    55P03 ``lock_not_available`` (a ``lock_timeout`` ran out). Anything else (a lost
    connection, a full disk) is a real error and must not be answered with "try again".
    """
    orig = getattr(exc, "orig", None)
    if getattr(orig, "sqlstate", None) == "55P03" or getattr(orig, "pgcode", None) == "55P03":
        return True
    return "database is locked" in str(orig) or "database table is locked" in str(orig)


def configure_engine(engine) -> None:
    """Per-connection settings for SQLite: WAL, foreign keys, a busy timeout."""
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=5000")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()
