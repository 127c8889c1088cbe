"""Language choice and text direction.

The UI language comes from the user's profile, else the session (anonymous users
can switch on the login page), else the browser's Accept-Language.
"""
from __future__ import annotations

from flask import current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

from core.config import RTL_LANGUAGES


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # the CLI: lazy strings (plugin labels) render in the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    user_lang = getattr(current_user, "ui_language", None) if current_user else None
    if user_lang in languages:
        return user_lang
    if session.get("lang") in languages:
        return session["lang"]
    return request.accept_languages.best_match(list(languages)) or "en"


def text_direction() -> str:
    return "rtl" if str(get_locale()) in RTL_LANGUAGES else "ltr"
