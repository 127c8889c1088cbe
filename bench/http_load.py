"""Requests per second over real HTTP: ``rapport serve --processes N`` beside a minimal Flask page.

Used by :mod:`bench.full`. Both servers are started the same way — gunicorn, ``N`` processes of
8 ``gthread`` threads, on 127.0.0.1 — Rapport through its own command (``rapport serve``), the
minimal page through ``core.serve.serve_gunicorn``'s options with the tiny app of this module
(``MINIMAL_BYTES`` of static HTML, no database, no session). The clients are ``clients`` threads
of one process, each with its own keep-alive connection, sending GETs for ``seconds``; only
200 answers count. On a 2-core machine the clients share the cores with the server, the same for
both servers, so the ratio is what to read.
"""
from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def minimal_app(size: int):
    """A Flask app answering ``/`` with ``size`` bytes of HTML (the page it stands beside)."""
    from flask import Flask

    app = Flask("minimal")
    body = ("<!doctype html><html><body>" + "x" * max(0, size - 40) + "</body></html>").encode()

    @app.get("/")
    def page():
        return body, 200, {"Content-Type": "text/html; charset=utf-8"}

    return app


def serve_minimal(port: int, processes: int, size: int) -> None:
    """Entry point of the minimal server's process: gunicorn with ``rapport serve``'s options."""
    from gunicorn.app.base import BaseApplication

    options = {"bind": f"127.0.0.1:{port}", "workers": processes, "worker_class": "gthread", "threads": 8,
               "control_socket_disable": True, "loglevel": "warning"}

    class Minimal(BaseApplication):
        def load_config(self):
            for key, value in options.items():
                if key in self.cfg.settings:
                    self.cfg.set(key, value)

        def load(self):
            return minimal_app(size)

    Minimal().run()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"no server on port {port} after {timeout:.0f} s")


@contextmanager
def server(argv: list[str], port: int, env: dict):
    proc = subprocess.Popen(argv, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)
    try:
        wait_for(port)
        yield proc
    finally:
        proc.terminate()  # gunicorn's arbiter stops its workers on SIGTERM
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def rapport_server(database_url: str, processes: int, instance: str):
    port = free_port()
    env = {"DATABASE_URL": database_url, "RAPPORT_SECRET_KEY": "bench-full", "RAPPORT_INSTANCE": instance,
           "RAPPORT_LOGIN_ACCOUNT_LIMIT": "1000 per minute", "RAPPORT_LOGIN_ADDRESS_LIMIT": "1000 per minute"}
    # ``rapport serve`` itself, run as ``python -c`` from the repository so that this checkout's
    # code is served (the ``rapport`` script of a shared virtualenv may point at another one).
    argv = [sys.executable, "-c", "from core.cli import main; main()", "serve", "--port", str(port),
            "--processes", str(processes)]
    with server(argv, port, env):
        yield port


@contextmanager
def minimal_server(processes: int, size: int):
    port = free_port()
    code = f"from bench.http_load import serve_minimal; serve_minimal({port}, {processes}, {size})"
    with server([sys.executable, "-c", code], port, {}):
        yield port


def login(port: int, email: str, password: str) -> str:
    """Log in through the form like a browser; returns the Cookie header to send."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", "/login")
    r = conn.getresponse()
    page = r.read().decode()
    cookies = _cookies(r, {})
    token = CSRF.search(page)
    form = {"email": email, "password": password, **({"csrf_token": token.group(1)} if token else {})}
    conn.request("POST", "/login", body=urlencode(form), headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": _header(cookies)})
    r = conn.getresponse()
    r.read()
    if r.status != 302:
        raise SystemExit(f"HTTP login as {email} failed ({r.status})")
    return _header(_cookies(r, cookies))


def _cookies(response, jar: dict) -> dict:
    for name, value in response.getheaders():
        if name.lower() == "set-cookie":
            pair = value.split(";", 1)[0]
            k, _, v = pair.partition("=")
            jar[k.strip()] = v.strip()
    return jar


def _header(jar: dict) -> str:
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def page_size(port: int, path: str, cookie: str = "") -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    r = conn.getresponse()
    body = r.read()
    if r.status != 200:
        raise SystemExit(f"GET {path} answered {r.status}")
    return len(body)


def hammer(port: int, path: str, *, clients: int = 8, seconds: float = 10.0, cookie: str = "") -> dict:
    """``clients`` threads GETting ``path`` on keep-alive connections for ``seconds``."""
    headers = {"Cookie": cookie} if cookie else {}
    ok, failed = [0] * clients, [0] * clients
    latencies: list[list[float]] = [[] for _ in range(clients)]
    start = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        start.wait()
        while time.perf_counter() < stop_at[0]:
            began = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                r = conn.getresponse()
                r.read()
            except (OSError, http.client.HTTPException):
                failed[n] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            if r.status == 200:
                ok[n] += 1
                latencies[n].append((time.perf_counter() - began) * 1000)
            else:
                failed[n] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    stop_at[0] = time.perf_counter() + seconds
    began = time.perf_counter()
    start.wait()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    all_ms = sorted(x for xs in latencies for x in xs)
    return {"rps": sum(ok) / elapsed, "ok": sum(ok), "failed": sum(failed),
            "median_ms": all_ms[len(all_ms) // 2] if all_ms else float("nan")}
