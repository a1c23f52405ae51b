"""JSON Schema layer of the definition validator: each malformed definition is a
mutation of the valid `orders` example, and must be reported at its exact path."""
from __future__ import annotations

import copy
import functools
import json

import pytest

from engine.definitions import compile_app, load_definition, validate_definition
from engine.definitions.schema import SCHEMA_DIR, load_schemas
from engine.resources import resource_dir

ORDERS = resource_dir("app_definitions") / "orders"
FIELD_TYPES = resource_dir("app_definitions") / "examples" / "field_types.json"

# form indexes in the orders example (forms/ files in name order)
CUSTOMER, PRODUCT, WAREHOUSE, SALES_ORDER, STOCK = range(5)


@functools.lru_cache(maxsize=1)
def _orders_json() -> str:
    return json.dumps(load_definition(ORDERS))


def orders() -> dict:
    return json.loads(_orders_json())


def mutated(mutation) -> dict:
    definition = orders()
    mutation(definition)
    return definition


def field(d: dict, form: int, index: int, row: int | None = None) -> dict:
    spec = d["forms"][form]["fields"][index]
    return spec if row is None else spec["fields"][row]


def event_rule(**extra) -> dict:
    rule = {"name": "notify_low", "source": "stock", "on": ["updated"],
            "when": "on_hand < 1", "actions": [{"notify": ["manager"], "message": "low"}]}
    rule.update(extra)
    return rule


def add_rule(rule: dict):
    return lambda d: d["rules"].append(rule)


def _set(target_getter, **values):
    def mutate(d):
        target_getter(d).update(values)
    return mutate


def _del(target_getter, key):
    def mutate(d):
        del target_getter(d)[key]
    return mutate


F = field
CASES = [
    # (id, mutation, expected path, expected substring of str(error))
    ("typo_in_field_key", _set(lambda d: F(d, PRODUCT, 0), requried=True),
     "forms[1].fields[0].requried", "unknown key 'requried' (did you mean 'required'?)"),
    ("typo_in_form_key", _set(lambda d: d["forms"][CUSTOMER], titel="name"),
     "forms[0].titel", "did you mean 'title'?"),
    ("typo_in_root_key", lambda d: d.update(rulez=[]),
     "rulez", "unknown key 'rulez' (did you mean 'rules'?)"),
    ("scale_on_text", _set(lambda d: F(d, PRODUCT, 0), scale=2),
     "forms[1].fields[0].scale", "'scale' is not allowed on text fields (allowed on: decimal)"),
    ("min_on_text", _set(lambda d: F(d, CUSTOMER, 0), min=1),
     "forms[0].fields[0].min", "'min' is not allowed on text fields"),
    ("options_on_integer", _set(lambda d: F(d, PRODUCT, 4), options=["a"]),
     "forms[1].fields[4].options", "not allowed on integer fields"),
    ("formula_on_subform", _set(lambda d: F(d, SALES_ORDER, 4), formula="1"),
     "forms[3].fields[4].formula", "not allowed on subform fields"),
    ("unknown_type", _set(lambda d: F(d, PRODUCT, 2), type="decimel"),
     "forms[1].fields[2].type", "did you mean 'decimal'?"),
    ("link_without_form", _del(lambda d: F(d, SALES_ORDER, 1), "form"),
     "forms[3].fields[1].form", "required key 'form' is missing"),
    ("select_without_options",
     lambda d: d["forms"][CUSTOMER]["fields"].append({"name": "tier", "type": "select"}),
     "forms[0].fields[4].options", "required key 'options' is missing"),
    ("subform_without_fields", _del(lambda d: F(d, SALES_ORDER, 4), "fields"),
     "forms[3].fields[4].fields", "required key 'fields' is missing"),
    ("autonumber_without_pattern", _del(lambda d: F(d, SALES_ORDER, 0), "pattern"),
     "forms[3].fields[0].pattern", "required key 'pattern' is missing"),
    ("row_field_scale_too_big", _set(lambda d: F(d, SALES_ORDER, 4, 1), scale=9),
     "forms[3].fields[4].fields[1].scale", "must be at most 8"),
    ("row_field_typo", _set(lambda d: F(d, SALES_ORDER, 4, 1), mni=0),
     "forms[3].fields[4].fields[1].mni", "did you mean 'min'?"),
    ("label_wrong_type", _set(lambda d: d["forms"][CUSTOMER], label=5),
     "forms[0].label", "must be a string or an object"),
    ("label_bad_language", _set(lambda d: d["forms"][CUSTOMER], label={"fr_FR": "Client"}),
     "forms[0].label.fr_FR", "is not a language code"),
    ("option_object_typo",
     lambda d: d["forms"][CUSTOMER]["fields"].append(
         {"name": "tier", "type": "select", "options": [{"valu": "gold"}]}),
     "forms[0].fields[4].options[0].valu", "unknown key 'valu' (did you mean 'value'?)"),
    ("state_object_typo", lambda d: d["forms"][SALES_ORDER]["workflow"]["states"].append({"nmae": "x"}),
     "forms[3].workflow.states[4].nmae", "did you mean 'name'?"),
    ("form_name_uppercase", _set(lambda d: d["forms"][WAREHOUSE], name="Warehouse"),
     "forms[2].name", "is not a valid name"),
    ("field_name_too_long", _set(lambda d: F(d, CUSTOMER, 1), name="c" * 31),
     "forms[0].fields[1].name", "longer than 30 characters"),
    ("app_name_too_long", lambda d: d.update(app="a" * 21),
     "app", "longer than 20 characters"),
    ("app_missing", lambda d: d.pop("app"), "app", "required key 'app' is missing"),
    ("bad_version", lambda d: d.update(version="v1"), "version", "is not a version number"),
    ("no_forms", lambda d: d.update(forms=[]), "forms", "needs at least 1 item"),
    ("required_not_boolean", _set(lambda d: F(d, CUSTOMER, 0), required="yes"),
     "forms[0].fields[0].required", "must be a boolean"),
    ("max_length_zero", _set(lambda d: F(d, CUSTOMER, 0), max_length=0),
     "forms[0].fields[0].max_length", "must be at least 1"),
    ("check_without_when", _del(lambda d: d["forms"][STOCK]["checks"][0], "when"),
     "forms[4].checks[0].when", "required key 'when' is missing"),
    ("field_access_level", lambda d: d["forms"][PRODUCT]["permissions"]["sales"]["fields"]
     .update(cost_price="invisible"),
     "forms[1].permissions.sales.fields.cost_price", 'must be one of: "hidden", "read", "write"'),
    ("permission_typo", _set(lambda d: d["forms"][PRODUCT]["permissions"]["manager"], delet=True),
     "forms[1].permissions.manager.delet", "did you mean 'delete'?"),
    ("permission_role_not_a_name",
     lambda d: d["forms"][CUSTOMER]["permissions"].update({"Sales Team": {"read": True}}),
     'forms[0].permissions["Sales Team"]', "is not a valid name"),
    ("transition_comment", _set(lambda d: d["forms"][SALES_ORDER]["workflow"]["transitions"][2],
                                comment="mandatory"),
     "forms[3].workflow.transitions[2].comment", 'must be one of: "optional", "required"'),
    ("state_typo", _set(lambda d: d["forms"][SALES_ORDER]["workflow"]["states"][0], lable="x"),
     "forms[3].workflow.states[0].lable", "did you mean 'label'?"),
    ("transition_from_number", _set(lambda d: d["forms"][SALES_ORDER]["workflow"]["transitions"][0],
                                    **{"from": 7}),
     "forms[3].workflow.transitions[0].from", "must be a string or a list"),
    ("workflow_without_states", _del(lambda d: d["forms"][SALES_ORDER]["workflow"], "states"),
     "forms[3].workflow.states", "required key 'states' is missing"),
    ("contribution_rule_with_on", _set(lambda d: d["rules"][0], on=["created"]),
     "rules[0].adjust", "'adjust' is not allowed in an event rule"),
    ("rule_of_no_kind", lambda d: [d["rules"][0].pop(k) for k in ("target", "match", "adjust")],
     "rules[0].target", "required key 'target' is missing"),
    ("rule_name_not_a_name", _set(lambda d: d["rules"][0], name="Ship-It"),
     "rules[0].name", "is not a valid name"),
    ("match_key_not_a_name", lambda d: d["rules"][0]["match"].update({"Product": "product"}),
     "rules[0].match.Product", "is not a valid name"),
    ("empty_adjust", _set(lambda d: d["rules"][0], adjust={}),
     "rules[0].adjust", "must not be empty"),
    ("action_without_kind", add_rule(event_rule(actions=[{"message": "hi"}])),
     "rules[1].actions[0]", "needs one of: 'create', 'notify', 'reject', 'webhook', 'transition'"),
    ("action_of_two_kinds", add_rule(event_rule(actions=[{"create": "stock", "notify": ["sales"]}])),
     "rules[1].actions[0].notify", "cannot be combined with 'create'"),
    ("notify_without_message", add_rule(event_rule(actions=[{"notify": ["sales"]}])),
     "rules[1].actions[0].message", "required key 'message' is missing"),
    ("values_on_notify", add_rule(event_rule(actions=[{"notify": ["sales"], "message": "x",
                                                       "values": {"a": "1"}}])),
     "rules[1].actions[0].values", "belongs to a create action"),
    ("bad_event", add_rule(event_rule(on=["creatd"])),
     "rules[1].on[0]", "must be created, updated, deleted or transition:NAME"),
    ("event_rule_without_actions", add_rule({"name": "x", "source": "stock", "on": ["created"]}),
     "rules[1].actions", "required key 'actions' is missing"),
]


@pytest.mark.parametrize("mutation, path, expected", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_malformed_definition_is_reported_at_its_path(mutation, path, expected):
    problems = validate_definition(mutated(mutation))
    at_path = [str(p) for p in problems if p.path == path]
    assert at_path, f"nothing reported at {path}; got:\n" + "\n".join(map(str, problems))
    assert any(expected in text for text in at_path), "\n".join(at_path)


def test_there_are_at_least_thirty_schema_cases():
    assert len(CASES) >= 30


@pytest.mark.parametrize("path", [ORDERS, FIELD_TYPES], ids=["orders", "field_types"])
def test_examples_validate_cleanly_and_compile(path):
    definition = load_definition(path)
    assert [str(p) for p in validate_definition(definition)] == []
    model = compile_app(definition)
    assert model.name == definition["app"]


def test_field_types_example_uses_every_field_type():
    definition = load_definition(FIELD_TYPES)
    types = {f["type"] for form in definition["forms"] for f in form["fields"]}
    enum = load_schemas()["https://liandong.dev/schemas/field.schema.json"]["properties"]["type"]["enum"]
    assert set(enum) <= types


def test_orders_example_has_the_promised_shape():
    model = compile_app(load_definition(ORDERS))
    assert list(model.forms) == ["customer", "product", "warehouse", "sales_order", "stock"]
    order = model.form("sales_order")
    assert order.field("number").pattern == "SO{YYYY}{MM}-{seq:4}"
    assert order.field("lines").subfield("qty").scale == 3
    assert order.field("lines").subfield("price").fill_from == "product.unit_price"
    assert order.field("total").formula == "sum(lines.amount)"
    assert order.workflow.state_names == ("draft", "confirmed", "shipped", "cancelled")
    assert model.form("product").permissions["sales"].fields["cost_price"] == "hidden"
    assert model.form("stock").checks[0].message["zh"].startswith("库存不足：{product.name} 在 {warehouse.name}")
    rule = model.rules[0]
    assert (rule.name, rule.is_contribution, rule.target_form) == \
        ("shipped_sales_line_decrements_stock", True, "stock")
    assert model.adjusted_fields("stock") == frozenset({"on_hand"})


def test_all_problems_are_reported_at_once_schema_first():
    def many(d):
        F(d, PRODUCT, 0)["requried"] = True                          # schema
        F(d, SALES_ORDER, 4, 3)["formula"] = "qtty * price"          # semantic
        d["forms"][CUSTOMER]["title"] = "nmae"                       # semantic
    problems = validate_definition(mutated(many))
    paths = [p.path for p in problems]
    assert paths[0] == "forms[1].fields[0].requried"
    assert "forms[3].fields[4].fields[3].formula" in paths
    assert "forms[0].title" in paths


def test_a_schema_error_is_not_reported_again_by_semantic_checks():
    # qty has an unknown type: the formula that reads it must not also complain.
    problems = validate_definition(mutated(_set(lambda d: F(d, SALES_ORDER, 4, 1), type="number")))
    assert [p.path for p in problems] == ["forms[3].fields[4].fields[1].type"]


def test_non_object_definitions_are_reported_at_the_root():
    for value in (None, [], "app", 3):
        problems = validate_definition(value)
        assert [p.path for p in problems] == ["$"]
        assert "must be an object" in problems[0].message


def test_every_schema_object_forbids_unknown_keys():
    """`additionalProperties: false` on every object with fixed keys."""
    def walk(node, where):
        if isinstance(node, dict):
            if "properties" in node and node.get("type") == "object":
                assert node.get("additionalProperties") is False, where
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}/{i}")
    files = sorted(SCHEMA_DIR.glob("*.schema.json"))
    assert len(files) >= 5
    for file in files:
        walk(json.loads(file.read_text(encoding="utf-8")), file.name)


def test_error_string_format():
    problems = validate_definition(mutated(_set(lambda d: F(d, PRODUCT, 0), requried=True)))
    assert str(problems[0]) == ("forms[1].fields[0].requried: unknown key 'requried' "
                                "(did you mean 'required'?)")
    assert problems[0].severity == "error"


def test_validation_does_not_modify_the_definition():
    definition = orders()
    before = copy.deepcopy(definition)
    validate_definition(definition)
    assert definition == before


def test_only_the_bad_language_code_of_a_label_is_reported():
    problems = validate_definition(mutated(_set(lambda d: d["forms"][CUSTOMER],
                                                label={"en": "Client", "zh": "客户", "fr_FR": "x"})))
    assert [str(p) for p in problems] == [
        "forms[0].label.fr_FR: 'fr_FR' is not a language code (e.g. en, zh, zh-TW)"]
