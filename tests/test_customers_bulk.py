"""Customers written by the bulk path are found by search like any other, on SQLite and
PostgreSQL (issue 17).

On SQLite the bulk path (``core.customers.bulk``) turns off the per-row trigger that keeps
the FTS5 search index and indexes the new rows once at the end of the block; these tests
check that the index then holds exactly the new rows, that the trigger is back for the next
customer created through the forms, and that a rollback undoes the switch. The bench
generator writes through the same switch and only makes phone numbers the product accepts.
"""
from __future__ import annotations

import random
import re

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.plugins()


def _names(client, q: str) -> set[str]:
    page = client.get("/customers/", query_string={"q": q})
    assert page.status_code == 200
    return set(re.findall(r'<a href="/customers/\d+"><bdi>([^<]+)</bdi>', page.get_data(as_text=True)))


def _trigger_present(conn) -> bool:
    from core.customers.search import FTS_TABLE

    return conn.execute(sa.text("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = :n"),
                        {"n": f"{FTS_TABLE}_ai"}).scalar() == 1


def test_search_finds_customers_written_by_the_bulk_path(app, client, login):
    from core.customers.bulk import bulk_search_index, create_customers
    from core.customers.service import create_customer
    from core.db import db

    rows = [{"name": f"Ζαχαρίας Βουλκ {i:03d}", "emails": [f"zach{i}@example.gr"],
             "phones": [f"+3069012{i:05d}"]} for i in range(120)]
    rows.append({"name": "Šarūnė Žvirblytė", "emails": ["sarune@example.lt"], "phones": ["+37061234567"]})
    with app.app_context():
        with bulk_search_index():
            ids = create_customers(rows)
        db.session.commit()
        if db.engine.dialect.name == "sqlite":
            with db.engine.connect() as conn:
                assert _trigger_present(conn)
                indexed = conn.execute(sa.text("SELECT count(*) FROM core_customer_fts WHERE rowid >= :a"),
                                       {"a": min(ids)}).scalar()
            assert indexed == len(ids)  # each new row once: not missing, not twice (trigger + rebuild)
        create_customer({"name": "Ζαχαρίας Φόρμας"})  # after the block: the trigger indexes it again
        db.session.commit()
    login()
    assert len(_names(client, "Βουλκ")) == 50  # a page of the 120 (substring search)
    assert _names(client, "βουλκ 119") == {"Ζαχαρίας Βουλκ 119"}
    assert _names(client, "zach7@example") == {"Ζαχαρίας Βουλκ 007"}  # by email
    assert _names(client, "6901200042") == {"Ζαχαρίας Βουλκ 042"}  # by phone
    assert _names(client, "zvirbl") == {"Šarūnė Žvirblytė"}  # folded: no accents needed
    assert _names(client, "Ša") == {"Šarūnė Žvirblytė"}  # a short term: name prefix
    assert _names(client, "Ζαχαρίας Φ") == {"Ζαχαρίας Φόρμας"}


def test_a_rolled_back_bulk_insert_leaves_the_index_and_its_trigger(app, client, login):
    from core.customers.bulk import bulk_search_index, create_customers
    from core.customers.service import create_customer
    from core.db import db

    with app.app_context():
        with pytest.raises(RuntimeError):
            with bulk_search_index():
                create_customers([{"name": "Λάθος Εισαγωγή"}])
                raise RuntimeError("the import failed half-way")
        db.session.rollback()
        if db.engine.dialect.name == "sqlite":
            with db.engine.connect() as conn:
                assert _trigger_present(conn)
        create_customer({"name": "Μετά Λάθος"})
        db.session.commit()
    login()
    assert _names(client, "Λάθος") == {"Μετά Λάθος"}


def test_the_bench_generator_writes_searchable_customers_with_valid_phones(app, client, login):
    """``bench.generate`` through the bulk path: its customers are found, its numbers pass the
    product's phone validation."""
    from bench.generate import RARE_NAMES, generate
    from core.customers.models import CustomerPhone
    from core.customers.service import normalise_phone
    from core.db import db

    generate(app, 300, echo=lambda _line: None)
    with app.app_context():
        phones = db.session.execute(sa.select(CustomerPhone.number)).scalars().all()
        assert len(phones) == 300
        for number in phones:
            assert normalise_phone(number) == number
    login()
    assert _names(client, "Zyzzyva") == {RARE_NAMES[1]}
    assert _names(client, "ξενοφων") == {RARE_NAMES[0]}


@pytest.mark.parametrize("seed", [1, 2])
def test_every_phone_plan_of_the_bench_makes_valid_numbers(app, seed):
    """Thousands of draws per plan: one unallocated prefix in a plan shows up here."""
    from bench.generate import PHONE_PLANS
    from core.customers.service import normalise_phone

    rng = random.Random(seed)
    with app.app_context():
        for prefix, digits in PHONE_PLANS:
            for _ in range(1500):
                number = prefix + "".join(str(rng.randrange(10)) for _ in range(digits))
                assert normalise_phone(number) == number, number
