"""What a report answers: typed columns and rows of JSON-ready values."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ReportColumn:
    name: str
    label: dict             # {"zh": ..., "en": ...}
    kind: str               # "group" | "measure"
    type: str               # a field type: text, date, decimal, integer, link, select, ...
    bucket: str | None = None   # date groups: day | week | month | quarter | year

    def as_dict(self) -> dict[str, Any]:
        info = {"name": self.name, "label": dict(self.label), "kind": self.kind, "type": self.type}
        if self.bucket:
            info["bucket"] = self.bucket
        return info


@dataclass(frozen=True)
class ReportResult:
    """`rows` hold one value per column: Decimal for decimals, int, str, date,
    ISO 'YYYY-MM-DD' text for date buckets, None for empty. `titles` maps a
    link column to {id: title} when asked for (screens)."""
    columns: list[ReportColumn]
    rows: list[list]
    titles: dict[str, dict[int, str]] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]
