"""Service and warranty: installed base, warranties, repairs, maintenance, reliability."""
from flask_babel import lazy_gettext as _l

from core import PluginManifest, hookimpl  # noqa: F401
from core.contrib import Permission

manifest = PluginManifest(
    name="service",
    label=_l("Service and warranty"),
    description=_l("Installed equipment, warranties and claims, repair orders, preventive maintenance."),
    permissions=(
        Permission("service.technician", _l("See all equipment and assigned requests; record work")),
        Permission("service.manager", _l("All service work, plans and coverage overrides")),
    ),
)
