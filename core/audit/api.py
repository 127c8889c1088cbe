"""``GET /api/v1/audit``: the audit log, read-only, keyset-paged, newest first.

Same filters and permission (``admin.audit``) as the audit page. Each entry says
who (user id and email, or the actor of a CLI command or job), when (UTC), from
where (``origin``: web, api, cli, job, system, and the client address), what
(``action`` on ``record_type``/``record_id``) and, per field, the old and the new
value. Values are stored as they were (codes, ISO dates, decimal strings); secret
fields (password and token hashes) come back as ``"secret": true`` without values.
"""
from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa
from flask.views import MethodView
from flask_babel import gettext as _
from marshmallow import fields, validate

from core.api.base import Blueprint, PageArgs, bad_cursor, documents_errors
from core.api.schemas import UtcDateTime
from core.audit import PERMISSION
from core.audit.context import ORIGINS
from core.audit.models import ACTIONS
from core.audit.queries import Filters, find
from core.auth.models import User
from core.db import db
from core.security import requires
from core.web.pagination import BadCursor

MAX_INT = 2**31 - 1

blp = Blueprint("api_audit", __name__, url_prefix="/audit", description="The audit log (read-only)")


class AuditListArgs(PageArgs):
    record_type = fields.String(validate=validate.Length(max=60),
                                metadata={"description": "e.g. customer, user, token, sales.order, service.equipment"})
    record_id = fields.String(validate=validate.Length(max=64),
                              metadata={"description": "The record's id (with record_type)."})
    user_id = fields.Integer(validate=validate.Range(1, MAX_INT), metadata={"description": "Who acted."})
    customer_id = fields.Integer(validate=validate.Range(1, MAX_INT),
                                 metadata={"description": "Changes to the customer and the records that belong to it."})
    action = fields.String(validate=validate.OneOf(ACTIONS))
    origin = fields.String(validate=validate.OneOf(ORIGINS))
    since = fields.Date(metadata={"description": "First day included (UTC), YYYY-MM-DD."})
    until = fields.Date(metadata={"description": "Last day included (UTC), YYYY-MM-DD."})

    @ma.validates_schema
    def _period(self, data, **_kwargs):
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise ma.ValidationError(_("The end of the period is before its start."), "until")


class FieldChangeSchema(ma.Schema):
    field = fields.String(required=True)
    old = fields.Raw(allow_none=True, metadata={"description": "Value before (null when created or secret)."})
    new = fields.Raw(allow_none=True, metadata={"description": "Value after (null when deleted or secret)."})
    secret = fields.Boolean(metadata={"description": "True: the field changed; its values are never recorded."})


class AuditEntrySchema(ma.Schema):
    id = fields.Integer()
    at = UtcDateTime()
    user_id = fields.Integer(allow_none=True)
    user_email = fields.String(allow_none=True)
    actor = fields.String(allow_none=True, metadata={"description": "Who acted when no user did (CLI login, job)."})
    origin = fields.String(metadata={"description": "web, api, cli, job or system"})
    remote_addr = fields.String(allow_none=True)
    action = fields.String(metadata={"description": ", ".join(ACTIONS)})
    record_type = fields.String(allow_none=True)
    record_id = fields.String(allow_none=True)
    record_label = fields.String(allow_none=True)
    customer_id = fields.Integer(allow_none=True)
    changes = fields.List(fields.Nested(FieldChangeSchema))
    detail = fields.Dict(allow_none=True, metadata={"description": "Login failures: email and reason; "
                                                                  "refusals: permission, method, path."})


class AuditPageSchema(ma.Schema):
    items = fields.List(fields.Nested(AuditEntrySchema))
    next_cursor = fields.String(allow_none=True)


def entry_dict(e, emails: dict[int, str]) -> dict:
    changes = []
    for name, pair in (e.changes or {}).items():
        if pair is None:
            changes.append({"field": name, "old": None, "new": None, "secret": True})
        else:
            changes.append({"field": name, "old": pair[0], "new": pair[1], "secret": False})
    return {
        "id": e.id, "at": e.at, "user_id": e.user_id, "user_email": emails.get(e.user_id), "actor": e.actor,
        "origin": e.origin, "remote_addr": e.remote_addr, "action": e.action, "record_type": e.record_type,
        "record_id": e.record_id, "record_label": e.record_label, "customer_id": e.customer_id,
        "changes": changes, "detail": e.detail,
    }


@blp.route("")
class AuditLog(MethodView):
    @requires(PERMISSION)
    @blp.arguments(AuditListArgs, location="query")
    @blp.response(200, AuditPageSchema)
    @documents_errors(blp, 401, 403)
    def get(self, args):
        """Entries newest first, filtered by record, customer, user, action, origin and period."""
        f = Filters(user_id=args.get("user_id"), record_type=args.get("record_type"),
                    record_id=args.get("record_id"), customer_id=args.get("customer_id"),
                    action=args.get("action"), origin=args.get("origin"),
                    since=args.get("since"), until=args.get("until"))
        try:
            page = find(db.session, f, cursor=args["cursor"], limit=args["limit"])
        except BadCursor:
            bad_cursor()
        ids = sorted({e.user_id for e in page.items if e.user_id})
        emails = dict(db.session.execute(sa.select(User.id, User.email).where(User.id.in_(ids))).all()) if ids else {}
        return {"items": [entry_dict(e, emails) for e in page.items], "next_cursor": page.next_cursor}
