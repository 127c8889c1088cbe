"""The customer form.

The form only collects what the user typed; every rule (emails, phones, dates,
sizes, known ids) lives in :func:`core.customers.service.validate_customer_data`
so that the web form and the API reject exactly the same input. ``to_data()``
turns the form into the service's input dict and ``attach_errors()`` puts the
service's per-field messages back next to the matching fields.
"""
from __future__ import annotations

import re

import sqlalchemy as sa
from flask import current_app
from flask_login import current_user
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, Form, FormField, SelectField, StringField, TextAreaField

from core.auth.models import User
from core.customers.models import (
    COMPANY,
    PERSON,
    Customer,
)
from core.customers.service import ASSIGN_PERMISSION
from core.db import db, parse_id
from core.l10n.fields import DateField
from core.web.versions import VersionedForm
from core.text import fold
from core.web.picker import PickerField
from core.web.choices import select_choices

# Labels for stored codes, shared by the form and the pages that display them.
KIND_LABELS = {PERSON: _l("Person"), COMPANY: _l("Company")}
GENDER_LABELS = {"female": _l("Female"), "male": _l("Male"), "other": _l("Other"), "unspecified": _l("Unspecified")}
INCOME_LABELS = {"low": _l("Low"), "lower_middle": _l("Lower middle"), "middle": _l("Middle"),
                 "upper_middle": _l("Upper middle"), "high": _l("High")}
PAYMENT_LABELS = {"cash": _l("Cash"), "card": _l("Card"), "bank_transfer": _l("Bank transfer"),
                  "invoice": _l("Invoice"), "installments": _l("Installments"), "other": _l("Other")}
CHANNEL_LABELS = {"email": _l("Email"), "phone": _l("Phone"), "sms": _l("SMS"), "letter": _l("Letter"),
                  "visit": _l("Visit"), "portal": _l("Portal")}
SOURCE_LABELS = {"interview": _l("Interview"), "questionnaire": _l("Questionnaire"), "email": _l("Email"),
                 "call": _l("Call")}
PRIORITY_LABELS = {1: _l("High"), 2: _l("Medium"), 3: _l("Low")}

_COMPANY_REF = re.compile(r"#(\d+)\s*$")


def _blank(label=_l("—")):
    return [("", label)]


class AddressForm(Form):
    label = StringField(_l("Label"), render_kw={"maxlength": 40})
    street = StringField(_l("Street"), render_kw={"maxlength": 200})
    postcode = StringField(_l("Postcode"), render_kw={"maxlength": 20})
    city = StringField(_l("City"), render_kw={"maxlength": 100})
    region = StringField(_l("Region"), render_kw={"maxlength": 100})
    country = StringField(_l("Country"), description=_l("Two letters, e.g. GR"), render_kw={"maxlength": 2})


class NeedForm(Form):
    description = StringField(_l("Need"), render_kw={"maxlength": 500})
    priority = SelectField(_l("Priority"), choices=select_choices((str(k), v) for k, v in PRIORITY_LABELS.items()), default="2")
    source = SelectField(_l("Source"), choices=select_choices(SOURCE_LABELS.items()), default="interview")


class CustomerForm(VersionedForm):
    kind = SelectField(_l("Kind"), choices=select_choices(KIND_LABELS.items()), default=PERSON)
    name = StringField(_l("Name"), render_kw={"maxlength": 200, "required": True})
    company = PickerField(_l("Company"), kind="company",
                          description=_l("Type part of the company's name, email or phone and pick it."))
    owner_id = PickerField(_l("Owner"), kind="user", placeholder=_l("Nobody"))
    preferred_language = SelectField(_l("Preferred language"), choices=[], validate_choice=False)
    preferred_channel = SelectField(_l("Preferred channel"), choices=select_choices(_blank() + list(CHANNEL_LABELS.items())),
                                    validate_choice=False)
    consent_email = BooleanField(_l("Agrees to marketing by email"))
    consent_sms = BooleanField(_l("Agrees to marketing by SMS"))
    gender = SelectField(_l("Gender"), choices=select_choices(_blank() + list(GENDER_LABELS.items())), validate_choice=False)
    birth_date = DateField(_l("Birth date"))
    income_band = SelectField(_l("Income band"), choices=select_choices(_blank() + list(INCOME_LABELS.items())),
                              validate_choice=False)
    payment_method = SelectField(_l("Preferred payment method"), choices=select_choices(_blank() + list(PAYMENT_LABELS.items())),
                                 validate_choice=False)
    purchase_purpose = StringField(_l("Purchase purpose"), render_kw={"maxlength": 200})
    external_ref = StringField(_l("External reference"), description=_l("The customer's number in another system."),
                               render_kw={"maxlength": 100, "dir": "auto"})
    tax_number = StringField(_l("Tax number"), render_kw={"maxlength": 40, "dir": "ltr"})
    emails = TextAreaField(_l("Emails"), description=_l("One per line."), render_kw={"rows": 2, "dir": "ltr"})
    phones = TextAreaField(_l("Phones"), description=_l("One per line; numbers without a country code are read as %(region)s."),
                           render_kw={"rows": 2, "dir": "ltr"})
    tags = StringField(_l("Tags"), description=_l("Separated by commas."))
    notes = TextAreaField(_l("Notes"), render_kw={"rows": 3})
    addresses = FieldList(FormField(AddressForm), min_entries=1, max_entries=20)
    needs = FieldList(FormField(NeedForm), min_entries=1, max_entries=50)

    def __init__(self, *args, customer: Customer | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer
        self.can_assign = current_user.can(ASSIGN_PERMISSION)
        if not self.can_assign and customer is not None:
            # Without customers.assign an existing customer keeps its owner: shown, not
            # changeable here (the service refuses a change anyway).
            self.owner_id.render_kw = {"disabled": True}
            self.owner_id.description = _l("Only users allowed to assign customers may change the owner.")
        self.preferred_language.choices = select_choices(_blank() + list(current_app.config["LANGUAGES"].items()))
        self.phones.description = _l(
            "One per line; numbers without a country code are read as %(region)s.",
            region=current_app.config["PHONE_DEFAULT_REGION"],
        )

    # -- loading -------------------------------------------------------------------

    def fill_from(self, customer: Customer) -> None:
        """Show ``customer`` in the form (GET of the edit page), plus one empty row each."""
        for field in ("kind", "name", "preferred_language", "preferred_channel", "gender", "income_band",
                      "payment_method", "purchase_purpose", "notes", "external_ref", "tax_number"):
            getattr(self, field).data = getattr(customer, field) or ""
        self.show_version(customer)
        self.owner_id.data = str(customer.owner_id or "")
        self.birth_date.data = customer.birth_date
        self.company.data = str(customer.company_id or "")
        self.emails.data = "\n".join(e.email for e in customer.emails)
        self.phones.data = "\n".join(p.number for p in customer.phones)
        self.tags.data = ", ".join(t.name for t in customer.tags)
        for channel in ("email", "sms"):
            consent = customer.consent_for(channel)
            getattr(self, f"consent_{channel}").data = bool(consent and consent.granted)
        _fill_list(self.addresses, [{k: getattr(a, k) for k in ("label", "street", "postcode", "city", "region",
                                                                 "country")} for a in customer.addresses])
        _fill_list(self.needs, [{"description": n.description, "priority": str(n.priority), "source": n.source}
                                for n in customer.needs])

    # -- to the service ------------------------------------------------------------

    def to_data(self) -> tuple[dict, dict[str, list[str]]]:
        """The service's input dict, plus errors found while resolving the company."""
        errors: dict[str, list[str]] = {}
        data = {} if self.customer is not None and not self.can_assign else {"owner_id": self.owner_id.data or None}
        data |= {
            "kind": self.kind.data,
            "name": self.name.data or "",
            "preferred_language": self.preferred_language.data or None,
            "preferred_channel": self.preferred_channel.data or None,
            "gender": self.gender.data or None,
            "birth_date": self.birth_date.data or None,
            "income_band": self.income_band.data or None,
            "payment_method": self.payment_method.data or None,
            "purchase_purpose": self.purchase_purpose.data or "",
            "notes": self.notes.data or "",
            "external_ref": self.external_ref.data or "",
            "tax_number": self.tax_number.data or "",
            "emails": (self.emails.data or "").splitlines(),
            "phones": (self.phones.data or "").splitlines(),
            "tags": (self.tags.data or "").split(","),
            "addresses": [dict(entry.data) for entry in self.addresses],
            "needs": [dict(entry.data) for entry in self.needs],
        }
        consents = {"email": self.consent_email.data, "sms": self.consent_sms.data}
        if self.customer is None:
            # A new customer has only consents actually given; unchecked means "never asked".
            consents = {k: v for k, v in consents.items() if v}
        data["consents"] = consents
        if self.kind.data == COMPANY:
            data["company_id"] = None
        else:
            try:
                data["company_id"] = resolve_company(self.company.data)
            except LookupError as exc:
                errors["company"] = [str(exc)]
        return data, errors

    FIELD_FOR = {"company_id": "company", "consents": "consent_email"}

    def attach_errors(self, errors: dict[str, list[str]]) -> None:
        """Show the service's messages next to the fields they are about."""
        for key, messages in errors.items():
            field = getattr(self, self.FIELD_FOR.get(key, key), None) or self.name
            field.errors = list(field.errors or []) + list(messages)


def _fill_list(field_list: FieldList, rows: list[dict]) -> None:
    while len(field_list.entries):
        field_list.pop_entry()
    blank = [{}] if len(rows) < field_list.max_entries else []
    for row in (rows + blank)[:field_list.max_entries]:
        field_list.append_entry(row)


def resolve_company(text: str | None) -> int | None:
    """Turn "Acme #12", "12" or an exact company name into an id; LookupError if unknown."""
    from flask_babel import gettext as _

    text = (text or "").strip()
    if not text:
        return None
    match = _COMPANY_REF.search(text)
    if match or text.isdigit():
        cid = parse_id(match.group(1) if match else text)
        row = cid and db.session.execute(sa.select(Customer.id).where(Customer.id == cid, Customer.kind == COMPANY)).scalar()
        if row is None:
            raise LookupError(_("No such company."))
        return row
    ids = db.session.execute(
        sa.select(Customer.id).where(Customer.kind == COMPANY, Customer.name_key == fold(text)[:200]).limit(2)
    ).scalars().all()
    if not ids:
        raise LookupError(_("No company is called “%(name)s”.", name=text))
    if len(ids) > 1:
        raise LookupError(_("Several companies are called “%(name)s”; pick one from the suggestions.", name=text))
    return ids[0]
