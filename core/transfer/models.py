"""Import runs and saved mappings.

An :class:`ImportRun` is one uploaded file on its way in: what was detected
(format, encoding, delimiter, header), how its columns map to fields, the options
chosen (duplicates, mode), the job that runs it and what came of it. The file itself
lives in the import folder (``RAPPORT_IMPORT_DIR``) under ``stored_name``, with the
rejected rows beside it (``<stored_name>.rejected.csv``).
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import db, utcnow

UPLOADED, RUNNING, DONE, REFUSED, FAILED = "uploaded", "running", "done", "refused", "failed"
SKIP, UPDATE, CREATE = "skip", "update", "create"
ON_DUPLICATE = (SKIP, UPDATE, CREATE)


class ImportProfile(db.Model):
    """A column mapping saved under a name, per importer kind (``customers``, ``sales.orders``)."""

    __tablename__ = "core_import_profile"
    __table_args__ = (sa.UniqueConstraint("kind", "name", name="uq_core_import_profile_kind_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    name: Mapped[str] = mapped_column(sa.String(80))
    mapping: Mapped[dict] = mapped_column(sa.JSON)  # folded header text → field name
    options: Mapped[dict] = mapped_column(sa.JSON)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ImportRun(db.Model):
    __tablename__ = "core_import"
    __table_args__ = (sa.Index("ix_core_import_user", "user_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_user.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(sa.String(255))
    stored_name: Mapped[str] = mapped_column(sa.String(80))
    size: Mapped[int] = mapped_column(sa.BigInteger)
    format: Mapped[str] = mapped_column(sa.String(10))
    encoding: Mapped[str | None] = mapped_column(sa.String(40))
    delimiter: Mapped[str | None] = mapped_column(sa.String(4))
    headers: Mapped[list] = mapped_column(sa.JSON, default=list)
    mapping: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # column index (as text) → field name
    options: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    state: Mapped[str] = mapped_column(sa.String(12), default=UPLOADED)
    job_id: Mapped[int | None] = mapped_column(sa.ForeignKey("core_job.id", ondelete="SET NULL"))
    rows_read: Mapped[int] = mapped_column(default=0, server_default="0")
    created: Mapped[int] = mapped_column(default=0, server_default="0")
    updated: Mapped[int] = mapped_column(default=0, server_default="0")
    skipped: Mapped[int] = mapped_column(default=0, server_default="0")
    bad: Mapped[int] = mapped_column(default=0, server_default="0")
    message: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    job = relationship("Job")
    user = relationship("User")

    @property
    def on_duplicate(self) -> str:
        return self.options.get("on_duplicate", SKIP)

    @property
    def skip_bad_rows(self) -> bool:
        return bool(self.options.get("skip_bad_rows"))
