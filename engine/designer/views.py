"""The designer blueprint (/designer/): apps, drafts and the JSON endpoints.

Pages are plain HTML forms that work without JavaScript; engine/static/designer.js
sends the same edits as small JSON patches and shows the validation errors it
gets back next to the controls (by `data-path`). Only administrators and users
with the designer right get in (engine/designer/access.py).
"""
from __future__ import annotations

import json

from flask import (Blueprint, Response, flash, jsonify, redirect, request, url_for)
from flask_babel import gettext as _

from engine.db import get_db
from engine.designer import items, service
from engine.designer.access import can_design
from engine.designer.editing import operations_from_form
from engine.designer.pages import render
from engine.designer.paths import PatchError, get_at, parse_path
from engine.runtime.errors import Forbidden, ServiceError, Unauthorized
from engine.runtime.web import context

designer = Blueprint("designer", __name__, url_prefix="/designer")


@designer.before_request
def _only_designers():
    actor = context.optional_actor()
    if actor is None:
        raise Unauthorized("Sign in to open the designer")
    if not can_design(actor):
        raise Forbidden("Only administrators and designers may open the designer")


def _wants_json() -> bool:
    return request.is_json or request.accept_mimetypes.best == "application/json"


@designer.errorhandler(ServiceError)
def _service_error(error: ServiceError):
    if _wants_json():
        return jsonify(error={"code": error.code, "message": error.message, "details": []}), error.status
    if isinstance(error, Unauthorized):
        return redirect(context.login_url() or "/login")
    from engine.runtime.web.errors import error_page
    return error_page(error.status, error.message)


@designer.errorhandler(Exception)
def _unexpected(error: Exception):
    """A bug: logged, and the user sees the error page (nothing half-saved: each
    change is one transaction), never a traceback."""
    from werkzeug.exceptions import HTTPException
    from engine.runtime.web.errors import error_page
    if isinstance(error, HTTPException):       # 404 and friends: the app's own error page
        return error if error.code is None or error.code < 400 else error_page(error.code)
    import logging
    logging.getLogger(__name__).exception("designer error on %s %s", request.method, request.path)
    if _wants_json():
        return jsonify(error={"code": "internal", "message": "Something went wrong; nothing was saved",
                              "details": []}), 500
    return error_page(500)


@designer.errorhandler(service.DesignerError)
def _designer_error(error: service.DesignerError):
    details = [{"field": e.path, "message": e.message} for e in error.errors] or \
        [{"field": error.path, "message": error.message}]
    if _wants_json():
        return jsonify(error={"code": "invalid", "message": error.message, "details": details}), 422
    flash(error.message, "danger")
    for detail in details[:20] if error.errors else []:
        flash(f"{detail['field']}: {detail['message']}", "danger")
    return redirect(_back())


def _back() -> str:
    """Where a form post returns to: a same-site path only (never //elsewhere)."""
    from urllib.parse import urlsplit
    from engine.runtime.web.auth import safe_next
    target = request.form.get("_next") or ""
    if not target and request.referrer and request.referrer.startswith(request.host_url):
        parts = urlsplit(request.referrer)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
    target = safe_next(target)
    return target if target.startswith("/designer/") else url_for("designer.index")


def _actor():
    return context.screen_actor()


# ---------------------------------------------------------------- apps list
@designer.get("/")
def index():
    return render("designer/index.html", apps=service.list_apps(get_db()))


@designer.post("/apps")
def create_app():
    name = request.form.get("name", "")
    service.create_app(get_db(), name, request.form.get("label_zh", ""), request.form.get("label_en", ""),
                       _actor())
    flash(_("The app %(name)s was created. Add its first form.", name=name), "success")
    return redirect(url_for("designer.app_overview", app=name.strip()))


@designer.post("/import")
def import_app():
    upload = request.files.get("file")
    text = upload.read().decode("utf-8", "replace") if upload and upload.filename else request.form.get("json", "")
    try:
        name = service.import_app(get_db(), text, _actor())
    except service.DesignerError as error:
        return render("designer/index.html", status=422, apps=service.list_apps(get_db()),
                      import_error=error, import_text=text)
    flash(_("Imported %(name)s as a draft. Publish it to install it.", name=name), "success")
    return redirect(url_for("designer.app_overview", app=name))


@designer.get("/apps/<app>/")
def app_overview(app: str):
    from engine.designer.sentences import rule_sentence
    return render("designer/app.html", app, sentence=rule_sentence)


@designer.get("/apps/<app>/export")
def export(app: str):
    definition = service.export_definition(get_db(), app)
    body = json.dumps(definition, ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{app}.json"'})


@designer.post("/apps/<app>/delete")
def delete_app(app: str):
    if not request.form.get("confirm"):
        raise service.DesignerError(_("Tick the box to confirm that the app should be deleted"), "confirm")
    service.delete_app(get_db(), app, _actor())
    flash(_("%(name)s was deleted: nobody can open it now. Its tables and data are kept until you purge it.",
            name=app), "success")
    return redirect(url_for("designer.index"))


@designer.post("/apps/<app>/restore")
def restore_app(app: str):
    service.restore_app(get_db(), app, _actor())
    flash(_("%(name)s was restored.", name=app), "success")
    return redirect(url_for("designer.app_overview", app=app))


@designer.post("/apps/<app>/purge")
def purge_app(app: str):
    dropped = service.purge_app(get_db(), app, _actor(), request.form.get("confirm_name", ""))
    flash(_("%(name)s was purged: %(count)s tables and their data were removed.", name=app,
            count=len(dropped)), "success")
    return redirect(url_for("designer.index"))


@designer.post("/apps/<app>/discard")
def discard(app: str):
    service.discard_draft(get_db(), app, _actor())
    flash(_("The draft was discarded; the published version is back in the editor."), "success")
    return redirect(url_for("designer.app_overview", app=app))


# ------------------------------------------------------------ draft (JSON)
def _errors_answer(definition, problems):
    """The problems of the saved draft, and each rule's sentence (the rules page
    shows them updated as the user edits)."""
    from engine.designer.sentences import rule_sentence
    rules = definition.get("rules") if isinstance(definition, dict) else None
    from engine.designer.report_text import report_sentence
    sentences = [{"zh": rule_sentence(definition, r, "zh"), "en": rule_sentence(definition, r, "en")}
                 for r in rules] if isinstance(rules, list) else []
    reports = definition.get("reports") if isinstance(definition, dict) else None
    report_sentences = [{"zh": report_sentence(definition, r, "zh"), "en": report_sentence(definition, r, "en")}
                        for r in reports] if isinstance(reports, list) else []
    from engine.designer.job_text import job_sentence
    jobs = definition.get("jobs") if isinstance(definition, dict) else None
    job_sentences = [{"zh": job_sentence(definition, j, "zh"), "en": job_sentence(definition, j, "en")}
                     for j in jobs] if isinstance(jobs, list) else []
    from engine.designer.dashboard_text import dashboard_sentence
    boards = definition.get("dashboards") if isinstance(definition, dict) else None
    dashboard_sentences = [{"zh": dashboard_sentence(definition, d, "zh"), "en": dashboard_sentence(definition, d, "en")}
                           for d in boards] if isinstance(boards, list) else []
    return jsonify(ok=True, errors=service.error_dicts(problems), sentences=sentences,
                   report_sentences=report_sentences, job_sentences=job_sentences,
                   dashboard_sentences=dashboard_sentences, forecast_sentences=_forecast_sentences(definition),
                   error_count=sum(1 for p in problems if p.severity == "error"))


def _forecast_sentences(definition) -> list[dict]:
    from engine.designer.forecast_text import forecast_sentence
    listed = definition.get("forecasts") if isinstance(definition, dict) else None
    return [{"zh": forecast_sentence(definition, f, "zh"), "en": forecast_sentence(definition, f, "en")}
            for f in listed] if isinstance(listed, list) else []


@designer.get("/apps/<app>/draft")
def draft_json(app: str):
    draft = service.load_draft(get_db(), app, _actor())
    problems = service.problems_of(draft.definition)
    return jsonify(definition=draft.definition, errors=service.error_dicts(problems),
                   base_version_id=draft.base_version_id, updated_at=draft.updated_at.isoformat())


@designer.post("/apps/<app>/draft")
def save_draft(app: str):
    definition = request.get_json(silent=True)
    problems = service.save_definition(get_db(), app, definition, _actor())
    return _errors_answer(definition, problems)


@designer.post("/apps/<app>/patch")
def patch(app: str):
    body = request.get_json(silent=True) or {}
    operations = body.get("ops") if isinstance(body, dict) else body
    definition, problems = service.patch_draft(get_db(), app, operations, _actor())
    return _errors_answer(definition, problems)


@designer.post("/apps/<app>/json")
def save_json(app: str):
    """The JSON editor's plain post: the whole definition as text."""
    text = request.form.get("definition", "")
    try:
        definition = json.loads(text)
    except ValueError as exc:
        raise service.DesignerError(f"Not JSON: line {getattr(exc, 'lineno', '?')}, column "
                                    f"{getattr(exc, 'colno', '?')}: {getattr(exc, 'msg', exc)}") from None
    service.save_definition(get_db(), app, definition, _actor())
    return redirect(_back())


@designer.get("/apps/<app>/json")
def json_editor(app: str):
    return render("designer/raw.html", app, tab="json")


# ------------------------------------------------------- plain form posts
@designer.post("/apps/<app>/edit")
def edit(app: str):
    try:
        operations = operations_from_form(request.form)
    except PatchError as error:
        raise service.DesignerError(str(error), error.path) from None
    service.patch_draft(get_db(), app, operations, _actor())
    return redirect(_back())


@designer.post("/apps/<app>/add")
def add(app: str):
    """Insert a new item (form, field, role, rule, state, transition) at `_list`."""
    draft = service.load_draft(get_db(), app, _actor())
    list_path, kind = request.form.get("_list", ""), request.form.get("kind", "")
    try:
        existing = get_at(draft.definition, parse_path(list_path)) or []
    except PatchError as error:
        raise service.DesignerError(str(error), error.path) from None
    item = _new_item(draft.definition, kind, existing)
    service.patch_draft(get_db(), app, [{"op": "insert", "path": list_path, "value": item}], _actor())
    return redirect(_back())


def _new_item(definition: dict, kind: str, existing: list) -> dict:
    form = request.form
    label = items.label_of(form.get("label_zh", ""), form.get("label_en", ""))
    taken = {i.get("name") for i in existing if isinstance(i, dict)}
    fallback = {"form": "form", "role": "role", "rule": "rule", "state": "state",
                "transition": "transition", "report": "report", "job": "job", "dashboard": "dashboard",
                "forecast": "forecast"}.get(kind, "field")
    name = form.get("name", "").strip() or items.suggest_name(form.get("label_en", ""), taken, fallback)
    forms = [f.get("name") for f in definition.get("forms") or [] if isinstance(f, dict)]
    if kind == "field":
        return items.new_field(form.get("type", "text"), name, label, forms)
    if kind == "form":
        return items.new_form(name, label)
    if kind == "role":
        return {"name": name, **({"label": label} if label else {})}
    if kind in ("contribution", "event"):
        return items.new_rule(kind, name, form.get("source") or (forms[0] if forms else ""), label)
    if kind == "report":
        return items.new_report(name, form.get("source") or (forms[0] if forms else ""), label)
    if kind == "job":
        return items.new_job(name, label, forms)
    if kind == "dashboard":
        return {"name": name, **({"label": label} if label else {})}
    if kind == "forecast":
        return _new_forecast(definition, name, label, form.get("source", ""))
    if kind == "state":
        return items.new_state(name, label)
    if kind == "transition":
        return items.new_transition(name, label, _states(definition, form.get("_list", "")))
    if kind == "option":
        return {"value": form.get("name", "").strip() or f"option_{len(existing) + 1}",
                **({"label": label} if label else {})}
    raise service.DesignerError(f"Cannot add a {kind!r} here", form.get("_list", "$"))


def _new_forecast(definition: dict, name: str, label: dict | None, report: str) -> dict:
    """A forecast of the chosen day report's first measure: valid at once, changed from there."""
    from engine.designer.forecast_text import forecast_reports
    reports = forecast_reports(definition)
    report = report if report in reports else next(iter(reports), "")
    columns = reports.get(report, {"days": [""], "measures": [""]})
    return {"name": name, **({"label": label} if label else {}), "report": report,
            "date": columns["days"][0], "value": (columns["measures"] or [""])[0]}


def _states(definition: dict, list_path: str) -> list[str]:
    workflow = get_at(definition, parse_path(list_path)[:-1]) or {}
    return [s.get("name") if isinstance(s, dict) else s for s in workflow.get("states") or []]
