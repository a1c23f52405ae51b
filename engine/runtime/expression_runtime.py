"""How a compiled expression runs: what values mean, the operators, the evaluator.

expressions.py parses and checks (and is the public face); this module holds the
run-time half so functions.py and filters.py share exactly the same operator
semantics. Helpers raise plain TypeError / ValueError / LookupError; the
evaluator turns them into an EvaluationError carrying expression and position.
"""
from __future__ import annotations

import ast
import decimal
import difflib
import gc
import operator
import threading
import time
import types
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Callable, Iterable, Iterator, Mapping

import simpleeval

from engine.runtime import expression_limits as limits
from engine.runtime.expression_format import format_text
from engine.runtime.expression_limits import Limit, LimitExceeded

MAX_EXPONENT = 100                 # |b| in a ** b
MAX_POWER_BASE = 10 ** 12          # |a| in a ** b
# Text and lists an expression builds: expression_limits.max_length (a setting).

BINARY_SYMBOLS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//",
                  ast.Mod: "%", ast.Pow: "**"}


# Our own context so a caller changing the thread's decimal context cannot change results.
DECIMAL_CONTEXT = decimal.Context(
    prec=28, rounding=decimal.ROUND_HALF_EVEN, Emax=999_999, Emin=-999_999,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow])


class _Located(ValueError):
    """`limit`: the bound hit, when the error is a limit (size, nesting, time...)."""

    def __init__(self, message: str, expression: str = "", position: int | None = None,
                 limit: Limit | None = None):
        super().__init__(message)
        self.message, self.expression, self.position = message, expression, position
        self.limit = limit


class ExpressionError(_Located):
    """The expression itself is wrong: syntax, a forbidden construct, a static limit.
    `position` is a 0-based character offset into the source, where known."""

    def __str__(self) -> str:
        if self.position is None:
            return self.message
        return f"{self.message} (at position {self.position})"


class EvaluationError(_Located):
    """A valid expression failed while running: empty operand, type mismatch, timeout...
    Functions may raise it with the message only; the evaluator adds the rest."""

    def __str__(self) -> str:
        if not self.expression:
            return self.message
        where = f"at position {self.position} of" if self.position is not None else "in"
        return f"{self.message} ({where} {self.expression!r})"


def suggest(name: str, candidates: Iterable[str]) -> str | None:
    """The closest candidate to a misspelt name, for "did you mean ...?" hints."""
    matches = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return matches[0] if matches else None


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    hint = suggest(name, candidates)
    return f" (did you mean '{hint}'?)" if hint else ""


class RowList(list):
    """Subform rows: `lines.amount` is the list of `amount` over the rows."""

    def project(self, name: str) -> "RowList":
        return RowList(read_field(row, name) for row in self)

    def __getattr__(self, name: str) -> "RowList":
        if name.startswith("_"):
            raise AttributeError(name)
        return self.project(name)


class Namespace(Mapping):
    """Names for one evaluation: plain values, plus values loaded on first use.

    `Namespace({"qty": 2}, lazy={"product": load_product})` calls the loader
    only if the expression reads `product`, and at most once.
    """

    def __init__(self, values: Mapping[str, Any] | None = None,
                 lazy: Mapping[str, Callable[[], Any]] | None = None):
        self._values = dict(values or {})
        self._lazy = dict(lazy or {})

    def __getitem__(self, name: str) -> Any:
        if name not in self._values and name in self._lazy:
            self._values[name] = self._lazy.pop(name)()
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        yield from self._values
        yield from (k for k in self._lazy if k not in self._values)

    def __len__(self) -> int:
        return len(self._values.keys() | self._lazy.keys())


def read_field(record: Any, name: str) -> Any:
    """`record.name`: item access first (a field called `items` must win over
    dict.items), None for an empty link, projection over a list of rows."""
    if record is None:
        return None
    if isinstance(record, list):
        return RowList(record).project(name)
    if hasattr(type(record), "__getitem__") and not isinstance(record, (str, bytes, tuple)):
        try:
            return record[name]      # may load lazily (links read their target on first use)
        except KeyError:
            raise LookupError(f"there is no field '{name}'") from None
        except TypeError:
            pass
    value = getattr(record, name, _MISSING)
    if value is _MISSING or callable(value) or isinstance(value, types.ModuleType):
        raise LookupError(f"{kind_of(record)} has no field '{name}'")
    return value


_MISSING = object()


def data_value(value: Any) -> Any:
    """Names hold data; a function or module reached through data is never usable."""
    if isinstance(value, types.ModuleType) or (callable(value) and not isinstance(value, list)):
        raise TypeError("functions and modules cannot be used as values")
    return value


def kind_of(value: Any) -> str:
    """A designer's word for a value's type, for error messages."""
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return "a yes/no value"
    if isinstance(value, (int, Decimal, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, datetime):
        return "a date and time"
    if isinstance(value, date):
        return "a date"
    if isinstance(value, (list, tuple)):
        return "a list"
    return "a record" if hasattr(value, "__getitem__") else type(value).__name__


def exact(value: Any) -> Any:
    """Floats become Decimals by their shortest repr, so 0.1 stays 0.1."""
    return Decimal(str(value)) if isinstance(value, float) else value


def comparable(a: Any, b: Any) -> tuple[Any, Any]:
    """Make a pair comparable: floats exact, ISO text next to a date read as a date."""
    a, b = exact(a), exact(b)
    if isinstance(a, date) and isinstance(b, str):
        b = _iso_or_same(b, type(a))
    elif isinstance(b, date) and isinstance(a, str):
        a = _iso_or_same(a, type(b))
    return a, b


def _iso_or_same(text: str, kind: type) -> Any:
    try:
        return kind.fromisoformat(text)
    except ValueError:
        return text


def sized(value: Any) -> Any:
    """A list or tuple an expression built from its items (`[a, b]`), bounded."""
    limits.check_items(limits.items(value, limits.max_length))
    return value


def describe_error(error: BaseException) -> str:
    # The C decimal module raises InvalidOperation([DivisionUndefined]) for 0 / 0.
    signals = error.args[0] if error.args and isinstance(error.args[0], list) else ()
    if isinstance(error, ZeroDivisionError) or decimal.DivisionUndefined in signals:
        return "division by zero"
    if isinstance(error, decimal.Overflow):
        return "number is too large"
    if isinstance(error, decimal.InvalidOperation):
        return "invalid arithmetic (for example a fractional power of a negative number)"
    if isinstance(error, KeyError):
        return f"no entry {error.args[0]!r}" if error.args else "no such entry"
    if isinstance(error, IndexError):
        return "index out of range"
    if isinstance(error, MemoryError):
        return "result is too large"
    return str(error) or type(error).__name__


RUNTIME_ERRORS = (ArithmeticError, TypeError, ValueError, LookupError, AttributeError,
                  RecursionError, MemoryError, simpleeval.InvalidExpression)


# ---------------------------------------------------------------- operators

def _sub(a: Any, b: Any) -> Any:
    result = a - b
    return limits.check_integer(result) if type(result) is int else result


def _mod(a: Any, b: Any) -> Any:
    if not isinstance(a, str):
        return a % b
    # `text % values` is formatting: bounded piece by piece, never Python's own.
    try:
        return format_text(a, b)
    except TypeError as error:     # not arithmetic's "cannot apply '%'": say what is wrong
        raise ValueError(f"text formatting with '%': {error}") from None


def _div(a: Any, b: Any) -> Any:
    if isinstance(a, int) and isinstance(b, int):
        return Decimal(a) / Decimal(b)     # 7 / 2 is 3.5 exactly, never a float
    return a / b


def _pow(a: Any, b: Any) -> Any:
    if abs(b) > MAX_EXPONENT or abs(a) > MAX_POWER_BASE:
        raise LimitExceeded(Limit("exponent", MAX_EXPONENT),
                            f"{a} ** {b} is too large (exponent at most {MAX_EXPONENT}, "
                            f"base at most {MAX_POWER_BASE:,})")
    if isinstance(a, int) and isinstance(b, int) and b < 0:
        return Decimal(a) ** b
    result = a ** b
    return limits.check_integer(result) if type(result) is int else result


_ARITHMETIC: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: limits.add, ast.Sub: _sub, ast.Mult: limits.multiply, ast.Div: _div,
    ast.FloorDiv: operator.floordiv, ast.Mod: _mod, ast.Pow: _pow,
}


def arithmetic(op: type, a: Any, b: Any) -> Any:
    """`a <op> b` for non-empty operands (Decimal-exact, size-limited, clear type errors)."""
    a, b = exact(a), exact(b)
    try:
        return _ARITHMETIC[op](a, b)
    except TypeError:
        raise TypeError(f"cannot apply '{BINARY_SYMBOLS[op]}' to {kind_of(a)} "
                        f"and {kind_of(b)}") from None


def _ordering(compare: Callable[[Any, Any], bool], symbol: str) -> Callable[[Any, Any], bool]:
    def ordered(a: Any, b: Any) -> bool:
        if a is None or b is None:
            return False
        a, b = comparable(a, b)
        try:
            return compare(a, b)
        except TypeError:
            raise TypeError(f"cannot compare {kind_of(a)} with {kind_of(b)} "
                            f"using '{symbol}'") from None
    return ordered


def _equal(a: Any, b: Any) -> bool:
    a, b = comparable(a, b)
    return a == b


def _contained(item: Any, container: Any) -> bool:
    if container is None:
        return False
    if isinstance(container, str) and not isinstance(item, str):
        raise TypeError(f"cannot look for {kind_of(item)} in text")
    return exact(item) in container


COMPARISONS: dict[type, Callable[[Any, Any], bool]] = {
    ast.Eq: _equal, ast.NotEq: lambda a, b: not _equal(a, b),
    ast.Lt: _ordering(operator.lt, "<"), ast.LtE: _ordering(operator.le, "<="),
    ast.Gt: _ordering(operator.gt, ">"), ast.GtE: _ordering(operator.ge, ">="),
    ast.In: _contained, ast.NotIn: lambda a, b: not _contained(a, b),
    ast.Is: lambda a, b: a is b, ast.IsNot: lambda a, b: a is not b,
}


# ---------------------------------------------------------------- evaluation

class _GarbageCollectionClock(threading.local):
    """CPU time this thread spent in the garbage collector. A full collection of
    a large heap can take longer than the expression deadline, and happens to
    whichever allocation trips it: it must not be charged to the expression."""
    spent = 0.0
    started: float | None = None


_gc_clock = _GarbageCollectionClock()


def _count_gc_time(phase: str, _info: dict) -> None:
    if phase == "start":
        _gc_clock.started = time.thread_time()
    elif _gc_clock.started is not None:
        _gc_clock.spent += time.thread_time() - _gc_clock.started
        _gc_clock.started = None


gc.callbacks.append(_count_gc_time)


def expression_cpu_time() -> float:
    """This thread's CPU time, less what the garbage collector took."""
    return time.thread_time() - _gc_clock.spent


class Evaluator(simpleeval.SimpleEval):
    """One evaluation of a compiled expression.

    SimpleEval.__init__ is skipped: it rebuilds a node table and scans the
    function table on every construction, which costs more than evaluating a
    typical formula. Dispatch goes through the class-level `_HANDLERS` instead.
    """

    def __init__(self, expression: Any, names: Mapping[str, Any], functions: Any, timeout: float):
        # expression: an expressions.Expression; functions: anything indexable by name.
        self.expression, self.expr = expression, expression.source
        self.names, self.functions = names, functions
        self.operators = COMPARISONS          # what SimpleEval._eval_compare looks up
        self.allowed_attrs = None
        self.timeout = timeout
        # CPU time of this thread: waiting for the database (lazy link loads) or for
        # the scheduler on a busy machine must not count against the expression,
        # nor a garbage collection that happens to run during it.
        self.deadline = expression_cpu_time() + timeout

    def run(self) -> Any:
        with decimal.localcontext(DECIMAL_CONTEXT):
            return self._eval(self.expression.tree)

    def fail(self, message: str, node: ast.AST, limit: Limit | None = None) -> EvaluationError:
        return EvaluationError(message, self.expr, self.expression.position(node), limit)

    def segment(self, node: ast.AST) -> str:
        text = self.expr[self.expression.offset:]
        return ast.get_source_segment(text, node) or "?"

    def _eval(self, node: ast.AST) -> Any:
        if expression_cpu_time() > self.deadline:
            raise self.fail(f"evaluation took longer than {self.timeout * 1000:g} ms", node,
                            Limit("time", round(self.timeout * 1000)))
        try:
            return _HANDLERS[type(node)](self, node)
        except EvaluationError as error:
            if not error.expression:    # raised by a function such as lookup()
                error.expression, error.position = self.expr, self.expression.position(node)
            raise
        except RUNTIME_ERRORS as error:
            raise self.fail(describe_error(error), node, getattr(error, "limit", None)) from None

    def _eval_name(self, node: ast.Name) -> Any:
        try:
            return data_value(self.names[node.id])
        except KeyError:
            raise self.fail(f"unknown name '{node.id}'{did_you_mean(node.id, self.names)}", node) from None

    def _eval_attribute(self, node: ast.Attribute) -> Any:
        record = self._eval(node.value)
        try:
            return data_value(read_field(record, node.attr))
        except LookupError:
            raise self.fail(f"'{self.segment(node.value)}' has no field '{node.attr}'", node) from None

    def _eval_subscript(self, node: ast.Subscript) -> Any:
        container, key = self._eval(node.value), self._eval(node.slice)
        return None if container is None else data_value(container[key])

    def _eval_binop(self, node: ast.BinOp) -> Any:
        left, right = self._eval(node.left), self._eval(node.right)
        if left is None or right is None:
            empty = node.left if left is None else node.right
            raise self.fail(f"'{self.segment(empty)}' is empty, so "
                            f"'{self.segment(node)}' cannot be computed", node)
        return arithmetic(type(node.op), left, right)

    def _eval_unaryop(self, node: ast.UnaryOp) -> Any:
        value = self._eval(node.operand)
        if isinstance(node.op, ast.Not):
            return not value
        if value is None:
            raise self.fail(f"'{self.segment(node.operand)}' is empty, so "
                            f"'{self.segment(node)}' cannot be computed", node)
        value = exact(value)
        if not isinstance(value, (int, Decimal)):
            raise TypeError(f"cannot apply '-' to {kind_of(value)}")
        return -value if isinstance(node.op, ast.USub) else value

    def _eval_call(self, node: ast.Call) -> Any:
        func = self.functions[node.func.id]
        args = [self._eval(arg) for arg in node.args]
        kwargs = {k.arg: self._eval(k.value) for k in node.keywords}
        return func(*args, **kwargs)

    def _eval_list(self, node: ast.List) -> list:
        return sized([self._eval(item) for item in node.elts])

    def _eval_tuple(self, node: ast.Tuple) -> tuple:
        return sized(tuple(self._eval(item) for item in node.elts))


_HANDLERS: dict[type, Callable[[Evaluator, Any], Any]] = {
    ast.Constant: lambda self, node: node.value,
    ast.Name: Evaluator._eval_name,
    ast.Attribute: Evaluator._eval_attribute,
    ast.Subscript: Evaluator._eval_subscript,
    ast.Slice: simpleeval.SimpleEval._eval_slice,
    ast.BinOp: Evaluator._eval_binop,
    ast.UnaryOp: Evaluator._eval_unaryop,
    ast.BoolOp: simpleeval.SimpleEval._eval_boolop,
    ast.Compare: simpleeval.SimpleEval._eval_compare,
    ast.IfExp: simpleeval.SimpleEval._eval_ifexp,
    ast.Call: Evaluator._eval_call,
    ast.List: Evaluator._eval_list,
    ast.Tuple: Evaluator._eval_tuple,
}
