"""Sales pages: pipeline (kanban and list), opportunities, quotations and orders,
the printable quotation, performance, and the manager's settings."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload, load_only, selectinload

from core.auth.models import User
from core.catalog.models import Product
from core.catalog.service import default_tax_rate
from core.customers.models import Customer
from core.db import db, parse_id
from core.l10n import format_month, local_today, number_signs
from core.security import requires
from core.web.pagination import BadCursor, keyset_page
from core.web.redirects import safe_referrer
from core.web.versions import saved_values
from plugins.sales import charts, kanban, stats
from plugins.sales.access import MANAGER, USER, ensure_can_see, is_manager, visible
from plugins.sales.forms import LostForm, LostReasonForm, OpportunityForm, OrderForm, StageForm, TargetForm
from plugins.sales.models import (
    LOST, OPEN, ORDER_STATES, WON,
    LostReason, Opportunity, Order, Stage, Target,
)
from plugins.sales.orders import (
    cancel, confirm, create_quotation, default_valid_until, mark_sent, state_label, update_quotation,
)
from plugins.sales.pipeline import (
    SalesInputError, create_opportunity, lost_reason, mark_lost, mark_won, move_to_stage, reopen,
    stages, update_opportunity,
)
from core.web.choices import select_choices

bp = Blueprint("sales", __name__, url_prefix="/sales", template_folder="templates", static_folder="static")

PAGE = 50


@bp.app_template_filter("sales_money")
def _money_filter(value, currency=""):
    """The core's ``money`` filter under its old name (templates of other branches still use it)."""
    from core.l10n.jinja import money

    return money(value, currency or None)


def period_label(period) -> str:
    """``2026-Q1`` → ``1ο τρίμηνο 2026``, ``2026-03`` → ``Μάρτιος 2026``: words, not a code that RTL reorders."""
    from core.l10n import format_month, format_quarter

    return format_quarter(period.start) if period.is_quarter else format_month(period.start)


@bp.context_processor
def _ctx():
    from plugins.sales.forms import source_choices

    sources = dict(source_choices())
    return {"state_label": state_label, "is_sales_manager": is_manager(),
            "source_label": lambda key: sources.get(key, key)}


def _page_size() -> int:
    return min(max(request.args.get("limit", PAGE, type=int) or PAGE, 1), 200)


def _keyset(stmt, cols, descending=True):
    try:
        return keyset_page(db.session, stmt, cols, cursor=request.args.get("cursor"), limit=_page_size(),
                           descending=descending)
    except BadCursor:
        abort(400)


def _salespeople() -> list[User]:
    """Active users holding a sales permission (directly or as admins), by name."""
    users = db.session.execute(sa.select(User).where(User.active.is_(True)).order_by(User.name, User.id)).scalars()
    return [u for u in users if u.can(USER) or u.can(MANAGER)]


def _apply_form_errors(form, exc: SalesInputError) -> None:
    for field, messages in exc.errors.items():
        parts = field.split(".")
        target = getattr(form, parts[0], None)
        if target is not None and len(parts) == 3 and hasattr(target, "entries"):
            idx = int(parts[1]) - 1
            if 0 <= idx < len(target.entries):
                sub = getattr(target.entries[idx].form, parts[2], None)
                if sub is not None:
                    sub.errors = list(sub.errors) + list(messages)
                    continue
        if target is not None and hasattr(target, "errors") and isinstance(target.errors, list):
            target.errors = list(target.errors) + list(messages)
        else:
            form.form_errors.extend(messages)


# -- pipeline --------------------------------------------------------------------------------


def _board_owner():
    """Whose deals the board shows: ``None`` for everyone's (managers), else a user id."""
    mine = request.args.get("owner") == "me" or not is_manager()
    return current_user.id if mine else None


@bp.get("/")
@requires(USER)
def index():
    """The kanban: one column per stage, a page of newest-touched cards each, "Load more"."""
    owner_id = _board_owner()
    columns = kanban.board(stages(), owner_id=owner_id)
    return render_template("sales/pipeline.html", columns=columns, mine=owner_id is not None,
                           owner_arg="me" if owner_id is not None and is_manager() else None)


@bp.get("/stages/<int:stage_id>/cards")
@requires(USER)
def stage_cards(stage_id):
    """The next page of one kanban column. The board's "Load more" script appends its cards;
    without JavaScript the link opens this page, which reads on its own."""
    stage = db.session.get(Stage, stage_id) or abort(404)
    owner_id = _board_owner()
    try:
        page = kanban.cards(stage, owner_id=owner_id, cursor=request.args.get("cursor"))
    except BadCursor:
        abort(400)
    column = kanban.Column(stage, page.items, page.next_cursor)
    return render_template("sales/stage_cards.html", col=column, mine=owner_id is not None,
                           owner_arg="me" if owner_id is not None and is_manager() else None)


@bp.post("/opportunities/<int:opp_id>/move")
@requires(USER)
def move(opp_id):
    """Drag and drop (JSON) and the keyboard "Move to" form (redirect) both land here."""
    opp = ensure_can_see(db.session.get(Opportunity, opp_id))
    wants_json = request.is_json or request.accept_mimetypes.best == "application/json"
    payload = request.get_json(silent=True) or {} if request.is_json else request.form
    stage_id = parse_id(payload.get("stage_id"))
    stage = db.session.get(Stage, stage_id) if stage_id else None
    try:
        if stage is None:
            raise SalesInputError({"stage_id": [_("No such stage.")]})
        if stage.is_lost:
            raise SalesInputError({"stage_id": [_("Use “Mark lost” to give a reason.")]})
        move_to_stage(opp, stage)
        db.session.commit()
    except SalesInputError as exc:
        db.session.rollback()
        if wants_json:
            return jsonify({"ok": False, "errors": exc.errors}), 422
        flash("; ".join(str(m) for v in exc.errors.values() for m in v), "error")
        return redirect(safe_referrer(url_for("sales.index")))
    if wants_json:
        return jsonify({"ok": True, "id": opp.id, "stage_id": opp.stage_id, "status": opp.status,
                        "probability": opp.probability})
    flash(_("Moved “%(t)s” to %(s)s.", t=opp.title, s=opp.stage.name), "success")
    return redirect(safe_referrer(url_for("sales.index")))


def _opportunity_filters(stmt):
    args = request.args
    status = args.get("status") or ""
    if status in (OPEN, WON, LOST):
        stmt = stmt.where(Opportunity.status == status)
    if parse_id(args.get("stage")):
        stmt = stmt.where(Opportunity.stage_id == parse_id(args["stage"]))
    owner = args.get("owner", "")
    if owner == "me":
        stmt = stmt.where(Opportunity.owner_id == current_user.id)
    elif parse_id(owner):
        stmt = stmt.where(Opportunity.owner_id == parse_id(owner))
    if parse_id(args.get("customer_id")):
        stmt = stmt.where(Opportunity.customer_id == parse_id(args["customer_id"]))
    if args.get("source"):
        stmt = stmt.where(Opportunity.source == args["source"])
    for name, op in (("close_from", "__ge__"), ("close_to", "__le__")):
        try:
            d = date.fromisoformat(args.get(name, ""))
            stmt = stmt.where(getattr(Opportunity.expected_close, op)(d))
        except ValueError:
            pass
    q = (args.get("q") or "").strip()[:100]
    if q:
        stmt = stmt.where(Opportunity.title.ilike(f"%{q.replace('%', '').replace('_', '')}%"))
    tag = (args.get("tag") or "").strip().lower()[:40]
    if tag:
        stmt = stmt.where(sa.or_(Opportunity.tags == tag, Opportunity.tags.like(f"{tag},%"),
                                 Opportunity.tags.like(f"%,{tag}"), Opportunity.tags.like(f"%,{tag},%")))
    return stmt


@bp.get("/opportunities")
@requires(USER)
def opportunities():
    stmt = _opportunity_filters(visible(sa.select(Opportunity), Opportunity)).options(
        joinedload(Opportunity.customer), joinedload(Opportunity.owner).lazyload(User.roles),
        joinedload(Opportunity.stage))
    page = _keyset(stmt, [Opportunity.id])
    from plugins.sales.forms import source_choices

    return render_template("sales/opportunities.html", page=page, stages=stages(), sources=source_choices(),
                           salespeople=_salespeople() if is_manager() else [])


def _opportunity_form(opp=None):
    form = OpportunityForm(obj=opp) if request.method == "GET" and opp else OpportunityForm()
    open_stages = [s for s in stages() if not (s.is_won or s.is_lost)]
    form.stage_id.choices = select_choices((str(s.id), s.name) for s in open_stages)
    people = _salespeople() if is_manager() else [current_user]
    if opp and opp.owner and opp.owner not in people:
        people.append(opp.owner)
    form.owner_id.choices = select_choices((str(u.id), u.display_name) for u in people)
    if request.method == "GET":
        if opp:
            form.stage_id.data, form.owner_id.data = str(opp.stage_id), str(opp.owner_id or "")
            form.customer_id.data = str(opp.customer_id or "")
            form.expected_close.data = opp.expected_close
            form.tags.data = ", ".join(opp.tag_list)
            form.probability.data = str(opp.probability)
        else:
            form.owner_id.data = str(current_user.id)
            form.customer_id.data = request.args.get("customer_id", "")
    return form


def _form_payload(form) -> dict:
    return _edit_payload(form, None)


@bp.route("/opportunities/new", methods=["GET", "POST"])
@requires(USER)
def opportunity_new():
    form = _opportunity_form()
    if form.validate_on_submit():
        try:
            opp = create_opportunity(_form_payload(form))
            db.session.commit()
            flash(_("Opportunity created."), "success")
            return redirect(url_for("sales.opportunity", opp_id=opp.id))
        except SalesInputError as exc:
            db.session.rollback()
            _apply_form_errors(form, exc)
    status = 422 if request.method == "POST" else 200
    return render_template("sales/opportunity_form.html", form=form, opp=None, saved=None), status


@bp.get("/opportunities/<int:opp_id>")
@requires(USER)
def opportunity(opp_id):
    opp = ensure_can_see(db.session.get(Opportunity, opp_id))
    quotes = db.session.execute(
        sa.select(Order).where(Order.opportunity_id == opp.id).order_by(Order.id.desc()).limit(20)).scalars().all()
    from core.history.models import Activity

    follow_ups = db.session.execute(
        sa.select(Activity).where(Activity.source == "sales", Activity.ref == f"sales.opportunity:{opp.id}")
        .order_by(Activity.due_date, Activity.id).limit(20)).scalars().all()
    return render_template("sales/opportunity.html", opp=opp, quotes=quotes, follow_ups=follow_ups,
                           lost_form=_lost_form(), move_stages=[s for s in stages() if not (s.is_won or s.is_lost)])


@bp.route("/opportunities/<int:opp_id>/edit", methods=["GET", "POST"])
@requires(USER)
def opportunity_edit(opp_id):
    opp = ensure_can_see(db.session.get(Opportunity, opp_id))
    form = _opportunity_form(opp)
    if opp.status != OPEN:
        del form.stage_id
    if request.method == "GET":
        form.show_version(opp)
    elif form.is_stale(opp):
        saved = saved_values(form, opp, {"title": opp.title, "expected_revenue": opp.expected_revenue,
                                         "currency": opp.currency, "probability": str(opp.probability),
                                         "expected_close": opp.expected_close,
                                         "owner_id": str(opp.owner_id or ""), "notes": opp.notes or ""})
        form.show_version(opp)
        return render_template("sales/opportunity_form.html", form=form, opp=opp, saved=saved,
                               what=_("Someone changed this opportunity while you were editing it.")), 409
    if form.validate_on_submit():
        data = _edit_payload(form, opp)
        try:
            update_opportunity(opp, data)
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("sales.opportunity", opp_id=opp.id))
        except SalesInputError as exc:
            db.session.rollback()
            _apply_form_errors(form, exc)
    status = 422 if request.method == "POST" else 200
    return render_template("sales/opportunity_form.html", form=form, opp=opp, saved=None), status


def _edit_payload(form, opp) -> dict:
    data = {k: form[k].data for k in ("title", "customer_id", "prospect_name", "prospect_email", "prospect_phone",
                                      "expected_revenue", "currency", "probability", "expected_close", "source",
                                      "tags", "notes", "follow_up_date", "follow_up_summary", "owner_id")}
    if (opp is None or opp.status == OPEN) and "stage_id" in form:
        data["stage_id"] = form.stage_id.data
    return data


def _lost_form():
    form = LostForm()
    reasons = db.session.execute(sa.select(LostReason).where(LostReason.active.is_(True))
                                 .order_by(LostReason.name)).scalars()
    form.lost_reason_id.choices = select_choices([("", _("Choose…"))] + [(str(r.id), r.name) for r in reasons])
    return form


@bp.post("/opportunities/<int:opp_id>/won")
@requires(USER)
def opportunity_won(opp_id):
    return _opportunity_action(opp_id, mark_won, _("Marked as won."))


def _opportunity_action(opp_id, action, done_message):
    opp = ensure_can_see(db.session.get(Opportunity, opp_id))
    try:
        action(opp)
        db.session.commit()
        flash(done_message, "success")
    except SalesInputError as exc:
        db.session.rollback()
        flash("; ".join(str(m) for v in exc.errors.values() for m in v), "error")
        if _state_conflict(exc):
            return opportunity(opp_id), 409
    return redirect(url_for("sales.opportunity", opp_id=opp_id))


@bp.route("/opportunities/<int:opp_id>/lost", methods=["GET", "POST"])
@requires(USER)
def opportunity_lost(opp_id):
    opp = ensure_can_see(db.session.get(Opportunity, opp_id))
    form = _lost_form()
    if form.validate_on_submit():
        try:
            mark_lost(opp, lost_reason(form.lost_reason_id.data), form.lost_note.data or "")
            db.session.commit()
            flash(_("Marked as lost."), "success")
            return redirect(url_for("sales.opportunity", opp_id=opp_id))
        except SalesInputError as exc:
            db.session.rollback()
            _apply_form_errors(form, exc)
            if _state_conflict(exc):
                flash("; ".join(str(m) for v in exc.errors.values() for m in v), "error")
                return opportunity(opp_id), 409
    status = 422 if request.method == "POST" else 200
    return render_template("sales/lost_form.html", form=form, opp=opp), status


@bp.post("/opportunities/<int:opp_id>/reopen")
@requires(USER)
def opportunity_reopen(opp_id):
    return _opportunity_action(opp_id, reopen, _("Reopened."))


# -- quotations and orders ---------------------------------------------------------------------


@bp.get("/orders")
@requires(USER)
def orders():
    # Only the columns the list shows (issue 17): an order row is wide (notes, addresses, totals).
    stmt = visible(sa.select(Order), Order).options(
        load_only(Order.number, Order.customer_id, Order.owner_id, Order.state, Order.confirmed_at, Order.created_at,
                  Order.total, Order.currency),
        joinedload(Order.customer).load_only(Customer.name),
        joinedload(Order.owner).load_only(User.name, User.email).lazyload(User.roles))
    state = request.args.get("state", "")
    if state in ORDER_STATES:
        stmt = stmt.where(Order.state == state)
    if parse_id(request.args.get("customer_id")):
        stmt = stmt.where(Order.customer_id == parse_id(request.args["customer_id"]))
    if request.args.get("owner") == "me":
        stmt = stmt.where(Order.owner_id == current_user.id)
    number = (request.args.get("number") or "").strip().upper()[:20]
    if number:
        stmt = stmt.where(Order.number == number)
    page = _keyset(stmt, [Order.id])
    return render_template("sales/orders.html", page=page, states=ORDER_STATES)


def _resolve_product(value: str):
    """The line's product field holds the picker's product id (a SKU typed by hand works too)."""
    value = (value or "").strip()
    if not value:
        return None
    pid = db.session.execute(sa.select(Product.id).where(Product.sku == value)).scalar()
    if pid is None and parse_id(value):
        return parse_id(value)
    return pid if pid is not None else value  # an unknown value fails validation as "Unknown product"


def _order_payload(form) -> dict:
    lines = []
    for entry in form.lines.entries:
        f = entry.form
        if not ((f.product_id.data or "").strip() or (f.description.data or "").strip()
                or f.unit_price.data is not None):
            continue  # an untouched blank row
        lines.append({"product_id": _resolve_product(f.product_id.data), "description": f.description.data,
                      "quantity": f.quantity.data, "unit_price": f.unit_price.data,
                      "discount_percent": f.discount_percent.data, "tax_rate": f.tax_rate.data})
    return {"customer_id": form.customer_id.data, "opportunity_id": form.opportunity_id.data or None,
            "currency": form.currency.data, "valid_until": form.valid_until.data or None,
            "notes": form.notes.data, "lines": lines}


def _order_form_page(form, order, status, saved=None, what=None):
    """The quotation editor; ``blank_line`` is the row "Add line" copies (``__i__`` → index).
    ``saved`` lists what is saved now when a stale form was refused (``what`` says why)."""
    from plugins.sales.forms import LineForm

    return render_template("sales/order_form.html", form=form, order=order, default_tax_rate=default_tax_rate(),
                           blank_line=LineForm(formdata=None, prefix="lines-__i__-"), saved=saved, what=what,
                           number_signs=number_signs()), status


@bp.route("/orders/new", methods=["GET", "POST"])
@requires(USER)
def order_new():
    form = OrderForm()
    if request.method == "GET":
        form.customer_id.data = request.args.get("customer_id", "")
        opp_id = request.args.get("opportunity_id", "")
        if parse_id(opp_id):
            opp = ensure_can_see(db.session.get(Opportunity, parse_id(opp_id)))
            form.opportunity_id.data = str(opp.id)
            form.customer_id.data = str(opp.customer_id or "")
            form.currency.data = opp.currency
        form.valid_until.data = default_valid_until()
    elif form.validate_on_submit():
        try:
            order = create_quotation(_order_payload(form))
            db.session.commit()
            flash(_("Quotation %(n)s created.", n=order.number), "success")
            return redirect(url_for("sales.order", order_id=order.id))
        except SalesInputError as exc:
            db.session.rollback()
            _apply_form_errors(form, exc)
    status = 422 if request.method == "POST" else 200
    return _order_form_page(form, None, status)


def _load_order(order_id) -> Order:
    order = db.session.execute(sa.select(Order).where(Order.id == order_id).options(
        selectinload(Order.lines), joinedload(Order.customer), joinedload(Order.owner))).scalar()
    return ensure_can_see(order)


@bp.get("/orders/<int:order_id>")
@requires(USER)
def order(order_id):
    return render_template("sales/order.html", order=_load_order(order_id))


@bp.get("/orders/<int:order_id>/print")
@requires(USER)
def order_print(order_id):
    return render_template("sales/print.html", order=_load_order(order_id), today=local_today())


@bp.route("/orders/<int:order_id>/edit", methods=["GET", "POST"])
@requires(USER)
def order_edit(order_id):
    order = _load_order(order_id)
    if not order.editable:
        flash(_("A confirmed or cancelled order cannot be changed."), "error")
        return redirect(url_for("sales.order", order_id=order.id)), 303
    form = OrderForm()
    if request.method == "POST" and form.is_stale(order):
        saved = saved_values(form, order, {"customer_id": str(order.customer_id), "currency": order.currency,
                                           "valid_until": order.valid_until,
                                           "notes": order.notes or ""})
        form.show_version(order)
        return _order_form_page(form, order, 409, saved=saved,
                                what=_("Someone changed this quotation while you were editing it."))
    if request.method == "GET":
        form.show_version(order)
        form.customer_id.data = str(order.customer_id)
        form.opportunity_id.data = str(order.opportunity_id or "")
        form.currency.data = order.currency
        form.valid_until.data = order.valid_until
        form.notes.data = order.notes
        form.lines.entries = []
        for line in order.lines:
            form.lines.append_entry({"product_id": str(line.product_id or ""), "description": line.description,
                                     "quantity": line.quantity, "unit_price": line.unit_price,
                                     "discount_percent": line.discount_percent, "tax_rate": line.tax_rate})
    elif form.validate_on_submit():
        try:
            update_quotation(order, _order_payload(form))
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("sales.order", order_id=order.id))
        except SalesInputError as exc:
            db.session.rollback()
            _apply_form_errors(form, exc)
    status = 422 if request.method == "POST" else 200
    return _order_form_page(form, order, status)


def _state_conflict(exc: SalesInputError) -> bool:
    """A refused state change (already confirmed, lost a race): answered 409, not redirected."""
    return any(key in ("state", "status") for key in exc.errors)


def _order_action(order_id, action, done_message):
    order = _load_order(order_id)
    try:
        action(order)
        db.session.commit()
        flash(done_message, "success")
    except SalesInputError as exc:
        db.session.rollback()
        flash("; ".join(str(m) for v in exc.errors.values() for m in v), "error")
        if _state_conflict(exc):
            return render_template("sales/order.html", order=_load_order(order_id)), 409
    return redirect(url_for("sales.order", order_id=order_id))


@bp.post("/orders/<int:order_id>/send")
@requires(USER)
def order_send(order_id):
    return _order_action(order_id, mark_sent, _("Marked as sent."))


@bp.post("/orders/<int:order_id>/confirm")
@requires(USER)
def order_confirm(order_id):
    return _order_action(order_id, confirm, _("Order confirmed."))


@bp.post("/orders/<int:order_id>/cancel")
@requires(USER)
def order_cancel(order_id):
    return _order_action(order_id, cancel, _("Cancelled."))


# -- performance ------------------------------------------------------------------------------


def performance_links(period_key: str) -> list[dict]:
    """Other plugins' links for the performance page (``sales_performance_links``), by weight."""
    registry = current_app.extensions["rapport"].plugins
    links = [link for _plugin, items in registry.call("sales_performance_links", period_key=period_key,
                                                      user=current_user) for link in items or ()]
    return sorted(links, key=lambda link: (link.get("weight", 100), str(link["label"])))


@bp.get("/performance")
@requires(USER)
def performance():
    period = stats.parse_period(request.args.get("period"))
    currency = (request.args.get("currency") or "EUR").upper()[:3]
    user_ids = None if is_manager() else [current_user.id]
    rows = stats.performance(period, currency, user_ids)
    fc = stats.forecast(currency, 6, user_ids)
    month_names = [format_month(date(int(k[:4]), int(k[5:]), 1)) for k, _v, _w in fc]
    names = [r.name for r in rows]
    chart_perf = charts.horizontal_bar(
        _("Won revenue and target, %(p)s (%(c)s)", p=period_label(period), c=currency), names,
        [(_("Won revenue"), [r.won_revenue for r in rows]), (_("Target"), [r.target for r in rows])],
    ) if rows else None
    chart_fc = charts.bar(_("Forecast by expected close month (%(c)s)", c=currency), month_names,
                          [(_("Pipeline"), [v for _k, v, _w in fc]), (_("Weighted"), [w for _k, _v, w in fc])])
    prev_key, next_key = stats.neighbour_periods(period)
    currencies = stats.currencies() or ["EUR"]
    return render_template("sales/performance.html", rows=rows, period=period, currency=currency,
                           links=performance_links(period.key),
                           period_label=period_label(period),
                           forecast=list(zip(month_names, fc)), chart_perf=chart_perf, chart_fc=chart_fc,
                           prev_key=prev_key, next_key=next_key, currencies=sorted(set(currencies) | {currency}))


# -- settings (managers) --------------------------------------------------------------------------


@bp.get("/settings")
@requires(MANAGER)
def settings():
    reasons = db.session.execute(sa.select(LostReason).order_by(LostReason.name)).scalars().all()
    period = stats.parse_period(request.args.get("period"))
    targets = db.session.execute(sa.select(Target).options(joinedload(Target.user))
                                 .where(Target.period == period.key).order_by(Target.user_id)).scalars().all()
    target_form = TargetForm(period=period.key)
    target_form.user_id.choices = select_choices((str(u.id), u.display_name) for u in _salespeople())
    return render_template("sales/settings.html", stages=stages(), reasons=reasons, targets=targets,
                           period_label=period_label(period),
                           reason_form=LostReasonForm(), target_form=target_form, period=period,
                           stage_form=StageForm())


def _stage_form_page(stage=None):
    form = StageForm(obj=stage)
    if form.validate_on_submit():
        if form.is_won.data and form.is_lost.data:
            form.is_lost.errors = [_("A stage is either won or lost, not both.")]
        else:
            stage = stage or Stage()
            form.populate_obj(stage)
            db.session.add(stage)
            db.session.commit()
            flash(_("Stage saved."), "success")
            return redirect(url_for("sales.settings"))
    status = 422 if request.method == "POST" else 200
    return render_template("sales/stage_form.html", form=form, stage=stage), status


@bp.route("/settings/stages/new", methods=["GET", "POST"])
@requires(MANAGER)
def stage_new():
    return _stage_form_page()


@bp.route("/settings/stages/<int:stage_id>", methods=["GET", "POST"])
@requires(MANAGER)
def stage_edit(stage_id):
    stage = db.session.get(Stage, stage_id) or abort(404)
    return _stage_form_page(stage)


@bp.post("/settings/stages/<int:stage_id>/delete")
@requires(MANAGER)
def stage_delete(stage_id):
    stage = db.session.get(Stage, stage_id) or abort(404)
    used = db.session.execute(sa.select(Opportunity.id).where(Opportunity.stage_id == stage.id).limit(1)).scalar()
    if used:
        flash(_("Stage “%(s)s” still holds opportunities; move them first.", s=stage.name), "error")
    else:
        db.session.delete(stage)
        db.session.commit()
        flash(_("Stage deleted."), "success")
    return redirect(url_for("sales.settings"))


@bp.post("/settings/lost-reasons")
@requires(MANAGER)
def reason_add():
    form = LostReasonForm()
    name = (form.name.data or "").strip()
    if form.validate_on_submit() and name:
        if db.session.execute(sa.select(LostReason.id).where(LostReason.name == name)).scalar():
            flash(_("That reason exists already."), "error")
        else:
            db.session.add(LostReason(name=name))
            db.session.commit()
            flash(_("Reason added."), "success")
    else:
        flash(_("Enter a reason of at most 120 characters."), "error")
    return redirect(url_for("sales.settings"))


@bp.post("/settings/lost-reasons/<int:reason_id>/toggle")
@requires(MANAGER)
def reason_toggle(reason_id):
    reason = db.session.get(LostReason, reason_id) or abort(404)
    reason.active = not reason.active
    db.session.commit()
    return redirect(url_for("sales.settings"))


@bp.post("/settings/targets")
@requires(MANAGER)
def target_save():
    from plugins.sales.pipeline import parse_currency, parse_decimal

    form = TargetForm()
    form.user_id.choices = select_choices((str(u.id), u.display_name) for u in _salespeople())
    errors: dict = {}
    if form.validate_on_submit():
        amount = parse_decimal(errors, "amount", form.amount.data)
        currency = parse_currency(errors, form.currency.data)
        if not stats.valid_period_key(form.period.data or ""):
            errors.setdefault("period", []).append(_("A month like 2026-03 or a quarter like 2026-Q1."))
        if not errors and amount is not None:
            uid = int(form.user_id.data)
            row = db.session.execute(sa.select(Target).where(
                Target.user_id == uid, Target.period == form.period.data, Target.currency == currency)).scalar()
            row = row or Target(user_id=uid, period=form.period.data, currency=currency)
            row.amount = amount
            db.session.add(row)
            db.session.commit()
            flash(_("Target saved."), "success")
            return redirect(url_for("sales.settings", period=form.period.data))
    else:
        errors.update(form.errors)
    flash(_("The target was not saved: %(e)s", e="; ".join(str(m) for v in errors.values() for m in v)), "error")
    return redirect(url_for("sales.settings")), 303


@bp.post("/settings/targets/<int:target_id>/delete")
@requires(MANAGER)
def target_delete(target_id):
    row = db.session.get(Target, target_id) or abort(404)
    period = row.period
    db.session.delete(row)
    db.session.commit()
    flash(_("Target deleted."), "success")
    return redirect(url_for("sales.settings", period=period))


