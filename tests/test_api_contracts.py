"""The API's contracts (issue 15): every bad input the integrators found gives a clear 4xx,
never a 500 and never a silent truncation; times carry their offset; the OpenAPI
document follows the enabled plugins; HEAD and OPTIONS work without error logs.

Runs on SQLite and, with ``DATABASE_URL`` set, on PostgreSQL: the answers must be the
same on both (PostgreSQL refuses NUL in text and ids above 2**31).
"""
from __future__ import annotations

import json
import logging
import re
from datetime import date

import pytest
import sqlalchemy as sa

from core.db import db
from core.l10n import local_today

pytestmark = pytest.mark.plugins("sales", "service")
API = "/api/v1"
HUGE = 540659116924075268636672
ISO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")


@pytest.fixture
def h(token_for):
    return token_for()


@pytest.fixture
def world(app):
    """A customer with a confirmed order and equipment, stages, a lost reason, a product."""
    from tests.test_api_fuzz import seed_everything

    seed_everything(app)
    return {"customer": 1, "order": 1, "equipment": 1, "request": 1, "visit": 1, "opportunity": 1, "product": 1}


def _raw(client, method, url, h, body: str):
    """Send ``body`` as it is (to put escapes such as a lone surrogate into the JSON)."""
    return client.open(url, method=method, headers=h, data=body.encode(), content_type="application/json")


def _errors(response) -> dict:
    return response.get_json()["errors"]["json"]


# -- type confusion and ranges -------------------------------------------------------------


@pytest.mark.parametrize("body, field", [
    ({"title": 5, "customer_id": 1}, "title"),
    ({"title": "x", "customer_id": "²"}, "customer_id"),
    ({"title": "x", "customer_id": 1, "probability": "50%"}, "probability"),
    ({"title": "x", "customer_id": 1, "expected_revenue": "NaN"}, "expected_revenue"),
    ({"title": "x", "customer_id": 1, "expected_revenue": "1e400"}, "expected_revenue"),
    ({"title": "x", "customer_id": 2**31}, "customer_id"),
    ({"title": "x", "customer_id": 1, "tags": "a,b"}, "tags"),
    ({"title": "x", "customer_id": 1, "surprise": 1}, "surprise"),
])
def test_opportunity_type_confusion_is_a_422_naming_the_field(client, h, world, body, field):
    r = client.post(f"{API}/sales/opportunities", headers=h, json=body)
    assert r.status_code == 422, r.get_json()
    assert field in _errors(r)


def test_a_number_too_big_for_any_float_is_a_422(client, h, world):
    r = _raw(client, "POST", f"{API}/sales/opportunities", h, '{"title": "x", "customer_id": 1, "probability": 1e400}')
    assert r.status_code == 422 and "probability" in _errors(r)


def test_integers_beyond_the_column_range_are_422(client, h, world):
    r = client.post(f"{API}/service/requests", headers=h,
                    json={"equipment_id": 1, "problem": "Noisy", "technician_id": HUGE})
    assert r.status_code == 422 and "technician_id" in _errors(r)
    r = client.post(f"{API}/sales/opportunities/1/lost", headers=h, json={"lost_reason_id": 2**31})
    assert r.status_code == 422 and "lost_reason_id" in _errors(r)
    r = client.get(f"{API}/sales/orders?customer_id={HUGE}", headers=h)
    assert r.status_code == 422 and "customer_id" in r.get_json()["errors"]["query"]


@pytest.mark.parametrize("url", [
    f"{API}/customers/2147483648", f"{API}/customers/{HUGE}", f"{API}/products/9999999999",
    f"{API}/sales/orders/2147483648", f"{API}/sales/opportunities/99999999999/won",
    f"{API}/service/equipment/2147483648", f"{API}/service/requests/{HUGE}",
])
def test_ids_above_2_31_in_urls_are_404(client, h, world, url):
    method = "POST" if url.endswith("/won") else "GET"
    assert client.open(url, method=method, headers=h).status_code == 404


def test_ids_above_2_31_on_pages_are_404(client, login, world):
    login()
    for url in ("/customers/2147483648", "/sales/orders/99999999999", "/service/equipment/2147483648"):
        assert client.get(url).status_code == 404, url


# -- references to missing rows --------------------------------------------------------------


def test_references_to_missing_rows_are_422_naming_the_field(client, h, world):
    r = client.post(f"{API}/service/visits", headers=h, json={"equipment_id": 1, "due_date": "2031-01-01",
                                                               "technician_id": 999999})
    assert r.status_code == 422 and _errors(r) == {"technician_id": ["Unknown technician."]}
    r = client.post(f"{API}/service/visits/1/finish", headers=h,
                    json={"done_on": local_today().isoformat(), "outcome": "ok", "technician_id": 999999})
    assert r.status_code == 422 and "technician_id" in _errors(r)
    r = client.post(f"{API}/sales/opportunities/1/lost", headers=h, json={"lost_reason_id": 999})
    assert r.status_code == 422 and "lost_reason_id" in _errors(r)
    r = client.post(f"{API}/sales/orders", headers=h, json={"customer_id": 999, "lines": []})
    assert r.status_code == 422 and "customer_id" in _errors(r)
    r = client.post(f"{API}/sales/orders", headers=h, json={"customer_id": 1, "lines": [{"product_id": 999}]})
    assert r.status_code == 422 and "product_id" in _errors(r)["lines"]["0"]
    r = client.post(f"{API}/service/warranties", headers=h, json={"equipment_id": 999, "start_date": "2024-01-01",
                                                                   "months": 12})
    assert r.status_code == 422 and "equipment_id" in _errors(r)
    with client.application.app_context():
        from core.db import db
        from plugins.service.models import Visit

        assert db.session.execute(sa.select(sa.func.count()).select_from(Visit)).scalar() == 1


# -- text that cannot be stored ----------------------------------------------------------------


@pytest.mark.parametrize("url, body", [
    (f"{API}/sales/opportunities", '{"title": "a\\u0000b", "customer_id": 1}'),
    (f"{API}/sales/opportunities", '{"title": "a\\ud800b", "customer_id": 1}'),
    (f"{API}/sales/orders", '{"customer_id": 1, "notes": "x\\u0000", "lines": []}'),
    (f"{API}/sales/orders", '{"customer_id": 1, "lines": [{"description": "\\udfff", "unit_price": "1"}]}'),
    (f"{API}/service/equipment", '{"customer_id": 1, "model_name": "W\\u0000M"}'),
    (f"{API}/service/equipment", '{"customer_id": 1, "model_name": "WM", "serial": "\\ud83d"}'),
    (f"{API}/customers", '{"name": "Zo\\u0000e"}'),
    (f"{API}/customers", '{"name": "Zoe", "emails": ["\\ud800@example.com"]}'),
    (f"{API}/products", '{"sku": "A\\u0000", "name": "x", "unit_price": "1"}'),
])
def test_nul_and_lone_surrogates_are_a_clear_422(client, h, world, url, body):
    r = _raw(client, "POST", url, h, body)
    assert r.status_code == 422, r.get_json()
    text = json.dumps(r.get_json()["errors"])
    assert "NUL character" in text or "lone UTF-16 surrogate" in text


def test_nul_in_a_query_string_is_a_422(client, h, world):
    r = client.get(f"{API}/customers?q=a%00b", headers=h)
    assert r.status_code == 422 and "NUL" in json.dumps(r.get_json())


def test_web_forms_refuse_nul_with_a_clear_page(client, login, world):
    login()
    r = client.post("/customers/new", data={"kind": "person", "name": "Zoë\x00"})
    assert r.status_code == 422 and "NUL character" in r.text
    r = client.get("/customers/?q=%00")
    assert r.status_code == 422
    with client.application.app_context():
        from core.customers.models import Customer

        assert db.session.execute(sa.select(sa.func.count()).select_from(Customer)).scalar() == 3


# -- over-long text is refused, never cut ------------------------------------------------------


@pytest.mark.parametrize("field, value, limit", [
    ("notes", "n" * 20001, "20000"),
    ("follow_up_summary", "s" * 301, "300"),
    ("tags", ["t" * 41], "40"),
    ("title", "t" * 201, "200"),
])
def test_over_long_opportunity_text_is_a_422_naming_the_limit(client, h, world, field, value, limit):
    body = {"title": "Deal", "customer_id": 1, "follow_up_date": "2031-01-01", field: value}
    r = client.post(f"{API}/sales/opportunities", headers=h, json=body)
    assert r.status_code == 422, r.get_json()
    assert limit in json.dumps(_errors(r)[field])


def test_the_services_refuse_over_long_text_too(app, world):
    """Pages go through the same services: they refuse too instead of cutting."""
    from plugins.sales.pipeline import SalesInputError, create_opportunity

    with app.test_request_context():
        for field, value in (("notes", "n" * 20001), ("follow_up_summary", "s" * 301), ("tags", ["t" * 41])):
            with pytest.raises(SalesInputError) as exc:
                create_opportunity({"title": "Deal", "customer_id": 1, "follow_up_date": "2031-01-01", field: value})
            assert field in exc.value.errors
            db.session.rollback()


# -- times carry their offset ---------------------------------------------------------------------


def _times(node):
    if isinstance(node, dict):
        for value in node.values():
            yield from _times(value)
    elif isinstance(node, list):
        for value in node:
            yield from _times(value)
    elif isinstance(node, str) and ISO_TIME.match(node):
        yield node


def test_every_time_in_every_answer_carries_its_offset(client, h, world):
    urls = [f"{API}/customers/1", f"{API}/customers/1/interactions", f"{API}/products/1",
            f"{API}/sales/opportunities", f"{API}/sales/orders/1", f"{API}/sales/orders",
            f"{API}/service/equipment/1", f"{API}/service/requests/1", f"{API}/service/visits",
            f"{API}/service/warranties", f"{API}/jobs", f"{API}/customers/1/messages", f"{API}/messages/1"]
    seen = []
    for url in urls:
        r = client.get(url, headers=h)
        assert r.status_code == 200, url
        seen += list(_times(r.get_json()))
    assert len(seen) > 20
    assert all(t.endswith("+00:00") for t in seen), [t for t in seen if not t.endswith("+00:00")]
    order = client.get(f"{API}/sales/orders/1", headers=h).get_json()
    assert order["confirmed_at"].endswith("+00:00") and order["created_at"].endswith("+00:00")


def test_times_without_offset_are_refused_on_input(client, h, world):
    r = client.post(f"{API}/customers/1/interactions", headers=h,
                    json={"channel": "phone", "subject": "x", "occurred_at": "2024-03-01T10:00:00"})
    assert r.status_code == 422 and "offset" in json.dumps(_errors(r))
    r = client.post(f"{API}/customers/1/interactions", headers=h,
                    json={"channel": "phone", "subject": "x", "occurred_at": "2024-03-01T10:00:00+02:00"})
    assert r.status_code == 201 and r.get_json()["occurred_at"] == "2024-03-01T08:00:00+00:00"


# -- the jobs and messages APIs (added by the jobs and messaging branches) ----------------------------


@pytest.mark.parametrize("body, field", [
    ({"channel": 5, "subject": "x", "body": "y"}, "channel"),
    ({"channel": "fax", "subject": "x", "body": "y"}, "channel"),
    ({"channel": "email", "subject": ["x"], "body": "y"}, "subject"),
    ({"channel": "email", "subject": "x" * 501, "body": "y"}, "subject"),
    ({"channel": "email", "subject": "x", "body": "y", "purpose": "spam"}, "purpose"),
    ({"channel": "email", "template": "t", "variables": {"name": {"first": "Ζωή\x00"}}}, "variables"),
    ({"channel": "email", "template": "t", "variables": {"a": [[[[[[["deep"]]]]]]]}}, "variables"),
    ({"channel": "email", "template": "t", "variables": [1, 2]}, "variables"),
    ({"channel": "email", "subject": "x", "body": "y", "headers": {"X-Note": 5}}, "headers"),
    ({"channel": "email", "subject": "x", "body": "y", "dedupe_key": 7}, "dedupe_key"),
    ({"channel": "email", "subject": "x", "body": "y", "surprise": 1}, "surprise"),
])
def test_message_type_confusion_is_a_422_naming_the_field(app, client, h, world, body, field):
    from core.messaging.models import OutboxMessage

    before = _count_rows(app, OutboxMessage)
    r = client.post(f"{API}/customers/1/messages", headers=h, json=body)
    assert r.status_code == 422, r.get_json()
    assert field in _errors(r)
    assert _count_rows(app, OutboxMessage) == before  # nothing queued


def test_a_message_with_storable_text_is_queued(client, h, world):
    r = client.post(f"{API}/customers/1/messages", headers=h,
                    json={"channel": "email", "subject": "Γεια σας — שלום", "body": "Καλημέρα\n\tσας"})
    assert r.status_code == 201, r.get_json()
    message = r.get_json()
    assert message["status"] == "queued" and message["recipient"] == "eleni@example.gr"
    assert client.get(f"{API}/messages/{message['id']}", headers=h).get_json()["subject"] == "Γεια σας — שלום"


def test_jobs_api_refuses_odd_input(client, h, world):
    r = client.get(f"{API}/jobs?status=sleeping", headers=h)
    assert r.status_code == 422 and "status" in r.get_json()["errors"]["query"]
    assert client.get(f"{API}/jobs?status=active", headers=h).status_code == 200
    assert client.get(f"{API}/jobs/{2**31}", headers=h).status_code == 404
    assert client.get(f"{API}/messages/{2**31}", headers=h).status_code == 404
    r = client.post(f"{API}/jobs/1/cancel", headers=h)
    assert r.status_code == 200 and r.get_json()["status"] == "cancelled"
    assert client.post(f"{API}/jobs/1/cancel", headers=h).status_code == 409


def _count_rows(app, model) -> int:
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar()


# -- the OpenAPI document follows the enabled plugins -----------------------------------------------


def _document(client) -> dict:
    r = client.get(f"{API}/openapi.json")
    assert r.status_code == 200
    return r.get_json()


def test_openapi_document_shows_only_enabled_plugins(app, client):
    from core.plugin_ops import disable_plugin, enable_plugin

    doc = _document(client)
    assert f"{API}/sales/orders/{{order_id}}" in doc["paths"] and f"{API}/service/equipment" in doc["paths"]
    assert "Order" in doc["components"]["schemas"] and "Equipment" in doc["components"]["schemas"]
    post = doc["paths"][f"{API}/sales/orders"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/OrderInput")
    assert post["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].endswith("/Order")
    with app.app_context():
        disable_plugin("service")
    doc = _document(client)
    assert not [p for p in doc["paths"] if p.startswith(f"{API}/service/")]
    assert f"{API}/sales/orders" in doc["paths"] and f"{API}/customers" in doc["paths"]
    assert "Equipment" not in doc["components"]["schemas"] and "Order" in doc["components"]["schemas"]
    assert "api_service" not in [t["name"] for t in doc["tags"]]
    assert client.get(f"{API}/service/equipment").status_code == 404
    with app.app_context():
        enable_plugin("service")
    assert f"{API}/service/equipment" in _document(client)["paths"]


def test_every_operation_declares_its_body_and_answer(client):
    """Complete for clients and fuzzers: each operation has a success schema and, when it
    takes a body, a request schema (only the 204 of DELETE and actions without a body
    are exempt)."""
    doc = _document(client)
    missing = []
    for path, ops in doc["paths"].items():
        if path == f"{API}/openapi.json":
            continue
        for method, op in ops.items():
            if method == "parameters":
                continue
            ok = [code for code in op["responses"] if code.startswith("2")]
            if not ok:
                missing.append(f"{method} {path}: no success answer")
            elif ok[0] != "204" and "content" not in op["responses"][ok[0]]:
                missing.append(f"{method} {path}: no answer schema")
            if method in ("patch",) and "requestBody" not in op:
                missing.append(f"{method} {path}: no body schema")
    assert not missing, missing
    assert "requestBody" in doc["paths"][f"{API}/service/equipment"]["post"]
    assert doc["paths"][f"{API}/sales/orders/{{order_id}}"]["parameters"][0]["schema"]["maximum"] == 2**31 - 1


# -- HEAD and OPTIONS --------------------------------------------------------------------------------


def test_head_and_options_without_error_logs(client, h, world, caplog, login):
    caplog.set_level(logging.WARNING)
    for url in (f"{API}/customers", f"{API}/customers/1", f"{API}/sales/orders/1", f"{API}/service/equipment"):
        get = client.get(url, headers=h)
        head = client.head(url, headers=h)
        assert head.status_code == get.status_code == 200, url
        assert head.data == b"" and head.headers["Content-Type"] == get.headers["Content-Type"]
        assert client.head(url).status_code == 401  # HEAD needs what GET needs
        options = client.options(url)  # a CORS-less preflight: no token
        assert options.status_code == 200, url
        assert "GET" in options.headers["Allow"] and "HEAD" in options.headers["Allow"]
    assert "POST" in client.options(f"{API}/customers").headers["Allow"]
    login()
    assert client.head("/customers/").status_code == 200
    assert client.options("/customers/1").status_code == 200
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], [r.getMessage() for r in caplog.records]


# -- the pages: ids typed by people -------------------------------------------------------------------


@pytest.mark.parametrize("value", ["99999999999", "²", "2147483648"])
def test_pages_refuse_odd_ids_with_a_message_not_a_500(client, login, world, value):
    login()
    r = client.post("/sales/opportunities/new", data={"title": "Deal", "customer_id": value, "source": "other",
                                                      "currency": "EUR", "expected_revenue": "0"})
    assert r.status_code == 422, r.status_code
    r = client.post("/service/equipment/new", data={"customer_id": value, "model_name": "Washer",
                                                    "status": "in_service"})
    assert r.status_code == 422, r.status_code
    r = client.post("/customers/new", data={"kind": "person", "name": "Zoë", "company": value})
    assert r.status_code == 422, r.status_code
    assert client.get(f"/sales/opportunities?stage={value}&owner={value}&customer_id={value}").status_code == 200
    assert client.get(f"/sales/orders?customer_id={value}").status_code == 200
    # the pickers that came with the staff UX work (customer page, service forms)
    r = client.post("/customers/1/activities", data={"summary": "Call", "due_date": "2030-01-01",
                                                    "assignee_id": value})
    assert r.status_code == 422 and "Not a valid choice." in r.get_data(as_text=True)
    r = client.get("/customers/1/merge", query_string={"other_id": value})
    assert r.status_code == 302 and r.headers["Location"].endswith("/customers/1")
    r = client.post("/service/requests/new", data={"equipment_id": value, "problem": "Noisy"})
    assert r.status_code == 422 and "Not a valid choice." in r.get_data(as_text=True)
    assert client.get("/lookup/equipment", query_string={"q": "SN", "customer": value}).status_code == 200


def test_cursors_with_odd_values_are_a_422(client, h, world):
    from core.web.pagination import encode_cursor

    for values in ([2**40], ["x"], [None], [[1]]):
        r = client.get(f"{API}/sales/orders?cursor={encode_cursor(values)}", headers=h)
        assert r.status_code == 422, (values, r.status_code)
    r = client.get(f"{API}/service/visits?cursor={encode_cursor(['2024-01-01', 2**40])}", headers=h)
    assert r.status_code == 422
