"""How fast the customer list, its search and the customers API answer on a big database.

    make bench                                            # 100,000 customers on SQLite
    python -m bench.customers_list --customers 1000000
    DATABASE_URL=postgresql://... python -m bench.customers_list

Requests go through Flask's test client (no network, no server threads), so the numbers
are the application's and the database's own time. The database is filled by
:mod:`bench.generate` up to ``--customers`` first if it has fewer. Each case is run
``--repeat`` times after one warm-up; the median and the 95th percentile are printed.
These are measurements, never test assertions.
"""
from __future__ import annotations

import argparse
import html
import re
import statistics
import sys
import time
from urllib.parse import urlsplit

import sqlalchemy as sa

from bench.generate import BENCH_EMAIL, BENCH_PASSWORD, customer_count, database_url, generate, make_app, prepare

CURSOR_LINK = re.compile(r'href="([^"]*[?&](?:amp;)?cursor=[^"]+)"')


def next_cursor_url(page_html: str) -> str | None:
    """The pager's "next" link on a list page (the one carrying ``cursor=``)."""
    match = CURSOR_LINK.search(page_html)
    return html.unescape(match.group(1)) if match else None


ROW_LINK = re.compile(r'href="/customers/(\d+)"')


def rows_shown(response) -> int:
    """How many customers the answer lists (links on a page, items in the API)."""
    if response.is_json:
        return len((response.get_json() or {}).get("items", []))
    return len(set(ROW_LINK.findall(response.get_data(as_text=True))))


def timed(client, url: str, repeat: int, headers=None) -> tuple[list[float], int, int]:
    rows = rows_shown(client.get(url, headers=headers))  # warm-up: caches, prepared statements
    times, status = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        status = response.status_code
    return times, status, rows


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def api_headers(app) -> dict:
    from core.auth.models import ApiToken, User
    from core.db import db

    with app.app_context():
        user = db.session.execute(sa.select(User).where(User.email == BENCH_EMAIL)).scalar_one()
        _row, clear = ApiToken.issue(user, "bench")
        db.session.commit()
    return {"Authorization": f"Bearer {clear}"}


def resolve(client, url: str) -> str:
    """The list's canonical address (``/customers`` may redirect to ``/customers/``)."""
    response = client.get(url)
    if response.status_code in (301, 308) and response.location:
        return urlsplit(response.location).path
    return url


def deep_page_url(client, start: str, hops: int) -> tuple[str | None, int]:
    """Follow the "next" link ``hops`` times; return that page's URL and how far it got."""
    url = start
    for hop in range(hops):
        response = client.get(url)
        found = next_cursor_url(response.get_data(as_text=True)) if response.status_code == 200 else None
        if not found:
            return None, hop
        url = found
    return url, hops


def run(app, repeat: int, echo=print) -> list[tuple[str, str, float, float, int]]:
    client = app.test_client()
    response = client.post("/login", data={"email": BENCH_EMAIL, "password": BENCH_PASSWORD})
    if response.status_code != 302:
        raise SystemExit(f"could not log in as {BENCH_EMAIL} (status {response.status_code})")
    headers = api_headers(app)
    base = resolve(client, "/customers")
    cases = [("list, first page", base, None)]
    deep, hops = deep_page_url(client, base, 20)
    if deep:
        cases.append(("list, page 21 (20 × next)", deep, None))
    else:
        echo(f"  (no deep page: the list had no next link after {hops} pages)")
    cases += [
        ("search, few matches (ζαχαροπουλος)", f"{base}?q=%CE%B6%CE%B1%CF%87%CE%B1%CF%81%CE%BF%CF%80%CE%BF%CF%85%CE%BB%CE%BF%CF%82", None),
        ("search, many matches (jonas)", f"{base}?q=jonas", None),
        ("search, no match (qqqxxq)", f"{base}?q=qqqxxq", None),
        ("search, many matches (παπαδοπουλου)", f"{base}?q=%CF%80%CE%B1%CF%80%CE%B1%CE%B4%CE%BF%CF%80%CE%BF%CF%85%CE%BB%CE%BF%CF%85", None),
        ("API GET /api/v1/customers", "/api/v1/customers", headers),
        ("API GET /api/v1/customers?q=sarunas", "/api/v1/customers?q=sarunas", headers),
    ]
    api_next = client.get("/api/v1/customers", headers=headers)
    if api_next.status_code == 200 and (api_next.get_json() or {}).get("next_cursor"):
        cursor = api_next.get_json()["next_cursor"]
        cases.append(("API, second page (cursor)", f"/api/v1/customers?cursor={cursor}", headers))
    results = []
    for label, url, hdrs in cases:
        times, status, rows = timed(client, url, repeat, hdrs)
        results.append((label, url, statistics.median(times), p95(times), status))
        echo(f"  {label:<40} median {statistics.median(times):8.1f} ms   p95 {p95(times):8.1f} ms   "
             f"HTTP {status}, {rows} rows")
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=100_000, help="fill the database up to this many first")
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per case (after one warm-up)")
    args = parser.parse_args(argv)
    url = database_url()
    app = make_app(url)
    prepare(app)
    have = customer_count(app)
    if have < args.customers:
        print(f"filling the database: {have:,} → {args.customers:,} customers")
        generate(app, args.customers - have, seed=have + 7)
    dialect = sa.engine.make_url(url).get_backend_name()
    print(f"customer list benchmark: {customer_count(app):,} customers on {dialect}, {args.repeat} runs per case")
    results = run(app, args.repeat)
    bad = [r for r in results if r[4] != 200]
    if bad:
        print("some cases did not answer 200: " + ", ".join(f"{r[0]} → {r[4]}" for r in bad))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
