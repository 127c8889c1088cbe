"""Writing to the contact history and scheduling follow-ups.

Plugins record their own typed events with :func:`log_event` (e.g.
``log_event(customer_id, "sales.order_confirmed", source="sales", subject_kind="sales.order_confirmed",
subject_params={"number": "SO-77"})``), the subject being a stored text (core.l10n.texts);
staff interactions go through :func:`log_interaction`. Both queue the
``interaction_logged`` event, delivered after commit. The caller commits.

An event or follow-up about one of the plugin's records passes ``record=obj``: it is
then shown only to those who may see that record (its record rule; see
:mod:`core.history.guards`). ``permission="x.y"`` gates an entry about a record without
a rule (equipment: every technician).
"""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext as _

from core.db import announce, db
from core.history.guards import guard_for
from core.history.models import CHANNELS, DIRECTIONS, Activity, Interaction

SUBJECT_MAX, BODY_MAX = 300, 50_000


class HistoryInputError(ValueError):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in errors.items()))
        self.errors = errors


def _add(row: Interaction) -> Interaction:
    db.session.add(row)
    db.session.flush()
    announce("interaction_logged", interaction=row.as_event())
    return row


def log_interaction(customer_id: int, *, channel: str, direction: str | None = None, subject: str = "",
                    body: str = "", user_id: int | None = None, occurred_at: datetime | None = None) -> Interaction:
    """Log a staff interaction; validates channel, direction and sizes."""
    errors: dict[str, list[str]] = {}
    if channel not in CHANNELS:
        errors.setdefault("channel", []).append(_("Not one of: %(c)s.", c=", ".join(CHANNELS)))
    if direction not in (None, "", *DIRECTIONS):
        errors.setdefault("direction", []).append(_("Either inbound or outbound."))
    subject, body = (subject or "").strip(), (body or "").strip()
    if not subject and not body:
        errors.setdefault("subject", []).append(_("Write a subject or a note."))
    if len(subject) > SUBJECT_MAX:
        errors.setdefault("subject", []).append(_("At most %(n)d characters.", n=SUBJECT_MAX))
    if len(body) > BODY_MAX:
        errors.setdefault("body", []).append(_("At most %(n)d characters.", n=BODY_MAX))
    if errors:
        raise HistoryInputError(errors)
    row = Interaction(customer_id=customer_id, channel=channel, direction=direction or None, subject=subject,
                      body=body, user_id=user_id)
    if occurred_at:
        row.occurred_at = occurred_at
    return _add(row)


def log_event(customer_id: int, kind: str, *, source: str, subject: str = "", subject_kind: str | None = None,
              subject_params: dict | None = None, body: str = "", data: dict | None = None, channel: str = "note",
              direction: str | None = None, user_id: int | None = None,
              occurred_at: datetime | None = None, record=None, permission: str | None = None) -> Interaction:
    """Add a plugin's typed event (``kind`` like ``"service.repair_done"``) to the timeline,
    visible like ``record`` (or to holders of ``permission``).

    What the system says about it is a stored text: ``subject_kind`` (a kind registered
    with ``register_text_kinds``) and ``subject_params`` (plain JSON), rendered in each
    reader's language; ``subject`` is then filled with the English text for search and
    the API. A plain ``subject`` (no kind) is shown as written, in every language.
    """
    if subject_kind:
        from core.l10n.texts import english

        subject = english(subject_kind, subject_params) or subject
    row = Interaction(customer_id=customer_id, kind=kind, source=source, channel=channel, direction=direction,
                      subject=subject[:SUBJECT_MAX], subject_kind=subject_kind, subject_params=subject_params,
                      body=body[:BODY_MAX], data=data, user_id=user_id, **guard_for(record, permission))
    if occurred_at:
        row.occurred_at = occurred_at
    return _add(row)


def schedule_activity(customer_id: int, *, summary: str, due_date: date, assignee_id: int | None,
                      notes: str = "", created_by_id: int | None = None, source: str = "core",
                      ref: str | None = None, record=None, permission: str | None = None) -> Activity:
    """Create a follow-up to-do (plugins use ``source``/``ref`` to find their own later),
    visible like ``record`` (or to holders of ``permission``)."""
    summary = (summary or "").strip()
    if not summary or len(summary) > 300:
        raise HistoryInputError({"summary": [_("A summary of 1 to 300 characters is required.")]})
    row = Activity(customer_id=customer_id, summary=summary, due_date=due_date, assignee_id=assignee_id,
                   notes=notes or "", created_by_id=created_by_id, source=source, ref=ref,
                   **guard_for(record, permission))
    db.session.add(row)
    db.session.flush()
    return row
