"""``/api/v1/jobs``: background jobs you started (admins: everyone's), their progress, cancel.

Poll ``GET /api/v1/jobs/<id>`` to follow a job an API call started; ``status`` ends
as ``done``, ``failed`` or ``cancelled``. Jobs of other users answer 404 unless the
token's user holds ``admin.jobs``.
"""
from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import abort
from marshmallow import fields

from core.api.base import Blueprint, PageArgs, api_page, conflict, documents_errors
from core.api.fields import Choice, UtcDateTime
from core.db import db
from core.jobs.models import STATUSES, Job
from core.jobs.queue import queue
from core.jobs.service import JobBusy, cancel_job, job_for, jobs_query
from core.security import login_required, user_can

blp = Blueprint("api_jobs", __name__, url_prefix="/jobs", description="Background jobs and their progress")

ADMIN = "admin.jobs"


class JobSchema(ma.Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "The task's name, e.g. service.schedule_visits."})
    label = fields.Function(lambda job: str(queue().label(job.kind)),
                            metadata={"description": "What the job does, in the user's language."})
    user_id = fields.Integer(allow_none=True, metadata={"description": "Who started it; null for a scheduled job."})
    status = fields.String(metadata={"description": "queued, running, done, failed or cancelled."})
    done = fields.Integer()
    total = fields.Integer(allow_none=True, metadata={"description": "null while the size is unknown."})
    percent = fields.Integer(allow_none=True)
    message = fields.String(metadata={"description": "The latest progress message, or why it failed."})
    result = fields.String(metadata={"description": "A short summary once done."})
    attempts = fields.Integer()
    max_attempts = fields.Integer()
    cancel_requested = fields.Boolean()
    created_at = UtcDateTime()
    started_at = UtcDateTime(allow_none=True)
    finished_at = UtcDateTime(allow_none=True)


class JobPageSchema(ma.Schema):
    items = fields.List(fields.Nested(JobSchema))
    next_cursor = fields.String(allow_none=True)


class JobListArgs(PageArgs):
    status = Choice([*STATUSES, "active"], load_default=None,
                    metadata={"description": "One status, or 'active' (queued or running)."})
    everyone = fields.Boolean(load_default=False,
                              metadata={"description": "Everyone's jobs (needs admin.jobs); default: your own."})


def _get(job_id: int) -> Job:
    job = job_for(current_user, job_id, everyone=user_can(ADMIN))
    if job is None:
        abort(404, message=_("No such job."))
    return job


@blp.route("")
class Jobs(MethodView):
    @login_required
    @blp.arguments(JobListArgs, location="query")
    @blp.response(200, JobPageSchema)
    @documents_errors(blp, 401, 403)
    def get(self, args):
        """Jobs, newest first: your own, or everyone's with ``everyone=true`` (admin.jobs)."""
        if args["everyone"] and not user_can(ADMIN):
            abort(403, message=_("Seeing everyone's jobs needs the permission “%(perm)s”.", perm=ADMIN))
        stmt = jobs_query(current_user, everyone=args["everyone"], status=args["status"])
        return api_page(stmt, [Job.id], args, descending=True)


@blp.route("/<int:job_id>")
class JobItem(MethodView):
    @login_required
    @blp.response(200, JobSchema)
    @documents_errors(blp, 401, 404)
    def get(self, job_id):
        """One job: status and progress."""
        return _get(job_id)


@blp.route("/<int:job_id>/cancel")
class JobCancel(MethodView):
    @login_required
    @blp.response(200, JobSchema)
    @documents_errors(blp, 401, 404, 409)
    def post(self, job_id):
        """Cancel a queued job, or ask a running one to stop at its next step.

        409 once finished, and also while the job is saving in one transaction on SQLite (it
        holds the write lock: retry in a few seconds)."""
        job = _get(job_id)
        try:
            cancelled = cancel_job(job)
        except JobBusy:  # SQLite: the job holds the write lock while it saves; the client retries
            conflict(_("The job is saving; try again in a few seconds."))
        if not cancelled:
            db.session.rollback()
            conflict(_("The job had already finished."))
        db.session.commit()
        return job
