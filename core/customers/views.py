"""Customer pages (list, 360 page, forms, duplicates, merge)."""
from __future__ import annotations

from flask import Blueprint, render_template

from core.security import requires

bp = Blueprint("customers", __name__, url_prefix="/customers")


@bp.get("/")
@requires("customers.view")
def index():
    return render_template("customers/index.html")
