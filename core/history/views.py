"""Contact-history and follow-up pages."""
from __future__ import annotations

from flask import Blueprint, render_template

from core.security import requires

bp = Blueprint("history", __name__)


@bp.get("/activities")
@requires("history.log")
def my_activities():
    return render_template("history/my_activities.html")
