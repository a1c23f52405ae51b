"""Import of CSV/XLSX rows through the record service (rules fire, cause = import).

The whole import is one transaction; each record is saved in a savepoint so a
bad row is rolled back alone. `mode=all` (default) rolls everything back when
any row fails (422); `mode=skip` commits the good rows; `dry_run` always rolls
back. Rows sharing the value of the key column (`id`, else `?key=`, else the
form's title field) — or with every parent cell blank — are one record, each
such row adding one subform row. A row that trips only warning checks is a
problem like any other (`"warning": true`, with the warning's text) unless the
import runs with `confirm`, which accepts every warning of the import.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from sqlalchemy.exc import SQLAlchemyError

from engine.runtime.actor import Actor, Cause
from engine.runtime.errors import BadRequest, ConfirmationRequired, ErrorDetail, Forbidden, ServiceError
from engine.runtime.permissions import access_for
from engine.runtime.transfer.columns import CellError, Column, cell_in, import_candidates, match_header, rows_blank
from engine.runtime.transfer.links import LinkResolver, cell_text as _text
from engine.runtime.transfer.reader import read_rows

MODES = ("all", "skip")
LOG_BATCH = 500
PROGRESS_EVERY = 200            # records between two progress reports
Progress = Callable[[str, int, int], None]     # (phase, rows done, rows in the file)
ROW_PATH = re.compile(r"^([A-Za-z_]\w*)\[(\d+)\]\.([A-Za-z_]\w*)$")


@dataclass
class Report:
    created: int = 0
    updated: int = 0
    unchanged: int = 0          # rows naming a record whose values they already hold
    errors: list[dict[str, Any]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    columns: list[dict[str, Any]] = field(default_factory=list)   # how each header was read

    def error(self, row, column, message, *, warning: bool = False) -> None:
        self.errors.append({"row": row, "column": column, "message": message,
                            **({"warning": True} if warning else {})})

    def column(self, header: Any, status: str, field: str | None = None) -> None:
        """How one header cell was read: mapped, read_only, info, unknown, duplicate."""
        self.columns.append({"column": str(header), "field": field, "status": status})

    def as_dict(self) -> dict[str, Any]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "errors": self.errors,
                "ignored_columns": self.ignored, "columns": self.columns}


class _Rollback(Exception):
    pass


@dataclass
class Group:
    rows: list[tuple[int, list[Any]]]           # (file row number, cells)


def import_file(service, app: str, form_name: str, actor: Actor, data: bytes, filename: str, *,
                mode: str = "all", dry_run: bool = False, key: str | None = None,
                progress: Progress | None = None, confirm: bool = False) -> tuple[Report, bool]:
    """The report, and whether anything was written. `progress`, when given, is
    called every few hundred records with (phase, rows done, rows in the file)."""
    if mode not in MODES:
        raise BadRequest("mode must be 'all' or 'skip'", [ErrorDetail("mode", "expected all or skip")])
    with service.database.read() as connection:
        loaded = service.registry.get(connection, app)
    form = loaded.form(form_name)
    access = access_for(actor, loaded.model, form)
    if not access.can("import"):
        raise Forbidden(f"You may not import {form.name} records")
    rows = read_rows(data, filename)
    first = next(rows, None)
    report = Report()
    if first is None or first[0] != 1:
        raise BadRequest("The file has no header row", [ErrorDetail("file", "no header row")])
    header = first[1]
    mapping = _map_headers(form, loaded, access, header, report)
    if report.errors:
        return report, False
    kept = sorted(mapping)
    mapping, header = _mapped_only(mapping, header, kept)
    groups = _group(mapping, kept, rows, key or form.title)
    if not groups and not report.errors:
        raise BadRequest("The file has a header but no data rows", [ErrorDetail("file", "no data rows")])
    cause = Cause("import", filename or None)
    tracker = _Tracker(progress, sum(len(g.rows) for g in groups))
    if mode == "all" and not dry_run:
        # Fast path without savepoints; at the first error, roll back and run
        # again (below) row by row in savepoints to report every error.
        attempt = Report(ignored=report.ignored, columns=report.columns)
        if _run(service, app, actor, cause, form, mapping, header, groups, attempt, fast=True,
                tracker=tracker.phase("importing"), confirm=confirm):
            return attempt, attempt.created + attempt.updated > 0
        dry_run = True
    wrote = _run(service, app, actor, cause, form, mapping, header, groups, report,
                 fast=False, commit=not dry_run and mode == "skip",
                 tracker=tracker.phase("checking" if dry_run else "importing"), confirm=confirm)
    if mode == "all" and report.errors:
        report.created = report.updated = report.unchanged = 0
    return report, wrote


class _Tracker:
    """Counts rows as records are saved and reports every PROGRESS_EVERY records."""

    def __init__(self, callback: Progress | None, total: int):
        self.callback, self.total, self.name, self.done = callback, total, "", 0

    def phase(self, name: str, done: int = 0) -> "_Tracker":
        self.name, self.done = name, done
        self._report()
        return self

    def advance(self, group: Group, index: int) -> None:
        self.done += len(group.rows)
        if index % PROGRESS_EVERY == PROGRESS_EVERY - 1:
            self._report()

    def _report(self) -> None:
        if self.callback is not None:
            self.callback(self.name, self.done, self.total)


def _run(service, app, actor, cause, form, mapping, header, groups, report: Report, *,
         fast: bool, tracker: _Tracker, commit: bool = True, confirm: bool = False) -> bool:
    """Save every group in one transaction; True when it committed."""
    try:
        with service.unit_of_work(app, actor, cause, confirm=confirm) as session:
            resolver = LinkResolver(session, actor)
            for index, group in enumerate(groups):
                _save_group(session, form, mapping, header, group, resolver, report, fast)
                tracker.advance(group, index)
                if fast and report.errors:
                    raise _Rollback()
            tracker.phase("saving", tracker.total)
            if not commit or report.errors and not (report.created or report.updated):
                raise _Rollback()
    except _Rollback:
        return False
    return True


def _map_headers(form, loaded, access, header, report: Report) -> dict[int, Column]:
    candidates = import_candidates(form)
    readonly = _engine_fields(loaded.model, form)
    mapping: dict[int, Column] = {}
    seen: dict[str, str] = {}
    for index, text in enumerate(header):
        if text is None or str(text).strip() == "":
            continue
        column = match_header(text, form, candidates)
        if column is None:
            report.error(1, str(text), "unknown column: no field has this name or label")
            report.column(text, "unknown")
            continue
        name = column if isinstance(column, str) else column.name
        if name in seen:
            report.error(1, str(text), f"duplicate column: {seen[name]!r} maps to the same field")
            report.column(text, "duplicate", name)
            continue
        seen[name] = str(text)
        if isinstance(column, str):
            report.column(text, "info", column)       # version, created_at...: informative
            continue
        top = column.subform or column.name
        if column.name != "id" and (column.field is None or column.name in readonly
                                    or access.level(top) != "write"):
            report.ignored.append(str(text))           # exported for reading, not written
            report.column(text, "read_only", column.name)
            mapping[index] = Column(column.name, None, column.subform)   # grouping key only
            continue
        report.column(text, "mapped", column.name)
        mapping[index] = column
    if "id" not in seen:
        for f in form.scalar_fields:
            if f.required and f.name not in seen and f.default is None and not f.default_expr \
                    and not f.fill_from and f.name not in readonly:
                report.error(1, f.name, "required column is missing")
    return mapping


def _engine_fields(model, form) -> frozenset[str]:
    names = {f.name for f in form.fields if f.is_computed or f.type == "autonumber"}
    for sub in form.subforms:
        names |= {f"{sub.name}.{f.name}" for f in sub.fields if f.is_computed}
    names |= model.adjusted_fields(form.name)
    if form.workflow:
        names.add(form.workflow.field)
    return frozenset(names)


def _mapped_only(mapping: dict[int, Column], header: list[Any],
                 kept: list[int]) -> tuple[dict[int, Column], list[Any]]:
    """The mapped columns renumbered 0.. and their headers: rows are kept with
    only these cells (`_group`), so memory follows the form's fields, not the file's width."""
    return {new: mapping[old] for new, old in enumerate(kept)}, [header[old] for old in kept]


def _group(mapping, kept: list[int], rows, key_name) -> list[Group]:
    parent_indexes = [i for i, c in mapping.items() if not c.subform]
    has_sub = any(c.subform for c in mapping.values())
    key_index = next((i for i, c in mapping.items() if c.name == "id"), None)
    if key_index is None and key_name:
        key_index = next((i for i, c in mapping.items() if c.name == key_name), None)
    groups: list[Group] = []
    previous_key = None
    for number, cells in rows:
        cells = [cells[i] if i < len(cells) else None for i in kept]
        if rows_blank(cells):
            continue
        parent_blank = rows_blank(cells[i] for i in parent_indexes)
        key = _text(cells[key_index]) if key_index is not None else None
        same = has_sub and groups and (parent_blank or (key and key == previous_key))
        if same:
            groups[-1].rows.append((number, cells))
        else:
            groups.append(Group([(number, cells)]))
            previous_key = key
    return groups


def _save_group(session, form, mapping, header, group: Group, resolver, report: Report,
                fast: bool) -> None:
    first_row, first_cells = group.rows[0]
    values: dict[str, Any] = {}
    record_id = version = None
    where: dict[str, tuple[int, str]] = {}
    errors_before = len(report.errors)
    subs: dict[str, list[dict[str, Any]]] = {}
    for index, column in mapping.items():
        if column.subform:
            continue
        raw = first_cells[index]
        if column.name == "id":
            text = _text(raw)
            if text is not None and not text.isdigit():
                report.error(first_row, str(header[index]), "expected a record id")
            record_id = int(text) if text and text.isdigit() else None
            continue
        if column.field is None:
            continue
        where[column.name] = (first_row, str(header[index]))
        try:
            value = _resolve(resolver, column.field, cell_in(column.field, raw))
        except CellError as error:
            report.error(first_row, str(header[index]), str(error))
            continue
        if value is not None or record_id is not None:
            values[column.name] = value
    for position, (number, cells) in enumerate(group.rows):
        for subform in {c.subform for c in mapping.values() if c.subform}:
            sub_indexes = [i for i, c in mapping.items() if c.subform == subform]
            if rows_blank(cells[i] for i in sub_indexes):
                continue
            line: dict[str, Any] = {}
            row_index = len(subs.setdefault(subform, []))
            for i in sub_indexes:
                column = mapping[i]
                where[f"{subform}[{row_index}].{column.key}"] = (number, str(header[i]))
                if column.field is None:
                    continue
                try:
                    value = _resolve(resolver, column.field, cell_in(column.field, cells[i]))
                except CellError as error:
                    report.error(number, str(header[i]), str(error))
                    continue
                if value is not None:
                    line[column.key] = value
            subs[subform].append(line)
            where.setdefault(f"{subform}[{row_index}]", (number, subform))
    values.update(subs)
    if len(report.errors) > errors_before:
        return
    _write(session, form, values, record_id, version, where, first_row, report, fast)


def _resolve(resolver: LinkResolver, field, value):
    if field.type == "link":
        return resolver.resolve(field, value)
    if field.type == "user":
        return resolver.user(value)
    return value


def _write(session, form, values, record_id, version, where, first_row, report: Report,
           fast: bool) -> None:
    logged_before = len(session.log_entries)     # an unchanged record logs nothing
    try:
        with session.savepoint(nested=not fast):
            if record_id is None:
                session.create(form.name, values)
            else:
                session.update(form.name, record_id, values, expected_version=version)
            session.run_pending_checks()      # now, so a failed check names this row
    except ConfirmationRequired as error:     # without confirm, a warning is a problem of its row
        for sentence in error.sentences:
            report.error(first_row, None, sentence, warning=True)
        return
    except ServiceError as error:
        details = error.details or [ErrorDetail(None, error.message)]
        if all(d.field is None for d in details):     # e.g. failed checks: the message names them all
            details = details[:1]
        for detail in details:
            row, column = where.get(detail.field or "", (first_row, detail.field))
            if detail.field and (row, column) == (first_row, detail.field):
                match = ROW_PATH.match(detail.field)
                if match:
                    row, _ = where.get(f"{match.group(1)}[{match.group(2)}]", (first_row, None))
            report.error(row, column, detail.message if detail.field else error.message)
        return
    except SQLAlchemyError as error:
        report.error(first_row, None, f"the database rejected the row: {type(error.orig or error).__name__}")
        return
    changed = len(session.log_entries) > logged_before
    if len(session.log_entries) >= LOG_BATCH:
        session.flush_log()
    if record_id is None:
        report.created += 1
    elif changed:
        report.updated += 1
    else:
        report.unchanged += 1
