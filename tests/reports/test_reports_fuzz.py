"""Schemathesis against the report operations of the inventory app: generated
filters, limits and formats never cause a 5xx, and answers match the document."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis.errors import Unsatisfiable

from engine.db import get_db
from engine.resources import bundled_app_path
from engine.storage.install import install_app
from tests.api.conftest import make_user
from tests.api.test_openapi_fuzz import CHECKS, FUZZ_SETTINGS, MODES, load_schema, operations

SETTINGS = settings(FUZZ_SETTINGS, max_examples=10)


def test_fuzz_the_report_operations(app):
    install_app(get_db(app), bundled_app_path("inventory"))
    token = make_user(app, "fuzzer", admin=True)
    schema = load_schema(app, token)
    report_operations = [op for op in operations(schema) if "/reports" in op.path]
    assert len(report_operations) >= 3
    for operation in report_operations:
        for mode in MODES:
            @SETTINGS
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case):
                case.call_and_validate(checks=CHECKS)
            try:
                run()
            except Unsatisfiable:       # nothing invalid to send (no parameters)
                continue
