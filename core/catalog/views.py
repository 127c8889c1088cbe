"""Catalog pages: list, create, edit, deactivate."""
from __future__ import annotations

from flask import Blueprint, render_template

from core.security import requires

bp = Blueprint("catalog", __name__, url_prefix="/catalog")


@bp.get("/")
@requires("catalog.view")
def index():
    return render_template("catalog/index.html")
