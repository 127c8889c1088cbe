"""Alembic, one environment, one branch per plugin.

The core's revisions carry the branch label ``core``; each plugin keeps its own in
``<plugin>/migrations/versions`` with ``branch_labels=("<name>",)`` and
``depends_on`` a core revision. We upgrade ``core@head`` and then ``<name>@head``
for each *enabled* plugin — never ``heads``, which would also create the tables of
plugins that are installed but not enabled.
"""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from flask import current_app

HERE = Path(__file__).parent / "migrations"


def alembic_config(app=None) -> Config:
    app = app or current_app._get_current_object()
    registry = app.extensions["rapport"].plugins
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    locations = [str(HERE / "versions")]
    locations += [str(p.migrations_dir / "versions") for p in registry.installed.values() if p.migrations_dir]
    cfg.set_main_option("version_locations", " ".join(locations))
    cfg.set_main_option("path_separator", "space")
    cfg.attributes["flask_app"] = app
    return cfg


def upgrade(target: str, app=None) -> None:
    command.upgrade(alembic_config(app), target)


def downgrade(target: str, app=None) -> None:
    command.downgrade(alembic_config(app), target)


def upgrade_core(app=None) -> None:
    upgrade("core@head", app)


def upgrade_plugin(name: str, app=None) -> None:
    app = app or current_app._get_current_object()
    plugin = app.extensions["rapport"].plugins.installed[name]
    if plugin.migrations_dir:
        upgrade(f"{name}@head", app)


def upgrade_all(app=None) -> None:
    """Bring the core and every enabled plugin to their latest revision."""
    app = app or current_app._get_current_object()
    upgrade_core(app)
    registry = app.extensions["rapport"].plugins
    from core.db import db

    registry.refresh(db.session)
    for name in sorted(registry.enabled):
        upgrade_plugin(name, app)
