"""Import and export pages: upload → mapping → preview → import (a job with a progress bar),
and the downloads.

An import belongs to the user who uploaded it: other users get 404 for its pages, and
every page checks the importer's permission again.
"""
from __future__ import annotations

import os

from flask import (
    Blueprint, Response, abort, current_app, flash, redirect, render_template, request, send_file,
    stream_with_context, url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import BooleanField, FileField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from core.db import db
from core.security import login_required, user_can
from core.transfer import service
from core.transfer.engine import PREVIEW_ROWS, fixed_values, mapping_problems, preview, stored_path
from core.transfer.models import CREATE, SKIP, UPDATE, UPLOADED, ImportProfile, ImportRun
from core.transfer.readers import CSV, DELIMITERS, ENCODINGS, TransferError
from core.transfer.writers import csv_stream, vcf_stream, xlsx_stream
from core.web.pagination import BadCursor, keyset_page
from core.web.choices import select_choices

bp = Blueprint("transfer", __name__, url_prefix="/transfer")

STATE_LABELS = {"uploaded": _l("Waiting for its columns"), "running": lazy_pgettext("import", "Running"),
                "done": lazy_pgettext("import", "Done"), "refused": _l("Nothing imported"),
                "failed": lazy_pgettext("import", "Failed")}


def text_dir(value) -> str:
    """``ltr`` for text without letters (``+972 52 555 1234``, ``17/05/1980``), else ``auto``:
    a phone number in a Hebrew page must not be laid out right to left."""
    return "auto" if any(ch.isalpha() for ch in str(value or "")) else "ltr"


def _kind_label(kind: str) -> str:
    importer = service.importer_for(kind)
    return str(importer.label) if importer is not None and importer.kind == kind else kind


@bp.context_processor
def _helpers():
    return {"state_label": lambda s: STATE_LABELS.get(s, s), "text_dir": text_dir, "kind_label": _kind_label}

DUPLICATE_LABELS = {SKIP: _l("Skip them (keep what is saved)"), UPDATE: _l("Update them with the file's values"),
                    CREATE: _l("Create new customers anyway")}
FORMAT_LABELS = {"csv": "CSV", "xlsx": "Excel (.xlsx)", "vcf": "vCard (.vcf)"}
MIMETYPES = {"csv": "text/csv; charset=utf-8", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "vcf": "text/vcard; charset=utf-8"}


def _importer(kind: str):
    importer = service.importer_for(kind)
    if importer is None or importer.kind != kind:
        abort(404)
    if not user_can(importer.permission):
        abort(403)
    return importer


def _run(import_id: int) -> tuple[ImportRun, object]:
    run = db.session.get(ImportRun, import_id)
    if run is None or run.user_id != current_user.id:
        abort(404)
    return run, _importer(run.kind)


@bp.get("/")
@login_required
def index():
    mine = [i for i in service.importers() if user_can(i.permission)]
    exports = [e for e in service.exporters() if user_can(e.permission)]
    if not mine and not exports:
        abort(403)
    stmt = db.select(ImportRun).where(ImportRun.user_id == current_user.id)
    try:
        page = keyset_page(db.session, stmt, [ImportRun.id], cursor=request.args.get("cursor"),
                           limit=current_app.config["PAGE_SIZE"], descending=True)
    except BadCursor:
        abort(400)
    return render_template("transfer/index.html", importers=mine, exporters=exports, page=page,
                           formats=FORMAT_LABELS)


class UploadForm(FlaskForm):
    file = FileField(_l("File"), validators=[DataRequired(_l("Choose a file."))],
                     description=_l("CSV (any delimiter, UTF-8 or a Windows code page), Excel .xlsx or vCard .vcf."))
    profile = SelectField(_l("Saved mapping"), choices=[], validate_choice=False)


@bp.route("/import/<kind>", methods=["GET", "POST"])
@login_required
def upload(kind: str):
    importer = _importer(kind)
    form = UploadForm()
    saved = service.profiles(importer.kind)
    form.profile.choices = select_choices([("", _("Match columns by their names"))] + [(p.name, p.name) for p in saved])
    if request.method == "GET":
        last = service.last_profile(importer.kind, current_user.id)
        form.profile.data = last.name if last is not None else ""
    error = None
    if request.method == "POST":
        request.max_content_length = service.max_bytes() + 1024 * 1024  # the form around the file
        try:
            ok = form.validate_on_submit()
        except RequestEntityTooLarge:
            ok, error = False, _("The file is larger than %(n)s MB.", n=current_app.config["IMPORT_MAX_MB"])
        if ok:
            upload = form.file.data
            profile = service.profile_named(importer.kind, form.profile.data) if form.profile.data else None
            try:
                run = service.create_run(importer, upload.stream, upload.filename or "upload", user_id=current_user.id,
                                         profile=profile, options={"language": _ui_language()})
            except TransferError as exc:
                error = str(exc)
            else:
                db.session.commit()
                return redirect(url_for("transfer.mapping", import_id=run.id))
    status = 422 if request.method == "POST" else 200
    deletable = {p.id for p in saved if service.may_delete_profile(p, current_user)}
    return render_template("transfer/upload.html", importer=importer, form=form, error=error, profiles=saved,
                           deletable=deletable), status


@bp.post("/profiles/<int:profile_id>/delete")
@login_required
def delete_profile(profile_id: int):
    """Delete a saved mapping (its owner or an administrator; the page asks to confirm first).
    Imports that used it keep their own copy of the mapping."""
    profile = db.session.get(ImportProfile, profile_id) or abort(404)
    importer = _importer(profile.kind)  # 404 for a kind nothing imports, 403 without its permission
    if not FlaskForm().validate_on_submit():
        abort(400)
    if not service.may_delete_profile(profile, current_user):
        abort(403)
    name = profile.name
    db.session.delete(profile)
    db.session.commit()
    flash(_("The saved mapping “%(name)s” was deleted.", name=name), "success")
    return redirect(url_for("transfer.upload", kind=importer.kind))


def _ui_language() -> str:
    from flask_babel import get_locale

    return str(get_locale() or "en").split("_")[0]


class MappingForm(FlaskForm):
    encoding = SelectField(_l("Encoding"), choices=[], validate_choice=False)
    delimiter = SelectField(_l("Delimiter"), choices=[], validate_choice=False)
    language = SelectField(_l("Dates and numbers are written as in"), choices=[])
    on_duplicate = RadioField(_l("Customers already saved"), choices=select_choices(DUPLICATE_LABELS.items()), default=SKIP)
    skip_bad_rows = BooleanField(_l("Skip rows with problems and import the others (they can be downloaded with "
                                    "the reason). Otherwise one bad row stops the whole import."))
    profile_name = StringField(_l("Save this mapping as"), validators=[Optional(), Length(max=80)])


@bp.route("/imports/<int:import_id>/mapping", methods=["GET", "POST"])
@login_required
def mapping(import_id: int):
    run, importer = _run(import_id)
    if run.state != UPLOADED:
        return redirect(url_for("transfer.detail", import_id=run.id))
    form = MappingForm()
    form.encoding.choices = select_choices((k, str(v)) for k, v in ENCODINGS.items())
    form.delimiter.choices = select_choices((k, str(v)) for k, v in DELIMITERS.items())
    form.language.choices = select_choices(current_app.config["LANGUAGES"].items())
    form.on_duplicate.choices = select_choices((k, _duplicate_label(importer, k)) for k in DUPLICATE_LABELS)
    problems: list[str] = []
    if request.method == "GET":
        form.encoding.data, form.delimiter.data = run.encoding, run.delimiter
        form.language.data = run.options.get("language", "en")
        form.on_duplicate.data = run.on_duplicate
        form.skip_bad_rows.data = run.skip_bad_rows
    elif not form.validate_on_submit():
        problems = [e for errs in form.errors.values() for e in errs]
    else:
        if run.format == CSV and (form.encoding.data not in ENCODINGS or form.delimiter.data not in DELIMITERS):
            abort(400)
        if run.format == CSV and (form.encoding.data != run.encoding or form.delimiter.data != run.delimiter):
            try:
                service.resniff(run, encoding=form.encoding.data, delimiter=form.delimiter.data)
            except TransferError as exc:
                db.session.rollback()
                flash(str(exc), "danger")
                return redirect(url_for("transfer.mapping", import_id=run.id))
            db.session.commit()
            if "reread" in request.form:
                return redirect(url_for("transfer.mapping", import_id=run.id))
        fields = {f.name for f in importer.fields}
        chosen = {}
        for i in range(len(run.headers)):
            value = request.form.get(f"col-{i}", "")
            if value in fields:
                if value in chosen.values():
                    problems.append(_("Two columns are mapped to “%(field)s”.", field=_field_label(importer, value)))
                chosen[str(i)] = value
        fixed = _fixed_from_form(importer, chosen)
        problems += mapping_problems(importer, chosen, fixed)
        language = form.language.data if form.language.data in current_app.config["LANGUAGES"] else "en"
        on_duplicate = form.on_duplicate.data if form.on_duplicate.data in DUPLICATE_LABELS else SKIP
        run.mapping = chosen
        service.set_options(run, on_duplicate=on_duplicate, skip_bad_rows=form.skip_bad_rows.data, language=language,
                            fixed=fixed)
        if not problems:
            name = (form.profile_name.data or "").strip()
            if name:
                service.save_profile(run, name, current_user.id)
            db.session.commit()
            return redirect(url_for("transfer.preview_page", import_id=run.id))
        db.session.rollback()
        run = db.session.get(ImportRun, import_id)
        run.mapping = chosen
        run.options = {**run.options, "fixed": fixed}
    samples = _samples(run)
    status = 422 if problems else 200
    return render_template("transfer/mapping.html", run=run, importer=importer, form=form, problems=problems,
                           samples=samples, is_csv=run.format == CSV, choosable=_choosable(importer)), status


def _choosable(importer) -> list[tuple[object, list[tuple[str, str]]]]:
    """The fields that can take one value for every row, with their choices (for the user)."""
    return [(f, f.choices()) for f in importer.fields if f.choices]


def _fixed_from_form(importer, mapped: dict[str, str]) -> dict[str, str]:
    """The values chosen for every row; one that is not among the field's choices is a 400
    (the select offers only those: someone wrote the request by hand)."""
    fixed = {}
    for f in importer.fields:
        value = request.form.get(f"fixed-{f.name}", "")
        if not f.choices or not value:
            continue
        if value not in {v for v, _label in f.choices()}:
            abort(400)
        if f.name not in mapped.values():
            fixed[f.name] = value
    return fixed


def _fixed_labels(importer, run: ImportRun) -> list[tuple[str, str]]:
    """``[(field label, chosen value's label)]`` for the preview."""
    fixed = fixed_values(importer, run)
    out = []
    for f in importer.fields:
        if f.name in fixed:
            out.append((str(f.label), dict(f.choices()).get(fixed[f.name], fixed[f.name])))
    return out


def _field_label(importer, name: str) -> str:
    return next((str(f.label) for f in importer.fields if f.name == name), name)


def _duplicate_label(importer, key: str) -> str:
    if key == CREATE and importer.kind != "customers":
        return _("Create new records anyway")
    return str(DUPLICATE_LABELS[key])


def _samples(run: ImportRun) -> list[list[str]]:
    """The first three rows of each column, to help map it."""
    from core.transfer.engine import sniffed_of
    from core.transfer.readers import read_rows

    rows = []
    try:
        for _line, cells in read_rows(stored_path(run), sniffed_of(run)):
            rows.append(cells)
            if len(rows) == 3:
                break
    except TransferError as exc:
        flash(str(exc), "danger")
    return [[(r[i] if i < len(r) else "")[:60] for r in rows] for i in range(len(run.headers))]


@bp.get("/imports/<int:import_id>/preview")
@login_required
def preview_page(import_id: int):
    run, importer = _run(import_id)
    if run.state != UPLOADED:
        return redirect(url_for("transfer.detail", import_id=run.id))
    try:
        rows = preview(run, importer)
    except TransferError as exc:
        flash(str(exc), "danger")
        return redirect(url_for("transfer.mapping", import_id=run.id))
    fields = [f for f in importer.fields if f.name in run.mapping.values()]
    return render_template("transfer/preview.html", run=run, importer=importer, rows=rows, fields=fields,
                           fixed=_fixed_labels(importer, run),
                           shown=PREVIEW_ROWS, form=FlaskForm(), duplicate_label=_duplicate_label(importer, run.on_duplicate))


@bp.post("/imports/<int:import_id>/start")
@login_required
def start(import_id: int):
    run, _importer_ = _run(import_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    if run.state == UPLOADED:
        service.start_run(run, current_user)
        db.session.commit()
    return redirect(url_for("transfer.detail", import_id=run.id))


@bp.get("/imports/<int:import_id>")
@login_required
def detail(import_id: int):
    run, importer = _run(import_id)
    from core.jobs.views import STATUS_LABELS, bar_class, bar_width, progress_text, status_class

    rejected = run.bad and os.path.exists(stored_path(run, ".rejected.csv"))
    return render_template("transfer/detail.html", run=run, importer=importer, job=run.job, labels=STATUS_LABELS,
                           rejected=rejected, status_class=status_class, bar_class=bar_class, bar_width=bar_width,
                           progress_text=progress_text)


@bp.get("/imports/<int:import_id>/rejected.csv")
@login_required
def rejected(import_id: int):
    run, _importer_ = _run(import_id)
    path = stored_path(run, ".rejected.csv")
    if not os.path.exists(path):
        abort(404)
    name = os.path.splitext(run.filename)[0] + "-rejected.csv"
    return send_file(path, mimetype="text/csv", as_attachment=True, download_name=name)


@bp.get("/export/<what>.<fmt>")
@login_required
def export(what: str, fmt: str):
    """``what`` is the exporter's kind (the list's own filters — ``kind=person`` among them — are
    the query string)."""
    exporter = service.exporter_for(what)
    if exporter is None or exporter.kind != what or fmt not in exporter.formats:
        abort(404)
    if not user_can(exporter.permission):
        abort(403)
    args = request.args
    service.record_export(exporter, fmt, args.to_dict())
    db.session.commit()
    user = current_user._get_current_object()
    if fmt == "vcf":
        body = vcf_stream(exporter.vcards(user, args))
    else:
        headers, rows = exporter.rows(user, args, fmt)
        body = csv_stream(headers, rows) if fmt == "csv" else xlsx_stream(headers, rows, title=str(exporter.label))
    name = f"{what.replace('.', '-')}.{fmt}"
    return Response(stream_with_context(body), mimetype=MIMETYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
