"""Language choice and text direction.

The UI language comes from the user's profile, else the session (anonymous users
can switch on the login page), else the browser's Accept-Language.
"""
from __future__ import annotations

from pathlib import Path

from flask import current_app, g, has_request_context, request, session
from flask.globals import _cv_app
from flask_babel import Domain, get_locale, get_translations
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


# -- translations looked up once per locale and context (issue 17) -------------------------

_MEMO = "rapport_translations"


def _babel_context():
    """Flask-Babel's per-context namespace (``g._flask_babel``), read without LocalProxy hops.

    Flask-Babel itself reaches it through three ``g`` proxy look-ups on every ``gettext``; a
    page translating a few hundred strings spent a millisecond there.
    """
    app_ctx = _cv_app.get(None)  # what ``flask.g`` itself resolves through (Flask ≥ 2.2)
    if app_ctx is None:
        return None
    return app_ctx.g.__dict__.get("_flask_babel")


def _memo(ctx, domain):
    """The translations kept for ``ctx`` while its locale and domain are still the same objects."""
    if ctx is None:
        return None
    found = ctx.__dict__
    memo = found.get(_MEMO)
    if memo is not None and memo[0] is found.get("babel_locale") and memo[1] is domain:
        return memo[2]
    return None


class RequestDomain(Domain):
    """Flask-Babel's default domain, remembering this context's translations object.

    Flask-Babel finds the translations for each string anew: context, locale, its identifier,
    the cache. They depend only on the chosen locale and the domain, so they are kept on
    Flask-Babel's own per-context namespace together with the very ``Locale`` object they
    were found for. ``force_locale``, ``refresh`` and the locale selector all replace (or
    remove) that object, so a different locale never reuses them; a new context (request,
    job) starts without them.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._caches: dict[tuple[str, ...], dict] = {}

    def get_translations_cache(self, ctx):
        """One cache per set of catalog folders, not one for the whole process.

        Flask-Babel keeps its cache on the domain, keyed by locale only, and the ``Babel``
        instance (so its domain) is shared by every app made in the process: an app with fewer
        plugins would hand its merged catalogs, without the other plugins' strings, to the next
        app asking for the same language (tests make many apps; so can a multi-app server).
        """
        return self._caches.setdefault(tuple(self.translation_directories), {})

    def get_translations(self):
        ctx = _babel_context()
        found = _memo(ctx, self)
        if found is not None:
            return found
        translations = super().get_translations()
        ctx = _babel_context()  # created by the look-up if it was missing
        if ctx is not None and ctx.__dict__.get("babel_locale") is not None:
            ctx.__dict__[_MEMO] = (ctx.babel_locale, self, translations)
        return translations


def translations():
    """The current context's translations: Jinja's ``_``/``gettext`` and friends call this."""
    ctx = _babel_context()
    if ctx is not None:
        found = _memo(ctx, ctx.__dict__.get("babel_domain"))
        if found is not None:
            return found
    return get_translations()


def install_request_translations(app, babel) -> None:
    """Use :class:`RequestDomain` as Flask-Babel's default domain and point Jinja's gettext
    functions at :func:`translations` (Flask-Babel installs lambdas taking the long way)."""
    if not isinstance(babel.__dict__.get("domain_instance"), RequestDomain):
        babel.domain_instance = RequestDomain(domain=app.extensions["babel"].default_domain)
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
    )
