"""Rapport core: the platform every plugin builds on.

Plugin authors import what they need from here::

    from core import hookimpl, PluginManifest
"""
from core.hooks import hookimpl
from core.plugins import PluginManifest

__all__ = ["hookimpl", "PluginManifest", "create_app", "query"]


def create_app(test_config=None):
    """Build the Flask app (imported lazily so ``from core import hookimpl`` stays light)."""
    from core.app import create_app as _create_app

    return _create_app(test_config)


def query(hook_name: str, **kwargs):
    """Read another plugin's facts without importing it: call the query hook
    ``hook_name`` that plugin declares in its ``hookspecs.py`` (``"sales_order_lines"``).

    Returns what the providing plugin returns (for the first-party plugins, a
    SQLAlchemy ``Select`` whose columns its hookspec documents), or ``None`` when no
    enabled plugin provides the hook. Needs an app context.
    """
    from flask import current_app

    return current_app.extensions["rapport"].plugins.query(hook_name, **kwargs)
