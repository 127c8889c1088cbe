"""The ``rapport`` command line (also ``flask --app core ...``)."""
from __future__ import annotations

import functools
import sys

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from core.db import db
from core.plugins import PluginError


def _create_app():
    from core.app import create_app

    return create_app()


def needs_schema(command):
    """Turn "no such table" into a clear message: the database was not initialised yet."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (sa.exc.OperationalError, sa.exc.ProgrammingError) as exc:
            db.session.rollback()
            reason = str(exc.orig).splitlines()[0] if exc.orig else str(exc)
            raise click.ClickException(f"the database is not ready ({reason}); run `rapport init` first") from exc

    return wrapper


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False, add_version_option=False)
def main():
    """Rapport CRM: initialise, serve and administer an installation."""


# -- init / serve / db -------------------------------------------------------------------


@click.command("init")
@click.option("--demo", is_flag=True, help="Load demo data (only into an empty database).")
@click.option("--plugins", "plugin_list", default=None,
              help="Comma-separated plugins to enable on the first run (default: all installed).")
@with_appcontext
def init_command(demo: bool, plugin_list: str | None):
    """Create or upgrade the database; optionally load demo data."""
    from core.plugin_ops import initialise_database

    enable = None if plugin_list is None else [p for p in plugin_list.split(",") if p]
    try:
        enabled = initialise_database(enable)
    except PluginError as exc:
        raise click.ClickException(str(exc)) from exc
    for name in enabled:
        click.echo(f"enabled plugin {name}")
    click.echo("database is up to date")
    if demo:
        from core.demo import load_demo

        load_demo(echo=click.echo)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
def serve_command(host: str, port: int, threads: int):
    """Serve Rapport with waitress (a production WSGI server)."""
    import waitress

    app = current_app._get_current_object()
    if host in ("127.0.0.1", "localhost", "::1") and app.config.get("SESSION_COOKIE_SECURE"):
        # Plain HTTP on loopback: browsers would drop Secure cookies on 127.0.0.1.
        app.config["SESSION_COOKIE_SECURE"] = False
        app.config["REMEMBER_COOKIE_SECURE"] = False
    click.echo(f"Rapport is serving http://{host}:{port}/  (Ctrl+C stops)")
    waitress.serve(app, host=host, port=port, threads=threads, ident="rapport")


@click.command("mail-in")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address the SMTP receiver listens on.")
@click.option("--port", default=8025, show_default=True, type=int)
@click.option("--no-smtp", is_flag=True, help="Only poll IMAP (RAPPORT_IMAP_URL).")
@click.option("--once", is_flag=True, help="Poll IMAP once and exit (for cron).")
@with_appcontext
def mail_in_command(host: str, port: int, no_smtp: bool, once: bool):
    """Receive email into the contact history: an SMTP receiver and IMAP polling."""
    from core.messaging.mailin import run

    app = current_app._get_current_object()
    run(app, host, port, smtp=not no_smtp, once=once, echo=click.echo)


@click.command("send-messages")
@click.option("--loop", is_flag=True, help="Keep sending every --interval seconds until Ctrl+C.")
@click.option("--interval", default=5.0, show_default=True, type=float)
@with_appcontext
@needs_schema
def send_messages_command(loop: bool, interval: float):
    """Send what the outbox holds (email and SMS) — what a worker does; safe to run several."""
    import time

    from core.messaging.sending import send_all_due

    while True:
        busy = False
        for report in send_all_due():
            busy = busy or bool(report.claimed)
            if report.claimed or report.recovered:
                click.echo(f"{report.channel}: {report.sent} sent, {report.retrying} to retry, {report.failed} failed, "
                           f"{report.unknown} unknown, {report.recovered} recovered as unknown")
            elif report.not_configured and not loop:
                click.echo(f"{report.channel}: not sent ({report.not_configured})")
        if not loop and not busy:
            return
        if not busy:
            time.sleep(interval)


@click.group("db")
def db_group():
    """Database schema."""


@db_group.command("upgrade")
@with_appcontext
def db_upgrade():
    """Upgrade the core and every enabled plugin to their latest migration."""
    from core.migrate import upgrade_all

    upgrade_all()
    click.echo("database is up to date")


@db_group.command("revision")
@click.option("--branch", required=True, help="'core' or a plugin name.")
@click.option("-m", "--message", required=True)
@click.option("--autogenerate/--empty", default=True)
@click.option("--rev-id", default=None, help="Revision id, e.g. hello_0002 (default: random).")
@with_appcontext
def db_revision(branch: str, message: str, autogenerate: bool, rev_id: str | None):
    """Write a new migration for the core or a plugin (autogenerated from its models)."""
    from alembic import command

    from core.migrate import HERE, alembic_config

    registry = current_app.extensions["rapport"].plugins
    cfg = alembic_config()
    if branch == "core":
        version_path, prefix = HERE / "versions", "core_"
    elif branch in registry.installed and registry.installed[branch].migrations_dir:
        version_path, prefix = registry.installed[branch].migrations_dir / "versions", f"{branch}_"
    else:
        raise click.ClickException(f"unknown branch {branch!r} (a plugin needs a migrations/versions folder)")
    cfg.attributes["table_prefix"] = prefix
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(cfg)
    if any(branch in r.branch_labels for r in scripts.walk_revisions()):
        where = {"head": f"{branch}@head"}
    else:  # a plugin's first revision: a new branch that depends on the core's latest revision
        where = {"head": "base", "branch_label": branch, "depends_on": scripts.get_revision("core@head").revision}
    script = command.revision(cfg, message=message, autogenerate=autogenerate, version_path=str(version_path),
                              rev_id=rev_id, **where)
    click.echo(f"wrote {script.path}")


# -- users / roles / tokens ----------------------------------------------------------------


@click.group("users")
def users_group():
    """Staff accounts."""


@users_group.command("create")
@click.argument("email")
@click.option("--password", required=True, help="At least 10 characters; not the email, not a common password.")
@click.option("--name", default="")
@click.option("--admin", is_flag=True, help="Give the admin role (every permission).")
@click.option("--role", "roles", multiple=True, help="Role name; repeat for several.")
@with_appcontext
@needs_schema
def users_create(email: str, password: str, name: str, admin: bool, roles: tuple[str, ...]):
    """Create a staff user."""
    from core.auth.service import UserError, create_user

    try:
        user = create_user(email, password, name=name, roles=(["admin"] if admin else []) + list(roles))
    except UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"created user {user.email} with roles: {', '.join(r.name for r in user.roles) or '—'}")


@click.group("roles")
def roles_group():
    """Roles (named sets of permissions)."""


@roles_group.command("list")
@with_appcontext
@needs_schema
def roles_list():
    """List roles and their permissions."""
    from core.auth.models import Role

    for role in db.session.execute(sa.select(Role).order_by(Role.name)).scalars():
        perms = "all permissions" if role.is_admin else (", ".join(sorted(role.permissions)) or "—")
        click.echo(f"{role.name}: {perms}")


@click.group("tokens")
def tokens_group():
    """API tokens."""


@tokens_group.command("create")
@click.argument("email")
@click.option("--name", default="cli")
@with_appcontext
@needs_schema
def tokens_create(email: str, name: str):
    """Create an API token for EMAIL; the token is printed on the last line."""
    from core.auth.models import ApiToken, User

    user = db.session.execute(sa.select(User).where(User.email == email.strip().lower())).scalar_one_or_none()
    if user is None:
        raise click.ClickException(f"no user with email {email}")
    _row, clear = ApiToken.issue(user, name)
    db.session.commit()
    click.echo(f"token for {user.email} (shown once; store it safely):")
    click.echo(clear)


# -- plugins -------------------------------------------------------------------------------


@click.group("plugins")
def plugins_group():
    """Installed plugins: list, enable, disable."""


@plugins_group.command("list")
@with_appcontext
@needs_schema
def plugins_list():
    """List installed plugins and whether they are enabled."""
    from core.plugin_ops import plugin_rows

    for row in plugin_rows():
        if row["error"]:
            click.echo(f"{row['name']:<16} FAILED   {row['error']}")
            continue
        state = "enabled " if row["enabled"] else "disabled"
        requires = f" (requires {', '.join(row['requires'])})" if row["requires"] else ""
        click.echo(f"{row['name']:<16} {state} {row['version']:<8} {row['label']}{requires}")


@plugins_group.command("enable")
@click.argument("name")
@with_appcontext
@needs_schema
def plugins_enable(name: str):
    """Enable NAME (and what it requires), running its migrations."""
    from core.plugin_ops import enable_plugin

    try:
        newly = enable_plugin(name)
    except PluginError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"enabled: {', '.join(newly)}" if newly else f"{name} was already enabled")


@plugins_group.command("disable")
@click.argument("name")
@with_appcontext
@needs_schema
def plugins_disable(name: str):
    """Disable NAME; its data is kept."""
    from core.plugin_ops import disable_plugin

    try:
        disable_plugin(name)
    except PluginError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"disabled {name} (its data is kept)")


def _only_when_enabled(plugin: str, command: click.Command) -> None:
    """Plugin commands refuse to run while their plugin is disabled.

    The command object is the plugin's module-level one, shared by every app made in
    this process (tests make hundreds): wrap it once, or each app would add a layer
    holding its own app context and database connection.
    """
    if getattr(command, "_rapport_enabled_guard", None) == plugin:
        return
    original = command.invoke

    @functools.wraps(original)
    def invoke(ctx):
        from flask.cli import ScriptInfo

        app = ctx.ensure_object(ScriptInfo).load_app()
        with app.app_context():
            registry = app.extensions["rapport"].plugins
            registry.refresh(db.session)
            if not registry.is_enabled(plugin):
                raise click.ClickException(
                    f"plugin {plugin} is disabled; enable it with: rapport plugins enable {plugin}")
            return original(ctx)

    command.invoke = invoke
    command._rapport_enabled_guard = plugin


def register_cli(app) -> None:
    from core.jobs.worker import run_command, worker_command

    for command in (init_command, serve_command, run_command, worker_command, mail_in_command, send_messages_command,
                    db_group, users_group, roles_group, tokens_group, plugins_group):
        app.cli.add_command(command)
    registry = app.extensions["rapport"].plugins
    for impl in registry.pm.hook.register_commands.get_hookimpls():
        before = set(app.cli.commands)
        try:
            impl.function(cli=app.cli)
        except Exception as exc:  # a broken plugin must not break the CLI
            registry.mark_failed(impl.plugin_name, f"register_commands: {type(exc).__name__}: {exc}")
            for name in set(app.cli.commands) - before:
                app.cli.commands.pop(name)
            continue
        for name in set(app.cli.commands) - before:
            _only_when_enabled(impl.plugin_name, app.cli.commands[name])


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
