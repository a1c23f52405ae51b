"""Schemathesis against the inventory app's (进销存) REST API: every documented
operation of its sixteen forms, valid and invalid requests, as an admin with
master data in place. Never a 5xx; status, content type and body as documented.

Bounded for `make test`: a few derandomized examples per operation and mode,
and a time budget per backend (LIANDONG_INVENTORY_FUZZ_SECONDS, default 40 s)
after which the remaining operations are left for `make soak`, which raises
both (LIANDONG_INVENTORY_FUZZ_EXAMPLES, default 3). The operations run in the
same order every time, so CI always covers the same ones first.
"""
from __future__ import annotations

import os
import time

from hypothesis import given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.core.failures import FailureGroup

from engine.db import get_db
from engine.resources import bundled_app_path
from engine.storage.install import install_app
from tests.api.conftest import ApiClient, make_user
from tests.api.test_openapi_fuzz import CHECKS, FUZZ_SETTINGS, MODES, case_strategy, load_schema, operations

EXAMPLES = int(os.environ.get("LIANDONG_INVENTORY_FUZZ_EXAMPLES", "3"))
BUDGET_SECONDS = float(os.environ.get("LIANDONG_INVENTORY_FUZZ_SECONDS", "40"))
SETTINGS = settings(FUZZ_SETTINGS, max_examples=EXAMPLES)


def seed_master_data(api: ApiClient) -> None:
    """Records 1..3 in the master forms, so generated ids often meet a record."""
    def create(form, values):
        response = api.post(f"/apps/inventory/forms/{form}/records", json=values)
        assert response.status_code == 201, (form, response.get_json())

    for i in (1, 2, 3):
        create("category", {"name": f"Category {i}"})
        create("supplier", {"name": f"Supplier {i}", "lead_time_days": i})
        create("customer", {"name": f"Customer {i}"})
        create("warehouse", {"code": f"W{i}", "name": f"Warehouse {i}"})
    for i in (1, 2, 3):
        create("product", {"sku": f"P{i}", "name": f"Product {i}", "unit_price": 10 * i,
                           "cost_price": 5 * i, "supplier": i})


def fuzz(operation, mode) -> None:
    @SETTINGS
    @given(case=case_strategy(operation, mode))
    def run(case):
        case.call_and_validate(checks=CHECKS)

    run()


def test_fuzz_the_inventory_api(app):
    install_app(get_db(app), bundled_app_path("inventory"))
    token = make_user(app, "fuzzer", admin=True)
    seed_master_data(ApiClient(app.test_client(), token))
    schema = load_schema(app, token)
    deadline = time.monotonic() + BUDGET_SECONDS
    failures, covered, planned = [], 0, list(operations(schema))
    for operation in planned:
        if time.monotonic() > deadline:
            break
        for mode in MODES:
            try:
                fuzz(operation, mode)
            except Unsatisfiable:
                continue
            except (Exception, FailureGroup) as error:    # noqa: BLE001 - report them all
                failures.append(f"--- {operation.label} [{mode.value}]\n{error}")
        covered += 1
    print(f"inventory fuzz: {covered} of {len(planned)} operations, {EXAMPLES} examples per mode")
    assert covered >= min(20, len(planned)), f"only {covered} operations within {BUDGET_SECONDS:g} s"
    assert not failures, f"{len(failures)} failing operation(s):\n" + "\n".join(failures)
