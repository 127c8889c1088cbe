"""Received mail: one message (sanitised), its attachments as downloads, and the
Unmatched mail page where staff assign a message to a customer or create one from it.

A mail that belongs to a customer is shown to whoever may see that customer; an
unmatched one to holders of ``messages.inbound``. Everything else is a 404.
"""
from __future__ import annotations

import os

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from core.customers.models import Customer
from core.customers.service import CustomerInputError
from core.db import db
from core.messaging.inbound import AlreadyAssigned, assign_mail, customer_from_mail, stored_path
from core.messaging.models import InboundAttachment, InboundMail
from core.messaging.parse import sanitise_html
from core.messaging.views import bp, find_customers
from core.security import login_required, requires, user_can, visible
from core.web.pagination import BadCursor, keyset_page

def _visible_mail(mail_id: int) -> InboundMail:
    mail = db.session.get(InboundMail, mail_id)
    if mail is None:
        abort(404)
    if mail.customer_id is None:
        if not user_can("messages.inbound"):
            abort(404)
    elif not (user_can("customers.view") and visible(mail.customer)):
        abort(404)
    return mail


@bp.get("/unmatched")
@requires("messages.inbound")
def unmatched():
    stmt = sa.select(InboundMail).where(InboundMail.customer_id.is_(None))
    try:
        page = keyset_page(db.session, stmt, [InboundMail.id], cursor=request.args.get("cursor"),
                           limit=current_app.config["PAGE_SIZE"], descending=True)
    except BadCursor:
        abort(400)
    return render_template("messages/unmatched.html", page=page)


@bp.get("/mail/<int:mail_id>")
@login_required
def mail(mail_id: int):
    mail = _visible_mail(mail_id)
    q = (request.args.get("q") or "").strip()[:200]
    candidates = find_customers(q) if mail.customer_id is None else []
    html = Markup(sanitise_html(mail.html_body)) if mail.html_body else None
    return render_template("messages/mail.html", mail=mail, html=html, candidates=candidates, q=q,
                           actions=_mail_actions(mail))


def _mail_actions(mail: InboundMail) -> list:
    """What plugins offer for an unmatched mail (``unmatched_mail_actions``), as the user may."""
    if mail.customer_id is not None or not user_can("messages.inbound"):
        return []
    registry = current_app.extensions["rapport"].plugins
    return [a for a in registry.contributions("unmatched_mail_actions", mail=mail, user=current_user)
            if a.permission is None or user_can(a.permission)]


@bp.post("/mail/<int:mail_id>/assign")
@requires("messages.inbound")
def assign(mail_id: int):
    mail = _visible_mail(mail_id)
    customer = db.session.get(Customer, request.form.get("customer_id", type=int) or 0)
    if customer is None or not user_can("customers.view") or not visible(customer):
        abort(404)
    try:
        assign_mail(mail, customer, current_user.id)
        db.session.commit()
    except AlreadyAssigned:
        db.session.rollback()
        flash(_("Someone else has assigned this mail meanwhile."), "error")
        return redirect(url_for("messages.unmatched"))
    flash(_("The mail is now in the history of “%(name)s”.", name=customer.name), "success")
    return redirect(url_for("customers.detail", customer_id=customer.id))


@bp.post("/mail/<int:mail_id>/new-customer")
@requires("messages.inbound")
def new_customer(mail_id: int):
    mail = _visible_mail(mail_id)
    if not user_can("customers.edit"):
        abort(403)
    try:
        customer = customer_from_mail(mail, current_user.id)
        db.session.commit()
    except AlreadyAssigned:
        db.session.rollback()
        flash(_("Someone else has assigned this mail meanwhile."), "error")
        return redirect(url_for("messages.unmatched"))
    except CustomerInputError as exc:
        db.session.rollback()
        flash(_("No customer could be made from this sender: %(why)s", why=str(exc)), "error")
        return redirect(url_for("messages.mail", mail_id=mail_id))
    flash(_("Customer “%(name)s” created; the mail is in their history.", name=customer.name), "success")
    return redirect(url_for("customers.detail", customer_id=customer.id))


@bp.get("/attachments/<int:attachment_id>")
@login_required
def attachment(attachment_id: int):
    """Always a download (never shown inline: the content is the sender's, not ours)."""
    part = db.session.get(InboundAttachment, attachment_id)
    if part is None:
        abort(404)
    _visible_mail(part.mail_id)
    path = stored_path("attachments", part.sha256) if part.stored else None
    if path is None or not os.path.exists(path):
        abort(404)
    return send_file(path, mimetype="application/octet-stream", as_attachment=True,
                     download_name=part.filename or "attachment", max_age=0)
