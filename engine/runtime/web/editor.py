"""The record form as view models: a FieldView per input, subforms as tables
of rows, link pickers with their options. Values come from the stored record
and, after a failed save, from what the user posted."""
from __future__ import annotations

from dataclasses import dataclass, field as dataclass_field
from typing import Any, Mapping

from flask import url_for

from engine.definitions.model import FieldModel, FormModel
from engine.runtime.errors import BadRequest, Forbidden, NotFound
from engine.runtime.web import context
from engine.runtime.web.access import HIDDEN, FormAccess
from engine.runtime.web.i18n import label
from engine.runtime.web.titles import TitleCollector
from engine.runtime.web.widgets import FieldView, LinkChoices, display_value, input_value

LINK_SELECT_LIMIT = 50       # more rows than this: the picker searches on the server
SPARE_ROWS_NEW = 3           # blank rows a page offers without JavaScript
SPARE_ROWS_EDIT = 1


@dataclass
class SubformView:
    model: FieldModel
    mode: str
    columns: list[FieldView]             # header cells (labels), and the blank template row
    rows: list[list[FieldView]]
    row_ids: list[Any]
    errors: list[str] = dataclass_field(default_factory=list)

    @property
    def name(self) -> str:
        return self.model.name

    @property
    def label(self) -> str:
        return label(self.model.label, self.model.name)


@dataclass
class EditorView:
    fields: list[FieldView]
    subforms: list[SubformView]


class EditorBuilder:
    def __init__(self, service, loaded, form: FormModel, access: FormAccess, actor,
                 errors: Mapping[str, list[str]] | None = None):
        self.service, self.loaded, self.form = service, loaded, form
        self.access, self.actor = access, actor
        self.errors = errors or {}
        self._choices: dict[str, LinkChoices] = {}
        self.titles: dict[tuple[str, int], str] = {}

    def build(self, record: Mapping[str, Any], *, creating: bool) -> EditorView:
        collector = TitleCollector(self.loaded)
        collector.add_record(self.form, _typed_links(self.form, record))
        self.titles = collector.resolve(self.service, self.actor)
        fields = [self._field(f, record.get(f.name), f.name, f.name, self.access.mode(f.name))
                  for f in self.form.scalar_fields if self.access.mode(f.name) != HIDDEN]
        subforms = [self._subform(sub, record.get(sub.name) or [], creating)
                    for sub in self.form.subforms if self.access.mode(sub.name) != HIDDEN]
        return EditorView(fields, subforms)

    def _field(self, model: FieldModel, value: Any, input_name: str, path: str, mode: str,
               prefix: str = "") -> FieldView:
        view = FieldView(model=model, input_name=input_name, path=path, mode=mode,
                         value=input_value(model, value), display=display_value(model, value, self.titles),
                         errors=list(self.errors.get(path, [])))
        if model.type == "link":
            view.href = context.record_href(self.loaded, model.form, value)
            if mode == "write":
                view.choices = self._link_choices(model, prefix, value)
        return view

    def _subform(self, sub: FieldModel, rows: list[Mapping[str, Any]], creating: bool) -> SubformView:
        visible = [f for f in sub.fields if self.access.mode(f"{sub.name}.{f.name}") != HIDDEN]
        mode = self.access.mode(sub.name)
        columns = [self._field(f, None, f"{sub.name}-__index__-{f.name}", f"{sub.name}[__index__].{f.name}",
                               self._cell_mode(sub, f, mode), prefix=f"{sub.name}.") for f in visible]
        spare = (SPARE_ROWS_NEW if creating else SPARE_ROWS_EDIT) if mode == "write" else 0
        all_rows = list(rows) + [{} for _ in range(spare)]
        table_rows, row_ids = [], []
        for index, row in enumerate(all_rows):
            table_rows.append([
                self._field(f, row.get(f.name), f"{sub.name}-{index}-{f.name}", f"{sub.name}[{index}].{f.name}",
                            self._cell_mode(sub, f, mode), prefix=f"{sub.name}.") for f in visible])
            row_ids.append(row.get("id") or "")
        return SubformView(sub, mode, columns, table_rows, row_ids, list(self.errors.get(sub.name, [])))

    def _cell_mode(self, sub: FieldModel, cell: FieldModel, sub_mode: str) -> str:
        mode = self.access.mode(f"{sub.name}.{cell.name}")
        return "read" if sub_mode == "read" and mode == "write" else mode

    def _link_choices(self, model: FieldModel, prefix: str, value: Any) -> LinkChoices:
        key = prefix + model.name
        if key not in self._choices:
            self._choices[key] = self._fetch_choices(model, key)
        choices = self._choices[key]
        if value not in (None, "") and str(value).isdigit() and all(o[0] != int(value) for o in choices.options):
            title = self.titles.get((model.form, int(value)), f"#{value}")
            return LinkChoices([(int(value), title)] + choices.options, choices.lookup_url)
        return choices

    def _fetch_choices(self, model: FieldModel, key: str) -> LinkChoices:
        target = self.loaded.model.form(model.form)
        sort = target.title if target and target.title else "id"
        try:
            page = self.service.list(self.loaded.name, model.form, actor=self.actor, sort=sort,
                                     limit=LINK_SELECT_LIMIT)
        except (Forbidden, NotFound, BadRequest):
            return LinkChoices([])      # the caller cannot read the target: nothing to pick
        options = [(item["id"], _title(target, item)) for item in page.items]
        lookup = url_for("screens.lookup", app=self.loaded.name, form=self.form.name, field=key) \
            if page.next else None
        return LinkChoices(options, lookup)


def _title(target: FormModel | None, item: Mapping[str, Any]) -> str:
    if target is not None and target.title and item.get(target.title) not in (None, ""):
        return str(item[target.title])
    if target is not None and "_titles" in item:   # a title-less form: show its linked titles
        return " / ".join(str(v) for v in item["_titles"].values() if v) or f"#{item['id']}"
    return f"#{item['id']}"


def _typed_links(form: FormModel, record: Mapping[str, Any]) -> dict[str, Any]:
    """Posted values are text: link ids as int where they are numbers."""
    def cast(value):
        return int(value) if isinstance(value, str) and value.isdigit() else value
    result = {f.name: cast(record.get(f.name)) for f in form.scalar_fields if f.type == "link"}
    for sub in form.subforms:
        result[sub.name] = [{f.name: cast(row.get(f.name)) for f in sub.fields if f.type == "link"}
                            for row in record.get(sub.name) or []]
    return result


def link_target_title(target: FormModel | None, item: Mapping[str, Any]) -> str:
    return _title(target, item)
