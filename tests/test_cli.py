"""The ``rapport`` command line: init, users, roles, tokens, plugins, db."""
from __future__ import annotations

import os
import subprocess
import sys
import types
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from core import PluginManifest
from core.testing import ADMIN_EMAIL, _with_db


def _module(name, requires=()):
    mod = types.ModuleType(f"rapport_cli_{name}")
    mod.__file__ = __file__
    mod.manifest = PluginManifest(name=name, label=f"{name.title()} plugin", requires=tuple(requires))
    return mod


BASE = _module("base")
ADDON = _module("addon", requires=["base"])


@pytest.fixture
def empty_database(database_factory, tmp_path):
    """A database with no tables at all (what ``rapport init`` starts from)."""
    if database_factory.pg:
        name = f"rapport_cli_{uuid.uuid4().hex[:8]}"
        with database_factory._admin_engine().connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        database_factory.created.append(name)
        url = _with_db(database_factory.pg, name)
        yield url
        database_factory.drop(url)
    else:
        yield f"sqlite:///{tmp_path / 'fresh.db'}"


@pytest.fixture
def fresh_app(empty_database, tmp_path):
    """An app on an empty database; ``extra`` test plugins installed."""
    from core.app import create_app
    from core.db import db

    apps = []

    def make(**config):
        app = create_app({
            "TESTING": True, "SECRET_KEY": "cli-test", "SQLALCHEMY_DATABASE_URI": empty_database,
            "INSTANCE_PATH": str(tmp_path), "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False,
            **config,
        })
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _tables(app) -> set[str]:
    from core.db import db

    with app.app_context():
        return set(sa.inspect(db.engine).get_table_names())


def test_init_without_plugins(fresh_app):
    app = fresh_app(RAPPORT_EXTRA_PLUGINS=[BASE, ADDON])
    runner = app.test_cli_runner()
    result = runner.invoke(args=["init", "--plugins", ""])
    assert result.exit_code == 0, result.output
    assert "database is up to date" in result.output and "enabled plugin" not in result.output
    assert {"core_customer", "core_user", "core_plugin"} <= _tables(app)
    listing = runner.invoke(args=["plugins", "list"]).output
    assert "base" in listing and "disabled" in listing and "enabled " not in listing
    # Running init again is harmless and enables nothing new.
    again = runner.invoke(args=["init"])
    assert again.exit_code == 0 and "enabled plugin" not in again.output


def test_init_with_named_plugins_enables_requirements(fresh_app):
    app = fresh_app(RAPPORT_EXTRA_PLUGINS=[BASE, ADDON])
    result = app.test_cli_runner().invoke(args=["init", "--plugins", "addon"])
    assert result.exit_code == 0, result.output
    assert result.output.index("enabled plugin base") < result.output.index("enabled plugin addon")
    with app.app_context():
        assert app.extensions["rapport"].plugins.enabled == frozenset({"base", "addon"})


def test_init_enables_every_installed_plugin_by_default(fresh_app):
    app = fresh_app()
    installed = sorted(app.extensions["rapport"].plugins.installed)
    result = app.test_cli_runner().invoke(args=["init"])
    assert result.exit_code == 0, result.output
    for name in installed:
        assert f"enabled plugin {name}" in result.output
    tables = _tables(app)
    for name in installed:
        if app.extensions["rapport"].plugins.installed[name].migrations_dir:
            assert any(t.startswith(f"{name}_") for t in tables), name  # its migrations ran


def test_init_refuses_unknown_plugin(fresh_app):
    app = fresh_app()
    result = app.test_cli_runner().invoke(args=["init", "--plugins", "nosuchplugin"])
    assert result.exit_code != 0 and "'nosuchplugin' is not installed" in result.output


def test_db_upgrade(fresh_app):
    app = fresh_app()
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0 and "database is up to date" in result.output
    assert "core_customer" in _tables(app)
    assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0  # idempotent


# -- users, roles, tokens ----------------------------------------------------------------


def test_users_create_admin_can_log_in(app, runner):
    result = runner.invoke(args=["users", "create", "Boss@Example.com", "--password", "a long secret", "--admin"])
    assert result.exit_code == 0, result.output
    assert "created user boss@example.com with roles: admin" in result.output
    client = app.test_client()
    assert client.post("/login", data={"email": "boss@example.com", "password": "a long secret"}).status_code == 302
    assert client.get("/admin/users").status_code == 200


def test_users_create_with_roles(app, runner):
    result = runner.invoke(args=["users", "create", "clerk@example.com", "--password", "a long secret",
                                 "--role", "Staff", "--role", "Read only"])
    assert result.exit_code == 0, result.output
    assert "Read only" in result.output and "Staff" in result.output
    client = app.test_client()
    client.post("/login", data={"email": "clerk@example.com", "password": "a long secret"})
    assert client.get("/customers/").status_code == 200
    assert client.get("/admin/users").status_code == 403


def test_users_create_errors(runner):
    result = runner.invoke(args=["users", "create", "x@example.com", "--password", "a long secret", "--role", "Wizard"])
    assert result.exit_code != 0 and "unknown role(s): Wizard" in result.output and "Staff" in result.output
    result = runner.invoke(args=["users", "create", "x@example.com", "--password", "short"])
    assert result.exit_code != 0 and "At least 10 characters" in result.output
    result = runner.invoke(args=["users", "create", "not-an-email", "--password", "a long secret"])
    assert result.exit_code != 0 and "invalid email" in result.output
    result = runner.invoke(args=["users", "create", ADMIN_EMAIL, "--password", "a long secret"])
    assert result.exit_code != 0 and "already exists" in result.output
    result = runner.invoke(args=["users", "create", "x@example.com"])
    assert result.exit_code != 0 and "--password" in result.output


def test_roles_list(runner):
    result = runner.invoke(args=["roles", "list"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert "admin: all permissions" in lines
    assert any(line.startswith("Staff: ") and "customers.edit" in line for line in lines)
    assert lines == sorted(lines, key=lambda ln: ln.split(":")[0])


def test_tokens_create_prints_a_working_token_on_the_last_line(app, runner):
    result = runner.invoke(args=["tokens", "create", ADMIN_EMAIL])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("rpt_") and " " not in token
    client = app.test_client()
    assert client.get("/api/v1/customers").status_code == 401
    r = client.get("/api/v1/customers", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and "items" in r.get_json()
    assert client.get("/api/v1/customers", headers={"Authorization": f"Bearer {token}x"}).status_code == 401
    from core.auth.models import ApiToken
    from core.db import db

    with app.app_context():
        stored = db.session.execute(sa.select(ApiToken.token_hash)).scalars().all()
        assert token not in stored and ApiToken.digest(token) in stored  # stored hashed only


def test_tokens_create_unknown_user(runner):
    result = runner.invoke(args=["tokens", "create", "ghost@example.com"])
    assert result.exit_code != 0 and "no user with email ghost@example.com" in result.output


# -- plugins ---------------------------------------------------------------------------------


@pytest.mark.plugins(extra=[BASE, ADDON])
def test_plugins_list_enable_disable(app, runner, client, login):
    listing = runner.invoke(args=["plugins", "list"]).output
    assert "addon" in listing and "(requires base)" in listing

    result = runner.invoke(args=["plugins", "enable", "addon"])
    assert result.exit_code == 0 and "enabled: base, addon" in result.output
    result = runner.invoke(args=["plugins", "enable", "addon"])
    assert result.exit_code == 0 and "addon was already enabled" in result.output

    result = runner.invoke(args=["plugins", "disable", "base"])
    assert result.exit_code != 0
    assert "Cannot disable “base”: addon require it. Disable them first." in result.output

    # The CLI and the admin page share one state.
    login()
    page = client.get("/admin/plugins").get_data(as_text=True)
    assert "Required by addon" in page

    result = runner.invoke(args=["plugins", "disable", "addon"])
    assert result.exit_code == 0 and "disabled addon (its data is kept)" in result.output
    assert runner.invoke(args=["plugins", "disable", "base"]).exit_code == 0
    result = runner.invoke(args=["plugins", "disable", "base"])
    assert result.exit_code != 0 and "is not enabled" in result.output
    result = runner.invoke(args=["plugins", "enable", "nosuch"])
    assert result.exit_code != 0 and "'nosuch' is not installed" in result.output
    listing = runner.invoke(args=["plugins", "list"]).output
    assert [ln.split()[1] for ln in listing.splitlines() if ln.split()[0] in ("base", "addon")] == ["disabled"] * 2


# -- the real console scripts ---------------------------------------------------------------


def test_console_script_and_flask_app(tmp_path):
    """``.venv/bin/rapport`` is installed and ``flask --app core`` reaches the same commands."""
    bindir = Path(sys.executable).parent
    env = dict(os.environ, RAPPORT_INSTANCE=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path / 'cli.db'}",
               RAPPORT_SECRET_KEY="cli-test")
    env.pop("TEST_DATABASE_URL", None)
    result = subprocess.run([str(bindir / "rapport"), "--help"], capture_output=True, text=True, env=env,
                            cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    for command in ("init", "serve", "users", "roles", "tokens", "plugins", "db"):
        assert f"  {command} " in result.stdout, command
    result = subprocess.run([str(bindir / "rapport"), "init", "--plugins", ""], capture_output=True, text=True,
                            env=env, cwd=tmp_path, timeout=120)
    assert result.returncode == 0 and "database is up to date" in result.stdout, result.stderr
    result = subprocess.run([str(bindir / "flask"), "--app", "core", "roles", "list"], capture_output=True,
                            text=True, env=env, cwd=tmp_path, timeout=120)
    assert result.returncode == 0 and "admin: all permissions" in result.stdout, result.stderr


def test_commands_on_an_empty_database_say_to_run_init(fresh_app):
    runner = fresh_app().test_cli_runner()
    for args in (["plugins", "list"], ["roles", "list"], ["users", "create", "a@example.com", "--password", "a long secret"],
                 ["tokens", "create", "a@example.com"], ["plugins", "enable", "x"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 1 and "run `rapport init` first" in result.output, (args, result.output)
