"""Small pieces every compiled definition shares: labels (a string or a
{"en", "zh"} map, and picking one language) and `form.subform` source paths."""
from __future__ import annotations

from types import MappingProxyType
from typing import Any, Mapping


def label_dict(label: Any, fallback: str) -> Mapping[str, str]:
    """Normalise a label (string or {"en","zh"} map) to a read-only map with an `en` entry."""
    if label is None:
        return MappingProxyType({"en": fallback})
    if isinstance(label, str):
        return MappingProxyType({"en": label})
    merged = dict(label)
    merged.setdefault("en", next(iter(label.values()), fallback))
    return MappingProxyType(merged)


def localized(label: Mapping[str, str], language: str | None) -> str:
    """Pick the label for a language ("zh", "zh-CN", "en"...), falling back to English."""
    if language:
        base = language.replace("_", "-").split("-")[0].lower()
        if base in label:
            return label[base]
    return label.get("en") or next(iter(label.values()), "")


def readable_name(name: str) -> str:
    """A definition name for people who have no label for it: "low_stock_alert" → "Low stock alert"."""
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


class SourcePath:
    """For models with a `source` of "form" or "form.subform" (rules, reports)."""
    source: str

    @property
    def source_form(self) -> str:
        return self.source.split(".", 1)[0]

    @property
    def source_subform(self) -> str | None:
        parts = self.source.split(".", 1)
        return parts[1] if len(parts) == 2 else None
