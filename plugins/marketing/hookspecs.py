"""Hooks the marketing plugin defines. Other plugins implement them with
``@hookimpl(optionalhook=True)`` (so they load whether or not marketing is installed)
and never import ``plugins.marketing``: everything they return is plain data.

Documented with examples in docs/hooks.md ("Plugin-declared hooks").
"""
from core.hooks import hookspec


@hookspec
def segment_criteria():
    """Criteria this plugin adds to marketing's segment editor.

    Return a list of plain dicts, one per criterion::

        {
          "key": "sales.total_spent",          # "<plugin>.<what>", unique, stored in saved segments
          "label": _l("Total spent"),          # shown in the editor (lazy_gettext)
          "params": [                          # what the user fills in (may be empty)
              {"name": "min", "type": "decimal", "label": _l("At least")},
              {"name": "days", "type": "int", "label": _l("In the last days"), "required": False},
          ],
          "compile": compile_total_spent,      # (customer_id, params) -> SQL boolean expression
          "weight": 20,                        # order in the editor (optional)
        }

    Parameter ``type`` is one of ``int`` (whole number ≥ 0), ``decimal``, ``date``, ``text``,
    ``choice`` (with ``"choices": [(value, label), ...]``) or ``product`` (a catalog product,
    chosen with the picker). Marketing validates the values and calls
    ``compile(customer_id, params)`` with clean, typed values (``int``, ``Decimal``,
    ``date``, ``str``); ``customer_id`` is the ``core_customer.id`` column. The function
    returns a SQLAlchemy boolean expression — usually ``customer_id.in_(select(...))`` or an
    ``exists()`` correlated on it — so that a segment's count and members are one query.

    Called only for enabled plugins: a disabled plugin's criteria disappear from the editor,
    and a saved segment that uses them says so instead of counting.
    """



@hookspec
def survey_triggers():
    """History kinds after which a satisfaction survey makes sense, offered on the survey form.

    Return a list of plain dicts ``{"kind": "service.request_done", "label": _l("A repair was
    finished")}``; ``kind`` is the ``kind`` your plugin gives ``core.history.service.log_event``
    for that moment. A survey bound to it is sent to the customer when such an entry is logged
    (marketing hears ``interaction_logged``): nothing more to call, and no import of marketing.
    """
