"""Message templates: list, edit (one text per language), preview against a real customer."""
from __future__ import annotations

import json

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from core.config import LANGUAGES
from core.customers.models import Customer
from core.db import db
from core.messaging.forms import TemplateForm
from core.messaging.models import MessageTemplate, MessageTemplateText
from core.messaging.parse import sanitise_html
from core.messaging.sms import count_segments
from core.messaging.templates import TemplateError, render_message
from core.messaging.views import bp, find_customers
from core.security import requires, user_can, visible
from core.web.pagination import BadCursor, keyset_page

@bp.get("/templates")
@requires("messages.templates")
def templates():
    try:
        page = keyset_page(db.session, sa.select(MessageTemplate), [MessageTemplate.key, MessageTemplate.id],
                           cursor=request.args.get("cursor"), limit=current_app.config["PAGE_SIZE"])
    except BadCursor:
        abort(400)
    return render_template("messages/templates.html", page=page)


def _fill(form: TemplateForm, template: MessageTemplate) -> None:
    form.key.data, form.name.data, form.channel.data = template.key, template.name, template.channel
    form.description.data = template.description
    form.sample_variables.data = json.dumps(template.sample_variables or {}, ensure_ascii=False, indent=1) \
        if template.sample_variables else ""
    for text in template.texts:
        if text.language in LANGUAGES:
            form[f"subject_{text.language}"].data = text.subject
            form[f"body_{text.language}"].data = text.body
            form[f"html_{text.language}"].data = text.html


def _save(form: TemplateForm, template: MessageTemplate | None) -> MessageTemplate | None:
    if not form.validate():
        return None
    clash = db.session.execute(sa.select(MessageTemplate.id).where(MessageTemplate.key == form.key.data)).scalar()
    if clash is not None and (template is None or clash != template.id):
        form.key.errors = list(form.key.errors) + [_("Another template has this key.")]
        return None
    texts = {code: (form[f"subject_{code}"].data or "", form[f"body_{code}"].data or "",
                    form[f"html_{code}"].data or "") for code in LANGUAGES}
    texts = {code: parts for code, parts in texts.items() if any(p.strip() for p in parts)}
    if not texts:
        form.form_errors.append(_("Write the text in at least one language."))
        return None
    if template is None:
        template = MessageTemplate(key=form.key.data, name="", channel="email")
        db.session.add(template)
    template.key, template.name, template.channel = form.key.data, form.name.data.strip(), form.channel.data
    template.description = form.description.data or ""
    template.sample_variables = getattr(form.sample_variables, "parsed", None) or {}
    by_language = {t.language: t for t in template.texts}
    for code in LANGUAGES:
        if code in texts:
            row = by_language.get(code) or MessageTemplateText(language=code)
            row.subject, row.body, row.html = texts[code]
            if code not in by_language:
                template.texts.append(row)
        elif code in by_language:
            template.texts.remove(by_language[code])
    db.session.commit()
    return template


@bp.route("/templates/new", methods=["GET", "POST"])
@bp.route("/templates/<int:template_id>", methods=["GET", "POST"])
@requires("messages.templates")
def template_edit(template_id: int | None = None):
    template = db.session.get(MessageTemplate, template_id) if template_id else None
    if template_id and template is None:
        abort(404)
    form = TemplateForm()
    if request.method == "GET" and template is not None:
        _fill(form, template)
    if request.method == "POST":
        saved = _save(form, template)
        if saved is not None:
            flash(_("Template saved."), "success")
            return redirect(url_for("messages.template_preview", template_id=saved.id))
        db.session.rollback()
    status = 422 if request.method == "POST" else 200
    return render_template("messages/template_form.html", form=form, template=template), status


@bp.post("/templates/<int:template_id>/delete")
@requires("messages.templates")
def template_delete(template_id: int):
    template = db.session.get(MessageTemplate, template_id) or abort(404)
    name = template.name
    db.session.delete(template)
    db.session.commit()
    flash(_("Template “%(name)s” deleted.", name=name), "success")
    return redirect(url_for("messages.templates"))


@bp.get("/templates/<int:template_id>/preview")
@requires("messages.templates")
def template_preview(template_id: int):
    """Render the template for a customer the user picks (searched by name, email, phone)."""
    template = db.session.get(MessageTemplate, template_id) or abort(404)
    q = (request.args.get("q") or "").strip()[:200]
    language = request.args.get("language") if request.args.get("language") in LANGUAGES else None
    candidates = find_customers(q)
    customer = None
    customer_id = request.args.get("customer", type=int)
    if customer_id and user_can("customers.view"):
        customer = db.session.get(Customer, customer_id)
        if customer is not None and not visible(customer):
            customer = None
    rendered, error = None, None
    try:
        rendered = render_message(template, customer, template.sample_variables or {}, language=language,
                                  preview=True)
    except TemplateError as exc:
        error = str(exc)
    html = Markup(sanitise_html(rendered.html)) if rendered and rendered.html else None
    segments = count_segments(rendered.text) if rendered and template.channel == "sms" else None
    return render_template("messages/template_preview.html", template=template, customer=customer,
                           candidates=candidates, q=q, language=language, rendered=rendered, error=error, html=html,
                           segments=segments)
