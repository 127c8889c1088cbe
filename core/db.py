"""Database access: the Flask-SQLAlchemy object and after-commit events.

Events are queued on the session with :func:`announce` and dispatched by
:class:`EventSession` right after a successful ``commit()``; a rollback drops them.
This is the one place where "events fire after commit" is implemented.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone

import sqlalchemy as sa
from flask import current_app
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
    """A session that dispatches queued events after each successful commit."""

    def commit(self):
        super().commit()
        pending = self.info.pop("pending_events", None)
        if pending:
            registry = current_app.extensions["rapport"].plugins
            for name, kwargs in pending:
                registry.emit(name, **kwargs)

    def rollback(self):
        self.info.pop("pending_events", None)
        super().rollback()


db = SQLAlchemy(model_class=Base, session_options={"class_": EventSession})


def announce(event: str, **payload) -> None:
    """Queue hook ``event`` to be called with ``payload`` once the session commits.

    Payloads must be plain data (dicts, ids, dates): listeners run after commit, when
    ORM objects of the announcing transaction may be expired.
    """
    db.session.info.setdefault("pending_events", []).append((event, payload))


def change_state(obj, column: str, expected, **values) -> bool:
    """Move ``obj`` out of state ``expected`` atomically; True when this call did it.

    One conditional ``UPDATE … SET <values> WHERE id = :id AND <column> IN (:expected)``:
    of several requests racing to confirm the same order, the database lets exactly one
    match the row (PostgreSQL re-checks the condition after the winner commits; SQLite
    serialises writers), and the others update nothing. The winner — and only the winner
    — goes on to log, announce and cause side effects; a loser answers 409. ``obj`` is
    refreshed either way, so the caller sees the current state (for the loser's message).
    The row's version (optimistic locking) moves on like any other change.
    """
    model = type(obj)
    expected = (expected,) if isinstance(expected, str) else tuple(expected)
    mapper = sa.inspect(model)
    if mapper.version_id_col is not None:
        version = mapper.get_property_by_column(mapper.version_id_col).key
        values[version] = getattr(model, version) + 1
    stmt = (sa.update(model).where(model.id == obj.id, getattr(model, column).in_(expected)).values(**values)
            .execution_options(synchronize_session=False))
    won = db.session.execute(stmt).rowcount == 1
    db.session.refresh(obj)
    return won


def utcnow() -> datetime:
    """Timezone-aware now; stored as naive UTC for portability between databases."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


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
