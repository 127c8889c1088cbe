"""Sales alone, next to every other installed plugin, and across disable/enable."""
import pytest
import sqlalchemy as sa

from core.db import db
from sales_testdata import make_order, seed

PAGES = ("/sales/", "/sales/opportunities", "/sales/orders", "/sales/performance", "/sales/settings", "/")


def _installed():
    from importlib import metadata

    return sorted(ep.name for ep in metadata.entry_points(group="rapport.plugins"))


@pytest.mark.plugins("sales")
def test_sales_alone(app, client, login):
    with app.app_context():
        registry = app.extensions["rapport"].plugins
        registry.refresh(db.session)
        assert registry.enabled == frozenset({"sales"})
    seed(app)
    login()
    for url in PAGES:
        assert client.get(url).status_code == 200, url


def test_sales_with_every_installed_plugin(make_app):
    from core.testing import login_client

    app = make_app(*_installed())
    with app.app_context():
        registry = app.extensions["rapport"].plugins
        registry.refresh(db.session)
        assert set(registry.enabled) == set(_installed()), registry.failed
    ids = seed(app)
    order_id = make_order(app, ids["customers"][0], ids["products"][0], confirmed=True)  # listeners, if any, run
    client = login_client(app.test_client())
    for url in (*PAGES, f"/sales/orders/{order_id}"):
        assert client.get(url).status_code == 200, url


@pytest.mark.plugins("sales")
def test_disable_and_enable_keep_orders(app, client, login):
    from core.plugin_ops import disable_plugin, enable_plugin
    from plugins.sales.models import Order

    ids = seed(app)
    order_id = make_order(app, ids["customers"][0], ids["products"][0], confirmed=True)
    login()
    with app.app_context():
        disable_plugin("sales")
    assert client.get("/sales/orders").status_code == 404
    assert client.get(f"/api/v1/sales/orders/{order_id}").status_code == 404
    assert b'href="/sales/"' not in client.get("/").data
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(Order)).scalar() == 1
        enable_plugin("sales")
    r = client.get(f"/sales/orders/{order_id}")
    assert r.status_code == 200 and b"S0000001" in r.data


@pytest.mark.plugins("sales")
def test_default_roles_exist(app):
    from core.auth.models import Role

    with app.app_context():
        roles = {r.name: r.permissions for r in db.session.execute(sa.select(Role)).scalars()}
    assert "sales.user" in roles["Salesperson"] and "sales.manager" not in roles["Salesperson"]
    assert {"sales.user", "sales.manager"} <= set(roles["Sales manager"])
