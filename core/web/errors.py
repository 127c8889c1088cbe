"""Error pages for the web and JSON errors for the API (never a bare 500 page)."""
from __future__ import annotations

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def register_error_handlers(app) -> None:
    api = app.extensions["rapport"].api

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if exc.code == 403:  # every refusal, from any check, web or API, is audited here
            from core.audit.recorder import record_denied

            record_denied()
        if _wants_json():
            return api.handle_http_exception(exc)
        return render_template("core/error.html", error=exc), exc.code

    @app.errorhandler(StaleDataError)
    def stale(exc: StaleDataError):
        """A write that raced past the version check (core/web/versions.py): nothing saved, 409."""
        from core.db import db
        from werkzeug.exceptions import Conflict

        db.session.rollback()
        return http_error(Conflict(_("Someone else changed this record at the same moment; nothing was saved. "
                                     "Reload the page and try again.")))

    @app.errorhandler(Exception)
    def unhandled(exc: Exception):
        if isinstance(exc, HTTPException):
            return http_error(exc)
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        from core.db import db

        db.session.rollback()
        if _wants_json():
            return jsonify({"code": 500, "status": "Internal Server Error",
                            "message": "Something went wrong; nothing was saved."}), 500
        return render_template("core/error.html", error=None), 500
