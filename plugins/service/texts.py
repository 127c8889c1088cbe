"""How the service plugin's history entries read, in the reader's language.

Stored as a kind and parameters (``core.l10n.texts``): labels and numbers as they were,
states as their keys (``"done"``, ``"covered"``), dates ISO, amounts as decimal strings.
Registered through the ``register_text_kinds`` hook.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext

from core.contrib import TextKind
from core.l10n import format_date, format_money, format_number


def _warranty_kind(kind: str) -> str:
    return {"standard": _("Standard warranty"), "extended": _("Extended warranty"),
            "contract": _("Service contract")}.get(kind, kind)


def _units_retired(p: dict) -> str:
    # flask_babel.ngettext fills %(num)d itself; %(count)s carries the number in the reader's digits.
    retired = ngettext("%(count)s unit retired", "%(count)s units retired", int(p["retired"]),
                       count=format_number(int(p["retired"])))
    kept = ngettext("%(count)s kept", "%(count)s kept", int(p["kept"]), count=format_number(int(p["kept"])))
    return _("Order %(number)s cancelled: %(retired)s, %(kept)s", number=p["number"], retired=retired, kept=kept)


def text_kinds() -> list[TextKind]:
    from plugins.service.service import decision_label, outcome_label, status_label

    return [
        TextKind("service.equipment_registered", lambda p: _("Equipment registered: %(label)s", label=p["label"])),
        TextKind("service.units_registered", lambda p: ngettext(
            "%(count)s unit registered from order %(number)s", "%(count)s units registered from order %(number)s",
            int(p["count"]), count=format_number(int(p["count"])), number=p["number"])),
        TextKind("service.equipment_retired", lambda p: _("Equipment retired: %(label)s", label=p["label"])),
        TextKind("service.units_retired", _units_retired),
        TextKind("service.warranty_added", lambda p: _(
            "%(kind)s for %(label)s until %(end)s", kind=_warranty_kind(p["kind"]), label=p["label"],
            end=format_date(p["end"]) if p.get("end") else "")),
        TextKind("service.request_opened", lambda p: _("Service request %(n)s opened: %(label)s", n=p["number"],
                                                       label=p["label"])),
        TextKind("service.request_assigned", lambda p: _("%(n)s assigned to %(name)s", n=p["number"], name=p["name"])),
        TextKind("service.request_status", lambda p: _("%(n)s: %(status)s", n=p["number"],
                                                       status=status_label(p["status"]))),
        TextKind("service.request_repaired", lambda p: _(
            "%(n)s repaired (%(decision)s; covered %(c)s, billable %(b)s)", n=p["number"],
            decision=decision_label(p["decision"]), c=format_money(p["covered"], p.get("currency")),
            b=format_money(p["billable"], p.get("currency")))),
        TextKind("service.coverage_override", lambda p: _("%(n)s coverage: %(decision)s", n=p["number"],
                                                          decision=decision_label(p["decision"]))),
        TextKind("service.visit_done", lambda p: _("Maintenance visit on %(label)s: %(outcome)s", label=p["label"],
                                                   outcome=outcome_label(p["outcome"]))),
        TextKind("service.portal_request", _portal_request),
    ]


def _portal_request(p: dict) -> str:
    """A request the customer opened in the portal (a warranty claim or a plain request)."""
    kind = _("Warranty claim") if p.get("warranty") else _("Service request")
    return _("%(kind)s %(n)s from the portal: %(label)s", kind=kind, n=p["number"], label=p["label"])
