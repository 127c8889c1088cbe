"""Plugin discovery, the enabled set, and the hook bus.

Plugins are Python modules found through the entry-point group ``rapport.plugins``
(first-party ones too). Each exposes ``manifest = PluginManifest(...)`` and its
``@hookimpl`` functions at module level. Every *installed* plugin is registered with
pluggy when the app is built; which of them are *enabled* lives in the database
(table ``core_plugin``) and is re-read at the start of every request, so enabling or
disabling reaches every worker process without a restart. Hook calls and events go
only to enabled plugins; pages and API of disabled plugins answer 404.
"""
from __future__ import annotations

import functools
import importlib
import logging
import traceback
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy
import sqlalchemy as sa
from flask import g, has_app_context

from core import hookspecs
from core.contrib import CustomerRelation, Permission
from core.hooks import PROJECT

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "rapport.plugins"


@functools.cache
def _enabled_statement():
    """The enabled set's SELECT, built once: every request re-reads the set (core/app.py), and
    building the expression cost more Python than running it on that tiny table."""
    from core.models import PluginState

    return sa.select(PluginState.name).where(PluginState.enabled.is_(True))


CORE = "core"


class PluginError(Exception):
    """A plugin operation was refused; the message is meant for the user."""


@dataclass(frozen=True)
class PluginManifest:
    """What a plugin declares about itself.

    ``requires`` names plugins that must be enabled first (enabling this one enables
    them; they cannot be disabled while this one is enabled). ``permissions`` are
    added to the permission list and granted to the admin role. ``hookspecs`` is the
    module declaring the events and query hooks this plugin provides (see
    ``plugins/sales/hookspecs.py``). ``customer_relations`` says, for each column of
    the plugin's tables that references a customer, whether deleting the customer is
    blocked, cascades or anonymises (:class:`core.contrib.CustomerRelation`).
    ``catch_up_events`` names events this plugin listens to and wants delivered, when it
    is enabled again, for what was announced while it was disabled (in order).
    """

    name: str
    label: str
    description: str = ""
    requires: tuple[str, ...] = ()
    permissions: tuple[Permission, ...] = ()
    hookspecs: ModuleType | None = None
    customer_relations: tuple[CustomerRelation, ...] = ()
    catch_up_events: tuple[str, ...] = ()


@dataclass
class InstalledPlugin:
    name: str
    module: ModuleType
    manifest: PluginManifest
    version: str = "0"
    migrations_dir: Path | None = None


@dataclass
class RegistryState:
    installed: dict[str, InstalledPlugin] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)


@functools.lru_cache(maxsize=1)
def _distributions_by_package() -> dict[str, list[str]]:
    """Which installed distributions provide each top-level package.

    ``packages_distributions()`` reads the file list of every installed distribution (about a
    second with this project's dependencies), so it is asked once per process, and only for
    plugins given as modules; entry points already know their distribution."""
    return metadata.packages_distributions()


def _module_version(module: ModuleType, dist: Any = None) -> str:
    if dist is not None:
        return dist.version
    top = module.__name__.split(".")[0]
    for dist in _distributions_by_package().get(top, []):
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:  # pragma: no cover - odd installs
            continue
    return getattr(module, "__version__", "0")


class PluginRegistry:
    """Owns the pluggy manager, the installed plugins and the enabled set."""

    def __init__(self, extra_modules: list | tuple = (), only: list | tuple | None = None):
        self.pm = pluggy.PluginManager(PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.state = RegistryState()
        self.enabled: frozenset[str] = frozenset()
        self.blueprint_owner: dict[str, str] = {}
        from core import builtin_hooks

        self.pm.register(builtin_hooks, name=CORE)
        self._discover(extra_modules, only)

    # -- discovery --------------------------------------------------------

    def _discover(self, extra_modules, only) -> None:
        candidates: list[tuple[str, Any, Any]] = []
        for ep in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            if only is not None and ep.name not in only:
                continue
            candidates.append((ep.name, ep.load, getattr(ep, "dist", None)))
        for item in extra_modules:
            if isinstance(item, str):
                candidates.append((item.rsplit(".", 1)[-1], lambda item=item: importlib.import_module(item), None))
            else:
                # A module without a proper manifest still gets a name, so it can be reported.
                label = getattr(getattr(item, "manifest", None), "name", None) or getattr(item, "__name__", repr(item))
                candidates.append((label, lambda item=item: item, None))
        for name, loader, dist in candidates:
            try:
                module = loader()
                manifest = getattr(module, "manifest", None)
                if not isinstance(manifest, PluginManifest):
                    raise PluginError(f"module {module.__name__} has no PluginManifest named 'manifest'")
                if manifest.hookspecs is not None:
                    self.pm.add_hookspecs(manifest.hookspecs)
                self.pm.register(module, name=manifest.name)
                mig = Path(module.__file__).parent / "migrations"
                self.state.installed[manifest.name] = InstalledPlugin(
                    name=manifest.name,
                    module=module,
                    manifest=manifest,
                    version=_module_version(module, dist),
                    migrations_dir=mig if (mig / "versions").is_dir() else None,
                )
            except Exception as exc:  # a broken plugin must not take the app down
                self.state.failed[name] = f"{type(exc).__name__}: {exc}"
                log.error("plugin %s failed to load:\n%s", name, traceback.format_exc())
                if self.pm.has_plugin(name) and name != CORE:
                    self.pm.unregister(name=name)
        # Listeners of events announced by a plugin that is not installed are fine
        # (optionalhook=True); any other unknown hook is a typo: that plugin fails.
        while True:
            try:
                self.pm.check_pending()
                break
            except pluggy.PluginValidationError as exc:
                name = self.pm.get_name(exc.plugin)
                self.pm.unregister(exc.plugin)
                self.state.installed.pop(name, None)
                self.state.failed[name] = str(exc)
                log.error("plugin %s failed validation: %s", name, exc)

    @property
    def installed(self) -> dict[str, InstalledPlugin]:
        return self.state.installed

    @property
    def catch_up_events(self) -> frozenset[str]:
        """Events some installed plugin wants to catch up on (they are stored even unheard)."""
        return frozenset(e for p in self.installed.values() for e in p.manifest.catch_up_events)

    @property
    def failed(self) -> dict[str, str]:
        return self.state.failed

    # -- enabled set --------------------------------------------------------

    def refresh(self, session) -> None:
        """Re-read the enabled set from the database (cheap: one tiny table)."""
        rows = session.execute(_enabled_statement()).scalars()
        self.enabled = frozenset(n for n in rows if n in self.installed)
        if has_app_context():
            g._rapport_plugins_loaded = True

    def _ensure_loaded(self) -> None:
        """Outside a request (CLI, scripts, tests) nobody refreshed the enabled set
        yet: read it once per app context before calling hooks or emitting events."""
        if not has_app_context() or g.get("_rapport_plugins_loaded"):
            return
        from core.db import db

        try:
            self.refresh(db.session)
        except sa.exc.SQLAlchemyError:  # no schema yet (`rapport init` pending)
            db.session.rollback()

    def is_enabled(self, name: str) -> bool:
        self._ensure_loaded()
        return name == CORE or name in self.enabled

    def active_names(self) -> list[str]:
        return [CORE, *sorted(self.enabled)]

    def requires_closure(self, name: str) -> list[str]:
        """``name`` and everything it requires, dependencies first."""
        order: list[str] = []

        def visit(n: str, path: tuple[str, ...]):
            if n in path:
                raise PluginError(f"circular requirement: {' → '.join(path + (n,))}")
            if n not in self.installed:
                why = self.failed.get(n)
                raise PluginError(
                    f"plugin '{n}' failed to load: {why}" if why else f"plugin '{n}' is not installed"
                )
            for dep in self.installed[n].manifest.requires:
                visit(dep, path + (n,))
            if n not in order:
                order.append(n)

        visit(name, ())
        return order

    def dependents(self, name: str) -> list[str]:
        """Enabled plugins that require ``name``."""
        return sorted(
            n for n in self.enabled if name in self.installed[n].manifest.requires
        )

    # -- calling hooks --------------------------------------------------------

    def _impls(self, hook_name: str):
        self._ensure_loaded()
        hook = getattr(self.pm.hook, hook_name)
        return [i for i in hook.get_hookimpls() if self.is_enabled(i.plugin_name)]

    def call(self, hook_name: str, *, include_disabled: bool = False, **kwargs) -> list[tuple[str, Any]]:
        """Call a hook on enabled plugins; returns ``[(plugin_name, result), ...]``.

        Results are ordered by plugin name (core first) — never by registration order.
        ``include_disabled`` is for registration hooks, which run for every installed plugin.
        """
        hook = getattr(self.pm.hook, hook_name)
        impls = hook.get_hookimpls() if include_disabled else self._impls(hook_name)
        out = []
        for impl in sorted(impls, key=lambda i: (i.plugin_name != CORE, i.plugin_name)):
            argnames = impl.argnames
            if not include_disabled or impl.plugin_name == CORE:
                result = impl.function(*[kwargs[a] for a in argnames])
            else:
                try:
                    result = impl.function(*[kwargs[a] for a in argnames])
                except Exception as exc:  # a plugin broken at registration must not take the app down
                    self.mark_failed(impl.plugin_name, f"{hook_name}: {type(exc).__name__}: {exc}")
                    continue
            if result is not None:
                out.append((impl.plugin_name, result))
        return out

    def query(self, hook_name: str, **kwargs):
        """The answer of the enabled plugin that provides query hook ``hook_name``, or
        ``None`` when no enabled plugin provides it (not installed, or disabled)."""
        if not hasattr(self.pm.hook, hook_name):
            return None
        for impl in sorted(self._impls(hook_name), key=lambda i: i.plugin_name):
            result = impl.function(*[kwargs[a] for a in impl.argnames])
            if result is not None:
                return result
        return None

    def mark_failed(self, name: str, error: str) -> None:
        """Take a plugin out of the installed set after it failed; it shows as failed."""
        log.error("plugin %s failed to load: %s\n%s", name, error, traceback.format_exc())
        self.state.failed[name] = error
        self.state.installed.pop(name, None)
        if self.pm.has_plugin(name) and name != CORE:
            self.pm.unregister(name=name)
        self.enabled = self.enabled - {name}

    def contributions(self, hook_name: str, **kwargs) -> list:
        """Flatten list-returning contribution hooks, sorted by (weight, plugin, label)."""
        items = []
        for plugin, result in self.call(hook_name, **kwargs):
            for item in result:
                items.append((getattr(item, "weight", 100), plugin, str(getattr(item, "label", getattr(item, "title", ""))), item))
        items.sort(key=lambda t: t[:3])
        return [t[3] for t in items]

    def listeners(self, event: str) -> list[str]:
        """Names of the enabled plugins listening to ``event``, in name order."""
        if not hasattr(self.pm.hook, event):
            log.warning("event %s has no hookspec; nobody can listen", event)
            return []
        return sorted(i.plugin_name for i in self._impls(event))

    def listener(self, plugin: str, event: str):
        """``plugin``'s implementation of ``event`` (enabled or not), or None."""
        hook = getattr(self.pm.hook, event, None)
        if hook is None:
            return None
        return next((i for i in hook.get_hookimpls() if i.plugin_name == plugin), None)

    def emit(self, event: str, **kwargs) -> None:
        """Call every enabled listener of ``event`` on its own, now, without a record.

        For tests that drive a listener directly; the app announces events with
        ``core.db.announce`` (durable, retried). A listener that raises is logged and
        its session work rolled back; listeners' work is committed after each one.
        """
        from core.db import db

        kwargs.setdefault("event_id", None)
        for plugin in self.listeners(event):
            impl = self.listener(plugin, event)
            try:
                impl.function(*[kwargs[a] for a in impl.argnames])
                db.session.commit()
            except Exception:
                log.exception("listener %s.%s failed for event %s", impl.plugin_name, event, event)
                db.session.rollback()

    # -- permissions -----------------------------------------------------------

    def all_permissions(self) -> list[Permission]:
        """Permissions of the core and every enabled plugin, sorted by name."""
        self._ensure_loaded()
        perms: dict[str, Permission] = {}
        for name in sorted(self.enabled):
            for p in self.installed[name].manifest.permissions:
                perms[p.name] = p
        for _plugin, result in self.call("permissions"):
            for p in result:
                perms[p.name] = p
        return sorted(perms.values(), key=lambda p: p.name)
