"""Message templates for people: `{placeholder}`s filled in with readable values.

A placeholder is an expression over the checked record (`{available}`,
`{product.name}`, `{previous.available}`, `{previous.reserved - reserved}`);
`{{` and `}}` are literal braces. Values are written the way a clerk reads
them, in their language:

- a link is the linked record's title (its `title` field; `#id` without one);
- a number of a decimal field is rounded to the field's scale and written
  without trailing zeros (`69.000` → `69`, `2.50` → `2.5`); any other number
  loses its trailing zeros too;
- a select shows its option label; yes/no for booleans; an empty value is empty.

A placeholder that cannot be evaluated (a definition mistake the validator
could not see, such as arithmetic on an empty `previous` value) is written as
`?`: the message must never hide the check's own verdict.
"""
from __future__ import annotations

import logging
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Mapping

from babel.support import NullTranslations, Translations

from engine.definitions.model import AppModel, FieldModel, FormModel, localized
from engine.runtime.expressions import EvaluationError, ExpressionError, RowList, compile_expression, name_chain
from engine.runtime.records.compute import LinkedRecord

log = logging.getLogger(__name__)
PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]+)\}")
UNKNOWN = "?"
Loader = Callable[[str, int], Mapping[str, Any] | None]
CATALOGS = Path(__file__).resolve().parents[2] / "translations"
LANGUAGES = ("en", "zh")


def language_of(language: str | None) -> str:
    """'zh' for 'zh', 'zh-CN' or 'zh_Hans'; English for anything the catalogs lack."""
    base = (language or "").replace("-", "_").split("_")[0].lower()
    return base if base in LANGUAGES else "en"


@lru_cache(maxsize=len(LANGUAGES))
def catalog(language: str | None) -> NullTranslations:
    """The UI catalog (engine/translations, the one Flask-Babel serves) of the
    actor's language: service messages are written in it whether or not a
    request is being served (the API, imports on a worker thread, the CLI)."""
    return Translations.load(str(CATALOGS), [language_of(language)], domain="messages")


class Renderer:
    """Fills templates over one record's expression names, for one language."""

    def __init__(self, model: AppModel, form: FormModel, names: Mapping[str, Any], *,
                 loader: Loader, language: str | None, functions: Mapping[str, Callable] | None = None):
        self.model, self.form, self.names = model, form, names
        self.loader, self.language, self.functions = loader, language, functions

    def render(self, template: str) -> str:
        def replace(match: re.Match) -> str:
            if match.group(1) is None:
                return match.group(0)[0]
            return self.placeholder(match.group(1).strip())
        return PLACEHOLDER.sub(replace, template)

    def placeholder(self, source: str) -> str:
        try:
            expression = compile_expression(source)
            value = expression.evaluate(self.names, self.functions)
        except (EvaluationError, ExpressionError, KeyError, TypeError) as error:
            log.warning("message placeholder {%s} of %s could not be evaluated: %s",
                        source, self.form.name, error)
            return UNKNOWN
        return self.value(value, self.field_of(name_chain(expression.tree)))

    def field_of(self, chain: tuple[str, ...] | None) -> FieldModel | None:
        """The field a bare name chain reads (`previous.available`, `product.unit_price`)."""
        if not chain:
            return None
        if chain[0] == "previous":
            chain = chain[1:]
        form, field = self.form, None
        for part in chain:
            if form is None:
                return None
            field = form.field(part)
            if field is None:
                return None
            form = self.model.form(field.form) if field.type == "link" else None
        return field

    def value(self, value: Any, field: FieldModel | None) -> str:
        if value is None or value == "":
            return ""
        if isinstance(value, LinkedRecord):
            return self.title(value)
        if isinstance(value, bool):
            words = catalog(self.language)
            return words.gettext("yes") if value else words.gettext("no")
        if isinstance(value, (Decimal, float, int)):
            return number_text(value, field.scale if field is not None and field.type == "decimal" else None)
        if field is not None and field.options and isinstance(value, (str, list)):
            return self._option_labels(field, value)
        if isinstance(value, RowList):
            return ", ".join(self.value(item, None) for item in value)
        if isinstance(value, datetime):
            return value.strftime("%Y-%m-%d %H:%M")
        if isinstance(value, date):
            return value.isoformat()
        return str(value)

    def title(self, link: LinkedRecord) -> str:
        target = self.model.form(link.target_form)
        row = self.loader(link.target_form, int(link))
        if target is None or row is None or not target.title:
            return f"#{int(link)}"
        title_field = target.field(target.title)
        shown = row.get(target.title)
        if isinstance(shown, LinkedRecord):       # a title that is itself a link: one level, then ids
            shown = int(shown)
        text = self.value(shown, title_field) if title_field is not None else str(shown or "")
        return text or f"#{int(link)}"

    def _option_labels(self, field: FieldModel, value: str | list) -> str:
        labels = {o.value: localized(o.label, self.language) for o in field.options}
        values = value if isinstance(value, list) else [value]
        return ", ".join(labels.get(v, str(v)) for v in values)


def number_text(value: Decimal | float | int, scale: int | None = None) -> str:
    """69.000 → "69", 2.50 → "2.5", -431 → "-431"; rounded to `scale` places first."""
    if isinstance(value, int):
        return str(value)
    try:
        number = Decimal(str(value)) if isinstance(value, float) else value
        if scale is not None:
            number = number.quantize(Decimal(1).scaleb(-scale))
    except (InvalidOperation, ValueError):
        return str(value)
    if not number.is_finite():
        return str(value)
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
