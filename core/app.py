"""The application factory (Flask tutorial style: ``create_app(test_config=None)``)."""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import Flask, abort, g, redirect, request, url_for
from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect

from core import config as cfg
from core.audit.context import API, WEB, set_request_origin
from core.db import configure_engine, db
from core.plugins import PluginRegistry
from core.security import LOGIN, PUBLIC, access_rule, automatic_options, security_headers
from core.web.guard import refuse_unstorable_input

log = logging.getLogger(__name__)

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
login_manager = LoginManager()
babel = Babel()
bootstrap = Bootstrap5()


@dataclass
class RapportState:
    """What the core keeps in ``app.extensions["rapport"]`` (never import-time globals)."""

    plugins: PluginRegistry
    queue: object = None  # core.jobs.queue.Queue: declared tasks and the Huey instance
    api: object = None
    api_blueprints: frozenset = frozenset()
    text_kinds: dict | None = None  # core.l10n.texts.registry(), built on first use
    api_owned: dict = field(default_factory=dict)      # plugin → {API blueprint name: OpenAPI paths}
    openapi_cache: dict = field(default_factory=dict)  # enabled set → the JSON document


def create_app(test_config: dict | None = None) -> Flask:
    instance = (test_config or {}).get("INSTANCE_PATH") or cfg.instance_path()
    app = Flask("core", instance_path=instance, instance_relative_config=True)
    from core.web.guard import install_converters

    install_converters(app)  # bounded <int:...> ids, before any route exists
    app.config.from_mapping(cfg.default_config(instance))
    if test_config:
        app.config.from_mapping(test_config)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        os.makedirs(instance, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = cfg.database_url(instance)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = cfg._secret_key(instance)

    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    from core.portal.session import SplitSessionInterface

    app.session_interface = SplitSessionInterface()  # staff and portal cookies never mix
    db.init_app(app)
    from core.audit.recorder import install as install_audit

    install_audit()
    with app.app_context():
        configure_engine(db.engine)
        from core import models  # noqa: F401  (register every core table)
    from core.history.guards import install as install_history_guards

    install_history_guards()

    csrf.init_app(app)
    limiter.init_app(app)
    bootstrap.init_app(app)
    from core.i18n import install_request_translations, install_wtforms_translations, select_locale, text_direction

    from core.l10n import jinja as l10n_jinja
    from core.l10n.context import timezone_name

    babel.init_app(app, locale_selector=select_locale, timezone_selector=timezone_name)
    install_request_translations(app, babel)
    install_wtforms_translations()
    l10n_jinja.install(app)
    _init_login(app)

    registry = PluginRegistry(
        extra_modules=app.config["RAPPORT_EXTRA_PLUGINS"], only=app.config["RAPPORT_INSTALLED"]
    )
    state = RapportState(plugins=registry)
    app.extensions["rapport"] = state
    _add_plugin_translations(app, registry)
    from core.jobs.queue import init_queue

    state.queue = init_queue(app, registry)

    _register_blueprints(app, registry)
    from core.api import init_api

    init_api(app, state)

    from core.web.nav import inject_shell

    app.context_processor(inject_shell)
    from flask_babel import get_locale

    app.jinja_env.globals.update(text_direction=text_direction, get_locale=get_locale)
    app.before_request(_before_request)
    app.after_request(security_headers)
    from core.web.errors import register_error_handlers

    register_error_handlers(app)
    from core.cli import register_cli

    register_cli(app)
    return app


def _add_plugin_translations(app: Flask, registry: PluginRegistry) -> None:
    """A plugin ships its catalogs in ``<plugin>/translations``; Flask-Babel merges them.

    Plugin folders go *before* the core's: Flask-Babel takes the plural rule from the last
    folder merged, and a plugin without a catalog for the language would reset it to
    English's ``n != 1`` (wrong plural forms in Lithuanian, English text in Persian).
    """
    from pathlib import Path

    directories = app.extensions["babel"].translation_directories
    for plugin in registry.installed.values():
        path = str(Path(plugin.module.__file__).parent / "translations")
        if os.path.isdir(path) and path not in directories:
            directories.insert(0, path)


def _init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str):
        from core.auth.sessions import load_session_user

        return load_session_user(user_id)


def _register_blueprints(app: Flask, registry: PluginRegistry) -> None:
    from core.admin.views import bp as admin_bp
    from core.auth.views import bp as auth_bp
    from core.catalog.views import bp as catalog_bp
    from core.customers.views import bp as customers_bp
    from core.events.views import bp as events_bp
    from core.history.views import bp as history_bp
    from core.jobs.views import bp as jobs_bp
    from core.messaging.views import bp as messages_bp
    from core.transfer.views import bp as transfer_bp
    from core.web.picker import bp as lookup_bp
    from core.web.views import bp as web_bp
    from core.audit.views import bp as audit_bp
    from core.audit.views import tab_bp as audit_tab_bp

    for bp in (web_bp, auth_bp, admin_bp, customers_bp, history_bp, catalog_bp, lookup_bp, jobs_bp, events_bp,
               messages_bp, audit_bp, audit_tab_bp, transfer_bp):
        app.register_blueprint(bp)
    for plugin, blueprints in registry.call("register_blueprints", include_disabled=True, app=app):
        for bp in blueprints:
            app.register_blueprint(bp)
            registry.blueprint_owner[bp.name] = plugin
    from core.portal.pages import register_portal

    register_portal(app, registry)


def _refresh_plugins(app: Flask) -> None:
    registry = app.extensions["rapport"].plugins
    try:
        registry.refresh(db.session)
    except sa.exc.OperationalError:  # database not created yet (`rapport init` pending)
        db.session.rollback()
        registry.enabled = frozenset()
    except sa.exc.ProgrammingError:
        db.session.rollback()
        registry.enabled = frozenset()


def _before_request():
    from flask import current_app

    app = current_app
    state: RapportState = app.extensions["rapport"]
    _refresh_plugins(app)
    endpoint = request.endpoint
    if endpoint is None:
        return None  # 404/405 handled by Flask
    blueprint = (request.blueprint or "").split(".")[0]
    set_request_origin(API if blueprint in state.api_blueprints else WEB)
    owner = state.plugins.blueprint_owner.get(blueprint)
    if owner and not state.plugins.is_enabled(owner):
        abort(404)
    if endpoint == "static" or endpoint.endswith(".static") or endpoint == "bootstrap.static":
        return None
    if automatic_options():
        return None  # Flask answers with the Allow header; no body, no data, no login
    if blueprint in state.api_blueprints:
        from core.api.auth import authenticate_api_request

        return authenticate_api_request(endpoint)
    view = app.view_functions[endpoint]
    rule = access_rule(view, request.method)
    from core.portal.session import before_portal_request, is_portal_path, outside_portal

    if is_portal_path(request.path):
        return before_portal_request(rule)  # customers only: the staff login is not even read here
    outside_portal(rule)
    if rule == PUBLIC:
        return refuse_unstorable_input()
    if rule is None:
        log.error("view %s declares no access rule; denying", endpoint)
        abort(403)
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if rule != LOGIN and not current_user.can(rule):
        g.audit_permission = rule  # the audit's record of the refusal names it
        abort(403)
    return refuse_unstorable_input()
