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


# What happens to a plugin's rows when the customer they point at is deleted.
BLOCK = "block"          # the customer cannot be deleted while such rows exist (409 naming them)
CASCADE = "cascade"      # the rows are deleted with the customer
ANONYMISE = "anonymise"  # the rows stay; their reference is set to NULL (the column must be nullable)
ON_DELETE = (BLOCK, CASCADE, ANONYMISE)


@dataclass(frozen=True)
class CustomerRelation:
    """How one column referencing ``core_customer.id`` behaves when the customer is deleted.

    Declared in a plugin's manifest (``PluginManifest(customer_relations=(...))``), per
    table and column: ``on_delete`` is :data:`BLOCK` for business records that must
    outlive the customer (orders, equipment: deleting answers 409 naming ``label``),
    :data:`CASCADE` for rows that only make sense with the customer, :data:`ANONYMISE`
    for rows that stay but forget whom they were about. ``label`` names the rows in
    messages ("orders"); use ``lazy_gettext``.
    """

    table: str
    column: str
    on_delete: str
    label: Any = ""

    def __post_init__(self):
        if self.on_delete not in ON_DELETE:
            raise ValueError(f"on_delete must be one of {ON_DELETE}, not {self.on_delete!r}")
