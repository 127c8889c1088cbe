"""Throttling of the forms that guess or send: the staff login, the portal's login and its
link requests (password reset, email link, sign-up). One way to limit them, so every such form
counts the same way.

Each form gets two limits on its POSTs: one per account (the email typed), whatever the
address, so nobody gets fresh guesses from each new address; and one per client address,
whatever the account (password spraying, or probing many addresses). A locked account locks
nobody else. Behind a proxy the address is the client's only when RAPPORT_PROXY_COUNT says how
many proxies to trust (core.app: werkzeug's ProxyFix).
"""
from __future__ import annotations

from flask import current_app, request

from core.app import limiter


def _failed(response) -> bool:
    """A login that did not redirect (a successful one does): only these count."""
    return response.status_code != 302


def throttled(counter: str, *, account_limit: str, address_limit: str, failed_only: bool = False):
    """Decorate a view (below ``@bp.route`` and its access decorator) with the two limits.

    ``counter`` names the counters (``"login"`` → ``login-account:<email>`` and
    ``login-address:<ip>``); ``account_limit`` and ``address_limit`` are the config keys of the
    limits (e.g. ``"5 per 15 minutes"``), read on each request; ``failed_only`` counts only the
    answers that are not a redirect (failed logins)."""

    def account_key() -> str:
        return f"{counter}-account:" + (request.form.get("email") or "").strip().lower()[:254]

    def address_key() -> str:
        return f"{counter}-address:" + (request.remote_addr or "unknown")

    deduct = {"deduct_when": _failed} if failed_only else {}

    def decorate(view):
        view = limiter.limit(lambda: current_app.config[account_limit], key_func=account_key, methods=["POST"],
                             **deduct)(view)
        return limiter.limit(lambda: current_app.config[address_limit], key_func=address_key, methods=["POST"],
                             **deduct)(view)

    return decorate
