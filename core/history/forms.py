"""Forms for logging an interaction and scheduling a follow-up.

Dates and times are typed in the user's conventions, calendar and time zone
(core.l10n fields; the database stores naive UTC); the service checks the rest
(channel, direction, sizes) so the API and the page apply the same rules.
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
from core.l10n import date_example
from core.l10n.fields import DateField, DateTimeField
from core.web.picker import PickerField
from core.web.choices import select_choices

CHANNEL_LABELS = {
    "visit": _l("Visit"), "phone": _l("Phone call"), "letter": _l("Letter"), "email": _l("Email"),
    "video": _l("Video call"), "im": _l("Instant message"), "sms": _l("SMS"), "portal": _l("Portal"),
    "note": _l("Note"),
}
DIRECTION_LABELS = {"inbound": _l("Inbound"), "outbound": _l("Outbound")}
ASSIGNEE_CHOICES_MAX = 500


def check_when(value: datetime | None) -> None:
    if value is not None and not (datetime(1900, 1, 1) <= value <= datetime(2200, 1, 1)):
        raise ValidationError(_("That date is out of range."))


def check_day(value: date | None) -> None:
    if value is None:
        raise ValidationError(_("Enter a date such as %(example)s.", example=date_example()))
    if not (date(2000, 1, 1) <= value <= date(2200, 1, 1)):
        raise ValidationError(_("That date is out of range."))


class InteractionForm(FlaskForm):
    channel = SelectField(_l("Channel"), choices=select_choices((c, CHANNEL_LABELS[c]) for c in CHANNELS), default="phone")
    direction = SelectField(_l("Direction"), choices=select_choices([("", _l("—"))] + [(d, DIRECTION_LABELS[d]) for d in DIRECTIONS]),
                            default="")
    occurred_at = DateTimeField(_l("When"), description=_l("Empty means now. Your time zone: %(zone)s."))
    subject = StringField(_l("Subject"), render_kw={"maxlength": 300})
    body = TextAreaField(_l("Notes"), render_kw={"rows": 3})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from core.l10n.context import timezone, timezone_label

        zone = timezone_label(timezone().key)  # "Αθήνα — Ώρα Ανατολικής Ευρώπης", as the profile's picker
        self.occurred_at.description = _l("Empty means now. Your time zone: %(zone)s.", zone=zone)

    def validate_occurred_at(self, field):
        check_when(field.data)


def user_choices(blank_label=None) -> list[tuple[str, str]]:
    users = db.session.execute(
        sa.select(User.id, User.name, User.email).where(User.active.is_(True)).order_by(User.name, User.email)
        .limit(ASSIGNEE_CHOICES_MAX)
    ).all()
    blank = [("", blank_label)] if blank_label else []
    return blank + [(str(u.id), u.name or u.email) for u in users]


class ActivityForm(FlaskForm):
    summary = StringField(_l("Follow-up"), render_kw={"maxlength": 300})
    due_date = DateField(_l("Due"))
    assignee_id = PickerField(_l("Assignee"), kind="user")
    notes = TextAreaField(_l("Notes"), render_kw={"rows": 2})

    def validate_due_date(self, field):
        check_day(field.data)

    def validate_assignee_id(self, field):
        value = (field.data or "").strip()
        user = db.session.get(User, parse_id(value)) if parse_id(value) else None
        if user is None or not user.active:
            raise ValidationError(field.gettext("Not a valid choice."))
