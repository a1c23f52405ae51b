"""Scheduled job checks: unique names, a valid 5-field cron expression, and an
action that names a real form (with values for its fields) or a known report."""
from __future__ import annotations

from typing import Any

from engine.definitions.semantic_context import Context, Path, as_dict, enumerate_dicts
from engine.definitions.semantic_expressions import Scope, check_expression, suggest
from engine.definitions.semantic_names import check_duplicates, named_items


def cron_problem(expression: str) -> str | None:
    """Why `expression` is not a valid 5-field cron expression, or None."""
    from croniter import croniter
    fields = expression.split()
    if len(fields) != 5:
        return (f"a cron expression has 5 fields (minute hour day month weekday), "
                f"not {len(fields)}")
    try:
        if not croniter.is_valid(expression):
            return "invalid cron expression"
        croniter(expression)
    except Exception as exc:       # croniter's own errors name the bad field
        return f"invalid cron expression: {exc}"
    return None


def check_jobs(ctx: Context) -> None:
    definition = as_dict(ctx.definition)
    jobs = definition.get("jobs")
    check_duplicates(ctx, named_items(jobs, ("jobs",)), "job")
    for i, job in enumerate_dicts(jobs):
        path: Path = ("jobs", i)
        cron = ctx.value(job, "cron", path, str)
        if cron is not None:
            problem = cron_problem(cron)
            if problem:
                ctx.error(path + ("cron",), problem, "e.g. \"0 6 * * 1\" is Mondays at 06:00 UTC")
        action = job.get("action")
        if isinstance(action, dict) and not ctx.broken(path + ("action",)):
            _check_action(ctx, action, path + ("action",))


def _check_action(ctx: Context, action: dict, path: Path) -> None:
    if "anomalies" in action:
        from engine.definitions.semantic_anomalies import check_anomaly_action
        check_anomaly_action(ctx, action["anomalies"], path + ("anomalies",))
        return
    report = ctx.value(action, "report", path, str)
    if report is not None:
        from engine.runtime.jobs.reports import REPORTS
        if report not in REPORTS:
            guess = suggest(report, REPORTS)
            ctx.error(path + ("report",), f"unknown report '{report}'",
                      f"did you mean '{guess}'?" if guess else f"known: {', '.join(sorted(REPORTS))}")
            return
        missing = [f for f in REPORTS[report].requires if f not in ctx.index.forms]
        if missing:
            ctx.error(path + ("report",), f"the '{report}' report needs the form '{missing[0]}'")
        return
    created = ctx.value(action, "create", path, str)
    if created is None:
        return
    form = ctx.index.forms.get(created)
    if form is None:
        guess = suggest(created, ctx.index.forms)
        ctx.error(path + ("create",), f"unknown form '{created}'",
                  f"did you mean '{guess}'?" if guess else None)
        return
    values: dict[str, Any] = as_dict(action.get("values"))
    empty = Scope(form, {})          # a job has no record: expressions use constants and functions
    for key, source in values.items():
        kpath = path + ("values", key)
        if ctx.broken(kpath):
            continue
        info = form.fields.get(key)
        if info is None or info.type == "subform" or info.implicit:
            guess = suggest(key, [n for n, f in form.fields.items()
                                  if f.type != "subform" and not f.implicit])
            ctx.error(kpath, f"unknown field '{key}' in '{created}'",
                      f"did you mean '{guess}'?" if guess else None)
        elif info.spec.get("formula") is not None:
            ctx.error(kpath, f"'{key}' is computed by a formula and cannot be set")
        check_expression(ctx, kpath, source, empty)
