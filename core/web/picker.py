"""Type-ahead pickers: one component for choosing a customer, company, person, product,
user (and whatever plugins add through the ``lookups`` hook).

A form field is a :class:`PickerField`; it renders a hidden input holding the chosen id
(under the field's name, so views read ``form.customer_id.data`` as before) and a text
box with the ARIA combobox pattern that ``static/js/picker.js`` brings to life. The script
asks ``/lookup/<kind>?q=…`` for JSON; each kind's search applies the user's permission and
record rules, so a picker never offers what the user could not open. The server checks the
submitted id again (``ensure_visible`` and the services' own rules): the picker only helps.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, request, url_for
from flask_login import current_user
from markupsafe import Markup, escape
from wtforms import StringField

from core.db import parse_id
from core.security import login_required
from core.text import fold

bp = Blueprint("lookup", __name__, url_prefix="/lookup")

LOOKUP_LIMIT = 12
TERM_MAX = 200


def lookup_for(kind: str):
    """The enabled :class:`core.contrib.Lookup` named ``kind``, or ``None``."""
    registry = current_app.extensions["rapport"].plugins
    return next((lk for lk in registry.contributions("lookups") if lk.kind == kind), None)


@bp.get("/<kind>")
@login_required
def search(kind: str):
    """JSON ``{"results": [{id, label, detail, data}]}`` for the picker's type-ahead."""
    lookup = lookup_for(kind)
    if lookup is None:
        abort(404)
    if lookup.permission and not current_user.can(lookup.permission):
        abort(403)
    term = fold((request.args.get("q") or "")[:TERM_MAX])
    params = {k: v for k, v in request.args.items() if k != "q"}
    items = lookup.search(term, LOOKUP_LIMIT, params)
    response = jsonify({"results": [item.as_json() for item in items[:LOOKUP_LIMIT]]})
    response.headers["Cache-Control"] = "no-store"
    return response


class PickerWidget:
    """Hidden id + combobox text box + listbox (filled by picker.js)."""

    def __call__(self, field, **kwargs):
        kwargs.pop("list", None)
        cls = kwargs.pop("class_", kwargs.pop("class", "form-control"))
        cls = cls.replace("form-select", "form-control")
        value = field._value()
        label = field.display_label() if value != "" else ""
        if value != "" and not label:
            label = str(value)  # unknown or hidden id: show it, the view reports the error
        listbox = f"{field.id}-listbox"
        params = "".join(f' data-picker-{escape(k)}="{escape(v)}"' for k, v in field.picker_params.items())
        attrs = {
            "type": "text", "id": field.id, "class": cls + " picker-input", "value": label,
            "role": "combobox", "aria-autocomplete": "list", "aria-expanded": "false",
            "aria-controls": listbox, "autocomplete": "off", "spellcheck": "false",
            "data-picker-url": url_for("lookup.search", kind=field.kind),
            "data-picker-hidden": f"{field.id}-value", "placeholder": field.placeholder or "",
        }
        for key, val in kwargs.items():
            attrs[key.rstrip("_").replace("_", "-") if key.endswith("_") else key] = val
        html_attrs = " ".join(f'{escape(k)}="{escape(v)}"' for k, v in attrs.items() if v is not None
                              and v is not False and k != "autofocus") + (" autofocus" if kwargs.get("autofocus") else "")
        return Markup(
            f'<div class="picker"><input type="hidden" name="{escape(field.name)}" id="{escape(field.id)}-value" '
            f'value="{escape(value)}"><input {html_attrs}{params}>'
            f'<ul class="picker-list list-group shadow-sm" id="{escape(listbox)}" role="listbox" hidden></ul></div>'
        )


class PickerField(StringField):
    """A type-ahead choice of one record of ``kind``; ``data`` is the id as a string.

    ``params`` are sent with every search (``{"kind": "company"}`` restricts customers to
    companies). The current value is shown by the lookup's ``label(id)``.
    """

    widget = PickerWidget()

    def __init__(self, label=None, validators=None, *, kind: str, params: dict | None = None,
                 placeholder=None, coerce=str, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.kind = kind
        self.picker_params = dict(params or {})
        self.placeholder = placeholder
        self.coerce = coerce

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        text = (self.data or "").strip()
        if self.coerce is int:
            # An id, or nothing; anything else was not chosen from the list.
            self.data = parse_id(text)  # ASCII digits, 1..2**31-1 ("²" and huge ids are no choice)
            if text and self.data is None:
                raise ValueError(self.gettext("Not a valid choice."))
        else:
            self.data = text

    def process_data(self, value):
        if self.coerce is int:
            self.data = value if isinstance(value, int) else None
        else:
            self.data = "" if value is None else str(value)

    def _value(self):
        return "" if self.data is None else str(self.data)

    def display_label(self) -> str:
        value = self._value().strip()
        if parse_id(value) is None:
            return value
        lookup = lookup_for(self.kind)
        item = lookup.label(parse_id(value)) if lookup else None
        return item.label if item else ""
