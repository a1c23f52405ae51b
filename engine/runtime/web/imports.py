"""The import screen: upload a CSV/XLSX file, see how its columns map and what a
dry run through the record service says (row and column of every error), then
import it — all or nothing, or skipping bad rows — with progress for large files.

A preview and an import are both *runs* (engine/runtime/transfer/runs.py) done
on a worker thread by `import_file`, the same code the API uses. Runs belong to
the user who started them: anyone else gets 404.
"""
from __future__ import annotations

from itertools import islice

from flask import current_app, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine.runtime.errors import BadRequest, Forbidden, NotFound, PayloadTooLarge
from engine.runtime.transfer import background
from engine.runtime.transfer.columns import import_candidates
from engine.runtime.transfer.import_ import MODES
from engine.runtime.transfer.limits import ImportLimits
from engine.runtime.transfer.reader import read_rows
from engine.runtime.transfer.runs import DONE, PENDING, ImportRun
from engine.runtime.transfer.uploads import DEFAULT_IMPORT_MAX_BYTES, read_upload
from engine.runtime.web import context
from engine.runtime.web.i18n import label
from engine.runtime.web.import_problems import explain
from engine.runtime.web.screens import screens

SAMPLE_ROWS = 10
SHOWN_ERRORS = 200
SMALL_FILE_WAIT = 2.0      # seconds a post waits (IMPORT_WAIT_SECONDS), so small files show their result at once
STATUS_LABELS = {"mapped": _l("Imported"), "read_only": _l("Read only: ignored"),
                 "info": _l("Informative: ignored"), "unknown": _l("Unknown column"),
                 "duplicate": _l("Duplicate column")}


def _importable(app: str, form: str):
    context.screen_actor()
    loaded = context.load_app(app)
    form_model = loaded.form(form)
    access = context.form_access(loaded, form_model)
    if not access.import_:
        raise Forbidden(_("You may not import %(form)s records", form=label(form_model.label, form)))
    return loaded, form_model


@screens.get("/apps/<app>/<form>/import")
def import_page(app: str, form: str):
    loaded, form_model = _importable(app, form)
    return _upload_page(loaded, form_model)


@screens.post("/apps/<app>/<form>/import")
def upload_import(app: str, form: str):
    loaded, form_model = _importable(app, form)
    actor = context.screen_actor()
    try:
        filename, data = read_upload()
        sample = _sample(data, filename)
    except (BadRequest, PayloadTooLarge) as error:     # the page says why; nothing is kept
        message = explain(getattr(error, "problem", None), getattr(error, "params", None), error.message)
        return _upload_page(loaded, form_model, error=message, status=error.status)
    store = background.run_store()
    run = store.create(owner=actor.user_id, app=app, form=form, filename=filename, data=data)
    run.key = (request.form.get("key") or "").strip() or None
    run.mode = "skip"        # the check counts the good rows; the user picks the mode to import
    run.sample = sample
    store.save(run)
    background.start(run, actor, request.remote_addr, wait=_wait_seconds())
    return redirect(url_for("screens.import_run", app=app, form=form, run_id=run.id), 303)


@screens.get("/apps/<app>/<form>/import/<run_id>")
def import_run(app: str, form: str, run_id: str):
    loaded, form_model = _importable(app, form)
    run = _own_run(app, form, run_id)
    return context.render_screen(
        "runtime/import_run.html", loaded=loaded, form=form_model, run=run, modes=MODES,
        columns=_column_rows(form_model, (run.preview or run.report or {}).get("columns", [])),
        errors=((run.report or {}).get("errors") or [])[:SHOWN_ERRORS],
        failure=explain((run.problem or {}).get("code"), (run.problem or {}).get("params"), run.message),
        problems=_problems((run.report or {}).get("errors") or []),
        status_labels={k: str(v) for k, v in STATUS_LABELS.items()},
        can_import=_can_import(run, background.run_store()))


@screens.get("/apps/<app>/<form>/import/<run_id>/status")
def import_run_status(app: str, form: str, run_id: str):
    _importable(app, form)
    run = _own_run(app, form, run_id)
    body = run.public()
    if body["report"]:
        body["report"] = {**body["report"], "errors": body["report"]["errors"][:SHOWN_ERRORS]}
    return jsonify(body)


@screens.post("/apps/<app>/<form>/import/<run_id>")
def commit_import(app: str, form: str, run_id: str):
    _importable(app, form)
    actor = context.screen_actor()
    store = background.run_store()
    run = _own_run(app, form, run_id)
    mode = request.form.get("mode", "all")
    if mode not in MODES or not _can_import(run, store):
        raise BadRequest(_("This file cannot be imported again: upload it anew."))
    run.preview, run.report, run.mode, run.dry_run = run.report, None, mode, False
    run.confirm = request.form.get("confirm") == "1"
    run.status, run.phase, run.done, run.message, run.problem = PENDING, "", 0, None, None
    store.save(run)
    background.start(run, actor, request.remote_addr, wait=_wait_seconds())
    return redirect(url_for("screens.import_run", app=app, form=form, run_id=run.id), 303)


def _problems(errors: list[dict]) -> dict[str, bool]:
    """Whether some rows only need a confirmation (warnings), and whether others are refused."""
    return {"warnings": any(e.get("warning") for e in errors),
            "blocking": any(not e.get("warning") for e in errors)}


def _wait_seconds() -> float:
    return float(current_app.config.get("IMPORT_WAIT_SECONDS", SMALL_FILE_WAIT))


def _upload_page(loaded, form_model, *, error: str | None = None, status: int = 200):
    limit = current_app.config.get("IMPORT_MAX_BYTES", DEFAULT_IMPORT_MAX_BYTES)
    return context.render_screen("runtime/import.html", status=status, loaded=loaded, form=form_model,
                                 error=error, fields=_field_names(form_model),
                                 max_mb=max(1, limit // (1024 * 1024)),
                                 max_rows=f"{ImportLimits.current().max_rows:,}")


def _own_run(app: str, form: str, run_id: str) -> ImportRun:
    run = background.run_store().load(run_id)
    if run is None or run.owner != context.screen_actor().user_id or (run.app, run.form) != (app, form):
        raise NotFound(_("This import is not known (imports are kept for a day)."))
    return run


def _can_import(run: ImportRun, store) -> bool:
    """A finished preview whose file is still there, without header errors."""
    report = run.report or {}
    header_errors = any(e.get("row") == 1 for e in report.get("errors", []))
    return run.dry_run and run.status == DONE and not header_errors and store.has_upload(run)


def _sample(data: bytes, filename: str) -> list[list[str]]:
    """The file's first rows as text, header first, empty rows kept so each
    shows at its number; raises BadRequest for unreadable files."""
    sample: list[list[str]] = []
    for number, row in islice(read_rows(data, filename), SAMPLE_ROWS + 1):
        while len(sample) < min(number - 1, SAMPLE_ROWS + 1):
            sample.append([])
        if len(sample) > SAMPLE_ROWS:
            break
        sample.append(["" if cell is None else str(cell) for cell in row])
    return sample


def _field_names(form_model) -> list[tuple[str, str]]:
    """What a column header may say: a field's name, or its label in either language."""
    names = [(f.name, label(f.label, f.name)) for f in form_model.scalar_fields]
    for sub in form_model.subforms:
        names += [(f"{sub.name}.{f.name}", f"{label(sub.label, sub.name)} › {label(f.label, f.name)}")
                  for f in sub.fields]
    return names


def _column_rows(form_model, columns: list[dict]) -> list[dict]:
    """The import report's columns with the field's label in the page language."""
    known = import_candidates(form_model)
    rows = []
    for column in columns:
        name = column.get("field")
        found = known.get(name) if name else None
        field = found.field if found is not None else None
        rows.append({**column, "label": label(field.label, field.name) if field else (name or "")})
    return rows
