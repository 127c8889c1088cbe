"""Customer pages: list and search, the 360 page, forms, duplicates, merge, delete, erase.

Lists are keyset-paged on indexed columns and load related rows for the shown
page only (the list: :mod:`core.customers.listing`, two statements per page), so
they cost the same at a hundred or a million customers. Every change goes through :mod:`core.customers.service` or
:mod:`core.history.service`; events fire after the commit.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_login import current_user
from sqlalchemy.orm import selectinload

from core.auth.models import User
from core.customers.forms import (
    CHANNEL_LABELS,
    GENDER_LABELS,
    INCOME_LABELS,
    KIND_LABELS,
    PAYMENT_LABELS,
    PRIORITY_LABELS,
    SOURCE_LABELS,
    CustomerForm,
)
from core.customers import listing, related
from core.customers.deletion import CustomerInUse, delete_customer, erase_customer
from core.customers.models import (
    COMPANY,
    PERSON,
    Customer,
    CustomerEmail,
    CustomerPhone,
    Tag,
    customer_tags,
)
from core.customers.service import (
    CustomerInputError,
    create_customer,
    find_duplicates,
    merge_customers,
    update_customer,
    validate_customer_data,
)
from core.db import db, parse_id
from core.history.forms import CHANNEL_LABELS as INTERACTION_CHANNEL_LABELS
from core.history.forms import DIRECTION_LABELS, ActivityForm, InteractionForm
from core.history.guards import visible_clause
from core.history.models import CHANNELS, Activity, Interaction
from core.l10n import local_today
from core.history.service import HistoryInputError, log_interaction, schedule_activity
from core.security import check_permission, ensure_visible, requires, scoped
from core.customers.search import sort_key, where_matches
from core.text import fold
from core.web.pagination import BadCursor, cursor_of, keyset_page
from core.web.picker import PickerField
from core.web.versions import saved_values

bp = Blueprint("customers", __name__, url_prefix="/customers")

QUERY_MAX = 200
PEOPLE_SHOWN = 50
OPEN_ACTIVITIES_SHOWN = 50
DONE_ACTIVITIES_SHOWN = 10
DUPLICATES_SHOWN = 10
TIMELINE_SHOWN = 20  # a page of the timeline keeps the customer page to about two screens


def _page_size() -> int:
    return current_app.config["PAGE_SIZE"]


LABELS = {"kind": KIND_LABELS, "gender": GENDER_LABELS, "income": INCOME_LABELS, "payment": PAYMENT_LABELS,
          "channel": CHANNEL_LABELS, "priority": PRIORITY_LABELS, "source": SOURCE_LABELS,
          "ichannel": INTERACTION_CHANNEL_LABELS, "direction": DIRECTION_LABELS}


@bp.context_processor
def _labels():
    """Display labels for stored codes, for the customer pages."""
    return {"labels": LABELS}


def _get_customer(customer_id: int) -> Customer:
    return ensure_visible(db.session.get(Customer, customer_id))


# -- list ----------------------------------------------------------------------------------


def _filter_values(args) -> dict:
    q = (args.get("q") or "").strip()[:QUERY_MAX]
    return {
        "q": q,
        "kind": args.get("kind") if args.get("kind") in (PERSON, COMPANY) else "",
        "tag": (args.get("tag") or "").strip()[:80],
        "mine": args.get("owner") == "mine",
        "company_id": args.get("company", type=int),
    }


def list_filters(stmt, args, user):
    """Apply the list page's filters (``q``, ``kind``, ``tag``, ``owner=mine``, ``company``) to
    ``stmt``, a select of customers; also used by the export of the list as filtered."""
    f = _filter_values(args)
    folded = fold(f["q"])
    if folded:
        stmt = where_matches(stmt, folded)
    if f["kind"]:
        stmt = stmt.where(Customer.kind == f["kind"])
    if f["tag"]:
        tag_id = sa.select(Tag.id).where(Tag.name == f["tag"]).scalar_subquery()
        stmt = stmt.where(Customer.id.in_(sa.select(customer_tags.c.customer_id).where(customer_tags.c.tag_id == tag_id)))
    if f["mine"] and user is not None:
        stmt = stmt.where(Customer.owner_id == user.id)
    if f["company_id"]:
        stmt = stmt.where(Customer.company_id == f["company_id"])
    return stmt


def _list_statement(args):
    """The filtered (not yet ordered) select for the list page, and the filters it used."""
    f = _filter_values(args)
    stmt = list_filters(scoped(sa.select(Customer), Customer), args, current_user)
    company = db.session.get(Customer, f["company_id"]) if f["company_id"] else None
    filters = {"q": f["q"], "kind": f["kind"], "tag": f["tag"], "mine": f["mine"], "company": company}
    return stmt, filters


@bp.get("/")
@requires("customers.view")
def index():
    stmt, filters = _list_statement(request.args)
    try:
        page = keyset_page(db.session, listing.slim(stmt), [sort_key(fold(filters["q"])), Customer.id],
                           cursor=request.args.get("cursor"), limit=_page_size(), key=lambda c: [c.name_key, c.id],
                           scalars=False)
    except BadCursor:
        abort(400)
    page.items = listing.fill(page.items)
    export_args = {k: v for k, v in request.args.items() if k != "cursor" and v}
    return render_template("customers/index.html", page=page, filters=filters, export_args=export_args)


# -- create / edit -------------------------------------------------------------------------


def _save_form(form: CustomerForm, customer: Customer | None):
    """Validate through the service and save; returns the customer or None (errors on the form)."""
    form_ok = form.validate()
    data, errors = form.to_data()
    try:
        validate_customer_data(data, current=customer)
    except CustomerInputError as exc:
        errors = {**exc.errors, **errors}
    if errors:
        form.attach_errors(errors)
    if errors or not form_ok:
        return None
    if customer is None:
        customer = create_customer(data)
    else:
        update_customer(customer, data)
    db.session.commit()
    return customer


@bp.route("/new", methods=["GET", "POST"])
@requires("customers.edit")
def create():
    form = CustomerForm()
    if request.method == "GET":
        form.kind.data = request.args.get("kind") if request.args.get("kind") in (PERSON, COMPANY) else PERSON
        company_id = request.args.get("company", type=int)
        company = db.session.get(Customer, company_id) if company_id else None
        if company is not None and company.kind == COMPANY:
            form.company.data = str(company.id)
    if request.method == "POST":
        customer = _save_form(form, None)
        if customer is not None:
            flash(_("Customer “%(name)s” created.", name=customer.name), "success")
            return redirect(url_for("customers.detail", customer_id=customer.id))
    status = 422 if request.method == "POST" else 200
    return render_template("customers/form.html", form=form, customer=None, saved=None), status


@bp.route("/<int:customer_id>/edit", methods=["GET", "POST"])
@requires("customers.edit")
def edit(customer_id: int):
    customer = _get_customer(customer_id)
    form = CustomerForm(customer=customer)
    if request.method == "GET":
        form.fill_from(customer)
    elif form.is_stale(customer):
        # Opened on an older version: save nothing, show what is saved now beside the user's input.
        saved = saved_values(form, customer, _form_values(customer))
        form.show_version(customer)
        return render_template("customers/form.html", form=form, customer=customer, saved=saved), 409
    else:
        if _save_form(form, customer) is not None:
            flash(_("Saved."), "success")
            return redirect(url_for("customers.detail", customer_id=customer.id))
        db.session.rollback()
    status = 422 if request.method == "POST" else 200
    return render_template("customers/form.html", form=form, customer=customer, saved=None), status


def _form_values(c: Customer) -> dict:
    """The customer's saved values in the form's own terms, to compare with a stale form."""
    return {
        "kind": c.kind, "name": c.name, "company": str(c.company_id or ""),
        "owner_id": str(c.owner_id or ""), "preferred_language": c.preferred_language or "",
        "preferred_channel": c.preferred_channel or "", "gender": c.gender or "",
        "birth_date": c.birth_date, "income_band": c.income_band or "",
        "payment_method": c.payment_method or "", "purchase_purpose": c.purchase_purpose or "", "notes": c.notes or "",
        "external_ref": c.external_ref or "", "tax_number": c.tax_number or "",
        "emails": "\n".join(e.email for e in c.emails), "phones": "\n".join(p.number for p in c.phones),
        "tags": ", ".join(t.name for t in c.tags),
    }


# -- the 360 page --------------------------------------------------------------------------


def _timeline(customer: Customer, channel: str | None):
    stmt = (sa.select(Interaction).where(Interaction.customer_id == customer.id,
                                         visible_clause(Interaction, current_user))
            .options(selectinload(Interaction.user).lazyload(User.roles)))
    if channel:
        stmt = stmt.where(Interaction.channel == channel)

    try:
        return keyset_page(db.session, stmt, [Interaction.occurred_at, Interaction.id],
                           cursor=request.args.get("cursor"), limit=min(_page_size(), TIMELINE_SHOWN), descending=True,
                           convert=cursor_of("datetime", "id"))
    except (BadCursor, ValueError, TypeError):
        abort(400)


def _panels(customer: Customer) -> list[dict]:
    """Plugin panels the user may see, rendered here so that one which fails is logged
    and replaced by a notice instead of taking the whole customer page down.

    Each becomes a tab: ``{"title", "key", "html", "count"}`` (``html`` is ``None`` when
    the panel failed; ``count`` is the panel's number of open items, or ``None``).
    """
    registry = current_app.extensions["rapport"].plugins
    out = []
    for index, panel in enumerate(registry.contributions("customer_panels", customer=customer, user=current_user)):
        if not current_user.can(panel.permission):
            continue
        key = panel.key or f"panel-{index}"
        try:
            html = panel.render()
            count = panel.count() if panel.count else None
        except Exception:
            current_app.logger.exception("customer panel %r failed for customer %s", str(panel.title), customer.id)
            db.session.rollback()
            html, count = None, None
        out.append({"title": panel.title, "key": key, "html": html, "count": count})
    return out


def _actions(customer: Customer) -> list:
    """The action bar: the core's and every enabled plugin's actions the user may take."""
    registry = current_app.extensions["rapport"].plugins
    return [a for a in registry.contributions("customer_actions", customer=customer, user=current_user)
            if current_user.can(a.permission)]


def company_people(company_id: int):
    """A company's people for its page, in name order: one more than shown, to know whether
    there are more. ``ix_core_customer_company_name`` returns them in this order, so a company
    of ten thousand people costs the same as one of ten."""
    return (sa.select(Customer).where(Customer.company_id == company_id)
            .order_by(Customer.name_key, Customer.id).limit(PEOPLE_SHOWN + 1))


def _render_detail(customer: Customer, interaction_form=None, activity_form=None, status: int = 200):
    """The 360 page; a form passed in (invalid input, 422) is shown opened with its errors."""
    open_form = ("log-interaction" if interaction_form is not None else
                 "schedule-follow-up" if activity_form is not None else None)
    channel = request.args.get("channel") if request.args.get("channel") in CHANNELS else None
    related.preload(customer)  # emails, phones, tags, addresses, needs, consents: one statement, not six
    timeline = _timeline(customer, channel)
    people = []
    if customer.kind == COMPANY:
        people = db.session.execute(company_people(customer.id)).scalars().all()
    open_activities = db.session.execute(
        sa.select(Activity).where(Activity.customer_id == customer.id, Activity.done_at.is_(None),
                                  visible_clause(Activity, current_user))
        .options(selectinload(Activity.assignee).lazyload(User.roles)).order_by(Activity.due_date, Activity.id).limit(OPEN_ACTIVITIES_SHOWN)
    ).scalars().all()
    done_activities = db.session.execute(
        sa.select(Activity).where(Activity.customer_id == customer.id, Activity.done_at.is_not(None),
                                  visible_clause(Activity, current_user))
        .options(selectinload(Activity.assignee).lazyload(User.roles)).order_by(Activity.done_at.desc(), Activity.id.desc())
        .limit(DONE_ACTIVITIES_SHOWN)
    ).scalars().all()
    panels = _panels(customer)
    actions = _actions(customer)
    duplicates = find_duplicates(customer, limit=DUPLICATES_SHOWN) if current_user.can("customers.edit") \
        or current_user.can("customers.merge") else []
    if interaction_form is None and current_user.can("history.log"):
        interaction_form = InteractionForm(formdata=None)
    if activity_form is None and current_user.can("history.log"):
        activity_form = ActivityForm(formdata=None)
        activity_form.assignee_id.data = str(current_user.id)
        activity_form.due_date.data = local_today()
    return render_template(
        "customers/detail.html", customer=customer, timeline=timeline, channel=channel, channels=CHANNELS,
        people=people[:PEOPLE_SHOWN], more_people=len(people) > PEOPLE_SHOWN, open_activities=open_activities,
        done_activities=done_activities, panels=panels, duplicates=duplicates, actions=actions,
        interaction_form=interaction_form, activity_form=activity_form, today=local_today(),
        merge_form=MergePickForm(formdata=None) if current_user.can("customers.merge") else None,
        open_form=open_form,
    ), status


@bp.get("/<int:customer_id>")
@requires("customers.view")
def detail(customer_id: int):
    return _render_detail(_get_customer(customer_id))


@bp.post("/<int:customer_id>/interactions")
@requires("history.log")
def log(customer_id: int):
    check_permission("customers.view")  # logging on a customer one may not see makes no sense
    customer = _get_customer(customer_id)
    form = InteractionForm()
    if form.validate():
        try:
            log_interaction(customer.id, channel=form.channel.data, direction=form.direction.data or None,
                            subject=form.subject.data, body=form.body.data, user_id=current_user.id,
                            occurred_at=form.occurred_at.data)
            db.session.commit()
            flash(_("Interaction logged."), "success")
            return redirect(url_for("customers.detail", customer_id=customer.id) + "#timeline")
        except HistoryInputError as exc:
            db.session.rollback()
            for key, messages in exc.errors.items():
                getattr(form, key).errors = list(getattr(form, key).errors or []) + messages
    return _render_detail(customer, interaction_form=form, status=422)


@bp.post("/<int:customer_id>/activities")
@requires("history.log")
def schedule(customer_id: int):
    check_permission("customers.view")  # logging on a customer one may not see makes no sense
    customer = _get_customer(customer_id)
    form = ActivityForm()
    if form.validate():
        try:
            schedule_activity(customer.id, summary=form.summary.data, due_date=form.due_date.data,
                              assignee_id=int(form.assignee_id.data), notes=form.notes.data or "",
                              created_by_id=current_user.id)
            db.session.commit()
            flash(_("Follow-up scheduled."), "success")
            return redirect(url_for("customers.detail", customer_id=customer.id) + "#tab-activities")
        except HistoryInputError as exc:
            db.session.rollback()
            for key, messages in exc.errors.items():
                getattr(form, key).errors = list(getattr(form, key).errors or []) + messages
    return _render_detail(customer, activity_form=form, status=422)


class MergePickForm(FlaskForm):
    """Choose the customer to merge into this one (the merge page then asks to confirm)."""

    class Meta:
        csrf = False  # a GET that only leads to the confirmation page

    other_id = PickerField(_l("Customer to merge into this one"), kind="customer")


@bp.get("/<int:customer_id>/merge")
@requires("customers.merge")
def merge_pick(customer_id: int):
    customer = _get_customer(customer_id)
    other = parse_id(request.args.get("other_id", ""))
    if other is None or other == customer.id:
        flash(_("Choose another customer to merge into this one."), "error")
        return redirect(url_for("customers.detail", customer_id=customer.id))
    return redirect(url_for("customers.merge", customer_id=customer.id, other_id=other))


# -- delete --------------------------------------------------------------------------------


@bp.post("/<int:customer_id>/delete")
@requires("customers.delete")
def delete(customer_id: int):
    """Delete the customer, unless business records must outlive it (then say which)."""
    customer = _get_customer(customer_id)
    name = customer.name
    try:
        delete_customer(customer)
        db.session.commit()
    except (CustomerInUse, sa.exc.IntegrityError) as exc:
        db.session.rollback()
        what = str(exc) if isinstance(exc, CustomerInUse) else _("other records")
        flash(_("“%(name)s” cannot be deleted: %(what)s still refer to it. Nothing was changed. Merge it into "
                "another customer, or erase the person's data and keep those records.", name=name, what=what),
              "error")
        return redirect(url_for("customers.detail", customer_id=customer_id))
    flash(_("Customer “%(name)s” deleted.", name=name), "success")
    return redirect(url_for("customers.index"))


@bp.post("/<int:customer_id>/erase")
@requires("customers.delete")
def erase(customer_id: int):
    """GDPR erasure: the person's data go, their orders, equipment and the like stay."""
    customer = _get_customer(customer_id)
    erase_customer(customer, user_id=current_user.id)
    db.session.commit()
    # The old name is not repeated: after erasure nothing on the page shows it.
    flash(_("The personal data were erased; the business records were kept."), "success")
    return redirect(url_for("customers.detail", customer_id=customer_id))


# -- duplicates and merge ------------------------------------------------------------------


@bp.get("/duplicates")
@requires("customers.merge")
def duplicates():
    """Groups of customers sharing an email (or a phone), paged by that value.

    Each page is one grouped query in index order stopping after a page of groups,
    then one query for the customers of those groups.
    """
    by = "phone" if request.args.get("by") == "phone" else "email"
    model, col = (CustomerPhone, CustomerPhone.number) if by == "phone" else (CustomerEmail, CustomerEmail.email)
    # COUNT(*) is answered from the value's index alone; a customer holds each value
    # once (the service and merge dedupe), and groups of one customer are dropped below.
    stmt = sa.select(col).group_by(col).having(sa.func.count() > 1)
    try:
        page = keyset_page(db.session, stmt, [col], cursor=request.args.get("cursor"), limit=_page_size(),
                           key=lambda value: [value])
    except BadCursor:
        abort(400)
    groups = []
    if page.items:
        rows = db.session.execute(
            sa.select(col, Customer).join(Customer, Customer.id == model.customer_id)
            .where(col.in_(page.items)).order_by(col, Customer.id)
        ).all()
        by_value: dict[str, list[Customer]] = {}
        for value, customer in rows:
            if customer not in by_value.setdefault(value, []):
                by_value[value].append(customer)
        groups = [(value, by_value[value]) for value in page.items if len(by_value.get(value, [])) > 1]
    return render_template("customers/duplicates.html", groups=groups, page=page, by=by)


def _count(model, customer_id: int) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model).where(model.customer_id == customer_id)).scalar()


@bp.route("/<int:customer_id>/merge/<int:other_id>", methods=["GET", "POST"])
@requires("customers.merge")
def merge(customer_id: int, other_id: int):
    """Merge ``other_id`` into ``customer_id`` (the one kept) after a confirmation."""
    winner = _get_customer(customer_id)
    loser = _get_customer(other_id)
    if winner.id == loser.id:
        abort(404)
    if request.method == "POST":
        loser_name = loser.name
        merge_customers(winner, loser, user_id=current_user.id)
        db.session.commit()
        flash(_("“%(loser)s” was merged into this customer.", loser=loser_name), "success")
        return redirect(url_for("customers.detail", customer_id=customer_id))
    counts = {c.id: {"interactions": _count(Interaction, c.id), "activities": _count(Activity, c.id)}
              for c in (winner, loser)}
    return render_template("customers/merge.html", winner=winner, loser=loser, counts=counts)
