"""Memory and CPU bombs through a filter (DESIGN §7.1, issue 16 item 1).

Any signed-in user may type a filter: on the list API, the list screen, a
report and an export. A filter that would build text, a list or a number over
the limit, or that is too deep, is refused with 400 before anything is built;
the answer names the place (`filter`) and the limit, in the user's language on
the screens.
"""
from __future__ import annotations

import re

import pytest

from engine.db import get_db
from engine.resources import bundled_app_path
from engine.runtime import identity
from engine.storage.install import install_app

PASSWORD = "password-123"
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
API = "/api/v1/apps/inventory"

# Each bomb as a template over one text field, `{f}`, and what it is refused for.
BOMBS = [
    pytest.param('"%0999999999d" % 1 == {f}', "text longer than 10,000 characters", id="format-width"),
    pytest.param('"%.999999999f" % 1 == {f}', "text longer than 10,000 characters", id="format-precision"),
    pytest.param('"%*d" % (999999999, 1) == {f}', "text longer than 10,000 characters", id="format-star"),
    pytest.param("'x' * 1000000000 == {f}", "text longer than 10,000 characters", id="repeat-text"),
    pytest.param("[1] * 1000000000 == {f}", "list longer than 10,000 items", id="repeat-list"),
    pytest.param("[[0] * 100] * 1000 == {f}", "list longer than 10,000 items", id="repeat-nested-list"),
    pytest.param("'x' * 9000 + 'y' * 9000 == {f}", "text longer than 10,000 characters", id="concatenate"),
    pytest.param("concat('x' * 9000, 'y' * 9000) == {f}", "text longer than 10,000 characters", id="concat"),
    pytest.param("text(['x' * 9000] * 9) == {f}", "text longer than 10,000 characters", id="text-of-list"),
    pytest.param("9**9**9 == {f}", "is too large (exponent at most 100", id="power-tower"),
    pytest.param("(10**12)**100 * (10**12)**100 == {f}", "number longer than 1,200 digits", id="big-integer"),
    pytest.param("abs(" * 40 + "1" + ")" * 40 + " == {f}", "nested too deeply", id="deep-nesting"),
    pytest.param("{f} == '" + "x" * 2100 + "'", "too long", id="long-source"),
]


@pytest.fixture
def inventory(app, monkeypatch):
    # Cheap password hashes: these tests are about filters, not password storage.
    monkeypatch.setattr(identity, "PASSWORD_METHOD", "pbkdf2:sha256:1000")
    install_app(get_db(app), bundled_app_path("inventory"))
    with get_db(app).transaction() as connection:
        # sales: the product list only (lowest rights); manager: reports and exports.
        for name, role, language in (("sally", "sales", "en"), ("xiao", "sales", "zh"),
                                     ("mo", "manager", "en")):
            identity.create_user(connection, name, PASSWORD, roles=[("inventory", role)], language=language)
    return app


def signed_in(app, username):
    client = app.test_client()
    page = client.get("/login")
    token = CSRF_INPUT.search(page.get_data(as_text=True)).group(1)
    response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code in (302, 303)
    return client


def assert_refused_api(response, reason):
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    error = response.get_json()["error"]
    assert error["code"] == "limit_exceeded"
    assert error["details"][0]["field"] == "filter"
    assert reason in error["details"][0]["message"]
    assert reason in error["message"]


@pytest.mark.parametrize("bomb, reason", BOMBS)
def test_a_bomb_in_a_list_filter_is_refused_by_the_api(inventory, bomb, reason):
    client = signed_in(inventory, "sally")
    response = client.get(f"{API}/forms/product/records", query_string={"filter": bomb.format(f="name")})
    assert_refused_api(response, reason)


@pytest.mark.parametrize("bomb, reason", BOMBS)
def test_a_bomb_in_a_report_filter_is_refused(inventory, bomb, reason):
    client = signed_in(inventory, "mo")
    response = client.get(f"{API}/reports/stock_by_warehouse",
                          query_string={"filter": bomb.format(f="warehouse.name")})
    assert_refused_api(response, reason)


@pytest.mark.parametrize("bomb, reason", BOMBS)
def test_a_bomb_in_an_export_filter_is_refused(inventory, bomb, reason):
    client = signed_in(inventory, "mo")
    for url, field in ((f"{API}/forms/product/records/export", "name"),
                       (f"{API}/reports/stock_by_warehouse/export", "warehouse.name")):
        for fmt in ("csv", "xlsx"):
            response = client.get(url, query_string={"format": fmt, "filter": bomb.format(f=field)})
            assert_refused_api(response, reason)


SCREEN_REASONS = {   # the English reason on the screens, per kind of limit
    "text": "it would build text longer than 10,000 characters",
    "list": "it would build a list longer than 10,000 items",
    "number": "it would build a number longer than 1,200 digits",
    "exponent": "a power is too large (exponent at most 100)",
    "depth": "it is nested more than 30 levels deep",
    "source": "it is longer than 2,000 characters",
}


def _screen_reason(reason):
    for key, kind in (("text ", "text"), ("list ", "list"), ("number ", "number"), ("exponent", "exponent"),
                      ("nested", "depth"), ("too long", "source")):
        if key in reason:
            return SCREEN_REASONS[kind]
    raise AssertionError(reason)


@pytest.mark.parametrize("bomb, reason", BOMBS)
def test_a_bomb_on_the_list_and_report_screens_is_a_message_in_the_users_language(inventory, bomb, reason):
    english, chinese = signed_in(inventory, "sally"), signed_in(inventory, "xiao")
    response = english.get("/apps/inventory/product/", query_string={"filter": bomb.format(f="name")})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Filter: " + _screen_reason(reason) in page
    response = chinese.get("/apps/inventory/product/", query_string={"filter": bomb.format(f="name")})
    assert response.status_code == 400
    assert "筛选：" in response.get_data(as_text=True)

    manager = signed_in(inventory, "mo")
    response = manager.get("/apps/inventory/reports/stock_by_warehouse",
                           query_string={"filter": bomb.format(f="warehouse.name")})
    assert response.status_code == 400
    assert "Filter: " + _screen_reason(reason) in response.get_data(as_text=True)


def test_filters_within_the_limits_still_work(inventory):
    client = signed_in(inventory, "sally")
    for expression in ("'%05d' % 42 == name", "'x' * 100 + name == name", "concat('螺', '栓') == name",
                       "text([1, 2]) == name", "2 ** 10 > 1000"):
        response = client.get(f"{API}/forms/product/records", query_string={"filter": expression})
        assert response.status_code == 200, (expression, response.get_json())


@pytest.fixture
def small_limit_app(database_url, instance_dir, monkeypatch):
    from engine import create_app
    from engine.runtime import expression_limits
    # The limit is per process: put the default back after this test.
    monkeypatch.setattr(expression_limits, "max_length", expression_limits.max_length)
    monkeypatch.setattr(identity, "PASSWORD_METHOD", "pbkdf2:sha256:1000")
    application = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "t",
                              "EXPRESSION_MAX_LENGTH": 500})
    install_app(get_db(application), bundled_app_path("inventory"))
    with get_db(application).transaction() as connection:
        identity.create_user(connection, "sally", PASSWORD, roles=[("inventory", "sales")])
    yield application
    get_db(application).dispose()


def test_the_size_limit_is_a_setting(small_limit_app):
    client = signed_in(small_limit_app, "sally")
    response = client.get(f"{API}/forms/product/records", query_string={"filter": "'x' * 600 == name"})
    assert_refused_api(response, "text longer than 500 characters")
    response = client.get(f"{API}/forms/product/records", query_string={"filter": "'x' * 400 == name"})
    assert response.status_code == 200
