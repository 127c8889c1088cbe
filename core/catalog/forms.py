"""Catalog forms.

The form only collects what the user typed (price and warranty as text); the rules
live in :func:`core.catalog.service.validate_product_data`, shared with the API,
and its messages are attached to the fields here.
"""
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField

from core.catalog.models import PRODUCT, SERVICE
from core.catalog.service import LIMITS, MAX_WARRANTY_MONTHS
from core.l10n.fields import DecimalField


class Required:
    """Marks a field as required for the field macro's asterisk without checking anything:
    the service reports a missing value in the same words as for the API."""

    field_flags = {"required": True}

    def __call__(self, form, field):
        return None


class ProductForm(FlaskForm):
    sku = StringField(_l("SKU"), validators=[Required()], render_kw={"maxlength": LIMITS["sku"], "dir": "ltr", "autocomplete": "off"},
                      description=_l("Letters, digits, dot, dash, underscore or slash; saved in capitals."))
    name = StringField(lazy_pgettext("thing", "Name"), validators=[Required()], render_kw={"maxlength": LIMITS["name"]})
    description = TextAreaField(_l("Description"), render_kw={"rows": 4, "maxlength": LIMITS["description"]})
    kind = SelectField(_l("Kind"), choices=[SelectChoice(PRODUCT, _l("Product")), SelectChoice(SERVICE, _l("Service"))], default=PRODUCT)
    unit_price = DecimalField(_l("Unit price"), validators=[Required()], default=Decimal("0"), places=2,
                              render_kw={"maxlength": 20})
    unit_cost = DecimalField(_l("Unit cost"), places=2, render_kw={"maxlength": 20},
                             description=_l("What one unit costs you; empty if unknown. Used for margins."))
    currency = StringField(_l("Currency"), validators=[Required()], render_kw={"maxlength": 3, "dir": "ltr", "size": 3},
                           description=_l("ISO 4217 code, e.g. EUR."))
    warranty_months = StringField(_l("Default warranty (months)"), default="0",
                                  render_kw={"inputmode": "numeric", "dir": "ltr", "maxlength": 4},
                                  description=_l("0 to %(n)d.", n=MAX_WARRANTY_MONTHS))
    tax_rate = DecimalField(_l("Tax rate (%)"), render_kw={"maxlength": 6},
                            description=_l("Empty: the business's default rate."))
    active = BooleanField(_l("Active (offered for sale)"), default=True)

    def data_for_service(self) -> dict:
        return {name: getattr(self, name).data for name in
                ("sku", "name", "description", "kind", "unit_price", "unit_cost", "currency", "warranty_months",
                 "tax_rate", "active")}

    def add_errors(self, errors: dict[str, list[str]]) -> None:
        for name, messages in errors.items():
            field = getattr(self, name, None)
            if field is None:
                self.form_errors.extend(messages)
            else:
                field.errors = list(field.errors) + list(messages)
