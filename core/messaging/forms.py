"""Forms of the messaging pages: writing to a customer, and editing a template."""
from __future__ import annotations

import json
import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, Length, Optional

from core.config import LANGUAGES
from core.messaging.models import CHANNELS
from core.messaging.templates import check_syntax
from core.web.choices import select_choices

CHANNEL_LABELS = {"email": _l("Email"), "sms": _l("SMS")}
STATUS_LABELS = {"queued": lazy_pgettext("message", "Queued"), "sending": lazy_pgettext("message", "Sending"),
                 "sent": lazy_pgettext("message", "Sent"), "failed": lazy_pgettext("message", "Failed"),
                 "bounced": lazy_pgettext("message", "Bounced"), "unknown": lazy_pgettext("message", "Unknown"),
                 "cancelled": lazy_pgettext("message", "Cancelled")}
PURPOSE_LABELS = {"personal": _l("Personal"), "service": _l("Service notice"), "marketing": _l("Marketing")}
KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,79}$")


class ComposeForm(FlaskForm):
    """An email or SMS to one customer; ``to`` offers the customer's own addresses only."""

    channel = SelectField(_l("Channel"), choices=select_choices((c, CHANNEL_LABELS[c]) for c in CHANNELS))
    to = SelectField(_l("To"), choices=[], validate_choice=True, render_kw={"dir": "ltr"})
    subject = StringField(_l("Subject"), validators=[Optional(), Length(max=500)], render_kw={"dir": "auto"})
    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=100_000)],
                         render_kw={"rows": 10, "dir": "auto"})


def _template_source(form, field):
    error = check_syntax(field.data or "")
    if error:
        raise ValidationError(error)


class TemplateForm(FlaskForm):
    key = StringField(_l("Key"), validators=[DataRequired(), Length(max=80)],
                      description=_l("How code refers to it, e.g. service.repair_done: lower case letters, digits, "
                                     "dots, dashes and underscores."))
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    channel = SelectField(_l("Channel"), choices=select_choices((c, CHANNEL_LABELS[c]) for c in CHANNELS))
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)], render_kw={"rows": 2})
    sample_variables = TextAreaField(
        _l("Sample variables"), validators=[Optional(), Length(max=20_000)], render_kw={"rows": 3, "dir": "ltr"},
        description=_l("Example values, as a JSON object, for the variables the sending code passes; the preview "
                       "uses them."))

    def validate_key(self, field):
        field.data = (field.data or "").strip()
        if not KEY_PATTERN.match(field.data):
            raise ValidationError(_("Lower case letters, digits, dots, dashes and underscores only."))

    def validate_sample_variables(self, field):
        text = (field.data or "").strip()
        if not text:
            field.parsed = {}
            return
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise ValidationError(_("Not valid JSON: %(why)s", why=str(exc))) from exc
        if not isinstance(value, dict):
            raise ValidationError(_("Write a JSON object, e.g. {\"order\": {\"number\": \"S-1\"}}."))
        field.parsed = value

    def language_fields(self):
        """``[(code, label, subject, body, html)]`` in the order of the installation's languages."""
        return [(code, label, self[f"subject_{code}"], self[f"body_{code}"], self[f"html_{code}"])
                for code, label in LANGUAGES.items()]


for _code in LANGUAGES:
    setattr(TemplateForm, f"subject_{_code}", StringField(_l("Subject"), validators=[Optional(), Length(max=500),
                                                                                    _template_source],
                                                                  render_kw={"dir": "auto"}))
    setattr(TemplateForm, f"body_{_code}", TextAreaField(_l("Text"), validators=[Optional(), Length(max=100_000),
                                                                                 _template_source],
                                                         render_kw={"rows": 6, "dir": "auto"}))
    setattr(TemplateForm, f"html_{_code}", TextAreaField(
        _l("HTML (optional)"), validators=[Optional(), Length(max=500_000), _template_source],
        render_kw={"rows": 3, "dir": "ltr"},
        description=_l("Leave empty to send the text as simple HTML.")))
