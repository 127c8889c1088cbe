"""Forms for logging an interaction and scheduling a follow-up.

Times are typed in UTC (the database stores naive UTC); the service checks the
rest (channel, direction, sizes) so the API and the page apply the same rules.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField, ValidationError

from core.auth.models import User
from core.db import db, parse_id
from core.history.models import CHANNELS, DIRECTIONS
from core.web.picker import PickerField

CHANNEL_LABELS = {
    "visit": _l("Visit"), "phone": _l("Phone call"), "letter": _l("Letter"), "email": _l("Email"),
    "video": _l("Video call"), "im": _l("Instant message"), "sms": _l("SMS"), "portal": _l("Portal"),
    "note": _l("Note"),
}
DIRECTION_LABELS = {"inbound": _l("Inbound"), "outbound": _l("Outbound")}
ASSIGNEE_CHOICES_MAX = 500


def parse_when(text: str | None) -> datetime | None:
    """``YYYY-MM-DDTHH:MM`` (what ``<input type=datetime-local>`` sends) or ``None``."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValidationError(_("Use the form YYYY-MM-DD HH:MM.")) from exc
    if value.tzinfo is not None:
        raise ValidationError(_("Give the time without a time zone (UTC)."))
    if not (datetime(1900, 1, 1) <= value <= datetime(2200, 1, 1)):
        raise ValidationError(_("That date is out of range."))
    return value


def parse_day(text: str | None) -> date:
    try:
        value = date.fromisoformat((text or "").strip())
    except ValueError as exc:
        raise ValidationError(_("Use the form YYYY-MM-DD.")) from exc
    if not (date(2000, 1, 1) <= value <= date(2200, 1, 1)):
        raise ValidationError(_("That date is out of range."))
    return value


class InteractionForm(FlaskForm):
    channel = SelectField(_l("Channel"), choices=[(c, CHANNEL_LABELS[c]) for c in CHANNELS], default="phone")
    direction = SelectField(_l("Direction"), choices=[("", _l("—"))] + [(d, DIRECTION_LABELS[d]) for d in DIRECTIONS],
                            default="")
    occurred_at = StringField(_l("When (UTC)"), description=_l("Empty means now."),
                              render_kw={"type": "datetime-local"})
    subject = StringField(_l("Subject"), render_kw={"maxlength": 300})
    body = TextAreaField(_l("Notes"), render_kw={"rows": 3})

    def validate_occurred_at(self, field):
        field.parsed = parse_when(field.data)


def user_choices(blank_label=None) -> list[tuple[str, str]]:
    users = db.session.execute(
        sa.select(User.id, User.name, User.email).where(User.active.is_(True)).order_by(User.name, User.email)
        .limit(ASSIGNEE_CHOICES_MAX)
    ).all()
    blank = [("", blank_label)] if blank_label else []
    return blank + [(str(u.id), u.name or u.email) for u in users]


class ActivityForm(FlaskForm):
    summary = StringField(_l("Follow-up"), render_kw={"maxlength": 300})
    due_date = StringField(_l("Due"), render_kw={"type": "date"})
    assignee_id = PickerField(_l("Assignee"), kind="user")
    notes = TextAreaField(_l("Notes"), render_kw={"rows": 2})

    def validate_due_date(self, field):
        field.parsed = parse_day(field.data)

    def validate_assignee_id(self, field):
        value = (field.data or "").strip()
        user = db.session.get(User, parse_id(value)) if parse_id(value) else None
        if user is None or not user.active:
            raise ValidationError(field.gettext("Not a valid choice."))
