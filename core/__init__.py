"""Rapport core: the platform every plugin builds on.

Plugin authors import what they need from here::

    from core import hookimpl, PluginManifest
"""
from core.hooks import hookimpl
from core.plugins import PluginManifest

__all__ = ["hookimpl", "PluginManifest", "create_app"]


def create_app(test_config=None):
    """Build the Flask app (imported lazily so ``from core import hookimpl`` stays light)."""
    from core.app import create_app as _create_app

    return _create_app(test_config)
