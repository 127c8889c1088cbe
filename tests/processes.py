"""Running real Rapport processes (web servers, workers) from tests, and cleaning up after them.

``rapport_env(app, tmp_path)`` is the environment under which a child process uses the
test app's database and queue: ``DATABASE_URL`` is the app's, ``RAPPORT_INSTANCE`` its
instance folder (the SQLite queue lives there), and this folder is on ``PYTHONPATH`` so
test plugins (``RAPPORT_EXTRA_PLUGINS=jobtest_plugin``) load in the child as well.
"""
from __future__ import annotations

import json as _json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def rapport_command() -> list[str]:
    """The installed ``rapport`` command of this virtualenv (else ``python -m core.cli``)."""
    script = Path(sys.executable).with_name("rapport")
    return [str(script)] if script.exists() else [sys.executable, "-m", "core.cli"]


def rapport_env(app, tmp_path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAPPORT_", "PYTEST_"))}
    env.pop("DATABASE_URL", None)
    env.update({
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "RAPPORT_INSTANCE": str(tmp_path),
        "RAPPORT_SECRET_KEY": "test-secret",
        "RAPPORT_INSECURE_COOKIES": "1",
        "PYTHONPATH": os.pathsep.join([str(HERE), str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        "PYTHONUNBUFFERED": "1",
    })
    env.update({k: str(v) for k, v in extra.items()})
    return env


class Processes:
    """Child processes started by one test; all of them are stopped at the end (SIGKILL if need be)."""

    def __init__(self, tmp_path):
        self.tmp_path = tmp_path
        self.started: list[tuple[subprocess.Popen, Path]] = []

    def start(self, args: list[str], env: dict, name: str) -> subprocess.Popen:
        log = self.tmp_path / f"{name}.log"
        out = open(log, "ab")
        proc = subprocess.Popen([*rapport_command(), *args], env=env, cwd=str(ROOT),
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        out.close()
        proc.log_path = log
        self.started.append((proc, log))
        return proc

    def logs(self) -> str:
        """The end of every child's output, for assertion messages."""
        return "\n".join(f"--- {log.name} ---\n{log.read_text(errors='replace')[-4000:]}"
                         for _proc, log in self.started if log.exists())

    def full_logs(self) -> str:
        """Every child's whole output, for checks on what a child printed when it started.

        ``logs()`` keeps only each log's end; a worker's start-up line scrolls out of it within a
        second once the scheduler queues every plugin's periodic jobs."""
        return "\n".join(log.read_text(errors="replace") for _proc, log in self.started if log.exists())

    @staticmethod
    def kill(proc: subprocess.Popen, sig=signal.SIGKILL) -> None:
        if proc.poll() is None:
            os.killpg(proc.pid, sig)  # its own session: the process and any child it made
        proc.wait(timeout=30)

    def stop_all(self) -> None:
        for proc, _log in self.started:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                    proc.wait(timeout=10)
                except (subprocess.TimeoutExpired, ProcessLookupError):
                    if proc.poll() is None:
                        os.killpg(proc.pid, signal.SIGKILL)
                        proc.wait(timeout=10)


def wait_until(check, timeout: float = 60.0, interval: float = 0.2, what: str = "condition", logs=None):
    """Poll ``check()`` until it returns something truthy; fail with the children's logs otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{logs() if logs else ''}")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # hand the 302 back to the caller


class Http:
    """A tiny HTTP client with its own cookies (one browser, say) that never follows redirects."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()), _NoRedirect)

    def request(self, method: str, path: str, *, json=None, form=None, headers=None, timeout=15):
        """Returns ``(status, text)``."""
        data, head = None, dict(headers or {})
        if json is not None:
            data, head["Content-Type"] = _json.dumps(json).encode(), "application/json"
        elif form is not None:
            data, head["Content-Type"] = urlencode(form).encode(), "application/x-www-form-urlencoded"
        req = urllib.request.Request(self.base + path, data=data, headers=head, method=method)
        try:
            with self.opener.open(req, timeout=timeout) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode()

    def json(self, method: str, path: str, **kwargs):
        status, text = self.request(method, path, **kwargs)
        return status, (_json.loads(text) if text.strip().startswith(("{", "[")) else text)

    def up(self) -> bool:
        try:
            return self.request("GET", "/login", timeout=2)[0] == 200
        except OSError:
            return False
