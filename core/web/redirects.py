"""Where a ``next=`` may send the browser: only a path on this site.

Every redirect whose target comes from the request (``next`` on the login page, the
language switch, follow-up done/undo, a referrer) goes through :func:`safe_target`,
the one place that decides. Browsers "repair" URLs before following them: they drop
tabs and newlines anywhere, strip leading spaces and control characters, and read a
backslash as a slash, so ``/\\t/evil.example/`` becomes ``//evil.example/`` — another
host. The rule is therefore strict rather than clever: the target must start with a
single ``/``, and contain no backslash and no control or invisible formatting
character at all; what remains must parse with no scheme and no host.
"""
from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

from flask import request

# Cc: control characters (tab, newline, NUL, DEL, C1); Cf: invisible formatting (bidi
# marks, zero-width); Zl/Zp: line and paragraph separators.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})
MAX_LENGTH = 2000


def is_safe_path(target: str | None) -> bool:
    """True for a local path such as ``/customers/?q=a``; False for anything a browser
    could turn into another site (``//host``, ``/\\host``, ``/\\t/host``, ``https:…``)."""
    if not isinstance(target, str) or not target or len(target) > MAX_LENGTH:
        return False
    if not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(unicodedata.category(ch) in _REFUSED_CATEGORIES for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and parts.path.startswith("/")


def safe_target(target: str | None, default: str) -> str:
    """``target`` when it is a local path, else ``default`` (which the caller builds)."""
    return target if is_safe_path(target) else default


def safe_referrer(default: str) -> str:
    """The page the user came from when it is on this site, else ``default``.

    Only the path and query of the ``Referer`` are used, and only when its host is this
    request's host, so a foreign page cannot pick where a form sends the user.
    """
    referrer = request.referrer
    if not referrer:
        return default
    parts = urlsplit(referrer)
    if parts.netloc and parts.netloc != request.host:
        return default
    local = parts.path + (f"?{parts.query}" if parts.query else "")
    return safe_target(local, default)
