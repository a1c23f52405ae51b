"""The expression language: formulas, conditions, checks and filters.

Expressions are Python expression syntax evaluated by a locked-down simpleeval
subclass. Each source is parsed and checked once (`compile_expression`, cached),
which also extracts the names and functions it uses so definitions can be
validated before anything runs.

Semantics a designer can rely on:
- Number literals with a fraction are `Decimal`, so `0.1 + 0.2 == 0.3`; `int / int`
  is a Decimal too. Floats arriving from callers are converted by their `str()`.
- Arithmetic with an empty value (None) is an error naming the empty operand;
  `<`, `<=`, `>`, `>=` with None are False; `==` / `!=` treat None as a value
  (`x != 5` is True when x is empty; filters.py translates to SQL the same way).
- `a.b` reads field `b` of a record (dict, Mapping, or any object with
  `__getitem__`); of an empty link (None) it is None; of a list of rows
  (`RowList`) it is the list of that field over the rows: `sum(lines.amount)`.
- Only whitelisted functions (engine/runtime/functions.py) may be called, never
  methods; no underscore names, lambdas, comprehensions, f-strings or dicts.
- `iif(cond, a, b)` is the function form of `a if cond else b` (both evaluated).

Limits (a definition is data a business user typed; it must not stall a worker):
source length, AST size, nesting, power size and string size are checked when
compiling where possible (ExpressionError), the rest and a CPU-time deadline
while evaluating (EvaluationError).
"""
from __future__ import annotations

import ast
import decimal
import functools
import inspect
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable, Mapping

# Re-exported: this module is the public face of the expression language.
from engine.runtime.expression_limits import Limit
from engine.runtime.expression_runtime import (  # noqa: F401
    BINARY_SYMBOLS, DECIMAL_CONTEXT, MAX_EXPONENT, MAX_POWER_BASE,
    EvaluationError, Evaluator, ExpressionError, Namespace, RowList, did_you_mean, suggest)
from engine.runtime.functions import FUNCTIONS

MAX_SOURCE_LENGTH = 2_000          # characters
MAX_NODES = 500                    # AST nodes (operators and load contexts not counted)
MAX_DEPTH = 30                     # nesting of AST nodes
# MAX_EXPONENT (100) and MAX_POWER_BASE (10**12) are enforced by `**` in
# expression_runtime.py; the size of text, lists and whole numbers an expression
# builds by every builder, through expression_limits.py (EXPRESSION_MAX_LENGTH).
EVALUATION_TIMEOUT_SECONDS = 0.25  # CPU seconds of the evaluating thread; read at each evaluation (tests patch it)
COMPILE_CACHE_SIZE = 4096

# ---------------------------------------------------------------- compiling

@dataclass(frozen=True)
class Expression:
    source: str
    names: frozenset[tuple[str, ...]]
    functions: frozenset[str]
    tree: ast.expr = field(compare=False, repr=False)
    offset: int = field(default=0, compare=False, repr=False)   # leading whitespace stripped

    def evaluate(self, names: Mapping[str, Any],
                 functions: Mapping[str, Callable] | None = None) -> Any:
        """Run with `names` (a Mapping; values may load lazily). `functions` replace
        registry entries for this run, e.g. the record service's real `lookup`."""
        return Evaluator(self, names, _Functions(functions), EVALUATION_TIMEOUT_SECONDS).run()

    def position(self, node: ast.AST) -> int | None:
        return position_of(self.source, self.offset, node)


def compile_expression(source: str) -> Expression:
    """Parse and check `source` once; the result is cached and immutable."""
    if not isinstance(source, str):
        raise ExpressionError(f"an expression must be text, not {type(source).__name__}", str(source))
    return _compile(source)


def evaluate(source: str, names: Mapping[str, Any],
             functions: Mapping[str, Callable] | None = None) -> Any:
    return compile_expression(source).evaluate(names, functions)


@functools.lru_cache(maxsize=COMPILE_CACHE_SIZE)
def _compile(source: str) -> Expression:
    if len(source) > MAX_SOURCE_LENGTH:
        raise ExpressionError(f"expression is too long ({len(source)} characters, "
                              f"at most {MAX_SOURCE_LENGTH})", source, MAX_SOURCE_LENGTH,
                              Limit("source", MAX_SOURCE_LENGTH))
    text = source.lstrip()
    offset = len(source) - len(text)
    if not text.strip():
        raise ExpressionError("empty expression", source, 0)
    tree = _parse(source, text, offset)
    _check_size(source, text, offset, tree)
    checker = _Checker(source, text, offset)
    checker.visit(tree.body)
    return Expression(source, frozenset(checker.names), frozenset(checker.functions),
                      tree.body, offset)


def _parse(source: str, text: str, offset: int) -> ast.Expression:
    try:
        return ast.parse(text, mode="eval")
    except SyntaxError as error:
        position = offset + _syntax_error_offset(text, error)
        # The parser's own nesting limit (200 parentheses) is a limit like MAX_DEPTH.
        limit = Limit("depth", MAX_DEPTH) if "too many nested" in (error.msg or "") else None
        raise ExpressionError(f"syntax error: {error.msg}", source, position, limit) from None
    except ValueError as error:                      # null bytes
        raise ExpressionError(f"cannot parse the expression: {error}", source, None) from None
    except (RecursionError, MemoryError):          # the parser's own nesting limits
        raise ExpressionError(f"expression is nested too deeply (more than {MAX_DEPTH} levels)",
                              source, None, Limit("depth", MAX_DEPTH)) from None


def _lines(text: str) -> list[str]:
    """Lines as the parser counts them (str.splitlines also splits on \f, \u2028...)."""
    return _LINE.findall(text)


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def _syntax_error_offset(text: str, error: SyntaxError) -> int:
    lines = _lines(text) or [""]
    lineno = min(max(error.lineno or 1, 1), len(lines))
    before = sum(len(line) for line in lines[:lineno - 1])
    column = (error.offset or 0) - 1
    if column < 0:     # the parser reports some end-of-input errors at column 0
        column = len(lines[lineno - 1].rstrip("\r\n"))
    return min(before + column, len(text))


def position_of(source: str, offset: int, node: ast.AST) -> int | None:
    """Character offset of `node` in `source` (ast columns count UTF-8 bytes, and
    the parsed text had `offset` leading blanks stripped)."""
    lineno, column = getattr(node, "lineno", None), getattr(node, "col_offset", None)
    lines = _lines(source[offset:])
    if lineno is None or column is None or lineno > len(lines):
        return None
    line = lines[lineno - 1]
    before = sum(len(x) for x in lines[:lineno - 1])
    return offset + before + len(line.encode()[:column].decode(errors="ignore"))


_UNCOUNTED = (ast.expr_context, ast.operator, ast.boolop, ast.cmpop, ast.unaryop)


def _check_size(source: str, text: str, offset: int, tree: ast.AST) -> None:
    # Iterative on purpose: the parser accepts nesting deeper than Python's recursion limit.
    count, stack = 0, [(tree.body, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, _UNCOUNTED):
            continue
        count += 1
        if depth > MAX_DEPTH:
            raise ExpressionError(f"expression is nested too deeply (more than {MAX_DEPTH} levels)",
                                  source, position_of(source, offset, node), Limit("depth", MAX_DEPTH))
        if count > MAX_NODES:
            raise ExpressionError(f"expression is too complex (more than {MAX_NODES} parts)",
                                  source, position_of(source, offset, node), Limit("parts", MAX_NODES))
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


_FORBIDDEN = {
    ast.Lambda: "lambda functions are not allowed",
    ast.ListComp: "comprehensions are not allowed", ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed", ast.GeneratorExp: "comprehensions are not allowed",
    ast.JoinedStr: "f-strings are not allowed; use concat()",
    ast.Dict: "dictionaries are not supported", ast.Set: "sets are not supported; use a list [...]",
    ast.NamedExpr: "assignment ':=' is not allowed", ast.Starred: "'*' unpacking is not allowed",
    ast.Await: "'await' is not allowed", ast.Yield: "'yield' is not allowed",
    ast.YieldFrom: "'yield' is not allowed",
}
_BIT_OPERATORS = {ast.BitXor: "^", ast.BitOr: "|", ast.BitAnd: "&", ast.LShift: "<<",
                  ast.RShift: ">>", ast.MatMult: "@"}
_UNARY = (ast.Not, ast.USub, ast.UAdd)
_COMPARE = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Is, ast.IsNot)
_SIMPLE = (ast.BoolOp, ast.IfExp, ast.Subscript, ast.Slice, ast.List, ast.Tuple)


class _Checker:
    """Whitelists the syntax, rewrites float literals to Decimal, collects names."""

    def __init__(self, source: str, text: str, offset: int):
        self.source, self.text, self.offset = source, text, offset
        self.names: set[tuple[str, ...]] = set()
        self.functions: set[str] = set()

    def fail(self, message: str, node: ast.AST, limit: Limit | None = None) -> ExpressionError:
        return ExpressionError(message, self.source, position_of(self.source, self.offset, node), limit)

    def visit(self, node: ast.AST) -> None:
        kind = type(node)
        if kind in _FORBIDDEN:
            raise self.fail(_FORBIDDEN[kind], node)
        handler = getattr(self, "visit_" + kind.__name__, None)
        if handler is not None:
            handler(node)
        elif isinstance(node, _SIMPLE):
            self.visit_children(node)
        else:
            raise self.fail(f"{kind.__name__} is not supported in expressions", node)

    def visit_children(self, node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, _UNCOUNTED):
                self.visit(child)

    def visit_Constant(self, node: ast.Constant) -> None:
        value = node.value
        if isinstance(value, float):
            node.value = self.decimal_literal(node)
        elif value is not None and not isinstance(value, (bool, int, str)):
            raise self.fail(f"unsupported literal {ast.get_source_segment(self.text, node)!r}", node)

    def decimal_literal(self, node: ast.Constant) -> Decimal:
        # The literal's own digits, not the float's, so 0.1 means exactly 0.1.
        try:
            value = Decimal(ast.get_source_segment(self.text, node) or str(node.value))
        except decimal.InvalidOperation:
            value = Decimal(str(node.value))
        if not value.is_finite():
            raise self.fail("number is too large", node)
        return value

    def visit_Name(self, node: ast.Name) -> None:
        self.check_identifier(node.id, node)
        self.names.add((node.id,))

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self.check_identifier(node.attr, node)
        chain = name_chain(node)
        if chain is not None:
            for part in chain:
                self.check_identifier(part, node)
            self.names.add(chain)
        else:
            self.visit(node.value)

    def check_identifier(self, name: str, node: ast.AST) -> None:
        if name.startswith("_"):
            raise self.fail(f"names starting with '_' are not allowed ('{name}')", node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if type(node.op) not in BINARY_SYMBOLS:
            symbol = _BIT_OPERATORS.get(type(node.op), type(node.op).__name__)
            raise self.fail(f"operator '{symbol}' is not supported (use ** for powers, "
                            "and / or for conditions)", node)
        right = node.right
        if (isinstance(node.op, ast.Pow) and isinstance(right, ast.Constant)
                and isinstance(right.value, (int, float)) and abs(right.value) > MAX_EXPONENT):
            raise self.fail(f"exponent {right.value} is too large (at most {MAX_EXPONENT})", right,
                            Limit("exponent", MAX_EXPONENT))
        self.visit_children(node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        if not isinstance(node.op, _UNARY):
            raise self.fail("operator '~' is not supported", node)
        self.visit_children(node)

    def visit_Compare(self, node: ast.Compare) -> None:
        operands = [node.left, *node.comparators]
        for index, op in enumerate(node.ops):
            if not isinstance(op, _COMPARE):
                raise self.fail(f"comparison {type(op).__name__} is not supported", node)
            if isinstance(op, (ast.Is, ast.IsNot)) and not any(
                    _is_none(x) for x in operands[index:index + 2]):
                raise self.fail("'is' / 'is not' only compare with None; use == or !=", node)
        self.visit_children(node)

    def visit_Call(self, node: ast.Call) -> None:
        if not isinstance(node.func, ast.Name):
            segment = ast.get_source_segment(self.text, node.func) or "?"
            raise self.fail(f"method calls are not allowed ('{segment}(...)'); "
                            "call a function instead, e.g. upper(x)", node)
        name = node.func.id
        self.check_identifier(name, node)
        if name not in FUNCTIONS:
            raise self.fail(f"unknown function '{name}'{did_you_mean(name, FUNCTIONS)}", node)
        if any(k.arg is None for k in node.keywords):
            raise self.fail("'**' unpacking is not allowed", node)
        self.check_arguments(name, FUNCTIONS[name].func, node)
        self.functions.add(name)
        for child in [*node.args, *(k.value for k in node.keywords)]:
            self.visit(child)

    def check_arguments(self, name: str, func: Callable, node: ast.Call) -> None:
        try:
            signature = inspect.signature(func)
        except (TypeError, ValueError):     # builtins without a signature: checked at run time
            return
        try:
            signature.bind(*node.args, **{k.arg: k.value for k in node.keywords})
        except TypeError as error:
            raise self.fail(f"wrong arguments for {name}(): {error}", node) from None


def _is_none(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def name_chain(node: ast.AST) -> tuple[str, ...] | None:
    """`a.b.c` → ("a", "b", "c"); None when the chain does not start at a name."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return tuple(reversed(parts))


class _Functions:
    """The registry, with per-evaluation replacements on top (read at call time,
    so the table is never a stale copy)."""

    __slots__ = ("extra",)

    def __init__(self, extra: Mapping[str, Callable] | None):
        self.extra = extra or {}

    def __getitem__(self, name: str) -> Callable:
        func = self.extra.get(name)
        return func if func is not None else FUNCTIONS[name].func
