"""Check definitions (level, message placeholders, reserved names) and how check
messages write numbers."""
from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.definitions import validate_definition
from engine.definitions.model import compile_app
from engine.runtime.records.placeholders import number_text

APP = json.loads((Path(__file__).parents[1] / "api" / "checks_app.json").read_text(encoding="utf-8"))
BIN = 1


def _errors(definition) -> dict[str, str]:
    return {e.path: e.message for e in validate_definition(definition) if e.severity == "error"}


def test_the_test_app_is_valid_and_compiles_levels_and_labels():
    assert _errors(APP) == {}
    model = compile_app(APP)
    assert [c.level for c in model.form("bin").checks] == ["error", "warning"]
    assert model.form("request").checks[0].is_warning
    assert model.rule("held_requests_hold_stock").display_label["zh"] == "保留的申请占用库存"
    assert dict(model.rule("taken_requests_take_stock").display_label) == {"en": "Taken requests take stock"}


@pytest.mark.parametrize("message, path, expected", [
    ({"en": "{itme} is short", "zh": "不足"}, "forms[1].checks[0].message.en", "unknown name 'itme'"),
    ({"en": "ok", "zh": "{item.nmae} 不足"}, "forms[1].checks[0].message.zh", "unknown name 'item.nmae'"),
    ("had {previous.qyt}", "forms[1].checks[0].message", "unknown name 'previous.qyt'"),
    ("{code.name}", "forms[1].checks[0].message", "'code' is a text field"),
    ("{qty", "forms[1].checks[0].message", "unbalanced"),
])
def test_unknown_placeholders_are_definition_errors_at_their_path(message, path, expected):
    broken = copy.deepcopy(APP)
    broken["forms"][BIN]["checks"][0]["message"] = message
    errors = _errors(broken)
    assert expected in errors.get(path, ""), errors


def test_a_check_level_is_error_or_warning():
    broken = copy.deepcopy(APP)
    broken["forms"][BIN]["checks"][1]["level"] = "notice"
    assert "forms[1].checks[1].level" in _errors(broken)


@pytest.mark.parametrize("name", ["confirm", "record"])
def test_confirm_and_record_are_reserved_field_names(name):
    broken = copy.deepcopy(APP)
    broken["forms"][0]["fields"].append({"name": name, "type": "text"})
    assert "is reserved" in _errors(broken).get("forms[0].fields[2].name", "")


@pytest.mark.parametrize("value, scale, text", [
    (Decimal("69.000"), 3, "69"), (Decimal("-431.000"), 3, "-431"), (Decimal("2.50"), 2, "2.5"),
    (Decimal("0.000"), 3, "0"), (Decimal("-0.000"), 3, "0"), (Decimal("1.23456"), 3, "1.235"),
    (Decimal("500"), None, "500"), (Decimal("1E+3"), None, "1000"), (12, None, "12"), (2.5, None, "2.5"),
])
def test_numbers_are_written_at_their_scale_without_trailing_zeros(value, scale, text):
    assert number_text(value, scale) == text


@given(st.decimals(min_value=-10**12, max_value=10**12, places=3, allow_nan=False), st.integers(0, 6))
def test_number_text_keeps_the_value_rounded_to_the_scale(value, scale):
    text = number_text(value, scale)
    assert Decimal(text) == value.quantize(Decimal(1).scaleb(-scale))
    assert "E" not in text and not ("." in text and text.endswith("0")) and not text.endswith(".")
