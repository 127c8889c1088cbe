"""Query hooks the service plugin provides: other plugins read the installed base
through ``core.query("service_equipment")`` and never import ``plugins.service``.

The hook returns a SQLAlchemy ``Select`` (not rows), so the reader filters and
aggregates in SQL. Columns are part of the contract (new ones may be added, none is
renamed or removed). Rows are *not* filtered by record rules.
"""
from core.hooks import hookspec


@hookspec(firstresult=True)
def service_equipment():
    """Every unit of the installed base, one row each (retired ones included).

    Columns: ``equipment_id``, ``customer_id``, ``product_id`` (NULL for a model typed
    by hand), ``model`` (the product's name, else the typed model), ``serial``,
    ``purchase_date``, ``install_date``, ``status`` (``in_service``, ``under_repair``,
    ``retired``), ``retired_on``, ``source`` (``manual`` or ``sales``), ``order_id``
    (the sales order it came from, or NULL), ``warranty_end`` (the latest end date of
    its warranties and contracts, or NULL).
    """
