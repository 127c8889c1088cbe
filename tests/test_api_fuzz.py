"""Property-based fuzzing of the whole API from its own OpenAPI document (Schemathesis).

Every operation of ``/api/v1/openapi.json`` — the core's and every first-party
plugin's, all enabled — gets a bounded number of generated requests (valid and
invalid bodies, query strings and path ids, with a fixed seed so a failure repeats),
sent as the admin through the WSGI app on the test database (SQLite, or PostgreSQL
when ``DATABASE_URL`` points at one). A test fails on any 5xx answer and on any
answer whose status or body the document does not describe.

The database holds a few rows of every kind (ids 1, 2, …), so generated small ids
reach real objects and not only 404s. ``RAPPORT_FUZZ_EXAMPLES`` changes the number of
examples per operation (default 25) for a longer local run.
"""
from __future__ import annotations

import os
from datetime import date
from decimal import Decimal

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from core.testing import ADMIN_EMAIL

EXAMPLES = int(os.environ.get("RAPPORT_FUZZ_EXAMPLES", "25"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def seed_everything(app) -> None:
    """A few rows of every kind the API serves, through the services (ids start at 1)."""
    from core.catalog.models import Product
    from core.customers.service import create_customer
    from core.db import db
    from core.history.service import log_interaction
    from core.jobs.models import Job
    from core.messaging.outbox import queue_message
    from plugins.sales.models import LostReason, Stage
    from plugins.sales.orders import confirm, create_quotation
    from plugins.sales.pipeline import create_opportunity
    from plugins.service import service as svc

    with app.app_context():
        db.session.add_all([Stage(name="Lead", position=10, probability=10),
                            Stage(name="Won", position=90, probability=100, is_won=True),
                            Stage(name="Lost", position=95, probability=0, is_lost=True),
                            LostReason(name="Price")])
        products = [Product(sku=f"P-{n}", name=f"Product {n}", name_key=f"product {n}", unit_price=Decimal("10.00"),
                            warranty_months=12 * n) for n in (1, 2)]
        db.session.add_all(products)
        customers = [create_customer({"name": name, "kind": kind, "emails": [email]}) for name, kind, email in
                     (("Ελένη Παπαδοπούλου", "person", "eleni@example.gr"),
                      ("Šarūnas Jonaitis", "person", "sarunas@example.lt"),
                      ("שרה כהן בע״מ", "company", "office@example.co.il"))]
        db.session.flush()
        for c in customers:
            log_interaction(c.id, channel="phone", direction="inbound", subject="Call", body="", user_id=1)
        create_opportunity({"title": "Two air conditioners", "customer_id": customers[0].id})
        for c in customers[:2]:
            order = create_quotation({"customer_id": c.id, "lines": [{"product_id": products[0].id, "quantity": "2"}]},
                                     owner_id=1)
            db.session.flush()
            confirm(order)
        create_quotation({"customer_id": customers[2].id, "lines": [{"description": "Setup", "unit_price": "5"}]},
                         owner_id=1)
        eq = svc.create_equipment(customer_id=customers[0].id, product_id=products[1].id, serial="SN-1",
                                  install_date=date(2024, 1, 1))
        svc.add_warranty(eq, kind="extended", start_date=date(2024, 1, 1), months=24)
        request = svc.open_request(equipment_id=eq.id, problem="Noisy", technician_id=1)
        svc.add_line(request, kind="labour", description="Hour", unit_price=Decimal("40"))
        svc.schedule_visit(eq, due_date=date(2030, 1, 1), technician_id=1)
        for c in customers:
            queue_message(channel="email", customer=c, subject="Γεια σας — שלום", body="Text", user_id=1)
        db.session.add_all([Job(kind="service.schedule_visits", user_id=1, status=status, total=10, done=done)
                            for status, done in (("queued", 0), ("running", 4), ("done", 10))])
        db.session.flush()
        if "complaints" in app.extensions["rapport"].plugins.active_names():
            from plugins.complaints.workflow import create_complaint

            for c in customers:
                create_complaint({"customer_id": c.id, "title": "Παράπονο — תלונה"}, channel="api")
        if "marketing" in app.extensions["rapport"].plugins.active_names():
            _seed_marketing(customers)
        db.session.commit()


def _seed_marketing(customers) -> None:
    """A rules segment and a static list (ids 1, 2), a survey with answers, a draft and a
    sent campaign: the marketing API's ids reach real rows in every state it answers about."""
    from core.db import db
    from core.messaging import ensure_template
    from plugins.marketing.models import Campaign, Segment, Survey
    from plugins.marketing.segments import add_members
    from plugins.marketing.surveys import response_for

    ensure_template("marketing.fuzz", name="Fuzz newsletter", source="marketing",
                    texts={"en": {"subject": "News for {{ customer.name }}", "body": "Hello {{ customer.name }}"}})
    rules = Segment(name="Ελληνικά — עברית", kind="rules", created_by_id=1,
                    rules={"op": "and", "items": [{"criterion": "core.consent", "params": {"channel": "email"}}]})
    static = Segment(name="Static list", kind="static", created_by_id=1)
    db.session.add_all([rules, static])
    db.session.flush()
    add_members(db.session, static, [c.id for c in customers])
    survey = Survey(name="Satisfaction", kind="csat", owner_id=1)
    db.session.add(survey)
    db.session.flush()
    for c, score in zip(customers, (5, 2)):
        response = response_for(survey, c.id, "campaign:2", "en")
        response.score = score
        response.answered_at = response.invited_at
    db.session.add_all([Campaign(name="Draft", segment_id=rules.id, template_key="marketing.fuzz", owner_id=1),
                        Campaign(name="Sent", segment_id=static.id, template_key="marketing.fuzz", owner_id=1,
                                 state="done", survey_id=survey.id)])


@pytest.fixture(scope="module")
def fuzz_app(database_factory, tmp_path_factory):
    from core.app import create_app
    from core.db import db
    from core.testing import _test_config

    plugins = ("sales", "service", "complaints", "marketing", "analytics")
    url = database_factory.new_database(plugins, ())
    app = create_app(_test_config(url, tmp_path_factory.mktemp("fuzz"), ()))
    seed_everything(app)
    with app.app_context():
        from plugins.analytics.compute import recompute

        recompute()  # a snapshot, so /analytics/customers/<id> answers 200 for the customers who bought
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    database_factory.drop(url)


@pytest.fixture(scope="module")
def admin_headers(fuzz_app):
    import sqlalchemy as sa

    from core.auth.models import ApiToken, User
    from core.db import db

    with fuzz_app.app_context():
        user = db.session.execute(sa.select(User).where(User.email == ADMIN_EMAIL)).scalar_one()
        _row, clear = ApiToken.issue(user, "fuzz")
        db.session.commit()
    return {"Authorization": f"Bearer {clear}"}


@pytest.fixture(scope="module")
def api_schema(fuzz_app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzz_app)


def _operations(api_schema, tag):
    ops = [result.ok() for result in api_schema.get_all_operations()]
    return [op for op in ops if tag in (op.definition.raw.get("tags") or [])]


TAGS = ["api_analytics", "api_audit", "api_customers", "api_products", "api_jobs", "api_messages", "api_portal",
        "api_sales", "api_service", "api_complaints", "api_marketing"]


def test_every_api_blueprint_is_fuzzed(api_schema):
    """A new API blueprint (core or plugin) must be added to TAGS, or it goes unfuzzed."""
    tags = {tag for result in api_schema.get_all_operations() for tag in result.ok().definition.raw.get("tags", [])}
    assert tags == set(TAGS)


@pytest.mark.parametrize("tag", TAGS)
def test_api_operations(api_schema, admin_headers, tag):
    """Every operation of one API blueprint: no 5xx; status, content type and body as documented.

    Valid and invalid requests alike (Schemathesis' positive and negative modes); all
    failures of the blueprint are reported together, each with a request to repeat it.
    """
    operations = _operations(api_schema, tag)
    assert operations, f"the OpenAPI document has no operation tagged {tag}"
    failures = []
    for operation in operations:
        strategy = st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                             operation.as_strategy(GenerationMode.NEGATIVE))

        @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                  suppress_health_check=list(HealthCheck), phases=[Phase.generate])
        @given(case=strategy)
        def run(case):
            case.call_and_validate(headers=admin_headers, checks=CHECKS)

        try:
            run()
        except Exception as exc:  # noqa: BLE001 - collected, reported below with the operation
            failures.append(f"{operation.label}:\n{exc}")
    assert not failures, f"{len(failures)} of {len(operations)} operations failed:\n\n" + "\n\n".join(failures)
