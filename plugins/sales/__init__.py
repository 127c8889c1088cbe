"""Sales: pipeline, quotations and orders, purchase history, salesperson performance."""
from flask_babel import lazy_gettext as _l

from core import PluginManifest, hookimpl  # noqa: F401
from core.contrib import Permission
from plugins.sales import hookspecs

manifest = PluginManifest(
    name="sales",
    label=_l("Sales"),
    description=_l("Pipeline, quotations and orders, purchase history and salesperson performance."),
    permissions=(
        Permission("sales.user", _l("Work on own opportunities and quotations")),
        Permission("sales.manager", _l("See all sales, edit stages, lost reasons and targets")),
    ),
    hookspecs=hookspecs,
)
