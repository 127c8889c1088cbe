"""Forms for logging in, changing a password and creating API tokens."""
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from core.auth.passwords import PasswordPolicy, policy_hint
from core.web.choices import select_choices


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=1024)])
    new = PasswordField(
        _l("New password"),
        validators=[DataRequired(), PasswordPolicy(email=lambda form: current_user.email,
                                                   name=lambda form: current_user.name)],
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new", message=_l("The two passwords differ."))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.new.description = policy_hint()


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=100)])


class PreferencesForm(FlaskForm):
    """Language, time zone and calendar: how this user reads and types numbers, dates and times."""

    ui_language = SelectField(_l("Language"))
    timezone = SelectField(_l("Time zone"), description=_l("Times are shown and typed in this zone."))
    calendar = SelectField(_l("Calendar"), description=_l("For the dates you read and type."))

    def __init__(self, *args, **kwargs):
        from flask import current_app

        from core.l10n import CALENDARS, business_timezone, timezone_choices
        from core.l10n.context import timezone_label

        super().__init__(*args, **kwargs)
        self.ui_language.choices = select_choices(current_app.config["LANGUAGES"].items())
        business = timezone_label(business_timezone().key)
        self.timezone.choices = select_choices([("", _l("The business's time zone (%(zone)s)", zone=business))]
                                                + timezone_choices(self.timezone.data))
        self.calendar.choices = select_choices([("", _l("Usual for my language")), *CALENDARS.items()])
