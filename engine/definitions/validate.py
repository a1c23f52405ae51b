"""Validate an app definition: JSON Schema first, then the semantic checks.

`validate_definition` returns every problem at once, schema errors first, each
with its JSON path. Semantic checks (references, expressions, cycles, types)
only look at the parts that passed the schema, so one mistake is reported
once. It never raises, whatever JSON value it is given.
"""
from __future__ import annotations

from typing import Any

from engine.definitions.errors import (ROOT_PATH, DefinitionError, errors_only, format_path,
                                       has_errors, warnings_only)
from engine.definitions.schema import schema_problems
from engine.definitions.semantic_context import Context, build_index
from engine.definitions.semantic_dashboards import check_dashboards
from engine.definitions.semantic_forms import check_forms
from engine.definitions.semantic_forecasts import check_forecasts
from engine.definitions.semantic_jobs import check_jobs
from engine.definitions.semantic_reports import check_reports
from engine.definitions.semantic_names import (check_app_name, check_duplicates, check_sql_name,
                                               named_items)
from engine.definitions.semantic_rules import check_rules

__all__ = ["DefinitionError", "validate_definition", "errors_only", "warnings_only",
           "has_errors"]


def validate_definition(definition: Any) -> list[DefinitionError]:
    """Every problem in `definition`: schema errors first, then semantic ones."""
    try:
        problems = schema_problems(definition)
    except Exception as exc:      # a bug or a pathological value: report it, don't raise
        return [DefinitionError(ROOT_PATH, f"the definition could not be checked: {exc!r}")]
    schema_errors = [DefinitionError(format_path(path), message, hint)
                     for path, message, hint in problems]
    if not isinstance(definition, dict):
        return schema_errors
    try:
        semantic = _semantic_problems(definition, [path for path, _, _ in problems])
    except Exception as exc:      # never raise: report the internal error instead
        semantic = [DefinitionError(ROOT_PATH, f"internal validator error: {exc!r}")]
    return schema_errors + semantic


def _semantic_problems(definition: dict, schema_error_paths: list[tuple]) -> list[DefinitionError]:
    ctx = Context(definition, schema_error_paths)
    ctx.function_names = _function_names()
    build_index(ctx)
    check_app_name(ctx, ("app",), definition.get("app"))
    roles = definition.get("roles")
    check_duplicates(ctx, named_items(roles, ("roles",)), "role")
    for path, name in named_items(roles, ("roles",)):
        check_sql_name(ctx, path, name)
    check_forms(ctx)
    check_rules(ctx)
    check_jobs(ctx)
    check_dashboards(ctx)
    check_reports(ctx)
    check_forecasts(ctx)
    seen: set[tuple] = set()
    unique = []
    for problem in ctx.problems:
        key = (problem.path, problem.message, problem.severity)
        if key not in seen:
            seen.add(key)
            unique.append(problem)
    return unique


def _function_names() -> frozenset[str]:
    try:
        from engine.runtime.functions import FUNCTIONS
    except ImportError:
        return frozenset()
    return frozenset(FUNCTIONS)
