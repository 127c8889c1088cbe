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
    """A tab on the customer 360 page; ``render()`` returns ``Markup`` like a dashboard widget.

    ``key`` names the tab in the address (``#tab-<key>``, default: made from the title);
    ``count()``, when given, returns a number shown on the tab (open items, say) or ``None``.
    """

    title: str
    render: Callable[[], Any]
    permission: str | None = None
    weight: int = 100
    key: str | None = None
    count: Callable[[], int | None] | None = None


@dataclass(frozen=True)
class CustomerAction:
    """A button in the action bar at the top of the customer 360 page.

    ``url`` is where it leads (a plugin's "new …" page with the customer filled in).
    The core's own in-page forms use ``target`` instead: the id of a collapsed section of
    the page that the button opens. ``primary`` actions are shown as buttons, the others
    in the "More" menu.
    """

    label: str
    url: str | None = None
    permission: str | None = None
    weight: int = 100
    target: str | None = None
    primary: bool = True


@dataclass(frozen=True)
class Lookup:
    """A kind of record a type-ahead picker can choose (``customer``, ``product``, …).

    ``search(term, limit, params)`` returns up to ``limit`` :class:`LookupItem` for the
    folded ``term`` (``""``: the first few), only records the current user may see;
    ``params`` are the request's other query arguments (filters such as a customer id).
    ``label(id)`` returns the item for one id (to show a saved value), or ``None`` when it
    does not exist or may not be seen. ``permission`` guards the JSON endpoint.
    """

    kind: str
    search: Callable[..., list]
    label: Callable[[int], Any]
    permission: str | None = None


@dataclass(frozen=True)
class LookupItem:
    """One choice of a picker: what is shown (``label``, ``detail``) and what is stored (``id``).

    ``data`` carries plain values a page may use once chosen (a product's price and tax rate
    fill a quotation line).
    """

    id: int
    label: str
    detail: str = ""
    data: tuple[tuple[str, Any], ...] = ()

    def as_json(self) -> dict:
        return {"id": self.id, "label": self.label, "detail": self.detail, "data": dict(self.data)}


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


@dataclass(frozen=True)
class TextKind:
    """How a stored text of ``kind`` reads (see :mod:`core.l10n.texts`).

    ``render(params)`` returns the text in the *current* language: call ``gettext``,
    ``ngettext`` and the :mod:`core.l10n` formatters inside it, never at import time.
    """

    kind: str
    render: Callable[[dict], str]


@dataclass(frozen=True)
class SmsGateway:
    """A way to send SMS, chosen by ``RAPPORT_SMS_GATEWAY=<name>``.

    ``create(config)`` gets the app's configuration and returns an object with a method
    ``send(sms) -> str``: ``sms`` is a :class:`core.messaging.sms.OutgoingSms`, the
    result the provider's message id. It raises the exceptions of
    :mod:`core.messaging.transport` when a message did not go.
    """

    name: str
    label: str
    create: Callable[[Any], Any]
    weight: int = 100


@dataclass(frozen=True)
class JobTask:
    """Work a plugin can run in the background as a tracked job (``core.jobs.start_job``).

    ``name`` is ``"<plugin>.<what>"``; ``run(job, **params)`` receives a
    :class:`core.jobs.JobContext` and the job's params, reports progress with
    ``job.progress(...)`` and returns a short result summary (or None). ``label`` is
    what the Jobs page shows. A job is tried at most ``max_attempts`` times: an attempt
    that raises, or whose worker dies, is retried while attempts remain (so make
    ``run`` safe to start again when ``max_attempts`` > 1).

    ``tracked=False`` declares a *background call* instead: no ``core_job`` row, no
    progress, no Jobs page; started with ``core.jobs.run_soon(name, params)`` and called as
    ``run(**params)`` (no ``job``). For small, frequent work whose state lives in your own
    tables (sending what an outbox holds), which must be safe to run twice.
    """

    name: str
    run: Callable[..., Any]
    label: Any = ""
    max_attempts: int = 1
    tracked: bool = True


@dataclass(frozen=True)
class PeriodicTask:
    """A job the workers start on a schedule: ``schedule`` is a ``core.jobs.crontab(...)``.

    Each time the schedule fires, exactly one job ``name`` is started (however many
    workers run), with ``params``, and runs like a :class:`JobTask`. While its plugin
    is disabled it is skipped.

    ``tracked=False`` suits every-minute work (SLA timers, an outbox sweep): no job row;
    ``run(**params)`` is called directly by every worker whose scheduler fires, so it
    must be safe to run concurrently (claim its rows with conditional updates).
    """

    name: str
    schedule: Callable[..., bool]
    run: Callable[..., Any]
    label: Any = ""
    params: tuple[tuple[str, Any], ...] = ()
    max_attempts: int = 1
    tracked: bool = True


@dataclass(frozen=True)
class PortalMenuItem:
    """An entry of the portal's navigation (``portal_menu_items``); ``endpoint`` goes to
    ``url_for`` with ``url_values``. Label with ``lazy_gettext``: it follows the customer's language."""

    label: str
    endpoint: str
    weight: int = 100
    url_values: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class PortalCard:
    """A card of the portal's home page (``portal_cards``). ``render()`` returns ``Markup``
    (a plain ``str`` is escaped); ``url``, when given, is where "Open" leads."""

    title: str
    render: Callable[[], Any]
    weight: int = 100
    url: str | None = None


@dataclass(frozen=True)
class MailAction:
    """A button on the page of an unmatched mail (``unmatched_mail_actions``): ``url`` is the
    plugin's page that takes the mail over ("open a complaint from it")."""

    label: str
    url: str
    permission: str | None = None
    weight: int = 100


@dataclass(frozen=True)
class PortalAction:
    """A link on a portal page showing one record (``portal_record_actions``): ``endpoint``
    goes to ``url_for`` with ``url_values`` (left out while that endpoint does not exist).
    Label with ``lazy_gettext``."""

    label: str
    endpoint: str
    url_values: tuple[tuple[str, Any], ...] = ()
    weight: int = 100


@dataclass(frozen=True)
class ImportField:
    """A field an importer fills from a column (``core.transfer``).

    ``aliases`` are header names that map to it automatically, in any language, case or
    accents (compared folded); the ``name`` and the translated ``label`` always do.

    ``choices`` (``() -> [(value, label), ...]``, called in a request or command with the
    importing user known) lets the user give the field one value for every row instead of
    a column: a select on the mapping page, ``--value NAME=VALUE`` in the terminal (a
    static list chosen once for a file of customers). A column mapped to the field wins.
    """

    name: str
    label: Any
    aliases: tuple[str, ...] = ()
    required: bool = False
    help: Any = ""
    choices: Callable[[], list[tuple[str, str]]] | None = None


@dataclass(frozen=True)
class Importer:
    """A kind of record that can be imported from CSV, Excel or vCard (docs/importing.md).

    ``kind`` names it in addresses and profiles (``customers``, ``sales.orders``). The core
    reads the file, maps columns to ``fields`` and calls, per batch of rows
    (:class:`core.transfer.engine.ImportRow`):

    * ``check(rows, ctx)``: validate each row's ``values`` (field → text) without writing;
      set ``row.clean`` (what ``save`` needs, plain picklable data) or add to ``row.errors``;
      put the row's duplicate keys in ``row.keys`` (a row sharing a key with an earlier
      row of the file is refused) and, for a record that already exists, ``row.match_id``.
    * ``save(rows, ctx)``: write the good rows (create, or update/skip a matched one as
      ``ctx.on_duplicate`` says) and count them in ``ctx.created``/``updated``/``skipped``.

    ``check`` runs over the whole file before anything is saved; every ``save`` of one
    import runs in one transaction, inside ``bulk(ctx)`` when given (a context manager
    around all of them, for work done once: rebuilding an index, totals of orders whose
    lines came in several batches). ``stand_ins``
    names fields that can replace a required one (``(("name", ("first_name",
    "last_name")),)``: a name made of first and last name columns).
    """

    kind: str
    label: Any
    permission: str
    fields: tuple[ImportField, ...]
    check: Callable[..., None]
    save: Callable[..., None]
    bulk: Callable[[Any], Any] | None = None
    stand_ins: tuple[tuple[str, tuple[str, ...]], ...] = ()
    weight: int = 100


@dataclass(frozen=True)
class Exporter:
    """A list that can be exported (docs/importing.md, *Exporting*).

    ``rows(user, args, fmt)`` returns ``(headers, iterator of rows)``: only records ``user``
    may see (record rules), filtered by ``args`` (the list page's query string), each row
    a list of plain values; it is read lazily, so stream from the database in batches.
    ``formats`` says which of ``csv``, ``xlsx``, ``vcf`` it offers (``vcf`` needs
    ``vcards(user, args)`` yielding ``vobject`` vCards instead of rows).
    """

    kind: str
    label: Any
    permission: str
    rows: Callable[..., Any]
    formats: tuple[str, ...] = ("csv", "xlsx")
    vcards: Callable[..., Any] | None = None
    weight: int = 100
