"""Configuration from the environment, with safe defaults for a local install.

``DATABASE_URL`` chooses the database (default: SQLite at ``instance/rapport.db``).
``RAPPORT_SECRET_KEY`` signs sessions; when unset, a random key is created once in
``instance/secret_key`` (never in the repository) so every worker shares it.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path


def instance_path() -> str:
    return os.environ.get("RAPPORT_INSTANCE", os.path.join(os.getcwd(), "instance"))


def _secret_key(instance: str) -> str:
    if os.environ.get("RAPPORT_SECRET_KEY"):
        return os.environ["RAPPORT_SECRET_KEY"]
    path = Path(instance) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def database_url(instance: str) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        # Accept the common "postgresql://" spelling and use psycopg 3.
        if url.startswith("postgres://"):
            url = "postgresql://" + url[len("postgres://"):]
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        return url
    return "sqlite:///" + os.path.join(instance, "rapport.db")


LANGUAGES = {
    "en": "English",
    "el": "Ελληνικά",
    "lt": "Lietuvių",
    "fa": "فارسی",
    "he": "עברית",
}
RTL_LANGUAGES = frozenset({"fa", "he"})


def default_config(instance: str) -> dict:
    return {
        "SECRET_KEY": None,  # filled lazily by create_app unless given
        "SQLALCHEMY_DATABASE_URI": None,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("RAPPORT_INSECURE_COOKIES") != "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": os.environ.get("RAPPORT_INSECURE_COOKIES") != "1",
        "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,
        # The business language: anonymous pages, the CLI, demo data.
        "BABEL_DEFAULT_LOCALE": os.environ.get("RAPPORT_LANGUAGE", "en"),
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).parent / "translations"),
        "LANGUAGES": LANGUAGES,
        "PHONE_DEFAULT_REGION": os.environ.get("RAPPORT_PHONE_REGION", "GR"),
        "DEFAULT_CURRENCY": os.environ.get("RAPPORT_CURRENCY", "EUR"),
        # The business's time zone: shown to users who have not chosen their own (core.l10n).
        "TIMEZONE": os.environ.get("RAPPORT_TIMEZONE", "Europe/Athens"),
        "RATELIMIT_STORAGE_URI": os.environ.get("RAPPORT_RATELIMIT_STORAGE", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT": "10 per minute",
        "PAGE_SIZE": 50,
        "API_TITLE": "Rapport API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        # Plugins: None = every installed entry point; a list restricts discovery.
        "RAPPORT_INSTALLED": None,
        # Extra plugin modules (objects or import paths), used by tests and embedding.
        "RAPPORT_EXTRA_PLUGINS": [],
        "BOOTSTRAP_SERVE_LOCAL": True,
    }
