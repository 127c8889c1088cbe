"""Web forms. They render fields and carry the CSRF token; the rules live in
``workflow.py`` / ``mail.py`` so pages and API validate identically."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from core.l10n.fields import DateField, DecimalField, IntegerField, TimeField, WeekdaysField
from core.web.picker import PickerField
from core.web.choices import select_choices


class ComplaintForm(FlaskForm):
    customer_id = PickerField(_l("Customer"), kind="customer", validators=[DataRequired()])
    title = StringField(_l("Subject"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("What happened"), render_kw={"rows": 5})
    category_id = SelectField(_l("Category"), coerce=str, validate_choice=False)
    severity_id = SelectField(_l("Severity"), coerce=str, validate_choice=False)
    about_ref = SelectField(_l("About"), coerce=str, validate_choice=False,
                            description=_l("An order or a piece of equipment of this customer, if it is about one."))
    product_id = PickerField(_l("Product"), kind="product")
    team_id = SelectField(_l("Team"), coerce=str, validate_choice=False)
    channel = SelectField(_l("Received by"), coerce=str, validate_choice=False)
    interaction_id = HiddenField()


class FromMailForm(FlaskForm):
    """A complaint from a mail no customer matched: whose it is, and how to file it."""
    who = SelectField(_l("The customer"), coerce=str, validate_choice=False)
    customer_id = PickerField(_l("Existing customer"), kind="customer")
    title = StringField(_l("Subject"), validators=[DataRequired(), Length(max=200)])
    category_id = SelectField(_l("Category"), coerce=str, validate_choice=False)
    severity_id = SelectField(_l("Severity"), coerce=str, validate_choice=False)
    team_id = SelectField(_l("Team"), coerce=str, validate_choice=False)


class TransitionForm(FlaskForm):
    """Resolve asks for the outcome; the other steps only carry the CSRF token."""

    resolution = TextAreaField(_l("Resolution"), render_kw={"rows": 3})
    root_cause_id = SelectField(_l("Root cause"), coerce=str, validate_choice=False)
    corrective_action = TextAreaField(_l("Corrective action"), render_kw={"rows": 2})
    compensation_amount = DecimalField(_l("Compensation amount"), places=2)
    compensation_credit = BooleanField(_l("As a credit note"))


class AssignForm(FlaskForm):
    team_id = SelectField(_l("Team"), coerce=str, validate_choice=False)
    assignee_id = PickerField(_l("Assignee"), kind="user", params={"perm": "complaints.view"})
    round_robin = BooleanField(_l("Next agent of the team (round-robin)"))


class ReplyForm(FlaskForm):
    template = SelectField(_l("Canned reply"), coerce=str, validate_choice=False)
    subject = StringField(_l("Subject"), validators=[Length(max=400)])
    body = TextAreaField(_l("Message"), render_kw={"rows": 6},
                         description=_l("Leave empty to send the canned reply as it is, in the customer's language."))


class RatingForm(FlaskForm):
    rating = SelectField(_l("How satisfied are you?"), coerce=int, choices=select_choices((i, str(i)) for i in range(5, 0, -1)))
    comment = TextAreaField(_l("Anything you would like to add?"), validators=[Length(max=1000)],
                            render_kw={"rows": 3})


class SettingsForm(FlaskForm):
    timezone = SelectField(_l("Time zone"), validators=[DataRequired()])
    day_start = TimeField(_l("Working day starts"), validators=[InputRequired()])
    day_end = TimeField(_l("Working day ends"), validators=[InputRequired()])
    weekdays = WeekdaysField(_l("Working days"))
    intake_address = StringField(_l("Complaints address"), validators=[Length(max=254)], render_kw={"dir": "ltr"},
                                 description=_l("Mail from a known customer to this address opens a complaint."))


    def __init__(self, *args, **kwargs):
        from core.l10n import timezone_choices

        super().__init__(*args, **kwargs)
        self.timezone.choices = select_choices(timezone_choices(self.timezone.data))  # shown in the reader's language


class HolidayForm(FlaskForm):
    day = DateField(_l("Date"), validators=[InputRequired()])
    name = StringField(_l("Name"), validators=[Length(max=120)])


class PolicyForm(FlaskForm):
    category_id = SelectField(_l("Category"), coerce=str, validate_choice=False)
    severity_id = SelectField(_l("Severity"), coerce=str, validate_choice=False)
    first_response_hours = IntegerField(_l("First response (business hours)"),
                                        validators=[DataRequired(), NumberRange(1, 2000)])
    resolution_hours = IntegerField(_l("Resolution (business hours)"), validators=[DataRequired(), NumberRange(1, 10000)])
    raise_severity = BooleanField(_l("Raise the severity on escalation"))
    reassign_to_manager = BooleanField(_l("Give it to the team's manager on escalation"))


class TeamForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    manager_id = PickerField(_l("Manager"), kind="user", params={"perm": "complaints.view"})
    round_robin = BooleanField(_l("New complaints go to the agents in turn"))


class MemberForm(FlaskForm):
    user_id = PickerField(_l("Agent"), kind="user", params={"perm": "complaints.view"}, validators=[DataRequired()])


class NameForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    kind = HiddenField()
    rank = IntegerField(_l("Rank"), validators=[Optional(), NumberRange(0, 100)])
