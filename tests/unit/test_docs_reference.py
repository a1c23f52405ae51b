"""docs/definition-language.md cannot drift from the schema and the function registry.

Every property of every JSON schema, every field type and every expression
function (with its signature) must appear in the reference. To refresh the
function table after changing engine/runtime/functions.py, run
`python tests/unit/test_docs_reference.py` and paste its output between the
`functions:start` / `functions:end` markers.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "definition-language.md"
SCHEMAS = ROOT / "engine" / "schemas"


def _doc() -> str:
    return DOC.read_text(encoding="utf-8")


def _property_names() -> set[str]:
    names: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            for key in ("properties", "dependentSchemas"):
                if isinstance(node.get(key), dict):
                    names.update(node[key])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for file in SCHEMAS.glob("*.schema.json"):
        walk(json.loads(file.read_text(encoding="utf-8")))
    return names


def test_every_schema_property_is_documented():
    doc = _doc()
    names = _property_names()
    assert len(names) > 50
    missing = sorted(n for n in names if f"`{n}`" not in doc)
    assert not missing, f"document these keys in {DOC.name}: {missing}"


def test_every_field_type_is_documented():
    doc = _doc()
    field_schema = json.loads((SCHEMAS / "field.schema.json").read_text(encoding="utf-8"))
    types = field_schema["properties"]["type"]["enum"]
    assert len(types) == 16
    missing = [t for t in types if not re.search(rf"^###? .*`{t}`", doc, re.MULTILINE)
               and f"| `{t}` |" not in doc]
    assert not missing, f"document these field types: {missing}"


def test_every_function_is_documented():
    try:
        from engine.runtime.functions import FUNCTIONS
    except ImportError:  # pragma: no cover - the registry ships with the engine
        pytest.skip("engine/runtime/functions.py does not exist yet")
    doc = _doc()
    missing = [name for name, spec in FUNCTIONS.items()
               if f"`{_markdown(spec.signature)}`" not in doc or f"| `{name}` |" not in doc]
    assert not missing, (f"document these functions (run `python {Path(__file__).name}` "
                         f"for the table): {missing}")


def test_no_undocumented_function_is_listed():
    from engine.runtime.functions import FUNCTIONS
    section = _doc().split("<!-- functions:start -->")[1].split("<!-- functions:end -->")[0]
    listed = set(re.findall(r"^\| `([a-z_]+)` \|", section, re.MULTILINE))
    assert listed == set(FUNCTIONS)


def _markdown(signature: str) -> str:
    return signature.replace("|", "\\|")      # a pipe inside a table cell


def function_table() -> str:
    from engine.runtime.functions import FUNCTIONS
    lines = ["| function | call | returns | what it does | 说明 |", "|---|---|---|---|---|"]
    for name, spec in FUNCTIONS.items():
        en = spec.doc_en.replace("|", "\\|")
        zh = spec.doc_zh.replace("|", "\\|")
        lines.append(f"| `{name}` | `{_markdown(spec.signature)}` | {spec.returns} | {en} | {zh} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    print(function_table())
