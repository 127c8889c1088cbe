"""How the sales plugin's history entries read, in the reader's language.

Entries are stored as a kind and parameters (``core.l10n.texts``): titles, stage names
and order numbers as they were, amounts as decimal strings with their currency.
Registered through the ``register_text_kinds`` hook.
"""
from __future__ import annotations

from flask_babel import gettext as _

from core.contrib import TextKind
from core.l10n import format_money


def text_kinds() -> list[TextKind]:
    return [
        TextKind("sales.opportunity_created", lambda p: _("Opportunity created: %(t)s", t=p["title"])),
        # The arrow points the reading direction: translations into Persian and Hebrew use ←.
        TextKind("sales.stage_changed", lambda p: _("%(t)s: %(a)s → %(b)s", t=p["title"], a=p["from"], b=p["to"])),
        TextKind("sales.won", lambda p: _("Won: %(t)s (%(amount)s)", t=p["title"],
                                          amount=format_money(p["amount"], p["currency"]))),
        TextKind("sales.lost", lambda p: _("Lost: %(t)s (%(r)s)", t=p["title"], r=p["reason"])),
        TextKind("sales.reopened", lambda p: _("Reopened: %(t)s", t=p["title"])),
        TextKind("sales.order_confirmed", lambda p: _("Order %(n)s confirmed: %(total)s", n=p["number"],
                                                      total=format_money(p["total"], p["currency"]))),
        TextKind("sales.order_cancelled", lambda p: _("Order %(n)s cancelled", n=p["number"])),
        # What the customer did in the portal (the name is as they typed it).
        TextKind("sales.quotation_accepted", lambda p: _("Quotation %(n)s accepted in the portal by %(name)s",
                                                         n=p["number"], name=p["name"])),
        TextKind("sales.quotation_declined", lambda p: _("Quotation %(n)s declined in the portal", n=p["number"])),
        TextKind("sales.portal_order", lambda p: _("Order %(n)s placed in the portal", n=p["number"])),
    ]
