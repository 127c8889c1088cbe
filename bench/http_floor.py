"""The floor of this stack over HTTP (issue 17): a ladder of pages, each adding one layer.

    python -m bench.http_floor --db bench/data/full-50000.db --seconds 10 --rounds 3

Issue 17 asks for the dashboard and the customer list within 4× of a minimal Flask page's
requests per second. Whether that is reachable at all depends on what the framework layers
every Rapport page stands on cost by themselves, so this measures them one at a time, served
the same way and hammered by the same clients as :mod:`bench.http_load` (gunicorn, ``N``
processes of 8 ``gthread`` threads, ``rapport serve``'s options; 8 keep-alive client threads):

(a) **minimal Flask**: a bare Flask app answering ``--bytes`` of static HTML;
(b) **+ the product's app and request hooks**: the real ``create_app()`` (session cookie,
    flask-login loading the user and roles from the database, the enabled-plugins refresh,
    CSRF, the access rule — ``customers.view``, the customer list's — and flask-babel's
    locale selection, forced by one ``get_locale()``), answering a constant string;
(c) **+ the base layout**: one ``render_template`` of ``base.html`` (menu, search box,
    language switcher, translated strings, CSRF token) with filler as its body;
(d) **+ one indexed query**: ``--rows`` customers by the list's index (``name_key, id``)
    shown in a table, in the same layout;
(e) **the real customer list** (``/customers/``) and (f) **the real dashboard** (``/``).

(a)–(d) are padded to ``--bytes`` (default: the real customer list's size, measured through
the test client first), so the response size is the same on every rung; (e) and (f) are as
they are. Both servers run side by side and the rungs alternate round by round
(``--rounds``), so load changes hit every rung alike; each rung's figure is its median round.

Besides requests per second, **CPU ms per request**: the CPU time (user + system, from
``/proc``) the server's worker processes spent during the run, divided by the answers. On a
2-core machine shared with the clients that is the figure to compare between runs; req/s moves
with the load. The load average is printed with each round. Rungs (b)–(d) are routes of a
bench-only blueprint added to the app inside the bench's server process: nothing in the
product serves them. Measurements only, never test assertions.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from bench import http_load
from bench.generate import BENCH_EMAIL, BENCH_PASSWORD, HERE, make_app

RUNGS = (
    ("a", "minimal Flask", "/"),
    ("b", "+ create_app, hooks, login, locale (constant string)", "/_floor/b"),
    ("c", "+ base layout render_template (empty body)", "/_floor/c"),
    ("d", "+ one indexed query, rows in a table", "/_floor/d"),
    ("e", "real customer list", "/customers/"),
    ("f", "real dashboard", "/"),
)
FLOOR_BYTES = "RAPPORT_BENCH_FLOOR_BYTES"
FLOOR_ROWS = "RAPPORT_BENCH_FLOOR_ROWS"


def floor_blueprint(size: int, rows: int):
    """Rungs (b)–(d) as routes, each padded to ``size`` bytes (the filler is sized once per
    route and process: the first answer is rendered without filler and measured)."""
    from flask import Blueprint, render_template
    from flask_babel import get_locale

    from core.customers.models import Customer
    from core.db import db
    from core.security import requires

    bp = Blueprint("bench_floor", __name__, template_folder=str(Path(__file__).parent / "templates"))
    fillers: dict[str, str] = {}

    def padded(key: str, render) -> str:
        if key not in fillers:
            fillers[key] = "x" * max(0, size - len(render("").encode()))
        return render(fillers[key])

    @bp.get("/_floor/b")
    @requires("customers.view")
    def constant():
        get_locale()  # flask-babel's locale selection runs lazily: force it, as any page does
        return padded("b", lambda filler: "<!doctype html><html><body>" + filler + "</body></html>")

    @bp.get("/_floor/c")
    @requires("customers.view")
    def layout():
        return padded("c", lambda filler: render_template("floor/empty.html", filler=filler))

    statement = (sa.select(Customer.id, Customer.name, Customer.kind)
                 .order_by(Customer.name_key, Customer.id).limit(rows))

    @bp.get("/_floor/d")
    @requires("customers.view")
    def table():
        found = db.session.execute(statement).all()
        return padded("d", lambda filler: render_template("floor/table.html", rows=found, filler=filler))

    return bp


def serve_ladder(port: int, processes: int) -> None:
    """Entry point of the ladder's server process: ``rapport serve``'s gunicorn options, each
    worker a fresh ``create_app()`` plus the bench blueprint (size and rows from the environment)."""
    from gunicorn.app.base import BaseApplication

    from core.serve import plain_http_on_loopback

    options = {"bind": f"127.0.0.1:{port}", "workers": processes, "worker_class": "gthread", "threads": 8,
               "proc_name": "rapport", "forwarded_allow_ips": "", "secure_scheme_headers": {},
               "control_socket_disable": True, "loglevel": "warning"}

    class Ladder(BaseApplication):
        def load_config(self):
            for key, value in options.items():
                if key in self.cfg.settings:
                    self.cfg.set(key, value)

        def load(self):
            from core.app import create_app

            app = create_app()
            app.register_blueprint(floor_blueprint(int(os.environ[FLOOR_BYTES]), int(os.environ[FLOOR_ROWS])))
            plain_http_on_loopback(app, "127.0.0.1")
            return app

    Ladder().run()


@contextmanager
def ladder_server(database_url: str, processes: int, size: int, rows: int):
    port = http_load.free_port()
    env = {"DATABASE_URL": database_url, "RAPPORT_SECRET_KEY": "bench-floor", "RAPPORT_INSTANCE": str(HERE / "data"),
           "RAPPORT_LOGIN_ACCOUNT_LIMIT": "1000 per minute", "RAPPORT_LOGIN_ADDRESS_LIMIT": "1000 per minute",
           FLOOR_BYTES: str(size), FLOOR_ROWS: str(rows)}
    code = f"from bench.http_floor import serve_ladder; serve_ladder({port}, {processes})"
    with http_load.server([sys.executable, "-c", code], port, env) as proc:
        yield proc, port


@contextmanager
def minimal_server(processes: int, size: int):
    port = http_load.free_port()
    code = f"from bench.http_load import serve_minimal; serve_minimal({port}, {processes}, {size})"
    with http_load.server([sys.executable, "-c", code], port, {}) as proc:
        yield proc, port


def _workers(pid: int) -> list[int]:
    """The gunicorn arbiter's children (its workers)."""
    children = []
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            children += [int(c) for c in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
        except OSError:
            pass
    return children


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of the arbiter's worker processes so far (Linux ``/proc``)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for child in _workers(pid):
        try:
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / tick


def run_rung(proc, port: int, path: str, seconds: float, cookie: str) -> dict:
    before = cpu_seconds(proc.pid)
    got = http_load.hammer(port, path, seconds=seconds, cookie=cookie)
    spent = cpu_seconds(proc.pid) - before
    got["cpu_ms"] = spent * 1000 / max(got["ok"], 1)
    got["load"] = os.getloadavg()[0]
    return got


def list_size(url: str) -> int:
    """The real customer list's byte size, through the test client (same HTML as over HTTP)."""
    app = make_app(url)
    client = app.test_client()
    if client.post("/login", data={"email": BENCH_EMAIL, "password": BENCH_PASSWORD}).status_code != 302:
        raise SystemExit("login failed: is this a bench database (python -m bench.full fills one)?")
    response = client.get("/customers/")
    if response.status_code != 200:
        raise SystemExit(f"/customers/ answered {response.status_code}")
    return len(response.data)


def measure(url: str, *, processes: int, seconds: float, rounds: int, size: int, rows: int, echo=print) -> list[dict]:
    results = {key: [] for key, _, _ in RUNGS}
    sizes = {}
    with minimal_server(processes, size) as (mproc, mport), \
            ladder_server(url, processes, size, rows) as (lproc, lport):
        cookie = http_load.login(lport, BENCH_EMAIL, BENCH_PASSWORD)
        for key, _, path in RUNGS:
            on_minimal = key == "a"
            sizes[key] = http_load.page_size(mport if on_minimal else lport, path, "" if on_minimal else cookie)
            http_load.hammer(mport if on_minimal else lport, path, seconds=1, cookie="" if on_minimal else cookie)
        for round_ in range(1, rounds + 1):
            for key, label, path in RUNGS:
                proc, port, c = (mproc, mport, "") if key == "a" else (lproc, lport, cookie)
                got = run_rung(proc, port, path, seconds, c)
                results[key].append(got)
                echo(f"  round {round_} ({key}) {label:<54} {got['rps']:8.1f} req/s  {got['cpu_ms']:6.2f} ms CPU/req"
                     f"  median {got['median_ms']:6.1f} ms  {got['failed']} failed  load {got['load']:.2f}")
    out = []
    for key, label, path in RUNGS:
        runs = results[key]
        out.append({"rung": key, "label": label, "path": path, "bytes": sizes[key],
                    "rps": statistics.median(r["rps"] for r in runs),
                    "cpu_ms": statistics.median(r["cpu_ms"] for r in runs),
                    "failed": sum(r["failed"] for r in runs),
                    "load": statistics.median(r["load"] for r in runs)})
    return out


def table(rows: list[dict]) -> str:
    base = rows[0]["rps"]
    lines = ["| rung | bytes | req/s | CPU ms/request (server) | minimal ÷ rung | load avg (1 min) |",
             "|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| ({r['rung']}) {r['label']} | {r['bytes']:,} | {r['rps']:.1f} | {r['cpu_ms']:.2f} | "
                     f"{base / max(r['rps'], 1e-9):.1f}× | {r['load']:.1f} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="an SQLite bench database (python -m bench.full fills one), "
                        "or a postgresql:// URL of one")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each run")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of all rungs, alternating")
    parser.add_argument("--bytes", type=int, default=0, help="size of rungs (a)–(d) (default: the customer list's)")
    parser.add_argument("--rows", type=int, default=25, help="rows of rung (d)")
    args = parser.parse_args(argv)
    url = args.db if "://" in args.db else f"sqlite:///{Path(args.db).resolve()}"
    size = args.bytes or list_size(url)
    print(f"{args.processes} processes × 8 threads, 8 clients, {args.seconds:.0f} s per run, {args.rounds} rounds, "
          f"rungs (a)–(d) padded to {size:,} bytes, (d) {args.rows} rows; load average {os.getloadavg()[0]:.2f}")
    rows = measure(url, processes=args.processes, seconds=args.seconds, rounds=args.rounds, size=size, rows=args.rows)
    print()
    print(table(rows))
    return 0 if not any(r["failed"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
