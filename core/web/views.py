"""Dashboard, global search and language choice."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape
from flask_login import current_user

from core.db import db
from core.security import login_required, public
from core.text import fold
from core.web.redirects import safe_target

bp = Blueprint("web", __name__)

SEARCH_LIMIT = 10


@bp.get("/")
@login_required
def dashboard():
    registry = current_app.extensions["rapport"].plugins
    widgets = []
    for widget in registry.contributions("dashboard_widgets", user=current_user):
        if current_user.can(widget.permission):
            widgets.append({"title": widget.title, "html": render_contribution(widget)})
    return render_template("core/dashboard.html", widgets=widgets)


def render_contribution(item) -> Markup:
    """Render a widget or panel; one that raises is logged and shown as a notice.

    A plain ``str`` is escaped (it may hold user data); return ``Markup`` or the
    result of ``render_template`` for HTML.
    """
    try:
        html = item.render()
    except Exception:
        current_app.logger.exception("contribution %r failed to render", getattr(item, "title", item))
        return Markup('<p class="text-danger small mb-0">%s</p>') % _("This section could not be shown.")
    return html if isinstance(html, Markup) else escape(html)


LIVE_LIMIT = 5


def _search_groups(q: str, limit: int) -> list:
    """``[(kind, [SearchResult, …]), …]`` from every enabled plugin, in weight order."""
    if not fold(q):
        return []
    registry = current_app.extensions["rapport"].plugins
    results = registry.contributions("search_results", query=fold(q), user=current_user, limit=limit)
    by_kind: dict = {}
    for r in results:
        by_kind.setdefault(str(r.kind), []).append(r)
    return [(kind, items[:limit]) for kind, items in by_kind.items()]


@bp.get("/search")
@login_required
def search():
    q = (request.args.get("q") or "").strip()[:200]
    return render_template("core/search.html", q=q, groups=_search_groups(q, SEARCH_LIMIT))


@bp.get("/search.json")
@login_required
def search_json():
    """The navbar's type-ahead: a few results of each kind, grouped, with their details."""
    q = (request.args.get("q") or "").strip()[:200]
    groups = [{"kind": kind, "results": [{"label": r.label, "url": r.url, "detail": r.detail} for r in items]}
              for kind, items in _search_groups(q, LIVE_LIMIT)]
    response = jsonify({"q": q, "groups": groups})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/language")
@public
def set_language():
    lang = request.form.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:
            current_user.ui_language = lang
            db.session.commit()
    return redirect(safe_target(request.form.get("next"), url_for("web.dashboard")))
