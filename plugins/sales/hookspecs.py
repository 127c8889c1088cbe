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
    """A quotation was confirmed as an order.

    ``order`` is a dict::

        {
          "id": 42,                        # sales_order.id
          "number": "S0000042",
          "customer_id": 7,                # core_customer.id
          "owner_id": 3,                   # salesperson (core_user.id) or None
          "opportunity_id": 12,            # or None
          "state": "confirmed",
          "confirmed_at": "2026-03-01T10:15:00",   # naive UTC, ISO 8601
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
    """A confirmed order was cancelled (cancelling a draft or sent quotation announces nothing).

    ``order`` has the same keys as in :func:`sales_order_confirmed`, with
    ``"state": "cancelled"`` and ``"cancelled_at"`` set; ``confirmed_at`` still
    says when it had been confirmed, so listeners can undo what they derived.
    """
