"""Static lists from a file (the ``importers`` hook; docs/importing.md): one row per member —
the customer (their number in the other system, tax number, email, phone, ``#id`` or a bare
Rapport id) and the static list, either a column of list names or one list chosen for the
whole file on the mapping page (``rapport import segment_members FILE --value segment=#12``).

A list named in the file that does not exist yet is created (static, owned by the importing
user); a name that belongs to a rule-based segment, or to several segments, is refused with
the reason. A customer already in the list is matched (skipped, whatever *on duplicate* says:
membership has nothing to update); the same customer twice for one list inside the file is
refused naming the first line. A phone two customers share is refused (it names nobody).
Members are written with one ``executemany`` per batch.
"""
from __future__ import annotations

import re

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.contrib import ImportField, Importer
from core.db import db, utcnow
from core.transfer.lookup import customer_ids, customer_ids_by_phone
from plugins.marketing.models import STATIC, Segment, SegmentMember

CHOICES_SHOWN = 500
_ID = re.compile(r"^#(\d{1,9})$")


def static_lists() -> list[tuple[str, str]]:
    """The static lists one can import into, by name (``#id`` values: names need not be unique);
    the newest :data:`CHOICES_SHOWN` when there are more (older ones: name them in a column)."""
    rows = db.session.execute(sa.select(Segment.id, Segment.name).where(Segment.kind == STATIC)
                              .order_by(Segment.id.desc()).limit(CHOICES_SHOWN)).all()
    return sorted(((f"#{r.id}", r.name) for r in rows), key=lambda c: (c[1].casefold(), c[0]))


FIELDS = (
    ImportField("customer", _l("Customer reference"),
                ("customer", "customer id", "customer number", "external reference", "email", "e-mail", "phone",
                 "telephone", "mobile",
                 "πελάτης", "κωδικός πελάτη", "εξωτερικός κωδικός", "τηλέφωνο", "κινητό",
                 "klientas", "kliento kodas", "išorinis kodas", "el. paštas", "telefonas", "mobilusis",
                 "مشتری", "کد مشتری", "کد خارجی", "ایمیل", "تلفن", "موبایل", "تلفن همراه",
                 "לקוח", "מספר לקוח", "מזהה חיצוני", "דוא\"ל", "דוא״ל", "טלפון", "נייד"), required=True,
                help=_l("Their number in your other system, tax number, email, phone, or the Rapport id.")),
    ImportField("segment", _l("Static list"),
                ("segment", "list", "mailing list", "static list", "λίστα", "τμήμα", "sąrašas", "segmentas",
                 "فهرست", "بخش", "רשימה", "פלח"), required=True, choices=static_lists,
                help=_l("A column of list names (missing lists are created), or one list for the whole file.")),
)
MAX_NAME = 200


def _segments(names: set[str], cache: dict) -> dict[str, tuple[int | None, str | None]]:
    """``{name: (segment id or None when it will be created, error or None)}`` — cached."""
    known = cache.setdefault("marketing_segments", {})
    todo = {n for n in names if n and n not in known}
    chosen = {int(m.group(1)): n for n in todo if (m := _ID.match(n))}  # a list chosen on the mapping page
    if chosen:
        rows = {r.id: r for r in db.session.execute(sa.select(Segment.id, Segment.kind, Segment.name)
                                                    .where(Segment.id.in_(list(chosen))))}
        for sid, name in chosen.items():
            row = rows.get(sid)
            if row is not None and row.kind == STATIC:
                known[name] = (sid, None)
                cache.setdefault("marketing_segment_names", {})[name] = row.name
            else:
                known[name] = (None, _("There is no static list %(name)s any more.", name=name))
        todo -= set(chosen.values())
    if todo:
        rows = db.session.execute(sa.select(Segment.name, Segment.id, Segment.kind).where(Segment.name.in_(todo))).all()
        by_name: dict[str, list] = {}
        for row in rows:
            by_name.setdefault(row.name, []).append(row)
        for name in todo:
            found = by_name.get(name, [])
            if not found:
                known[name] = (None, None)
            elif len(found) > 1:
                known[name] = (None, _("Several segments are named “%(name)s”; rename one first.", name=name))
            elif found[0].kind != STATIC:
                known[name] = (None, _("“%(name)s” is a segment of rules, not a static list.", name=name))
            else:
                known[name] = (found[0].id, None)
    return {n: known[n] for n in names if n in known}


def _reference(row) -> str:
    """The row's customer reference; an email in lower case (addresses are stored so, and
    ``customer_ids`` keeps one spelling per address within a batch)."""
    ref = row.values.get("customer", "")
    return ref.lower() if "@" in ref else ref


def check(rows, ctx) -> None:
    refs = {_reference(r) for r in rows}
    bare = {ref for ref in refs if ref.isascii() and ref.isdigit()}
    found = customer_ids(refs | {f"#{ref}" for ref in bare}, ctx.cache)
    phones, shared = customer_ids_by_phone({r for r in refs if r not in found and "@" not in r}, ctx.cache)
    found = {**phones, **found}  # a reference, tax number or email wins over a phone spelled the same
    segments = _segments({r.values.get("segment", "").strip() for r in rows}, ctx.cache)
    existing_ids = {sid for sid, _error in segments.values() if sid}
    members = set()
    wanted = {found.get(ref) or found.get(f"#{ref}") for ref in refs} - {None}
    if existing_ids and wanted:
        members = set(db.session.execute(sa.select(SegmentMember.segment_id, SegmentMember.customer_id).where(
            SegmentMember.segment_id.in_(existing_ids), SegmentMember.customer_id.in_(wanted))).all())
    for row in rows:
        ref, name = _reference(row), row.values.get("segment", "").strip()
        customer_id = found.get(ref) or found.get(f"#{ref}")
        if not ref:
            row.errors.append(_("A customer reference is required."))
        elif customer_id is None and ref in shared:
            row.errors.append(_("Several customers have the phone “%(ref)s”: use their email or number instead.",
                                ref=row.values.get("customer", "")))
        elif customer_id is None:
            row.errors.append(_("No customer has the reference, tax number, email or phone “%(ref)s”.",
                                ref=row.values.get("customer", "")))
        segment_id, error = segments.get(name, (None, None))
        if not name:
            row.errors.append(_("The name of the static list is required."))
        elif len(name) > MAX_NAME:
            row.errors.append(_("At most %(n)d characters.", n=MAX_NAME))
        elif error:
            row.errors.append(error)
        if row.errors:
            continue
        row.clean = {"customer_id": customer_id, "segment": name}
        shown = ctx.cache.get("marketing_segment_names", {}).get(name, name)
        row.keys = [("member", f"{shown}, #{customer_id}")]
        if segment_id and (segment_id, customer_id) in members:
            row.match_id = customer_id
            row.match_label = f"{shown} · {row.values.get('customer', '')}"  # "Already saved as “VIP · +30…”"


def save(rows, ctx) -> None:
    now = utcnow()
    segments = _segments({r.clean["segment"] for r in rows}, ctx.cache)
    for name in sorted(n for n, (sid, _error) in segments.items() if sid is None):
        segment = Segment(name=name, kind=STATIC, description="", created_by_id=ctx.user_id)
        db.session.add(segment)
        db.session.flush()
        ctx.cache["marketing_segments"][name] = (segment.id, None)
    new = [r for r in rows if r.match_id is None]
    if new:
        db.session.connection().execute(sa.insert(SegmentMember.__table__), [
            {"segment_id": ctx.cache["marketing_segments"][r.clean["segment"]][0],
             "customer_id": r.clean["customer_id"], "added_at": now} for r in new])
        ctx.created += len(new)
    ctx.skipped += len(rows) - len(new)  # already members: nothing to update, even with "update"


IMPORTER = Importer("marketing.segment_members", _l("Static list members"), "marketing.user", FIELDS, check, save)
