"""Complaints in the customer portal (``/portal/complaints/…``): the customer files a
complaint (about one of their orders or pieces of equipment, as the ``complaint_subjects``
hook offers them), follows its state, reads and writes messages, and rates it once closed.

Every query starts from ``core.portal.scoped_to()``: another customer's complaint answers
404. What staff keep for themselves is never shown: team, assignee, severity, SLA
deadlines, escalations, root cause and corrective action. The resolution and any
compensation are the customer's business and are shown once resolved.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from core.db import db, parse_id
from core.l10n import local_today
from core.portal import current_portal, portal_login_required, scoped_to, staff_language
from core.web.pagination import BadCursor, keyset_page
from plugins.complaints import history
from plugins.complaints.defaults import display_name
from plugins.complaints.forms import RatingForm
from plugins.complaints.models import CLOSED, OPEN_STATES, RESOLVED, Category, Complaint, ComplaintMessage
from plugins.complaints.workflow import (
    TEXT_MAX, TITLE_MAX, ComplaintInputError, create_complaint, subject_for, subjects_for,
)
from core.web.choices import select_choices

bp = Blueprint("complaints_portal", __name__, template_folder="templates")

PAGE = 20
MESSAGES = 100  # the newest messages shown on a complaint's page


class PortalComplaintForm(FlaskForm):
    title = StringField(_l("Subject"), validators=[DataRequired(), Length(max=TITLE_MAX)])
    about_ref = SelectField(_l("About"), coerce=str, validate_choice=False,
                            description=_l("One of your orders or pieces of equipment, if it is about one."))
    category_id = SelectField(_l("Kind of problem"), coerce=str, validate_choice=False)
    description = TextAreaField(_l("What happened"), validators=[DataRequired(), Length(max=TEXT_MAX)],
                                render_kw={"rows": 6})


class PortalReplyForm(FlaskForm):
    body = TextAreaField(_l("Your message"), validators=[DataRequired(), Length(max=TEXT_MAX)],
                         render_kw={"rows": 4})


def _choices(form: PortalComplaintForm, customer, chosen: str | None = None) -> None:
    """The newest 50 subjects, and ``chosen`` (from a "Complain about this" link, or sent) if
    it is an older one of theirs."""
    subjects = subjects_for(customer)
    if chosen and chosen not in {s["ref"] for s in subjects}:
        subjects += [s for s in [subject_for(customer, chosen)] if s]
    form.about_ref.choices = select_choices([("", _("Nothing in particular"))] + [(s["ref"], str(s["label"])) for s in subjects])
    categories = db.session.execute(sa.select(Category).where(Category.active.is_(True))
                                    .order_by(Category.position, Category.id)).scalars()
    form.category_id.choices = select_choices([("", _("I don't know"))] + [(str(c.id), display_name(c)) for c in categories])


def record_actions(portal, ref: str) -> list:
    """The "Complain about this" link for a record the customer may complain about: one that
    ``complaint_subjects`` offers them (a confirmed order, their equipment), so the form
    opens with it chosen. Nothing for a quotation or someone else's record."""
    from core.contrib import PortalAction

    if subject_for(portal.customer, ref) is None:  # that one record asked for, however old
        return []
    return [PortalAction(_l("Complain about this"), "complaints_portal.new", url_values=(("about", ref),),
                         weight=50)]


@bp.get("/")
@portal_login_required
def index():
    try:
        page = keyset_page(db.session, scoped_to().select(Complaint), [Complaint.id],
                           cursor=request.args.get("cursor"), limit=PAGE, descending=True)
    except BadCursor:
        abort(404)
    return render_template("complaints/portal_list.html", page=page)


@bp.route("/new", methods=["GET", "POST"])
@portal_login_required
def new():
    customer = current_portal.customer
    form = PortalComplaintForm()
    _choices(form, customer, request.args.get("about") if request.method == "GET" else form.about_ref.data)
    if request.method == "GET" and request.args.get("about"):
        form.about_ref.data = request.args["about"]  # "complain about this order" links
    if form.validate_on_submit():
        try:
            complaint = file_complaint(customer, form)
            db.session.commit()
        except ComplaintInputError as exc:
            db.session.rollback()
            for name, messages in exc.errors.items():
                target = getattr(form, name, None) or form.description
                target.errors = list(target.errors) + [str(m) for m in messages]
            return render_template("complaints/portal_form.html", form=form), 422
        flash(_("Your complaint %(ref)s was sent. We will answer you soon.", ref=complaint.reference), "success")
        return redirect(url_for("complaints_portal.detail", complaint_id=complaint.id))
    status = 422 if request.method == "POST" else 200
    return render_template("complaints/portal_form.html", form=form), status


def file_complaint(customer, form: PortalComplaintForm) -> Complaint:
    """A complaint from the portal: the same rules as staff's (create_complaint), on the
    portal channel; the acknowledgement goes out by mail as for any other complaint."""
    return create_complaint({"customer_id": customer.id, "title": form.title.data,
                             "description": form.description.data, "about_ref": form.about_ref.data or None,
                             "category_id": parse_id(form.category_id.data) if form.category_id.data else None},
                            channel="portal")


def _messages(complaint: Complaint) -> list[ComplaintMessage]:
    rows = db.session.execute(sa.select(ComplaintMessage).where(ComplaintMessage.complaint_id == complaint.id)
                              .order_by(ComplaintMessage.id.desc()).limit(MESSAGES)).scalars().all()
    return rows[::-1]


def _detail_page(complaint: Complaint, *, reply_form=None, rating_form=None, status=200):
    rateable = complaint.state == CLOSED and complaint.rating is None
    return render_template(
        "complaints/portal_detail.html", complaint=complaint, messages=_messages(complaint),
        reply_form=reply_form or PortalReplyForm(formdata=None),
        rating_form=(rating_form or RatingForm(formdata=None)) if rateable else None,
        is_open=complaint.state in OPEN_STATES, resolved=complaint.state in (RESOLVED, CLOSED)), status


@bp.get("/<int:complaint_id>")
@portal_login_required
def detail(complaint_id: int):
    return _detail_page(scoped_to().get(Complaint, complaint_id))


@bp.post("/<int:complaint_id>/reply")
@portal_login_required
def reply(complaint_id: int):
    complaint = scoped_to().get(Complaint, complaint_id)
    form = PortalReplyForm()
    if not form.validate_on_submit():
        return _detail_page(complaint, reply_form=form, status=422)
    add_customer_message(complaint, form.body.data)
    db.session.commit()
    flash(_("Your message was sent."), "success")
    return redirect(url_for("complaints_portal.detail", complaint_id=complaint.id) + "#messages")


def add_customer_message(complaint: Complaint, body: str) -> ComplaintMessage:
    """The customer's message, beside the mails on the complaint's page; on the timeline
    (portal channel) and, when someone handles the complaint, a follow-up for them today."""
    from core.history.service import schedule_activity

    body = body.strip()
    row = ComplaintMessage(complaint_id=complaint.id, direction="in", body=body)
    db.session.add(row)
    history.log(complaint, "customer_replied", channel="portal", direction="inbound")  # a stored text
    with staff_language():  # a follow-up's summary is plain text, for staff
        if complaint.assignee_id is not None:
            schedule_activity(complaint.customer_id,
                              summary=_("Answer the customer's message on complaint %(ref)s", ref=complaint.reference),
                              due_date=local_today(), assignee_id=complaint.assignee_id, source="complaints",
                              ref=f"complaint:{complaint.id}", permission="complaints.view")
    return row


@bp.post("/<int:complaint_id>/rate")
@portal_login_required
def rate(complaint_id: int):
    from plugins.complaints.satisfaction import store_rating

    complaint = scoped_to().get(Complaint, complaint_id)
    if complaint.state != CLOSED:
        abort(404)
    form = RatingForm()
    if complaint.rating is not None:
        flash(_("You have already rated this complaint."), "info")
        return redirect(url_for("complaints_portal.detail", complaint_id=complaint.id))
    if not form.validate_on_submit():
        return _detail_page(complaint, rating_form=form, status=422)
    store_rating(complaint, form.rating.data, (form.comment.data or "").strip(), source="portal")
    db.session.commit()
    flash(_("Thank you: your rating is recorded."), "success")
    return redirect(url_for("complaints_portal.detail", complaint_id=complaint.id))


# -- contributions to the portal (called from plugins/complaints/__init__.py) ------------------------


def menu_items():
    from core.contrib import PortalMenuItem

    return [PortalMenuItem(_l("Complaints"), "complaints_portal.index", weight=60)]


def cards(portal):
    from core.contrib import PortalCard

    def render():
        rows = db.session.execute(scoped_to(portal).select(Complaint).where(Complaint.is_open == sa.true())
                                  .order_by(Complaint.id.desc()).limit(5)).scalars().all()
        return Markup(render_template("complaints/portal_card.html", complaints=rows))

    return [PortalCard(_l("Your complaints"), render, weight=60, url=url_for("complaints_portal.index"))]
