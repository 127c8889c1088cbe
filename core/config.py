"""Configuration from the environment, with safe defaults for a local install.

``DATABASE_URL`` chooses the database (default: SQLite at ``instance/rapport.db``).
``RAPPORT_SECRET_KEY`` signs sessions; when unset, a random key is created once in
``instance/secret_key`` (never in the repository) so every worker shares it.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from core.messaging.config import defaults as messaging_defaults


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
        # Shared by every web process and worker when set: the job queue (Huey) and the
        # login rate limit live there. Unset: SQLite queue in the instance folder, limits per process.
        "REDIS_URL": os.environ.get("RAPPORT_REDIS_URL") or None,
        # The business's usual tax rate in percent; products may carry their own.
        "DEFAULT_TAX_RATE": os.environ.get("RAPPORT_TAX_RATE", "0"),
        "RATELIMIT_STORAGE_URI": (os.environ.get("RAPPORT_RATELIMIT_STORAGE") or os.environ.get("RAPPORT_REDIS_URL")
                                  or "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Failed logins allowed per account (any address) and per address (any account).
        "LOGIN_ACCOUNT_LIMIT": os.environ.get("RAPPORT_LOGIN_ACCOUNT_LIMIT") or "10 per 15 minutes",
        "LOGIN_ADDRESS_LIMIT": os.environ.get("RAPPORT_LOGIN_ADDRESS_LIMIT") or "50 per 15 minutes",
        # How many reverse proxies in front set X-Forwarded-For/-Proto/-Host (0: trust none).
        "PROXY_COUNT": int(os.environ.get("RAPPORT_PROXY_COUNT") or 0),
        "PASSWORD_MIN_LENGTH": int(os.environ.get("RAPPORT_PASSWORD_MIN_LENGTH") or 10),
        "PASSWORD_MIN_SCORE": int(os.environ.get("RAPPORT_PASSWORD_MIN_SCORE") or 3),
        "PAGE_SIZE": 50,
        "API_TITLE": "Rapport API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        # Plugins: None = every installed entry point; a list restricts discovery.
        "RAPPORT_INSTALLED": None,
        # Extra plugin modules (objects or import paths), used by tests and embedding; from the
        # environment as comma-separated import paths (a plugin under development, not pip-installed).
        "RAPPORT_EXTRA_PLUGINS": [m.strip() for m in os.environ.get("RAPPORT_EXTRA_PLUGINS", "").split(",")
                                  if m.strip()],
        "BOOTSTRAP_SERVE_LOCAL": True,
        # Background jobs (core.jobs) and durable events (core.events); see docs/running.md.
        "JOBS_QUEUE_NAME": os.environ.get("RAPPORT_QUEUE_NAME", "rapport"),
        "JOBS_SQLITE_PATH": None,  # default: <instance>/queue.db
        "JOBS_LEASE_SECONDS": _int_env("RAPPORT_JOB_LEASE_SECONDS", 120),
        "JOBS_RETENTION_DAYS": _int_env("RAPPORT_JOB_RETENTION_DAYS", 90),
        "EVENTS_DELIVERY": os.environ.get("RAPPORT_EVENT_DELIVERY", "inline"),  # "inline" or "worker"
        "EVENTS_PICKUP_SECONDS": _int_env("RAPPORT_EVENT_PICKUP_SECONDS", 30),
        "EVENTS_RETENTION_DAYS": _int_env("RAPPORT_EVENT_RETENTION_DAYS", 30),
        # Import and export (core.transfer, docs/importing.md): where uploaded files wait for
        # their job (shared by web processes and workers), and the largest file accepted.
        "IMPORT_DIR": os.environ.get("RAPPORT_IMPORT_DIR") or None,  # default: <instance>/imports
        "IMPORT_MAX_MB": _int_env("RAPPORT_IMPORT_MAX_MB", 200),
        # Processes that check a big import's rows side by side (core/transfer/pool.py); 0 or 1:
        # in the importing process only (the default: on a busy machine the pool costs CPU and
        # was not measured faster; bench/README.md "Imports in a process pool").
        "IMPORT_WORKERS": _int_env("RAPPORT_IMPORT_WORKERS", 1),
        # Uploaded files hold customers' personal data: core.purge deletes them (and their runs)
        # this long after the import ended.
        "IMPORT_RETENTION_DAYS": _int_env("RAPPORT_IMPORT_RETENTION_DAYS",
                                          _int_env("RAPPORT_JOB_RETENTION_DAYS", 90)),
        **messaging_defaults(),
        # The customer portal (core/portal; docs/running.md#the-customer-portal).
        "PORTAL_PUBLIC_URL": os.environ.get("RAPPORT_PUBLIC_URL") or None,  # base of links in emails
        "PORTAL_INVITE_DAYS": _int_env("RAPPORT_PORTAL_INVITE_DAYS", 7),
        "PORTAL_RESET_MINUTES": _int_env("RAPPORT_PORTAL_RESET_MINUTES", 30),
        "PORTAL_MAGIC_MINUTES": _int_env("RAPPORT_PORTAL_MAGIC_MINUTES", 15),
        "PORTAL_MAGIC_LINKS": os.environ.get("RAPPORT_PORTAL_MAGIC_LINKS", "1") == "1",
        "PORTAL_SIGNUP": os.environ.get("RAPPORT_PORTAL_SIGNUP") == "1",
        # Emailed links (reset, magic link, sign-up) one address may ask for.
        "PORTAL_MAIL_LIMIT": os.environ.get("RAPPORT_PORTAL_MAIL_LIMIT") or "5 per hour",
        # Forms a portal login may send to plugins' portal pages (orders, claims, replies).
        "PORTAL_POST_LIMIT": os.environ.get("RAPPORT_PORTAL_POST_LIMIT") or "60 per hour",
    }


def _int_env(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {value!r}") from None
