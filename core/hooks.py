"""The markers plugin authors use: ``from core import hookimpl``.

Kept in a module of its own, with no imports from the rest of the core, so that a
plugin can import it at module level without pulling in the app (no import cycles).
"""
import pluggy

PROJECT = "rapport"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)
