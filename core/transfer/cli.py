"""``rapport import KIND FILE`` and ``rapport export KIND``: the same import and export as the
pages, from a terminal, with a progress bar (imports) and exit status 1 when nothing was
imported."""
from __future__ import annotations

import os
import sys

import click
from flask.cli import with_appcontext

from core.db import db


def _importer(kind: str):
    from core.transfer.service import importer_for, importers

    importer = importer_for(kind)
    if importer is None:
        known = ", ".join(i.kind for i in importers())
        raise click.ClickException(f"nothing imports {kind!r}; known: {known}")
    return importer


def _fixed(importer, values) -> dict[str, str]:
    """``--value FIELD=VALUE`` options, each checked against the field's choices."""
    fields = {f.name: f for f in importer.fields if f.choices}
    fixed = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or name not in fields:
            raise click.ClickException(f"--value wants FIELD=VALUE with FIELD one of: {', '.join(fields) or '(none)'}")
        choices = dict(fields[name].choices())
        if value not in choices:
            raise click.ClickException(f"{value!r} is not a choice for {name}: "
                                       + ", ".join(f"{v} ({label})" for v, label in choices.items()))
        fixed[name] = value
    return fixed


@click.command("import")
@click.argument("kind")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--mapping", "profile_name", default=None, help="A mapping profile saved on the mapping page.")
@click.option("--on-duplicate", type=click.Choice(["skip", "update", "create"]), default=None,
              help="Records already saved: skip them (default), update them, or create new ones.")
@click.option("--skip-bad-rows", is_flag=True, default=None,
              help="Import the good rows and leave out bad ones (default: one bad row stops everything).")
@click.option("--encoding", default=None, help="The file's encoding, e.g. cp1253 (default: detected).")
@click.option("--delimiter", default=None, help="The CSV delimiter (default: detected).")
@click.option("--language", default=None, help="Dates and numbers are written as in: en, el, lt, fa, he.")
@click.option("--value", "values", multiple=True, metavar="FIELD=VALUE",
              help="One value for every row of a field no column holds (e.g. segment=#12: a static list).")
@with_appcontext
def import_command(kind, file, profile_name, on_duplicate, skip_bad_rows, encoding, delimiter, language, values):
    """Import FILE (CSV, .xlsx or .vcf) as KIND (customers, or a plugin's: orders, equipment)."""
    from core.transfer.engine import fixed_values, mapping_problems, run_import, stored_path
    from core.transfer.readers import TransferError
    from core.transfer.service import create_run, profile_named

    importer = _importer(kind)
    profile = None
    if profile_name:
        profile = profile_named(importer.kind, profile_name)
        if profile is None:
            raise click.ClickException(f"no mapping profile {profile_name!r} for {importer.kind}")
    options = {k: v for k, v in (("on_duplicate", on_duplicate), ("skip_bad_rows", skip_bad_rows),
                                 ("language", language)) if v is not None}
    options["fixed"] = _fixed(importer, values)
    try:
        run = create_run(importer, file, os.path.basename(file), user_id=None, profile=profile, encoding=encoding,
                         delimiter=delimiter.replace("\\t", "\t") if delimiter else None, options=options)
    except TransferError as exc:
        raise click.ClickException(str(exc)) from None
    problems = mapping_problems(importer, run.mapping, fixed_values(importer, run))
    if problems:
        db.session.rollback()
        raise click.ClickException(" ".join(problems) + f" Columns: {', '.join(run.headers)}")
    db.session.commit()
    mapped = ", ".join(f"{run.headers[int(i)]} → {name}" for i, name in sorted(run.mapping.items(), key=lambda t: int(t[0])))
    click.echo(f"{run.filename}: {run.format}"
               f"{', ' + run.encoding if run.encoding and run.format == 'csv' else ''}; {mapped}", err=True)
    with click.progressbar(length=1, label="Checking", file=sys.stderr, show_pos=True) as bar:
        def progress(done, total, _message):
            bar.length = max(total or 0, done, 1)
            bar.update(done - bar.pos)

        def saving(done, total, _message):  # the terminal's bar needs no database
            if done == 0:
                bar.label, bar.length, bar.pos = "Saving", max(total, 1), 0
            bar.update(done - bar.pos)
            return True

        run = run_import(run, importer, progress=progress, save_progress=saving)
    click.echo(run.message, err=True)
    if run.bad and os.path.exists(stored_path(run, ".rejected.csv")):
        click.echo(f"Rows with problems, with the reason for each: {stored_path(run, '.rejected.csv')}", err=True)
    if run.state != "done":
        sys.exit(1)


@click.command("export")
@click.argument("kind")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "vcf"]), default="csv", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write to this file (default: standard output).")
@with_appcontext
def export_command(kind, fmt, output):
    """Export every KIND record (customers, orders, equipment) as CSV, Excel or vCard."""
    from werkzeug.datastructures import MultiDict

    from core.transfer.service import exporter_for, exporters, record_export
    from core.transfer.writers import csv_stream, vcf_stream, xlsx_stream

    exporter = exporter_for(kind)
    if exporter is None:
        raise click.ClickException(f"nothing exports {kind!r}; known: {', '.join(e.kind for e in exporters())}")
    if fmt not in exporter.formats:
        raise click.ClickException(f"{exporter.kind} exports as {', '.join(exporter.formats)}, not {fmt}")
    if fmt == "xlsx" and output is None and sys.stdout.isatty():
        raise click.ClickException("an Excel file is binary: give --output FILE or redirect standard output")
    record_export(exporter, fmt, {})
    db.session.commit()
    if fmt == "vcf":
        body = vcf_stream(exporter.vcards(None, MultiDict()))
    else:
        headers, rows = exporter.rows(None, MultiDict(), fmt)
        body = csv_stream(headers, rows) if fmt == "csv" else xlsx_stream(headers, rows, title=str(exporter.label))
    out = open(output, "wb") if output else sys.stdout.buffer
    try:
        for chunk in body:
            out.write(chunk)
    finally:
        if output:
            out.close()
        else:
            out.flush()
