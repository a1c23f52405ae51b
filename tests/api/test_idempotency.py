"""Idempotency-Key (DESIGN §7.6): a repeat answers the first answer and writes
nothing; another request under the key is 422; keys are per user; answers of
500 and above are not stored."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from engine.db import get_db
from engine.runtime.api import idempotency_store
from engine.runtime.audit import change_log
from engine.storage.types import utcnow
from tests.api.conftest import ApiClient, make_user

CUSTOMERS = "/apps/orders/forms/customer/records"


def log_entries(app, **where) -> int:
    conditions = [getattr(change_log.c, k) == v for k, v in where.items()]
    with get_db(app).read() as connection:
        return connection.execute(select(func.count()).select_from(change_log).where(*conditions)).scalar()


def keyed(key):
    return {"Idempotency-Key": key}


def test_a_repeated_create_answers_the_first_answer_and_writes_once(api, orders_app):
    first = api.post(CUSTOMERS, json={"name": "ACME", "contact": "上海"}, headers=keyed("k-1"))
    assert first.status_code == 201
    again = api.post(CUSTOMERS, json={"contact": "上海", "name": "ACME"}, headers=keyed("k-1"))   # key order differs
    assert again.status_code == 201
    assert again.get_data() == first.get_data()
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert log_entries(orders_app, form="customer") == 1
    assert len(api.get(CUSTOMERS).get_json()["items"]) == 1


def test_the_same_key_with_another_body_is_422(api, orders_app):
    assert api.post(CUSTOMERS, json={"name": "ACME"}, headers=keyed("k-2")).status_code == 201
    reused = api.post(CUSTOMERS, json={"name": "Globex"}, headers=keyed("k-2"))
    assert reused.status_code == 422
    error = reused.get_json()["error"]
    assert error["code"] == "idempotency_key_reused"
    assert error["details"][0]["field"] == "Idempotency-Key"
    other_path = api.post("/apps/orders/forms/warehouse/records", json={"name": "ACME"}, headers=keyed("k-2"))
    assert other_path.get_json()["error"]["code"] == "idempotency_key_reused"
    other_query = api.post(CUSTOMERS + "?x=1", json={"name": "ACME"}, headers=keyed("k-2"))
    assert other_query.status_code == 422
    assert log_entries(orders_app, form="customer") == 1


def test_updates_deletes_and_transitions_replay_too(api, orders_app, master_data):
    customer = master_data["customers"][0]
    path = f"{CUSTOMERS}/{customer['id']}"
    patch = [api.patch(path, json={"contact": "北京", "version": 1}, headers=keyed("p")) for _ in range(2)]
    assert [r.status_code for r in patch] == [200, 200]
    assert patch[0].get_data() == patch[1].get_data()
    removed = [api.delete(path, headers=keyed("d")) for _ in range(2)]
    assert [r.status_code for r in removed] == [204, 204]
    assert log_entries(orders_app, form="customer", record_id=customer["id"]) == 3    # create, update, delete
    order = api.post("/apps/orders/forms/sales_order/records", json={
        "customer": master_data["customers"][1]["id"], "warehouse": master_data["warehouses"][0]["id"],
        "lines": [{"product": master_data["products"][0]["id"], "qty": 1}]}).get_json()
    confirm = f"/apps/orders/forms/sales_order/records/{order['id']}/transitions/confirm"
    taken = [api.post(confirm, json={}, headers=keyed("t")) for _ in range(2)]
    assert [r.status_code for r in taken] == [200, 200]
    assert taken[1].get_json()["status"] == "confirmed"
    assert log_entries(orders_app, form="sales_order", action="transition") == 1


def test_an_error_answer_is_stored_like_any_other(api, orders_app, master_data):
    customer = master_data["customers"][0]
    stale = [api.patch(f"{CUSTOMERS}/{customer['id']}", json={"contact": "X", "version": 9},
                       headers=keyed("stale")) for _ in range(2)]
    assert [r.status_code for r in stale] == [409, 409]
    assert stale[0].get_data() == stale[1].get_data()
    # The record moved on meanwhile: the key still answers what it answered first.
    assert api.patch(f"{CUSTOMERS}/{customer['id']}", json={"contact": "Y"}).status_code == 200
    assert api.patch(f"{CUSTOMERS}/{customer['id']}", json={"contact": "X", "version": 9},
                     headers=keyed("stale")).status_code == 409


def test_keys_are_per_user(api, client, orders_app):
    other = ApiClient(client, make_user(orders_app, "sam", roles=[("orders", "sales")]))
    assert api.post(CUSTOMERS, json={"name": "ACME"}, headers=keyed("shared")).status_code == 201
    mine = other.post(CUSTOMERS, json={"name": "ACME2"}, headers=keyed("shared"))
    assert mine.status_code == 201, mine.get_json()
    assert mine.get_json()["name"] == "ACME2"
    assert log_entries(orders_app, form="customer") == 2


def test_answers_of_500_are_not_stored(api, orders_app, monkeypatch):
    from engine.runtime.records.service import RecordService
    real = RecordService.create

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")
    monkeypatch.setattr(RecordService, "create", broken)
    failed = api.post(CUSTOMERS, json={"name": "ACME"}, headers=keyed("k-500"))
    assert failed.status_code == 500
    monkeypatch.setattr(RecordService, "create", real)
    retried = api.post(CUSTOMERS, json={"name": "ACME"}, headers=keyed("k-500"))
    assert retried.status_code == 201
    assert "Idempotent-Replayed" not in retried.headers
    assert log_entries(orders_app, form="customer") == 1


@pytest.mark.parametrize("key", ["", "   ", "x" * 256])
def test_a_bad_key_is_400_and_writes_nothing(api, orders_app, key):
    response = api.post(CUSTOMERS, json={"name": "ACME"}, headers=keyed(key))
    assert response.status_code == 400
    assert response.get_json()["error"]["details"][0]["field"] == "Idempotency-Key"
    assert log_entries(orders_app) == 0


def test_a_key_of_255_characters_is_fine(api, orders_app):
    assert api.post(CUSTOMERS, json={"name": "ACME"}, headers=keyed("x" * 255)).status_code == 201


def test_without_a_token_the_key_changes_nothing(anonymous):
    response = anonymous.post(CUSTOMERS, json={"name": "ACME"}, headers=keyed("k"))
    assert response.status_code == 401


def test_reads_ignore_the_key(api, orders_app):
    assert api.get(CUSTOMERS, headers=keyed("x" * 300)).status_code == 200


def test_imports_are_keyed_by_the_uploaded_file(api, orders_app):
    def upload(text):
        return api.post(CUSTOMERS + "/import", data={"file": (io.BytesIO(text.encode()), "c.csv")},
                        content_type="multipart/form-data", headers=keyed("import-1"))
    first = upload("name\nACME\nGlobex\n")
    assert first.status_code == 200, first.get_json()
    assert first.get_json()["created"] == 2
    again = upload("name\nACME\nGlobex\n")
    assert again.get_data() == first.get_data() and again.headers["Idempotent-Replayed"] == "true"
    assert upload("name\nInitech\n").get_json()["error"]["code"] == "idempotency_key_reused"
    assert log_entries(orders_app, form="customer") == 2


def test_an_expired_key_counts_as_unused_and_is_pruned(api, orders_app):
    assert api.post(CUSTOMERS, json={"name": "ACME"}, headers=keyed("old")).status_code == 201
    keys = idempotency_store.idempotency_keys
    with get_db(orders_app).transaction() as connection:
        connection.execute(update(keys).values(created_at=utcnow() - timedelta(hours=25)))
    assert api.post(CUSTOMERS, json={"name": "ACME2"}, headers=keyed("old")).status_code == 201
    assert api.post(CUSTOMERS, json={"name": "ACME3"}, headers=keyed("older")).status_code == 201
    with get_db(orders_app).transaction() as connection:
        connection.execute(update(keys).where(keys.c.key == "older")
                           .values(created_at=utcnow() - timedelta(hours=25)))
    from engine.runtime.api.idempotency import prune_keys
    assert prune_keys(orders_app).startswith("removed 1 ")
    with get_db(orders_app).read() as connection:
        assert connection.execute(select(keys.c.key)).scalars().all() == ["old"]


def test_a_request_still_in_progress_makes_a_repeat_wait_then_409(api, orders_app):
    orders_app.config["IDEMPOTENCY_WAIT_SECONDS"] = 0.2
    with get_db(orders_app).read() as connection:
        from engine.runtime import identity
        user_id = identity.find_user(connection, "admin")["id"]
    from engine.runtime.api.idempotency import request_fingerprint
    with orders_app.test_request_context("/api/v1" + CUSTOMERS, method="POST", json={"name": "ACME"}):
        fingerprint = request_fingerprint()
    idempotency_store.claim(get_db(orders_app), user_id, "busy", fingerprint, retention_hours=24, wait_seconds=0)
    response = api.post(CUSTOMERS, json={"name": "ACME"}, headers=keyed("busy"))
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "idempotency_key_in_progress"
    assert log_entries(orders_app) == 0


def test_liandong_api_prune_keys_and_the_engine_job(api, orders_app, cli_env):
    from click.testing import CliRunner
    from engine.cli import main
    from engine.runtime.jobs import ENGINE_JOBS
    assert ENGINE_JOBS["prune_idempotency_keys"].cron == "17 * * * *"
    assert api.post(CUSTOMERS, json={"name": "ACME"}, headers=keyed("gone")).status_code == 201
    keys = idempotency_store.idempotency_keys
    with get_db(orders_app).transaction() as connection:
        connection.execute(update(keys).values(created_at=utcnow() - timedelta(hours=30)))
    result = CliRunner().invoke(main, ["api", "prune-keys"], env=cli_env, catch_exceptions=False)
    assert result.exit_code == 0 and "removed 1 idempotency keys older than 24 hours" in result.output
