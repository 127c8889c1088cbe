"""Personal templates: one text per language, rendered in a Jinja sandbox.

A template sees exactly two names: ``customer`` (plain data about the addressee, see
:func:`customer_context`) and whatever ``variables`` the caller passes (converted to
plain data first: dicts, lists, strings, numbers, dates). It runs in
``jinja2.sandbox.ImmutableSandboxedEnvironment``, so ``{{ customer.__class__ }}`` and
similar escapes raise instead of reaching Python objects, and nothing can be changed.

The text in the customer's preferred language is used; when the template has none, the
installation's default language, then English, then any text it has. The chosen text is
rendered in that language's conventions (core.l10n): the filters ``number``, ``money``,
``percent``, ``date`` and ``datetime`` write ``{{ total|money("EUR") }}`` or
``{{ due|date }}`` as its reader writes them (Persian digits and the Solar Hijri calendar
for a Persian text), in the business time zone.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import jinja2
import jinja2.meta
import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from core.db import db
from core.l10n.context import addressee_conventions
from core.messaging.models import CHANNELS, MessageTemplate, MessageTemplateText

OUTPUT_MAX = 200_000
VARIABLE_DEPTH_MAX = 6


class TemplateError(ValueError):
    """The template cannot be rendered; the message says why (shown to the user)."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str  # "" when the template has no HTML of its own (derived from text when sent)
    language: str
    template_key: str


class PreviewUndefined(jinja2.ChainableUndefined, jinja2.DebugUndefined):
    """In previews a missing variable shows as ``{{ name }}``, also behind a dot."""


def _l10n_filters() -> dict:
    """Numbers and dates in the conventions of the text being rendered (see render_message)."""
    from core import l10n

    return {
        "number": lambda v, places=None: l10n.format_number(v, places) if v not in (None, "") else "",
        "money": lambda v, currency=None: l10n.format_money(v, currency) if v not in (None, "") else "",
        "percent": lambda v: l10n.format_percent(v),
        "date": lambda v: l10n.format_date(v) if v else "",
        "datetime": lambda v: l10n.format_datetime(v) if v else "",
    }


def _environment(autoescape: bool, preview: bool) -> ImmutableSandboxedEnvironment:
    undefined = PreviewUndefined if preview else jinja2.StrictUndefined
    env = ImmutableSandboxedEnvironment(undefined=undefined, autoescape=autoescape, keep_trailing_newline=True)
    env.filters.update(_l10n_filters())
    return env


_ENVIRONMENTS = {(a, p): _environment(a, p) for a in (False, True) for p in (False, True)}


@functools.lru_cache(maxsize=512)
def _compile(source: str, autoescape: bool, preview: bool):
    return _ENVIRONMENTS[(autoescape, preview)].from_string(source)


@functools.lru_cache(maxsize=512)
def _names_in(source: str) -> frozenset[str]:
    return frozenset(jinja2.meta.find_undeclared_variables(_ENVIRONMENTS[(False, False)].parse(source)))


def names_used(text: MessageTemplateText) -> frozenset[str]:
    """The names (``customer``, a variable) a template text reads. A text that reads neither
    ``customer`` nor a per-recipient variable renders the same for every customer of its
    language, so a campaign renders it once (plugins.marketing.sending)."""
    return frozenset().union(*(_names_in(s) for s in (text.subject, text.body, text.html) if s))


def check_syntax(source: str) -> str | None:
    """``None`` when ``source`` parses, else the error for the form."""
    try:
        _compile(source, False, False)
    except jinja2.TemplateSyntaxError as exc:
        return _("Line %(line)d: %(error)s", line=exc.lineno or 0, error=exc.message or str(exc))
    return None


def customer_context(customer) -> dict:
    """What ``{{ customer.… }}`` offers: plain values only, never the ORM object."""
    if customer is None:
        return {}
    name = customer.name or ""
    return {
        "id": customer.id,
        "name": name,
        "first_name": name.split()[0] if customer.kind == "person" and name.split() else name,
        "email": customer.primary_email or "",
        "phone": customer.primary_phone or "",
        "company": customer.company.name if customer.company else "",
        "language": customer.preferred_language or "",
    }


def plain_variables(value, depth: int = 0):
    """``value`` as plain data (what a template may see), or :class:`TemplateError`."""
    if depth > VARIABLE_DEPTH_MAX:
        raise TemplateError(_("The variables are nested too deeply."))
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (Decimal, date, datetime)):
        return str(value) if isinstance(value, Decimal) else value
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TemplateError(_("Variable names must be text."))
            out[key] = plain_variables(item, depth + 1)
        return out
    if isinstance(value, (list, tuple)):
        return [plain_variables(v, depth + 1) for v in value]
    raise TemplateError(_("A variable of type %(type)s cannot be used in a template.", type=type(value).__name__))


def get_template(key_or_template) -> MessageTemplate:
    if isinstance(key_or_template, MessageTemplate):
        return key_or_template
    template = db.session.execute(sa.select(MessageTemplate).where(MessageTemplate.key == key_or_template)).scalar()
    if template is None:
        raise TemplateError(_("There is no template “%(key)s”.", key=key_or_template))
    return template


def choose_text(template: MessageTemplate, language: str | None) -> MessageTemplateText | None:
    """The text in ``language``, else the default language, else English, else any."""
    default = current_app.config.get("BABEL_DEFAULT_LOCALE", "en")
    for candidate in (language, default, "en"):
        found = template.text_for(candidate) if candidate else None
        if found is not None:
            return found
    return template.texts[0] if template.texts else None


def render_source(source: str, context: dict, *, html: bool = False, preview: bool = False) -> str:
    """Render one template string in the sandbox; any failure becomes a TemplateError."""
    if not source:
        return ""
    try:
        out = _compile(source, html, preview).render(context)
    except SecurityError as exc:
        raise TemplateError(_("The template tried to reach something it may not: %(error)s", error=str(exc))) from exc
    except jinja2.UndefinedError as exc:
        raise TemplateError(_("The template uses something it was not given: %(error)s", error=str(exc))) from exc
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(_("Line %(line)d: %(error)s", line=exc.lineno or 0, error=exc.message or str(exc))) from exc
    except Exception as exc:  # noqa: BLE001 - a template must never take the caller down
        raise TemplateError(_("The template could not be rendered: %(error)s", error=str(exc))) from exc
    if len(out) > OUTPUT_MAX:
        raise TemplateError(_("The rendered text is longer than %(n)d characters.", n=OUTPUT_MAX))
    return out


def render_message(template, customer=None, variables: dict | None = None, *, language: str | None = None,
                   preview: bool = False) -> Rendered:
    """Render ``template`` (a key or a :class:`MessageTemplate`) for ``customer``.

    ``language`` overrides the customer's preferred language. ``preview=True`` shows
    missing variables as ``{{ name }}`` instead of failing (the template page uses it).
    """
    template = get_template(template)
    wanted = language or (customer.preferred_language if customer is not None else None)
    text = choose_text(template, wanted)
    if text is None:
        raise TemplateError(_("The template “%(key)s” has no text yet.", key=template.key))
    context = {**plain_variables(variables or {}), "customer": customer_context(customer)}  # a variable may not
    # pose as the customer: theirs comes last
    # Numbers and dates as the text's reader writes them, not as the staff member sending it.
    with addressee_conventions(text.language):
        subject = render_source(text.subject, context, preview=preview).strip()
        body = render_source(text.body, context, preview=preview)
        html = render_source(text.html, context, html=True, preview=preview)
    return Rendered(subject=" ".join(subject.split()), text=body, html=html, language=text.language,
                    template_key=template.key)


def ensure_template(key: str, *, name: str, channel: str = "email", texts: dict[str, dict], description: str = "",
                    sample_variables: dict | None = None, source: str = "core") -> MessageTemplate:
    """Create template ``key`` with ``texts`` (``{"en": {"subject", "body", "html"}, ...}``)
    unless it exists; an existing one is left alone (staff may have edited it).
    Plugins call it when enabled (``plugin_enabled``); the caller commits."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    template = db.session.execute(sa.select(MessageTemplate).where(MessageTemplate.key == key)).scalar()
    if template is not None:
        return template
    template = MessageTemplate(key=key, name=name, channel=channel, description=description,
                               sample_variables=sample_variables or {}, source=source)
    for language, parts in texts.items():
        for part in ("subject", "body", "html"):
            error = check_syntax(parts.get(part) or "")
            if error:
                raise ValueError(f"template {key} ({language}, {part}): {error}")
        template.texts.append(MessageTemplateText(language=language, subject=parts.get("subject", ""),
                                                  body=parts.get("body", ""), html=parts.get("html", "")))
    db.session.add(template)
    db.session.flush()
    return template
