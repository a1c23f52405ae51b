"""Submit a page's designer forms as a browser without JavaScript would:
every successful control of each `data-designer-form` form, in document order."""
from __future__ import annotations

from html.parser import HTMLParser


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[list[tuple[str, str]]] = []
        self._current: list | None = None
        self._select: tuple[str, bool] | None = None
        self._select_values: list[str] = []
        self._first_option: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._current = [] if "data-designer-form" in a else None
            return
        if self._current is None or "form" in a:
            return
        if tag == "input" and a.get("name") and "disabled" not in a:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "file"):
                self._current.append((a["name"], a.get("value", "")))
        elif tag == "select" and a.get("name"):
            self._select, self._select_values, self._first_option = (a["name"], "multiple" in a), [], None
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in a:
                self._select_values.append(value)

    def handle_endtag(self, tag):
        if tag == "select" and self._select and self._current is not None:
            name, multiple = self._select
            values = self._select_values or ([] if multiple or self._first_option is None else [self._first_option])
            self._current.extend((name, v) for v in values)
            self._select = None
        elif tag == "form" and self._current is not None:
            self.forms.append(self._current)
            self._current = None


def designer_forms(html: str) -> list[list[tuple[str, str]]]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms
