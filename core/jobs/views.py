"""The Jobs page: your jobs (admins: everyone's), live progress, cancel.

Progress updates come from ``status.json``, polled by ``static/js/jobs.js`` (no
inline script: the CSP forbids it) while a job on the page is still active.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_login import current_user
from sqlalchemy.orm import selectinload

from core.db import db
from core.jobs.models import CANCELLED, DONE, FAILED, QUEUED, RUNNING, Job
from core.jobs.queue import queue
from core.jobs.service import JobBusy, cancel_job, job_for, jobs_query
from core.l10n import format_number, format_percent
from core.security import login_required, user_can
from core.web.pagination import BadCursor, keyset_page

bp = Blueprint("jobs", __name__, url_prefix="/jobs")

ADMIN = "admin.jobs"
STATUS_LABELS = {
    QUEUED: lazy_pgettext("job", "Queued"), RUNNING: lazy_pgettext("job", "Running"), DONE: lazy_pgettext("job", "Done"),
    FAILED: lazy_pgettext("job", "Failed"), CANCELLED: lazy_pgettext("job", "Cancelled"),
}
FILTERS = ("active", DONE, FAILED, CANCELLED)
MAX_POLL_IDS = 100


def _everyone() -> bool:
    """Admins may look at everyone's jobs (``?who=all``)."""
    return request.args.get("who") == "all" and user_can(ADMIN)


STATUS_CLASSES = {QUEUED: "text-bg-secondary", RUNNING: "text-bg-primary", DONE: "text-bg-success",
                  FAILED: "text-bg-danger", CANCELLED: "text-bg-warning"}


def status_class(status: str) -> str:
    return STATUS_CLASSES.get(status, "text-bg-light")


def bar_class(job: Job) -> str:
    if job.active:
        return "progress-bar-striped progress-bar-animated"
    return {FAILED: "bg-danger", CANCELLED: "bg-warning", DONE: "bg-success"}.get(job.status, "")


def bar_width(job: Job) -> int:
    """Percent done; a running job of unknown size shows a full, moving bar, a queued one an empty bar."""
    if job.percent is not None:
        return job.percent
    return 100 if job.status == RUNNING else 0


def progress_text(job: Job) -> str:
    """"1,234 of 5,000 (24%)" in the reader's language and digits."""
    if not job.total:
        return format_number(job.done) if job.done else ""
    return _("%(done)s of %(total)s (%(percent)s)", done=format_number(job.done), total=format_number(job.total),
             percent=format_percent(job.percent or 0))


def job_json(job: Job) -> dict:
    """What the page's script needs to redraw a job (texts already in the reader's language)."""
    return {
        "id": job.id,
        "status": job.status,
        "status_label": str(STATUS_LABELS.get(job.status, job.status)),
        "status_class": status_class(job.status),
        "active": job.active,
        "bar_class": bar_class(job),
        "percent": bar_width(job),
        "progress_text": progress_text(job),
        "message": job.message,
        "result": job.result,
    }


@bp.context_processor
def _helpers():
    return {"status_class": status_class, "bar_class": bar_class, "bar_width": bar_width,
            "progress_text": progress_text}


@bp.get("/")
@login_required
def index():
    status = request.args.get("status")
    if status not in FILTERS:
        status = None
    everyone = _everyone()
    stmt = jobs_query(current_user, everyone=everyone, status=status).options(selectinload(Job.user))
    try:
        page = keyset_page(db.session, stmt, [Job.id], cursor=request.args.get("cursor"),
                           limit=current_app.config["PAGE_SIZE"], descending=True)
    except BadCursor:
        abort(400)
    return render_template("jobs/index.html", page=page, status=status, everyone=everyone,
                           may_see_all=user_can(ADMIN), labels=STATUS_LABELS, q=queue(), job_json=job_json)


@bp.get("/status.json")
@login_required
def status():
    """Current progress of the jobs whose ids are listed in ``ids`` (only those you may see)."""
    try:
        ids = [int(i) for i in request.args.get("ids", "").split(",") if i][:MAX_POLL_IDS]
    except ValueError:
        abort(400)
    if not ids:
        return jsonify({"jobs": []})
    stmt = jobs_query(current_user, everyone=user_can(ADMIN)).where(Job.id.in_(ids)).order_by(Job.id)
    return jsonify({"jobs": [job_json(j) for j in db.session.execute(stmt).scalars()]})


@bp.get("/<int:job_id>")
@login_required
def detail(job_id: int):
    job = job_for(current_user, job_id, everyone=user_can(ADMIN)) or abort(404)
    return render_template("jobs/detail.html", job=job, labels=STATUS_LABELS, q=queue(), job_json=job_json,
                           show_error=user_can(ADMIN))


@bp.post("/<int:job_id>/cancel")
@login_required
def cancel(job_id: int):
    job = job_for(current_user, job_id, everyone=user_can(ADMIN)) or abort(404)
    try:
        cancelled = cancel_job(job)
    except JobBusy:  # SQLite: the job is saving in one transaction and holds the write lock
        flash(_("The job is saving; try again in a few seconds."), "warning")
        return redirect(url_for("jobs.detail", job_id=job_id))
    if cancelled:
        db.session.commit()
        flash(_("The job was cancelled.") if job.status == CANCELLED else
              _("The job was asked to stop; it stops at its next step."), "success")
    else:
        db.session.rollback()
        flash(_("The job had already finished."), "warning")
    return redirect(url_for("jobs.detail", job_id=job.id))
