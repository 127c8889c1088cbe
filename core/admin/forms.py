"""Admin forms."""
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectMultipleField, StringField, widgets
from wtforms.validators import DataRequired, Email, Length, Optional

from core.auth.passwords import PasswordPolicy, policy_hint

_POLICY = PasswordPolicy(email=lambda form: form.email.data, name=lambda form: form.name.data)


class CheckboxList(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class UserForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(lazy_pgettext("person", "Name"), validators=[Optional(), Length(max=200)])
    password = PasswordField(_l("Password"), validators=[Optional(strip_whitespace=False), _POLICY],
                             description=_l("Leave empty to keep the current password."))
    active = BooleanField(lazy_pgettext("user", "Active"), default=True)
    roles = CheckboxList(_l("Roles"), coerce=int)

    def __init__(self, *args, creating: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if creating:
            self.password.validators = [DataRequired(), _POLICY]
            self.password.description = policy_hint()


class RoleForm(FlaskForm):
    name = StringField(lazy_pgettext("thing", "Name"), validators=[DataRequired(), Length(max=80)])
    description = StringField(_l("Description"), validators=[Optional(), Length(max=255)])
    permissions = CheckboxList(_l("Permissions"))
