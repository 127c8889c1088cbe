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
