"""The core's importer and exporter of customers.

Import: each row becomes the data the customer form would send and goes through
``validate_customer_data`` — the same rules as the form (email, phone to E.164, required
name, choices). Duplicates are matched, in this order, on the external reference, the
tax number, an email, a phone; a row with none of them on the exact (folded) name and
kind, so that importing the same file twice creates nothing new. New customers are
written by the bulk path (:mod:`core.customers.bulk`), matched ones updated through
``update_customer`` (their lists — emails, phones, tags, addresses — gain the file's
values, nothing is removed).

Export: the customer list as the user filtered it (the list page's query string),
streamed in batches of plain rows, with the import's field labels as headers so that
an exported file imports back without mapping.
"""
from __future__ import annotations

from functools import lru_cache

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from core.contrib import Exporter, ImportField, Importer
from core.customers.bulk import bulk_search_index, create_customers
from core.customers.models import (
    COMPANY, PERSON, Address, Customer, CustomerEmail, CustomerPhone, Tag, customer_tags,
)
from core.customers.service import CustomerInputError, update_customer, validate_customer_data
from core.db import announce, db
from core.text import fold
from core.transfer.cells import CellError, parse_date, split_list
from core.transfer.models import CREATE, SKIP, UPDATE

FIELDS = (
    ImportField("external_ref", _l("External reference"),
                ("reference", "ref", "customer number", "customer no", "customer id", "code", "uid", "κωδικός",
                 "κωδικός πελάτη", "kodas", "kliento kodas", "کد", "کد مشتری", "קוד", "מספר לקוח")),
    ImportField("name", _l("Full name"),
                ("name", "customer", "full name", "company name", "fn", "ονοματεπώνυμο", "όνομα και επώνυμο", "επωνυμία", "πελάτης",
                 "vardas pavardė", "pavadinimas", "klientas", "نام و نام خانوادگی", "نام کامل", "مشتری", "שם",
                 "שם מלא", "לקוח"), required=True),
    ImportField("first_name", _l("First name"),
                ("given name", "n:given", "όνομα", "vardas", "نام", "שם פרטי")),
    ImportField("last_name", _l("Last name"),
                ("surname", "family name", "n:family", "επώνυμο", "pavardė", "نام خانوادگی", "שם משפחה")),
    ImportField("kind", _l("Person or company"), ("kind", "type", "τύπος", "tipas", "نوع", "סוג")),
    ImportField("emails", _l("Email"),
                ("e-mail", "email address", "mail", "emails", "ηλεκτρονικό ταχυδρομείο", "el. paštas", "el paštas",
                 "ایمیل", "پست الکترونیک", "דוא\"ל", "דוא״ל", "אימייל", "דואר אלקטרוני")),
    ImportField("phones", _l("Phone"),
                ("telephone", "mobile", "tel", "phones", "phone number", "τηλέφωνο", "κινητό", "telefonas",
                 "mobilusis", "تلفن", "موبایل", "تلفن همراه", "טלפון", "נייד")),
    ImportField("tax_number", _l("Tax number"),
                ("vat", "vat number", "tax id", "αφμ", "α.φ.μ.", "pvm kodas", "pvm mokėtojo kodas", "کد اقتصادی",
                 "شناسه ملی", "ח.פ.", "ח.פ", "ע.מ.", "מספר עוסק")),
    ImportField("street", _l("Street"),
                ("address", "adr:street", "οδός", "διεύθυνση", "gatvė", "adresas", "خیابان", "نشانی", "آدرس",
                 "רחוב", "כתובת")),
    ImportField("city", _l("City"), ("town", "adr:city", "πόλη", "miestas", "شهر", "עיר")),
    ImportField("postcode", _l("Postcode"),
                ("postal code", "zip", "zip code", "adr:code", "τ.κ.", "ταχυδρομικός κώδικας", "pašto kodas",
                 "کد پستی", "מיקוד")),
    ImportField("region", _l("Region"),
                ("state", "province", "county", "adr:region", "περιοχή", "νομός", "regionas", "apskritis", "استان",
                 "מחוז")),
    ImportField("country", _l("Country"), ("adr:country", "χώρα", "šalis", "کشور", "ארץ", "מדינה")),
    ImportField("birth_date", _l("Birth date"),
                ("birthday", "date of birth", "bday", "ημερομηνία γέννησης", "gimimo data", "تاریخ تولد",
                 "תאריך לידה")),
    ImportField("preferred_language", _l("Preferred language"), ("language", "γλώσσα", "kalba", "زبان", "שפה")),
    ImportField("tags", _l("Tags"), ("categories", "ετικέτες", "žymės", "برچسب‌ها", "برچسب ها", "תגיות")),
    ImportField("notes", _l("Notes"), ("note", "comments", "σημειώσεις", "pastabos", "یادداشت", "הערות")),
)
ADDRESS_FIELDS = ("street", "city", "postcode", "region", "country")
FIELD_LABELS = {f.name: f.label for f in FIELDS}
# Service field names whose errors belong to one of the import's fields.
ERROR_FIELDS = {"addresses": "street", "name": "name"}


def _label(field: str) -> str:
    return str(FIELD_LABELS.get(ERROR_FIELDS.get(field, field), field))


@lru_cache(maxsize=None)
def _words(kind: str, languages: tuple[str, ...]) -> dict[str, str]:
    """Folded names → code, in every language: kinds, countries, languages."""
    from babel import Locale

    from core.customers.forms import KIND_LABELS

    out: dict[str, str] = {}
    for lang in languages:
        if kind == "kind":
            with force_locale(lang):
                out.update({fold(str(label)): code for code, label in KIND_LABELS.items()})
            out.update({PERSON: PERSON, COMPANY: COMPANY})
        elif kind == "country":
            out.update({fold(name): code for code, name in Locale.parse(lang).territories.items()
                        if len(code) == 2 and code.isalpha()})
        elif kind == "language":
            out.update({fold(name): code for code, name in Locale.parse(lang).languages.items() if code in languages})
    return out


def _code(kind: str, text: str) -> str:
    languages = tuple(current_app.config["LANGUAGES"])
    if kind == "country" and len(text) == 2:
        return text.upper()
    if kind == "language" and text.lower() in languages:
        return text.lower()
    return _words(kind, languages).get(fold(text), text)


def row_data(values: dict[str, str], language: str) -> tuple[dict, list[str]]:
    """The form data a row stands for, and the errors of cells that cannot be read at all."""
    data: dict = {}
    errors: list[str] = []
    name = values.get("name", "")
    if not name and ("first_name" in values or "last_name" in values):
        name = " ".join(v for v in (values.get("first_name", ""), values.get("last_name", "")) if v)
    if "name" in values or "first_name" in values or "last_name" in values:
        data["name"] = name
    if values.get("kind"):
        data["kind"] = _code("kind", values["kind"])
    for field in ("emails", "phones", "tags"):
        if field in values:
            data[field] = split_list(values[field]) if field != "phones" else [
                p for p in (v.strip() for v in values[field].replace(",", ";").split(";")) if p]
    for field in ("external_ref", "tax_number", "notes"):
        if field in values:
            data[field] = values[field]
    if values.get("preferred_language"):
        data["preferred_language"] = _code("language", values["preferred_language"])
    if any(values.get(f) for f in ADDRESS_FIELDS):
        address = {f: values.get(f, "") for f in ADDRESS_FIELDS}
        if address["country"]:
            address["country"] = _code("country", address["country"])
        data["addresses"] = [address]
    if values.get("birth_date"):
        try:
            data["birth_date"] = parse_date(values["birth_date"], language)
        except CellError as exc:
            errors.append(f"{_label('birth_date')}: {exc}")
    return data, errors


def check(rows, ctx) -> None:
    for row in rows:
        own_id = None
        if row.values.get("external_ref", "").startswith(OWN_UID):  # a card Rapport exported: its own id
            own_id = row.values.pop("external_ref")[len(OWN_UID):]
        data, errors = row_data(row.values, ctx.language)
        row.errors.extend(errors)
        try:
            clean = validate_customer_data(data)
        except CustomerInputError as exc:
            row.errors.extend(f"{_label(field)}: {' '.join(msgs)}" for field, msgs in exc.errors.items())
            continue
        if row.errors:
            continue
        row.clean = clean
        keys = [("id", own_id)] if own_id and own_id.isdigit() else []
        if clean.get("external_ref"):
            keys.append(("ref", clean["external_ref"]))
        if clean.get("tax_number"):
            keys.append(("tax", clean["tax_number"]))
        keys.extend(("email", e) for e in clean.get("emails") or ())
        keys.extend(("phone", p) for p in clean.get("phones") or ())
        if not keys:
            keys.append(("name", f"{clean.get('kind') or PERSON}:{fold(clean['name'])[:200]}"))
        row.keys = keys
    _match([r for r in rows if r.ok], ctx)


def _match(rows, ctx) -> None:
    """Existing customers the rows stand for: ``row.match_id`` and ``row.match_label``."""
    if not rows:
        return
    wanted: dict[str, set] = {"id": set(), "ref": set(), "tax": set(), "email": set(), "phone": set(), "name": set()}
    for row in rows:
        for kind, value in row.keys:
            wanted[kind].add(value)
    found: dict[tuple[str, str], int] = {}
    if wanted["id"]:
        ids = [int(i) for i in wanted["id"] if len(i) < 10]
        for (cid,) in db.session.execute(sa.select(Customer.id).where(Customer.id.in_(ids))):
            found[("id", str(cid))] = cid
    queries = (
        ("ref", Customer.external_ref, Customer.id),
        ("tax", Customer.tax_number, Customer.id),
        ("email", CustomerEmail.email, CustomerEmail.customer_id),
        ("phone", CustomerPhone.number, CustomerPhone.customer_id),
    )
    for kind, column, owner in queries:
        if wanted[kind]:
            for value, cid in db.session.execute(sa.select(column, owner).where(column.in_(wanted[kind]))
                                                 .order_by(owner)):
                found.setdefault((kind, value), cid)
    if wanted["name"]:
        by_key = {v.split(":", 1)[1]: v for v in wanted["name"]}
        for key, kind, cid in db.session.execute(
                sa.select(Customer.name_key, Customer.kind, Customer.id).where(Customer.name_key.in_(list(by_key)))
                .order_by(Customer.id)):
            found.setdefault(("name", f"{kind}:{key}"), cid)
    for row in rows:
        row.match_id = next((found[k] for k in row.keys if k in found), None)
    ids = {r.match_id for r in rows if r.match_id}
    if ids:
        names = dict(db.session.execute(sa.select(Customer.id, Customer.name).where(Customer.id.in_(ids))).all())
        for row in rows:
            if row.match_id:
                row.match_label = names.get(row.match_id, "")


IMPORT_BATCH_EVENT = 5000
OWN_UID = "rapport:customer:"  # the vCard UID of a customer without an external reference


def save(rows, ctx) -> None:
    new = [r for r in rows if r.match_id is None or ctx.on_duplicate == CREATE]
    ids = create_customers([r.clean for r in new], tag_cache=ctx.cache.setdefault("tags", {}))
    for start in range(0, len(ids), IMPORT_BATCH_EVENT):
        announce("customers_imported", customer_ids=ids[start:start + IMPORT_BATCH_EVENT], import_id=ctx.import_id)
    ctx.created += len(ids)
    for row in rows:
        if row.match_id is None or ctx.on_duplicate == CREATE:
            continue
        if ctx.on_duplicate == SKIP:
            ctx.skipped += 1
            continue
        customer = db.session.get(Customer, row.match_id)
        if customer is None:  # deleted since the check: the row stands for nobody now
            ids = create_customers([row.clean], tag_cache=ctx.cache["tags"])
            announce("customers_imported", customer_ids=ids, import_id=ctx.import_id)
            ctx.created += 1
            continue
        if update_customer(customer, merged(customer, row.clean)):
            ctx.updated += 1
        else:
            ctx.skipped += 1


def merged(customer: Customer, clean: dict) -> dict:
    """The file's values over the customer's; lists gain the file's entries, lose none."""
    data = dict(clean)
    if "emails" in data:
        data["emails"] = [e.email for e in customer.emails] + [e for e in data["emails"]
                                                                if e not in {x.email for x in customer.emails}]
    if "phones" in data:
        data["phones"] = [p.number for p in customer.phones] + [p for p in data["phones"]
                                                                 if p not in {x.number for x in customer.phones}]
    if "tags" in data:
        data["tags"] = [t.name for t in customer.tags] + [t for t in data["tags"]
                                                          if t not in {x.name for x in customer.tags}]
    if "addresses" in data:
        have = [{k: getattr(a, k) for k in ("label", *ADDRESS_FIELDS)} for a in customer.addresses]
        lines = {Address.line_of(a) for a in have}
        data["addresses"] = have + [a for a in data["addresses"] if Address.line_of(a) not in lines]
    for field in ("notes", "external_ref", "tax_number"):
        if field in data and not data[field]:
            del data[field]  # a blank cell does not erase what is saved
    return data


def bulk(_ctx):
    return bulk_search_index()


IMPORTER = Importer("customers", _l("Customers"), "customers.import", FIELDS, check, save, bulk=bulk,
                    stand_ins=(("name", ("first_name", "last_name")),), weight=10)
