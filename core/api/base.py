"""What every API blueprint shares: a JSON parser with clear errors, paging arguments
and pages (:func:`api_page`), and the 422/409 error helpers.

Plugins should build their API blueprints from :class:`Blueprint` (a flask-smorest
``Blueprint``) so a malformed body gets the same clear answer everywhere:

* a body that is not JSON at all (``Content-Type`` not JSON) → 415 with a message;
* a JSON body that does not parse → 400 with the parser's message and position;
* a body that parses but breaks the schema or the service rules → 422 with one
  message list per field, ``{"code": 422, "status": ..., "errors": {"json": {...}}}``.
"""
from __future__ import annotations

from http import HTTPStatus

import marshmallow as ma
from flask_babel import gettext as _
from flask_smorest import Blueprint as SmorestBlueprint
from flask_smorest import abort
from webargs import core as webargs_core
from webargs.flaskparser import FlaskParser, is_json_request

from core.db import db
from core.web.pagination import BadCursor, keyset_page

MAX_LIMIT, DEFAULT_LIMIT = 200, 50


class JsonParser(FlaskParser):
    """webargs' parser, except that bad bodies are explained instead of ignored.

    Stock webargs treats a non-JSON content type as "no body" (the client then sees
    "Missing data for required field" and wonders why) and answers malformed JSON
    with a terse "Invalid JSON body."; both are made explicit here.
    """

    def _raw_load_json(self, req):
        if not is_json_request(req):
            if req.get_data(cache=True).strip():
                abort(415, message=_("Send the body as JSON with the header 'Content-Type: application/json'."))
            return webargs_core.missing
        return webargs_core.parse_json(req.get_data(cache=True))

    def handle_error(self, error, req, schema, *, error_status_code, error_headers):
        """marshmallow's messages in the reader's language (core.l10n.library_messages)."""
        from core.l10n.library_messages import translate_validation_messages

        error.messages = translate_validation_messages(error.messages)
        return super().handle_error(error, req, schema, error_status_code=error_status_code,
                                    error_headers=error_headers)

    def _handle_invalid_json_error(self, error, req, *args, **kwargs):
        if isinstance(error, UnicodeDecodeError):
            detail = _("The request body is not valid UTF-8.")
        else:
            detail = _("The request body is not valid JSON: %(why)s.", why=str(error))
        abort(400, exc=error, message=detail, errors={"json": [detail]})


class Blueprint(SmorestBlueprint):
    ARGUMENTS_PARSER = JsonParser()


class PageArgs(ma.Schema):
    """``limit`` and ``cursor`` for keyset-paged lists (``next_cursor`` of the last page)."""

    limit = ma.fields.Integer(load_default=DEFAULT_LIMIT, validate=ma.validate.Range(1, MAX_LIMIT),
                              metadata={"description": f"Page size, 1 to {MAX_LIMIT}."})
    cursor = ma.fields.String(load_default=None, validate=ma.validate.Length(max=1000),
                              metadata={"description": "The next_cursor of the previous page."})


def input_error(errors: dict[str, list[str]], location: str = "json", message: str | None = None):
    """Answer 422 in flask-smorest's own shape, with one message list per field."""
    abort(422, message=message or _("The input is not valid; nothing was saved."), errors={location: errors})


def bad_cursor():
    why = _("Not a cursor from this list; start again without one.")
    input_error({"cursor": [why]}, location="query", message=why)


def api_page(stmt, columns, args, *, item=None, items=None, **keyset) -> dict:
    """One page of a keyset-paged API list: ``{"items": [...], "next_cursor": ...}`` (a
    :func:`page_schema` answer), ``stmt`` ordered by ``columns`` with the request's ``limit``
    and ``cursor`` (:class:`PageArgs`). A forged or stale cursor answers 422 (:func:`bad_cursor`).

    ``item(row)`` turns each row into its answer (default: the row, dumped by the schema), or
    ``items(rows)`` the whole page at once (a list that loads each row's collections in one batch);
    ``keyset`` goes to :func:`core.web.pagination.keyset_page` (``descending``, ``key``, and
    ``convert``, e.g. ``cursor_of("date", "id")`` for a list ordered by a date then id)."""
    try:
        page = keyset_page(db.session, stmt, columns, cursor=args["cursor"], limit=args["limit"], **keyset)
    except BadCursor:
        bad_cursor()
    if items is not None:
        return {"items": items(page.items), "next_cursor": page.next_cursor}
    return {"items": page.items if item is None else [item(row) for row in page.items],
            "next_cursor": page.next_cursor}


def conflict(message: str):
    abort(409, message=message)


def documents_errors(blp, *codes):
    """Declare the error answers a route can give, for the OpenAPI document."""

    def decorate(fn):
        for code in codes:
            fn = blp.alt_response(code, response=HTTPStatus(code).name)(fn)
        return fn

    return decorate
