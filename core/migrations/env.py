"""Alembic environment: runs against the Flask app's engine."""
from __future__ import annotations

from alembic import context

config = context.config
app = config.attributes.get("flask_app")
if app is None:  # invoked by the alembic CLI directly: build the app
    from core.app import create_app

    app = create_app()

with app.app_context():
    from core import models  # noqa: F401  (full core metadata)
    from core.db import db

    target_metadata = db.metadata
    engine = db.engine

    def include_object(obj, name, type_, reflected, compare_to):
        """Autogenerate only the tables of the branch being revised (by prefix)."""
        prefix = config.attributes.get("table_prefix")
        if type_ == "table" and name.startswith("core_customer_fts"):
            return False  # SQLite FTS5 search table and its shadow tables (core_0002)
        if type_ == "table" and prefix:
            return name.startswith(prefix)
        if prefix and hasattr(obj, "table"):
            return obj.table.name.startswith(prefix)
        return True

    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch migrations rebuild a table (copy, drop, rename); with foreign keys
            # on, dropping it would cascade into the tables that reference it. Must be
            # set outside a transaction, so before the migration's own begins.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            include_object=include_object,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            if broken:
                raise RuntimeError(f"migrations left rows with dangling foreign keys: {broken[:5]}")
