"""The plugin's pages. Every view carries an access decorator below the route."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, render_template, request

from core.db import db
from core.security import requires
from core.web.pagination import BadCursor, keyset_page
from rapport_hello.models import HelloNote

# Named after the plugin: while "hello" is disabled the core answers 404 here.
bp = Blueprint("hello", __name__, url_prefix="/hello", template_folder="templates")


@bp.get("/")
@requires("hello.view")
def index():
    """Every note, newest first, one keyset page at a time."""
    try:
        page = keyset_page(db.session, sa.select(HelloNote), [HelloNote.id], cursor=request.args.get("cursor"),
                           limit=current_app.config["PAGE_SIZE"], descending=True)
    except BadCursor:
        abort(400)
    return render_template("hello/index.html", page=page)
