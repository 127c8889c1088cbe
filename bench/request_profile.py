"""CPU profile of whole logged-in requests (issue 17): where a request's time goes besides SQL.

    python -m bench.request_profile --db bench/data/full-50000.db --path / --path /customers/ -n 200

Paths ``/_floor/b``, ``/_floor/c`` and ``/_floor/d`` profile :mod:`bench.http_floor`'s rungs.

Builds the app on an existing bench database (``bench.full`` fills one), logs in as the bench
admin with the test client, warms each path up once, then runs ``-n`` requests of each under
:mod:`cProfile` with ``time.process_time`` as its clock (CPU time, so a loaded machine inflates
it less than wall time). Prints CPU ms per request and the top functions by own and cumulative
time. ``--dump FILE`` keeps the raw ``pstats`` for ``python -m pstats``. Measurements only.
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

from bench.generate import BENCH_EMAIL, BENCH_PASSWORD, make_app


def profile(db: str, paths: list[str], n: int, top: int, dump: str | None, language: str | None) -> None:
    app = make_app(f"sqlite:///{Path(db).resolve()}")
    if any(p.startswith("/_floor/") for p in paths):  # bench.http_floor's rungs (b)–(d), unpadded
        from bench.http_floor import floor_blueprint

        app.register_blueprint(floor_blueprint(0, 25))
    client = app.test_client()
    response = client.post("/login", data={"email": BENCH_EMAIL, "password": BENCH_PASSWORD})
    if response.status_code != 302:
        raise SystemExit(f"login failed ({response.status_code})")
    if language:
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language  # the admin has no profile language
    for path in paths:
        assert client.get(path).status_code == 200, path
        began = time.process_time()
        for _ in range(n):
            client.get(path)
        plain = (time.process_time() - began) * 1000 / n
        if not top:
            print(f"{path}: {plain:.2f} ms CPU per request ({n} requests)")
            continue
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for _ in range(n):
            client.get(path)
        profiler.disable()
        print(f"\n=== {path}: {plain:.2f} ms CPU per request unprofiled ({n} requests)")
        stats = pstats.Stats(profiler, stream=sys.stdout)
        stats.strip_dirs().sort_stats("tottime").print_stats(top)
        stats.sort_stats("cumulative").print_stats(top)
        if dump:
            stats.dump_stats(f"{dump}.{path.strip('/').replace('/', '_') or 'root'}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="an SQLite bench database (bench/data/full-*.db)")
    parser.add_argument("--cpu-only", dest="top", action="store_const", const=0, help="no profile: CPU ms only")
    parser.add_argument("--path", action="append", required=True)
    parser.add_argument("-n", type=int, default=200)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--dump")
    parser.add_argument("--language")
    args = parser.parse_args(argv)
    profile(args.db, args.path, args.n, args.top, args.dump, args.language)
    return 0


if __name__ == "__main__":
    sys.exit(main())
