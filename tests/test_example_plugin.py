"""The example plugin of docs/plugins.md, installed with pip and run for real.

This is the proof that the developer docs are complete: ``docs/examples/rapport-hello``
is pip-installed into a temporary folder, found through its ``rapport.plugins``
entry point (importlib.metadata, exactly as in production), enabled (its own Alembic
branch runs), and then every contribution it makes is checked through HTTP.
"""
from __future__ import annotations

import importlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "examples" / "rapport-hello"


def _pip_install(source: Path, target: Path) -> None:
    """``pip install --no-deps --target``; without build isolation when the local
    setuptools can build wheels, else with it (pip then fetches setuptools)."""
    base = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-input", "--target", str(target)]
    first = subprocess.run([*base, "--no-build-isolation", str(source)], capture_output=True, text=True)
    if first.returncode == 0:
        return
    second = subprocess.run([*base, str(source)], capture_output=True, text=True)
    assert second.returncode == 0, f"pip install failed:\n{first.stderr}\n{second.stderr}"


@pytest.fixture(scope="module")
def hello_installed(tmp_path_factory):
    """Install the example into a temporary folder and put it on ``sys.path``;
    undo all of it afterwards so other tests never see the plugin."""
    work = tmp_path_factory.mktemp("hello")
    source, target = work / "src", work / "site"
    # Build from a copy: pip/setuptools write build/ and *.egg-info next to the sources.
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    _pip_install(source, target)
    assert (target / "rapport_hello" / "migrations" / "versions" / "hello_0001_notes.py").is_file()
    sys.path.insert(0, str(target))
    importlib.invalidate_caches()
    yield target
    sys.path.remove(str(target))
    for name in [m for m in sys.modules if m == "rapport_hello" or m.startswith("rapport_hello.")]:
        del sys.modules[name]
    from core.db import db

    if "hello_note" in db.metadata.tables:
        db.metadata.remove(db.metadata.tables["hello_note"])
    importlib.invalidate_caches()


def _notes(app) -> list[str]:
    with app.app_context():
        from core.db import db

        return list(db.session.execute(sa.text("SELECT text FROM hello_note ORDER BY id")).scalars())


def test_entry_point_is_discovered(hello_installed):
    from importlib import metadata

    names = {ep.name: ep.value for ep in metadata.entry_points(group="rapport.plugins")}
    assert names.get("hello") == "rapport_hello"


def test_install_enable_use_disable_reenable(hello_installed, make_app):
    from core.customers.service import create_customer
    from core.db import db
    from core.plugin_ops import disable_plugin, enable_plugin
    from core.testing import login_client

    app = make_app()
    registry = app.extensions["rapport"].plugins
    assert "hello" in registry.installed, registry.failed
    assert registry.installed["hello"].version == "0.1.0"  # read from the installed distribution
    assert registry.installed["hello"].module.__file__.startswith(str(hello_installed))
    client = login_client(app.test_client())

    # Installed but not enabled: no page, no menu item, no table yet.
    assert client.get("/hello/").status_code == 404
    assert 'href="/hello/"' not in client.get("/").get_data(as_text=True)
    with app.app_context():
        assert "hello_note" not in sa.inspect(db.engine).get_table_names()
        assert enable_plugin("hello") == ["hello"]
        assert "hello_note" in sa.inspect(db.engine).get_table_names()  # its own migration ran
        from core.auth.models import Role

        role = db.session.execute(sa.select(Role).where(Role.name == "Hello writer")).scalar_one()
        assert "hello.write" in role.permissions

    page = client.get("/hello/")
    assert page.status_code == 200 and "No notes yet." in page.get_data(as_text=True)
    dashboard = client.get("/").get_data(as_text=True)
    assert 'href="/hello/"' in dashboard and "Latest notes" in dashboard  # menu item and widget

    # The customer_created listener writes a note, and logs it on the timeline.
    with app.app_context():
        customer_id = create_customer({"name": "Zoë <Hello>"}).id
        db.session.commit()
        from core.history.models import Interaction

        kinds = db.session.execute(sa.select(Interaction.kind).where(Interaction.customer_id == customer_id)).scalars()
        assert "hello.note" in list(kinds)
    assert _notes(app) == ["Welcome, Zoë <Hello>!"]
    body = client.get("/hello/").get_data(as_text=True)
    assert "Welcome, Zoë &lt;Hello&gt;!" in body and "<Hello>" not in body  # escaped
    dash = client.get("/").get_data(as_text=True)
    assert "<li>Welcome, Zoë &lt;Hello&gt;!</li>" in dash, dash[dash.find("<main"):dash.find("</main")]  # widget

    # The customer panel, rendered the way the customer page renders it.
    with app.test_request_context():
        from core.auth.models import User
        from core.customers.models import Customer

        customer = db.session.get(Customer, customer_id)
        admin = db.session.execute(sa.select(User).where(User.email == "admin@example.com")).scalar_one()
        panels = [p for p in registry.contributions("customer_panels", customer=customer, user=admin)
                  if str(p.title) == "Notes"]
        assert len(panels) == 1 and "<li>Welcome, Zoë &lt;Hello&gt;!</li>" in panels[0].render()
    if "customers.detail" in app.view_functions:
        assert "Welcome, Zoë &lt;Hello&gt;!" in client.get(f"/customers/{customer_id}").get_data(as_text=True)

    # Disable: page and menu gone, listener silent, data kept.
    with app.app_context():
        disable_plugin("hello")
    assert client.get("/hello/").status_code == 404
    assert 'href="/hello/"' not in client.get("/").get_data(as_text=True)
    with app.app_context():
        create_customer({"name": "Nobody Greets Me"})
        db.session.commit()
    assert _notes(app) == ["Welcome, Zoë <Hello>!"]

    # Enable again: the old note is back, nothing was migrated twice.
    with app.app_context():
        assert enable_plugin("hello") == ["hello"]
    assert "Welcome, Zoë &lt;Hello&gt;!" in client.get("/hello/").get_data(as_text=True)


def test_example_permissions_are_enforced(hello_installed, make_app):
    from core.testing import PASSWORD, login_client

    app = make_app("hello")
    with app.app_context():
        from core.auth.service import create_user

        create_user("reader@example.com", PASSWORD, roles=["Read only"])
        create_user("writer@example.com", PASSWORD, roles=["Hello writer"])
    reader = login_client(app.test_client(), "reader@example.com")
    assert reader.get("/hello/").status_code == 403
    assert 'href="/hello/"' not in reader.get("/").get_data(as_text=True)
    writer = login_client(app.test_client(), "writer@example.com")
    assert writer.get("/hello/").status_code == 200
    assert 'href="/hello/"' in writer.get("/").get_data(as_text=True)


def test_example_shows_in_plugins_list(hello_installed, make_app):
    app = make_app("hello")
    result = app.test_cli_runner().invoke(args=["plugins", "list"])
    assert result.exit_code == 0
    line = next(ln for ln in result.output.splitlines() if ln.startswith("hello"))
    assert "enabled" in line and "0.1.0" in line and "Hello notes" in line


def test_example_own_tests_pass(hello_installed, tmp_path):
    """The plugin's own test suite (shown in docs/plugins.md) passes against the install."""
    import os

    project = tmp_path / "rapport-hello"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("rapport_hello", "build", "*.egg-info", "__pycache__"))
    repo = Path(__file__).resolve().parent.parent
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(hello_installed), str(repo)]))
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
                            cwd=project, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "6 passed" in result.stdout


def test_db_revision_starts_the_plugins_own_branch(hello_installed, tmp_path):
    """``rapport db revision --branch hello`` writes the first revision of a new plugin
    (no parent, branch label, depends on the core), as docs/plugins.md tells."""
    import os

    site = tmp_path / "site"
    shutil.copytree(hello_installed, site)
    versions = site / "rapport_hello" / "migrations" / "versions"
    (versions / "hello_0001_notes.py").unlink()
    env = dict(os.environ, PYTHONPATH=str(site), RAPPORT_INSTANCE=str(tmp_path / "instance"),
               DATABASE_URL=f"sqlite:///{tmp_path / 'dev.db'}", RAPPORT_SECRET_KEY="dev")
    env.pop("TEST_DATABASE_URL", None)
    rapport = str(Path(sys.executable).parent / "rapport")

    def run(*args):
        result = subprocess.run([rapport, *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    run("init", "--plugins", "")
    installed = [ln.split()[0] for ln in run("plugins", "list").splitlines() if "FAILED" not in ln]
    assert "hello" in installed
    for name in installed:  # autogenerate compares against a database with every branch up to date
        if name != "hello":
            run("plugins", "enable", name)
    out = run("db", "revision", "--branch", "hello", "-m", "hello notes", "--rev-id", "hello_0001")
    written = versions / "hello_0001_hello_notes.py"
    assert str(written) in out
    text = written.read_text()
    assert "down_revision = None" in text and "branch_labels = ('hello',)" in text
    core_head = re.search(r"depends_on = '(core_\w+)'", text)  # the core's latest revision
    assert core_head and "op.create_table('hello_note'" in text
    assert "core_customer.id" in text
    assert "core_" not in text.replace("core_customer", "").replace(core_head.group(1), "")  # only hello_ tables
    assert "enabled: hello" in run("plugins", "enable", "hello")
