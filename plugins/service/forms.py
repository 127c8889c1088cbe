"""Web forms of the service pages (types and sizes here; business rules in service.py)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from core.db import parse_id
from core.l10n.fields import DateField, DecimalField, IntegerField
from core.web.picker import PickerField
from plugins.service.models import PRIORITIES, PROBLEM_CATEGORIES, REQUEST_CHANNELS, VISIT_OUTCOMES
from core.web.choices import select_choices


def _optional_int(value):
    """A select's id, or None; anything else is not a valid choice (WTForms catches ValueError)."""
    if value in (None, "", "None"):
        return None
    if parse_id(value) is None:
        raise ValueError(value)
    return parse_id(value)


def status_choices():
    return [("in_service", _l("in service")), ("under_repair", _l("under repair")), ("retired", _l("retired"))]


# Labels for stored codes (the forms' choices, and the audit log's values).
CATEGORY_LABELS = {"no_power": _l("No power / does not start"), "noise": _l("Noise or vibration"), "leak": _l("Leak"),
                   "overheating": _l("Overheating"), "display": _l("Display or controls"),
                   "mechanical": _l("Mechanical fault"), "software": _l("Software or firmware"), "other": _l("Other")}
PRIORITY_LABELS = {"low": _l("Low"), "normal": _l("Normal"), "high": _l("High"), "urgent": _l("Urgent")}
CHANNEL_LABELS = {"phone": _l("Phone"), "email": _l("Email"), "visit": _l("Visit"), "portal": _l("Portal"),
                  "other": _l("Other")}
OUTCOME_LABELS = {"ok": _l("All fine"), "adjusted": _l("Adjusted"), "needs_repair": _l("Needs repair"),
                  "no_access": _l("No access")}


def category_choices():
    return [(c, CATEGORY_LABELS[c]) for c in PROBLEM_CATEGORIES]


def priority_choices():
    return [(p, PRIORITY_LABELS[p]) for p in PRIORITIES]


def channel_choices():
    return [(c, CHANNEL_LABELS[c]) for c in REQUEST_CHANNELS]


def outcome_choices():
    return [(o, OUTCOME_LABELS[o]) for o in VISIT_OUTCOMES]


class EquipmentForm(FlaskForm):
    customer_id = PickerField(_l("Customer"), kind="customer", coerce=int, validators=[InputRequired()])
    product_id = PickerField(_l("Catalog product"), kind="product", coerce=int,
                             description=_l("Empty when the model is not in the catalog."))
    model_name = StringField(_l("Model (when not from the catalog)"), validators=[Optional(), Length(max=200)])
    serial = StringField(_l("Serial number"), validators=[Optional(), Length(max=100)])
    purchase_date = DateField(_l("Purchase date"), validators=[Optional()])
    install_date = DateField(_l("Installation date"), validators=[Optional()])
    location = StringField(_l("Location / address"), validators=[Optional(), Length(max=300)])
    status = SelectField(_l("Status"), choices=select_choices(status_choices()), default="in_service")
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=10_000)])


class WarrantyForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=select_choices([("standard", _l("Standard warranty")), ("extended", _l("Extended warranty")),
                                                           ("contract", _l("Service contract"))]), default="extended")
    terms = SelectField(_l("Covers"), choices=select_choices([("both", _l("Parts and labour")), ("parts", _l("Parts only")),
                                                              ("labour", _l("Labour only"))]), default="both")
    start_date = DateField(_l("Start date"), validators=[InputRequired()])
    end_date = DateField(_l("End date (inclusive)"), validators=[Optional()])
    months = IntegerField(_l("…or length in months"), validators=[Optional(), NumberRange(1, 240)])
    visits_per_year = IntegerField(_l("Included maintenance visits a year"), default=0,
                                   validators=[Optional(), NumberRange(0, 12)])
    price = DecimalField(_l("Price"), places=2, validators=[Optional(), NumberRange(min=0)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=10_000)])


class RequestForm(FlaskForm):
    equipment_id = PickerField(_l("Equipment"), kind="equipment", coerce=int, validators=[InputRequired()],
                               description=_l("Type a serial number, model or customer name."))
    problem = TextAreaField(_l("Reported problem"), validators=[DataRequired(), Length(max=10_000)])
    problem_category = SelectField(_l("Kind of problem"), choices=select_choices(category_choices()), default="other")
    priority = SelectField(_l("Priority"), choices=select_choices(priority_choices()), default="normal")
    channel = SelectField(_l("Came in by"), choices=select_choices(channel_choices()), default="phone")
    reported_on = DateField(_l("Reported on"), validators=[Optional()])
    technician_id = SelectField(_l("Technician"), coerce=_optional_int, validate_choice=False)


class RequestEditForm(FlaskForm):
    technician_id = SelectField(_l("Technician"), coerce=_optional_int, validate_choice=False)
    priority = SelectField(_l("Priority"), choices=select_choices(priority_choices()))
    problem_category = SelectField(_l("Kind of problem"), choices=select_choices(category_choices()))
    diagnosis = TextAreaField(_l("Diagnosis"), validators=[Optional(), Length(max=10_000)])
    faulty_serial = StringField(_l("Faulty serial (swapped out)"), validators=[Optional(), Length(max=100)])
    replacement_serial = StringField(_l("Replacement serial (swapped in)"), validators=[Optional(), Length(max=100)])


class TransitionForm(FlaskForm):
    to = HiddenField(validators=[DataRequired()])


class LineForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=select_choices([("part", _l("Part")), ("labour", _l("Labour"))]))
    product_id = PickerField(_l("Catalog item"), kind="product", coerce=int)
    description = StringField(_l("Description"), validators=[Optional(), Length(max=300)])
    quantity = DecimalField(_l("Quantity"), places=2, default=1, validators=[InputRequired(), NumberRange(min=0.01)])
    unit_price = DecimalField(_l("Unit price (empty: catalog price)"), places=2,
                              validators=[Optional(), NumberRange(min=0)])


class OverrideForm(FlaskForm):
    decision = SelectField(_l("Decision"), choices=select_choices([("", _l("As computed")), ("covered", _l("Covered")),
                                                                   ("partly_covered", _l("Partly covered")),
                                                                   ("billable", _l("Billable"))]))
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)])


class PlanForm(FlaskForm):
    name = StringField(lazy_pgettext("thing", "Name"), validators=[DataRequired(), Length(max=200)])
    product_id = PickerField(_l("Product"), kind="product", coerce=int, params={"kind": "product"})
    interval_months = IntegerField(_l("Every (months)"), default=12, validators=[InputRequired(), NumberRange(1, 120)])
    checklist = TextAreaField(_l("Checklist (one item a line)"), validators=[Optional(), Length(max=10_000)])


class VisitForm(FlaskForm):
    due_date = DateField(_l("Date"), validators=[InputRequired()])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=10_000)])


class FinishVisitForm(FlaskForm):
    done_on = DateField(_l("Done on"), validators=[InputRequired()])
    outcome = SelectField(_l("Outcome"), choices=select_choices(outcome_choices()))
    technician_id = SelectField(_l("Technician"), coerce=_optional_int, validate_choice=False)
    notes = TextAreaField(_l("Checklist and notes"), validators=[Optional(), Length(max=10_000)])
