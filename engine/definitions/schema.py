"""JSON Schema validation of a definition, with errors mapped to readable messages.

The schemas live in `engine/schemas/*.json` (Draft 2020-12, one file per concept,
cross-referenced by relative `$ref`). jsonschema's raw errors are turned into
`(path, message, hint)` triples: unknown keys are named in the path with a
did-you-mean hint, a missing key is named in the path, `anyOf` failures are
reduced to their most relevant branch.
"""
from __future__ import annotations

import difflib
import functools
import json
import re
from pathlib import Path
from typing import Any, Iterator

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

__all__ = ["SCHEMA_DIR", "schema_problems", "app_validator", "load_schemas", "suggest_key"]

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
APP_SCHEMA_ID = "https://liandong.dev/schemas/app.schema.json"
FIELD_SCHEMA_ID = "https://liandong.dev/schemas/field.schema.json"

Problem = tuple[tuple, str, "str | None"]

_NAME_RULE = "use lowercase letters, digits and _, starting with a letter"
PATTERN_MESSAGES = {
    "^[a-z][a-z0-9_]*$": ("is not a valid name", _NAME_RULE),
    "^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)?$": ("must be a form name or form.subform", _NAME_RULE),
    "^[a-z][a-z0-9_]*\\.[a-z][a-z0-9_]*$": ("must be link_field.target_field",
                                             "e.g. \"product.unit_price\""),
    "^(created|updated|deleted|transition:[a-z][a-z0-9_]*)$": (
        "must be created, updated, deleted or transition:NAME", None),
    "^([a-z][a-z0-9_]*|user:[^\\s:]+)$": ("must be a role name or user:USERNAME", None),
    "^[0-9]+(\\.[0-9]+){0,3}([-+][0-9A-Za-z.-]+)?$": ("is not a version number",
                                                       "e.g. \"1.0.0\""),
    "^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$": ("is not a language code", "e.g. en, zh, zh-TW"),
}
_JSON_TYPES = {"string": "a string", "integer": "an integer", "number": "a number",
               "boolean": "a boolean (true or false)", "object": "an object",
               "array": "a list", "null": "null"}


@functools.lru_cache(maxsize=1)
def load_schemas() -> dict[str, dict]:
    """Every schema file, keyed by its `$id`."""
    schemas = {}
    for file in sorted(SCHEMA_DIR.glob("*.schema.json")):
        schema = json.loads(file.read_text(encoding="utf-8"))
        schemas[schema["$id"]] = schema
    return schemas


@functools.lru_cache(maxsize=1)
def app_validator() -> Draft202012Validator:
    """The app schema with every `$ref` inlined (3x faster than resolving them while
    validating); only the recursive subform `fields` keep a reference."""
    schemas = load_schemas()
    bundled = {uri: _inline(schema, uri, schemas, (uri,)) for uri, schema in schemas.items()}
    registry = Registry().with_resources(
        (uri, Resource(schema, specification=DRAFT202012)) for uri, schema in bundled.items())
    return Draft202012Validator(bundled[APP_SCHEMA_ID], registry=registry)


_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "dependentSchemas")
_DATA_KEYWORDS = ("enum", "const", "required", "default", "examples")


def _inline(node: Any, base: str, schemas: dict[str, dict], stack: tuple[str, ...]) -> Any:
    if isinstance(node, list):
        return [_inline(item, base, schemas, stack) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "$ref":
            continue
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {k: _inline(v, base, schemas, stack) for k, v in value.items()}
        elif key in _DATA_KEYWORDS:
            out[key] = value
        else:
            out[key] = _inline(value, base, schemas, stack)
    if "$ref" not in node:
        return out
    document, _, fragment = node["$ref"].partition("#")
    target_id = base.rsplit("/", 1)[0] + "/" + document if document else base
    if not fragment and target_id in stack:          # recursion: keep a reference
        return {"$ref": target_id, **out}
    target: Any = schemas[target_id]
    for part in (p for p in fragment.split("/") if p):
        target = target[part]
    inlined = _inline(target, target_id, schemas, stack + ((target_id,) if not fragment else ()))
    inlined = {k: v for k, v in inlined.items() if k not in ("$id", "$schema")}
    if set(out) & set(inlined) - {"description", "title"}:
        return {"allOf": [inlined], **out}
    return {**inlined, **out}


def suggest_key(name: str, candidates) -> str | None:
    """The closest candidate to a misspelt `name`, if one is close enough."""
    if not isinstance(name, str):
        return None
    matches = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=0.6)
    return matches[0] if matches else None


def schema_problems(definition: Any) -> list[Problem]:
    """All schema errors as (path tuple, message, hint), deduplicated, in document order."""
    problems: dict[tuple, Problem] = {}
    for error in app_validator().iter_errors(definition):
        for leaf in _leaves(error):
            for problem in _describe(leaf, definition):
                problems.setdefault((problem[0], problem[1]), problem)
    return sorted(problems.values(), key=lambda p: _sort_key(p[0]))


def _sort_key(path: tuple) -> tuple:
    return tuple((0, part, "") if isinstance(part, int) else (1, 0, str(part)) for part in path)


def _leaves(error: ValidationError) -> Iterator[ValidationError]:
    """The errors worth showing for one raw error.

    For `anyOf`/`oneOf`, the branch meant for the instance's JSON type is the one
    the author was writing (a label object, not a label string): all of its
    errors are shown. Otherwise jsonschema's `best_match` picks one."""
    if not error.context or _is_choice_of_required(error) or _is_choice_of_types(error):
        yield error
        return
    branches: dict[Any, list[ValidationError]] = {}
    for child in error.context:
        branch = child.relative_schema_path[0] if child.relative_schema_path else None
        branches.setdefault(branch, []).append(child)
    fitting = [errors for errors in branches.values()
               if not any(c.validator == "type" and not c.relative_path for c in errors)]
    if len(fitting) == 1:
        for child in fitting[0]:
            yield from _leaves(child)
        return
    yield best_match([error]) or error


def _is_choice_of_required(error: ValidationError) -> bool:
    return bool(error.context) and all(
        c.validator == "required" and not c.relative_path for c in error.context)


def _is_choice_of_types(error: ValidationError) -> bool:
    return bool(error.context) and all(
        c.validator == "type" and not c.relative_path for c in error.context)


def _describe(error: ValidationError, definition: Any) -> Iterator[Problem]:
    path = tuple(error.absolute_path)
    validator = error.validator
    schema_path = list(error.relative_schema_path)
    if "propertyNames" in schema_path:
        yield from _describe_property_name(error, path)
    elif "dependentSchemas" in schema_path:
        yield from _describe_type_specific_key(error, path, schema_path)
    elif validator == "additionalProperties":
        yield from _describe_additional(error, path)
    elif validator == "required":
        yield from _describe_required(error, path, definition)
    elif validator is None:          # a `false` subschema: a key not allowed here
        yield from _describe_forbidden_keys(path, definition)
    elif validator in ("anyOf", "oneOf"):
        yield _describe_choice(error, path)
    else:
        yield path, _simple_message(error), _simple_hint(error)


def _describe_type_specific_key(error: ValidationError, path: tuple,
                                schema_path: list) -> Iterator[Problem]:
    """A field key that only some types allow (field.schema.json's dependentSchemas)."""
    key = schema_path[schema_path.index("dependentSchemas") + 1]
    owner = path[:-1] if path and path[-1] == "type" else path
    ftype = error.instance
    allowed = _types_allowing(key) or ()
    if isinstance(ftype, str) and ftype in _field_types():
        yield owner + (key,), f"'{key}' is not allowed on {ftype} fields", \
            "allowed on: " + ", ".join(allowed)


def _describe_property_name(error: ValidationError, path: tuple) -> Iterator[Problem]:
    name = error.instance
    if error.validator == "pattern":
        message, hint = PATTERN_MESSAGES.get(error.validator_value, ("is not a valid name", None))
    else:
        message, hint = _simple_message(error), _simple_hint(error)
    yield path + (name,), f"'{name}' {message}", hint


def _describe_additional(error: ValidationError, path: tuple) -> Iterator[Problem]:
    schema = error.schema if isinstance(error.schema, dict) else {}
    allowed = set(schema.get("properties", {}))
    patterns = schema.get("patternProperties", {})
    instance = error.instance if isinstance(error.instance, dict) else {}
    for key in instance:
        if key in allowed or any(re.search(pattern, key) for pattern in patterns):
            continue
        if patterns and not allowed:
            yield path + (key,), f"'{key}' is not a language code", "e.g. en, zh, zh-TW"
            continue
        guess = suggest_key(key, allowed)
        hint = f"did you mean '{guess}'?" if guess else "allowed: " + ", ".join(sorted(allowed))
        yield path + (key,), f"unknown key '{key}'", hint


_RULE_KIND_HINT = ("a contribution rule has target, match and adjust; "
                   "an event rule has on and actions")


def _describe_required(error: ValidationError, path: tuple, definition: Any) -> Iterator[Problem]:
    instance = error.instance if isinstance(error.instance, dict) else {}
    for key in error.validator_value or ():
        if key in instance:
            continue
        hint = None
        parent_type = instance.get("type")
        if _is_field_path(path) and isinstance(parent_type, str) and key not in ("name", "type"):
            hint = f"{parent_type} fields need '{key}'"
        elif _is_rule_path(path) and key in ("target", "match", "adjust", "on", "actions"):
            hint = _RULE_KIND_HINT
        elif _is_action_path(path) and key == "message":
            hint = "notify actions need a message"
        yield path + (key,), f"required key '{key}' is missing", hint


def _describe_forbidden_keys(path: tuple, definition: Any) -> Iterator[Problem]:
    """A `false` subschema matched: keys that are not allowed in this kind of object.

    jsonschema reports these at the object's path (without the key), so the
    offending keys are worked out from the object itself.
    """
    node = _lookup(definition, path)
    if not isinstance(node, dict):          # reported at the key's own path
        node, path = _lookup(definition, path[:-1]), path[:-1]
    if not isinstance(node, dict):
        return
    if _is_rule_path(path):
        for key in ("target", "match", "adjust", "create_missing"):
            if key in node:
                yield path + (key,), f"'{key}' is not allowed in an event rule", _RULE_KIND_HINT
    elif _is_action_path(path):
        yield from _forbidden_action_keys(path, node)
    else:
        yield path, "contains a key that is not allowed here", None


_ACTION_EXTRAS = {"create": ("values",), "notify": ("message",)}
_ACTION_HINT = ("one action does one thing: create (with values), notify (with message), "
                "reject, webhook or transition")


def _forbidden_action_keys(path: tuple, node: dict) -> Iterator[Problem]:
    kinds = [k for k in ACTION_KINDS if k in node]
    if len(kinds) > 1:
        yield path + (kinds[1],), f"'{kinds[1]}' cannot be combined with '{kinds[0]}' " \
            "in one action", _ACTION_HINT
        return
    kind = kinds[0] if kinds else None
    for key in node:
        owner = next((k for k, extras in _ACTION_EXTRAS.items() if key in extras), None)
        if owner is not None and owner != kind:
            yield path + (key,), f"'{key}' belongs to a {owner} action, not a {kind} action", \
                _ACTION_HINT


ACTION_KINDS = ("create", "notify", "reject", "webhook", "transition")


def _describe_choice(error: ValidationError, path: tuple) -> Problem:
    if _is_choice_of_required(error):
        keys = [c.validator_value[0] for c in error.context if c.validator_value]
        return path, "needs one of: " + ", ".join(f"'{k}'" for k in keys), None
    if _is_choice_of_types(error):
        types = []
        for c in error.context:
            for t in ([c.validator_value] if isinstance(c.validator_value, str) else c.validator_value):
                if _JSON_TYPES.get(t, t) not in types:
                    types.append(_JSON_TYPES.get(t, t))
        return path, f"must be {' or '.join(types)}, not {_json_type(error.instance)}", None
    return path, _simple_message(error), None


@functools.lru_cache(maxsize=64)
def _types_allowing(key: str) -> tuple[str, ...] | None:
    """The field types a key is allowed on (None: every type, or not a field key)."""
    field_schema = load_schemas()[FIELD_SCHEMA_ID]
    dependent = field_schema.get("dependentSchemas", {}).get(key)
    if dependent is None:
        return None
    return tuple(dependent["properties"]["type"]["enum"])


@functools.lru_cache(maxsize=1)
def _field_types() -> tuple[str, ...]:
    return tuple(load_schemas()[FIELD_SCHEMA_ID]["properties"]["type"]["enum"])


def _is_field_path(path: tuple) -> bool:
    return len(path) >= 2 and path[-2] == "fields" and isinstance(path[-1], int)


def _is_rule_path(path: tuple) -> bool:
    return len(path) == 2 and path[0] == "rules" and isinstance(path[1], int)


def _is_action_path(path: tuple) -> bool:
    return len(path) == 4 and path[0] == "rules" and path[2] == "actions"


def _lookup(document: Any, path: tuple) -> Any:
    node = document
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "null"


def _simple_message(error: ValidationError) -> str:
    v, value, instance = error.validator, error.validator_value, error.instance
    if v == "type":
        types = [value] if isinstance(value, str) else list(value)
        wanted = " or ".join(_JSON_TYPES.get(t, t) for t in types)
        return f"must be {wanted}, not {_json_type(instance)}"
    if v == "enum":
        return "must be one of: " + ", ".join(json.dumps(x, ensure_ascii=False) for x in value)
    if v == "const":
        return f"must be {json.dumps(value, ensure_ascii=False)}"
    if v == "pattern":
        message = PATTERN_MESSAGES.get(value, (f"must match the pattern {value}", None))[0]
        return f"{json.dumps(instance, ensure_ascii=False)} {message}"
    return _size_message(v, value) or error.message


def _size_message(v: str, value: Any) -> str | None:
    plural = "" if value == 1 else "s"
    messages = {
        "minLength": "must not be empty" if value == 1 else f"must be at least {value} characters",
        "maxLength": f"is longer than {value} characters",
        "minItems": f"needs at least {value} item{plural}",
        "maxItems": f"has more than {value} item{plural} (the limit)",
        "minProperties": "must not be empty" if value == 1 else f"needs at least {value} entries",
        "maxProperties": f"has more than {value} entries (the limit)",
        "minimum": f"must be at least {value}",
        "maximum": f"must be at most {value}",
        "exclusiveMinimum": f"must be greater than {value}",
        "exclusiveMaximum": f"must be less than {value}",
    }
    return messages.get(v)


def _simple_hint(error: ValidationError) -> str | None:
    if error.validator == "pattern":
        return PATTERN_MESSAGES.get(error.validator_value, (None, None))[1]
    if error.validator == "enum" and isinstance(error.instance, str):
        guess = suggest_key(error.instance, [x for x in error.validator_value if isinstance(x, str)])
        return f"did you mean '{guess}'?" if guess else None
    return None
