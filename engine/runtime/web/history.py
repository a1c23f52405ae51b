"""The history timeline (diffs, causes, restore) and the ledger movements
(库存流水) of a record, as view models; and the restore action."""
from __future__ import annotations

from typing import Any, Mapping

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l

from engine.definitions.model import FieldModel, FormModel
from engine.runtime.errors import BadRequest, Duplicate, Forbidden, ValidationFailed
from engine.runtime.web import context
from engine.runtime.web.i18n import label
from engine.runtime.web.screens import screens
from engine.runtime.web.titles import TitleCollector
from engine.runtime.web.widgets import display_value, format_decimal


def collect_links(form: FormModel, entries: list[Mapping[str, Any]], collector: TitleCollector) -> None:
    for entry in entries:
        changes = entry.get("changes") or {}
        for name, pair in (changes.get("fields") or {}).items():
            field = form.field(name)
            if field is not None and field.type == "link":
                for value in pair:
                    collector.add(field.form, value)
        for sub_name, rows in (changes.get("rows") or {}).items():
            sub = form.field(sub_name)
            if sub is None:
                continue
            for row in (rows.get("added") or []) + (rows.get("removed") or []):
                _collect_row(sub, row, collector)
            for change in rows.get("changed") or []:
                for name, pair in change.get("fields", {}).items():
                    cell = sub.subfield(name)
                    if cell is not None and cell.type == "link":
                        for value in pair:
                            collector.add(cell.form, value)


def _collect_row(sub: FieldModel, row: Mapping[str, Any], collector: TitleCollector) -> None:
    for cell in sub.fields:
        if cell.type == "link":
            collector.add(cell.form, row.get(cell.name))


ACTIONS = {"create": _l("Created"), "update": _l("Changed"), "delete": _l("Deleted"),
           "restore": _l("Restored"), "transition": _l("Workflow")}


def history_view(loaded, form: FormModel, entries: list[Mapping[str, Any]],
                 titles: Mapping[tuple[str, int], str]) -> list[dict[str, Any]]:
    views = []
    for position, entry in enumerate(entries):
        changes = entry.get("changes") or {}
        views.append({
            "id": entry["id"], "at": _time(entry["at"]), "action": entry["action"],
            "action_label": ACTIONS.get(entry["action"], entry["action"]),
            "actor": (entry.get("actor") or {}).get("username") or _("system"),
            "cause": cause_text(loaded, entry.get("cause") or {}),
            "fields": [_field_change(form, name, pair, titles)
                       for name, pair in (changes.get("fields") or {}).items()],
            "rows": [_rows_change(form, name, rows, titles) for name, rows in (changes.get("rows") or {}).items()
                     if form.field(name) is not None],
            "transition": _transition(form, changes.get("transition")),
            # The newest entry is the current state: restoring it changes nothing.
            "restorable": position > 0 or entry["action"] == "delete",
        })
    return views


def _field_change(form: FormModel, name: str, pair, titles) -> dict[str, str]:
    field = form.field(name)
    if field is None:          # the workflow state
        return {"label": _("Status"), "before": _state(form, pair[0]), "after": _state(form, pair[1])}
    return {"label": label(field.label, name), "before": display_value(field, pair[0], titles),
            "after": display_value(field, pair[1], titles)}


def _rows_change(form: FormModel, name: str, rows: Mapping[str, Any], titles) -> dict[str, Any]:
    sub = form.field(name)

    def row_text(row):
        return ", ".join(f"{label(c.label, c.name)} {display_value(c, row.get(c.name), titles)}"
                         for c in sub.fields if row.get(c.name) not in (None, ""))
    changed = []
    for change in rows.get("changed") or []:
        cells = []
        for cell_name, pair in change.get("fields", {}).items():
            cell = sub.subfield(cell_name)
            if cell is not None:
                cells.append({"label": label(cell.label, cell_name), "before": display_value(cell, pair[0], titles),
                              "after": display_value(cell, pair[1], titles)})
        changed.append(cells)
    return {"label": label(sub.label, name), "added": [row_text(r) for r in rows.get("added") or []],
            "removed": [row_text(r) for r in rows.get("removed") or []], "changed": changed}


def _transition(form: FormModel, info: Mapping[str, Any] | None) -> dict[str, str] | None:
    if not info:
        return None
    transition = form.workflow.transition(info.get("name", "")) if form.workflow else None
    return {"label": label(transition.label, info.get("name", "")) if transition else str(info.get("name")),
            "from": _state(form, info.get("from")), "to": _state(form, info.get("to")),
            "comment": info.get("comment") or ""}


def _state(form: FormModel, value: Any) -> str:
    if form.workflow is None or value is None:
        return "" if value is None else str(value)
    state = next((s for s in form.workflow.states if s.value == value), None)
    return label(state.label, str(value)) if state else str(value)


def cause_text(loaded, cause: Mapping[str, Any]) -> str:
    kind, detail = cause.get("kind"), cause.get("detail") or ""
    if kind == "rule":
        names = [label(rule.label, rule.name) if rule and rule.label else part
                 for part in detail.split(" → ")
                 for rule in [next((r for r in loaded.model.rules if r.name == part), None)]]
        return _("rule: %(names)s", names=" → ".join(names))
    if kind == "restore":
        return _("restore (%(detail)s)", detail=detail)
    if kind == "api":
        return _("API (%(detail)s)", detail=detail)
    if kind == "import":
        return _("import (%(detail)s)", detail=detail)
    return _("by hand") if kind == "user" else f"{kind} {detail}".strip()


def ledger_view(loaded, movements: list[Mapping[str, Any]], titles) -> list[dict[str, Any]]:
    views = []
    for move in movements:
        rule = next((r for r in loaded.model.rules if r.name == move["rule"]), None)
        target = loaded.model.form(move["target"]["form"].split(".")[0])
        field = target.field(move["field"]) if target else None
        source_form = loaded.model.form(move["source"]["form"])
        # The permission layer leaves out the id of a source the caller may not
        # open (a count, a transfer): the movement names its form, nothing more.
        source_id = move["source"]["id"]
        views.append({
            "at": _time(move["at"]), "rule": label(rule.label, rule.name) if rule and rule.label else move["rule"],
            "field": label(field.label, move["field"]) if field else move["field"],
            "delta": format_decimal(move["delta"], field.scale if field else None),
            "negative": str(move["delta"]).startswith("-"),
            "source_label": label(source_form.label, move["source"]["form"]) if source_form else move["source"]["form"],
            "source_title": (titles.get((move["source"]["form"], source_id)) or f"#{source_id}")
            if source_id is not None else "",
            "source_href": context.record_href(loaded, move["source"]["form"], source_id),
            "cause": cause_text(loaded, move.get("cause") or {}),
        })
    return views


def is_rule_target(loaded, form: FormModel) -> bool:
    return any(r.is_contribution and r.target_form == form.name for r in loaded.model.rules)


def conflict_changes(loaded, form: FormModel, current: Mapping[str, Any], since_version: int | None,
                     actor) -> list[dict[str, Any]]:
    """The history entries saved after the version the user had open."""
    entries = context.service().history(loaded.name, form.name, current["id"], actor=actor)
    missed = max(1, current["version"] - since_version) if since_version else 1
    recent = entries[:missed]
    collector = TitleCollector(loaded)
    collect_links(form, recent, collector)
    return history_view(loaded, form, recent, collector.resolve(context.service(), actor))


def _time(value: str) -> str:
    return value[:19].replace("T", " ") + " UTC" if isinstance(value, str) else str(value)


@screens.post("/apps/<app>/<form>/<int:record_id>/restore")
def restore_record(app: str, form: str, record_id: int):
    actor = context.screen_actor()
    loaded = context.load_app(app)
    entry = request.form.get("to", "")
    if not entry.isdigit() or len(entry) > 18:
        raise BadRequest("'to' must be the id of a history entry")
    try:
        context.service().restore(app, form, record_id, int(entry), actor=actor,
                                  confirm=request.form.get("_confirm") == "1")
    except (ValidationFailed, Forbidden, Duplicate) as error:   # a check, a rule or a unique key refuses it
        from engine.runtime.web.detail import render_detail
        return render_detail(loaded, loaded.form(form), record_id, action_error=error)
    flash(_("Restored to the state after history entry %(entry)s.", entry=entry), "success")
    return redirect(url_for("screens.show_record", app=app, form=form, record_id=record_id))
