"""Analytics pages: the overview (classes, snapshot date, recompute) and the ranked customer list.

Every page reads the latest complete snapshot only; the record rule on
``CustomerFigures`` (``owner_id``) limits salespeople to their own customers' figures.
"""
from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from core.db import db
from core.l10n import numbers as l10n_numbers
from core.security import requires, scoped, user_can
from core.web.pagination import BadCursor, cursor_of, keyset_page
from plugins.analytics import rfm
from plugins.analytics.models import HORIZON_DAYS, CustomerFigures, latest_snapshot

bp = Blueprint("analytics", __name__, url_prefix="/analytics", template_folder="templates")

RECOMPUTE = "analytics.recompute"


@bp.app_template_filter("analytics_money")
def money_filter(value, currency=""):
    """Money in the reader's conventions (``1.250,50 €``, Persian digits), through core.l10n."""
    from core.l10n.jinja import money

    return "—" if value is None else money(value, currency or None)


@bp.app_template_filter("analytics_number")
def number_filter(value):
    return "—" if value is None else l10n_numbers.format_number(value)


@bp.app_template_filter("analytics_percent")
def percent_filter(value):
    """A probability (0..1) as a whole percentage in the reader's writing (``87%``, ``۸۷٪``)."""
    return "—" if value is None else l10n_numbers.format_percent(round(Decimal(str(value)) * 100))


@bp.app_template_filter("analytics_param")
def param_filter(value):
    """A fitted model parameter to four significant digits, never in exponent notation."""
    if value is None:
        return "—"
    d = Decimal(str(value))
    if d == 0:
        return l10n_numbers.format_number(0)
    places = max(0, 3 - d.adjusted())
    return l10n_numbers.format_number(round(d, places), places)


@bp.context_processor
def _helpers():
    return {"class_label": rfm.class_label, "horizon_days": HORIZON_DAYS}


def class_distribution(snapshot) -> list[tuple[str, int]]:
    """(class key, customers) for every class in the grid's order, as far as the user may see.

    From the snapshot's per-owner counts (owner_counts.py); a snapshot written before them counts live.
    """
    from plugins.analytics.owner_counts import class_counts

    if snapshot.owner_counts:
        counts = class_counts(snapshot)
    else:
        stmt = scoped(sa.select(CustomerFigures.rfm_class, sa.func.count()).select_from(CustomerFigures),
                      CustomerFigures).where(CustomerFigures.snapshot_id == snapshot.id).group_by(CustomerFigures.rfm_class)
        counts = dict(db.session.execute(stmt).all())
    return [(key, counts.get(key, 0)) for key in rfm.CLASSES]


def active_recompute():
    """The recomputation queued or running now (shown with its progress bar), if any."""
    from core.jobs.models import ACTIVE, Job

    return db.session.execute(sa.select(Job).where(Job.kind == RECOMPUTE, Job.status.in_(ACTIVE))
                              .order_by(Job.id.desc()).limit(1)).scalar_one_or_none()


@bp.get("/")
@requires("analytics.view")
def index():
    from core.jobs.views import STATUS_LABELS, bar_class, bar_width, job_json, progress_text, status_class

    from plugins.analytics.movement import class_movement, previous_snapshot

    snapshot = latest_snapshot()
    classes = class_distribution(snapshot) if snapshot else []
    total = sum(n for _key, n in classes)
    previous = previous_snapshot(snapshot)
    movement = class_movement(snapshot, previous) if previous else None
    return render_template("analytics/index.html", snapshot=snapshot, classes=classes, total=total,
                           previous=previous, movement=movement,
                           job=active_recompute(), may_recompute=user_can("analytics.manager"),
                           labels=STATUS_LABELS, job_json=job_json, bar_class=bar_class, bar_width=bar_width,
                           progress_text=progress_text, status_class=status_class)


@bp.post("/recompute")
@requires("analytics.manager")
def recompute():
    """Start a recomputation now, unless one is already queued or running."""
    from core.jobs import start_job

    if active_recompute() is None:
        start_job(RECOMPUTE, {}, user=current_user, message=_("Waiting for a worker"))
        db.session.commit()
        flash(_("Recomputation started."), "success")
    else:
        flash(_("A recomputation is already running."), "info")
    return redirect(url_for("analytics.index"))


def _list_page(stmt, columns, kinds, *, descending=False):
    """One keyset page of a ranked list (``kinds``: the columns' cursor kinds); a forged cursor is a 400."""
    try:
        return keyset_page(db.session, stmt, columns, cursor=request.args.get("cursor"),
                           limit=current_app.config["PAGE_SIZE"], descending=descending, convert=cursor_of(*kinds))
    except BadCursor:
        abort(400)


def _names(page) -> dict:
    """Customer id → name for every row on the page, in one query."""
    from core.customers.models import Customer

    ids = [row.customer_id for row in page.items]
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(Customer.id, Customer.name).where(Customer.id.in_(ids))).all())


@bp.get("/customers")
@requires("analytics.view")
def customers():
    """Customers ranked by expected value over the horizon, highest first (keyset pages)."""
    snapshot = latest_snapshot()
    page, names = None, {}
    if snapshot is not None:
        stmt = scoped(sa.select(CustomerFigures), CustomerFigures).where(
            CustomerFigures.snapshot_id == snapshot.id, CustomerFigures.expected_value.is_not(None))
        page = _list_page(stmt, [CustomerFigures.expected_value, CustomerFigures.customer_id], ("decimal", "id"),
                          descending=True)
        names = _names(page)
    return render_template("analytics/customers.html", snapshot=snapshot, page=page, names=names)


@bp.get("/overdue")
@requires("analytics.view")
def overdue():
    """Customers past their usual purchase interval, the most recently overdue first (keyset pages).

    Those just past their date are the likeliest to buy again if someone calls; the ones
    overdue for months come last (their probability alive says how lost they are).
    """
    from plugins.analytics.movement import overdue_query

    snapshot = latest_snapshot()
    page, names = None, {}
    if snapshot is not None:
        page = _list_page(overdue_query(snapshot), [CustomerFigures.overdue_days, CustomerFigures.customer_id],
                          ("int", "id"))
        names = _names(page)
    return render_template("analytics/overdue.html", snapshot=snapshot, page=page, names=names)


@bp.get("/profit")
@requires("analytics.view")
def profit():
    """Customers ranked by profit (revenue − cost of goods − other costs), with the Pareto view.

    The Pareto summary is over every customer, so it is shown to managers only; a salesperson
    sees their own customers' ranked figures (record rule).
    """
    from plugins.analytics import charts
    from plugins.analytics.models import CustomerProfit
    from plugins.analytics.profit import cost_labels

    snapshot = latest_snapshot()
    page, names, summary, charts_svg = None, {}, None, {}
    may_see_all = user_can("analytics.manager")
    if snapshot is not None:
        stmt = scoped(sa.select(CustomerProfit), CustomerProfit).where(CustomerProfit.snapshot_id == snapshot.id)
        page = _list_page(stmt, [CustomerProfit.profit, CustomerProfit.customer_id], ("decimal", "id"),
                          descending=True)
        names = _names(page)
        if may_see_all and snapshot.profit_summary is not None:
            summary = snapshot.profit_summary
            charts_svg = {"pareto": charts.pareto_chart(summary), "deciles": charts.deciles_chart(summary)}
    return render_template("analytics/profit.html", snapshot=snapshot, page=page, names=names, summary=summary,
                           charts=charts_svg, cost_labels=cost_labels(), may_see_all=may_see_all)


def band_label(band: dict, currency: str) -> str:
    """A price band as readers say it: "Up to €20.00", "Above €20.00, up to €50.00", "Above €50.00"."""
    def money(amount, currency):  # plain text: the label is also the chart's aria-label
        return l10n_numbers.format_money(amount, currency)

    above, up_to = band.get("above"), band.get("up_to")
    if above is None and up_to is None:
        return _("Every price")
    if above is None:
        return _("Up to %(price)s", price=money(Decimal(up_to), currency))
    if up_to is None:
        return _("Above %(price)s", price=money(Decimal(above), currency))
    return _("Above %(low)s, up to %(high)s", low=money(Decimal(above), currency), high=money(Decimal(up_to), currency))


@bp.get("/demand")
@requires("analytics.manager")
def demand():
    """Units sold per price band and month, with each band's forecast and its interval.

    Company-wide figures (not per customer), so managers only, like the Pareto summary.
    """
    from plugins.analytics import charts
    from plugins.analytics.demand import FORECAST_MONTHS, INTERVAL, demand_for

    snapshot = latest_snapshot()
    bands = []
    if snapshot is not None and snapshot.demand_bands:
        rows = demand_for(snapshot)
        for band in snapshot.demand_bands:
            label = band_label(band, snapshot.currency)
            series = rows.get(band["band"], [])
            bands.append({"band": band["band"], "label": label, "units": band["units"],
                          "chart": charts.demand_chart(series, label),
                          "history": [r for r in series if not r.forecast],
                          "forecast": [r for r in series if r.forecast]})
    return render_template("analytics/demand.html", snapshot=snapshot, bands=bands, months=FORECAST_MONTHS,
                           interval=INTERVAL)


@bp.get("/products")
@requires("analytics.view")
def products():
    """Per product, the median days between a customer's purchases of it (keyset pages).

    Product figures over all customers, no customer named: every analytics user may see them
    (a salesperson plans calls with them).
    """
    from core.catalog.models import Product
    from plugins.analytics.models import ProductInterval

    snapshot = latest_snapshot()
    page, products_by_id = None, {}
    if snapshot is not None:
        stmt = sa.select(ProductInterval).where(ProductInterval.snapshot_id == snapshot.id)
        page = _list_page(stmt, [ProductInterval.repeat_customers, ProductInterval.product_id], ("int", "id"),
                          descending=True)
        ids = [row.product_id for row in page.items]
        if ids:
            products_by_id = {p.id: p for p in db.session.execute(sa.select(Product).where(Product.id.in_(ids))).scalars()}
    return render_template("analytics/products.html", snapshot=snapshot, page=page, products=products_by_id)


@bp.post("/today/<kind>/<int:customer_id>")
@requires("analytics.view")
def today_follow_up(kind, customer_id):
    """Act on a suggestion of the "Today" card: schedule a follow-up in the customer's history.

    The suggestion is looked up again for this user (their own customers, the latest snapshot):
    nothing in the form is trusted but the kind and the customer, and a customer the card would
    not show them is a 404. Scheduling twice is refused politely (the card already shows it).
    """
    from core.l10n import local_today

    from plugins.analytics import today

    if not user_can("history.log"):
        abort(403)
    if kind not in today.KINDS:
        abort(404)
    suggestion = today.find(current_user, latest_snapshot(), kind, customer_id)
    if suggestion is None:
        abort(404)
    if suggestion["scheduled"] is None:
        today.schedule(current_user, suggestion, local_today())
        db.session.commit()
        flash(_("Follow-up scheduled for %(name)s.", name=suggestion["customer_name"]), "success")
    else:
        flash(_("A follow-up for %(name)s is already scheduled.", name=suggestion["customer_name"]), "info")
    return redirect(url_for("web.dashboard") + "#analytics-today")


def today_card():
    """The "Today" dashboard card (``dashboard_widgets``): this user's suggestions and why."""
    from core.l10n import local_today

    from plugins.analytics import today

    snapshot = latest_snapshot()
    items = today.suggestions(current_user, snapshot)
    groups = [(kind, label, [s for s in items if s["kind"] == kind]) for kind, label in today.KINDS.items()]
    return Markup(render_template("analytics/_today.html", snapshot=snapshot, groups=groups, any=bool(items),
                                  reason=today.reason, today=local_today(), may_act=user_can("history.log")))


@bp.get("/clusters")
@requires("analytics.view")
def clusters():
    """The customer clusters of the latest snapshot, each with its profile and a generated description.

    Profiles describe groups (no customer named), so every analytics user sees them; a
    salesperson also sees how many of their own customers fall in each (record rule).
    """
    from plugins.analytics.clusters import attribute_label, cluster_rows, description, own_counts

    snapshot = latest_snapshot()
    rows, own = [], None
    if snapshot is not None:
        rows = cluster_rows(snapshot)
        if not user_can("analytics.manager"):
            own = own_counts(snapshot)
    total = sum(row.customers for row in rows)
    return render_template("analytics/clusters.html", snapshot=snapshot, rows=rows, total=total, own=own,
                           description=description, attribute_label=attribute_label)


@bp.get("/retention")
@requires("analytics.view")
def retention():
    """Retention per salesperson for the periods the user picks, from the latest snapshot's counts
    (live SQL over sales' orders for a snapshot written before them, or before the first one).

    A salesperson sees their own row only; ``analytics.manager`` sees every owner's.
    """
    from core.l10n import local_today
    from plugins.analytics.retention import default_period, parse_period, previous_period, retention as compute

    # The examples are isolated left to right (U+2066 … U+2069): in a Hebrew sentence "2026-Q1"
    # would otherwise be shown as "Q1-2026".
    examples = {"month": "\u20662026-03\u2069", "quarter": "\u20662026-Q1\u2069", "year": "\u20662026\u2069"}
    keys = _("A month (%(month)s), a quarter (%(quarter)s) or a year (%(year)s).", **examples)
    errors = {}
    period_key, previous_key = request.args.get("period", ""), request.args.get("previous", "")
    current = parse_period(period_key) if period_key else default_period(local_today())
    if current is None:
        errors["period"] = keys
    previous = None
    if previous_key:
        previous = parse_period(previous_key)
        if previous is None:
            errors["previous"] = keys
    elif current is not None:
        previous = previous_period(current)
    if current is not None and previous is not None and previous.end > current.start:
        errors["previous"] = _("The earlier period must end before this one starts.")
    manager = user_can("analytics.manager")
    snapshot = latest_snapshot()
    if snapshot is not None and not snapshot.owner_counts:
        snapshot = None     # written before the counts: live
    rows = None
    if not errors:
        rows = compute(current, previous, current_user.id, only_owner=not manager, snapshot=snapshot)
    totals = (sum(r.customers for r in rows), sum(r.returned for r in rows)) if rows else (0, 0)
    return render_template("analytics/retention.html", snapshot=snapshot, current=current, previous=previous, rows=rows,
                           errors=errors, period_key=current.key if current else period_key,
                           previous_key=previous.key if previous else previous_key, manager=manager,
                           totals=totals, keys=keys), 400 if errors else 200
