"""Showing entries in the reader's language.

Entries hold codes — record type, action, origin, field names, stored values — and
this module turns them into labels at display time: the model's ``__audit__``
declaration names its type and fields, common field names have core labels, dates
are formatted for the reader's locale, user ids become names (one query per page).
Dates and numbers go through :mod:`core.l10n` (the reader's calendar, zone and digits);
a contact-history entry the system wrote (a stored text: ``subject_kind`` and
``subject_params``) shows its subject in the reader's language, not its codes.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.audit.models import CREATE, DELETE, DENIED, EXPORT, IMPORT, LOGIN, LOGIN_FAILED, LOGOUT, MERGE, UPDATE
from core.audit.spec import Audit, spec_of
from core.db import db
from core.l10n import format_date, format_datetime, format_number, render_text

ACTION_LABELS = {
    CREATE: _l("created"), UPDATE: _l("changed"), DELETE: _l("deleted"), MERGE: _l("merged"),
    LOGIN: _l("logged in"), LOGIN_FAILED: _l("failed login"), LOGOUT: _l("logged out"),
    DENIED: _l("refused access"), IMPORT: _l("imported"), EXPORT: _l("exported"),
}
ORIGIN_LABELS = {"web": _l("web"), "api": _l("API"), "cli": _l("command line"), "job": _l("background job"),
                 "system": _l("system")}
LOGIN_FAILURES = {"unknown_email": _l("unknown email"), "wrong_password": _l("wrong password"),
                  "inactive": _l("deactivated user")}

# Labels for field names many models share; a model's ``Audit(fields=...)`` wins.
COMMON_FIELDS = {
    "name": _l("Name"), "title": _l("Title"), "description": _l("Description"), "notes": _l("Notes"),
    "status": _l("Status"), "state": _l("State"), "kind": _l("Kind"), "email": _l("Email"), "label": _l("Label"),
    "active": _l("Active"), "customer_id": _l("Customer"), "owner_id": _l("Owner"), "user_id": _l("User"),
    "product_id": _l("Product"), "currency": _l("Currency"), "quantity": _l("Quantity"),
    "unit_price": _l("Unit price"), "price": _l("Price"), "source": _l("Source"), "priority": _l("Priority"),
    "channel": _l("Channel"), "direction": _l("Direction"), "subject": _l("Subject"), "body": _l("Notes"),
    "tags": _l("Tags"), "position": _l("Position"), "probability": _l("Probability (%)"), "amount": _l("Amount"),
    "period": _l("Period"), "location": _l("Location"), "serial": _l("Serial number"), "sku": _l("SKU"),
    # who may see a history entry or follow-up (core.history.guards)
    "record": _l("Linked record"), "visible_to": _l("Visible to"), "visible_with": _l("Visible with permission"),
}
NOT_RECORDED = _l("changed (value not recorded)")

# Record types written by ``record_event`` for records that are not audited as models
# (their contents are private): how to show them.
EVENT_ONLY = {
    spec.type: spec for spec in (
        Audit("outbox_message", label=_l("Outgoing message"), values={"status": "core.messaging.forms:STATUS_LABELS"}),
        Audit("inbound_mail", label=_l("Received mail"), fields={"matched_by": _l("Matched by")},
              values={"matched_by": {"staff": _l("a staff member"), "address": _l("the sender's address"),
                                     "thread": _l("a reply to our message")}}),
    )
}


@dataclass
class FieldChange:
    field: str
    label: str
    old: str
    new: str
    secret: bool = False


@dataclass
class EntryView:
    entry: object
    who: str
    origin: str
    action: str
    type_label: str
    record: str
    changes: list[FieldChange] = field(default_factory=list)
    details: list[tuple[str, str]] = field(default_factory=list)


# -- what is audited --------------------------------------------------------------------------


_cache: dict = {}


@sa.event.listens_for(sa.orm.Mapper, "after_mapper_constructed")
def _forget(_mapper, _cls):
    """A model class was just mapped (a plugin's models imported): look again when next asked."""
    _cache.clear()


def _models() -> dict[str, type]:
    """Record type → model class, over every mapped class that declares ``__audit__``."""
    if "models" not in _cache:
        found = {}
        for mapper in db.Model.registry.mappers:
            spec = spec_of(mapper.class_)
            if spec is not None:
                found.setdefault(spec.type, mapper.class_)
        _cache["models"] = found
    return _cache["models"]


def audited_models() -> dict[str, type]:
    return dict(_models())


def record_types() -> list[tuple[str, str]]:
    """``[(type, label)]`` for the filter, sorted by label in the reader's language."""
    types = [*audited_models(), *EVENT_ONLY]
    return sorted(((t, type_label(t)) for t in types), key=lambda p: p[1].casefold())


def _spec(record_type: str | None) -> Audit | None:
    model = _models().get(record_type or "")
    return spec_of(model) if model is not None else EVENT_ONLY.get(record_type or "")


def type_label(record_type: str | None) -> str:
    spec = _spec(record_type)
    return str(spec.label) if spec is not None and spec.label else (record_type or "")


def field_label(record_type: str | None, name: str) -> str:
    spec = _spec(record_type)
    if spec is not None and name in spec.fields:
        return str(spec.fields[name])
    if name in COMMON_FIELDS:
        return str(COMMON_FIELDS[name])
    return name.replace("_", " ")


def _column_kind(record_type: str | None, name: str):
    """The Python type of a recorded column (dates are shown in the reader's format)."""
    key = ("kind", record_type, name)
    if key not in _cache:
        model = _models().get(record_type or "")
        column = sa.inspect(model).columns.get(name) if model is not None else None
        try:
            _cache[key] = column.type.python_type if column is not None else None
        except NotImplementedError:
            _cache[key] = None
    return _cache[key]


def _value_labels(spec: Audit | None, name: str):
    how = spec.values.get(name) if spec is not None else None
    if isinstance(how, str):  # "module:ATTRIBUTE", imported when shown (no import cycle with the model)
        key = ("values", how)
        if key not in _cache:
            module, _colon, attr = how.partition(":")
            _cache[key] = getattr(importlib.import_module(module), attr)
        how = _cache[key]
    return how


# -- values -----------------------------------------------------------------------------------


def _format(record_type, name, value, users: dict[int, str]) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(_format(record_type, name, v, users) for v in value)
    spec = _spec(record_type)
    if spec is not None and name in spec.users and isinstance(value, int):
        return users.get(value) or _("user #%(id)s", id=value)
    labels = _value_labels(spec, name)
    if labels is not None:
        label = labels(value) if callable(labels) else labels.get(value)
        if label is not None:
            return str(label)
    kind = _column_kind(record_type, name)
    if isinstance(value, str) and kind in (date, datetime):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return value
        return format_date(parsed.date()) if kind is date else format_datetime(parsed)
    number = _number(name, value, kind)
    if number is not None:
        return format_number(number, places=max(0, -number.as_tuple().exponent))
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_format(record_type, k, v, users)}" for k, v in value.items())
    return str(value)


def _number(name: str, value, kind) -> Decimal | None:
    """A recorded amount, quantity or count (``"1250.50"``, ``3``) as a ``Decimal`` to show in the
    reader's digits; ids (``customer_id``) stay as they are, like other reference numbers."""
    if isinstance(value, bool) or name == "id" or name.endswith("_id"):
        return None
    if kind is Decimal and isinstance(value, (str, int, float)) or kind in (int, float) and isinstance(value, (int, float)):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


# A history entry the system wrote keeps its subject as a kind and parameters (core.l10n.texts).
STORED_TEXT = ("subject_kind", "subject_params")


def _stored_subject(changes: dict) -> tuple[str, str] | None:
    """``(before, after)`` subject of a stored text, rendered in the reader's language, else None.

    The entry's ``subject`` holds the English rendering (for search): shown instead of it."""
    if not changes.get("subject_kind") or not changes.get("subject_params"):
        return None  # not a stored text, or its parameters are private (an email's address and subject)
    kinds, params = changes["subject_kind"], changes["subject_params"]
    subjects = changes.get("subject") or [None, None]
    sides = []
    for side in (0, 1):
        kind = kinds[side]
        sides.append(render_text(kind, params[side], subjects[side] or "") if kind else subjects[side] or "")
    return sides[0], sides[1]


def _record_title(entry) -> str:
    """The record's stored label, translated when it is a code (a consent's channel)."""
    spec = _spec(entry.record_type)
    label = entry.record_label or ""
    if label and spec is not None and isinstance(spec.title, str):
        labels = _value_labels(spec, spec.title)
        if labels is not None:
            translated = labels(label) if callable(labels) else labels.get(label)
            label = str(translated) if translated is not None else label
    return label


def _user_ids(entries) -> set[int]:
    ids = set()
    for e in entries:
        if e.user_id:
            ids.add(e.user_id)
        spec = _spec(e.record_type)
        if spec is None or not spec.users or not e.changes:
            continue
        for name in spec.users:
            for v in e.changes.get(name) or ():
                if isinstance(v, int):
                    ids.add(v)
    return ids


def _user_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    from core.auth.models import User

    rows = db.session.execute(sa.select(User.id, User.name, User.email).where(User.id.in_(sorted(ids)))).all()
    return {r.id: r.name or r.email for r in rows}


def _details(entry) -> list[tuple[str, str]]:
    d = entry.detail or {}
    out = []
    if entry.action == LOGIN_FAILED:
        if d.get("email"):
            out.append((_("Email tried"), d["email"]))
        if d.get("reason"):
            out.append((_("Reason"), str(LOGIN_FAILURES.get(d["reason"], d["reason"]))))
    elif entry.action == DENIED:
        if d.get("permission"):
            out.append((_("Permission"), d["permission"]))
        out.append((_("Refused request"), f"{d.get('method', '')} {d.get('path', '')}".strip()))
    elif entry.action == MERGE:
        out.append((_("Merged customer"), f"{d.get('merged_name', '')} (#{d.get('merged_id', '')})"))
    elif entry.action == IMPORT:
        out.append((_("Result"), _("Created: %(created)s, updated: %(updated)s, skipped as already saved: "
                                   "%(skipped)s, rows with problems left out: %(bad)s.",
                                   created=d.get("created", 0), updated=d.get("updated", 0),
                                   skipped=d.get("skipped", 0), bad=d.get("bad", 0))))
    elif entry.action == EXPORT:
        out.append((_("Format"), str(d.get("format", "")).upper()))
        filters = ", ".join(f"{k}={v}" for k, v in (d.get("filters") or {}).items())
        out.append((_("Filters"), filters or _("none: everything the user may see")))
    if d.get("job_id"):
        out.append((_("Job"), f"#{d['job_id']}"))
    if d.get("event"):
        out.append((_("After the event"), f"{d['event']} (#{d.get('event_id', '')}) → {d.get('listener', '')}"))
    if entry.user_id and entry.actor:  # on a user's behalf: by what (the job's kind, the listener)
        out.append((_("Run by"), entry.actor))
    return out


def describe(entries) -> list[EntryView]:
    """Entries ready for a template, with one query for every user named on the page."""
    users = _user_names(_user_ids(entries))
    views = []
    for e in entries:
        if e.user_id:
            who = users.get(e.user_id) or _("user #%(id)s", id=e.user_id)
        else:
            who = e.actor or str(ORIGIN_LABELS.get(e.origin, e.origin))
        changes = []
        raw = dict(e.changes or {})
        record = _record_title(e)
        if e.record_type == "interaction":
            stored = _stored_subject(raw)
            for name in STORED_TEXT:  # codes, not for people: the subject below says it
                raw.pop(name, None)
            if stored is not None:
                if "subject" in raw:
                    raw["subject"] = list(stored)
                record = stored[1] or stored[0] or record
        for name, pair in raw.items():
            label = field_label(e.record_type, name)
            if pair is None:
                changes.append(FieldChange(name, label, "", str(NOT_RECORDED), secret=True))
                continue
            old, new = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
            changes.append(FieldChange(name, label, _format(e.record_type, name, old, users),
                                       _format(e.record_type, name, new, users)))
        views.append(EntryView(
            entry=e, who=who, origin=str(ORIGIN_LABELS.get(e.origin, e.origin)),
            action=str(ACTION_LABELS.get(e.action, e.action)), type_label=type_label(e.record_type),
            record=record, changes=changes, details=_details(e),
        ))
    return views
