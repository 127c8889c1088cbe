"""Optimistic concurrency: no edit silently overwrites one made meanwhile.

Records that people edit in forms or through ``PATCH`` carry a ``version`` column that
SQLAlchemy bumps on every change (``version_id_col``): an ``UPDATE`` always says
``WHERE id = ? AND version = ?``, so a write racing past every check still fails
(``StaleDataError``, answered 409 by core.web.errors).

* **Forms** inherit :class:`VersionedForm`: a hidden ``version`` field (rendered by the
  ``form_hidden(form)`` macro with the CSRF token). A form posted with an old version is
  refused with 409; the page keeps what the user typed and lists what is saved now
  (:func:`saved_values`), with the form's version moved on, so saving again is a
  deliberate overwrite.
* **API**: ``GET`` and ``PATCH`` answers carry ``ETag: "<version>"``; a ``PATCH`` with
  ``If-Match`` that no longer matches answers 412 and changes nothing
  (:func:`check_if_match`). Without ``If-Match`` the write goes through, as before.
"""
from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import HiddenField


class VersionedForm(FlaskForm):
    """A form for editing a versioned record."""

    version = HiddenField()

    def show_version(self, obj) -> None:
        self.version.data = str(obj.version) if obj is not None and obj.version is not None else ""

    def is_stale(self, obj) -> bool:
        """True when the form was opened on an older version of ``obj`` (a missing
        version — a script posting the form — is not checked, like a PATCH without If-Match)."""
        sent = (self.version.data or "").strip()
        return obj is not None and bool(sent) and sent != str(obj.version)


def etag(obj) -> str:
    return f'"{obj.version}"'


def etag_headers(obj) -> dict:
    return {"ETag": etag(obj)}


def check_if_match(obj) -> None:
    """412 when the request's ``If-Match`` names another version of ``obj``."""
    from flask_smorest import abort

    header = request.headers.get("If-Match")
    if not header or header.strip() == "*":
        return
    wanted = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    if etag(obj) not in wanted:
        abort(412, message=_("This record was changed by someone else since you read it (it is now at version "
                             "%(v)s); read it again and repeat your change.", v=obj.version),
              headers=etag_headers(obj))


def saved_values(form, obj, fields) -> list[tuple[str, str]]:
    """``(label, saved value)`` for each of ``fields`` where what is saved now differs
    from what the user sent — shown above a refused stale form. Give numbers and dates
    of core.l10n fields as values (``Decimal``, ``date``): compared as such and shown in
    the reader's conventions."""
    out = []
    for name, saved in fields.items():
        field = form[name] if name in form else None
        sent = field.data if field is not None else None
        shown_as = getattr(field, "_format", None)  # a core.l10n field: typed values, shown the reader's way
        if shown_as is not None and not isinstance(saved, str):
            if (sent if sent not in ("",) else None) != saved:
                out.append((str(field.label.text), shown_as(saved) if saved is not None else "—"))
            continue
        if _norm(sent) != _norm(saved):
            shown = _norm(saved)
            choices = getattr(field, "choices", None)
            if choices:
                shown = str(dict((str(k), v) for k, v in choices).get(shown, shown))
            elif getattr(field, "kind", None) and shown.isdigit():  # a picker: name the record, not its id
                from core.web.picker import lookup_for

                lookup = lookup_for(field.kind)
                item = lookup.label(int(shown)) if lookup else None
                shown = item.label if item else shown
            out.append((str(field.label.text) if field is not None else name, shown or "—"))
    return out


def _norm(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value).strip()
