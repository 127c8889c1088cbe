"""Language choice and text direction.

The UI language comes from the user's profile, else the session (anonymous users
can switch on the login page), else the browser's Accept-Language.
"""
from __future__ import annotations

from pathlib import Path

from flask import current_app, g, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

from core.config import RTL_LANGUAGES


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # the CLI: lazy strings (plugin labels) render in the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    from core.portal.session import current_portal, is_portal_path

    if is_portal_path(request.path):  # customers: their preferred language (a staff viewer: the one chosen)
        portal = current_portal._get_current_object()
        wanted = [session.get("lang"), portal.customer.preferred_language] if portal else [session.get("lang")]
        if portal and not portal.read_only:
            wanted.reverse()
        for lang in wanted:
            if lang in languages:
                return lang
        return request.accept_languages.best_match(list(languages)) or "en"
    user_lang = getattr(current_user, "ui_language", None) if current_user else None
    if user_lang in languages:
        return user_lang
    if session.get("lang") in languages:
        return session["lang"]
    return request.accept_languages.best_match(list(languages)) or "en"


def text_direction() -> str:
    return "rtl" if str(get_locale()) in RTL_LANGUAGES else "ltr"


def wtforms_translations():
    """Translations for WTForms' own messages ("This field is required.", …).

    Flask-WTF reads them only from the catalogs shipped with WTForms, which have no
    Lithuanian; ``core/translations/<lang>/LC_MESSAGES/wtforms.po`` fills such gaps and wins
    over WTForms' wording where both exist. Cached per request, as Flask-WTF does.
    """
    if not has_request_context() or "babel" not in current_app.extensions:
        return None
    cached = getattr(g, "_rapport_wtforms_translations", None)
    if cached is None:
        from babel import support
        from wtforms.i18n import messages_path

        locales = [get_locale()]
        cached = support.Translations.load(messages_path(), locales, domain="wtforms")
        ours = support.Translations.load(str(Path(__file__).parent / "translations"), locales, domain="wtforms")
        if isinstance(ours, support.Translations):
            if isinstance(cached, support.Translations):
                cached.merge(ours)
            else:
                cached = ours
        g._rapport_wtforms_translations = cached
    return cached


def install_wtforms_translations() -> None:
    """Point Flask-WTF's lookup (a module-level function it calls on every message) at ours."""
    import flask_wtf.i18n

    flask_wtf.i18n._get_translations = wtforms_translations
