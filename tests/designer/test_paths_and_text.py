"""JSON paths and patches, the condition builder, rule sentences and the
workflow diagram: pure functions, no database."""
from __future__ import annotations

import pytest

from engine.definitions.errors import format_path
from engine.definitions.loader import load_definition
from engine.designer import conditions
from engine.designer.diagram import workflow_svg
from engine.designer.diff import diff_definitions
from engine.designer.paths import PatchError, apply_patch, parse_path
from engine.designer.sentences import rule_sentence
from engine.resources import bundled_app_path


@pytest.mark.parametrize("path", ["forms[2].fields[4].formula", "rules[0].match.warehouse",
                                  'forms[0].permissions["Sales Team"].read', "app"])
def test_paths_read_back_what_the_validator_writes(path):
    assert format_path(parse_path(path)) == path


def test_a_bad_path_is_refused_with_its_text():
    with pytest.raises(PatchError, match="forms..0"):
        parse_path("forms..0")


def test_patch_sets_removes_inserts_and_moves_without_touching_the_input():
    document = {"forms": [{"name": "a", "label": "A", "fields": [{"name": "x"}, {"name": "y"}]}]}
    result = apply_patch(document, [
        {"op": "set", "path": "forms[0].label.zh", "value": "甲"},          # a string label becomes a map
        {"op": "insert", "path": "forms[0].fields", "index": 0, "value": {"name": "w"}},
        {"op": "move", "path": "forms[0].fields", "from": 2, "to": 0},
        {"op": "set", "path": "forms[0].fields[1].required", "value": True},
        {"op": "set", "path": "forms[0].title", "value": ""},               # "" removes
    ])
    assert result["forms"][0]["label"] == {"en": "A", "zh": "甲"}
    assert [f["name"] for f in result["forms"][0]["fields"]] == ["y", "w", "x"]
    assert result["forms"][0]["fields"][1]["required"] is True
    assert document["forms"][0]["label"] == "A"


def test_removing_the_last_key_of_a_mapping_removes_the_mapping():
    document = {"forms": [{"name": "a", "permissions": {"clerk": {"fields": {"cost": "hidden"}}}}]}
    result = apply_patch(document, [{"op": "remove", "path": "forms[0].permissions.clerk.fields.cost"}])
    assert "permissions" not in result["forms"][0]


@pytest.mark.parametrize("op", [{"op": "move", "path": "forms", "from": 0, "to": 5},
                                {"op": "set", "path": "forms[3].name", "value": "x"},
                                {"op": "explode", "path": "forms"}])
def test_impossible_operations_are_refused(op):
    with pytest.raises(PatchError):
        apply_patch({"forms": [{"name": "a"}]}, [op])


def test_condition_builder_round_trip_quotes_typed_text():
    rows = [conditions.Row("parent.status", "==", "shipped"), conditions.Row("qty", ">", "2"),
            conditions.Row("note", "==", "x' or 1 == 1 or '")]
    expression = conditions.build(rows)
    assert expression.startswith("parent.status == 'shipped' and qty > 2 and note == ")
    assert conditions.parse(expression)[2].value == "x' or 1 == 1 or '"
    assert conditions.parse("sum(lines.qty) > 3") is None
    assert conditions.build([conditions.Row("created_by", "==", "user.id")]) == "created_by == user.id"


@pytest.fixture(scope="module")
def inventory():
    return load_definition(bundled_app_path("inventory"))


def _rule(definition, name):
    return next(r for r in definition["rules"] if r["name"] == name)


def test_contribution_rule_sentence_in_chinese_and_english(inventory):
    rule = _rule(inventory, "shipped_sales_line_decrements_stock")
    assert rule_sentence(inventory, rule, "zh") == \
        '当销售订单的状态为"已发货"时，每一行减少对应商品、仓库的库存的实际库存（数量）；没有对应记录时新建一条'
    assert rule_sentence(inventory, rule, "en") == (
        "When a Sales order's Status is \"Shipped\", each line decreases On hand of the Stock with "
        "the same Product, Warehouse by Quantity; a missing one is created.")


def test_event_rule_sentence_names_the_event_and_the_action(inventory):
    rule = {"name": "n", "source": "sales_order", "on": ["transition:ship"],
            "actions": [{"notify": ["manager"], "message": "shipped {number}"}]}
    assert rule_sentence(inventory, rule, "zh") == "当销售订单被执行“发货”时，通知manager：“shipped {number}”"


def test_workflow_diagram_draws_every_state_and_transition(inventory):
    form = next(f for f in inventory["forms"] if f["name"] == "sales_order")
    svg = workflow_svg(form["workflow"], "zh")
    for state in ("draft", "confirmed", "shipped", "cancelled"):
        assert f'data-state="{state}"' in svg
    assert svg.count('data-transition="cancel"') == 3       # from three states
    assert "已发货" in svg and "<script" not in workflow_svg(
        {"initial": "a", "states": [{"name": "a", "label": {"en": "<script>"}}]}, "en")


def test_diff_names_each_change_by_its_path():
    old = {"forms": [{"name": "a", "fields": [{"name": "x", "type": "text"}]}]}
    new = {"forms": [{"name": "a", "fields": [{"name": "w", "type": "date"},
                                              {"name": "x", "type": "text", "required": True}]}]}
    changes = {(c.path, c.kind) for c in diff_definitions(old, new)}
    assert changes == {("forms[0].fields[0]", "added"), ("forms[0].fields[1].required", "added")}
