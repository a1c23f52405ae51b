"""The statement time limit of list, report and export reads (DESIGN §7.1).

PostgreSQL cuts a statement with `statement_timeout`, SQLite with a progress
handler; either way the caller gets QueryTimeout, a 400 `query_timeout`, and
the pooled connection is clean for the next read.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from engine import create_app
from engine.db import Database, get_db
from engine.resources import bundled_app_path
from engine.runtime import identity
from engine.runtime.errors import QueryTimeout
from engine.runtime.registry import get_registry
from engine.storage.install import install_app

# Tens of seconds of work on either backend, unless something stops it.
SLOW = text("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000000) "
            "SELECT count(*) FROM c")
# Well over SQLite's progress-handler step, well under any limit.
QUICK = text("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200000) "
             "SELECT count(*) FROM c")


@pytest.fixture
def database(database_url):
    db = Database(database_url, query_timeout=0.3)
    yield db
    db.dispose()


def test_a_slow_statement_is_cut_by_the_time_limit(database):
    with pytest.raises(QueryTimeout) as caught:
        with database.read(time_limit=True) as connection:
            connection.execute(SLOW).scalar()
    error = caught.value
    assert (error.status, error.code, error.seconds) == (400, "query_timeout", 0.3)
    assert "longer than 0.3 seconds" in error.message


def test_the_connection_is_clean_after_a_timeout(database):
    with pytest.raises(QueryTimeout):
        with database.read(time_limit=True) as connection:
            connection.execute(SLOW).scalar()
    # A read without the limit runs past the old deadline, on the same pooled connection.
    with database.read() as connection:
        assert connection.execute(QUICK).scalar() == 200000
        if database.dialect == "postgresql":
            assert connection.execute(text("SHOW statement_timeout")).scalar() == "0"


def test_quick_statements_run_under_the_limit(database):
    with database.read(time_limit=True) as connection:
        assert connection.execute(QUICK).scalar() == 200000


def test_without_a_limit_reads_are_not_cut(database_url):
    db = Database(database_url, query_timeout=0)
    try:
        with db.read(time_limit=True) as connection:
            assert connection.execute(QUICK).scalar() == 200000
    finally:
        db.dispose()


def test_the_time_limit_is_a_setting(monkeypatch, tmp_path):
    from engine.config import default_settings
    assert default_settings(tmp_path)["QUERY_TIMEOUT_SECONDS"] == 5.0
    monkeypatch.setenv("LIANDONG_QUERY_TIMEOUT_SECONDS", "2.5")
    monkeypatch.setenv("LIANDONG_EXPRESSION_MAX_LENGTH", "20000")
    settings = default_settings(tmp_path)
    assert settings["QUERY_TIMEOUT_SECONDS"] == 2.5 and settings["EXPRESSION_MAX_LENGTH"] == 20000
    monkeypatch.setenv("LIANDONG_QUERY_TIMEOUT_SECONDS", "soon")
    with pytest.raises(ValueError, match="LIANDONG_QUERY_TIMEOUT_SECONDS must be a number"):
        default_settings(tmp_path)


# ------------------------------------------------------------------ end to end

PASSWORD = "password-123"
ROWS = 60_000
# Two linked-record lookups per row over every row (nothing matches, so the
# whole table is read): tens of milliseconds at least, far over the 5 ms limit.
SLOW_FILTER = "contains(category.name, 'zzz') or contains(supplier.name, 'zzz') or contains(name, 'zzz')"


@pytest.fixture
def crowded_app(database_url, instance_dir, monkeypatch):
    monkeypatch.setattr(identity, "PASSWORD_METHOD", "pbkdf2:sha256:1000")
    application = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "t",
                              "QUERY_TIMEOUT_SECONDS": 0.005})
    database = get_db(application)
    install_app(database, bundled_app_path("inventory"))
    with database.transaction() as connection:
        identity.create_user(connection, "mo", PASSWORD, roles=[("inventory", "manager")])
        _seed(application, connection)
    yield application
    database.dispose()


def _seed(application, connection):
    """Rows straight into the tables: this is test data for a slow read, not a
    business write (those go through the record service)."""
    tables = get_registry(application).get(connection, "inventory").tables
    category, supplier, warehouse, product, stock = (
        tables.form(name) for name in ("category", "supplier", "warehouse", "product", "stock"))
    connection.execute(category.insert(), [{"id": 1, "name": "bolts"}])
    connection.execute(supplier.insert(), [{"id": 1, "name": "ACME"}])
    connection.execute(warehouse.insert(), [{"id": 1, "code": "SH", "name": "上海仓"}])
    connection.execute(product.insert(), [{"id": i, "sku": f"S{i}", "name": f"product {i}", "category": 1,
                                           "supplier": 1} for i in range(1, ROWS + 1)])
    connection.execute(stock.insert(), [{"id": i, "product": i, "warehouse": 1, "on_hand": 1}
                                        for i in range(1, ROWS + 1)])


def _signed_in(app, username):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    assert client.post("/login", data={"username": username, "password": PASSWORD,
                                       "csrf_token": token}).status_code in (302, 303)
    return client


def _assert_timeout(response):
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    error = response.get_json()["error"]
    assert error["code"] == "query_timeout"
    assert "took longer than 0.005 seconds" in error["message"]


def test_a_slow_filter_is_cut_on_every_path(crowded_app):
    client = _signed_in(crowded_app, "mo")
    api = "/api/v1/apps/inventory"
    _assert_timeout(client.get(f"{api}/forms/product/records", query_string={"filter": SLOW_FILTER}))
    _assert_timeout(client.get(f"{api}/forms/product/records/export",
                               query_string={"format": "csv", "filter": SLOW_FILTER}))
    stock_filter = "contains(product.name, 'zzz') or contains(product.sku, 'zzz')"
    _assert_timeout(client.get(f"{api}/reports/stock_by_warehouse", query_string={"filter": stock_filter}))
    _assert_timeout(client.get(f"{api}/reports/stock_by_warehouse/export",
                               query_string={"format": "xlsx", "filter": stock_filter}))

    page = client.get("/apps/inventory/product/", query_string={"filter": SLOW_FILTER})
    assert page.status_code == 400
    assert "Reading took longer than 0.005 seconds and was stopped" in page.get_data(as_text=True)
    page = client.get("/apps/inventory/reports/stock_by_warehouse", query_string={"filter": stock_filter})
    assert page.status_code == 400
    assert "Reading took longer than 0.005 seconds and was stopped" in page.get_data(as_text=True)
