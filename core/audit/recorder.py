"""Writing audit entries: one set of SQLAlchemy listeners for every audited model.

During a flush, the mapper events ``after_insert``/``after_update``/``after_delete`` of
each class that declares ``__audit__`` note the record's fields (the unit of work calls
them for every row it writes, cascaded and orphaned children included). After the
flush the rows join the transaction's pending entries — one entry per record and
transaction, so a save that flushes three times still reads as one change — and just
before the transaction commits :func:`_before_commit` writes them all with a single
``executemany`` on the transaction's own connection. The entries therefore commit or
roll back with the change they describe, and bulk work costs one extra statement per
commit, not one per row. Inside a savepoint the rows are written after each flush, so
they are rolled back with it.

Old values come from SQLAlchemy's attribute history. Every column of an audited
model gets an ``active_history`` listener, so setting an attribute that was expired
(after a commit) loads its old value first instead of recording "unknown → new".
Changes made with bulk ``UPDATE``/``DELETE`` statements or by the database itself
(``ON DELETE CASCADE``) bypass the ORM and are not seen here; the core's own code goes
through the ORM where it matters, and :func:`core.db.change_state` (one conditional
``UPDATE`` for atomic state changes) reports its change through :func:`note_changed`.
"""
from __future__ import annotations

import enum
import getpass
import logging
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app, g, has_app_context, has_request_context, request
from sqlalchemy.orm import Mapper
from sqlalchemy.orm.attributes import PASSIVE_NO_INITIALIZE, get_history

from core.audit.context import current_context
from core.audit.models import CREATE, DELETE, DENIED, UPDATE, AuditEntry
from core.audit.spec import Audit, spec_of
from core.db import EventSession, db, utcnow

log = logging.getLogger(__name__)

VALUE_MAX = 2000  # characters kept of one text value (a 20,000-character note is cut, marked with …)
_TABLE = AuditEntry.__table__
PENDING = "audit_pending"  # session.info key: this transaction's entries, written before it commits
FLUSH = "audit_flush"  # session.info key: the running flush's context, time and rows
KEPT = "audit_kept"  # session.info key: collections remembered before a bulk statement emptied them
_installed = False


@dataclass(frozen=True)
class _ModelInfo:
    """What the listener needs of an audited mapper, computed once per class."""

    spec: Audit
    columns: tuple[str, ...]  # attribute keys recorded (primary key and ignored ones left out)
    pk: tuple[str, ...]
    secret: frozenset[str]
    scales: dict  # Numeric columns: decimal places, so Decimal("1000") reads "1000.00" as stored


_infos: dict[type, _ModelInfo | None] = {}


def _info(cls) -> _ModelInfo | None:
    try:
        return _infos[cls]
    except KeyError:
        pass
    spec = spec_of(cls)
    info = None
    if spec is not None:
        mapper = sa.inspect(cls)
        pk = tuple(mapper.get_property_by_column(c).key for c in mapper.primary_key)
        skipped = set(spec.skipped()) | set(pk)
        if mapper.version_id_col is not None:  # the optimistic-locking counter: moves with every save
            skipped.add(mapper.get_property_by_column(mapper.version_id_col).key)
        columns = tuple(p.key for p in mapper.column_attrs if p.key not in skipped)
        scales = {p.key: p.columns[0].type.scale for p in mapper.column_attrs
                  if isinstance(p.columns[0].type, sa.Numeric) and getattr(p.columns[0].type, "scale", None)}
        info = _ModelInfo(spec, columns, pk, frozenset(spec.secret), scales)
    _infos[cls] = info
    return info


# -- turning values into JSON ---------------------------------------------------------------


def plain(value):
    """A JSON-friendly copy of a column value (money and dates as strings)."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return value if len(value) <= VALUE_MAX else value[:VALUE_MAX] + "…"
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return plain(value.value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return f"<{len(value)} bytes>"
    return str(value)


def _value(info: _ModelInfo, key: str, value):
    scale = info.scales.get(key)
    if scale is not None and isinstance(value, Decimal) and value.is_finite():
        value = value.quantize(Decimal(1).scaleb(-scale))
    return plain(value)


def _item_label(how, item):
    value = how(item) if callable(how) else getattr(item, how, None)
    return plain(value)


def _empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


# -- reading one object ---------------------------------------------------------------------


def _resolve(session, state, path: str | None):
    """Follow ``"col"`` or ``"relationship.col"`` through already loaded data only."""
    if not path:
        return None
    head, _dot, rest = path.partition(".")
    if not rest:
        return state.dict.get(head)
    target = state.dict.get(head)
    if target is None:
        prop = state.mapper.relationships.get(head)
        if prop is None or prop.uselist or len(prop.local_columns) != 1:
            return None
        local = state.mapper.get_property_by_column(next(iter(prop.local_columns))).key
        fk = state.dict.get(local)
        if fk is None:
            return None
        key = prop.mapper.identity_key_from_primary_key([fk])
        target = session.identity_map.get(key)
        if target is None:
            return None
    return _resolve(session, sa.inspect(target), rest)


def _title(state, spec: Audit, secret: frozenset[str] = frozenset()) -> str | None:
    cols = (spec.title,) if isinstance(spec.title, str) else (spec.title or ())
    parts = [str(state.dict.get(c)) for c in cols if c not in secret and not _empty(state.dict.get(c))]
    return " ".join(parts)[:200] or None


def _record_id(state, info: _ModelInfo) -> str | None:
    values = [state.dict.get(k) for k in info.pk]
    if any(v is None for v in values):
        return None
    return ":".join(str(v) for v in values)[:64]


def _secrets(state, info: _ModelInfo) -> frozenset[str]:
    """The columns of this record whose values are not recorded (declared secret or private)."""
    if info.spec.private is None:
        return info.secret
    return info.secret | frozenset(info.spec.private(state.obj()) or ())


def _snapshot(state, info: _ModelInfo, side: int) -> dict:
    """Every non-empty recorded value, as ``[value, None]`` (delete) or ``[None, value]`` (create)."""
    out = {}
    secret = _secrets(state, info)
    for key in info.columns:
        value = state.dict.get(key)
        if _empty(value):
            continue
        if key in secret:
            out[key] = None
            continue
        pair = [None, None]
        pair[side] = _value(info, key, value)
        out[key] = pair
    kept = state.session.info.get(KEPT, {}).pop(state.key, {}) if state.session is not None else {}
    for rel, how in info.spec.collections.items():
        items = state.dict.get(rel)
        labels = [_item_label(how, i) for i in items] if items else kept.get(rel)
        if labels:
            pair = [None, None]
            pair[side] = labels
            out[rel] = pair
    return out


def keep_collections(obj) -> None:
    """Remember what ``obj``'s audited collections hold before a bulk statement deletes
    their rows (the flush never sees a statement): its deletion entry still lists them.

    :func:`core.customers.deletion.delete_customer` deletes a customer's emails, phones
    and the like with one ``DELETE`` per table, then the customer itself.
    """
    info = _info(type(obj))
    if info is None or not _enabled():
        return
    state = sa.inspect(obj)
    if state.session is None or state.key is None:
        return
    held = {rel: [_item_label(how, i) for i in getattr(obj, rel)] for rel, how in info.spec.collections.items()}
    state.session.info.setdefault(KEPT, {})[state.key] = {rel: labels for rel, labels in held.items() if labels}


def _diff(state, info: _ModelInfo) -> dict:
    out = {}
    changed = state.committed_state  # attribute key -> value before this flush, for what was set
    secret = _secrets(state, info)
    for key in info.columns:
        if key not in changed:
            continue
        history = get_history(state.obj(), key, passive=PASSIVE_NO_INITIALIZE)
        if not history.added and not history.deleted:
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if key in secret:
            if old != new:
                out[key] = None
            continue
        old, new = _value(info, key, old), _value(info, key, new)
        if old != new:
            out[key] = [old, new]
    for rel, how in info.spec.collections.items():
        if rel not in changed:
            continue
        history = get_history(state.obj(), rel, passive=PASSIVE_NO_INITIALIZE)
        if not history.added and not history.deleted:
            continue
        unchanged = list(history.unchanged or ())
        old = [_item_label(how, i) for i in unchanged + list(history.deleted or ())]
        new = [_item_label(how, i) for i in unchanged + list(history.added or ())]
        if sorted(map(str, old)) != sorted(map(str, new)):
            out[rel] = [old, new]
    return out


# -- the session listener -------------------------------------------------------------------


def _enabled() -> bool:
    return not has_app_context() or current_app.config.get("AUDIT_ENABLED", True)


def _before_flush(session, _flush_context, _instances):
    """Fix who and when for this flush; load what deleted records still hold."""
    if not _enabled():
        return
    session.info[FLUSH] = {"context": current_context(), "at": utcnow(), "rows": []}
    for obj in list(session.deleted):
        info = _info(type(obj))
        if info is None:
            continue
        state = sa.inspect(obj)
        if state.expired_attributes:
            getattr(obj, next(iter(state.expired_attributes)))  # loads every expired column at once
        for rel in info.spec.collections:
            getattr(obj, rel)


def _note(action: str, target) -> None:
    """Called by the mapper events for one audited row written by the flush."""
    info = _info(type(target))
    state = sa.inspect(target)
    session = state.session
    flush = session.info.get(FLUSH) if session is not None else None
    if info is None or flush is None:
        return
    if action == CREATE:
        changes = _snapshot(state, info, 1)
    elif action == DELETE:
        changes = _snapshot(state, info, 0)
    else:
        changes = _diff(state, info)
        if not changes:
            return
    flush["rows"].append(_row(session, state, info, action, changes, flush["context"], flush["at"]))


def _row(session, state, info: _ModelInfo, action: str, changes: dict, ctx, at) -> dict:
    customer = _resolve(session, state, info.spec.customer)
    return {
        "at": at, "user_id": ctx.user_id, "actor": ctx.actor, "origin": ctx.origin,
        "remote_addr": ctx.remote_addr, "action": action, "record_type": info.spec.type,
        "record_id": _record_id(state, info), "record_label": _title(state, info.spec, _secrets(state, info)),
        "customer_id": customer if isinstance(customer, int) else None,
        "changes": changes or None, "detail": plain(ctx.detail) if ctx.detail else None,
    }


def note_changed(obj, before: dict) -> None:
    """Record a change made to ``obj`` by a statement rather than by the unit of work.

    :func:`core.db.change_state` moves a record with one conditional ``UPDATE`` (atomic
    state changes), which the flush never sees. It passes the values ``obj`` held
    before (``before``: attribute key -> value) once it has refreshed ``obj``; the
    difference joins the transaction's pending entries like any other change.
    """
    info = _info(type(obj))
    if info is None or not _enabled():
        return
    state = sa.inspect(obj)
    session = state.session
    if session is None:
        return
    secret = _secrets(state, info)
    changes = {}
    for key, old in before.items():
        if key not in info.columns:
            continue
        new = state.dict.get(key)
        if key in secret:
            if old != new:
                changes[key] = None
            continue
        old, new = _value(info, key, old), _value(info, key, new)
        if old != new:
            changes[key] = [old, new]
    if not changes:
        return
    _add_rows(session, [_row(session, state, info, UPDATE, changes, current_context(), utcnow())])


def _after_insert(_mapper, _connection, target):
    _note(CREATE, target)


def _after_update(_mapper, _connection, target):
    _note(UPDATE, target)


def _after_delete(_mapper, _connection, target):
    _note(DELETE, target)


def _after_flush(session, _flush_context):
    flush = session.info.pop(FLUSH, None)
    if not flush or not flush["rows"]:
        return
    _add_rows(session, flush["rows"])


def _add_rows(session, rows: list[dict]) -> None:
    if session.in_nested_transaction():  # a savepoint: the rows share its fate
        session.connection().execute(_TABLE.insert(), rows)
        return
    pending = session.info.setdefault(PENDING, {})
    for row in rows:
        _merge(pending, row)


def _merge(pending: dict, row: dict) -> None:
    """Fold ``row`` into the transaction's pending entries: one entry per record and transaction.

    A save often flushes more than once (loading a collection flushes what came
    before); the reader wants one "changed" entry with every field, not three.
    """
    key = (row["record_type"], row["record_id"], row["origin"], row["user_id"], row["actor"])
    if row["record_id"] is None:
        key = (id(row),)
    first = pending.get(key)
    if first is None:
        pending[key] = row
        return
    combined = combine(first["action"], first["changes"] or {}, row["action"], row["changes"] or {})
    if combined is None:
        del pending[key]
        return
    action, changes = combined
    first.update(action=action, changes=changes or None, record_label=row["record_label"] or first["record_label"],
                 customer_id=row["customer_id"] or first["customer_id"])


_ABSENT = object()


def combine(first_action: str, first: dict, then_action: str, then: dict) -> tuple[str, dict] | None:
    """One entry for two changes of the same record: values before the first, after the second.

    Created then deleted is nothing (None); deleted then created again is a change;
    a field that ends where it started is left out, and so is a change that changed nothing.
    """
    if first_action == CREATE and then_action == DELETE:
        return None
    action = CREATE if first_action == CREATE else DELETE if then_action == DELETE else UPDATE
    out = {}
    for name in dict.fromkeys([*first, *then]):
        a, b = first.get(name, _ABSENT), then.get(name, _ABSENT)
        if a is None or b is None:  # a secret: only that it changed
            out[name] = None
            continue
        if first_action == CREATE:
            before = None
        elif a is not _ABSENT:
            before = a[0]
        else:
            before = b[0] if then_action != CREATE else None
        if then_action == DELETE:
            after = None
        elif b is not _ABSENT:
            after = b[1]
        else:
            after = a[1] if first_action != DELETE else None
        if before == after or (action == CREATE and _empty(after)) or (action == DELETE and _empty(before)):
            continue
        out[name] = [before, after]
    if action == UPDATE and not out:
        return None
    return action, out


def _before_commit(session):
    """Write the transaction's entries, with one executemany, just before it commits."""
    if not _enabled():
        session.info.pop(PENDING, None)
        return
    session.flush()  # the commit's own flush would come after this hook: do it now
    pending = session.info.pop(PENDING, None)
    if pending:
        session.connection().execute(_TABLE.insert(), list(pending.values()))


def _after_soft_rollback(session, previous_transaction):
    if not previous_transaction.nested:
        session.info.pop(PENDING, None)


def _audit_class(mapper: Mapper, cls) -> None:
    """Hook an audited class up: its row events, and old values for every column."""
    if spec_of(cls) is None or cls.__dict__.get("_rapport_audited"):
        return
    sa.event.listen(mapper, "after_insert", _after_insert)
    sa.event.listen(mapper, "after_update", _after_update)
    sa.event.listen(mapper, "after_delete", _after_delete)
    for prop in mapper.column_attrs:
        sa.event.listen(getattr(cls, prop.key), "set", _noop, active_history=True)
    cls._rapport_audited = True


def _noop(target, value, oldvalue, initiator):
    return value


def install() -> None:
    """Attach the listeners (once per process; they act only where the app enables audit)."""
    global _installed
    if _installed:
        return
    _installed = True
    sa.event.listen(EventSession, "before_flush", _before_flush)
    sa.event.listen(EventSession, "after_flush", _after_flush)
    sa.event.listen(EventSession, "before_commit", _before_commit)
    sa.event.listen(EventSession, "after_soft_rollback", _after_soft_rollback)
    sa.event.listen(Mapper, "mapper_configured", _audit_class)
    for mapper in db.Model.registry.mappers:  # models configured before install()
        if mapper.configured:
            _audit_class(mapper, mapper.class_)


# -- events that are not record changes -----------------------------------------------------


def record_event(action: str, *, record_type: str | None = None, record_id=None, label: str | None = None,
                 customer_id: int | None = None, detail: dict | None = None, changes: dict | None = None,
                 user_id: int | None = -1, session=None) -> None:
    """Write one entry now, in ``session``'s transaction (``db.session`` by default; the caller commits).

    For logins, merges and the like. ``user_id`` defaults to the acting user of the
    context; pass ``None`` for "nobody" (a failed login).
    """
    if not _enabled():
        return
    ctx = current_context()
    if ctx.detail:
        detail = {**ctx.detail, **(detail or {})}
    row = {
        "at": utcnow(), "user_id": ctx.user_id if user_id == -1 else user_id, "actor": ctx.actor,
        "origin": ctx.origin, "remote_addr": ctx.remote_addr, "action": action, "record_type": record_type,
        "record_id": None if record_id is None else str(record_id)[:64], "record_label": (label or "")[:200] or None,
        "customer_id": customer_id, "changes": plain(changes) if changes else None,
        "detail": plain(detail) if detail else None,
    }
    (session or db.session).execute(_TABLE.insert(), [row])


def record_denied() -> None:
    """A 403: who asked for what (called by the error handler; never raises).

    Written on a connection of its own, so it is kept even though the request's own
    transaction is rolled back, and never commits anything the request had pending.
    """
    if not has_request_context() or not _enabled() or g.get("audit_denied_recorded"):
        return
    g.audit_denied_recorded = True
    detail = {"method": request.method, "path": request.path[:500]}
    permission = g.get("audit_permission")
    if permission:
        detail["permission"] = permission
    try:
        with db.engine.begin() as conn:
            record_event(DENIED, detail=detail, session=conn)
    except Exception:  # the refusal itself must still be answered
        log.exception("could not record a refused request")


def cli_actor() -> str | None:
    """The operating-system login running a command (shown as who acted on the CLI)."""
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return None
