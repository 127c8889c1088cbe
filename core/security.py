"""Access control: every view declares who may call it, the core enforces it.

Views are *denied by default*: a view function (or MethodView method) must carry
``@public``, ``@login_required`` or ``@requires("perm")``; one without a marker
answers 403 and logs an error, so a forgotten check fails closed.
Record rules ("own records only") are applied with :func:`scoped` and :func:`ensure_visible`.
"""
from __future__ import annotations

import logging

from flask import abort, current_app, g, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user

log = logging.getLogger(__name__)

PUBLIC = "__public__"
LOGIN = "__login__"


def _mark(rule):
    def decorator(view):
        view._rapport_access = rule
        return view

    return decorator


public = _mark(PUBLIC)
login_required = _mark(LOGIN)


def requires(permission: str):
    """Allow the view to users holding ``permission`` (admins hold all)."""
    return _mark(permission)


def access_rule(view, method: str):
    """The access marker of ``view`` for ``method``; ``HEAD`` is ``GET``'s (Flask
    serves HEAD with the GET handler, so it needs the same right, no more)."""
    rule = getattr(view, "_rapport_access", None)
    if rule is None and hasattr(view, "view_class"):
        cls = view.view_class
        name = method.lower()
        if name == "head" and not hasattr(cls, "head"):
            name = "get"
        rule = getattr(getattr(cls, name, None), "_rapport_access", None)
    return rule


def automatic_options() -> bool:
    """True for an ``OPTIONS`` request Flask answers by itself (the ``Allow`` header).

    Such a request runs no view and reveals nothing but the allowed methods, so it is
    answered like a CORS-less preflight: without login, token or error log.
    """
    rule = request.url_rule
    return request.method == "OPTIONS" and rule is not None and getattr(rule, "provide_automatic_options", False)


def user_can(permission: str | None) -> bool:
    return bool(current_user and current_user.is_authenticated and current_user.can(permission))


def check_permission(permission: str) -> None:
    """Abort with 403 unless the current user holds ``permission`` (for checks inside a view)."""
    if not user_can(permission):
        g.audit_permission = permission  # named in the audit's record of the refusal
        abort(403)


# -- record rules ------------------------------------------------------------------


def _rules_for(model):
    rules = current_app.extensions["rapport"].plugins.contributions("record_rules")
    return [r for r in rules if r.model is model]


def scoped(stmt, model):
    """Restrict a ``select()`` on ``model`` by every record rule the user is subject to."""
    for rule in _rules_for(model):
        if not current_user.can(rule.all_permission):
            stmt = stmt.where(getattr(model, rule.owner_column) == current_user.id)
    return stmt


def visible(obj) -> bool:
    for rule in _rules_for(type(obj)):
        if not current_user.can(rule.all_permission) and getattr(obj, rule.owner_column) != current_user.id:
            return False
    return True


def ensure_visible(obj):
    """404 when ``obj`` is missing or hidden by a record rule (never reveal it exists)."""
    if obj is None or not visible(obj):
        abort(404)
    return obj


# -- cookies and headers ------------------------------------------------------------------------

class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with ``Secure`` on every cookie sent over HTTPS.

    ``SESSION_COOKIE_SECURE`` (on unless ``RAPPORT_INSECURE_COOKIES=1``) decides for plain
    HTTP; a request that arrived over HTTPS — directly, or through a proxy trusted with
    ``RAPPORT_PROXY_COUNT`` — always gets a ``Secure`` cookie.
    """

    def get_cookie_secure(self, app) -> bool:
        return bool(super().get_cookie_secure(app) or (has_request_context() and request.is_secure))


CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
)


def security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if current_user and getattr(current_user, "is_authenticated", False):
        response.headers.setdefault("Cache-Control", "no-store")
    return response
