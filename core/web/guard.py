"""What the core refuses before any view runs, for the pages and the API of every plugin.

* **Ids in URLs.** ``<int:...>`` in every route (core and plugins) only matches
  0 … 2**31-1, the range of an INTEGER column: a bigger id is a 404 on every
  database (PostgreSQL would otherwise fail with "integer out of range", a 500).
  The OpenAPI document shows the bound (``maximum``) for each path id.
* **Unstorable text in forms and query strings.** A NUL byte, a lone surrogate or
  another control character in a submitted form or a query parameter of a page is a
  422 with a clear message, the same on SQLite and PostgreSQL (PostgreSQL refuses
  NUL in text; no database driver can encode a lone surrogate). The API checks its
  bodies field by field instead (:class:`core.api.fields.Text`), so API blueprints
  are skipped here. ``next`` (where to go after a login or a language change) is not
  checked here: it is never stored, and ``core.web.redirects`` refuses anything but a
  local path, so a hostile link still logs the user in and lands on the home page.
"""
from __future__ import annotations

from flask import abort, request
from werkzeug.routing import IntegerConverter

from core.db import MAX_ID
from core.text import unstorable


class IdConverter(IntegerConverter):
    """Werkzeug's ``int`` converter bounded to the INTEGER column range."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):  # noqa: A002 (werkzeug's names)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def install_converters(app) -> None:
    """Make ``<int:...>`` the bounded converter; call before any route is registered."""
    app.url_map.converters["int"] = IdConverter


# Parameters that only steer a redirect (validated as local paths where they are used).
NOT_STORED = frozenset({"next"})


def refuse_unstorable_input() -> None:
    """Abort with 422 when a page's form or query string holds text no column can store."""
    from flask_babel import gettext as _

    sources = [request.args]
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        sources.append(request.form)
    for source in sources:
        for key, values in source.lists():
            if key in NOT_STORED:
                continue
            for value in (key, *values):
                why = unstorable(value)
                if why:
                    abort(422, description=_("The text you sent cannot be saved: %(why)s Remove it and try "
                                             "again; nothing was saved.", why=why))
