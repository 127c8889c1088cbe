"""The plugin system: discovery, the enabled set, contributions, failures, workers.

Most tests use small test-only plugins: a module object built here, with a
``manifest`` and ``@hookimpl`` functions, passed to ``make_app(extra=[module])``.
They do not depend on the first-party plugins, except the subset test, which boots
the app with every combination of the installed entry-point plugins.
"""
from __future__ import annotations

import itertools
import logging
import re
import textwrap
import types

import click
import pytest
import sqlalchemy as sa
from flask import Blueprint, render_template_string
from flask.views import MethodView
from flask_smorest import Blueprint as ApiBlueprint
from markupsafe import Markup
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from core import PluginManifest, hookimpl
from core.contrib import CustomerPanel, DashboardWidget, DemoStep, MenuItem, Permission, RecordRule, RoleSpec, SearchResult
from core.security import login_required, requires
from core.testing import ADMIN_EMAIL, login_client


def plugin_module(name, *, label=None, requires=(), permissions=(), file=None, **hooks):
    """A test-only plugin: a module object with a manifest and the given hook functions."""
    mod = types.ModuleType(f"rapport_test_{name}")
    mod.__file__ = file or __file__  # tests/migrations does not exist: no migrations
    mod.manifest = PluginManifest(name=name, label=label or name.title(), requires=tuple(requires),
                                  permissions=tuple(permissions))
    for hook, fn in hooks.items():
        setattr(mod, hook, hookimpl(fn))
    return mod


def admin_user(app):
    from core.auth.models import User
    from core.db import db

    return db.session.execute(sa.select(User).where(User.email == ADMIN_EMAIL)).scalar_one()


def nav_links(html: str) -> list[str]:
    """The hrefs of the main menu, in page order."""
    nav = html.split('class="navbar-nav me-auto"', 1)[1].split('<form class="d-flex', 1)[0]
    return [h for h in re.findall(r'href="([^"]+)"', nav) if h != "#"]


def flat_menu(menu: list[dict]) -> list[str]:
    """URLs of the menu in page order, drop-down groups opened."""
    return [leaf["url"] for entry in menu for leaf in (entry.get("children") or [entry])]


# ---------------------------------------------------------------------------------------
# Every subset of the installed plugins: every menu page answers
# ---------------------------------------------------------------------------------------


def _installed_names(make_app) -> list[str]:
    return sorted(make_app().extensions["rapport"].plugins.installed)


def test_every_subset_of_installed_plugins_boots_and_serves_its_menu(make_app):
    from core.web.nav import menu_for

    names = _installed_names(make_app)
    assert names, "no plugin is installed through the rapport.plugins entry points"
    for size in range(len(names) + 1):
        for subset in itertools.combinations(names, size):
            app = make_app(*subset)
            registry = app.extensions["rapport"].plugins
            client = login_client(app.test_client())
            dashboard = client.get("/")
            assert dashboard.status_code == 200, subset
            with app.test_request_context():
                registry.refresh(__import__("core.db", fromlist=["db"]).db.session)
                urls = flat_menu(menu_for(admin_user(app)))
            assert nav_links(dashboard.get_data(as_text=True)) == urls, subset
            # Enabling a plugin enables what it requires (analytics brings sales along).
            enabled = set(registry.enabled)
            assert enabled >= set(subset)
            for url in urls:
                assert client.get(url).status_code == 200, (subset, url)
            token = _token(app)
            for rule in app.url_map.iter_rules():
                blueprint = rule.endpoint.split(".")[0]
                owner = registry.blueprint_owner.get(blueprint)
                if owner is None or owner in enabled or rule.arguments or "GET" not in rule.methods:
                    continue
                headers = {"Authorization": f"Bearer {token}"} if rule.rule.startswith("/api/") else {}
                assert client.get(rule.rule, headers=headers).status_code == 404, (subset, rule.rule)


def _token(app) -> str:
    from core.auth.models import ApiToken
    from core.db import db

    with app.app_context():
        _row, clear = ApiToken.issue(admin_user(app), "subset test")
        db.session.commit()
        return clear


# ---------------------------------------------------------------------------------------
# A plugin with a table and a migration: enable, disable, enable again keeps data
# ---------------------------------------------------------------------------------------

KEEP_MIGRATION = '''
"""keep items"""
from alembic import op
import sqlalchemy as sa

revision = "keep_0001"
down_revision = None
branch_labels = ("keep",)
depends_on = "core_0001"


def upgrade():
    op.create_table(
        "keep_item",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("core_customer.id", ondelete="CASCADE"), nullable=True),
        sa.Column("label", sa.String(200), nullable=False),
    )


def downgrade():
    op.drop_table("keep_item")
'''

keep_bp = Blueprint("keep", __name__, url_prefix="/keep")


@keep_bp.get("/", endpoint="index")
@requires("keep.view")
def keep_index():
    from core.db import db

    labels = db.session.execute(sa.text("SELECT label FROM keep_item ORDER BY id")).scalars().all()
    return render_template_string(
        '{% extends "base.html" %}{% block content %}<ul>{% for l in labels %}<li>{{ l }}</li>{% endfor %}</ul>'
        "{% endblock %}", labels=labels)


@pytest.fixture(scope="module")
def keep_plugin(tmp_path_factory):
    root = tmp_path_factory.mktemp("keep_plugin")
    (root / "migrations" / "versions").mkdir(parents=True)
    (root / "migrations" / "versions" / "keep_0001_items.py").write_text(textwrap.dedent(KEEP_MIGRATION))
    (root / "__init__.py").write_text("")
    return plugin_module(
        "keep", file=str(root / "__init__.py"),
        permissions=[Permission("keep.view", "See kept items")],
        register_blueprints=lambda app: [keep_bp],
        menu_items=lambda user: [MenuItem("Kept", "keep.index", "keep.view", weight=60)],
    )


def _keep_rows(app) -> list[str]:
    from core.db import db

    with app.app_context():
        return list(db.session.execute(sa.text("SELECT label FROM keep_item ORDER BY id")).scalars())


def test_enable_disable_reenable_keeps_data(make_app, keep_plugin):
    from core.db import db

    app = make_app(extra=[keep_plugin])
    client = login_client(app.test_client())
    assert client.get("/keep/").status_code == 404
    with app.app_context():
        assert "keep_item" not in sa.inspect(db.engine).get_table_names()

    # Through the admin Plugins page, as an administrator would.
    page = client.get("/admin/plugins").get_data(as_text=True)
    assert 'id="plugin-keep"' in page and "/admin/plugins/keep/enable" in page
    r = client.post("/admin/plugins/keep/enable", follow_redirects=True)
    assert "Enabled: keep." in r.get_data(as_text=True)
    with app.app_context():
        assert "keep_item" in sa.inspect(db.engine).get_table_names()
        db.session.execute(sa.text("INSERT INTO keep_item (label) VALUES ('first'), ('second')"))
        db.session.commit()
    assert "/keep/" in nav_links(client.get("/").get_data(as_text=True))
    assert "<li>second</li>" in client.get("/keep/").get_data(as_text=True)

    r = client.post("/admin/plugins/keep/disable", follow_redirects=True)
    assert "Its data is kept" in r.get_data(as_text=True)
    assert client.get("/keep/").status_code == 404
    assert "/keep/" not in nav_links(client.get("/").get_data(as_text=True))
    assert _keep_rows(app) == ["first", "second"]

    client.post("/admin/plugins/keep/enable")
    body = client.get("/keep/").get_data(as_text=True)
    assert "<li>first</li>" in body and "<li>second</li>" in body
    assert _keep_rows(app) == ["first", "second"]


def test_page_of_disabled_plugin_is_404_even_with_permission(make_app, keep_plugin):
    app = make_app("keep", extra=[keep_plugin])
    client = login_client(app.test_client())
    assert client.get("/keep/").status_code == 200
    from core.plugin_ops import disable_plugin

    with app.app_context():
        disable_plugin("keep")
    assert client.get("/keep/").status_code == 404


# ---------------------------------------------------------------------------------------
# Requirements between plugins
# ---------------------------------------------------------------------------------------

ALPHA = plugin_module("alpha")
BETA = plugin_module("beta", requires=["alpha"])


def test_enabling_enables_what_is_required_and_disabling_is_refused(make_app):
    from core.plugin_ops import disable_plugin, enable_plugin
    from core.plugins import PluginError

    app = make_app(extra=[ALPHA, BETA])
    with app.app_context():
        assert enable_plugin("beta") == ["alpha", "beta"]
        with pytest.raises(PluginError, match="beta require"):
            disable_plugin("alpha")
        registry = app.extensions["rapport"].plugins
        assert registry.is_enabled("alpha") and registry.is_enabled("beta")

    client = login_client(app.test_client())
    page = client.get("/admin/plugins").get_data(as_text=True)
    assert "Required by beta" in page
    r = client.post("/admin/plugins/alpha/disable", follow_redirects=True)
    assert "Cannot disable “alpha”: beta require it. Disable them first." in r.get_data(as_text=True)
    with app.app_context():
        assert app.extensions["rapport"].plugins.is_enabled("alpha")
        disable_plugin("beta")
        disable_plugin("alpha")
        assert app.extensions["rapport"].plugins.enabled == frozenset()


def test_unknown_and_circular_requirements_are_refused(make_app):
    from core.plugin_ops import enable_plugin
    from core.plugins import PluginError

    orphan = plugin_module("orphan", requires=["nowhere"])
    ping = plugin_module("ping", requires=["pong"])
    pong = plugin_module("pong", requires=["ping"])
    app = make_app(extra=[orphan, ping, pong])
    with app.app_context():
        with pytest.raises(PluginError, match="'nowhere' is not installed"):
            enable_plugin("orphan")
        with pytest.raises(PluginError, match="circular"):
            enable_plugin("ping")
        assert app.extensions["rapport"].plugins.enabled == frozenset()


# ---------------------------------------------------------------------------------------
# Plugins that fail to load
# ---------------------------------------------------------------------------------------


def _menu_items_misspelt(user):
    return []


def _register_blueprints_raising(app):
    raise RuntimeError("cannot build my blueprint")


NO_MANIFEST = types.ModuleType("rapport_test_nomanifest")
NO_MANIFEST.__file__ = __file__
BAD_MANIFEST = types.ModuleType("rapport_test_badmanifest")
BAD_MANIFEST.__file__ = __file__
BAD_MANIFEST.manifest = {"name": "badmanifest", "label": "Not a PluginManifest"}
MISSPELT = plugin_module("misspelt", menu_item=_menu_items_misspelt)  # the hook is menu_items
BROKEN_REGISTRATION = plugin_module("brokenreg", register_blueprints=_register_blueprints_raising)


@pytest.fixture
def broken_import_module(tmp_path, monkeypatch):
    (tmp_path / "rapport_test_brokenimport.py").write_text('raise RuntimeError("boom at import")\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "rapport_test_brokenimport"


def test_failed_plugins_are_reported_and_the_rest_runs(make_app, keep_plugin, broken_import_module, caplog):
    caplog.set_level(logging.ERROR, logger="core.plugins")
    extra = [broken_import_module, NO_MANIFEST, BAD_MANIFEST, MISSPELT, BROKEN_REGISTRATION, keep_plugin]
    app = make_app("keep", extra=extra)
    registry = app.extensions["rapport"].plugins
    expected = {
        "rapport_test_brokenimport": "boom at import",
        "rapport_test_nomanifest": "no PluginManifest",
        "rapport_test_badmanifest": "no PluginManifest",
        "misspelt": "menu_item",
        "brokenreg": "cannot build my blueprint",
    }
    for name, why in expected.items():
        assert why in registry.failed.get(name, ""), (name, registry.failed)
        assert name not in registry.installed
        assert any(name in rec.getMessage() for rec in caplog.records), name

    # The rest of the app runs, including the healthy plugin.
    client = login_client(app.test_client())
    assert client.get("/").status_code == 200
    assert client.get("/keep/").status_code == 200
    page = client.get("/admin/plugins").get_data(as_text=True)
    for name, why in expected.items():
        row = page.split(f'id="plugin-{name}"', 1)[1].split("</tr>", 1)[0]
        assert "failed" in row and why in row and "/enable" not in row, name

    result = app.test_cli_runner().invoke(args=["plugins", "list"])
    assert result.exit_code == 0, result.output
    for name, why in expected.items():
        line = next(ln for ln in result.output.splitlines() if ln.startswith(name))
        assert "FAILED" in line and why in line
    assert re.search(r"^keep\s+enabled", result.output, re.M)

    with app.app_context():
        from core.plugin_ops import enable_plugin
        from core.plugins import PluginError

        with pytest.raises(PluginError, match="failed to load"):
            enable_plugin("misspelt")


def test_listener_of_another_plugins_event_is_optional(make_app):
    """``optionalhook=True`` listeners of events nobody declares do not fail the plugin."""

    def sales_order_confirmed(order):  # declared by the sales plugin, which may be absent
        return None

    mod = types.ModuleType("rapport_test_listener")
    mod.__file__ = __file__
    mod.manifest = PluginManifest(name="listener", label="Listener")
    mod.sales_order_confirmed = hookimpl(optionalhook=True)(sales_order_confirmed)
    app = make_app(extra=[mod], RAPPORT_INSTALLED=[])
    registry = app.extensions["rapport"].plugins
    assert "listener" in registry.installed and "listener" not in registry.failed


# ---------------------------------------------------------------------------------------
# Several workers share the enabled set through the database
# ---------------------------------------------------------------------------------------


def test_enabled_set_reaches_another_worker_without_restart(make_app, keep_plugin):
    from core.app import create_app
    from core.db import db

    first = make_app(extra=[keep_plugin])
    second = create_app({key: first.config[key] for key in (
        "TESTING", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "INSTANCE_PATH", "WTF_CSRF_ENABLED",
        "RATELIMIT_ENABLED", "SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE", "RAPPORT_EXTRA_PLUGINS")})
    try:
        one, two = login_client(first.test_client()), login_client(second.test_client())
        assert two.get("/keep/").status_code == 404
        one.post("/admin/plugins/keep/enable")
        assert two.get("/keep/").status_code == 200  # the other worker's very next request
        assert "/keep/" in nav_links(two.get("/").get_data(as_text=True))
        two.post("/admin/plugins/keep/disable")
        assert one.get("/keep/").status_code == 404
        assert "/keep/" not in nav_links(one.get("/").get_data(as_text=True))
    finally:
        with second.app_context():
            db.session.remove()
            db.engine.dispose()


# ---------------------------------------------------------------------------------------
# Contributions: ordered by weight, then plugin name; never by registration order
# ---------------------------------------------------------------------------------------


def _orderly(name, weight):
    label = f"{name} item"
    bp = Blueprint(f"{name}", __name__, url_prefix=f"/{name}")

    @login_required
    def index():
        return "ok"

    bp.add_url_rule("/", "index", index)
    return plugin_module(
        name,
        register_blueprints=lambda app: [bp],
        menu_items=lambda user: [MenuItem(label, f"{name}.index", weight=weight)],
        dashboard_widgets=lambda user: [DashboardWidget(label, lambda: Markup(f"<b>{name} widget</b>"), weight=weight)],
        search_results=lambda query, user, limit: [SearchResult(label, f"/{name}/", "Orderly", weight=weight)],
    )


ZULU, YANKEE, XRAY = _orderly("zulu", 50), _orderly("yankee", 50), _orderly("xray", 40)


@pytest.mark.parametrize("order", [(ZULU, YANKEE, XRAY), (XRAY, YANKEE, ZULU), (YANKEE, ZULU, XRAY)])
def test_contributions_are_ordered_by_weight_then_plugin_name(make_app, order):
    from core.db import db

    app = make_app("xray", "yankee", "zulu", extra=list(order))
    client = login_client(app.test_client())
    dashboard = client.get("/").get_data(as_text=True)
    links = [link for link in nav_links(dashboard) if link in ("/xray/", "/yankee/", "/zulu/")]
    assert links == ["/xray/", "/yankee/", "/zulu/"]
    # Core items keep their places around them: Customers (10) first, the Administration group
    # (Users 900 … Plugins 920, Event deliveries 930, Audit log 940, Portal accounts 950) last.
    assert nav_links(dashboard)[0] == "/customers/" and nav_links(dashboard)[-4:] == ["/admin/plugins",
                                                                                     "/admin/events/",
                                                                                     "/admin/audit",
                                                                                     "/admin/portal/accounts"]
    positions = [dashboard.index(f"<b>{n} widget</b>") for n in ("xray", "yankee", "zulu")]
    assert positions == sorted(positions)
    search = client.get("/search?q=item").get_data(as_text=True)
    positions = [search.index(f"/{n}/") for n in ("xray", "yankee", "zulu")]
    assert positions == sorted(positions)
    with app.test_request_context():
        db.session.execute(sa.select(1))
        labels = [i.label for i in app.extensions["rapport"].plugins.contributions("menu_items", user=admin_user(app))]
    assert [label for label in labels if label.endswith(" item")] == ["xray item", "yankee item", "zulu item"]


# ---------------------------------------------------------------------------------------
# The contribution and registration hooks, one by one, through a probe plugin
# ---------------------------------------------------------------------------------------

PROBE_CALLS: list = []


def _probe_panel(customer, user):
    name = customer.name

    def render():
        return Markup("<p class='probe-panel'>Probe panel for {}</p>").format(name)

    return [CustomerPanel("Probe panel", render, permission="probe.use", weight=5)]


def _probe_search(query, user, limit):
    PROBE_CALLS.append(("search", query, limit))
    return [SearchResult(f"Probe hit <{query}>", "/probe-hit", "Probes", detail="from the probe")]


def _probe_demo():
    def run(rng, customers):
        PROBE_CALLS.append(("demo", len(customers)))

    def broken(rng, customers):
        raise RuntimeError("demo step broke")

    return [DemoStep("probe demo", run, weight=20), DemoStep("probe broken demo", broken, weight=10)]


probe_api = ApiBlueprint("probe_api", __name__, url_prefix="/probe", description="Probe")


@probe_api.route("/")
class ProbeApi(MethodView):
    @requires("probe.use")
    def get(self):
        return {"probe": "ok"}


def _probe_commands(cli):
    @cli.command("probe-hello")
    @click.argument("who")
    def probe_hello(who):
        """Say hello from the probe plugin."""
        click.echo(f"probe says hello to {who}")


def _probe_widgets(user):
    return [
        DashboardWidget("Probe widget", lambda: Markup("<p>probe <b>widget</b> body</p>"), permission="probe.use", weight=5),
        DashboardWidget("Probe public widget", lambda: "<b>not markup</b>", weight=6),
    ]


PROBE = plugin_module(
    "probe",
    permissions=[Permission("probe.use", "Use the probe")],
    default_roles=lambda: [RoleSpec("Prober", ("probe.use", "customers.view"), "Uses the probe")],
    dashboard_widgets=_probe_widgets,
    customer_panels=_probe_panel,
    search_results=_probe_search,
    demo_data=_probe_demo,
    register_api=lambda api: [probe_api],
    register_commands=_probe_commands,
)
PROBE.permissions = hookimpl(lambda: [Permission("probe.runtime", "A permission computed at run time")])


@pytest.fixture
def probe_app(app):
    """The app with the probe plugin enabled (tests using it carry the marker below)."""
    PROBE_CALLS.clear()
    assert app.extensions["rapport"].plugins.is_enabled("probe") or "probe" in app.extensions["rapport"].plugins.installed
    return app


with_probe = pytest.mark.plugins("probe", extra=[PROBE])


@with_probe
def test_permissions_hook_and_manifest_permissions(probe_app):
    client = login_client(probe_app.test_client())
    form = client.get("/admin/roles/new").get_data(as_text=True)
    assert "probe.use" in form and "probe.runtime" in form and "A permission computed at run time" in form
    with probe_app.app_context():
        names = [p.name for p in probe_app.extensions["rapport"].plugins.all_permissions()]
        from core.plugin_ops import disable_plugin

        assert {"probe.use", "probe.runtime", "customers.view"} <= set(names)
        disable_plugin("probe")
        names = [p.name for p in probe_app.extensions["rapport"].plugins.all_permissions()]
        assert "probe.use" not in names and "probe.runtime" not in names


def test_default_roles_created_on_enable_and_never_overwritten(make_app):
    from core.auth.models import Role
    from core.db import db
    from core.plugin_ops import disable_plugin, enable_plugin

    app = make_app(extra=[PROBE])
    with app.app_context():
        assert db.session.execute(sa.select(Role).where(Role.name == "Prober")).scalar() is None
        enable_plugin("probe")
        role = db.session.execute(sa.select(Role).where(Role.name == "Prober")).scalar_one()
        assert role.permissions == ["probe.use", "customers.view"]
        role.permissions = ["probe.use"]  # an admin edits it
        db.session.commit()
        disable_plugin("probe")
        enable_plugin("probe")
        role = db.session.execute(sa.select(Role).where(Role.name == "Prober")).scalar_one()
        assert role.permissions == ["probe.use"]
    result = app.test_cli_runner().invoke(args=["roles", "list"])
    assert "Prober: probe.use" in result.output


@with_probe
def test_dashboard_widgets_respect_permission_and_escape(probe_app, make_user):
    client = login_client(probe_app.test_client())
    page = client.get("/").get_data(as_text=True)
    assert "Probe widget" in page and "<p>probe <b>widget</b> body</p>" in page
    # A render() returning a plain str is text, not HTML.
    assert "&lt;b&gt;not markup&lt;/b&gt;" in page
    make_user("plain@example.com", permissions=["customers.view"])
    other = login_client(probe_app.test_client(), "plain@example.com")
    page = other.get("/").get_data(as_text=True)
    assert "Probe widget" not in page and "Probe public widget" in page


@with_probe
def test_customer_panels_on_the_customer_page(probe_app, make_user):
    from core.customers.service import create_customer
    from core.db import db

    with probe_app.app_context():
        customer_id = create_customer({"name": "Ανδρέας <Probe>"}).id
        db.session.commit()
    client = login_client(probe_app.test_client())
    page = client.get(f"/customers/{customer_id}").get_data(as_text=True)
    assert "Probe panel" in page
    assert "<p class='probe-panel'>Probe panel for Ανδρέας &lt;Probe&gt;</p>" in page
    make_user("viewer@example.com", permissions=["customers.view"])
    viewer = login_client(probe_app.test_client(), "viewer@example.com")
    page = viewer.get(f"/customers/{customer_id}")
    assert page.status_code == 200 and "probe-panel" not in page.get_data(as_text=True)


@with_probe
def test_search_results_get_the_folded_query(probe_app):
    client = login_client(probe_app.test_client())
    page = client.get("/search?q=ΖΩΉ").get_data(as_text=True)
    assert ("search", "ζωη", 10) in PROBE_CALLS
    assert "Probe hit &lt;ζωη&gt;" in page and "/probe-hit" in page and "Probes" in page


@with_probe
def test_register_api_endpoints_follow_the_enabled_set(probe_app, token_for, make_user):
    from core.plugin_ops import disable_plugin

    client = probe_app.test_client()
    assert client.get("/api/v1/probe/").status_code == 401
    headers = token_for()
    r = client.get("/api/v1/probe/", headers=headers)
    assert r.status_code == 200 and r.get_json() == {"probe": "ok"}
    make_user("noprobe@example.com", permissions=["customers.view"])
    assert client.get("/api/v1/probe/", headers=token_for("noprobe@example.com")).status_code == 403
    assert "/probe/" in str(client.get("/api/v1/openapi.json").get_json()["paths"])
    with probe_app.app_context():
        disable_plugin("probe")
    assert client.get("/api/v1/probe/", headers=headers).status_code == 404


@with_probe
def test_register_commands_run_only_while_enabled(probe_app):
    from core.plugin_ops import disable_plugin

    runner = probe_app.test_cli_runner()
    result = runner.invoke(args=["probe-hello", "Zoë"])
    assert result.exit_code == 0 and "probe says hello to Zoë" in result.output
    with probe_app.app_context():
        disable_plugin("probe")
    result = runner.invoke(args=["probe-hello", "Zoë"])
    assert result.exit_code != 0 and "plugin probe is disabled" in result.output


@with_probe
def test_demo_data_steps_run_by_weight_and_failures_are_isolated(probe_app):
    result = probe_app.test_cli_runner().invoke(args=["init", "--demo"])
    assert result.exit_code == 0, result.output
    broken, ok = result.output.index("probe broken demo FAILED: demo step broke"), result.output.index("demo: probe demo")
    assert broken < ok  # weight 10 before weight 20
    demo_calls = [c for c in PROBE_CALLS if c[0] == "demo"]
    assert len(demo_calls) == 1 and demo_calls[0][1] > 100


# ---------------------------------------------------------------------------------------
# Record rules: "own records only" through core.security.scoped / ensure_visible
# ---------------------------------------------------------------------------------------


class _TestBase(DeclarativeBase):
    """Test models live outside the app's metadata (no migration, no autogenerate noise)."""


class OwnThing(_TestBase):
    __tablename__ = "own_thing"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column()
    label: Mapped[str] = mapped_column(sa.String(100))


own_bp = Blueprint("own", __name__, url_prefix="/own")


@own_bp.get("/")
@requires("own.view")
def own_index():
    from core.db import db
    from core.security import scoped

    rows = db.session.execute(scoped(sa.select(OwnThing), OwnThing).order_by(OwnThing.id)).scalars()
    return ",".join(r.label for r in rows)


@own_bp.get("/<int:thing_id>")
@requires("own.view")
def own_detail(thing_id):
    from core.db import db
    from core.security import ensure_visible

    return ensure_visible(db.session.get(OwnThing, thing_id)).label

OWN = plugin_module(
    "own",
    permissions=[Permission("own.view", "See own things"), Permission("own.all", "See everyone's things")],
    register_blueprints=lambda app: [own_bp],
    record_rules=lambda: [RecordRule(OwnThing, "owner_id", "own.all")],
)


@pytest.mark.plugins("own", extra=[OWN])
def test_record_rules_limit_lists_and_objects(app, make_user):
    from core.db import db

    ann = make_user("ann@example.com", permissions=["own.view"])
    bob = make_user("bob@example.com", permissions=["own.view"])
    make_user("boss@example.com", permissions=["own.view", "own.all"])
    with app.app_context():
        _TestBase.metadata.create_all(db.engine)
        db.session.add_all([OwnThing(owner_id=ann, label="ann1"), OwnThing(owner_id=bob, label="bob1"),
                            OwnThing(owner_id=ann, label="ann2")])
        db.session.commit()
        bob_thing = db.session.execute(sa.select(OwnThing.id).where(OwnThing.label == "bob1")).scalar_one()
    assert login_client(app.test_client(), "ann@example.com").get("/own/").get_data(as_text=True) == "ann1,ann2"
    assert login_client(app.test_client(), "bob@example.com").get("/own/").get_data(as_text=True) == "bob1"
    assert login_client(app.test_client(), "boss@example.com").get("/own/").get_data(as_text=True) == "ann1,bob1,ann2"
    assert login_client(app.test_client()).get("/own/").get_data(as_text=True) == "ann1,bob1,ann2"  # admin
    ann_client = login_client(app.test_client(), "ann@example.com")
    assert ann_client.get(f"/own/{bob_thing}").status_code == 404  # hidden, not "forbidden"
    assert login_client(app.test_client(), "bob@example.com").get(f"/own/{bob_thing}").get_data(as_text=True) == "bob1"
    with app.app_context():
        _TestBase.metadata.drop_all(db.engine)


@pytest.mark.plugins(extra=[OWN])
def test_record_rules_of_a_disabled_plugin_do_not_apply(app):
    from core.security import _rules_for

    with app.test_request_context():
        assert _rules_for(OwnThing) == []


BROKEN_MIGRATION = '''
revision = "wreck_0001"
down_revision = None
branch_labels = ("wreck",)
depends_on = "core_0001"


def upgrade():
    raise RuntimeError("this migration is broken")


def downgrade():
    pass
'''


def test_failing_migration_refuses_to_enable_with_a_message(make_app, tmp_path_factory, caplog):
    root = tmp_path_factory.mktemp("wreck_plugin")
    (root / "migrations" / "versions").mkdir(parents=True)
    (root / "migrations" / "versions" / "wreck_0001.py").write_text(BROKEN_MIGRATION)
    wreck = plugin_module("wreck", file=str(root / "__init__.py"))
    app = make_app(extra=[wreck])
    client = login_client(app.test_client())
    r = client.post("/admin/plugins/wreck/enable", follow_redirects=True)
    assert r.status_code == 200
    assert "The migrations of “wreck” failed: this migration is broken" in r.get_data(as_text=True)
    assert "this migration is broken" in caplog.text
    with app.app_context():
        assert not app.extensions["rapport"].plugins.is_enabled("wreck")
    result = app.test_cli_runner().invoke(args=["plugins", "enable", "wreck"])
    assert result.exit_code == 1 and "The migrations of “wreck” failed" in result.output
    assert client.get("/").status_code == 200
