"""Every core model in one import, so Alembic and the app see the full metadata."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from core.audit import Audit
from core.db import db, utcnow


class PluginState(db.Model):
    """Which plugins are enabled. Rows survive disable so data and history are kept."""

    __tablename__ = "core_plugin"
    __audit__ = Audit("plugin", label=_l("Plugin"), ignore=("changed_at", "disabled_after_event"),
                      fields={"enabled": _l("Enabled"), "version": _l("Version")})

    name: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    enabled: Mapped[bool] = mapped_column(default=False)
    version: Mapped[str] = mapped_column(sa.String(40), default="")
    changed_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # The last event id when the plugin was disabled: on re-enabling, events after it that
    # the plugin listens to and asked to catch up on (manifest.catch_up_events) are delivered.
    disabled_after_event: Mapped[int | None] = mapped_column(sa.BigInteger)


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
from core.events.models import Event, EventDelivery  # noqa: E402
from core.history.models import Activity, Interaction  # noqa: E402
from core.audit.models import AuditEntry  # noqa: E402
from core.jobs.models import Job  # noqa: E402
from core.messaging.models import (  # noqa: E402
    InboundAttachment,
    InboundMail,
    MessageRate,
    MessageTemplate,
    MessageTemplateText,
    OutboxMessage,
)

__all__ = [
    "PluginState", "User", "UserSession", "Role", "ApiToken", "user_roles", "Product", "Customer",
    "CustomerEmail", "CustomerPhone", "Address", "Tag", "customer_tags", "Consent",
    "Need", "Interaction", "Activity", "AuditEntry", "Job", "Event", "EventDelivery", "OutboxMessage",
    "MessageRate", "InboundMail", "InboundAttachment", "MessageTemplate", "MessageTemplateText",
]
