"""Messages of the libraries we validate with — marshmallow (the API) and email-validator
(email addresses) — in the reader's language.

Neither library ships translations. Each English message they produce is matched here
against its template and replaced by our own translated text, with the template's
values (``{min}``, ``{max}``, ``{choices}``) carried over; a message we do not know is
kept as the library wrote it. The API's parser (core.api.base.JsonParser) applies
:func:`translate_validation_messages` to every 422 it answers; the customer and user
services explain a refused email address with :func:`email_reason`.
"""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

# marshmallow's English (after formatting) → our msgid; {name} parts are carried over.
MARSHMALLOW = [
    ("Missing data for required field.", _l("This field is required.")),
    ("Field may not be null.", _l("This field cannot be empty (null).")),
    ("Unknown field.", _l("Unknown field.")),
    ("Invalid input type.", _l("Wrong type of value.")),
    ("Invalid type.", _l("Wrong type of value.")),
    ("Invalid value.", _l("Not an acceptable value.")),
    ("Invalid input.", _l("Not an acceptable value.")),
    ("Not a valid integer.", _l("Not a whole number.")),
    ("Not a valid number.", _l("Not a number.")),
    ("Number too large.", _l("The number is too large.")),
    ("Special numeric values (nan or infinity) are not permitted.", _l("Not a number.")),
    ("Not a valid string.", _l("Not a text.")),
    ("Not a valid boolean.", _l("Not true or false.")),
    ("Not a valid date.", _l("Not a date (use YYYY-MM-DD).")),
    ("Not a valid datetime.", _l("Not a date and time (use ISO 8601, e.g. 2026-03-05T14:30:00+02:00).")),
    ("Not a valid aware datetime.", _l("Give the date and time with its time zone (e.g. 2026-03-05T14:30:00+02:00).")),
    ("Not a valid naive datetime.", _l("Give the date and time without a time zone.")),
    ("Not a valid list.", _l("Not a list.")),
    ("Not a valid mapping type.", _l("Not an object.")),
    ("Not a valid email address.", _l("Not a valid email address.")),
    ("Not a valid URL.", _l("Not a valid web address (URL).")),
    ("Not a valid UUID.", _l("Not a valid UUID.")),
    ("String does not match expected pattern.", _l("Not in the expected form.")),
    ("Length must be between {min} and {max}.", _l("Between %(min)s and %(max)s characters or items.")),
    ("Length must be {equal}.", _l("Exactly %(equal)s characters or items.")),
    ("Longer than maximum length {max}.", _l("At most %(max)s characters or items.")),
    ("Shorter than minimum length {min}.", _l("At least %(min)s characters or items.")),
    ("Must be one of: {choices}.", _l("Must be one of: %(choices)s.")),
    ("Must be greater than or equal to {min} and less than or equal to {max}.", _l("From %(min)s to %(max)s.")),
    ("Must be greater than {min} and less than {max}.", _l("Above %(min)s and below %(max)s.")),
    ("Must be greater than or equal to {min}.", _l("At least %(min)s.")),
    ("Must be greater than {min}.", _l("Above %(min)s.")),
    ("Must be less than or equal to {max}.", _l("At most %(max)s.")),
    ("Must be less than {max}.", _l("Below %(max)s.")),
]

# email-validator's reasons (searched in its message) → our sentence.
EMAIL = [
    (r"must have an @-sign|at-sign", _l("It needs one @ sign.")),
    (r"something before the @-sign", _l("Something must come before the @ sign.")),
    (r"should have a period|not within a valid top-level domain", _l("The part after the @ needs a domain such as example.com.")),
    (r"special-use or reserved name", _l("The part after the @ is a reserved name that cannot receive email.")),
    (r"too long", _l("It is too long.")),
    (r"two periods in a row|period and a hyphen|cannot (start|end) with a (period|hyphen)",
     _l("Periods and hyphens cannot start, end or follow each other.")),
    (r"invalid characters?|unsafe characters|not supported", _l("It contains characters an email address cannot have.")),
    (r"after the email address|angle bracket|display name", _l("Give the address alone, without a name or brackets.")),
]


def _pattern(template: str) -> re.Pattern:
    parts = re.split(r"\{(\w+)\}", template)
    regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
    return re.compile("^" + regex + "$", re.S)


_COMPILED = [(_pattern(english), msgid) for english, msgid in MARSHMALLOW]
_EMAIL = [(re.compile(pattern, re.I), msgid) for pattern, msgid in EMAIL]


def translate_message(message):
    """One marshmallow message in the reader's language (unchanged when unknown)."""
    if not isinstance(message, str):
        return message
    for pattern, msgid in _COMPILED:
        found = pattern.match(message)
        if found:
            return str(msgid) % found.groupdict() if found.groupdict() else str(msgid)
    return message


def translate_validation_messages(messages):
    """marshmallow's ``ValidationError.messages`` (nested dicts and lists) translated."""
    if isinstance(messages, dict):
        return {key: translate_validation_messages(value) for key, value in messages.items()}
    if isinstance(messages, list):
        return [translate_validation_messages(m) for m in messages]
    return translate_message(messages)


def email_reason(error: Exception) -> str:
    """Why email-validator refused an address, in the reader's language."""
    text = str(error)
    for pattern, msgid in _EMAIL:
        if pattern.search(text):
            return str(msgid)
    return str(_l("It is not in the form name@example.com."))
