"""Segment criteria: the core's own (tags, language, city, consent, profile, dates) and the
ones enabled plugins contribute through the ``segment_criteria`` hook.

A criterion is a key, a label, typed parameters and a ``compile(customer_id, params)``
function returning a SQL boolean expression on ``core_customer.id``. Segments combine
them into one ``WHERE`` clause (:mod:`plugins.marketing.segments`), so a count or a
member list is one query, whatever the segment holds.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Callable

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.customers.models import (
    COMPANY,
    CONSENT_CHANNELS,
    GENDERS,
    INCOME_BANDS,
    PERSON,
    Address,
    Consent,
    Customer,
    Tag,
    customer_tags,
)
from core.db import utcnow

PARAM_TYPES = ("int", "decimal", "date", "text", "choice", "product", "user")


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    label: Any
    required: bool = True
    choices: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Criterion:
    key: str
    label: Any
    plugin: str
    compile: Callable
    params: tuple[Param, ...] = ()
    weight: int = 100
    group: Any = None


class CriterionInputError(ValueError):
    """A criterion's parameters are wrong; ``errors`` maps parameter names to messages."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


# -- parameters ---------------------------------------------------------------------------------


def clean_value(param: Param, raw) -> Any:
    """The typed value of ``raw`` for ``param`` (``None`` when empty); raises ValueError with a
    message for the user."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if param.required:
            raise ValueError(_("Required."))
        return None
    text = str(raw).strip()
    if param.type in ("int", "product", "user"):
        try:
            value = int(text)
        except ValueError:
            raise ValueError(_("A whole number.")) from None
        if value < 0 or value > 10**9:
            raise ValueError(_("A whole number from 0 to %(max)d.", max=10**9))
        return value
    if param.type == "decimal":
        try:
            value = Decimal(text.replace(",", "."))
        except InvalidOperation:
            raise ValueError(_("A number such as 250.50.")) from None
        if not value.is_finite() or abs(value) >= Decimal("1e12"):
            raise ValueError(_("A number such as 250.50."))
        return value
    if param.type == "date":
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise ValueError(_("A date such as 2026-03-01.")) from None
    if param.type == "choice":
        allowed = [c[0] for c in param.choices]
        if text not in allowed:
            raise ValueError(_("Not one of the choices."))
        return text
    if len(text) > 200:
        raise ValueError(_("At most %(n)d characters.", n=200))
    return text


def stored_value(value) -> Any:
    """JSON form of a typed value (dates ISO, decimals as strings)."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def clean_params(criterion: Criterion, raw: dict) -> dict:
    """Typed parameters of ``criterion`` from ``raw`` (a dict of strings or JSON values)."""
    errors, out = {}, {}
    for param in criterion.params:
        try:
            out[param.name] = clean_value(param, (raw or {}).get(param.name))
        except ValueError as exc:
            errors[param.name] = str(exc)
    if errors:
        raise CriterionInputError(errors)
    return out


# -- the core's criteria ------------------------------------------------------------------------


def _exists(model, customer_id, *conditions):
    return sa.exists().where(model.customer_id == customer_id, *conditions)


def spellings(text: str) -> list[str]:
    """The usual ways of writing ``text`` (as typed, lower, upper, title case), so a name
    matches whatever case it was stored in, in every script, while the column's index is
    still used (SQLite's ``lower()`` knows only ASCII)."""
    return sorted({text, text.lower(), text.upper(), text.title(), text.capitalize()})


def _tag(cid, p):
    return sa.exists().where(customer_tags.c.customer_id == cid, customer_tags.c.tag_id == Tag.id,
                             Tag.name.in_(spellings(p["tag"])))


def _column_is(column, name):
    """A column of the customer row itself: a plain condition (the segment query is FROM
    core_customer), so the database filters while it scans instead of building a list."""
    def compile_(cid, p):
        return column == p[name]

    return compile_


def _age(cid, p):
    today = utcnow().date()
    conditions = []
    if p.get("min") is not None:  # at least min years old: born on or before today - min years
        conditions.append(Customer.birth_date <= _years_ago(today, p["min"]))
    if p.get("max") is not None:  # at most max years old: born after today - (max + 1) years
        conditions.append(Customer.birth_date > _years_ago(today, p["max"] + 1))
    return sa.and_(Customer.birth_date.is_not(None), *conditions)


def _years_ago(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def _created(cid, p):
    conditions = []
    if p.get("after"):
        conditions.append(Customer.created_at >= p["after"])
    if p.get("before"):
        conditions.append(Customer.created_at < p["before"] + timedelta(days=1))
    return sa.and_(*conditions) if conditions else sa.true()


def _contacted_within(cid, p):
    from core.history.models import Interaction

    since = utcnow() - timedelta(days=p["days"])
    return _exists(Interaction, cid, Interaction.occurred_at >= since)


def _not_contacted_within(cid, p):
    return sa.not_(_contacted_within(cid, p))


def _consent(cid, p):
    return _exists(Consent, cid, Consent.channel == p["channel"], Consent.granted.is_(True))


def _city(cid, p):
    return _exists(Address, cid, Address.city.in_(spellings(p["city"])))


def _country(cid, p):
    return _exists(Address, cid, Address.country == p["country"].upper())


def _purpose(cid, p):
    pattern = "%" + p["text"].lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return sa.func.lower(Customer.purchase_purpose).like(pattern, escape="\\")


def core_criteria() -> list[Criterion]:
    languages = tuple((code, label) for code, label in current_app.config["LANGUAGES"].items())
    genders = tuple((g, g) for g in GENDERS)
    bands = tuple((b, b) for b in INCOME_BANDS)
    core = _l("Customer")
    make = lambda key, label, fn, *params, weight=10: Criterion(  # noqa: E731
        key, label, "core", fn, tuple(params), weight, core)
    return [
        make("core.tag", _l("Has tag"), _tag, Param("tag", "text", _l("Tag"))),
        make("core.language", _l("Preferred language"), _column_is(Customer.preferred_language, "language"),
             Param("language", "choice", _l("Language"), choices=languages)),
        make("core.kind", _l("Person or company"), _column_is(Customer.kind, "kind"),
             Param("kind", "choice", _l("Kind"), choices=((PERSON, _l("Person")), (COMPANY, _l("Company"))))),
        make("core.city", _l("City"), _city, Param("city", "text", _l("City"))),
        make("core.country", _l("Country"), _country, Param("country", "text", _l("Country code"))),
        make("core.owner", _l("Owner"), _column_is(Customer.owner_id, "user"), Param("user", "user", _l("Owner"))),
        make("core.consent", _l("Agreed to marketing"), _consent,
             Param("channel", "choice", _l("Channel"), choices=tuple((c, c) for c in CONSENT_CHANNELS))),
        make("core.gender", _l("Gender"), _column_is(Customer.gender, "gender"),
             Param("gender", "choice", _l("Gender"), choices=genders)),
        make("core.income_band", _l("Income band"), _column_is(Customer.income_band, "band"),
             Param("band", "choice", _l("Income band"), choices=bands)),
        make("core.age", _l("Age"), _age, Param("min", "int", _l("From"), required=False),
             Param("max", "int", _l("To"), required=False)),
        make("core.purchase_purpose", _l("Purpose of purchase contains"), _purpose,
             Param("text", "text", _l("Text"))),
        make("core.created", _l("Customer since"), _created, Param("after", "date", _l("From"), required=False),
             Param("before", "date", _l("To"), required=False)),
        make("core.contacted_within", _l("Contacted in the last days"), _contacted_within,
             Param("days", "int", _l("Days"))),
        make("core.not_contacted_within", _l("Not contacted in the last days"), _not_contacted_within,
             Param("days", "int", _l("Days"))),
    ]


# -- everything available now -------------------------------------------------------------------


def _from_hook(plugin: str, item: dict) -> Criterion:
    params = tuple(
        Param(p["name"], p.get("type", "text"), p.get("label", p["name"]), p.get("required", True),
              tuple(tuple(c) for c in p.get("choices", ())))
        for p in item.get("params", ())
    )
    for p in params:
        if p.type not in PARAM_TYPES:
            raise ValueError(f"criterion {item['key']}: unknown parameter type {p.type!r}")
    return Criterion(item["key"], item["label"], plugin, item["compile"], params, item.get("weight", 100),
                     item.get("group"))


def available_criteria() -> dict[str, Criterion]:
    """Every criterion usable now: the core's and those of enabled plugins, by key."""
    registry = current_app.extensions["rapport"].plugins
    found = {c.key: c for c in core_criteria()}
    for plugin, items in registry.call("segment_criteria"):
        for item in items or ():
            criterion = _from_hook(plugin, item)
            found.setdefault(criterion.key, criterion)
    return dict(sorted(found.items(), key=lambda kv: (kv[1].plugin != "core", kv[1].weight, kv[1].plugin, kv[0])))
