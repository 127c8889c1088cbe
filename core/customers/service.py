"""Creating, changing, finding duplicates of and merging customers.

Forms and the API both go through :func:`validate_customer_data` and
:func:`apply_customer_data`, so there is one set of rules: emails are checked with
email-validator and stored lower-cased, phones are parsed with phonenumbers and
stored in E.164. Validation happens before anything is changed; a
:class:`CustomerInputError` carries one message list per field.
"""
from __future__ import annotations

from datetime import date

import phonenumbers
import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app, has_request_context
from flask_babel import gettext as _
from flask_login import current_user

from core.auth.models import User
from core.customers.models import (
    CONSENT_CHANNELS,
    GENDERS,
    INCOME_BANDS,
    NEED_SOURCES,
    PAYMENT_METHODS,
    PERSON,
    COMPANY,
    Address,
    Consent,
    Customer,
    CustomerEmail,
    CustomerPhone,
    Need,
    Tag,
)
from core.db import announce, db, parse_id, utcnow
from core.text import fold
from core.l10n import local_today

LIMITS = {"name": 200, "purchase_purpose": 200, "notes": 20000, "tag": 80, "need": 500, "external_ref": 100,
          "tax_number": 40}


class CustomerInputError(ValueError):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in errors.items()))
        self.errors = errors


def _remember_domain_checks() -> None:
    """Let email-validator check each domain's syntax once, not once per address.

    Most of ``validate_email``'s time goes to the domain (IDNA and UTS #46, character by
    character), whose result depends on the domain text alone — and an import brings
    thousands of addresses at a handful of domains. The library's own function is wrapped
    in an ``lru_cache`` (4,096 domains): same function, same arguments, same result; a
    domain it refuses raises again each time (exceptions are not cached), with its message.
    Skipped if a future email-validator no longer has the function where 2.x has it.
    """
    import functools
    import importlib

    # (``email_validator.validate_email`` the attribute is the function; the module is this.)
    module = importlib.import_module("email_validator.validate_email")

    check = getattr(module, "validate_email_domain_name", None)
    if check is not None and not hasattr(check, "cache_info"):
        module.validate_email_domain_name = functools.lru_cache(maxsize=4096)(check)


_remember_domain_checks()


def normalise_email(value: str) -> str:
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        from core.l10n.library_messages import email_reason

        raise ValueError(_("“%(value)s” is not a valid email address: %(why)s", value=value, why=email_reason(exc))) from exc


def normalise_phone(value: str, region: str | None = None) -> str:
    region = region or current_app.config["PHONE_DEFAULT_REGION"]
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(_("“%(value)s” is not a phone number.", value=value)) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError(_("“%(value)s” is not a valid phone number.", value=value))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_tax_number(value: str) -> str:
    """``EL 123.456.789`` → ``EL123456789``: what is compared when matching duplicates."""
    return "".join(ch for ch in value.upper() if ch not in " .-/\t")


def refresh_keys(customer: Customer) -> None:
    """Recompute the folded sort and search columns."""
    customer.name_key = fold(customer.name)[:200]
    parts = [customer.name, *(e.email for e in customer.emails), *(p.number for p in customer.phones)]
    if customer.company is not None:
        parts.append(customer.company.name)
    customer.search_key = fold(" ".join(p for p in parts if p))


def _choice(errors, field, value, allowed):
    if value in (None, ""):
        return None
    if value not in allowed:
        errors.setdefault(field, []).append(_("Not one of: %(allowed)s.", allowed=", ".join(map(str, allowed))))
    return value


def _normalised(raws, normalise, field: str, err) -> list[str]:
    """The non-blank ``raws`` normalised (``normalise_email``, ``normalise_phone``), each once, in
    the order given; each one ``normalise`` refuses is reported with ``err(field, why)``."""
    values: list[str] = []
    for raw in raws or []:
        if not (raw or "").strip():
            continue
        try:
            value = normalise(raw)
        except ValueError as exc:
            err(field, str(exc))
            continue
        if value not in values:
            values.append(value)
    return values


def validate_customer_data(data: dict, *, current: Customer | None = None) -> dict:
    """Check and normalise ``data`` (partial for updates); raise CustomerInputError."""
    errors: dict[str, list[str]] = {}
    out: dict = {}

    def err(field, msg):
        errors.setdefault(field, []).append(msg)

    if "name" in data or current is None:
        name = (data.get("name") or "").strip()
        if not name:
            err("name", _("A name is required."))
        elif len(name) > LIMITS["name"]:
            err("name", _("At most %(n)d characters.", n=LIMITS["name"]))
        out["name"] = name
    if "kind" in data:
        out["kind"] = _choice(errors, "kind", data["kind"], (PERSON, COMPANY)) or PERSON
    for field, allowed in (("gender", GENDERS), ("income_band", INCOME_BANDS), ("payment_method", PAYMENT_METHODS),
                           ("preferred_channel", ("email", "phone", "sms", "letter", "visit", "portal")),
                           ("preferred_language", tuple(current_app.config["LANGUAGES"]))):
        if field in data:
            out[field] = _choice(errors, field, data[field], allowed)
    for field in ("purchase_purpose", "notes"):
        if field in data:
            value = (data[field] or "").strip()
            if len(value) > LIMITS[field]:
                err(field, _("At most %(n)d characters.", n=LIMITS[field]))
            out[field] = value or (None if field == "purchase_purpose" else "")
    if "external_ref" in data:
        ref = (data["external_ref"] or "").strip()
        if len(ref) > LIMITS["external_ref"]:
            err("external_ref", _("At most %(n)d characters.", n=LIMITS["external_ref"]))
        out["external_ref"] = ref or None
    if "tax_number" in data:
        tax = normalise_tax_number(data["tax_number"] or "")
        if len(tax) > LIMITS["tax_number"]:
            err("tax_number", _("At most %(n)d characters.", n=LIMITS["tax_number"]))
        elif tax and not tax.isalnum():
            err("tax_number", _("A tax number has only letters and digits."))
        out["tax_number"] = tax or None
    if "birth_date" in data:
        value = data["birth_date"]
        if isinstance(value, str) and value:
            try:
                value = date.fromisoformat(value)
            except ValueError:
                err("birth_date", _("Use the form YYYY-MM-DD."))
                value = None
        if isinstance(value, date) and not (date(1900, 1, 1) <= value <= local_today()):
            err("birth_date", _("The birth date must be between 1900 and today."))
        out["birth_date"] = value or None
    if "company_id" in data:
        cid = data["company_id"]
        if cid in (None, "", 0):
            out["company_id"] = None
        else:
            company = db.session.get(Customer, parse_id(cid)) if parse_id(cid) else None
            if company is None or company.kind != COMPANY:
                err("company_id", _("No such company."))
            elif current is not None and company.id == current.id:
                err("company_id", _("A customer cannot belong to itself."))
            out["company_id"] = company.id if company else None
    if "owner_id" in data:
        oid = data["owner_id"]
        if oid in (None, "", 0):
            out["owner_id"] = None
        elif not (parse_id(oid) and db.session.get(User, parse_id(oid))):
            err("owner_id", _("No such user."))
        else:
            out["owner_id"] = int(oid)
        before = current.owner_id if current is not None else None
        if "owner_id" in out and out["owner_id"] != before and not may_set_owner(out["owner_id"], current):
            err("owner_id", _("Only users allowed to assign customers may change the owner."))
    for name, normalise in (("emails", normalise_email), ("phones", normalise_phone)):
        if name in data:
            out[name] = _normalised(data[name], normalise, name, err)
    if "tags" in data:
        tags = []
        for raw in data["tags"] or []:
            t = (raw or "").strip()
            if not t:
                continue
            if len(t) > LIMITS["tag"]:
                err("tags", _("A tag has at most %(n)d characters.", n=LIMITS["tag"]))
            elif t not in tags:
                tags.append(t)
        out["tags"] = tags
    if "consents" in data:
        consents = {}
        for channel, granted in (data["consents"] or {}).items():
            if channel not in CONSENT_CHANNELS:
                err("consents", _("Unknown consent channel “%(c)s”.", c=channel))
            else:
                consents[channel] = bool(granted)
        out["consents"] = consents
    if "addresses" in data:
        addresses = []
        for i, a in enumerate(data["addresses"] or []):
            row = {k: (a.get(k) or "").strip() for k in ("label", "street", "city", "postcode", "region", "country")}
            if not any(row.values()):
                continue
            if row["country"] and (len(row["country"]) != 2 or not row["country"].isalpha()):
                err("addresses", _("Address %(i)d: the country is a two-letter code such as GR.", i=i + 1))
            row["country"] = row["country"].upper()
            for k, limit in (("street", 200), ("city", 100), ("postcode", 20), ("region", 100), ("label", 40)):
                if len(row[k]) > limit:
                    err("addresses", _("Address %(i)d: %(field)s is too long.", i=i + 1, field=k))
            addresses.append(row)
        out["addresses"] = addresses
    if "needs" in data:
        needs = []
        for n in data["needs"] or []:
            desc = (n.get("description") or "").strip()
            if not desc:
                continue
            if len(desc) > LIMITS["need"]:
                err("needs", _("A need has at most %(n)d characters.", n=LIMITS["need"]))
            try:
                priority = int(n.get("priority") or 2)
            except (TypeError, ValueError):
                priority = 0
            if priority not in (1, 2, 3):
                err("needs", _("Priority is 1 (high), 2 or 3 (low)."))
            source = n.get("source") or "interview"
            if source not in NEED_SOURCES:
                err("needs", _("Source is one of: %(s)s.", s=", ".join(NEED_SOURCES)))
            needs.append({"description": desc, "priority": priority, "source": source})
        out["needs"] = needs
    if errors:
        raise CustomerInputError(errors)
    return out


def _tags(names: list[str]) -> list[Tag]:
    if not names:
        return []
    existing = {t.name: t for t in db.session.execute(sa.select(Tag).where(Tag.name.in_(names))).scalars()}
    out = []
    for n in names:
        tag = existing.get(n)
        if tag is None:
            tag = Tag(name=n)
            db.session.add(tag)
            existing[n] = tag
        out.append(tag)
    return out


ASSIGN_PERMISSION = "customers.assign"


def may_set_owner(owner_id: int | None, current: Customer | None) -> bool:
    """Who may set a customer's owner: holders of ``customers.assign``; anyone creating a
    customer for themselves or for nobody. Outside a request (CLI, demo) nobody is checked.

    Owning a customer gives no access to other people's records on it (sales rules
    filter on the deal's own salesperson), but who owns which account is a manager's
    decision, not something an editor can change in passing.
    """
    if not has_request_context() or not current_user or not current_user.is_authenticated:
        return True
    if current_user.can(ASSIGN_PERMISSION):
        return True
    return current is None and owner_id in (None, current_user.id)


SCALARS = ("kind", "name", "company_id", "owner_id", "preferred_language", "preferred_channel", "gender",
           "birth_date", "income_band", "payment_method", "purchase_purpose", "notes", "external_ref", "tax_number")


def apply_customer_data(customer: Customer, clean: dict) -> dict:
    """Apply validated data; returns ``{field: (old, new)}`` for what changed."""
    changes = {}
    for field in SCALARS:
        if field in clean and getattr(customer, field) != clean[field]:
            changes[field] = (getattr(customer, field), clean[field])
            setattr(customer, field, clean[field])
    if "company_id" in clean:
        customer.company = db.session.get(Customer, clean["company_id"]) if clean["company_id"] else None
    if "emails" in clean:
        old = [e.email for e in customer.emails]
        if old != clean["emails"]:
            changes["emails"] = (old, clean["emails"])
            customer.emails = [CustomerEmail(email=e) for e in clean["emails"]]
    if "phones" in clean:
        old = [p.number for p in customer.phones]
        if old != clean["phones"]:
            changes["phones"] = (old, clean["phones"])
            customer.phones = [CustomerPhone(number=p) for p in clean["phones"]]
    if "tags" in clean:
        old = [t.name for t in customer.tags]
        if sorted(old) != sorted(clean["tags"]):
            changes["tags"] = (old, clean["tags"])
            customer.tags = _tags(clean["tags"])
    if "consents" in clean:
        for channel, granted in clean["consents"].items():
            row = customer.consent_for(channel)
            if row is None:
                customer.consents.append(Consent(channel=channel, granted=granted, changed_at=utcnow()))
                changes[f"consent_{channel}"] = (None, granted)
            elif row.granted != granted:
                changes[f"consent_{channel}"] = (row.granted, granted)
                row.granted, row.changed_at = granted, utcnow()
    if "addresses" in clean:
        old = [a.one_line() for a in customer.addresses]
        new = [Address(**a) for a in clean["addresses"]]
        if old != [a.one_line() for a in new]:
            changes["addresses"] = (old, [a.one_line() for a in new])
            customer.addresses = new
    if "needs" in clean:
        old = [(n.description, n.priority, n.source) for n in customer.needs]
        new = [(n["description"], n["priority"], n["source"]) for n in clean["needs"]]
        if old != new:
            changes["needs"] = (old, new)
            customer.needs = [Need(**n) for n in clean["needs"]]
    refresh_keys(customer)
    return changes


def create_customer(data: dict) -> Customer:
    """Validate and add a customer (the caller commits; ``customer_created`` fires then)."""
    clean = validate_customer_data(data)
    customer = Customer(name=clean["name"])
    db.session.add(customer)
    apply_customer_data(customer, clean)
    db.session.flush()
    announce("customer_created", customer=customer.as_event())
    return customer


def update_customer(customer: Customer, data: dict) -> dict:
    """Validate and change a customer; ``customer_updated`` fires after commit if anything changed."""
    clean = validate_customer_data(data, current=customer)
    changes = apply_customer_data(customer, clean)
    if changes:
        db.session.flush()
        plain = {k: (_plain(a), _plain(b)) for k, (a, b) in changes.items()}
        announce("customer_updated", customer=customer.as_event(), changes=plain)
    return changes


def _plain(v):
    return v.isoformat() if isinstance(v, date) else v


# -- duplicates and merge ------------------------------------------------------------------


NAME_WORDS_PROBED = 5
NAME_CANDIDATES_PER_WORD = 200


def _token_key(name_key: str) -> str:
    return " ".join(sorted(name_key.split()))


def find_duplicates(customer: Customer, limit: int = 20) -> list[tuple[Customer, list[str]]]:
    """Other customers that are probably the same: same email, same phone, or same name
    (ignoring case, accents and word order). Returns ``[(customer, reasons)]``."""
    # Every probe is one branch of a single UNION ALL (issue 17: the customer page ran one
    # statement per probe); each branch keeps its own LIMIT inside a sub-select.
    emails = [e.email for e in customer.emails]
    phones = [p.number for p in customer.phones]
    branches = []

    def branch(what: str, stmt):
        inner = stmt.subquery()
        branches.append(sa.select(sa.literal_column(f"'{what}'").label("what"), *inner.c))

    if emails:
        branch("e", sa.select(CustomerEmail.customer_id.label("id"), sa.cast(sa.null(), sa.String).label("key"))
               .where(CustomerEmail.email.in_(emails), CustomerEmail.customer_id != customer.id).limit(limit))
    if phones:
        branch("p", sa.select(CustomerPhone.customer_id, sa.cast(sa.null(), sa.String))
               .where(CustomerPhone.number.in_(phones), CustomerPhone.customer_id != customer.id).limit(limit))
    words = customer.name_key.split()
    if words:
        # Same words in any order: such a name starts with one of this name's words.
        # One index range per word (a LIKE 'w%' can use no index: SQLite's LIKE ignores
        # case), each bounded, so this stays a handful of index probes at any size.
        probes = [Customer.name_key == customer.name_key] + [
            sa.and_(Customer.name_key >= word, Customer.name_key < word + "\U0010ffff")
            for word in list(dict.fromkeys(words))[:NAME_WORDS_PROBED]
        ]
        for probe in probes:
            branch("n", sa.select(Customer.id, Customer.name_key).where(
                probe, Customer.id != customer.id, Customer.kind == customer.kind).limit(NAME_CANDIDATES_PER_WORD))
    if not branches:
        return []
    reasons: dict[int, list[str]] = {}
    rows = db.session.execute(branches[0] if len(branches) == 1 else sa.union_all(*branches)).all()
    rows.sort(key=lambda row: "epn".index(row[0]))  # email, phone, name reasons in that order (a stable sort)
    target = _token_key(customer.name_key)
    seen: set[int] = set()
    for what, cid, key in rows:
        if what == "e":
            reasons.setdefault(cid, []).append(_("same email"))
        elif what == "p":
            reasons.setdefault(cid, []).append(_("same phone"))
        elif what == "n" and cid not in seen and _token_key(key) == target:
            seen.add(cid)
            reasons.setdefault(cid, []).append(_("same name"))
    if not reasons:
        return []
    found = db.session.execute(sa.select(Customer).where(Customer.id.in_(list(reasons)))).scalars().all()
    return sorted(((c, reasons[c.id]) for c in found), key=lambda t: (-len(t[1]), t[0].name_key))[:limit]


def merge_customers(winner: Customer, loser: Customer, user_id: int | None = None) -> None:
    """Move everything that points at ``loser`` to ``winner``, then delete ``loser``.

    Every table with a foreign key to ``core_customer.id`` is found by reflecting the
    database, so plugins' tables — enabled or not — are carried without any code of
    theirs. Where a row would collide with one the winner already has (a tag, a
    consent, any unique key), the winner's row is kept. Runs in the caller's
    transaction; ``customers_merged`` fires after commit.
    """
    if winner.id == loser.id:
        raise ValueError(_("A customer cannot be merged into itself."))
    from core.history.service import log_event

    loser_name, loser_id, winner_id = loser.name, loser.id, winner.id
    # Carry over contact details the winner lacks, then let the generic move do the rest.
    db.session.flush()
    conn = db.session.connection()
    meta = sa.MetaData()
    meta.reflect(bind=conn, only=lambda name, _meta: not name.startswith("core_customer_fts"))
    for table in meta.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name != "core_customer" or fk.column.name != "id":
                continue
            col = fk.parent
            if table.name == "core_customer":
                conn.execute(table.update().where(col == loser_id).values({col.name: winner_id}))
                continue
            _move_rows(conn, table, col, loser_id, winner_id)
    db.session.expire_all()
    loser = db.session.get(Customer, loser_id)
    winner = db.session.get(Customer, winner_id)
    # Dedupe emails/phones that both had.
    seen_e, seen_p = set(), set()
    for e in list(winner.emails):
        if e.email in seen_e:
            winner.emails.remove(e)
        seen_e.add(e.email)
    for p in list(winner.phones):
        if p.number in seen_p:
            winner.phones.remove(p)
        seen_p.add(p.number)
    for field in ("owner_id", "preferred_language", "preferred_channel", "gender", "birth_date", "income_band",
                  "payment_method", "purchase_purpose", "company_id"):
        if getattr(winner, field) in (None, "") and getattr(loser, field) not in (None, ""):
            setattr(winner, field, getattr(loser, field))
    if loser.notes:
        winner.notes = (winner.notes + "\n\n" + loser.notes).strip()
    db.session.delete(loser)
    db.session.flush()
    refresh_keys(winner)
    log_event(winner_id, "core.merged", source="core", subject_kind="core.merged", subject_params={"name": loser_name},
              user_id=user_id, data={"loser_id": loser_id})
    from core.audit import record_event
    from core.audit.models import MERGE

    record_event(MERGE, record_type="customer", record_id=winner_id, label=winner.name, customer_id=winner_id,
                 detail={"merged_id": loser_id, "merged_name": loser_name})
    announce("customers_merged", winner_id=winner_id, loser_id=loser_id)


def _move_rows(conn, table: sa.Table, col: sa.Column, loser_id: int, winner_id: int) -> None:
    """Re-point ``col`` from loser to winner, dropping rows that would break a unique key."""
    unique_sets = []
    if table.primary_key is not None and col.name in table.primary_key.columns:
        unique_sets.append([c for c in table.primary_key.columns if c.name != col.name])
    for cons in table.constraints:
        if isinstance(cons, sa.UniqueConstraint) and col.name in cons.columns:
            unique_sets.append([c for c in cons.columns if c.name != col.name])
    for idx in table.indexes:
        if idx.unique and col.name in idx.columns:
            unique_sets.append([c for c in idx.columns if c.name != col.name])
    for others in unique_sets:
        other = table.alias("winner_rows")
        clash = sa.exists().where(other.c[col.name] == winner_id,
                                  *[other.c[c.name] == c for c in others])
        conn.execute(table.delete().where(col == loser_id, clash))
    conn.execute(table.update().where(col == loser_id).values({col.name: winner_id}))
