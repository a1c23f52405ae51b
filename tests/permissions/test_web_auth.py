"""Sign-in and sign-out, the session cookie, CSRF (forms and session API
calls), login throttling, and disabled users."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.db import get_db
from engine.runtime import accounts
from engine.runtime.web import throttle
from engine.storage.system import operation_log
from engine.storage.types import utcnow
from tests.api.conftest import ApiClient, make_user

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, path="/login") -> str:
    return CSRF.search(client.get(path).get_data(as_text=True)).group(1)


def sign_in(client, username, password=None, **extra):
    data = {"username": username, "password": password or f"password-{username}",
            "csrf_token": csrf_token(client), **extra}
    return client.post("/login", data=data)


def operations(app, action=None) -> list[dict]:
    with get_db(app).read() as connection:
        query = select(operation_log).order_by(operation_log.c.id)
        if action:
            query = query.where(operation_log.c.action == action)
        return [dict(row) for row in connection.execute(query).mappings()]


@pytest.fixture
def alice(orders_app):
    return make_user(orders_app, "alice", roles=[("orders", "sales")])


def test_sign_in_sets_a_safe_session_cookie_and_the_api_accepts_it(orders_app, client, alice):
    page = client.get("/login")
    assert page.status_code == 200 and 'name="username"' in page.get_data(as_text=True)
    response = sign_in(client, "alice", next="/apps/orders/")
    assert response.status_code == 302 and response.headers["Location"] == "/apps/orders/"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    apps = client.get("/api/v1/apps")
    assert apps.status_code == 200 and apps.get_json()["items"][0]["name"] == "orders"
    login = operations(orders_app, "login.success")[-1]
    assert login["target"] == "alice" and login["actor_id"] is not None and login["address"]


def test_secure_cookie_when_configured_and_next_stays_on_site(orders_app, client, alice):
    orders_app.config["SESSION_COOKIE_SECURE"] = True
    response = sign_in(client, "alice", next="//evil.example/steal")
    assert response.headers["Location"] == "/"
    assert "Secure" in response.headers["Set-Cookie"]


def test_csrf_is_required_on_the_login_form(orders_app, client, alice):
    response = client.post("/login", data={"username": "alice", "password": "password-alice"})
    assert response.status_code == 400
    assert client.get("/api/v1/apps").status_code == 401          # not signed in


def test_session_api_writes_need_the_csrf_header_token_calls_do_not(orders_app, client, alice):
    sign_in(client, "alice")
    url = "/api/v1/apps/orders/forms/customer/records"
    refused = client.post(url, json={"name": "No token"})
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "csrf_failed"
    token = csrf_token(client, "/logout")
    created = client.post(url, json={"name": "With token"}, headers={"X-CSRFToken": token})
    assert created.status_code == 201
    bearer = ApiClient(client, alice).post("/apps/orders/forms/customer/records", json={"name": "Bearer"})
    assert bearer.status_code == 201
    # A bad token is 401 even with a valid session cookie alongside: no fallback.
    bad = client.get("/api/v1/apps", headers={"Authorization": "Bearer ld_nope"})
    assert bad.status_code == 401


def test_wrong_password_is_refused_and_logged_without_the_password(orders_app, client, alice):
    response = sign_in(client, "alice", "Wrong-Secret-123")
    assert response.status_code == 401 and "Wrong username or password" in response.get_data(as_text=True)
    unknown = sign_in(client, "mallory", "Wrong-Secret-123")
    assert unknown.status_code == 401
    failures = operations(orders_app, "login.failure")
    assert [(f["target"], f["details"]["reason"]) for f in failures] == [
        ("alice", "wrong password"), ("mallory", "unknown user")]
    assert "Wrong-Secret-123" not in repr(operations(orders_app))


def test_throttling_engages_per_user_and_releases(orders_app, client, alice, monkeypatch):
    for _ in range(5):
        assert sign_in(client, "alice", "bad-password").status_code == 401
    blocked = sign_in(client, "alice")                      # even the right password
    assert blocked.status_code == 429 and "Too many failed sign-ins" in blocked.get_data(as_text=True)
    assert int(blocked.headers["Retry-After"]) > 0
    assert client.get("/api/v1/apps").status_code == 401
    assert operations(orders_app, "login.throttled")
    later = utcnow() + timedelta(minutes=16)
    monkeypatch.setattr(throttle, "clock", lambda: later)
    assert sign_in(client, "alice").status_code == 302


def test_throttling_per_address_and_a_success_clears_the_user_count(orders_app, app, alice):
    make_user(orders_app, "bob")
    spray = app.test_client()
    for name in ("u1", "u2", "u3", "u4", "u5"):
        assert sign_in(spray, name, "bad-password").status_code == 401
    assert sign_in(spray, "bob").status_code == 429          # same address, other name
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.0.0.2"
    assert sign_in(other, "bob").status_code == 302          # another address is not blocked
    third = app.test_client()
    third.environ_base["REMOTE_ADDR"] = "10.0.0.3"
    for _ in range(4):
        assert sign_in(third, "alice", "bad-password").status_code == 401
    assert sign_in(third, "alice").status_code == 302       # 4 failures, then the owner signs in
    fourth = app.test_client()
    fourth.environ_base["REMOTE_ADDR"] = "10.0.0.4"
    for _ in range(4):                                       # the user count started again
        assert sign_in(fourth, "alice", "bad-password").status_code == 401
    assert sign_in(fourth, "alice").status_code == 302


def test_disabled_users_cannot_sign_in_and_their_tokens_and_sessions_end(orders_app, client, alice):
    sign_in(client, "alice")
    assert client.get("/api/v1/apps").status_code == 200
    with get_db(orders_app).transaction() as connection:
        assert accounts.set_active(connection, "alice", False)
    assert client.get("/api/v1/apps").status_code == 401                      # the session ended
    assert ApiClient(client, alice).get("/apps").status_code == 401           # and the token
    fresh = orders_app.test_client()
    assert sign_in(fresh, "alice").status_code == 401
    assert operations(orders_app, "login.failure")[-1]["details"] == {"reason": "disabled"}
    assert [o["target"] for o in operations(orders_app, "user.disable")] == ["alice"]
    with get_db(orders_app).transaction() as connection:
        accounts.set_active(connection, "alice", True)
    assert ApiClient(client, alice).get("/apps").status_code == 200


def test_logout_asks_then_needs_the_form_post(orders_app, client, alice):
    assert client.get("/logout").status_code == 302              # nobody signed in: to /login
    sign_in(client, "alice")
    page = client.get("/logout")
    assert page.status_code == 200 and client.get("/api/v1/apps").status_code == 200
    assert client.post("/logout").status_code == 400             # no CSRF token: still signed in
    assert client.get("/api/v1/apps").status_code == 200
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/logout")})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert client.get("/api/v1/apps").status_code == 401
    assert operations(orders_app, "logout")[-1]["target"] == "alice"
