"""The customer 360 page: header facts, the action bar (``customer_actions``), plugin panels as
tabs with their open-items count (``customer_panels``), and forms that show their errors."""
from __future__ import annotations

import types

import pytest
from markupsafe import Markup

from core.contrib import CustomerAction, CustomerPanel
from core.hooks import hookimpl
from core.plugins import PluginManifest


def _plugin():
    module = types.ModuleType("visits_demo")
    module.__file__ = __file__
    module.manifest = PluginManifest(name="visits_demo", label="Visits")

    @hookimpl
    def customer_actions(customer, user):
        return [CustomerAction("Plan a visit", f"/visits/new?customer_id={customer.id}", "customers.view", weight=50),
                CustomerAction("Secret action", "/secret", "nobody.has.this", weight=51),
                CustomerAction("Print labels", "/labels", None, weight=60, primary=False)]

    @hookimpl
    def customer_panels(customer, user):
        return [CustomerPanel("Visits", lambda: Markup("<p>3 visits</p>"), key="visits", count=lambda: 2),
                CustomerPanel("Broken", lambda: 1 / 0, key="broken")]

    module.customer_actions = customer_actions
    module.customer_panels = customer_panels
    return module


PLUGIN = _plugin()


def _customer(app, **data):
    from core.customers.service import create_customer
    from core.db import db

    with app.app_context():
        c = create_customer({"name": "Ελένη Παππά", "emails": ["eleni@example.gr"], "phones": ["6912345678"],
                             "tags": ["vip"], **data})
        db.session.commit()
        return c.id


@pytest.mark.plugins("visits_demo", extra=[PLUGIN])
def test_actions_and_tabs_from_plugins(app, client, login, make_user):
    cid = _customer(app)
    login()
    html = client.get(f"/customers/{cid}").get_data(as_text=True)
    toolbar = html.split('role="toolbar"')[1].split("</section>")[0]
    # Core actions first (by weight), then the plugin's; hidden without the permission.
    assert toolbar.index("Log a call or visit") < toolbar.index("Schedule a follow-up") < toolbar.index("Plan a visit")
    assert f'href="/visits/new?customer_id={cid}"' in toolbar
    more = toolbar.split('class="dropdown-menu')[1]
    assert "Print labels" in more and "Edit" in more and "Delete" in more
    # Panels are tabs, with their count; one that fails is a notice, not an error page.
    assert 'data-bs-target="#pane-visits"' in html and "<p>3 visits</p>" in html
    assert "Visits: 2" in html  # in the header's open items
    assert "This panel could not be shown" in html
    # The header's key facts.
    header = html.split('role="toolbar"')[0].split('id="customer-name"')[1]
    for fact in ("eleni@example.gr", "+306912345678", "vip", "Nobody"):
        assert fact in header
    # A read-only user sees no action they cannot take.
    make_user("ro@example.com", roles=["Read only"])
    login("ro@example.com")
    html = client.get(f"/customers/{cid}").get_data(as_text=True)
    toolbar = html.split('role="toolbar"')[1].split("</section>")[0]
    assert "Log a call" not in toolbar and "Delete" not in toolbar and "Plan a visit" in toolbar
    assert "Secret action" not in toolbar  # its permission is missing
    assert 'id="log-interaction"' not in html


def test_invalid_follow_up_opens_its_form_with_the_error(app, client, login):
    cid = _customer(app)
    login()
    r = client.post(f"/customers/{cid}/activities", data={"summary": "", "due_date": "2030-01-01",
                                                         "assignee_id": "1"})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    form = html.split('id="schedule-follow-up"')[1].split("</form>")[0]
    assert "A summary of 1 to 300 characters" in form
    assert 'class="collapse show action-form' in html.split('id="schedule-follow-up"')[0][-120:]
    assert 'class="collapse action-form' in html.split('id="log-interaction"')[0][-120:]  # the other stays shut


def test_merge_picker_leads_to_the_confirmation(app, client, login):
    a, b = _customer(app), _customer(app, emails=["other@example.gr"])
    login()
    r = client.get(f"/customers/{a}/merge", query_string={"other_id": b})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/customers/{a}/merge/{b}")
    r = client.get(f"/customers/{a}/merge", query_string={"other_id": a})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/customers/{a}")
    assert client.get(f"/customers/{a}/merge", query_string={"other_id": 99999}).status_code == 302
    assert client.get(f"/customers/{a}/merge/99999").status_code == 404
