"""``rapport serve``: the production web server, one process per core (issue 17).

A Python process runs one request's Python code at a time, so one process uses one core
however many threads it has. On Linux and other POSIX systems Rapport is served by
gunicorn: a small arbiter process forks ``processes`` workers, each a fresh
``create_app()`` (its own database pool, nothing inherited from the parent) with
``threads`` threads (gunicorn's ``gthread`` worker, so slow clients and database waits
overlap within a process); a worker that dies is replaced. Where gunicorn cannot run
(Windows) waitress serves in one process, as before.

Proxy headers are left to the application (``RAPPORT_PROXY_COUNT``, werkzeug's ProxyFix in
core/app.py): gunicorn is told to trust none, so there is one place that decides.
"""
from __future__ import annotations

import os

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def core_count() -> int:
    """The cores this process may run on (a container's or ``taskset``'s limit, not the machine's)."""
    if hasattr(os, "sched_getaffinity"):
        return max(len(os.sched_getaffinity(0)), 1)
    return os.cpu_count() or 1


def gunicorn_available() -> bool:
    try:
        import fcntl  # noqa: F401  (gunicorn needs it: POSIX only)
        import gunicorn  # noqa: F401
    except ImportError:
        return False
    return True


def plain_http_on_loopback(app, host: str) -> None:
    """Plain HTTP on loopback: browsers would drop Secure cookies on 127.0.0.1."""
    if host in LOOPBACK and app.config.get("SESSION_COOKIE_SECURE"):
        app.config["SESSION_COOKIE_SECURE"] = False
        app.config["REMEMBER_COOKIE_SECURE"] = False


def _bind(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def serve_gunicorn(host: str, port: int, *, processes: int, threads: int, echo=print) -> None:
    """Run gunicorn in this process until it is stopped (SIGTERM/SIGINT stop it gracefully)."""
    from gunicorn.app.base import BaseApplication

    options = {
        "bind": _bind(host, port),
        "workers": processes,
        "worker_class": "gthread",
        "threads": threads,
        "proc_name": "rapport",
        "forwarded_allow_ips": "",  # proxies: RAPPORT_PROXY_COUNT decides, in the app
        "secure_scheme_headers": {},
        "control_socket_disable": True,  # gunicorn ≥ 25 opens a control socket in $HOME otherwise
    }

    class Rapport(BaseApplication):
        def load_config(self):
            for key, value in options.items():
                if key in self.cfg.settings:  # older gunicorn lacks some settings
                    self.cfg.set(key, value)

        def load(self):
            # In each worker, after the fork: a fresh app with its own connections.
            from core.app import create_app

            app = create_app()
            plain_http_on_loopback(app, host)
            return app

    echo(f"Rapport is serving http://{_bind(host, port)}/ with {processes} processes × {threads} threads "
         "(Ctrl+C stops)")
    Rapport().run()


def serve_waitress(app, host: str, port: int, *, threads: int, echo=print) -> None:
    import waitress

    plain_http_on_loopback(app, host)
    echo(f"Rapport is serving http://{_bind(host, port)}/ with 1 process × {threads} threads (Ctrl+C stops)")
    waitress.serve(app, host=host, port=port, threads=threads, ident="rapport")
