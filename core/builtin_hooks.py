"""The core's own contributions, made through the same hooks plugins use."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.contrib import MenuItem, Permission, RoleSpec
from core.hooks import hookimpl

CORE_PERMISSIONS = (
    Permission("customers.view", _l("View customers")),
    Permission("customers.edit", _l("Create and edit customers")),
    Permission("customers.delete", _l("Delete customers")),
    Permission("customers.merge", _l("Merge duplicate customers")),
    Permission("history.log", _l("Log interactions and follow-ups")),
    Permission("catalog.view", _l("View the catalog")),
    Permission("catalog.edit", _l("Edit the catalog")),
    Permission("admin.users", _l("Manage users and roles")),
    Permission("admin.plugins", _l("Enable and disable plugins")),
)


@hookimpl
def permissions():
    return list(CORE_PERMISSIONS)


@hookimpl
def default_roles():
    return [
        RoleSpec(
            "Staff",
            ("customers.view", "customers.edit", "history.log", "catalog.view"),
            "Works with customers and their history",
        ),
        RoleSpec("Read only", ("customers.view", "catalog.view"), "Sees customers and the catalog"),
    ]


@hookimpl
def menu_items(user):
    return [
        MenuItem(_l("Customers"), "customers.index", "customers.view", weight=10),
        MenuItem(_l("My activities"), "history.my_activities", "history.log", weight=15),
        MenuItem(_l("Catalog"), "catalog.index", "catalog.view", weight=80),
        MenuItem(_l("Users"), "admin.users", "admin.users", weight=900),
        MenuItem(_l("Roles"), "admin.roles", "admin.users", weight=910),
        MenuItem(_l("Plugins"), "admin.plugins", "admin.plugins", weight=920),
    ]
