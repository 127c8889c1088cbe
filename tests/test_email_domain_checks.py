"""email-validator checks each domain once (remembered), with exactly the same results.

The customer form, the API and imports all go through ``normalise_email``; remembering the
domain's check must neither accept an address the library refuses nor change a result.
"""
from __future__ import annotations

import pytest


ADDRESSES = ["Eleni@Example.GR", "ruta@example.gr", "dovid@ΠΑΡΆΔΕΙΓΜΑ.δοκιμή", "ali@bücher.example",
             "x@localhost", "a@-bad-.com", "b@exa_mple.com", "c@example..com", "d@" + "a" * 64 + ".com",
             "e@example.gr.", "f@[127.0.0.1]", "g@EXAMPLE.gr"]


def _outcome(address):
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        return f"error: {exc}"


def test_remembered_domain_checks_give_the_library_s_own_results(app):
    import importlib

    import core.customers.service  # noqa: F401  (wraps the check when imported)

    module = importlib.import_module("email_validator.validate_email")

    remembered = module.validate_email_domain_name
    assert hasattr(remembered, "cache_info")
    with app.app_context():
        first = [_outcome(a) for a in ADDRESSES]
        again = [_outcome(a) for a in ADDRESSES]  # now from the remembered domains
    module.validate_email_domain_name = remembered.__wrapped__
    try:
        plain = [_outcome(a) for a in ADDRESSES]
    finally:
        module.validate_email_domain_name = remembered
    assert first == again == plain
    assert plain[0] == "Eleni@example.gr" and plain[5].startswith("error:") and plain[6].startswith("error:")
    assert remembered.cache_info().hits >= 5


@pytest.mark.parametrize("value,ok", [("giorgos@example.gr", True), ("not-an-email", False),
                                      ("a@-bad-.com", False), ("a@-bad-.com", False)])
def test_the_customer_rule_still_refuses_bad_domains_every_time(app, value, ok):
    from core.customers.service import normalise_email

    with app.test_request_context():
        if ok:
            assert normalise_email(value) == value
        else:
            with pytest.raises(ValueError, match="not a valid email address"):
                normalise_email(value)
