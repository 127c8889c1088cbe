"""Who is acting and from where, for the entries written while they act.

Inside a web or API request the answer is found on its own: the request's user,
``web`` or ``api`` by the blueprint (set once per request by the app's
``before_request``), and the client's address. Outside a request the caller says so
with :func:`audit_context`, which the CLI wraps around every command and the job
runner around every job::

    from core.audit import audit_context

    with audit_context("job", user_id=job.user_id, actor=job.kind, detail={"job_id": job.id}):
        run_the_job()

The context is a :mod:`contextvars` variable, so threads (and asyncio tasks) of a
worker never see each other's context. An explicit context wins over the request's,
so a job run inline during a request is still recorded as coming from "job".
"""
from __future__ import annotations

import contextvars
from contextlib import contextmanager
from dataclasses import dataclass

from flask import g, has_request_context, request

WEB, API, CLI, JOB, SYSTEM = "web", "api", "cli", "job", "system"
ORIGINS = (WEB, API, CLI, JOB, SYSTEM)


@dataclass(frozen=True)
class AuditContext:
    origin: str
    user_id: int | None = None
    actor: str | None = None
    remote_addr: str | None = None
    detail: dict | None = None  # stored with every entry written in the context (the job's id, the event)


_current: contextvars.ContextVar[AuditContext | None] = contextvars.ContextVar("rapport_audit", default=None)


@contextmanager
def audit_context(origin: str, *, user_id: int | None = None, actor: str | None = None,
                  remote_addr: str | None = None, detail: dict | None = None):
    """Record what happens inside the block as done from ``origin`` (``"cli"``, ``"job"``, ...).

    ``user_id`` is the staff user on whose behalf the work runs (the job's starter),
    ``actor`` a short free text shown when there is no user (the CLI's login name,
    the job's kind), ``detail`` plain data stored with each entry (``{"job_id": 42}``).
    Contexts nest; the innermost one counts.
    """
    if origin not in ORIGINS:
        raise ValueError(f"unknown audit origin {origin!r}; one of {', '.join(ORIGINS)}")
    token = _current.set(AuditContext(origin, user_id, (actor or "")[:200] or None, remote_addr, detail or None))
    try:
        yield
    finally:
        _current.reset(token)


def set_request_origin(origin: str) -> None:
    """Called once per request by the app (``web`` or ``api``, decided by the blueprint)."""
    g.audit_origin = origin


def explicit_context() -> AuditContext | None:
    """The innermost :func:`audit_context`, if any (not the request's)."""
    return _current.get()


def current_context() -> AuditContext:
    """The context entries are written with right now (never queries the database)."""
    explicit = _current.get()
    if explicit is not None:
        return explicit
    if has_request_context():
        user = g.get("_login_user")  # flask-login's per-request user, once it is known
        user_id = user.id if user is not None and getattr(user, "is_authenticated", False) else None
        return AuditContext(g.get("audit_origin", WEB), user_id, None, request.remote_addr)
    return AuditContext(SYSTEM)
