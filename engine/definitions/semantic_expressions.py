"""Expressions in a definition: syntax, functions and every dotted name resolved.

A name chain is resolved against a *scope*:
- a form row: the form's fields (and its workflow state field) and the system
  columns `id`, `created_at`, `created_by`, `updated_at`, `updated_by`, `version`;
- a subform row: the row's fields, `id`, `parent_id`, `position`, and
  `parent.<form field>`;
- a link field continues in the linked form (`product.min_stock`);
- a subform field continues in its rows (`sum(lines.amount)`);
- `previous.<field>` (the row before the write) only where `previous` is allowed
  (event rules, checks); `user.<anything>` only where `user` is allowed
  (permission rows, `default_expr`).
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Any, Iterable

from engine.definitions.model import SUBFORM_SYSTEM_COLUMNS, SYSTEM_COLUMNS
from engine.definitions.schema import suggest_key
from engine.definitions.semantic_context import Context, FieldInfo, FormInfo, Path

__all__ = ["Scope", "form_scope", "row_scope", "check_expression", "check_template",
           "template_parts", "suggest"]


@dataclass(frozen=True)
class Scope:
    form: FormInfo
    fields: dict[str, FieldInfo]
    subform: FieldInfo | None = None

    @property
    def parent(self) -> "Scope | None":
        return form_scope(self.form) if self.subform is not None else None

    @property
    def system(self) -> tuple[str, ...]:
        return SUBFORM_SYSTEM_COLUMNS if self.subform is not None else SYSTEM_COLUMNS

    def node(self, name: str) -> str:
        """The formula-graph node of a field in this scope: 'total' or 'lines.amount'."""
        return f"{self.subform.name}.{name}" if self.subform is not None else name


def form_scope(form: FormInfo) -> Scope:
    return Scope(form, form.fields)


def row_scope(form: FormInfo, subform: FieldInfo) -> Scope:
    return Scope(form, subform.fields, subform)


def suggest(name: str, candidates: Iterable[str]) -> str | None:
    return suggest_key(name, list(candidates))


@dataclass(frozen=True)
class _Allow:
    previous: bool
    user: bool


def check_expression(ctx: Context, path: Path, source: Any, scope: Scope, *,
                     previous: bool = False, user: bool = False) -> set[str] | None:
    """Report syntax, function and name problems at `path`; return the formula deps."""
    if not isinstance(source, str):
        return None
    compiled = ctx.compiled(source)
    if isinstance(compiled, ImportError):
        return None
    if isinstance(compiled, BaseException):
        _report_syntax(ctx, path, compiled)
        return None
    _check_functions(ctx, path, compiled)
    if {"lookup", "count_of"} & set(getattr(compiled, "functions", None) or ()):
        _check_lookups(ctx, path, getattr(compiled, "tree", None))
    deps: set[str] = set()
    allow = _Allow(previous, user)
    for chain in sorted(_names(compiled)):
        problem = _resolve_top(ctx, scope, chain, allow, deps)
        if problem is not None:
            ctx.error(path, *problem)
    return deps


def _names(compiled: Any) -> set[tuple[str, ...]]:
    names = getattr(compiled, "names", ()) or ()
    return {tuple(chain) for chain in names if chain and all(isinstance(p, str) for p in chain)}


def _report_syntax(ctx: Context, path: Path, exc: BaseException) -> None:
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    position = getattr(exc, "position", None)
    where = f" at position {position}" if isinstance(position, int) else ""
    ctx.error(path, f"invalid expression{where}: {message}")


def _check_functions(ctx: Context, path: Path, compiled: Any) -> None:
    known = ctx.function_names
    if not known:
        return
    for name in sorted(getattr(compiled, "functions", ()) or ()):
        if name not in known:
            guess = suggest(name, known)
            ctx.error(path, f"unknown function '{name}'",
                      f"did you mean '{guess}'?" if guess else None)


def _check_lookups(ctx: Context, path: Path, tree: Any) -> None:
    """lookup('form', 'field', key=value) and count_of('form', key=value): the form,
    field and keys must exist."""
    if not isinstance(tree, ast.AST):
        return
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in ("lookup", "count_of") and node.args):
            continue
        positional = 2 if node.func.id == "lookup" else 1
        literal = [a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None
                   for a in node.args[:positional]]
        form = ctx.index.forms.get(literal[0]) if literal[0] else None
        if literal[0] and form is None:
            guess = suggest(literal[0], ctx.index.forms)
            ctx.error(path, f"{node.func.id}() of an unknown form '{literal[0]}'",
                      f"did you mean '{guess}'?" if guess else None)
            continue
        if form is None:
            continue
        wanted = [n for n in literal[1:] if n] + [k.arg for k in node.keywords if k.arg]
        for name in wanted:
            if name not in form.fields and name not in SYSTEM_COLUMNS:
                guess = suggest(name, form.fields)
                ctx.error(path, f"{node.func.id}() of an unknown field '{name}' in form '{form.name}'",
                          f"did you mean '{guess}'?" if guess else None)


Problem = tuple[str, "str | None"]


def _resolve_top(ctx: Context, scope: Scope, chain: tuple[str, ...], allow: _Allow,
                 deps: set[str]) -> Problem | None:
    head, rest = chain[0], chain[1:]
    if head == "parent":
        if scope.subform is None:
            return "'parent' is only available in subform rows", None
        if not rest:
            return "'parent' needs a field, e.g. parent.<field>", None
        return _resolve(ctx, scope.parent, rest, ("parent",), deps)
    if head == "previous":
        if not allow.previous:
            return "'previous' is only available in event rules and checks", None
        if not rest:
            return "'previous' needs a field, e.g. previous.<field>", None
        return _resolve(ctx, scope, rest, ("previous",), None)
    if head == "user":
        if not allow.user:
            return "'user' is only available in permission rows and default_expr", None
        return None
    extra = [w for w, ok in (("parent", scope.subform is not None),
                             ("previous", allow.previous), ("user", allow.user)) if ok]
    return _resolve(ctx, scope, chain, (), deps, extra)


def _resolve(ctx: Context, scope: Scope, chain: tuple[str, ...], prefix: tuple[str, ...],
             deps: set[str] | None, extra: list[str] = ()) -> Problem | None:
    head, rest = chain[0], chain[1:]
    if head in scope.system:
        if rest:
            return f"'{_dotted(prefix + chain[:1])}' is a system column and has no fields", None
        return None
    info = scope.fields.get(head)
    if info is None and scope.subform is not None and scope.subform.opaque:
        return None                          # the row fields failed the schema
    if info is None:
        guess = suggest(head, list(scope.fields) + list(scope.system) + list(extra))
        hint = f"did you mean '{_dotted(prefix + (guess,) + rest)}'?" if guess else None
        return f"unknown name '{_dotted(prefix + chain)}'", hint
    if deps is not None:
        deps.add(scope.node(head))
    if not rest or info.type is None:
        return None
    if info.type == "link":
        target = ctx.index.forms.get(info.target) if info.target else None
        if target is None:
            return None                      # the unknown link target is reported on the field
        return _resolve(ctx, form_scope(target), rest, prefix + (head,), None)
    if info.type == "subform":
        return _resolve(ctx, row_scope(scope.form, info), rest, prefix + (head,), deps)
    return (f"'{_dotted(prefix + chain[:1])}' is a {info.type} field, "
            f"so '{_dotted(prefix + chain)}' cannot be resolved",
            "only link and subform fields have fields of their own")


def _dotted(chain: Iterable[str]) -> str:
    return ".".join(chain)


# ------------------------------------------------------------------ templates

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def template_parts(text: str) -> tuple[list[str], str | None]:
    """The expressions in a message template's {placeholders}, or an error message."""
    stripped = text.replace("{{", "").replace("}}", "")
    expressions = [m.strip() for m in _PLACEHOLDER.findall(stripped)]
    leftover = _PLACEHOLDER.sub("", stripped)
    if "{" in leftover or "}" in leftover:
        return expressions, "unbalanced '{' or '}' in the message (write {{ or }} for a brace)"
    if any(not e for e in expressions):
        return expressions, "empty {} placeholder in the message"
    return expressions, None


def check_template(ctx: Context, path: Path, message: Any, scope: Scope, *,
                   previous: bool = False, user: bool = False) -> None:
    """A message (string or language map) whose {expression} placeholders must resolve."""
    if isinstance(message, str):
        texts = [(path, message)]
    elif isinstance(message, dict):
        texts = [(path + (lang,), text) for lang, text in message.items() if isinstance(text, str)]
    else:
        return
    for text_path, text in texts:
        expressions, problem = template_parts(text)
        if problem:
            ctx.error(text_path, problem)
        for source in expressions:
            check_expression(ctx, text_path, source, scope, previous=previous, user=user)
