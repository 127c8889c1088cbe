"""Staff write an email or SMS to a customer: free text or a template, preview, send."""
from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.customers.models import Customer
from core.db import db
from core.messaging.models import CHANNELS, EMAIL, MessageTemplate
from core.messaging.outbox import MessageInputError, consent_problem, queue_message, recipients_of
from core.messaging.forms import ComposeForm
from core.messaging.sms import count_segments
from core.messaging.templates import TemplateError, render_message
from core.messaging.views import bp
from core.security import check_permission, ensure_visible, requires
from core.web.choices import select_choices

TEMPLATES_OFFERED = 200


def _templates(channel: str):
    return db.session.execute(
        sa.select(MessageTemplate).where(MessageTemplate.channel == channel)
        .order_by(MessageTemplate.name, MessageTemplate.id).limit(TEMPLATES_OFFERED)
    ).scalars().all()


@bp.route("/customers/<int:customer_id>/new", methods=["GET", "POST"])
@requires("messages.send")
def compose(customer_id: int):
    check_permission("customers.view")
    customer = ensure_visible(db.session.get(Customer, customer_id))
    channel = request.values.get("channel") if request.values.get("channel") in CHANNELS else EMAIL
    form = ComposeForm()
    form.channel.data = channel
    form.to.choices = select_choices((r, r) for r in recipients_of(customer, channel))
    template_key = request.args.get("template") or ""
    preview = None
    status = 200
    if request.method == "GET" and template_key:
        try:
            rendered = render_message(template_key, customer)
            form.subject.data, form.body.data = rendered.subject, rendered.text
            flash(_("Filled in from the template; check the text before sending."), "info")
        except TemplateError as exc:
            flash(str(exc), "error")
    if request.method == "POST" and form.validate():
        if request.form.get("action") == "send":
            try:
                queue_message(channel=channel, customer=customer, to=form.to.data, subject=form.subject.data or "",
                              body=form.body.data or "", user_id=current_user.id)
                db.session.commit()
            except MessageInputError as exc:
                db.session.rollback()
                for field, messages in exc.errors.items():
                    target = getattr(form, field, None)
                    if target is not None and field in form._fields:
                        target.errors = list(target.errors or []) + messages
                    else:
                        form.form_errors.extend(messages)
            else:
                flash(_("The message was queued and will be sent shortly."), "success")
                return redirect(url_for("customers.detail", customer_id=customer.id))
        else:
            preview = {"segments": count_segments(form.body.data or "") if channel == "sms" else None}
    if request.method == "POST" and (form.errors or form.form_errors):
        status = 422
    return render_template(
        "messages/compose.html", customer=customer, form=form, channel=channel, preview=preview,
        templates=_templates(channel), template_key=template_key,
        consent_problem=consent_problem(customer, channel, "personal"),
        segments=count_segments(form.body.data or "") if channel == "sms" else None,
    ), status
