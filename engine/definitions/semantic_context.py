"""Shared state of one semantic validation run, and an index of the definition.

`Context` collects problems, knows which parts failed the JSON Schema (semantic
checks skip those, so one mistake is reported once), and caches compiled
expressions. `build_index` turns the raw definition into `FormInfo`/`FieldInfo`
objects that name resolution and the reference checks look things up in.
Everything here is defensive: the definition may be any JSON value.
"""
from __future__ import annotations

import keyword
from dataclasses import dataclass, field
from typing import Any, Iterable

from engine.definitions.errors import DefinitionError, format_path
from engine.definitions.model import SUBFORM_SYSTEM_COLUMNS, SYSTEM_COLUMNS

Path = tuple

SCOPE_WORDS = frozenset({"parent", "previous", "user", "row"})
LITERAL_WORDS = frozenset({"true", "false", "none", "null"})
BODY_WORDS = frozenset({"record", "confirm"})     # keys of write bodies (DESIGN §7)
SQL_UNSAFE_HINT = "use lowercase letters, digits and single underscores"


@dataclass
class FieldInfo:
    name: str
    type: str | None                 # None when the type failed the schema
    spec: dict
    path: Path
    target: str | None = None        # link target form
    fields: dict[str, "FieldInfo"] = field(default_factory=dict)   # subform row fields
    implicit: bool = False           # the workflow state field
    opaque: bool = False             # a subform whose row fields failed the schema

    @property
    def is_numeric(self) -> bool:
        return self.type in ("integer", "decimal")


@dataclass
class FormInfo:
    name: str
    spec: dict
    path: Path
    fields: dict[str, FieldInfo] = field(default_factory=dict)
    workflow_field: str | None = None
    states: tuple[str, ...] = ()
    transitions: frozenset[str] = frozenset()


@dataclass
class AppIndex:
    forms: dict[str, FormInfo] = field(default_factory=dict)
    roles: set[str] = field(default_factory=set)

    def resolve_ref(self, ref: str) -> tuple[FormInfo | None, FieldInfo | None]:
        """'form' or 'form.subform' -> (form, subform field or None)."""
        form_name, _, sub_name = ref.partition(".")
        form = self.forms.get(form_name)
        if form is None or not sub_name:
            return form, None
        sub = form.fields.get(sub_name)
        return form, sub if sub is not None and sub.type == "subform" else None


class Context:
    def __init__(self, definition: Any, schema_error_paths: Iterable[Path]) -> None:
        self.definition = definition
        self.problems: list[DefinitionError] = []
        self._broken: set[Path] = set()
        for path in schema_error_paths:
            for end in range(len(path) + 1):
                self._broken.add(tuple(path[:end]))
        self._expressions: dict[str, Any] = {}
        self.index = AppIndex()
        self.function_names: frozenset[str] = frozenset()

    # -- reporting
    def error(self, path: Path, message: str, hint: str | None = None) -> None:
        self.problems.append(DefinitionError(format_path(path), message, hint, "error"))

    def warning(self, path: Path, message: str, hint: str | None = None) -> None:
        self.problems.append(DefinitionError(format_path(path), message, hint, "warning"))

    def broken(self, path: Path) -> bool:
        """True when the schema reported an error at or below `path`."""
        return tuple(path) in self._broken

    def value(self, spec: Any, key: str, path: Path, kind: type | tuple = object) -> Any:
        """spec[key] if present, of the right Python type and clean in the schema."""
        if not isinstance(spec, dict) or key not in spec:
            return None
        found = spec[key]
        kinds = _as_tuple(kind)
        if not isinstance(found, kinds) or (isinstance(found, bool) and bool not in kinds
                                            and object not in kinds):
            return None
        if self.broken(tuple(path) + (key,)):
            return None
        return found

    # -- expressions
    def compiled(self, source: str) -> Any:
        """The compiled expression, or the ExpressionError/other exception it raised."""
        cached = self._expressions.get(source)
        if cached is None:
            cached = _compile(source)
            self._expressions[source] = cached
        return cached

    def reserved_reason(self, name: str) -> str | None:
        if name in SYSTEM_COLUMNS or name in SUBFORM_SYSTEM_COLUMNS:
            return "a system column"
        if name in SCOPE_WORDS:
            return "an expression scope name"
        if keyword.iskeyword(name) or name in LITERAL_WORDS:
            return "an expression keyword"
        if name in BODY_WORDS:
            return "a key of write bodies"
        return None


def _as_tuple(kind: type | tuple) -> tuple:
    return kind if isinstance(kind, tuple) else (kind,)


def _compile(source: str) -> Any:
    try:
        from engine.runtime.expressions import compile_expression
    except ImportError as exc:  # pragma: no cover - the module ships with the engine
        return exc
    try:
        return compile_expression(source)
    except Exception as exc:     # ExpressionError, or any bug: never crash validation
        return exc


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else []


def as_dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def enumerate_dicts(value: Any) -> Iterable[tuple[int, dict]]:
    for index, item in enumerate(as_list(value)):
        if isinstance(item, dict):
            yield index, item


def state_name(state: Any) -> str | None:
    if isinstance(state, str):
        return state
    if isinstance(state, dict) and isinstance(state.get("name"), str):
        return state["name"]
    return None


# ------------------------------------------------------------------ the index

def build_index(ctx: Context) -> AppIndex:
    index = ctx.index
    definition = as_dict(ctx.definition)
    for _, role in enumerate_dicts(definition.get("roles")):
        if isinstance(role.get("name"), str):
            index.roles.add(role["name"])
    for i, form in enumerate_dicts(definition.get("forms")):
        name = form.get("name")
        if isinstance(name, str) and name not in index.forms:
            index.forms[name] = _form_info(ctx, form, ("forms", i))
    return index


def _form_info(ctx: Context, spec: dict, path: Path) -> FormInfo:
    info = FormInfo(spec["name"], spec, path)
    info.fields = _field_infos(ctx, spec.get("fields"), path + ("fields",))
    workflow = spec.get("workflow")
    if isinstance(workflow, dict):
        wf_field = workflow.get("field", "status")
        info.workflow_field = wf_field if isinstance(wf_field, str) else None
        info.states = tuple(s for s in map(state_name, as_list(workflow.get("states"))) if s)
        info.transitions = frozenset(
            t["name"] for _, t in enumerate_dicts(workflow.get("transitions"))
            if isinstance(t.get("name"), str))
        if info.workflow_field and info.workflow_field not in info.fields:
            info.fields[info.workflow_field] = FieldInfo(
                info.workflow_field, "select", {}, path + ("workflow", "field"), implicit=True)
    return info


def _field_infos(ctx: Context, specs: Any, path: Path) -> dict[str, FieldInfo]:
    fields: dict[str, FieldInfo] = {}
    for j, spec in enumerate_dicts(specs):
        name = spec.get("name")
        if not isinstance(name, str) or name in fields:
            continue
        fpath = path + (j,)
        ftype = spec.get("type")
        if not isinstance(ftype, str) or ctx.broken(fpath + ("type",)):
            ftype = None
        info = FieldInfo(name, ftype, spec, fpath)
        if ftype == "link":
            info.target = ctx.value(spec, "form", fpath, str)
        elif ftype == "subform":
            info.fields = _field_infos(ctx, spec.get("fields"), fpath + ("fields",))
            info.opaque = not isinstance(spec.get("fields"), list) or any(
                ctx.broken(fpath + ("fields", k, "name"))
                for k in range(len(spec["fields"])))
        fields[name] = info
    return fields


def find_cycles(graph: dict[str, list[str]], order: Iterable[str]) -> list[list[str]]:
    """Cycles in a directed graph (each node's first cycle, without recursion).

    Each returned cycle lists its nodes in edge order, without repeating the first.
    """
    gray, black = 1, 2
    color: dict[str, int] = {}
    cycles: list[list[str]] = []
    seen: set[frozenset] = set()
    for start in order:
        if color.get(start):
            continue
        color[start] = gray
        trail = [start]
        stack = [iter(graph.get(start, ()))]
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                color[trail.pop()] = black
                stack.pop()
            elif color.get(nxt) is None:
                color[nxt] = gray
                trail.append(nxt)
                stack.append(iter(graph.get(nxt, ())))
            elif color[nxt] == gray:
                cycle = trail[trail.index(nxt):]
                if frozenset(cycle) not in seen:
                    seen.add(frozenset(cycle))
                    cycles.append(cycle)
    return cycles
