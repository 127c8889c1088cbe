"""Hooks the analytics plugin defines. Other plugins implement them with
``@hookimpl(optionalhook=True)`` (so they load whether or not analytics is installed)
and never import ``plugins.analytics``: what they return is plain data and SQL.

Documented with an example in docs/hooks.md ("Plugin-declared contribution hooks").
"""
from core.hooks import hookspec


@hookspec
def analytics_customer_costs():
    """Costs your plugin's records put on customers, which analytics subtracts from what they
    bought to rank the most profitable customers (service: repairs not billed; complaints:
    compensation paid).

    Return a list of plain dicts, one per kind of cost::

        {
          "key": "service.unbilled_repairs",     # "<plugin>.<what>", unique
          "label": _l("Repairs not billed"),     # shown on the profit page (lazy_gettext)
          "query": select(...),                  # a SQLAlchemy Select, see below
        }

    ``query`` has exactly these columns, one row per cost (analytics sums them in SQL, so
    return a ``Select``, never rows):

    ============  ==================================================================
    ``customer_id``  ``core_customer.id``
    ``day``          the ``date`` the cost was incurred (costs after the snapshot date are left out)
    ``amount``       ``Decimal``, positive: what it cost the business
    ``currency``     ISO 4217 code (only the business's currency is counted)
    ============  ==================================================================

    Called by analytics' recomputation job for enabled plugins only: a disabled plugin's
    costs are simply not subtracted, and the profit page says which costs were counted.
    """


@hookspec(firstresult=True)
def analytics_open_quotations():
    """Products on customers' open quotations, so the "Today" dashboard card can suggest the
    best product to add to each (sales implements it; analytics reads it with
    ``core.query("analytics_open_quotations")``).

    Return a SQLAlchemy ``Select`` (never rows: analytics joins it with its cross-sell rules
    in SQL), one row per catalog product on a quotation that is still open, with exactly:

    ================  ==================================================================
    ``quotation_id``  the quotation's id in your plugin
    ``number``        what staff call it (``"Q0000012"``), shown in the suggestion's reason
    ``customer_id``   ``core_customer.id``
    ``owner_id``      the user responsible for the quotation (``core_user.id``) or NULL:
                      the suggestion goes to their card only
    ``product_id``    ``core_product.id`` (free-text lines left out)
    ================  ==================================================================
    """
