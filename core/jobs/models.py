"""``core_job``: one row per background job, the source of truth for its state.

The queue (Huey) only carries a job's id; what a page shows — status, progress,
message, result, error — is read from this table, so a progress bar never has to ask
the queue, and a job survives the loss of a queue message (see ``core.jobs.runner``).

Status moves ``queued → running → done | failed | cancelled``; a job whose worker died
goes back to ``queued`` (attempts left) or to ``failed``. ``attempts`` counts the
times a worker claimed the job and doubles as a fencing token: a worker only writes
the outcome of the attempt it claimed.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import db, utcnow

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
STATUSES = (QUEUED, RUNNING, DONE, FAILED, CANCELLED)
ACTIVE = (QUEUED, RUNNING)
FINISHED = (DONE, FAILED, CANCELLED)


class Job(db.Model):
    __tablename__ = "core_job"
    __table_args__ = (
        sa.Index("ix_core_job_user_id_id", "user_id", "id"),
        sa.Index("ix_core_job_status_heartbeat", "status", "heartbeat_at"),
        sa.Index("ix_core_job_kind_id", "kind", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(120))  # the task's name, e.g. "service.schedule_visits"
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_user.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(sa.String(16), default=QUEUED)
    params: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int | None]
    message: Mapped[str] = mapped_column(sa.String(300), default="")
    result: Mapped[str] = mapped_column(sa.String(1000), default="")
    error: Mapped[str] = mapped_column(sa.Text, default="")
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=1)
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    # Periodic runs: "<task>@<minute>", unique, so several schedulers start one job per slot.
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200), unique=True)
    worker: Mapped[str] = mapped_column(sa.String(120), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    enqueued_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    user = relationship("User")

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    @property
    def percent(self) -> int | None:
        """Progress in whole percent, or None while the total is unknown."""
        if self.status == DONE:
            return 100
        if not self.total:
            return None
        return max(0, min(100, int(self.done * 100 / self.total)))
