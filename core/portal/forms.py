"""Forms of the portal's own pages (Flask-WTF: CSRF on every one)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField
from wtforms.validators import DataRequired, EqualTo, Length

from core.auth.passwords import PasswordPolicy, policy_hint


class PortalLoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])


class EmailForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])


class NewPasswordForm(FlaskForm):
    """Choosing a password (invitation, reset): the staff password policy applies."""

    new = PasswordField(_l("New password"), validators=[DataRequired()])
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("new", message=_l("The two passwords differ."))])

    def __init__(self, *args, email: str = "", name: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.new.validators = [DataRequired(), PasswordPolicy(email=lambda form: email, name=lambda form: name)]
        self.new.description = policy_hint()


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=1024)])


class ConfirmForm(FlaskForm):
    """A form with nothing but its CSRF token: a button that POSTs."""


class InviteForm(FlaskForm):
    """Staff: invite the customer, choosing one of their addresses."""

    email = SelectField(_l("Email"), choices=[], validate_choice=True)
