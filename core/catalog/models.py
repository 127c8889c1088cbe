"""Products and services."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from core.audit import Audit
from core.db import db, utcnow

PRODUCT, SERVICE = "product", "service"

Money = sa.Numeric(14, 2)


class Product(db.Model):
    __tablename__ = "core_product"
    __table_args__ = (sa.Index("ix_core_product_active_name", "active", "name_key", "id"),)
    __audit__ = Audit("product", label=_l("Product"), title=("sku", "name"), ignore=("name_key",),
                      fields={"sku": _l("SKU"), "warranty_months": _l("Default warranty (months)"),
                              "unit_cost": _l("Unit cost"), "tax_rate": _l("Tax rate (%)")},
                      values={"kind": {PRODUCT: _l("Product"), SERVICE: _l("Service")}})

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    name_key: Mapped[str] = mapped_column(sa.String(200), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    kind: Mapped[str] = mapped_column(sa.String(10), default=PRODUCT)
    unit_price: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    unit_cost: Mapped[Decimal | None] = mapped_column(Money)  # what one unit costs us (margins); None: unknown
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    active: Mapped[bool] = mapped_column(default=True)
    warranty_months: Mapped[int] = mapped_column(default=0)
    # Percent; ``None`` means the business's default rate (``DEFAULT_TAX_RATE``).
    tax_rate: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def effective_tax_rate(self) -> Decimal:
        """The product's own rate, else the business's default."""
        from core.catalog.service import default_tax_rate

        return self.tax_rate if self.tax_rate is not None else default_tax_rate()
