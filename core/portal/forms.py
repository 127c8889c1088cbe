"""Forms of the portal's own pages (Flask-WTF: CSRF on every one)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, FieldList, FormField, PasswordField, SelectField, StringField, TextAreaField
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


class AddressForm(FlaskForm):
    class Meta:
        csrf = False  # a part of DetailsForm, which carries the token

    label = StringField(_l("Label"), validators=[Length(max=40)])
    street = StringField(_l("Street"), validators=[Length(max=200)])
    postcode = StringField(_l("Postcode"), validators=[Length(max=20)])
    city = StringField(_l("City"), validators=[Length(max=100)])
    region = StringField(_l("Region"), validators=[Length(max=100)])
    country = StringField(_l("Country (two letters, e.g. GR)"), validators=[Length(max=2)], render_kw={"dir": "ltr"})


class DetailsForm(FlaskForm):
    """The customer's contact details, submitted for staff to review."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    # Addresses and numbers read left to right in every language (the label follows the page).
    emails = TextAreaField(_l("Email addresses (one per line)"), validators=[Length(max=2000)],
                           render_kw={"dir": "ltr"})
    phones = TextAreaField(_l("Phone numbers (one per line)"), validators=[Length(max=1000)],
                           render_kw={"dir": "ltr"})
    addresses = FieldList(FormField(AddressForm), min_entries=1, max_entries=5)


class PreferencesForm(FlaskForm):
    """Consent per channel and language: applied at once."""

    consent_email = BooleanField(_l("Email me news and offers"))
    consent_sms = BooleanField(_l("Text me news and offers"))
    language = SelectField(_l("Language"), choices=[], validate_choice=True)


class SignupForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
