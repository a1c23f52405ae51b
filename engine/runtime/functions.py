"""The functions expressions may call: a whitelist kept as data rows.

`FUNCTIONS` is the only place a function is added. The expression compiler
rejects calls to anything else, and the definition-language reference is
checked against these rows (signature, English and Chinese docs, result type).

Conventions shared by all functions:
- Aggregates (sum, min, max, avg, count) take one list, e.g. `sum(lines.amount)`,
  or several values, e.g. `max(a, b)`; empty values (None) are skipped;
  `sum` of nothing is 0, `min`/`max`/`avg` of nothing are empty.
- Scalar functions return empty for an empty input (`year(None)` is None),
  except `len` (0), `text` ('') and `contains` (False), which read more naturally.
- `contains` ignores case for text, like the SQL filter translation (which lowers
  both sides; SQLite's lower() folds ASCII letters only).
- `today()` / `now()` are the server's local date and time.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Callable

from engine.runtime import expression_limits as limits
from engine.runtime.expression_runtime import EvaluationError, exact, kind_of

MAX_INTEGER_DIGITS = 100   # int('1e999999') would build a million-digit number


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    func: Callable[..., Any]
    signature: str
    doc_en: str
    doc_zh: str
    returns: str            # number | integer | text | date | datetime | boolean | any


def _now() -> datetime:
    # One clock for today() and now(), so tests can pin it.
    return datetime.now().replace(microsecond=0)


# ---------------------------------------------------------------- helpers

def _values(args: tuple) -> list:
    """One list argument (`sum(lines.amount)`) or several values (`sum(a, b)`), empties dropped."""
    items = args[0] if len(args) == 1 and isinstance(args[0], (list, tuple)) else args
    return [exact(v) for v in items if v is not None]


def _numbers(args: tuple, name: str) -> list:
    values = _values(args)
    for value in values:
        if not isinstance(value, (int, Decimal)):
            raise TypeError(f"{name}() needs numbers, got {kind_of(value)}")
    return values


def _number(value: Any, name: str) -> int | Decimal:
    value = exact(value)
    if not isinstance(value, (int, Decimal)):
        raise TypeError(f"{name}() needs a number, got {kind_of(value)}")
    return value


def _whole(value: Any, name: str) -> int:
    value = _number(value, name)
    if value != int(value):
        raise ValueError(f"{name}() needs a whole number, got {value}")
    return int(value)


def _as_date(value: Any, name: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return to_date(value)
    raise TypeError(f"{name}() needs a date, got {kind_of(value)}")


# ---------------------------------------------------------------- aggregates

def sum_(*values: Any) -> int | Decimal:
    return sum(_numbers(values, "sum"), 0)


def _extreme(pick: Callable, name: str, values: tuple) -> Any:
    items = _values(values)
    if not items:
        return None
    try:
        return pick(items)
    except TypeError:
        raise TypeError(f"{name}() cannot compare {', '.join(sorted({kind_of(v) for v in items}))}") from None


def min_(*values: Any) -> Any:
    return _extreme(min, "min", values)


def max_(*values: Any) -> Any:
    return _extreme(max, "max", values)


def avg(*values: Any) -> Decimal | None:
    items = _numbers(values, "avg")
    return Decimal(sum(items, 0)) / len(items) if items else None


def count(*values: Any) -> int:
    return len(_values(values))


# ---------------------------------------------------------------- numbers

def round_(value: Any, digits: Any = 0) -> int | Decimal | None:
    """Half away from zero (2.5 → 3), like a calculator, not Python's banker's rounding."""
    if value is None:
        return None
    number, places = Decimal(_number(value, "round")), _whole(digits, "round")
    if places > 0:
        return number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return int(number.scaleb(places).quantize(Decimal(1), rounding=ROUND_HALF_UP).scaleb(-places))


def abs_(value: Any) -> int | Decimal | None:
    return None if value is None else abs(_number(value, "abs"))


def to_int(value: Any) -> int | None:
    """Whole part, towards zero; text is read as a number first ('12.7' → 12)."""
    if value is None:
        return None
    number = to_decimal(value) if isinstance(value, str) else _number(value, "int")
    if isinstance(number, Decimal) and number.adjusted() >= MAX_INTEGER_DIGITS:
        raise ValueError(f"{value} is too large")
    return int(number)


def to_decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            number = Decimal(value.strip().replace(",", ""))
        except InvalidOperation:
            raise ValueError(f"cannot read {value!r} as a number") from None
    else:
        number = Decimal(_number(value, "decimal"))
    if not number.is_finite():
        raise ValueError(f"cannot read {value!r} as a number")
    return number


# ---------------------------------------------------------------- text and lists

def text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        limits.check_decimal_text(value)    # 1E+999999 is a million digits written out
        return format(value, "f")      # 100, not 1E+2
    if isinstance(value, (date, datetime)):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    if isinstance(value, (list, tuple)):
        return limits.join_text((text(v) for v in value), ", ")
    return str(value)


def length(value: Any) -> int:
    if value is None:
        return 0
    if not isinstance(value, (str, list, tuple)):
        raise TypeError(f"len() needs text or a list, got {kind_of(value)}")
    return len(value)


def _case(value: Any, change) -> str | None:
    if value is None:
        return None
    original = text(value)
    changed = change(original)
    # Case changes can lengthen text ('ß' → 'SS', at most threefold): never past
    # the limit, unless the text was already that long (a long value read from a record).
    if len(changed) > max(len(original), limits.max_length):
        raise limits.text_too_long()
    return changed


def lower(value: Any) -> str | None:
    return _case(value, str.lower)


def upper(value: Any) -> str | None:
    return _case(value, str.upper)


def concat(*values: Any) -> str:
    return limits.join_text((text(v) for v in values), "")


def contains(haystack: Any, needle: Any) -> bool:
    if haystack is None or needle is None:
        return False
    if isinstance(haystack, str):
        return text(needle).lower() in haystack.lower()
    if isinstance(haystack, (list, tuple)):
        return exact(needle) in haystack
    raise TypeError(f"contains() looks in text or a list, not in {kind_of(haystack)}")


def coalesce(*values: Any) -> Any:
    return next((v for v in values if v is not None), None)


def iif(condition: Any, then: Any, otherwise: Any = None) -> Any:
    return then if condition else otherwise


# ---------------------------------------------------------------- dates

def today() -> date:
    return _now().date()


def now() -> datetime:
    return _now()


def to_date(value: Any) -> date | None:
    """A date from a date, a date-time (its day) or ISO text ('2024-03-01')."""
    if value is None or isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.strip()).date()
        except ValueError:
            raise ValueError(f"{value!r} is not a date (write it as YYYY-MM-DD)") from None
    raise TypeError(f"date() needs text or a date, got {kind_of(value)}")


def year(value: Any) -> int | None:
    return None if value is None else _as_date(value, "year").year


def month(value: Any) -> int | None:
    return None if value is None else _as_date(value, "month").month


def day(value: Any) -> int | None:
    return None if value is None else _as_date(value, "day").day


def days_between(start: Any, end: Any) -> int | None:
    """Calendar days from start to end: negative when end is earlier."""
    if start is None or end is None:
        return None
    return (_as_date(end, "days_between") - _as_date(start, "days_between")).days


def add_days(value: Any, days: Any) -> date | datetime | None:
    if value is None or days is None:
        return None
    if isinstance(value, str):
        value = to_date(value)
    if not isinstance(value, date):
        raise TypeError(f"add_days() needs a date, got {kind_of(value)}")
    return value + timedelta(days=_whole(days, "add_days"))


def lookup(form: str, field: str, **criteria: Any) -> Any:
    """Placeholder so definitions validate; the record service passes the real one."""
    raise EvaluationError("lookup() is only available inside the record service")


def count_of(form: str, **criteria: Any) -> Any:
    """Placeholder so definitions validate; the record service passes the real one."""
    raise EvaluationError("count_of() is only available inside the record service")


# ---------------------------------------------------------------- the registry

def _spec(name: str, func: Callable, signature: str, returns: str, en: str, zh: str) -> FunctionSpec:
    return FunctionSpec(name, func, signature, en, zh, returns)


_SPECS = (
    _spec("sum", sum_, "sum(values) | sum(a, b, ...)", "number",
          "Total of the numbers; empty values are skipped; 0 when there are none.",
          "数值求和；忽略空值；没有数值时为 0。"),
    _spec("min", min_, "min(values) | min(a, b, ...)", "any",
          "Smallest value, skipping empty ones; empty when there are none.",
          "最小值，忽略空值；没有值时为空。"),
    _spec("max", max_, "max(values) | max(a, b, ...)", "any",
          "Largest value, skipping empty ones; empty when there are none.",
          "最大值，忽略空值；没有值时为空。"),
    _spec("avg", avg, "avg(values) | avg(a, b, ...)", "number",
          "Average of the numbers, skipping empty ones; empty when there are none.",
          "平均值，忽略空值；没有数值时为空。"),
    _spec("count", count, "count(values) | count(a, b, ...)", "integer",
          "How many values are not empty.", "非空值的个数。"),
    _spec("round", round_, "round(number, digits=0)", "number",
          "Round half away from zero (2.5 → 3) to `digits` decimals; a whole number when digits ≤ 0.",
          "四舍五入到 digits 位小数（2.5 → 3）；digits ≤ 0 时得到整数。"),
    _spec("abs", abs_, "abs(number)", "number", "Absolute value.", "绝对值。"),
    _spec("int", to_int, "int(value)", "integer",
          "Whole part of a number, towards zero; text is read as a number first.",
          "取整（向零截断）；文本先按数字读取。"),
    _spec("decimal", to_decimal, "decimal(value)", "number",
          "The value as an exact decimal number; text such as '1,234.50' is read as a number.",
          "转换为精确小数；'1,234.50' 这样的文本按数字读取。"),
    _spec("text", text, "text(value)", "text",
          "The value as text: dates as YYYY-MM-DD, lists joined by ', ', empty as ''.",
          "转换为文本：日期为 YYYY-MM-DD，列表以 ', ' 连接，空值为 ''。"),
    _spec("str", text, "str(value)", "text", "Same as text(value).", "同 text(value)。"),
    _spec("len", length, "len(text_or_list)", "integer",
          "Number of characters of text, or items of a list; 0 when empty.",
          "文本的字符数或列表的项数；空值为 0。"),
    _spec("lower", lower, "lower(text)", "text", "Text in lower case.", "转为小写。"),
    _spec("upper", upper, "upper(text)", "text", "Text in upper case.", "转为大写。"),
    _spec("concat", concat, "concat(a, b, ...)", "text",
          "Join values as text; empty values count as ''.", "把各值作为文本连接；空值按 '' 处理。"),
    _spec("contains", contains, "contains(text_or_list, value)", "boolean",
          "Whether text contains a piece of text (ignoring case), or a list contains a value.",
          "文本是否包含某段文字（不区分大小写），或列表是否包含某个值。"),
    _spec("coalesce", coalesce, "coalesce(a, b, ...)", "any",
          "The first value that is not empty.", "第一个非空的值。"),
    _spec("iif", iif, "iif(condition, then, otherwise)", "any",
          "`then` when the condition holds, else `otherwise` (both are computed; "
          "`a if condition else b` computes only one). Named iif because `if` is a keyword.",
          "条件成立时取 then，否则取 otherwise（两者都会计算；`a if 条件 else b` 只计算一个）。"
          "因 if 是关键字，函数名为 iif。"),
    _spec("today", today, "today()", "date", "Today's date (server time).", "今天的日期（服务器时间）。"),
    _spec("now", now, "now()", "datetime",
          "The current date and time (server time, whole seconds).", "当前日期时间（服务器时间，精确到秒）。"),
    _spec("date", to_date, "date(text)", "date",
          "A date from ISO text ('2024-03-01') or from a date-time (its day).",
          "由 ISO 文本（'2024-03-01'）或日期时间得到日期。"),
    _spec("year", year, "year(date)", "integer", "The year of a date.", "日期的年份。"),
    _spec("month", month, "month(date)", "integer", "The month of a date (1–12).", "日期的月份（1–12）。"),
    _spec("day", day, "day(date)", "integer", "The day of the month (1–31).", "日期是当月第几天（1–31）。"),
    _spec("days_between", days_between, "days_between(start, end)", "integer",
          "Calendar days from start to end; negative when end is earlier.",
          "从 start 到 end 的天数；end 较早时为负数。"),
    _spec("add_days", add_days, "add_days(date, days)", "date",
          "The date `days` days later (earlier when negative).", "days 天之后的日期（负数为之前）。"),
    _spec("lookup", lookup, "lookup(form, field, key=value, ...)", "any",
          "The `field` of the one `form` record matching all key=value pairs; empty when none. "
          "Only while saving a record.",
          "查找 form 中与所有 key=value 条件匹配的唯一记录，返回其 field；无匹配时为空。仅在保存记录时可用。"),
    _spec("count_of", count_of, "count_of(form, key=value, ...)", "integer",
          "How many `form` records match all key=value pairs. Only while saving a record.",
          "form 中与所有 key=value 条件匹配的记录数。仅在保存记录时可用。"),
)

FUNCTIONS: dict[str, FunctionSpec] = {spec.name: spec for spec in _SPECS}
