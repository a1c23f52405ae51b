"""The app home and the list screen: columns from the definition, link titles,
sort by column, keyset pages, filter builder, raw filter and quick search.

Rows, titles, row scopes and hidden fields all come from `RecordService.list`
(one query per page, no count of the table)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import current_app, request, url_for
from flask_babel import gettext as _

from engine.definitions.model import FieldModel, FormModel
from engine.runtime.errors import BadRequest, Forbidden
from engine.runtime.web import context, filter_builder
from engine.runtime.web.filter_builder import Condition, FilterInputError
from engine.runtime.web.i18n import label
from engine.runtime.web.refusals import refusal_lines
from engine.runtime.web.screens import screens
from engine.runtime.web.titles import record_title
from engine.runtime.web.widgets import display_value, link_title

PAGE_SIZE = 50
DEFAULT_COLUMNS = 5


@dataclass
class Column:
    name: str
    label: str
    field: FieldModel | None


@screens.get("/apps/<app>/")
def app_home(app: str):
    actor = context.screen_actor()
    loaded = context.load_app(app)
    from engine.runtime.dashboards.screens import home_dashboard
    return context.render_screen("runtime/home.html", loaded=loaded, board=home_dashboard(loaded, actor))


@screens.get("/apps/<app>/<form>/")
def list_records(app: str, form: str):
    actor = context.screen_actor()
    loaded = context.load_app(app)
    form_model = loaded.form(form)
    access = context.form_access(loaded, form_model)
    if not access.read:
        raise Forbidden(f"You may not read {form} records")
    columns = list_columns(loaded, form_model, access)
    state = _list_state(form_model, access)
    page, items = None, []
    if not state["errors"]:
        try:
            page = context.service().list(app, form, actor=actor, filter=state["expression"],
                                          sort=state["sort"], limit=PAGE_SIZE, after=state["after"])
        except BadRequest as error:        # a filter, sort or cursor the service refused
            state["errors"] = refusal_lines(error) or [
                f"{d.field}: {d.message}" if d.field else d.message for d in error.details] or [error.message]
        else:
            items = [_row(loaded, form_model, columns, item) for item in page.items]
    return context.render_screen(
        "runtime/list.html", status=400 if state["errors"] else 200, loaded=loaded, form=form_model,
        access=access, columns=columns, rows=items, state=state,
        next_url=_page_url(after=page.next) if page and page.next else None,
        first_url=_page_url(after=None) if state["after"] else None,
        sort_url=_sort_url, export_url=_export_url(app, form, state, access),
        filter_fields=[(n, _column_label(form_model, n)) for n in
                       filter_builder.filterable(form_model, access.visible)],
        operators=filter_builder.OPERATORS)


def list_columns(loaded, form: FormModel, access) -> list[Column]:
    names = list(form.list_columns) or [f.name for f in form.scalar_fields][:DEFAULT_COLUMNS]
    if form.workflow and form.workflow.field not in names and not form.list_columns:
        names.append(form.workflow.field)
    return [Column(n, _column_label(form, n), form.field(n)) for n in names if access.visible(n)]


def _column_label(form: FormModel, name: str) -> str:
    field = form.field(name)
    if field is not None:
        return label(field.label, name)
    if form.workflow and name == form.workflow.field:
        return _("Status")
    return name


def _list_state(form: FormModel, access) -> dict[str, Any]:
    args = request.args
    conditions = filter_builder.parse_conditions(args)
    parts, errors = [], []
    for condition in conditions:
        if condition.field not in filter_builder.filterable(form, access.visible):
            errors.append(f"{condition.field}: not a field you can filter on")
            continue
        try:
            parts.append(filter_builder.condition_expression(form, condition))
        except FilterInputError as error:
            errors.append(f"{_column_label(form, condition.field)}: {error}")
    raw = args.get("filter", "").strip()
    search = args.get("q", "").strip()
    parts += [raw, filter_builder.quick_search(form, search, access.visible) or ""]
    return {"conditions": conditions or [Condition("", "==", "")], "raw": raw, "q": search,
            "sort": args.get("sort") or None, "after": args.get("after") or None,
            "expression": filter_builder.combine(parts), "errors": errors}


def _row(loaded, form: FormModel, columns: list[Column], item: dict[str, Any]) -> dict[str, Any]:
    titles = {(c.field.form, item.get(c.name)): (item.get("_titles") or {}).get(c.name)
              for c in columns if c.field is not None and c.field.type == "link"}
    cells = []
    for column in columns:
        value = item.get(column.name)
        if column.field is None:
            text = _state_label(form, value) if form.workflow and column.name == form.workflow.field else value
            cells.append({"text": "" if text is None else str(text), "href": None})
        elif column.field.type == "link" and value is not None:
            cells.append({"text": link_title(column.field.form, value, titles),
                          "href": context.record_href(loaded, column.field.form, value)})
        else:
            cells.append({"text": display_value(column.field, value), "href": None,
                          "numeric": column.field.is_numeric})
    return {"id": item["id"], "title": record_title(form, item), "cells": cells,
            "href": url_for("screens.show_record", app=loaded.name, form=form.name, record_id=item["id"])}


def _state_label(form: FormModel, value: Any) -> str:
    state = next((s for s in form.workflow.states if s.value == value), None)
    return label(state.label, str(value)) if state else ("" if value is None else str(value))


def _page_url(**changes: Any) -> str:
    params = [(k, v) for k, v in request.args.items(multi=True) if k not in changes]
    params += [(k, v) for k, v in changes.items() if v is not None]
    return request.path + ("?" + urlencode(params) if params else "")


def _sort_url(name: str) -> tuple[str, str | None]:
    """The link a column header points to, and the column's current direction."""
    current = request.args.get("sort") or ""
    direction = "asc" if current == name else "desc" if current == f"-{name}" else None
    target = f"-{name}" if direction == "asc" else name
    return _page_url(sort=target, after=None), direction


def _export_url(app: str, form: str, state: dict[str, Any], access) -> str | None:
    """Export of the current selection, once the export endpoint exists (automation issue)."""
    if not access.export or "api.export_records" not in current_app.view_functions:
        return None
    params = {"format": "csv"}
    if state["expression"]:
        params["filter"] = state["expression"]
    if state["sort"]:
        params["sort"] = state["sort"]
    return url_for("api.export_records", app=app, form=form) + "?" + urlencode(params)
