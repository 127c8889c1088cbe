"""Demo data for ``rapport init --demo`` (and so ``make run``).

Everything goes through the same service functions the web pages use
(:func:`core.customers.service.create_customer`, :func:`core.history.service.log_interaction`,
:func:`core.history.service.schedule_activity`), so the demo is normalised, indexed
and announced exactly like real data, and plugins' listeners see it too. Plugins add
their own records through the ``demo_data`` hook, after the core's customers exist.

Loading is idempotent: a database that already has customers is left alone; only the
admin login is printed again. The admin's password is random (or
``RAPPORT_ADMIN_PASSWORD``) and kept in ``<instance>/demo-admin.txt`` (mode 0600), never
in the repository. A fixed seed (``RAPPORT_DEMO_SEED``, default 2024) makes the data the
same on every machine. Texts are marked with ``N_`` and written in the business language
(``RAPPORT_LANGUAGE``); people's and companies' names stay in their own scripts.
"""
from __future__ import annotations

import os
import random
import secrets
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import phonenumbers
import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from core.db import db, utcnow
from core.l10n import N_

ADMIN_EMAIL = "admin@example.com"
PASSWORD_FILE = "demo-admin.txt"
N_PEOPLE, N_COMPANIES = 260, 40

# (native spelling, Latin spelling for the email address). Gendered surnames stay with
# their gender, as Greek and Lithuanian require.
NAMES = {
    "en": {
        "female": ["Zoë", "Renée", "Emily", "Olivia", "Chloé", "Grace", "Hannah", "Amelia"],
        "male": ["James", "Oliver", "Noël", "William", "Henry", "Jack", "Thomas", "George"],
        "last_female": ["Smith", "Brontë", "Johnson", "O'Brien", "Taylor", "Walker", "Wright", "Evans"],
        "last_male": ["Smith", "Brontë", "Johnson", "O'Brien", "Taylor", "Walker", "Wright", "Evans"],
        "region": ["GB", "US", "IE", "CY"], "lang": "en",
    },
    "el": {
        "female": ["Μαρία", "Ελένη", "Κατερίνα", "Δέσποινα", "Σοφία", "Αγγελική", "Ζωή", "Ιωάννα"],
        "male": ["Γιώργος", "Νίκος", "Δημήτρης", "Κώστας", "Γιάννης", "Σπύρος", "Αλέξανδρος", "Παύλος"],
        "last_female": ["Παπαδοπούλου", "Οικονόμου", "Γεωργίου", "Νικολάου", "Καραγιάννη", "Βλάχου",
                        "Αθανασίου", "Μαυρίδου"],
        "last_male": ["Παπαδόπουλος", "Οικονόμου", "Γεωργίου", "Νικολάου", "Καραγιάννης", "Βλάχος",
                      "Αθανασίου", "Μαυρίδης"],
        "region": ["GR", "GR", "CY"], "lang": "el",
    },
    "lt": {
        "female": ["Rūta", "Eglė", "Gintarė", "Aušra", "Jūratė", "Ieva", "Simona", "Dalia"],
        "male": ["Šarūnas", "Jonas", "Mindaugas", "Žygimantas", "Tomas", "Rimantas", "Audrius", "Vytautas"],
        "last_female": ["Žemaitytė", "Kazlauskienė", "Petrauskaitė", "Jankauskienė", "Vasiliauskaitė",
                        "Šimkienė", "Butkutė", "Navickienė"],
        "last_male": ["Žemaitis", "Kazlauskas", "Petrauskas", "Jankauskas", "Vasiliauskas", "Šimkus",
                      "Butkus", "Navickas"],
        "region": ["LT", "LT", "LV"], "lang": "lt",
    },
    "fa": {
        "female": ["زهرا", "مریم", "فاطمه", "سارا", "نرگس", "لیلا", "شیرین", "پریسا"],
        "male": ["علی", "محمد", "رضا", "حسین", "امیر", "مهدی", "کاوه", "بهرام"],
        "last_female": ["احمدی", "حسینی", "کریمی", "رضایی", "محمدی", "موسوی", "جعفری", "صادقی"],
        "last_male": ["احمدی", "حسینی", "کریمی", "رضایی", "محمدی", "موسوی", "جعفری", "صادقی"],
        "region": ["IR", "IR", "DE"], "lang": "fa",
    },
    "he": {
        "female": ["שרה", "רחל", "נועה", "מיכל", "תמר", "יעל", "אביגיל", "רות"],
        "male": ["דוד", "יוסף", "משה", "אברהם", "יונתן", "איתי", "אריאל", "דניאל"],
        "last_female": ["כהן", "לוי", "מזרחי", "פרץ", "ביטון", "אברהם", "פרידמן", "שפירא"],
        "last_male": ["כהן", "לוי", "מזרחי", "פרץ", "ביטון", "אברהם", "פרידמן", "שפירא"],
        "region": ["IL", "IL", "US"], "lang": "he",
    },
}
# Latin spellings for building email addresses from non-Latin names.
LATIN = {
    "Μαρία": "maria", "Ελένη": "eleni", "Κατερίνα": "katerina", "Δέσποινα": "despoina", "Σοφία": "sofia",
    "Αγγελική": "angeliki", "Ζωή": "zoi", "Ιωάννα": "ioanna", "Γιώργος": "giorgos", "Νίκος": "nikos",
    "Δημήτρης": "dimitris", "Κώστας": "kostas", "Γιάννης": "giannis", "Σπύρος": "spyros",
    "Αλέξανδρος": "alexandros", "Παύλος": "pavlos",
    "علی": "ali", "محمد": "mohammad", "رضا": "reza", "حسین": "hossein", "امیر": "amir", "مهدی": "mahdi",
    "کاوه": "kaveh", "بهرام": "bahram", "زهرا": "zahra", "مریم": "maryam", "فاطمه": "fatemeh", "سارا": "sara",
    "نرگس": "narges", "لیلا": "leila", "شیرین": "shirin", "پریسا": "parisa",
    "דוד": "david", "יוסף": "yosef", "משה": "moshe", "אברהם": "avraham", "יונתן": "yonatan", "איתי": "itai",
    "אריאל": "ariel", "דניאל": "daniel", "שרה": "sarah", "רחל": "rachel", "נועה": "noa", "מיכל": "michal",
    "תמר": "tamar", "יעל": "yael", "אביגיל": "avigail", "רות": "ruth",
    "Παπαδοπούλου": "papadopoulou", "Παπαδόπουλος": "papadopoulos", "Οικονόμου": "oikonomou",
    "Γεωργίου": "georgiou", "Νικολάου": "nikolaou", "Καραγιάννη": "karagianni", "Καραγιάννης": "karagiannis",
    "Βλάχου": "vlachou", "Βλάχος": "vlachos", "Αθανασίου": "athanasiou", "Μαυρίδου": "mavridou",
    "Μαυρίδης": "mavridis",
    "احمدی": "ahmadi", "حسینی": "hosseini", "کریمی": "karimi", "رضایی": "rezaei", "محمدی": "mohammadi",
    "موسوی": "mousavi", "جعفری": "jafari", "صادقی": "sadeghi",
    "כהן": "cohen", "לוי": "levi", "מזרחי": "mizrahi", "פרץ": "peretz", "ביטון": "biton",
    "פרידמן": "friedman", "שפירא": "shapira",
}
COMPANIES = {
    "en": ["Northwind Traders Ltd", "Brontë & Sons", "Riverside Café Ltd", "Harbour Logistics", "Maple Hotels",
           "Kingfisher Dental", "Oakwood Schools", "Bluebell Bakery"],
    "el": ["Ωμέγα Α.Ε.", "Αιγαίο Ξενοδοχεία Α.Ε.", "Κρήτη Τρόφιμα Ο.Ε.", "Ολυμπία Μεταφορές", "Ακρόπολις Καφέ",
           "Θεσσαλία Αγροτική", "Ιόνιο Ιατρικό Κέντρο", "Πήγασος Τεχνική"],
    "lt": ["UAB Šviesa", "UAB Žalgiris Prekyba", "Ąžuolas ir partneriai", "UAB Baltijos Logistika",
           "Vilniaus Kavinė", "UAB Gintaro Krantas", "Kauno Statyba", "UAB Nemunas"],
    "fa": ["شرکت پارس", "بازرگانی البرز", "هتل زاگرس", "کافه فیروزه", "کلینیک دندانپزشکی مهر",
           "شرکت حمل و نقل کاروان", "نانوایی سپیده", "مدرسه دانش"],
    "he": ["חברת אור בע״מ", "כרמל לוגיסטיקה", "מלון הים", "קפה גליל", "מרפאת שיניים ירושלים", "אלון בנייה",
           "מאפיית השחר", "בית ספר תבור"],
}
COMPANY_LATIN = ["northwind", "bronte", "riverside", "harbour", "maple", "kingfisher", "oakwood", "bluebell"]
CITIES = {
    "GB": [("London", "SW1A 1AA"), ("Manchester", "M1 1AE"), ("Leeds", "LS1 4DY")],
    "US": [("Boston", "02108"), ("Chicago", "60601"), ("Austin", "73301")],
    "IE": [("Dublin", "D02 X285"), ("Cork", "T12 W8F9")],
    "CY": [("Λευκωσία", "1010"), ("Λεμεσός", "3035")],
    "GR": [("Αθήνα", "105 57"), ("Θεσσαλονίκη", "546 24"), ("Πάτρα", "262 21"), ("Ηράκλειο", "712 02")],
    "LT": [("Vilnius", "LT-01100"), ("Kaunas", "LT-44280"), ("Klaipėda", "LT-91231"), ("Šiauliai", "LT-76285")],
    "LV": [("Rīga", "LV-1050")],
    "IR": [("تهران", "1136914"), ("اصفهان", "8143613"), ("شیراز", "7134845")],
    "DE": [("Berlin", "10115"), ("München", "80331")],
    "IL": [("תל אביב", "6100000"), ("ירושלים", "9100000"), ("חיפה", "3100000")],
}
STREETS = {
    "en": ["High Street", "Station Road", "Church Lane", "Park Avenue"],
    "el": ["Οδός Ερμού", "Λεωφόρος Αλεξάνδρας", "Οδός Αιόλου", "Οδός Τσιμισκή"],
    "lt": ["Gedimino pr.", "Laisvės al.", "Žalgirio g.", "Vilniaus g."],
    "fa": ["خیابان ولیعصر", "خیابان انقلاب", "خیابان آزادی", "خیابان فردوسی"],
    "he": ["רחוב הרצל", "שדרות רוטשילד", "רחוב יפו", "רחוב בן יהודה"],
}
TAGS = [N_("vip"), N_("newsletter"), N_("wholesale"), N_("referral"), N_("repeat buyer"), N_("price sensitive"),
        N_("b2b"), N_("warranty")]
NEEDS = [N_("A quieter washing machine"), N_("Delivery on Saturdays"), N_("Installation included"), N_("Energy-efficient appliances"),
         N_("Extended warranty"), N_("Payment in instalments"), N_("A yearly service contract"), N_("Spare parts kept in stock"),
         N_("Quote for ten office chairs"), N_("Fast repair turnaround")]
# Babel does not see N_() nested inside _(), so marked lists are constants.
ADDRESS_LABELS = [N_("home"), N_("work"), N_("billing")]
COMPANY_PURPOSES = [N_("office"), N_("restaurant kitchen"), N_("rental flat")]
PURPOSES = [N_("home use"), N_("office"), N_("gift"), N_("restaurant kitchen"), N_("rental flat"), N_("replacement")]
SUBJECTS = {
    "visit": [N_("Visited the showroom"), N_("Came in about a repair")],
    "phone": [N_("Called about delivery date"), N_("Asked for a price list"), N_("Complained about noise")],
    "letter": [N_("Sent the signed contract"), N_("Letter about the warranty")],
    "email": [N_("Asked for a quotation"), N_("Sent invoice copy"), N_("Question about spare parts")],
    "video": [N_("Product demo by video"), N_("Video call to plan installation")],
    "im": [N_("Quick question on opening hours"), N_("Sent a photo of the fault")],
    "sms": [N_("Delivery reminder"), N_("Appointment confirmation")],
    "portal": [N_("Updated contact details on the portal"), N_("Downloaded an invoice")],
    "note": [N_("Prefers calls after 5 pm"), N_("Met at the trade fair")],
}
FOLLOW_UPS = [N_("Call back about the quotation"), N_("Send the brochure"), N_("Check the customer is happy with the repair"),
              N_("Offer the extended warranty"), N_("Confirm the delivery slot"), N_("Ask for a review")]
STAFF = [  # email, name, role names (missing roles are skipped)
    ("maria.sales@example.com", "Μαρία Αντωνίου", ["Salesperson", "Staff"]),
    ("jonas.sales@example.com", "Jonas Petrauskas", ["Salesperson", "Staff"]),
    ("sara.manager@example.com", "שרה לוי", ["Sales manager", "Staff"]),
    ("reza.tech@example.com", "رضا کریمی", ["Technician", "Staff"]),
    ("grace.service@example.com", "Grace Walker", ["Service manager", "Staff"]),
    ("eleni.care@example.com", "Ελένη Παππά", ["Complaints manager", "Staff"]),
    ("tomas.care@example.com", "Tomas Kazlauskas", ["Complaints agent", "Staff"]),
    ("oliver.viewer@example.com", "Oliver Evans", ["Read only"]),
]
PRODUCTS = [  # sku, name, kind, price, currency, warranty months
    ("WM-700", N_("Washing machine WM-700"), "product", "549.00", "EUR", 24),
    ("WM-900", N_("Washing machine WM-900 Silent"), "product", "799.00", "EUR", 36),
    ("DW-450", N_("Dishwasher DW-450"), "product", "429.00", "EUR", 24),
    ("FR-300", N_("Fridge-freezer FR-300"), "product", "689.00", "EUR", 24),
    ("OV-220", N_("Built-in oven OV-220"), "product", "459.00", "EUR", 24),
    ("HB-60", N_("Induction hob HB-60"), "product", "379.00", "EUR", 24),
    ("MW-25", N_("Microwave MW-25"), "product", "119.00", "EUR", 12),
    ("VC-10", N_("Vacuum cleaner VC-10"), "product", "189.00", "EUR", 12),
    ("VC-20R", N_("Robot vacuum VC-20R"), "product", "349.00", "EUR", 12),
    ("AC-12", N_("Air conditioner AC-12 12000 BTU"), "product", "899.00", "EUR", 36),
    ("AC-18", N_("Air conditioner AC-18 18000 BTU"), "product", "1199.00", "EUR", 36),
    ("TV-55", N_("Television 55\" TV-55"), "product", "699.00", "EUR", 24),
    ("TV-65", N_("Television 65\" TV-65"), "product", "1099.00", "EUR", 24),
    ("CM-5", N_("Espresso machine CM-5"), "product", "259.00", "EUR", 12),
    ("KT-2", N_("Kettle KT-2"), "product", "39.90", "EUR", 12),
    ("OC-1", N_("Office chair OC-1"), "product", "179.00", "EUR", 24),
    ("OD-160", N_("Office desk OD-160"), "product", "329.00", "EUR", 24),
    ("LP-14", N_("Laptop LP-14"), "product", "999.00", "USD", 24),
    ("PH-8", N_("Smartphone PH-8"), "product", "649.00", "USD", 24),
    ("RT-1", N_("Wi-Fi router RT-1"), "product", "89.00", "GBP", 12),
    ("SP-WM", N_("Spare part: drum bearing kit"), "product", "45.00", "EUR", 0),
    ("SP-DW", N_("Spare part: dishwasher pump"), "product", "62.50", "EUR", 0),
    ("SV-INST", N_("Installation service"), "service", "60.00", "EUR", 0),
    ("SV-DEL", N_("Delivery and setup"), "service", "25.00", "EUR", 0),
    ("SV-REP", N_("Repair labour (per hour)"), "service", "45.00", "EUR", 0),
    ("SV-DIAG", N_("Fault diagnosis visit"), "service", "35.00", "EUR", 0),
    ("SV-EXT2", N_("Extended warranty, 2 more years"), "service", "99.00", "EUR", 0),
    ("SV-MAINT", N_("Yearly maintenance contract"), "service", "149.00", "EUR", 12),
    ("SV-AC", N_("Air-conditioner cleaning"), "service", "55.00", "EUR", 0),
    ("SV-TRAIN", N_("Staff training session"), "service", "400.00", "GBP", 0),
]


def load_demo(echo=print, *, seed: int | None = None) -> bool:
    """Load the demo into an empty database (inside an app context); always print the admin login.

    The demo's texts (products, subjects, follow-ups, and the plugins' stages, titles,
    problems…) are written in the business language, ``RAPPORT_LANGUAGE``.
    Returns True when data was loaded, False when the database already had customers.
    """
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return _load_demo(echo, seed)


def _load_demo(echo, seed: int | None) -> bool:
    from core.customers.models import Customer

    password = _admin_login()
    if db.session.execute(sa.select(Customer.id).limit(1)).first() is not None:
        echo("demo data already present; nothing loaded")
        _print_login(echo, password)
        return False
    seed = int(os.environ.get("RAPPORT_DEMO_SEED", "2024")) if seed is None else seed
    rng = random.Random(seed)
    staff = _staff_users(password)
    echo(f"demo: {len(staff)} staff users")
    _products()
    echo(f"demo: {len(PRODUCTS)} catalog products and services")
    customer_ids = _customers(rng, staff)
    echo(f"demo: {len(customer_ids)} customers")
    n = _history(rng, customer_ids, staff)
    echo(f"demo: {n} interactions and follow-ups")
    registry = current_app.extensions["rapport"].plugins
    for step in registry.contributions("demo_data"):
        try:
            step.run(rng=rng, customers=list(customer_ids))
            db.session.commit()
            echo(f"demo: {step.label}")
        except Exception as exc:  # one plugin's demo must not stop the others or `make run`
            db.session.rollback()
            current_app.logger.exception("demo step %s failed", step.label)
            echo(f"demo: {step.label} FAILED: {exc}")
    _print_login(echo, password)
    return True


def _translated(text: str) -> str:
    """``_()`` that leaves an empty text empty (gettext("") is the catalog header)."""
    return _(text) if text else ""


def _print_login(echo, password: str | None) -> None:
    if password is None:
        echo(f"Admin login: {ADMIN_EMAIL} (password set outside the demo; "
             f"reset it with `rapport users create` or set RAPPORT_ADMIN_PASSWORD)")
    else:
        echo(f"Admin login: {ADMIN_EMAIL} / {password}")
        echo(f"Demo staff ({', '.join(e for e, _n, _r in STAFF)}) use the same password.")


def _password_file() -> Path:
    return Path(current_app.instance_path) / PASSWORD_FILE


def _admin_login() -> str | None:
    """Make sure the demo admin exists; return its password if the demo knows it."""
    from core.auth.models import User
    from core.auth.service import create_user

    path = _password_file()
    admin = db.session.execute(sa.select(User).where(User.email == ADMIN_EMAIL)).scalar_one_or_none()
    if admin is not None:
        if path.exists():
            return path.read_text().strip()
        return os.environ.get("RAPPORT_ADMIN_PASSWORD") or None
    password = os.environ.get("RAPPORT_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
    create_user(ADMIN_EMAIL, password, name="Admin", roles=["admin"])
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(password + "\n")
    os.chmod(path, 0o600)
    return password


def _staff_users(password: str | None) -> list[int]:
    """Staff with the core's and (when enabled) the plugins' default roles."""
    from core.auth.models import Role, User
    from core.auth.service import create_user

    known = set(db.session.execute(sa.select(Role.name)).scalars())
    pw = password or secrets.token_urlsafe(12)
    ids = []
    for email, name, roles in STAFF:
        user = db.session.execute(sa.select(User).where(User.email == email)).scalar_one_or_none()
        if user is None:
            user = create_user(email, pw, name=name, roles=[r for r in roles if r in known])
        ids.append(user.id)
    return ids


def _products() -> None:
    from core.catalog.models import Product
    from core.text import fold

    existing = set(db.session.execute(sa.select(Product.sku)).scalars())
    for sku, name, kind, price, currency, warranty in PRODUCTS:
        if sku not in existing:
            name = _(name)
            db.session.add(Product(sku=sku, name=name, name_key=fold(name), kind=kind, unit_price=Decimal(price),
                                   currency=currency, warranty_months=warranty,
                                   description=_("%(name)s. Demo catalog item.", name=name)))
    db.session.commit()


def _phone(rng: random.Random, region: str) -> str:
    """A valid E.164 number of ``region``: the library's example number with varied digits."""
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    digits = str(example.national_number)
    for _ in range(50):
        tail = "".join(str(rng.randrange(10)) for _ in range(4))
        candidate = phonenumbers.PhoneNumber(country_code=example.country_code,
                                             national_number=int(digits[:-4] + tail))
        if phonenumbers.is_valid_number(candidate):
            return phonenumbers.format_number(candidate, phonenumbers.PhoneNumberFormat.E164)
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)


def _latin(word: str) -> str:
    from core.text import fold

    ascii_form = "".join(c for c in fold(word) if c.isascii() and c.isalnum())
    return LATIN.get(word) or ascii_form or "client"


def _address(rng, script, region) -> dict:
    city, postcode = rng.choice(CITIES[region])
    return {"label": _(rng.choice(ADDRESS_LABELS)), "street": f"{rng.choice(STREETS[script])} {rng.randint(1, 180)}",
            "city": city, "postcode": postcode, "region": "", "country": region}


def _consents(rng) -> dict:
    return {ch: rng.random() < 0.6 for ch in ("email", "sms") if rng.random() < 0.8}


def _customers(rng: random.Random, staff: list[int]) -> list[int]:
    from core.customers.service import create_customer

    scripts = list(NAMES)
    ids: list[int] = []
    company_ids: dict[str, list[int]] = {s: [] for s in scripts}
    for i in range(N_COMPANIES):
        script = scripts[i % len(scripts)]
        names = COMPANIES[script]
        name = names[(i // len(scripts)) % len(names)]
        region = NAMES[script]["region"][0]
        slug = COMPANY_LATIN[(i // len(scripts)) % len(COMPANY_LATIN)]
        customer = create_customer({
            "kind": "company", "name": name,
            "emails": [f"info@{slug}-{script}{i}.example.com"],
            "phones": [_phone(rng, region)],
            "addresses": [_address(rng, script, region) | {"label": _("office")}],
            "tags": [_(t) for t in rng.sample([N_("b2b"), N_("wholesale"), N_("vip"), N_("newsletter")], k=rng.randint(1, 2))],
            "owner_id": rng.choice(staff[:3]) if staff else None,
            "preferred_language": NAMES[script]["lang"], "preferred_channel": rng.choice(["email", "phone", "visit"]),
            "payment_method": rng.choice(["invoice", "bank_transfer"]),
            "purchase_purpose": _(rng.choice(COMPANY_PURPOSES)),
            "consents": _consents(rng),
            "needs": [{"description": _(rng.choice(NEEDS)), "priority": rng.randint(1, 3),
                       "source": rng.choice(["interview", "questionnaire", "email", "call"])}],
        })
        company_ids[script].append(customer.id)
        ids.append(customer.id)
    db.session.commit()
    today = date.today()
    for i in range(N_PEOPLE):
        script = scripts[i % len(scripts)]
        names = NAMES[script]
        gender = rng.choice(["female", "male"])
        first = rng.choice(names[gender])
        last = rng.choice(names[f"last_{gender}"])
        region = rng.choice(names["region"])
        email_domain = rng.choice(["example.com", "example.org", "example.net"])
        data = {
            "kind": "person", "name": f"{first} {last}",
            "emails": [f"{_latin(first)}.{_latin(last)}{i}@{email_domain}"],
            "phones": [_phone(rng, region)] + ([_phone(rng, names["region"][0])] if rng.random() < 0.2 else []),
            "addresses": [_address(rng, script, region)],
            "tags": [_(t) for t in rng.sample(TAGS, k=rng.randint(0, 3))],
            "owner_id": rng.choice(staff[:3]) if staff and rng.random() < 0.85 else None,
            "preferred_language": names["lang"],
            "preferred_channel": rng.choice(["email", "phone", "sms", "letter", "visit", "portal"]),
            "gender": gender if rng.random() < 0.9 else "unspecified",
            "birth_date": today.replace(year=today.year - rng.randint(19, 80), month=rng.randint(1, 12), day=rng.randint(1, 28)),
            "income_band": rng.choice(["low", "lower_middle", "middle", "upper_middle", "high"]),
            "payment_method": rng.choice(["cash", "card", "bank_transfer", "installments"]),
            "purchase_purpose": _(rng.choice(PURPOSES)),
            "consents": _consents(rng),
            "needs": [{"description": d, "priority": rng.randint(1, 3),
                       "source": rng.choice(["interview", "questionnaire", "email", "call"])}
                      for d in map(_, rng.sample(NEEDS, k=rng.randint(0, 2)))],
        }
        if company_ids[script] and rng.random() < 0.25:
            data["company_id"] = rng.choice(company_ids[script])
        ids.append(create_customer(data).id)
        if i % 50 == 49:  # keep the unit of work small: flushes stay cheap
            db.session.commit()
    db.session.commit()
    return ids


def _history(rng: random.Random, customer_ids: list[int], staff: list[int]) -> int:
    """Interactions on every channel over the last two years, and follow-ups (some overdue)."""
    from core.history.models import CHANNELS
    from core.history.service import log_interaction, schedule_activity

    now = utcnow()
    count = 0
    for n, cid in enumerate(customer_ids):
        for k in range(rng.randint(1, 6)):
            channel = CHANNELS[(n + k) % len(CHANNELS)]
            log_interaction(
                cid, channel=channel,
                direction=None if channel == "note" else rng.choice(["inbound", "outbound"]),
                subject=_(rng.choice(SUBJECTS[channel])),
                body=_translated(rng.choice(["", N_("Customer was friendly."), N_("Needs an answer this week."),
                                            N_("Sent details by email.")])),
                user_id=rng.choice(staff) if staff else None,
                occurred_at=now - timedelta(days=rng.uniform(0, 730)),
            )
            count += 1
        if rng.random() < 0.3:
            done = rng.random() < 0.3
            activity = schedule_activity(
                cid, summary=_(rng.choice(FOLLOW_UPS)), due_date=(now + timedelta(days=rng.randint(-20, 30))).date(),
                assignee_id=rng.choice(staff[:5]) if staff else None,
            )
            if done:
                activity.done_at = now - timedelta(days=rng.randint(0, 10))
            count += 1
        if n % 100 == 99:
            db.session.commit()
    db.session.commit()
    return count

