"""Loading definitions from a JSON file or a folder, and the errors it reports."""
from __future__ import annotations

import json
import shutil

import pytest

from engine.definitions import DefinitionLoadError, load_definition, validate_definition
from engine.resources import resource_dir

ORDERS = resource_dir("app_definitions") / "orders"


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_folder_appends_forms_and_rules_in_filename_order():
    definition = load_definition(ORDERS)
    assert definition["app"] == "orders"
    assert [f["name"] for f in definition["forms"]] == [
        "customer", "product", "warehouse", "sales_order", "stock"]
    assert [r["name"] for r in definition["rules"]] == ["shipped_sales_line_decrements_stock"]


def test_folder_and_single_file_give_the_same_definition(tmp_path):
    definition = load_definition(ORDERS)
    single = _write(tmp_path / "orders.json", json.dumps(definition, ensure_ascii=False))
    assert load_definition(single) == definition
    assert load_definition(str(single)) == definition


def test_forms_in_app_json_come_first_and_rule_files_may_hold_lists(tmp_path):
    _write(tmp_path / "app.json", json.dumps({
        "app": "demo", "forms": [{"name": "a", "fields": [{"name": "x", "type": "integer"}]}]}))
    _write(tmp_path / "forms" / "b.json", json.dumps(
        {"name": "b", "fields": [{"name": "y", "type": "integer"}]}))
    _write(tmp_path / "forms" / "notes.txt", "not a form")
    _write(tmp_path / "rules" / "r.json", json.dumps([
        {"name": "r1", "source": "a", "target": "b", "match": {"y": "x"}, "adjust": {"y": "1"}},
        {"name": "r2", "source": "b", "on": ["created"], "actions": [{"webhook": "hook"}]}]))
    sources: dict[str, str] = {}
    definition = load_definition(tmp_path, sources)
    assert [f["name"] for f in definition["forms"]] == ["a", "b"]
    assert [r["name"] for r in definition["rules"]] == ["r1", "r2"]
    assert sources["forms[0]"].endswith("app.json")
    assert sources["forms[1]"].endswith("b.json")
    assert sources["rules[1]"].endswith("r.json")
    assert validate_definition(definition) == []


def test_malformed_json_in_a_file_reports_file_line_column(tmp_path):
    bad = _write(tmp_path / "app.json", '{\n  "app": "x",\n  "forms": [\n    {"name": "a"\n    "fields": []}\n  ]\n}\n')
    with pytest.raises(DefinitionLoadError) as caught:
        load_definition(bad)
    error = caught.value
    assert (error.line, error.column) == (5, 5)
    assert error.path == str(bad)
    assert str(error) == f"{bad}:5:5: Expecting ',' delimiter"


def test_malformed_json_in_a_folder_form_names_that_file(tmp_path):
    folder = tmp_path / "orders"
    shutil.copytree(ORDERS, folder)
    _write(folder / "forms" / "09_broken.json", '{\n  "name": "broken",\n  "fields": [\n    {"name": "x", "type": "text",}\n  ]\n}\n')
    with pytest.raises(DefinitionLoadError) as caught:
        load_definition(folder)
    text = str(caught.value)
    assert caught.value.path.endswith("forms/09_broken.json")
    assert text.endswith("forms/09_broken.json:4:34: Expecting property name enclosed in double quotes")


def test_duplicate_keys_are_refused_with_their_place(tmp_path):
    bad = _write(tmp_path / "d.json", '{"app": "x",\n "forms": [],\n "app": "y"}')
    with pytest.raises(DefinitionLoadError) as caught:
        load_definition(bad)
    assert "duplicate key 'app'" in str(caught.value)
    assert caught.value.line == 3


@pytest.mark.parametrize("content, message", [
    ('{"app": NaN}', "NaN is not valid JSON"),
    ("[1, 2]", "must be a JSON object"),
    ("", "Expecting value"),
])
def test_other_bad_files(tmp_path, content, message):
    bad = _write(tmp_path / "bad.json", content)
    with pytest.raises(DefinitionLoadError, match=message):
        load_definition(bad)


def test_not_utf8(tmp_path):
    bad = tmp_path / "latin1.json"
    bad.write_bytes('{"app": "caf\xe9"}'.encode("latin-1"))
    with pytest.raises(DefinitionLoadError, match="not UTF-8"):
        load_definition(bad)


def test_bom_is_accepted(tmp_path):
    good = tmp_path / "bom.json"
    good.write_bytes(b"\xef\xbb\xbf" + json.dumps({"app": "x", "forms": []}).encode())
    assert load_definition(good)["app"] == "x"


def test_missing_paths(tmp_path):
    with pytest.raises(DefinitionLoadError, match="no such file"):
        load_definition(tmp_path / "nope.json")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DefinitionLoadError, match="needs an app.json"):
        load_definition(tmp_path / "empty")


def test_form_file_must_hold_an_object(tmp_path):
    _write(tmp_path / "app.json", '{"app": "x"}')
    _write(tmp_path / "forms" / "a.json", "[]")
    with pytest.raises(DefinitionLoadError, match="one JSON object"):
        load_definition(tmp_path)
