"""State words read in the gender and form of the record they describe.

"Closed" is one English word, but Greek says ``κλειστό`` of a service request and
``κλειστός`` of a portal account, Hebrew ``סגורה`` and ``סגור``. All catalogs share one
gettext domain, so a word without a context gets one translation for every record kind:
each state label is a ``pgettext`` with the record kind as its context. The expected
words are written here by hand, not read from the catalogs, so a label that loses its
context (and falls back on another kind's word) fails.
"""
from __future__ import annotations

import pytest

from tests.test_i18n import LANGS, PACKAGES, _ids, _strings

PLUGINS = ("complaints", "marketing", "sales", "service")

# (package, context) -> the state words that carry it.
CONTEXTS = {
    ("core", "job"): ("Queued", "Running", "Done", "Failed", "Cancelled"),
    ("core", "message"): ("Queued", "Sending", "Sent", "Failed", "Bounced", "Unknown"),
    ("core", "import"): ("Running", "Done", "Failed"),
    ("core", "portal account"): ("Active", "Closed", "active", "closed"),
    ("complaints", "complaint"): ("New", "Acknowledged", "Investigating", "Resolved", "Closed", "closed"),
    ("marketing", "campaign"): ("Draft", "Scheduled", "Sending", "A/B test running", "Paused", "Finished",
                                "Cancelled"),
    ("marketing", "recipient"): ("Queued", "Skipped", "Waiting"),
    ("sales", "order state"): ("draft", "sent", "confirmed", "cancelled"),
    ("sales", "opportunity status"): ("Open", "Won", "Lost"),
    ("service", "service request"): ("new", "diagnosed", "in repair", "done", "closed", "cancelled"),
    ("service", "warranty"): ("active",),
}


def _labels():
    """Every state label function, by (record kind, state code)."""
    from core.jobs.views import STATUS_LABELS as JOBS
    from core.messaging.forms import STATUS_LABELS as MESSAGES
    from core.portal.directory import STATUSES as ACCOUNTS
    from core.transfer.views import STATE_LABELS as IMPORTS
    from plugins.complaints.labels import state_label as complaint
    from plugins.marketing.campaigns import state_label as campaign
    from plugins.service.service import status_label as request

    return {"job": lambda s: str(JOBS[s]), "message": lambda s: str(MESSAGES[s]),
            "import": lambda s: str(IMPORTS[s]), "account": lambda s: str(ACCOUNTS[s]),
            "complaint": complaint, "campaign": campaign, "request": request}


# What a reader sees, per language: (record kind, state) -> word. Chosen where the
# languages differ by gender or form, so each pair below would clash without contexts.
EXPECTED = {
    "el": {("request", "closed"): "κλειστό", ("account", "closed"): "Κλειστός", ("complaint", "closed"): "Κλειστό",
           ("account", "active"): "Ενεργός", ("campaign", "draft"): "Πρόχειρη", ("job", "done"): "Ολοκληρώθηκε",
           ("request", "new"): "νέο"},
    "lt": {("request", "closed"): "uždaryta", ("complaint", "closed"): "Uždarytas", ("import", "done"): "Baigtas",
           ("job", "done"): "Atlikta", ("import", "running"): "Vykdomas", ("job", "running"): "Vykdoma",
           ("account", "active"): "Aktyvi"},
    "fa": {("request", "closed"): "بسته", ("job", "cancelled"): "لغوشده", ("campaign", "paused"): "موقتاً متوقف",
           ("message", "sent"): "ارسال‌شده"},
    "he": {("request", "closed"): "סגורה", ("account", "closed"): "סגור", ("complaint", "closed"): "סגורה",
           ("campaign", "cancelled"): "בוטל", ("job", "cancelled"): "בוטלה", ("campaign", "scheduled"): "מתוזמן",
           ("job", "done"): "הושלמה", ("import", "done"): "הושלם", ("message", "sent"): "נשלחה",
           ("message", "failed"): "נכשלה", ("import", "failed"): "נכשל", ("request", "new"): "חדשה"},
}


@pytest.mark.parametrize("package, context", sorted(CONTEXTS))
def test_state_words_carry_their_record_kind_in_every_catalog(package, context):
    """The catalogs hold each state word under its record kind's context, translated."""
    from babel.messages.pofile import read_po

    for lang in LANGS:
        path = PACKAGES[package] / "translations" / lang / "LC_MESSAGES" / "messages.po"
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        found = {_ids(m)[0]: m for m in catalog if m.context == context}
        for word in CONTEXTS[(package, context)]:
            assert word in found, f"{package}/{lang}: no {word!r} with context {context!r}"
            assert all(_strings(found[word])) and not found[word].fuzzy, f"{package}/{lang}: {word!r}"


@pytest.mark.plugins(*PLUGINS)
@pytest.mark.parametrize("lang", LANGS)
def test_state_labels_agree_with_the_record_they_describe(app, lang):
    from flask_babel import force_locale

    labels = _labels()
    with app.test_request_context(), force_locale(lang):
        shown = {key: labels[key[0]](key[1]) for key in EXPECTED[lang]}
    assert shown == EXPECTED[lang]


@pytest.mark.plugins("complaints")
def test_a_customer_reads_the_complaint_steps_as_the_complaints_states(app):
    """The portal's progress steps once used the statistics' column words (Greek
    ``Επιλύθηκαν``, "were resolved", Hebrew ``טופלו``) and the badge the
    portal account's ``closed`` (Greek ``κλειστός``, Hebrew ``סגור``)."""
    from core.testing import portal_account, portal_login
    from plugins.complaints.tests.test_complaints_formats import _resolved_complaint

    for language, resolved, closed, wrong in (("el", "Επιλύθηκε", "κλειστό", "Επιλύθηκαν"),
                                              ("he", "טופלה", "סגורה", "טופלו")):
        customer_id, complaint_id = _resolved_complaint(app, language)
        client = app.test_client()
        assert portal_login(client, portal_account(app, customer_id)).status_code == 302
        page = client.get(f"/portal/complaints/{complaint_id}").get_data(as_text=True)
        steps = page.split('class="complaint-steps', 1)[1].split("</ol>", 1)[0]
        assert resolved in steps and wrong not in steps, language
        assert f">{closed}</span>" in page, language
