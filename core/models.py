"""Every core model in one import, so Alembic and the app see the full metadata."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.db import db, utcnow


class PluginState(db.Model):
    """Which plugins are enabled. Rows survive disable so data and history are kept."""

    __tablename__ = "core_plugin"

    name: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    enabled: Mapped[bool] = mapped_column(default=False)
    version: Mapped[str] = mapped_column(sa.String(40), default="")
    changed_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


from core.auth.models import ApiToken, Role, User, UserSession, user_roles  # noqa: E402
from core.catalog.models import Product  # noqa: E402
from core.customers.models import (  # noqa: E402
    Address,
    Consent,
    Customer,
    CustomerEmail,
    CustomerPhone,
    Need,
    Tag,
    customer_tags,
)
from core.history.models import Activity, Interaction  # noqa: E402

__all__ = [
    "PluginState", "User", "UserSession", "Role", "ApiToken", "user_roles", "Product", "Customer",
    "CustomerEmail", "CustomerPhone", "Address", "Tag", "customer_tags", "Consent",
    "Need", "Interaction", "Activity",
]
