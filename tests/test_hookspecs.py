"""Every hook is documented and tested (as Datasette checks its own plugin hooks).

A new hookspec in core/hookspecs.py fails these tests until it has a ``## name``
section in docs/hooks.md and a test that mentions it by name.
"""
from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from core import hookspecs

ROOT = Path(__file__).resolve().parent.parent
HOOKS_DOC = ROOT / "docs" / "hooks.md"


def _specs(module) -> list[str]:
    return sorted(
        name for name, fn in inspect.getmembers(module, inspect.isfunction)
        if hasattr(fn, "rapport_spec") and fn.__module__ == module.__name__
    )


CORE_HOOKS = _specs(hookspecs)


def _documented() -> dict[str, str]:
    """``{hook name: its section}`` from the ``## name(args)`` headings of docs/hooks.md."""
    text = HOOKS_DOC.read_text(encoding="utf-8")
    sections = re.split(r"^##\s+", text, flags=re.M)[1:]
    return {re.match(r"`?(\w+)", s).group(1): s for s in sections}


def _test_sources() -> str:
    files = [p for p in (ROOT / "tests").glob("test_*.py") if p.name != Path(__file__).name]
    files += list((ROOT / "plugins").glob("*/tests/test_*.py"))
    return "\n".join(p.read_text(encoding="utf-8") for p in files)


def test_core_hookspecs_are_found():
    assert "menu_items" in CORE_HOOKS and "customer_created" in CORE_HOOKS
    assert len(CORE_HOOKS) >= 17


@pytest.mark.parametrize("hook", CORE_HOOKS)
def test_plugin_hooks_are_documented(hook):
    documented = _documented()
    assert hook in documented, f"docs/hooks.md has no '## {hook}' section"
    section = documented[hook]
    signature = str(inspect.signature(getattr(hookspecs, hook)))
    assert f"{hook}{signature}" in section, f"docs/hooks.md: the {hook} section should show {hook}{signature}"


@pytest.mark.parametrize("hook", CORE_HOOKS)
def test_plugin_hooks_have_tests(hook):
    assert re.search(rf"\b{hook}\b", _test_sources()), f"no test under tests/ or plugins/*/tests mentions {hook}"


def test_documented_hooks_exist():
    """No stale section: every documented core hook is a hookspec (plugin events are listed apart)."""
    plugin_events = {name for f in ROOT.glob("plugins/*/hookspecs.py")
                     for name in re.findall(r"^def (\w+)\(", f.read_text(encoding="utf-8"), flags=re.M)}
    stale = set(_documented()) - set(CORE_HOOKS) - plugin_events
    assert not stale, f"docs/hooks.md documents hooks that do not exist: {sorted(stale)}"


def test_plugin_declared_events_are_documented():
    """Events a first-party plugin declares in its own hookspecs.py are documented too."""
    documented = _documented()
    for spec_file in ROOT.glob("plugins/*/hookspecs.py"):
        for name in re.findall(r"^def (\w+)\(", spec_file.read_text(encoding="utf-8"), flags=re.M):
            assert name in documented, f"docs/hooks.md has no '## {name}' section ({spec_file})"
