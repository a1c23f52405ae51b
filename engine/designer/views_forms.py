"""Form pages: the form editor (properties, fields, list), its live preview,
the workflow editor with its diagram, and the permissions editors."""
from __future__ import annotations

from flask import abort, jsonify, render_template, request, url_for

from engine.db import get_db
from engine.definitions.errors import errors_only
from engine.designer import conditions, service
from engine.designer.diagram import workflow_svg
from engine.designer.items import FIELD_TYPES
from engine.designer.pages import render
from engine.designer.views import designer
from engine.runtime.web import context
from engine.runtime.web.headers import frameable_by_same_site


def _form(app: str, index: int) -> dict:
    definition = service.load_draft(get_db(), app, context.screen_actor()).definition
    forms = definition.get("forms") or []
    if not 0 <= index < len(forms) or not isinstance(forms[index], dict):
        abort(404)
    return forms[index]


@designer.get("/apps/<app>/forms/<int:index>")
def form_editor(app: str, index: int):
    form = _form(app, index)
    return render("designer/form.html", app, form=form, index=index, base=f"forms[{index}]",
                  field_types=FIELD_TYPES, tab="fields")


@designer.get("/apps/<app>/forms/<int:index>/preview")
@frameable_by_same_site          # the form editor shows it in a frame (DESIGN §7.1)
def form_preview(app: str, index: int):
    form = _form(app, index)
    definition = service.load_draft(get_db(), app, context.screen_actor()).definition
    errors = errors_only(service.problems_of(definition))
    if errors:
        return render_template("designer/preview.html", errors=errors, app_name=app), 200
    from engine.designer.preview import preview_context
    page = preview_context(definition, form["name"], context.screen_actor(),
                           url_for("designer.form_preview_compute", app=app, index=index))
    return render_template("designer/preview.html", errors=[], app_name=app, **page)


@designer.post("/apps/<app>/forms/<int:index>/preview")
def form_preview_compute(app: str, index: int):
    """The preview's live recalculation: the draft's formulas over what was typed."""
    form = _form(app, index)
    definition = service.load_draft(get_db(), app, context.screen_actor()).definition
    if errors_only(service.problems_of(definition)):
        return jsonify({"fields": {}, "rows": {}, "errors": {}, "general": []})
    from engine.designer.preview import compute
    return jsonify(compute(definition, form["name"], request.form))


@designer.get("/apps/<app>/forms/<int:index>/workflow")
def workflow(app: str, index: int):
    form = _form(app, index)
    flow = form.get("workflow")
    svg = workflow_svg(flow, context.screen_actor().language) if isinstance(flow, dict) else ""
    return render("designer/workflow.html", app, form=form, index=index, base=f"forms[{index}]",
                  flow=flow, svg=svg, tab="workflow", parse_condition=conditions.parse,
                  condition_fields=conditions.form_field_names(form))


@designer.get("/apps/<app>/forms/<int:index>/permissions")
def form_permissions(app: str, index: int):
    form = _form(app, index)
    scopes = {role: conditions.parse(rights.get("rows")) for role, rights in
              (form.get("permissions") or {}).items() if isinstance(rights, dict)}
    return render("designer/permissions_form.html", app, form=form, index=index, base=f"forms[{index}]",
                  scopes=scopes, operators=conditions.OPERATORS, tab="permissions",
                  scope_fields=conditions.form_field_names(form))


@designer.get("/apps/<app>/permissions")
def permissions(app: str):
    return render("designer/permissions.html", app, rights=("read", "create", "update", "delete",
                                                             "export", "import"))
