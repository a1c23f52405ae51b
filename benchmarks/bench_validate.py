"""Benchmark: validate and compile a generated 200-form, 4,000-field definition.

Run: `python -m benchmarks.bench_validate` (or `python benchmarks/bench_validate.py`).
Prints the time of `validate_definition` + `compile_app`; the target is under 2 s.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.definitions import compile_app, validate_definition  # noqa: E402

FORMS = 200
FIELDS_PER_FORM = 20        # 14 scalar + 1 subform holding 5 row fields
TARGET_SECONDS = 2.0


def _form(i: int) -> dict:
    other = f"form_{i - 1:03d}" if i else None
    fields = [
        {"name": "code", "type": "text", "required": True, "unique": True, "max_length": 40,
         "label": {"en": f"Code {i}", "zh": f"编码 {i}"}},
        {"name": "title", "type": "text", "label": "Title"},
        {"name": "notes", "type": "textarea"},
        {"name": "qty", "type": "integer", "min": 0, "default": 0},
        {"name": "price", "type": "decimal", "scale": 2, "min": 0},
        {"name": "amount", "type": "decimal", "formula": "qty * price"},
        {"name": "day", "type": "date", "default_expr": "today()"},
        {"name": "kind", "type": "select", "options": ["a", "b", {"value": "c", "label": {"en": "C", "zh": "丙"}}],
         "default": "a"},
        {"name": "active", "type": "boolean", "default": True},
        {"name": "owner", "type": "user", "default_expr": "user.id"},
        {"name": "balance", "type": "decimal", "scale": 3, "default": 0},
        {"name": "total", "type": "decimal", "formula": "sum(lines.line_amount) + amount"},
        {"name": "lines", "type": "subform", "fields": [
            {"name": "item", "type": "text", "required": True},
            {"name": "line_qty", "type": "decimal", "scale": 3, "min": 0},
            {"name": "line_price", "type": "decimal", "default_expr": "parent.price"},
            {"name": "line_amount", "type": "decimal", "formula": "line_qty * line_price"},
            {"name": "ref_code", "type": "text"}]},
    ]
    if other:
        fields += [
            {"name": "ref", "type": "link", "form": other, "required": True},
            {"name": "ref_title", "type": "text", "fill_from": "ref.title"},
            {"name": "ref_total", "type": "decimal", "formula": "coalesce(ref.total, 0) * 2"},
        ]
    else:
        fields += [{"name": f"pad_{k}", "type": "text"} for k in range(3)]
    fields += [{"name": "email", "type": "email"}, {"name": "phone", "type": "phone"}]
    form = {
        "name": f"form_{i:03d}", "label": {"en": f"Form {i}", "zh": f"表单 {i}"}, "title": "code",
        "fields": fields,
        "checks": [{"when": "qty < 0 or balance < -1000", "message": {"en": "Bad {code}", "zh": "错误 {code}"}}],
        "permissions": {
            "clerk": {"read": True, "create": True, "update": True, "rows": "owner == user.id",
                      "fields": {"price": "read", "notes": "hidden"}},
            "boss": {"read": True, "create": True, "update": True, "delete": True, "export": True},
        },
        "list": {"columns": ["code", "title", "total"], "search": ["code", "title"]},
    }
    if i % 4 == 0:
        form["workflow"] = {
            "initial": "draft", "states": ["draft", {"name": "done", "label": "Done"}, "void"],
            "locked": ["done", "void"], "final": ["void"],
            "transitions": [
                {"name": "finish", "from": "draft", "to": "done", "roles": ["clerk"], "when": "total > 0"},
                {"name": "void", "from": ["draft", "done"], "to": "void", "roles": ["boss"]}]}
    return form


def _rules() -> list[dict]:
    rules = []
    for i in range(0, FORMS - 1, 10):
        rules.append({
            "name": f"rule_{i:03d}", "source": f"form_{i:03d}.lines",
            "when": "parent.active and line_qty > 0", "target": f"form_{i + 1:03d}",
            "match": {"code": "parent.code"}, "create_missing": False,
            "adjust": {"balance": "-line_qty", "qty": "1"}})
        rules.append({
            "name": f"event_{i:03d}", "source": f"form_{i:03d}", "on": ["updated"],
            "when": "balance < 0 and previous.balance >= 0",
            "actions": [{"notify": ["boss"], "message": {"en": "{code} below zero", "zh": "{code} 低于零"}},
                        {"webhook": "https://example.test/hook"}]})
    return rules


def generate() -> dict:
    return {
        "app": "bench", "version": "1.0.0", "label": {"en": "Bench", "zh": "基准"},
        "roles": [{"name": "clerk"}, {"name": "boss"}],
        "forms": [_form(i) for i in range(FORMS)],
        "rules": _rules(),
    }


def field_count(definition: dict) -> int:
    return sum(len(f["fields"]) + sum(len(x.get("fields", ())) for x in f["fields"])
               for f in definition["forms"])


def run(repeat: int = 3) -> float:
    definition = generate()
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        problems = validate_definition(definition)
        compile_app(definition)
        timings.append(time.perf_counter() - start)
        if problems:
            raise SystemExit("the generated definition is invalid:\n" +
                             "\n".join(str(p) for p in problems[:20]))
    best = min(timings)
    print(f"validate + compile: {len(definition['forms'])} forms, {field_count(definition)} fields, "
          f"{len(definition['rules'])} rules")
    print(f"  first run {timings[0]:.3f} s, best {best:.3f} s, median "
          f"{statistics.median(timings):.3f} s (target < {TARGET_SECONDS:.1f} s): "
          f"{'OK' if timings[0] < TARGET_SECONDS else 'SLOW'}")
    return timings[0]


if __name__ == "__main__":
    run()
