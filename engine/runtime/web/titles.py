"""Titles of linked records, fetched through the record service: one list query
per target form for a whole page (record, rows, history, ledger), never one
per link. The service applies the caller's row scope and hidden fields, so a
title the caller may not read shows as "#id"."""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from engine.definitions.model import FormModel
from engine.runtime.errors import BadRequest, Forbidden, NotFound

MAX_IDS = 500


class TitleCollector:
    def __init__(self, loaded):
        self.loaded = loaded
        self.wanted: dict[str, set[int]] = {}

    def add(self, form: str | None, value: Any) -> None:
        if form is None or value in (None, ""):
            return
        try:
            self.wanted.setdefault(form, set()).add(int(value))
        except (TypeError, ValueError):
            return

    def add_record(self, form: FormModel, record: Mapping[str, Any]) -> None:
        for field in form.scalar_fields:
            if field.type == "link":
                self.add(field.form, record.get(field.name))
        for sub in form.subforms:
            for row in record.get(sub.name) or []:
                for field in sub.fields:
                    if field.type == "link":
                        self.add(field.form, row.get(field.name))

    def resolve(self, service, actor) -> dict[tuple[str, int], str]:
        titles: dict[tuple[str, int], str] = {}
        for form_name, ids in self.wanted.items():
            titles.update(fetch_titles(service, self.loaded, form_name, ids, actor))
        return titles


def fetch_titles(service, loaded, form_name: str, ids: Iterable[int], actor) -> dict[tuple[str, int], str]:
    target = loaded.model.form(form_name)
    wanted = sorted(set(ids))[:MAX_IDS]
    if target is None or not target.title or not wanted:
        return {}
    id_list = ", ".join(str(i) for i in wanted)
    try:
        page = service.list(loaded.name, form_name, actor=actor, filter=f"id in [{id_list}]",
                            limit=len(wanted))
    except (Forbidden, NotFound, BadRequest):
        return {}     # the caller may not read that form (or its title): ids stay ids
    return {(form_name, item["id"]): str(item.get(target.title) or "") for item in page.items
            if item.get(target.title) not in (None, "")}


def record_title(form: FormModel, record: Mapping[str, Any]) -> str:
    value = record.get(form.title) if form.title else None
    return str(value) if value not in (None, "") else f"#{record.get('id')}"
