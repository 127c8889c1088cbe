"""A complaint from a mail no customer matched (*Messages › Unmatched mail*).

Mail to the intake address opens a complaint by itself only when the sender is a known
customer. Otherwise the mail waits on the core's Unmatched mail page, where complaints
offers *Open a complaint* (hook ``unmatched_mail_actions``): staff choose an existing
customer or create one from the sender, and in one transaction the mail is assigned to
that customer (the core's ``assign_mail`` / ``customer_from_mail``, a conditional update:
two people doing it at once → one wins) and the complaint opened from it, acknowledgement
included, exactly as if the mail had been matched on arrival.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.customers.models import Customer
from core.customers.service import CustomerInputError
from core.db import db
from core.messaging.inbound import AlreadyAssigned, assign_mail, customer_from_mail
from core.messaging.models import InboundMail
from core.security import requires, user_can
from core.security import visible as customer_visible
from plugins.complaints.access import VIEW
from plugins.complaints.forms import FromMailForm
from plugins.complaints.mail import open_from_mail
from plugins.complaints.views import _choices, _form_errors, _id, _team_choices, bp
from plugins.complaints.models import Category, Severity
from plugins.complaints.workflow import ComplaintInputError
from core.web.choices import select_choices

NEW, EXISTING = "new", "existing"


def mail_actions(mail: InboundMail) -> list:
    """``unmatched_mail_actions``: *Open a complaint* for a real mail (not a delivery report)."""
    from core.contrib import MailAction
    from flask_babel import lazy_gettext as _l

    if mail.customer_id is not None or mail.is_bounce:
        return []
    return [MailAction(_l("Open a complaint"), url_for("complaints.from_mail", mail_id=mail.id), permission=VIEW,
                       weight=50)]


def _unmatched(mail_id: int) -> InboundMail:
    """The unmatched mail, for a user who may read unmatched mail (the core's rule: else 404)."""
    if not user_can("messages.inbound"):
        abort(404)
    mail = db.session.get(InboundMail, mail_id)
    if mail is None or mail.customer_id is not None or mail.is_bounce:
        abort(404)
    return mail


def _fill(form: FromMailForm, mail: InboundMail) -> None:
    sender = " ".join(p for p in (mail.from_name, f"<{mail.from_address}>" if mail.from_address else "") if p)
    who = [(EXISTING, _("An existing customer"))]
    if user_can("customers.edit") and mail.from_address:
        who.insert(0, (NEW, _("A new customer: %(sender)s", sender=sender)))
    form.who.choices = select_choices(who)
    form.category_id.choices = select_choices(_choices(Category, blank=_("Not classified"),
                                                       order=(Category.position, Category.id)))
    form.severity_id.choices = select_choices(_choices(Severity, order=(Severity.rank,)))
    form.team_id.choices = select_choices(_team_choices(_("Shared queue")))


@bp.route("/from-mail/<int:mail_id>", methods=["GET", "POST"])
@requires(VIEW)
def from_mail(mail_id: int):
    mail = _unmatched(mail_id)
    form = FromMailForm()
    _fill(form, mail)
    if request.method == "GET":
        form.title.data = " ".join((mail.subject or "").split())[:200]
        form.who.data = form.who.choices[0].value
    elif form.validate_on_submit():
        try:
            customer = _customer_for(form, mail)
            if customer is not None:
                complaint = open_from_mail(
                    {"id": mail.id, "subject": mail.subject, "text": mail.text_body}, customer.id, user=current_user,
                    title=form.title.data, category_id=_id(form.category_id.data),
                    severity_id=_id(form.severity_id.data), team_id=_id(form.team_id.data))
                db.session.commit()
                flash(_("Complaint %(ref)s opened for “%(name)s”; the mail is in their history.",
                        ref=complaint.reference, name=customer.name), "success")
                return redirect(url_for("complaints.detail", complaint_id=complaint.id))
        except AlreadyAssigned:
            db.session.rollback()
            flash(_("Someone else has assigned this mail meanwhile."), "error")
            return redirect(url_for("messages.unmatched"))
        except CustomerInputError as exc:
            db.session.rollback()
            form.who.errors = [_("No customer could be made from this sender: %(why)s", why=str(exc))]
        except ComplaintInputError as exc:
            db.session.rollback()
            _form_errors(form, exc)
    status = 422 if request.method == "POST" else 200
    return render_template("complaints/from_mail.html", form=form, mail=mail), status


def _customer_for(form: FromMailForm, mail: InboundMail) -> Customer | None:
    """The customer the mail now belongs to (assigned in this transaction), or None with the
    form's error set."""
    if form.who.data == NEW and any(choice.value == NEW for choice in form.who.choices):
        return customer_from_mail(mail, current_user.id)
    if form.who.data != EXISTING:
        form.who.errors = [_("Not one of the choices.")]
        return None
    customer_id = _id(form.customer_id.data)
    customer = db.session.get(Customer, customer_id) if customer_id and customer_id > 0 else None
    if customer is None or not user_can("customers.view") or not customer_visible(customer):
        form.customer_id.errors = [_("Choose the customer.")]
        return None
    assign_mail(mail, customer, current_user.id)
    return customer
