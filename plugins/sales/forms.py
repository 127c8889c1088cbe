"""Web forms. They render fields and carry the CSRF token; the rules themselves live
in ``pipeline.py`` / ``orders.py`` so pages and API validate identically."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from core.l10n.fields import DateField, DecimalField, IntegerField
from core.web.picker import PickerField
from core.web.versions import VersionedForm
from plugins.sales.models import SOURCES
from core.web.choices import select_choices


SOURCE_LABELS = {"website": _l("Website"), "referral": _l("Referral"), "phone": _l("Phone"), "email": _l("Email"),
                 "event": lazy_pgettext("lead source", "Event"), "partner": _l("Partner"), "walk_in": _l("Walk-in"), "other": _l("Other")}


def source_choices():
    return [(s, SOURCE_LABELS[s]) for s in SOURCES]


class OpportunityForm(VersionedForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    customer_id = PickerField(_l("Customer"), kind="customer",
                              description=_l("Leave empty for a prospect who is not a customer yet."))
    prospect_name = StringField(_l("Prospect name"), validators=[Length(max=200)])
    prospect_email = StringField(_l("Prospect email"), validators=[Length(max=254)])
    prospect_phone = StringField(_l("Prospect phone"), validators=[Length(max=40)])
    stage_id = SelectField(_l("Stage"), coerce=str, validate_choice=False)
    owner_id = SelectField(_l("Owner"), coerce=str, validate_choice=False)
    expected_revenue = DecimalField(_l("Expected revenue"), default=Decimal("0"), places=2)
    currency = StringField(_l("Currency"), default="EUR", validators=[Length(min=3, max=3)])
    probability = StringField(_l("Probability (%)"), description=_l("Empty: the stage's default."))
    expected_close = DateField(_l("Expected close date"))
    source = SelectField(_l("Source"), choices=lambda: select_choices(source_choices()))
    tags = StringField(_l("Tags"), description=_l("Separated by commas."))
    notes = TextAreaField(_l("Notes"), render_kw={"rows": 3})
    follow_up_date = DateField(_l("Next follow-up"),
                               description=_l("Adds a to-do for the owner in the customer's activities."))
    follow_up_summary = StringField(_l("Follow-up summary"), validators=[Length(max=300)])


class LostForm(FlaskForm):
    lost_reason_id = SelectField(_l("Reason"), coerce=str, validators=[DataRequired()])
    lost_note = StringField(_l("Note"), validators=[Length(max=500)])


class LineForm(FlaskForm):
    class Meta:
        csrf = False

    product_id = PickerField(_l("Product"), kind="product")
    description = StringField(_l("Description"), validators=[Length(max=300)])
    quantity = DecimalField(_l("Quantity"), default=Decimal("1"))
    unit_price = DecimalField(_l("Unit price"), places=2)
    discount_percent = DecimalField(_l("Discount %"), default=Decimal("0"))
    tax_rate = DecimalField(_l("Tax %"))


class OrderForm(VersionedForm):
    customer_id = PickerField(_l("Customer"), kind="customer", validators=[InputRequired()])
    opportunity_id = HiddenField()
    currency = StringField(_l("Currency"), default="EUR", validators=[Length(min=3, max=3)])
    valid_until = DateField(_l("Valid until"))
    notes = TextAreaField(_l("Notes"), render_kw={"rows": 3})
    lines = FieldList(FormField(LineForm), min_entries=1, max_entries=200)


class StageForm(FlaskForm):
    name = StringField(lazy_pgettext("thing", "Name"), validators=[DataRequired(), Length(max=80)])
    position = IntegerField(lazy_pgettext("sequence", "Order"), default=10, validators=[InputRequired(), NumberRange(0, 10000)])
    probability = IntegerField(_l("Default probability (%)"), default=10, validators=[InputRequired(), NumberRange(0, 100)])
    is_won = BooleanField(_l("Won stage"))
    is_lost = BooleanField(_l("Lost stage"))


class LostReasonForm(FlaskForm):
    name = StringField(_l("Reason"), validators=[DataRequired(), Length(max=120)])


class TargetForm(FlaskForm):
    user_id = SelectField(_l("Salesperson"), coerce=str, validators=[DataRequired()])
    period = StringField(_l("Period"), validators=[DataRequired(), Length(max=7)], render_kw={"dir": "ltr"},
                         description=_l("A month like 2026-03 or a quarter like 2026-Q1."))
    amount = DecimalField(_l("Amount"), validators=[InputRequired()], places=2)
    currency = StringField(_l("Currency"), default="EUR", validators=[Length(min=3, max=3)])

