"""Column labels in zh and en: the definition's label, else one made from the field's."""
from __future__ import annotations

from typing import Mapping

from engine.definitions.model import ReportGroup, ReportMeasure
from engine.runtime.reports.source import Name, ReportSource

LANGUAGES = ("zh", "en")
BUCKET_WORDS = {"day": ("日", "day"), "week": ("周", "week"), "month": ("月", "month"),
                "quarter": ("季度", "quarter"), "year": ("年", "year")}
AGG_PATTERNS = {"sum": ("{}合计", "Sum of {}"), "count": ("{}计数", "Count of {}"),
                "avg": ("平均{}", "Average {}"), "min": ("最小{}", "Minimum {}"),
                "max": ("最大{}", "Maximum {}")}
ROW_COUNT = {"zh": "记录数", "en": "Rows"}
SYSTEM_LABELS = {"id": ("编号", "ID"), "created_at": ("创建时间", "Created at"),
                 "created_by": ("创建人", "Created by"), "updated_at": ("更新时间", "Updated at"),
                 "updated_by": ("更新人", "Updated by"), "version": ("版本", "Version"),
                 "parent_id": ("上级编号", "Parent ID"), "position": ("行号", "Position")}


def both(label: Mapping[str, str] | None, fallback: str) -> dict[str, str]:
    """{"zh", "en"} from a label map (a missing language falls back to English)."""
    label = dict(label or {})
    english = label.get("en") or next(iter(label.values()), fallback)
    return {"zh": label.get("zh") or english, "en": english}


def name_label(source: ReportSource, name: Name) -> dict[str, str]:
    if name.field is None:
        zh, en = SYSTEM_LABELS.get(name.chain[-1], (name.chain[-1], name.chain[-1]))
        own = {"zh": zh, "en": en}
    else:
        own = both(name.field.label, name.chain[-1])
    rest = name.chain[1:] if name.chain[0] == "parent" else name.chain
    if len(rest) == 2:          # a linked record's field: "Product · Name"
        link = source.resolve(name.chain[:-1])
        outer = both(link.field.label if link.field else None, rest[0])
        own = {lang: f"{outer[lang]} · {own[lang]}" for lang in LANGUAGES}
    return own


def group_label(source: ReportSource, group: ReportGroup, name: Name) -> dict[str, str]:
    if group.label is not None:
        return both(group.label, group.name)
    own = name_label(source, name)
    if group.bucket:
        zh, en = BUCKET_WORDS[group.bucket]
        own = {"zh": f"{own['zh']}（{zh}）", "en": f"{own['en']} ({en})"}
    return own


def measure_label(source: ReportSource, measure: ReportMeasure) -> dict[str, str]:
    if measure.label is not None:
        return both(measure.label, measure.name)
    if measure.expression is None:
        return dict(ROW_COUNT)
    chain = tuple(measure.expression.strip().split("."))
    if not all(part.isidentifier() for part in chain):
        return {"zh": measure.name, "en": measure.name}
    try:
        own = name_label(source, source.resolve(chain))
    except KeyError:
        return {"zh": measure.name, "en": measure.name}
    zh, en = AGG_PATTERNS[measure.agg]
    return {"zh": zh.format(own["zh"]), "en": en.format(own["en"])}
