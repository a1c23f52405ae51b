"""Checks of a job action `{"anomalies": {...}}` (engine/runtime/analysis/anomalies_job.py):
the forms and fields it reads exist, the sales orders have the states it counts,
the notified roles exist, the adjustment sources are rules that move stock.on_hand."""
from __future__ import annotations

from typing import Any

from engine.definitions.semantic_context import Context, Path, as_dict, as_list, enumerate_dicts
from engine.definitions.semantic_expressions import suggest


def check_anomaly_action(ctx: Context, options: Any, path: Path) -> None:
    from engine.runtime.analysis.anomalies_job import DEMAND_STATES, REQUIRED
    options = as_dict(options)
    for ref, fields in REQUIRED.items():
        form, sub = ctx.index.resolve_ref(ref)
        names = (sub.fields if sub is not None else form.fields if form is not None else None)
        if names is None or ("." in ref and sub is None):
            ctx.error(path, f"the anomaly job needs the form '{ref}'")
            return
        for name in fields:
            if name not in names:
                ctx.error(path, f"the anomaly job needs the field '{name}' in '{ref}'")
                return
    missing = [s for s in DEMAND_STATES if s not in ctx.index.forms["sales_order"].states]
    if missing:
        ctx.error(path, f"the anomaly job counts sales orders in the state '{missing[0]}', "
                        f"which sales_order does not have")
    window, history = options.get("window_days", 56), options.get("min_history_days", 14)
    if isinstance(window, int) and isinstance(history, int) and history > window:
        ctx.error(path + ("min_history_days",), f"min_history_days ({history}) exceeds window_days ({window})")
    _check_notify(ctx, options, path)
    _check_sources(ctx, options, path)


def _check_notify(ctx: Context, options: dict, path: Path) -> None:
    for k, role in enumerate(as_list(options.get("notify"))):
        if isinstance(role, str) and not role.startswith("user:") and role not in ctx.index.roles:
            guess = suggest(role, ctx.index.roles)
            ctx.error(path + ("notify", k), f"unknown role '{role}'",
                      f"did you mean '{guess}'?" if guess else "declare it in roles")


def _check_sources(ctx: Context, options: dict, path: Path) -> None:
    moving = [rule.get("source") for _, rule in enumerate_dicts(as_dict(ctx.definition).get("rules"))
              if rule.get("target") == "stock" and "on_hand" in as_dict(rule.get("adjust"))]
    for k, source in enumerate(as_list(options.get("adjustment_sources", ["stock_count.lines"]))):
        if isinstance(source, str) and source not in moving:
            guess = suggest(source, [m for m in moving if isinstance(m, str)])
            ctx.error(path + ("adjustment_sources", k),
                      f"no rule moves stock.on_hand from '{source}'",
                      f"did you mean '{guess}'?" if guess else None)
