"""Hooks the complaints plugin defines. Other plugins implement them with
``@hookimpl(optionalhook=True)`` and never import ``plugins.complaints``.

``complaint_subjects`` and ``complaint_survey`` are asked while complaints works;
``complaint_opened`` and ``complaint_closed`` are durable events (written with the
change, delivered after the commit, retried until the listener succeeds; ``event_id``
is the same on every try). Payloads are plain data (see :func:`complaint_opened`).
"""
from core.hooks import hookspec


@hookspec
def complaint_subjects(customer, ref):
    """What a complaint of ``customer`` (a ``core.customers.models.Customer``) may be about.

    ``ref`` is None when the list is wanted (the form's *About* list): return plain dicts,
    newest first, at most 50. When ``ref`` names one record (a complaint about an order older
    than those 50, a portal page's *Complain about this*), return ``[that subject]`` if it is
    one of yours, this customer's and open to complaint, else ``[]``: one indexed look-up,
    not the list. (An implementation without the ``ref`` argument is still called; its list
    is then searched for ``ref``.) Each dict::

        {"ref": "sales.order:order_id=42",  # "<endpoint>:<argument>=<id>" of the record's page
         "label": "Order S0000042",        # shown, and kept on the complaint as it was then
         "detail": "2026-03-01 · 2,086.57 EUR",   # what tells two apart (optional)
         "group": "Orders",                # heading in the form's list (optional)
         "product_id": 5}                  # core_product.id the complaint then counts for (optional)

    Offer only what the current user may see. Complaints keeps ``ref`` and ``label``, so
    a complaint still names its order when the sales plugin is disabled later; it links to
    ``url_for(endpoint, argument=id)`` through ``record_url`` (no link while disabled).
    """


@hookspec
def complaint_survey(complaint):
    """A complaint was closed: send the customer a satisfaction survey of your own?

    ``complaint`` is the payload of :func:`complaint_closed`. Return True when you took
    it (marketing sends its survey, and later stores the answer with
    ``POST /api/v1/complaints/<id>/rating``); when no plugin returns True, complaints
    sends its own 1–5 rating link. Called inside the closing transaction: queue, do not send.
    """


@hookspec
def complaint_opened(complaint, event_id):
    """A complaint was opened (by staff, the API, inbound mail or the portal).

    ``complaint`` is a dict::

        {"id": 42, "reference": "C-000042", "customer_id": 7, "title": "…", "state": "new",
         "channel": "email",             # staff / phone / email / api / portal
         "category_id": 3, "severity_id": 2, "team_id": None, "assignee_id": None,
         "about_ref": "sales.order:order_id=42",  # or None
         "product_id": 5,                # or None
         "created_at": "2026-11-27T09:15:00", "closed_at": None}   # naive UTC, ISO 8601
    """


@hookspec
def complaint_closed(complaint, event_id):
    """A resolved complaint was closed; ``complaint`` as in :func:`complaint_opened`, with
    ``"state": "closed"`` and ``closed_at`` set. A reopened complaint may be closed again."""
