"""Plain data types that hooks return.

Hooks return these small frozen dataclasses (never ORM objects) so that the core can
sort, filter and render contributions without knowing which plugin made them. Every
contribution carries a ``weight``: lower comes first, ties break by plugin name and
then by label, so order never depends on registration order.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class Permission:
    """A permission a plugin contributes, e.g. ``Permission("sales.user", "Use sales")``."""

    name: str
    label: str


@dataclass(frozen=True)
class RoleSpec:
    """A default role a plugin ships; created on enable if it does not exist yet."""

    name: str
    permissions: tuple[str, ...]
    description: str = ""


@dataclass(frozen=True)
class MenuItem:
    """An entry of the top navigation. ``permission`` hides it from users without it.

    Items sharing a ``group`` label are shown together as one drop-down menu, placed
    at the weight of its lightest item (a plugin with several pages uses one group).
    """

    label: str
    endpoint: str
    permission: str | None = None
    weight: int = 100
    url_values: tuple[tuple[str, Any], ...] = ()
    group: Any = None


@dataclass(frozen=True)
class DashboardWidget:
    """A card on the dashboard. ``render()`` returns ``Markup`` (e.g. ``Markup(render_template(...))``);
    a plain ``str`` is escaped, and a widget that raises is logged and replaced by a notice.
    """

    title: str
    render: Callable[[], Any]
    permission: str | None = None
    weight: int = 100


@dataclass(frozen=True)
class CustomerPanel:
    """A panel on the customer 360 page; ``render()`` returns ``Markup`` like a dashboard widget."""

    title: str
    render: Callable[[], Any]
    permission: str | None = None
    weight: int = 100


@dataclass(frozen=True)
class SearchResult:
    """One hit of the global search."""

    label: str
    url: str
    kind: str
    detail: str = ""
    weight: int = 100


@dataclass(frozen=True)
class RecordRule:
    """"Own records only" for users lacking ``all_permission``.

    ``model`` is the mapped class, ``owner_column`` the attribute holding the owning
    user's id. ``core.security.scoped(query, Model)`` applies every rule declared for
    that model: a user without ``all_permission`` sees only rows they own.
    """

    model: Any
    owner_column: str
    all_permission: str


@dataclass(frozen=True)
class DemoStep:
    """A demo-data loader; steps run by weight so a plugin can build on another's data."""

    label: str
    run: Callable[..., None]
    weight: int = 100


@dataclass(frozen=True)
class TextKind:
    """How a stored text of ``kind`` reads (see :mod:`core.l10n.texts`).

    ``render(params)`` returns the text in the *current* language: call ``gettext``,
    ``ngettext`` and the :mod:`core.l10n` formatters inside it, never at import time.
    """

    kind: str
    render: Callable[[dict], str]
