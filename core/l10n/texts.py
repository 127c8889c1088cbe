"""Texts the system writes (history entries, audit entries, notifications), stored as a
kind and parameters and rendered in the *reader's* language when shown.

A Greek and a Hebrew colleague open the same customer: each reads "2 units registered
from order SO-77" in their own language, because the database holds
``("service.units_registered", {"count": 2, "number": "SO-77"})``, not a sentence.

Who writes such texts registers how each kind reads, once, through the
``register_text_kinds()`` hook (plugins) or :func:`core_text_kinds` (the core)::

    @hookimpl
    def register_text_kinds():
        from flask_babel import ngettext
        from core.contrib import TextKind

        return [TextKind("service.units_registered",
                         lambda p: ngettext("%(num)d unit registered from order %(number)s",
                                            "%(num)d units registered from order %(number)s",
                                            p["count"], number=p["number"]))]

``render`` is called while the page renders, so ``gettext``/``ngettext`` and the
:mod:`core.l10n` formatters follow the reader. Parameters are plain JSON: ids, names
as they were, ISO dates and decimal strings (format them in ``render``; never store a
formatted number or date). Kinds are named ``<plugin>.<what>``.

:func:`render_text` turns a stored ``(kind, params)`` into text; an unknown kind (its
plugin was uninstalled) or a renderer that fails falls back to the English text stored
next to it, so an entry never disappears. :func:`english` renders that fallback.
"""
from __future__ import annotations

import logging
from typing import Any

from flask import current_app, has_app_context

log = logging.getLogger(__name__)


def registry() -> dict[str, Any]:
    """``{kind: TextKind}`` of the core and every installed plugin (built once per app)."""
    if not has_app_context():
        return {}
    state = current_app.extensions.get("rapport")
    kinds = getattr(state, "text_kinds", None)
    if kinds is None:
        kinds = {k.kind: k for k in core_text_kinds()}
        if state is not None:
            for _plugin, result in state.plugins.call("register_text_kinds", include_disabled=True):
                for k in result:
                    kinds[k.kind] = k
            state.text_kinds = kinds
    return kinds


def render_text(kind: str | None, params: dict | None, fallback: str = "") -> str:
    """The stored text ``(kind, params)`` in the reader's language (``fallback`` when unknown)."""
    if not kind:
        return fallback
    spec = registry().get(kind)
    if spec is None:
        return fallback
    try:
        return str(spec.render(dict(params or {})))
    except Exception:  # a renderer bug must not hide the entry
        log.exception("text kind %s failed to render %r", kind, params)
        return fallback


def english(kind: str, params: dict | None) -> str:
    """The text in English: stored beside the kind for search, exports and the API."""
    from flask_babel import force_locale

    with force_locale("en"):
        return render_text(kind, params, "")


def _merged(params: dict) -> str:
    from flask_babel import gettext as _

    if params.get("name"):
        return _("Merged “%(name)s” into this customer", name=params["name"])
    return _("Merged a duplicate into this customer")  # the name was erased (GDPR)


def core_text_kinds() -> list:
    """The core's own kinds (customer merges, emails and SMS sent and received, the portal)."""
    from flask_babel import gettext as _

    from core.contrib import TextKind
    from core.messaging import texts as messaging_texts
    from core.portal import texts as portal_texts

    return [
        TextKind("core.merged", _merged),
        TextKind("core.erased", lambda p: _("Personal data erased")),
        *messaging_texts.text_kinds(),
        *portal_texts.text_kinds(),
    ]
