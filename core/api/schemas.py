"""marshmallow schemas of the API: what goes in, what comes out, and the OpenAPI document.

The input schemas check *types and shape* (a string where a string belongs, a list
of objects, sizes); the business rules (valid email, E.164 phone, existing company,
unique SKU, ...) are the services' (``core.customers.service``,
``core.catalog.service``, ``core.history.service``), shared with the web forms.
Both kinds of failure come back as the same 422 shape.
"""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from core.api.base import PageArgs
from core.api.fields import Choice, Date, Id, Money, Percent, Text, UtcDateTime, page_of
from core.catalog.service import LIMITS as PRODUCT_LIMITS
from core.catalog.service import KINDS, MAX_WARRANTY_MONTHS
from core.customers.models import (
    CHANNELS_PREFERRED,
    COMPANY,
    GENDERS,
    INCOME_BANDS,
    NEED_SOURCES,
    PAYMENT_METHODS,
    PERSON,
)
from core.customers.service import LIMITS as CUSTOMER_LIMITS
from core.history.models import CHANNELS, DIRECTIONS
from core.history.service import BODY_MAX, SUBJECT_MAX


def _choice(values, **kw):
    return Choice(values, **kw)


def _text(n, **kw):
    return Text(max_length=n, **kw)


# -- customers ------------------------------------------------------------------------


class AddressSchema(ma.Schema):
    label = _text(40, load_default="")
    street = _text(200, load_default="")
    city = _text(100, load_default="")
    postcode = _text(20, load_default="")
    region = _text(100, load_default="")
    country = _text(2, load_default="", metadata={"description": "ISO 3166-1 alpha-2, e.g. GR"})


class NeedSchema(ma.Schema):
    description = Text(required=True, min_length=1, max_length=CUSTOMER_LIMITS["need"])
    priority = fields.Integer(strict=True, load_default=2, validate=validate.OneOf((1, 2, 3)),
                              metadata={"description": "1 high, 2 normal, 3 low"})
    source = _choice(NEED_SOURCES, load_default="interview")


class ConsentsSchema(ma.Schema):
    email = fields.Boolean()
    sms = fields.Boolean()


class CustomerInputSchema(ma.Schema):
    """A customer to create (``name`` required) or, with ``partial=True``, the fields to change."""

    kind = _choice((PERSON, COMPANY), metadata={"description": "person (default) or company"})
    name = Text(required=True, min_length=1, max_length=CUSTOMER_LIMITS["name"])
    company_id = Id(allow_none=True, metadata={"description": "id of a company customer"})
    owner_id = Id(allow_none=True, metadata={"description": "id of a staff user"})
    preferred_language = _text(10, allow_none=True)
    preferred_channel = _choice(CHANNELS_PREFERRED, allow_none=True)
    gender = _choice(GENDERS, allow_none=True)
    birth_date = Date(allow_none=True)
    income_band = _choice(INCOME_BANDS, allow_none=True)
    payment_method = _choice(PAYMENT_METHODS, allow_none=True)
    purchase_purpose = _text(CUSTOMER_LIMITS["purchase_purpose"], allow_none=True)
    notes = _text(CUSTOMER_LIMITS["notes"], allow_none=True)
    emails = fields.List(Text(max_length=254), validate=validate.Length(max=20))
    phones = fields.List(Text(max_length=40), validate=validate.Length(max=20),
                         metadata={"description": "any format; stored as E.164"})
    tags = fields.List(Text(max_length=CUSTOMER_LIMITS["tag"]),
                       validate=validate.Length(max=50))
    addresses = fields.List(fields.Nested(AddressSchema), validate=validate.Length(max=20))
    needs = fields.List(fields.Nested(NeedSchema), validate=validate.Length(max=50))
    consents = fields.Nested(ConsentsSchema, metadata={"description": "marketing consent per channel"})


class CustomerPatchSchema(CustomerInputSchema):
    """The fields to change (used with ``partial=True``; lists are replaced as a whole)."""


class AddressOutSchema(AddressSchema):
    pass


class NeedOutSchema(ma.Schema):
    description = fields.String()
    priority = fields.Integer()
    source = fields.String()
    created_at = UtcDateTime()


class CustomerSchema(ma.Schema):
    id = fields.Integer()
    kind = fields.String()
    name = fields.String()
    company_id = fields.Integer(allow_none=True)
    company_name = fields.String(allow_none=True)
    owner_id = fields.Integer(allow_none=True)
    preferred_language = fields.String(allow_none=True)
    preferred_channel = fields.String(allow_none=True)
    gender = fields.String(allow_none=True)
    birth_date = fields.Date(allow_none=True)
    income_band = fields.String(allow_none=True)
    payment_method = fields.String(allow_none=True)
    purchase_purpose = fields.String(allow_none=True)
    notes = fields.String()
    emails = fields.List(fields.String())
    phones = fields.List(fields.String(), metadata={"description": "E.164"})
    tags = fields.List(fields.String())
    addresses = fields.List(fields.Nested(AddressOutSchema))
    needs = fields.List(fields.Nested(NeedOutSchema))
    consents = fields.Dict(keys=fields.String(), values=fields.Boolean(),
                           metadata={"description": "channel → granted (only channels ever asked)"})
    consents_changed_at = fields.Dict(keys=fields.String(), values=UtcDateTime(),
                                      metadata={"description": "channel → when consent was given or withdrawn"})
    created_at = UtcDateTime()
    updated_at = UtcDateTime()
    erased_at = UtcDateTime(allow_none=True, metadata={"description": "when the person's data were erased"})


class ErasureInputSchema(ma.Schema):
    confirm = fields.Boolean(required=True, validate=validate.Equal(True),
                             metadata={"description": "must be true: erasure cannot be undone"})


class CustomerListArgs(PageArgs):
    q = Text(load_default="", max_length=200,
                      metadata={"description": "Search name, emails, phones, company; case and accents ignored."})


CustomerPageSchema = page_of(CustomerSchema)


# -- interactions ------------------------------------------------------------------------


class InteractionInputSchema(ma.Schema):
    channel = _choice(CHANNELS, required=True)
    direction = _choice(DIRECTIONS, allow_none=True)
    subject = _text(SUBJECT_MAX, load_default="")
    body = _text(BODY_MAX, load_default="")
    occurred_at = UtcDateTime(allow_none=True,
                                       metadata={"description": "ISO 8601 with offset; default now"})


class InteractionSchema(ma.Schema):
    id = fields.Integer()
    customer_id = fields.Integer()
    kind = fields.String(metadata={"description": "'interaction' or a plugin event such as sales.order_confirmed"})
    source = fields.String()
    channel = fields.String()
    direction = fields.String(allow_none=True)
    occurred_at = UtcDateTime()
    user_id = fields.Integer(allow_none=True)
    subject = fields.String()
    body = fields.String()
    data = fields.Dict(allow_none=True)


class InteractionListArgs(PageArgs):
    channel = _choice(CHANNELS, load_default=None)


InteractionPageSchema = page_of(InteractionSchema)


# -- products ----------------------------------------------------------------------------


class ProductInputSchema(ma.Schema):
    sku = Text(required=True, min_length=1, max_length=PRODUCT_LIMITS["sku"],
                        metadata={"description": "unique; letters, digits and . _ / -; stored in capitals"})
    name = Text(required=True, min_length=1, max_length=PRODUCT_LIMITS["name"])
    description = _text(PRODUCT_LIMITS["description"])
    kind = _choice(KINDS)
    unit_price = fields.Decimal(as_string=True, required=True, metadata={
        "type": "string", "format": "decimal", "example": "12.50",
        "description": "a decimal string (a JSON number is accepted too), >= 0, at most 2 decimals"})
    unit_cost = Money(allow_none=True, metadata={"description": "what one unit costs you (margins); null if unknown"})
    currency = Text(validate=validate.Length(equal=3), metadata={"description": "ISO 4217; default EUR"})
    active = fields.Boolean()
    warranty_months = fields.Integer(strict=True, validate=validate.Range(0, MAX_WARRANTY_MONTHS))
    tax_rate = Percent(allow_none=True, metadata={
        "example": "24", "description": "percent, 0 to 100, at most 2 decimals; null: the business's default rate"})


class ProductPatchSchema(ProductInputSchema):
    """The fields to change (used with ``partial=True``); ``{"active": false}`` deactivates."""


class ProductSchema(ma.Schema):
    id = fields.Integer()
    sku = fields.String()
    name = fields.String()
    description = fields.String()
    kind = fields.String()
    unit_price = Money(metadata={"example": "12.50"})
    unit_cost = Money(allow_none=True)
    currency = fields.String()
    active = fields.Boolean()
    warranty_months = fields.Integer()
    tax_rate = Percent(allow_none=True)
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


class ProductListArgs(PageArgs):
    q = Text(load_default="", max_length=200,
                      metadata={"description": "Search name or SKU; case and accents ignored."})
    kind = _choice(KINDS, load_default=None)
    active = fields.Boolean(load_default=None, metadata={"description": "true or false; both when absent"})


ProductPageSchema = page_of(ProductSchema)
