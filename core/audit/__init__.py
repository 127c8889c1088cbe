"""The audit log: who changed what, when and from where (web, API, CLI, job).

* Declare a model audited with ``__audit__ = Audit("sales.order", ...)``
  (:class:`core.audit.spec.Audit`); its creates, updates and deletes are then recorded
  by one session listener (:mod:`core.audit.recorder`), in the same transaction.
* Say where work comes from outside a request with :func:`audit_context`
  (``with audit_context("job", user_id=...): ...``); requests set it themselves.
* Logins, refused permissions and merges are written with :func:`record_event`.

Entries are never edited or deleted by the application.
"""
from core.audit.context import API, CLI, JOB, ORIGINS, SYSTEM, WEB, audit_context, current_context
from core.audit.spec import Audit

PERMISSION = "admin.audit"


def record_event(*args, **kwargs):
    """See :func:`core.audit.recorder.record_event` (imported lazily: models import this package)."""
    from core.audit.recorder import record_event as _record

    return _record(*args, **kwargs)


__all__ = ["Audit", "audit_context", "current_context", "record_event", "PERMISSION",
           "WEB", "API", "CLI", "JOB", "SYSTEM", "ORIGINS"]
