"""Complaint steps on the customer's contact history, as texts in the reader's language.

Each entry is stored as a kind (``complaints.<what>``) and plain parameters; ``TEXTS``
says how each kind reads. Entries are shown to holders of ``complaints.view``
(``permission=``). The team rule (plugins/complaints/access.py) cannot be expressed as
the core's single-owner guard, so an entry says only which step a complaint reached
and its reference — never its title, text or replies, which stay behind the team rule
on the complaint's own page (404 for another team's agent).
"""
from __future__ import annotations

from flask_babel import gettext as _

from core.history.service import log_event
from core.l10n import format_number

TEXTS = {
    "opened": lambda p: _("Complaint %(ref)s opened", ref=p["ref"]),
    "assigned": lambda p: (_("Complaint %(ref)s assigned to %(who)s", ref=p["ref"], who=p["assignee"])
                           if p.get("assignee") else
                           _("Complaint %(ref)s put in the queue of %(team)s", ref=p["ref"], team=p.get("team") or "—")),
    "acknowledge": lambda p: _("Complaint %(ref)s acknowledged", ref=p["ref"]),
    "investigate": lambda p: _("Complaint %(ref)s under investigation", ref=p["ref"]),
    "resolve": lambda p: _("Complaint %(ref)s resolved (root cause: %(cause)s)", ref=p["ref"],
                           cause=p.get("root_cause") or "—"),
    "close": lambda p: _("Complaint %(ref)s closed", ref=p["ref"]),
    "reopen": lambda p: _("Complaint %(ref)s reopened", ref=p["ref"]),
    "replied": lambda p: _("Reply sent on complaint %(ref)s", ref=p["ref"]),
    "customer_replied": lambda p: _("The customer wrote about complaint %(ref)s", ref=p["ref"]),
    "escalated": lambda p: _("Complaint %(ref)s escalated: the %(target)s target was missed", ref=p["ref"],
                             target=_("first response") if p.get("target") == "first_response" else _("resolution")),
    "rated": lambda p: _("Complaint %(ref)s rated %(rating)s of 5", ref=p["ref"], rating=format_number(p.get("rating"))),
}


def render(what: str, params: dict) -> str:
    return TEXTS[what](params)


def text_kinds() -> list:
    """``complaints.<what>`` for every step, registered through ``register_text_kinds``."""
    from core.contrib import TextKind

    return [TextKind(f"complaints.{what}", fn) for what, fn in TEXTS.items()]


def log(complaint, what: str, *, user=None, channel: str | None = None, direction: str | None = None,
        body: str = "", occurred_at=None, **params) -> None:
    """Add step ``what`` of ``complaint`` to its customer's timeline (the caller commits)."""
    params = {"ref": complaint.reference, "complaint_id": complaint.id, **params}
    log_event(complaint.customer_id, f"complaints.{what}", source="complaints", subject_kind=f"complaints.{what}",
              subject_params=params, body=body, data=params, channel=channel if channel in ("email", "portal") else "note",
              direction="inbound" if channel == "portal" else direction,
              user_id=user.id if user is not None and getattr(user, "is_authenticated", False) else None,
              occurred_at=occurred_at, permission="complaints.view")
