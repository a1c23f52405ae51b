"""Report checks: the source exists, the filter names real fields and runs as
SQL, group fields resolve (buckets only on dates), measures are arithmetic over
numbers (min/max/count also over a plain text or date field), names are unique
and the sort names columns of the report."""
from __future__ import annotations

from typing import Any

from sqlalchemy import column as sql_column

from engine.definitions.model import report_group_name
from engine.definitions.semantic_context import Context, FieldInfo, FormInfo, Path, as_dict, \
    enumerate_dicts
from engine.definitions.semantic_expressions import Scope, check_expression, form_scope, \
    row_scope, suggest
from engine.definitions.semantic_names import check_duplicates, named_items

SYSTEM_TYPES = {"id": "integer", "version": "integer", "created_at": "datetime",
                "updated_at": "datetime", "created_by": "user", "updated_by": "user"}
ROW_SYSTEM_TYPES = {"id": "integer", "parent_id": "integer", "position": "integer"}
DATES = ("date", "datetime")
UNGROUPABLE = ("multiselect", "attachment", "subform")
ORDERED = ("integer", "decimal", "text", "textarea", "select", "date", "datetime", "email",
           "phone", "autonumber")


def check_reports(ctx: Context) -> None:
    reports = as_dict(ctx.definition).get("reports")
    check_duplicates(ctx, named_items(reports, ("reports",)), "report")
    for i, report in enumerate_dicts(reports):
        path: Path = ("reports", i)
        source = _source(ctx, report, path)
        if source is None:
            continue
        filter_source = ctx.value(report, "filter", path, str)
        if filter_source is not None:
            _check_filter(ctx, path + ("filter",), filter_source, source)
        columns = _check_groups(ctx, report, path, source) + _check_measures(ctx, report, path, source)
        check_duplicates(ctx, columns, "report column")
        _check_sort(ctx, report, path, [name for _, name in columns])


class _Source:
    """Name resolution over the index, the way engine/runtime/reports/source.py does."""

    def __init__(self, ctx: Context, form: FormInfo, subform: FieldInfo | None):
        self.ctx, self.form, self.subform = ctx, form, subform
        self.scope: Scope = row_scope(form, subform) if subform else form_scope(form)

    def type_of(self, chain: tuple[str, ...]) -> tuple[str, int] | None:
        fields = self.subform.fields if self.subform else self.form.fields
        system = ROW_SYSTEM_TYPES if self.subform else SYSTEM_TYPES
        if self.subform is not None and chain[0] == "parent" and len(chain) > 1:
            fields, system, chain = self.form.fields, SYSTEM_TYPES, chain[1:]
        if len(chain) == 1 and chain[0] in system:
            return system[chain[0]], 0
        info = fields.get(chain[0])
        if info is None or info.type is None or info.type == "subform":
            return None
        if len(chain) == 1:
            return info.type, _scale(info)
        target = self.ctx.index.forms.get(info.target) if info.type == "link" else None
        if target is None or len(chain) != 2:
            return None
        if chain[1] in SYSTEM_TYPES:
            return SYSTEM_TYPES[chain[1]], 0
        linked = target.fields.get(chain[1])
        if linked is None or linked.type in (None, "subform"):
            return None
        return linked.type, _scale(linked)

    def candidates(self) -> list[str]:
        fields = self.subform.fields if self.subform else self.form.fields
        names = [n for n, f in fields.items() if f.type != "subform"]
        if self.subform is not None:
            names += ["parent." + n for n, f in self.form.fields.items() if f.type != "subform"]
        return names


def _scale(info: FieldInfo) -> int:
    if info.type != "decimal":
        return 0
    scale = info.spec.get("scale", 2)
    return scale if isinstance(scale, int) else 2


def _source(ctx: Context, report: dict, path: Path) -> _Source | None:
    ref = ctx.value(report, "source", path, str)
    if ref is None:
        return None
    form, sub = ctx.index.resolve_ref(ref)
    form_name, _, sub_name = ref.partition(".")
    if form is None:
        guess = suggest(form_name, ctx.index.forms)
        ctx.error(path + ("source",), f"unknown form '{form_name}'",
                  f"did you mean '{guess}'?" if guess else None)
        return None
    if sub_name and sub is None:
        subs = [n for n, f in form.fields.items() if f.type == "subform"]
        guess = suggest(sub_name, subs)
        ctx.error(path + ("source",), f"'{form_name}' has no subform '{sub_name}'",
                  f"did you mean '{form_name}.{guess}'?" if guess else
                  (f"its subforms: {', '.join(subs)}" if subs else None))
        return None
    if sub is not None and sub.opaque:
        return None
    return _Source(ctx, form, sub)


def _check_filter(ctx: Context, path: Path, source: str, report_source: _Source) -> None:
    before = len(ctx.problems)
    check_expression(ctx, path, source, report_source.scope, user=True)
    if len(ctx.problems) > before:
        return
    from engine.runtime.filters import filter_to_sql
    from engine.runtime.expressions import ExpressionError
    try:
        filter_to_sql(source, lambda chain: _probe_column(report_source, chain))
    except ExpressionError as error:
        ctx.error(path, f"the filter cannot run in the database: {error}")


def _probe_column(source: _Source, chain: tuple[str, ...]) -> Any:
    """A typed stand-in column, so the filter translator can check the filter now."""
    if chain[0] == "user":
        return None
    found = source.type_of(chain)
    if found is None or found[0] in ("multiselect", "attachment"):
        raise KeyError(".".join(chain))
    from engine.storage.types import column_type
    from engine.definitions.model import FieldModel
    sql_type = column_type(FieldModel(name=chain[-1], type=found[0], label={}, scale=found[1]))
    return sql_column("_".join(chain), sql_type)


def _check_groups(ctx: Context, report: dict, path: Path, source: _Source) -> list[tuple[Path, str]]:
    names = []
    for j, group in enumerate_dicts(report.get("group_by")):
        gpath = path + ("group_by", j)
        field = ctx.value(group, "field", gpath, str)
        if field is None:
            continue
        names.append((gpath + (("name",) if "name" in group else ("field",)), report_group_name(group)))
        found = source.type_of(tuple(field.split(".")))
        if found is None:
            guess = suggest(field, source.candidates())
            ctx.error(gpath + ("field",), f"unknown field '{field}' in '{report.get('source')}'",
                      f"did you mean '{guess}'?" if guess else None)
            continue
        if found[0] in UNGROUPABLE:
            ctx.error(gpath + ("field",), f"'{field}' is a {found[0]} field and cannot be grouped by")
        bucket = ctx.value(group, "bucket", gpath, str)
        if bucket is not None and found[0] not in DATES:
            ctx.error(gpath + ("bucket",), f"a {bucket} bucket needs a date or datetime field; "
                                           f"'{field}' is a {found[0]} field")
    return names


def _check_measures(ctx: Context, report: dict, path: Path,
                    source: _Source) -> list[tuple[Path, str]]:
    from engine.runtime.reports.measures import MeasureError, infer
    from engine.runtime.expressions import ExpressionError
    names = []
    for j, measure in enumerate_dicts(report.get("measures")):
        mpath = path + ("measures", j)
        name = ctx.value(measure, "name", mpath, str)
        if name is not None:
            names.append((mpath + ("name",), name))
        agg = ctx.value(measure, "agg", mpath, str)
        expression = ctx.value(measure, "expression", mpath, str)
        if expression is None:
            if agg in ("sum", "avg", "min", "max") and not ctx.broken(mpath + ("expression",)):
                ctx.error(mpath, f"'{agg}' needs an expression", "only count may leave it out")
            continue
        try:
            term = infer(expression, source.type_of)
        except (MeasureError, ExpressionError) as error:
            hint = None
            if isinstance(error, MeasureError) and "unknown field" in str(error):
                guess = suggest(str(error).split("'")[1], source.candidates())
                hint = f"did you mean '{guess}'?" if guess else None
            ctx.error(mpath + ("expression",), str(error), hint)
            continue
        if agg in ("sum", "avg") and term.type not in ("integer", "decimal"):
            ctx.error(mpath + ("agg",), f"'{agg}' needs a number; '{expression}' is a {term.type} field",
                      "count, min and max work on any field")
        elif agg in ("min", "max") and term.type not in ORDERED:
            ctx.error(mpath + ("agg",), f"'{agg}' of a {term.type} field is not supported")
    return names


def _check_sort(ctx: Context, report: dict, path: Path, columns: list[str]) -> None:
    sort = ctx.value(report, "sort", path, str)
    if sort is None:
        return
    for part in sort.split(","):
        name = part.strip().lstrip("-+")
        if not name:
            ctx.error(path + ("sort",), "an empty sort key", "e.g. \"month,-revenue\"")
        elif name not in columns:
            guess = suggest(name, columns)
            ctx.error(path + ("sort",), f"unknown column '{name}' in sort",
                      f"did you mean '{guess}'?" if guess else f"columns: {', '.join(columns)}")
