"""Streamed export of a form's list (current filter and sort, permissions applied).

Rows come from `RecordService.list` one keyset page at a time, so memory stays
flat: CSV is a generator of text chunks; XLSX is written by openpyxl's
write-only workbook into a temporary file which is then streamed.

`?subform=lines` exports one row per subform row, the parent's columns repeated
on each (a record without rows gets one row): the layout import reads back.
"""
from __future__ import annotations

import csv
import io
import tempfile
from dataclasses import dataclass
from typing import Any, Iterator

from sqlalchemy import select

from engine.definitions.model import FormModel
from engine.runtime.actor import Actor
from engine.runtime.errors import BadRequest, ErrorDetail, Forbidden
from engine.runtime.permissions import access_for
from engine.runtime.records.values import json_value
from engine.runtime.transfer import formulas
from engine.runtime.transfer.columns import Column, cell_out, export_columns, header_text

PAGE_SIZE = 500
FORMATS = ("csv", "xlsx")


@dataclass
class ExportPlan:
    service: Any
    app: str
    form: FormModel
    actor: Actor
    columns: list[Column]
    headers: list[str]
    filter: str | None
    sort: str | None
    subform: str | None
    sub_titles: dict[str, Any]       # subform link field -> target form (titles allowed)


def plan_export(service, app: str, form_name: str, actor: Actor, *, filter=None, sort=None,
                subform=None, language=None) -> ExportPlan:
    with service.database.read() as connection:
        loaded = service.registry.get(connection, app)
    form = loaded.form(form_name)
    access = access_for(actor, loaded.model, form)
    if not access.can("read") or not access.can("export"):
        raise Forbidden(f"You may not export {form.name} records")
    visible = access.readable
    sub_titles: dict[str, Any] = {}
    if subform:
        sub = form.field(subform)
        if sub is None or not sub.is_subform or subform not in visible:
            raise BadRequest(f"No subform {subform!r} to export",
                             [ErrorDetail("subform", "unknown or hidden subform")])
        for field in sub.fields:
            target = loaded.model.form(field.form) if field.type == "link" else None
            if target is not None and target.title:
                target_access = access_for(actor, loaded.model, target)
                if target_access.can("read") and not target_access.is_row_limited \
                        and target_access.level(target.title) != "hidden":
                    sub_titles[field.name] = target
    columns = export_columns(form, visible, subform)
    headers = [header_text(c, form, language) for c in columns]
    return ExportPlan(service, app, form, actor, columns, headers, filter, sort, subform, sub_titles)


def records(plan: ExportPlan, first_page) -> Iterator[dict[str, Any]]:
    page = first_page
    while True:
        yield from page.items
        if not page.next:
            return
        page = plan.service.list(plan.app, plan.form.name, actor=plan.actor, filter=plan.filter,
                                 sort=plan.sort, limit=PAGE_SIZE, after=page.next)


def first_page(plan: ExportPlan):
    """Read eagerly, so a bad filter or sort answers 400 before anything streams."""
    return plan.service.list(plan.app, plan.form.name, actor=plan.actor, filter=plan.filter,
                             sort=plan.sort, limit=PAGE_SIZE)


def rows(plan: ExportPlan, page, *, xlsx: bool) -> Iterator[list[Any]]:
    batch: list[dict[str, Any]] = []
    for record in records(plan, page):
        batch.append(record)
        if len(batch) >= PAGE_SIZE:
            yield from _batch_rows(plan, batch, xlsx)
            batch = []
    yield from _batch_rows(plan, batch, xlsx)


def _batch_rows(plan: ExportPlan, batch, xlsx: bool) -> Iterator[list[Any]]:
    sub_rows = _subform_rows(plan, [r["id"] for r in batch]) if plan.subform and batch else {}
    for record in batch:
        titles = record.get("_titles") or {}
        parent = [cell_out(c.field, record.get(c.name), titles.get(c.name), xlsx=xlsx)
                  for c in plan.columns if not c.subform]
        if not plan.subform:
            yield parent
            continue
        lines = sub_rows.get(record["id"]) or [None]
        for line in lines:
            yield parent + [None if line is None else
                            cell_out(c.field, line.get(c.key), line.get(f"{c.key}__title"), xlsx=xlsx)
                            for c in plan.columns if c.subform]


def _subform_rows(plan: ExportPlan, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The page's subform rows in one query, link titles in one query per target."""
    with plan.service.database.read() as connection:
        loaded = plan.service.registry.get(connection, plan.app)
        table = loaded.tables.subform(plan.form.name, plan.subform)
        found: dict[int, list[dict[str, Any]]] = {}
        for row in connection.execute(select(table).where(table.c.parent_id.in_(ids))
                                      .order_by(table.c.parent_id, table.c.position, table.c.id)).mappings():
            found.setdefault(row["parent_id"], []).append(json_value(dict(row)))
        for name, target in plan.sub_titles.items():
            wanted = {r[name] for rows_ in found.values() for r in rows_ if r.get(name) is not None}
            if not wanted:
                continue
            target_table = loaded.tables.form(target.name)
            titles = dict(connection.execute(select(target_table.c.id, target_table.c[target.title])
                                             .where(target_table.c.id.in_(sorted(wanted)))).all())
            for rows_ in found.values():
                for r in rows_:
                    r[f"{name}__title"] = json_value(titles.get(r.get(name)))
        return found


def csv_chunks(plan: ExportPlan, page) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([formulas.csv_text(h) for h in plan.headers])
    yield "\ufeff" + buffer.getvalue()       # BOM: Excel opens UTF-8 correctly
    buffer.seek(0), buffer.truncate()
    for count, row in enumerate(rows(plan, page, xlsx=False), 1):
        writer.writerow(["" if v is None else v for v in row])
        if count % 200 == 0:
            yield buffer.getvalue()
            buffer.seek(0), buffer.truncate()
    yield buffer.getvalue()


def xlsx_file(plan: ExportPlan, page):
    """A write-only workbook in a temporary file (deleted when closed), rewound."""
    from openpyxl import Workbook
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=(plan.form.name[:31] or "records"))
    sheet.append(formulas.xlsx_row(sheet, plan.headers))
    for row in rows(plan, page, xlsx=True):
        sheet.append(formulas.xlsx_row(sheet, row))
    handle = tempfile.TemporaryFile(suffix=".xlsx")
    workbook.save(handle)
    handle.seek(0)
    return handle
