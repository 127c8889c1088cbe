"""Enabling and disabling plugins: one implementation for the CLI and the admin page."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from core.auth.models import ADMIN_ROLE, Role
from core.db import announce, db, utcnow
from core.events.log import add_catch_up_deliveries, last_event_id
from core.models import PluginState
from core.plugins import CORE, PluginError


def _registry():
    return current_app.extensions["rapport"].plugins


def ensure_roles(plugin: str) -> None:
    """Create the default roles ``plugin`` ships (never overwrite an edited role)."""
    registry = _registry()
    impls = [i for i in registry.pm.hook.default_roles.get_hookimpls() if i.plugin_name == plugin]
    for impl in impls:
        for spec in impl.function() or ():
            exists = db.session.execute(sa.select(Role.id).where(Role.name == spec.name)).scalar()
            if not exists:
                db.session.add(Role(name=spec.name, permissions=list(spec.permissions), description=spec.description))
    if plugin == CORE:
        if not db.session.execute(sa.select(Role.id).where(Role.name == ADMIN_ROLE)).scalar():
            db.session.add(Role(name=ADMIN_ROLE, permissions=[], description="Holds every permission"))


def enable_plugin(name: str, user=None) -> list[str]:
    """Enable ``name`` and what it requires; run their migrations. Returns the newly enabled.

    A plugin enabled again after being disabled catches up on the events its manifest
    lists in ``catch_up_events``: a job (started by ``user``) delivers what it missed.
    """
    from core.migrate import upgrade_plugin

    registry = _registry()
    registry.refresh(db.session)
    newly = []
    for n in registry.requires_closure(name):
        if registry.is_enabled(n):
            continue
        db.session.commit()  # migrations use their own connection
        try:
            upgrade_plugin(n)
        except Exception as exc:  # a broken migration: refuse with a message, keep the app running
            db.session.rollback()
            current_app.logger.exception("migrations of plugin %s failed", n)
            raise PluginError(_("The migrations of “%(name)s” failed: %(error)s", name=n, error=str(exc))) from exc
        row = db.session.get(PluginState, n) or PluginState(name=n)
        row.enabled = True
        row.version = registry.installed[n].version
        db.session.add(row)
        ensure_roles(n)
        db.session.flush()
        registry.enabled = registry.enabled | {n}
        announce("plugin_enabled", name=n)
        _catch_up(n, row, user)
        db.session.commit()
        newly.append(n)
    registry.refresh(db.session)
    return newly


def disable_plugin(name: str) -> None:
    """Disable ``name``; its data stays. Refused while an enabled plugin requires it."""
    registry = _registry()
    registry.refresh(db.session)
    if name not in registry.installed:
        raise PluginError(_("Plugin “%(name)s” is not installed.", name=name))
    if name not in registry.enabled:
        raise PluginError(_("Plugin “%(name)s” is not enabled.", name=name))
    dependents = registry.dependents(name)
    if dependents:
        raise PluginError(
            _("Cannot disable “%(name)s”: %(deps)s require it. Disable them first.",
              name=name, deps=", ".join(dependents))
        )
    row = db.session.get(PluginState, name)
    row.enabled = False
    row.disabled_after_event = last_event_id(db.session)
    announce("plugin_disabled", name=name)
    db.session.commit()
    registry.refresh(db.session)


def _catch_up(name: str, row: PluginState, user) -> int:
    """Deliveries for the events ``name`` missed while disabled, and a job to deliver them."""
    after, row.disabled_after_event = row.disabled_after_event, None
    registry = _registry()
    wanted = [e for e in registry.installed[name].manifest.catch_up_events if registry.listener(name, e)]
    if after is None or not wanted:
        return 0
    # Only the catch-up job delivers these, in order; a worker's sweep takes over if it dies.
    count = add_catch_up_deliveries(db.session, name, wanted, after, not_before=utcnow() + timedelta(hours=1))
    if count:
        from core.jobs import start_job

        start_job("core.catch_up_events", {"plugin": name}, user=user, total=count,
                  message=_("Delivering events announced while “%(name)s” was disabled.", name=name))
    return count


def plugin_rows() -> list[dict]:
    """Everything the Plugins page and ``rapport plugins list`` show."""
    registry = _registry()
    registry.refresh(db.session)
    rows = []
    for name, p in sorted(registry.installed.items()):
        rows.append({
            "name": name,
            "label": str(p.manifest.label),
            "description": str(p.manifest.description),
            "requires": list(p.manifest.requires),
            "version": p.version,
            "enabled": name in registry.enabled,
            "required_by": registry.dependents(name),
            "error": None,
        })
    for name, error in sorted(registry.failed.items()):
        rows.append({"name": name, "label": name, "description": "", "requires": [], "version": "",
                     "enabled": False, "required_by": [], "error": error})
    return rows


def initialise_database(enable: list[str] | None = None) -> list[str]:
    """Create or upgrade the schema; on the very first run enable ``enable`` plugins.

    Returns the plugins enabled by this call.
    """
    from core.migrate import upgrade_all

    upgrade_all()
    ensure_roles(CORE)
    db.session.commit()
    first_run = db.session.get(PluginState, CORE) is None
    enabled = []
    if first_run:
        db.session.add(PluginState(name=CORE, enabled=True))
        db.session.commit()
        targets = sorted(_registry().installed) if enable is None else enable
        for name in targets:
            enabled += enable_plugin(name)
    return enabled
