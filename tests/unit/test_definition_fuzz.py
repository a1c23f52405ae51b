"""The validator never raises: random JSON values and mutated valid definitions
always give back a list of DefinitionError (and no internal error)."""
from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.definitions import DefinitionError, load_definition, validate_definition
from engine.resources import resource_dir

ORDERS_JSON = json.dumps(load_definition(resource_dir("app_definitions") / "orders"))
KEYS = ["app", "forms", "rules", "roles", "name", "type", "fields", "formula", "form", "label",
        "workflow", "states", "transitions", "from", "to", "permissions", "match", "adjust",
        "source", "target", "on", "actions", "options", "default", "scale", "unique", "title",
        "list", "columns", "checks", "when", "message", "values", "create", "notify", "initial"]
TEXT = st.one_of(st.sampled_from(["qty", "sales_order", "stock", "lines", "decimal", "link",
                                  "sum(lines.amount)", "parent.x", "{x}", "}", "a__b", "status",
                                  "transition:ship", "user:bob", "", "Ω", "1 +", "previous.qty"]),
                 st.text(max_size=12))
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10, 10**12),
                    st.floats(allow_nan=False, allow_infinity=False), TEXT)
JSONISH = st.recursive(
    SCALARS,
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=6)),
                                               children, max_size=5)),
    max_leaves=30)


def _assert_clean_result(problems):
    assert isinstance(problems, list)
    assert all(isinstance(p, DefinitionError) for p in problems)
    internal = [str(p) for p in problems if "internal validator error" in p.message
                or "could not be checked" in p.message]
    assert not internal, internal


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSONISH)
def test_random_json_never_raises(value):
    _assert_clean_result(validate_definition(value))


def _paths(node, prefix=()):
    """Every (container path) in a JSON document, to pick a mutation site from."""
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, prefix + (index,))


ORDERS_PATHS = [p for p in _paths(json.loads(ORDERS_JSON)) if p]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(ORDERS_PATHS), st.sampled_from(["replace", "delete",
                                                                           "wrap"]), JSONISH),
                min_size=1, max_size=4))
def test_mutated_valid_definition_never_raises(mutations):
    definition = json.loads(ORDERS_JSON)
    for path, how, value in mutations:
        parent = definition
        try:
            for part in path[:-1]:
                parent = parent[part]
            key = path[-1]
            if how == "replace":
                parent[key] = value
            elif how == "delete":
                del parent[key]
            else:
                parent[key] = [parent[key], value]
        except (KeyError, IndexError, TypeError):
            continue
    _assert_clean_result(validate_definition(definition))
