"""Events the sales plugin announces. Listeners use ``@hookimpl(optionalhook=True)``,
so they load whether or not sales is installed, and never import ``plugins.sales``.

Both events are durable: written with the state change and delivered after the
database commit, once per state change, with plain data only (JSON-serialisable:
ids, strings, ISO dates; amounts as decimal strings — turn them back into
``Decimal``, never ``float``). A listener that raises is logged and retried later
by a worker; the order stays confirmed/cancelled and the other listeners run.
``event_id`` identifies the event (the same on every retry).
"""
from core.hooks import hookspec


@hookspec
def sales_order_confirmed(order, event_id):
    """A quotation was confirmed as an order (once per order; confirming again is refused).

    ``order`` is a dict::

        {
          "id": 42,                        # sales_order.id
          "number": "S0000042",
          "customer_id": 7,                # core_customer.id
          "owner_id": 3,                   # salesperson (core_user.id) or None
          "opportunity_id": 12,            # or None
          "state": "confirmed",
          "confirmed_at": "2026-03-01T10:15:00+00:00",   # ISO 8601 with its offset (UTC)
          "confirmation_date": "2026-03-01",       # the date part, for warranties etc.
          "cancelled_at": None,
          "currency": "EUR",
          "subtotal": "1698.20", "tax_total": "388.37", "total": "2086.57",
          "lines": [
            {
              "line_id": 90,
              "product_id": 5,             # core_product.id, None for a free-text line
              "sku": "LAP-1",              # "" for a free-text line
              "kind": "product",           # "product" or "service" (from the catalog)
              "description": "Laptop",
              "quantity": "2.000",         # decimal string, 3 places
              "unit_price": "899.00",
              "discount_percent": "10.00",
              "tax_rate": "24.00",
              "line_total": "1618.20",     # net of discount, before tax, rounded half-up
              "tax_amount": "388.37",
              "warranty_months": 24,       # the product's default warranty when ordered
            },
          ],
        }
    """


@hookspec
def sales_order_cancelled(order, event_id):
    """A confirmed order was cancelled.

    Cancelling a draft or sent quotation announces nothing (nothing was announced for
    it either). ``order`` has exactly the keys of :func:`sales_order_confirmed`, lines
    included, with ``"state": "cancelled"`` and ``"cancelled_at"`` set (ISO with
    offset); ``confirmed_at`` and ``confirmation_date`` still say when it had been
    confirmed, so listeners can undo what they derived from it.
    """


# ---------------------------------------------------------------------------
# Query hooks: other plugins read sales' facts through ``core.query(...)``
# ---------------------------------------------------------------------------
#
# Each returns a SQLAlchemy ``Select`` (not rows): the caller filters, aggregates or
# streams it in SQL (``stmt.subquery()``, ``execution_options(yield_per=...)``), so
# it stays fast over millions of lines. Columns are part of the contract: new ones
# may be added, none is renamed or removed. Rows are *not* filtered by record rules:
# check your own permissions before showing them to a user.


@hookspec(firstresult=True)
def sales_order_lines():
    """Every line of every *confirmed* order (cancelled orders and quotations excluded).

    Columns:

    ======================  ==========================================================
    ``line_id``             ``sales_order_line.id``
    ``order_id``            ``sales_order.id``
    ``order_number``        ``"S0000042"``
    ``customer_id``         ``core_customer.id``
    ``owner_id``            the salesperson (``core_user.id``) or NULL
    ``confirmed_at``        naive UTC datetime of the confirmation
    ``order_date``          its date (``date``)
    ``product_id``          ``core_product.id``, NULL for a free-text line
    ``sku``, ``kind``       the product's SKU (``""`` for free text) and ``"product"``/``"service"``
    ``description``         the line's text
    ``quantity``            ``Decimal`` (3 places)
    ``unit_price``          ``Decimal``, before discount
    ``discount_percent``    ``Decimal``
    ``net_amount``          ``Decimal``: quantity × price − discount, before tax
    ``tax_amount``          ``Decimal``
    ``unit_cost``           ``Decimal`` cost of one unit when the line was saved, or NULL
    ``cost``                ``quantity × unit_cost`` (2 places), NULL when unknown
    ``currency``            ISO 4217 code of the order
    ======================  ==========================================================

    Example (revenue per customer in SQL)::

        lines = core.query("sales_order_lines")
        if lines is not None:
            sub = lines.subquery()
            stmt = sa.select(sub.c.customer_id, sa.func.sum(sub.c.net_amount)).group_by(sub.c.customer_id)
    """


@hookspec(firstresult=True)
def sales_orders():
    """Every *confirmed* order, one row each.

    Columns: ``order_id``, ``order_number``, ``customer_id``, ``owner_id``,
    ``opportunity_id``, ``confirmed_at`` (naive UTC), ``order_date``, ``currency``,
    ``subtotal``, ``tax_total``, ``total`` (``Decimal``).
    """


# ---------------------------------------------------------------------------
# Contribution hooks sales asks other plugins for
# ---------------------------------------------------------------------------


@hookspec
def sales_performance_links(period_key, user):
    """Links shown on sales' performance page, beside the salespeople's figures.

    ``period_key`` is the period the page shows (``"2026-03"`` or ``"2026-Q1"``), so a link
    can open the same period in your page; ``user`` is the signed-in user (offer a link only
    if they may open it). Return a list of plain dicts::

        {"label": _l("Retention per salesperson"), "url": url_for("analytics.retention", period=period_key),
         "weight": 10}

    Called for enabled plugins only; a disabled plugin's links disappear.
    """
