"""How a model declares itself audited: ``__audit__ = Audit("sales.order", ...)``.

The declaration is plain data read by :mod:`core.audit.recorder` when the session
flushes and by :mod:`core.audit.display` when entries are shown. It lives on the model
class, so a plugin gets its records audited without registering anything anywhere.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

# Columns no entry mentions: they change on every save and say nothing about who did what.
ALWAYS_IGNORED = frozenset({"created_at", "updated_at"})


@dataclass(frozen=True)
class Audit:
    """Declares a model audited; put it on the class as ``__audit__``.

    ``type``         the record type stored with each entry: ``"customer"``,
                     ``"<plugin>.<thing>"`` for plugins (``"sales.order"``).
    ``label``        what to call such a record on the pages (a lazy-translated string).
    ``title``        column(s) naming one record, stored with each entry so a deleted
                     record still reads "Order SO-0042" (``"number"``, ``("name",)``).
    ``customer``     where the customer this record belongs to is found: a column
                     (``"customer_id"``), or a path through an already loaded
                     relationship (``"order.customer_id"``); ``"id"`` for the customer
                     itself. Entries with a customer show on that customer's Changes tab.
    ``ignore``       columns never recorded (derived keys, counters, timestamps).
    ``secret``       columns whose values are never recorded, only that they changed
                     (password and token hashes).
    ``private``      a function ``record -> columns`` naming more columns kept out for that
                     one record (the body of a contact-history entry that is an email or
                     SMS: message contents never enter the audit).
    ``collections``  relationships recorded as one field holding a list of labels:
                     ``{"tags": "name"}`` or ``{"addresses": Address.one_line}``.
    ``fields``       display labels per column (lazy strings); common names (``name``,
                     ``notes``, ``status``, ...) have core labels already.
    ``values``       display labels for stored codes: ``{"state": {"draft": _l("draft")}}``
                     or a function ``code -> label``.
    ``users``        columns holding a staff user's id (``owner_id``): shown as names.
    """

    type: str
    label: Any = None
    title: str | tuple[str, ...] | None = None
    customer: str | None = None
    ignore: tuple[str, ...] = ()
    secret: tuple[str, ...] = ()
    collections: Mapping[str, str | Callable[[Any], Any]] = field(default_factory=dict)
    fields: Mapping[str, Any] = field(default_factory=dict)
    values: Mapping[str, Mapping[Any, Any] | Callable[[Any], Any]] = field(default_factory=dict)
    users: tuple[str, ...] = ()
    private: Callable[[Any], Any] | None = None

    def skipped(self) -> frozenset[str]:
        return ALWAYS_IGNORED | frozenset(self.ignore)


def spec_of(obj_or_class) -> Audit | None:
    """The :class:`Audit` declaration of a model (instance or class), or None."""
    cls = obj_or_class if isinstance(obj_or_class, type) else type(obj_or_class)
    spec = getattr(cls, "__audit__", None)
    return spec if isinstance(spec, Audit) else None
