"""Write the HTML of a few staff pages, in English and Hebrew, to a folder (issue 17).

    python -m bench.html_snapshot --db bench/data/full-50000-all.db --out /tmp/after
    (cd /other/checkout && python -m bench.html_snapshot --db ... --out /tmp/before)
    diff -r /tmp/before /tmp/after

Speed work must not change what a page shows: run this from two checkouts on the same
database and compare. Per-response values (CSP nonces, CSRF tokens) are blanked.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from bench.generate import BENCH_EMAIL, BENCH_PASSWORD, make_app

PAGES = ["/", "/customers/", "/customers/?q=jonas", "/customers/?q=pa", "/customers/{customer}", "/sales/",
         "/sales/orders", "/service/", "/service/reliability", "/catalog/", "/complaints/", "/analytics/",
         "/marketing/", "/admin/plugins", "/activities"]
VOLATILE = [re.compile(r'(nonce|csrf_token|data-csrf|name="csrf-token" content)="[^"]*"'),
            re.compile(r'(value)="[A-Za-z0-9._-]{40,}"')]


def snapshot(db: str, out: Path, languages: list[str]) -> None:
    import sqlalchemy as sa

    app = make_app(f"sqlite:///{Path(db).resolve()}")
    with app.app_context():
        from core.db import db as database

        customer = database.session.execute(sa.text("SELECT max(customer_id) FROM sales_order")).scalar() or 1
    client = app.test_client()
    assert client.post("/login", data={"email": BENCH_EMAIL, "password": BENCH_PASSWORD}).status_code == 302
    out.mkdir(parents=True, exist_ok=True)
    for language in languages:
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
        for path in PAGES:
            path = path.format(customer=customer)
            response = client.get(path)
            html = response.get_data(as_text=True)
            for pattern in VOLATILE:
                html = pattern.sub(r'\1="…"', html)
            name = re.sub(r"[^A-Za-z0-9]+", "_", path).strip("_") or "dashboard"
            (out / f"{language}-{name}.html").write_text(f"<!-- {response.status_code} {path} -->\n{html}")
            print(language, path, response.status_code, len(html))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--language", action="append", default=None)
    args = parser.parse_args(argv)
    snapshot(args.db, args.out, args.language or ["en", "he"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
