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


@hookspec
def survey_answered(answer, event_id):
    """A customer answered a survey (durable event, after the commit that stored the answer).

    ``answer`` is a plain dict::

        {"response_id": 12, "survey_id": 3, "survey": "After a complaint",
         "kind": "csat",                  # "csat" (1–5) or "nps" (0–10)
         "low": 1, "high": 5, "score": 4, "comment": "…",
         "customer_id": 7,
         "ref": "interaction:991",        # what the invitation was about (a triggered survey:
                                          # the contact-history entry that triggered it)
         "trigger_kind": "complaints.close",   # the survey's trigger, or None
         "answered_at": "2026-11-27T09:15:00"}  # naive UTC, ISO 8601

    A plugin whose history kind triggered the survey finds its own record from ``ref`` (the
    entry's ``data``) and keeps the score there; complaints stores it as the complaint's rating.
    """
