"""Deleting a customer, and erasing a person (GDPR) while keeping the business records.

**Deletion** never removes business records silently. Every column that references
``core_customer.id`` — the core's and every installed plugin's, enabled or not — is
found by reflecting the database and handled by its declared
:class:`core.contrib.CustomerRelation` (``PluginManifest(customer_relations=...)``):

* ``block``: while such rows exist the customer cannot be deleted;
  :class:`CustomerInUse` names them ("orders: 3") and nothing changes (API 409);
* ``cascade``: the rows are deleted with the customer;
* ``anonymise``: the rows stay and their reference becomes NULL.

A column nobody declared follows its foreign key: ``ON DELETE CASCADE`` cascades,
``SET NULL`` anonymises, anything else blocks.

**Erasure** (:func:`erase_customer`) is the separate, explicit answer to a person's
right to be forgotten: their personal data go (name, emails, phones, addresses,
profile, notes, needs, consents, tags, what staff wrote in the contact history,
follow-ups) and every plugin removes what it holds about them through the
``erase_customer_data`` hook, while orders, equipment and other business records
stay, pointing at the anonymous customer (shown as ``#<id>``).
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from core.contrib import ANONYMISE, BLOCK, CASCADE, CustomerRelation
from core.customers.models import Customer
from core.db import db, utcnow

CORE_RELATIONS = (
    CustomerRelation("core_customer", "company_id", ANONYMISE, _l("people of this company")),
    CustomerRelation("core_customer_email", "customer_id", CASCADE, _l("emails")),
    CustomerRelation("core_customer_phone", "customer_id", CASCADE, _l("phones")),
    CustomerRelation("core_address", "customer_id", CASCADE, _l("addresses")),
    CustomerRelation("core_need", "customer_id", CASCADE, _l("needs")),
    CustomerRelation("core_consent", "customer_id", CASCADE, _l("consents")),
    CustomerRelation("core_customer_tag", "customer_id", CASCADE, _l("tags")),
    CustomerRelation("core_interaction", "customer_id", CASCADE, _l("contact history")),
    CustomerRelation("core_activity", "customer_id", CASCADE, _l("follow-ups")),
    CustomerRelation("core_portal_account", "customer_id", CASCADE, _l("portal account")),
    CustomerRelation("core_portal_session", "customer_id", CASCADE, _l("portal sessions")),
    CustomerRelation("core_portal_change", "customer_id", CASCADE, _l("details changed in the portal")),
)


class CustomerInUse(Exception):
    """The customer cannot be deleted: ``blockers`` lists ``(label, count)`` of the rows in the way."""

    def __init__(self, blockers: list[tuple[str, int]]):
        self.blockers = blockers
        super().__init__(", ".join(f"{label}: {n}" for label, n in blockers))


def declared_relations() -> dict[tuple[str, str], CustomerRelation]:
    """``{(table, column): relation}`` of the core and every installed plugin (enabled or not:
    a disabled plugin's orders must still block deletion)."""
    found = {(r.table, r.column): r for r in CORE_RELATIONS}
    for plugin in current_app.extensions["rapport"].plugins.installed.values():
        for r in plugin.manifest.customer_relations:
            found[(r.table, r.column)] = r
    return found


def _default(fk: sa.ForeignKey, table: str, column: str) -> CustomerRelation:
    rule = (fk.ondelete or "").upper()
    policy = CASCADE if rule == "CASCADE" else ANONYMISE if rule in ("SET NULL", "SET DEFAULT") else BLOCK
    return CustomerRelation(table, column, policy, table)


def references(conn) -> list[tuple[sa.Table, sa.Column, CustomerRelation]]:
    """Every column of the database referencing ``core_customer.id``, with its relation."""
    meta = sa.MetaData()
    meta.reflect(bind=conn, only=lambda name, _meta: not name.startswith("core_customer_fts"))
    declared = declared_relations()
    out = []
    for table in meta.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name != "core_customer" or fk.column.name != "id":
                continue
            key = (table.name, fk.parent.name)
            out.append((table, fk.parent, declared.get(key) or _default(fk, *key)))
    return out


def blockers(customer_id: int) -> list[tuple[str, int]]:
    """``(label, count)`` of the rows that forbid deleting the customer (empty: it may go)."""
    conn = db.session.connection()
    found = []
    for table, column, relation in references(conn):
        if relation.on_delete != BLOCK:
            continue
        n = conn.execute(sa.select(sa.func.count()).select_from(table).where(column == customer_id)).scalar()
        if n:
            found.append((str(relation.label or table.name), n))
    return found


def delete_customer(customer: Customer) -> None:
    """Delete ``customer`` as the relations say, or raise :class:`CustomerInUse` having
    changed nothing. Runs in the caller's transaction; the caller commits."""
    in_the_way = blockers(customer.id)
    if in_the_way:
        raise CustomerInUse(in_the_way)
    from core.audit.recorder import keep_collections

    keep_collections(customer)  # the audit's deletion entry lists what the statements below remove
    conn = db.session.connection()
    for table, column, relation in references(conn):
        if relation.on_delete == ANONYMISE:
            conn.execute(table.update().where(column == customer.id).values({column.name: None}))
        elif relation.on_delete == CASCADE and table.name != "core_customer":
            conn.execute(table.delete().where(column == customer.id))
    db.session.expire(customer)
    db.session.delete(customer)
    db.session.flush()


def _plugins_with_tables() -> set[str]:
    """Plugins enabled now or at some time (their tables exist, their data may hold the
    person), as opposed to installed plugins never enabled here (no tables at all)."""
    from core.models import PluginState

    return set(db.session.execute(sa.select(PluginState.name)).scalars())


def erase_customer(customer: Customer, *, user_id: int | None = None) -> None:
    """Remove the person's personal data and keep the business records (GDPR erasure).

    Runs in the caller's transaction, all or nothing: the core's data first, then the
    ``erase_customer_data(customer_id)`` hook of every plugin whose tables exist (enabled
    now or before, so a disabled plugin's data are erased too). The caller commits.
    """
    from core.customers.service import refresh_keys
    from core.history.models import Activity, Interaction
    from core.history.service import log_event
    from core.l10n.texts import english
    from core.messaging.erasure import erase_messages

    customer.name = f"#{customer.id}"
    for field in ("preferred_language", "preferred_channel", "gender", "birth_date", "income_band",
                  "payment_method", "purchase_purpose", "tax_number", "external_ref"):
        setattr(customer, field, None)  # a tax number or another system's number identifies the person too
    customer.notes = ""
    customer.emails.clear()
    customer.phones.clear()
    customer.addresses.clear()
    customer.needs.clear()
    customer.consents.clear()
    customer.tags.clear()
    customer.erased_at = utcnow()
    refresh_keys(customer)
    db.session.execute(sa.update(Interaction)
                       .where(Interaction.customer_id == customer.id, Interaction.kind == "interaction")
                       .values(subject="", body=""))
    # A merge entry names the merged duplicate (the same person): keep the event, drop the name.
    db.session.execute(sa.update(Interaction)
                       .where(Interaction.customer_id == customer.id, Interaction.subject_kind == "core.merged")
                       .values(subject=english("core.merged", {}), subject_params={}))
    db.session.execute(sa.delete(Activity).where(Activity.customer_id == customer.id))
    erase_messages(customer.id)
    from core.portal.accounts import erase_portal_data

    erase_portal_data(customer.id)
    db.session.flush()
    for impl in current_app.extensions["rapport"].plugins.pm.hook.erase_customer_data.get_hookimpls():
        if impl.plugin_name in _plugins_with_tables():
            impl.function(customer_id=customer.id)
    db.session.flush()
    log_event(customer.id, "core.erased", source="core", subject_kind="core.erased", subject_params={},
              user_id=user_id)
