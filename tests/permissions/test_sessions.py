"""Revocable sessions (DESIGN §7.1): a session cookie captured before a
sign-out, a disable (also after enabling again), a "sign out everywhere" or
a password change answers 401 on the API and sends the screens to /login,
in every worker process; API tokens are revoked on their own."""
from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import inspect, select, update

from engine import create_app
from engine.cli import main
from engine.db import get_db
from engine.runtime import accounts, identity, sessions
from engine.runtime.errors import Forbidden
from engine.storage.system import system_metadata
from engine.storage.types import utcnow
from tests.api.conftest import ApiClient, make_user
from tests.permissions.test_web_auth import csrf_token, sign_in

SCREEN = "/apps/orders/"


@pytest.fixture
def alice(orders_app):
    return make_user(orders_app, "alice", roles=[("orders", "sales")])


def signed_in(app, username="alice", password=None):
    client = app.test_client()
    assert sign_in(client, username, password).status_code == 302
    return client


def captured(client) -> str:
    """The session cookie as an attacker would copy it from the browser."""
    return client.get_cookie("session").value


def replay(app, cookie: str):
    """Another browser presenting the copied cookie."""
    client = app.test_client()
    client.set_cookie("session", cookie)
    return client


def assert_signed_in(client):
    assert client.get("/api/v1/apps").status_code == 200
    assert client.get(SCREEN).status_code == 200


def assert_signed_out(client):
    response = client.get("/api/v1/apps")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert set(response.get_json()["error"]) >= {"code", "message"}
    screen = client.get(SCREEN)
    assert screen.status_code == 302 and screen.headers["Location"].startswith("/login")


def run_cli(args, env):
    result = CliRunner().invoke(main, args, env=env, catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def test_a_cookie_copied_before_logout_is_refused_after_it(orders_app, alice):
    browser = signed_in(orders_app)
    cookie = captured(browser)
    assert_signed_in(replay(orders_app, cookie))
    logout = browser.post("/logout", data={"csrf_token": csrf_token(browser, "/logout")})
    assert logout.status_code == 302
    assert_signed_out(replay(orders_app, cookie))
    assert_signed_out(browser)
    assert ApiClient(browser, alice).get("/apps").status_code == 200      # the token lives on


def test_signing_in_again_ends_the_browser_s_earlier_session(orders_app, alice):
    browser = signed_in(orders_app)
    cookie = captured(browser)
    again = browser.post("/login", data={"username": "alice", "password": "password-alice",
                                         "csrf_token": csrf_token(browser, "/logout")})
    assert again.status_code == 302
    assert_signed_in(browser)
    assert_signed_out(replay(orders_app, cookie))


def test_disabling_ends_sessions_for_good_even_after_enabling(orders_app, alice):
    browser = signed_in(orders_app)
    cookie = captured(browser)
    with get_db(orders_app).transaction() as connection:
        accounts.set_active(connection, "alice", False)
    assert_signed_out(replay(orders_app, cookie))
    with get_db(orders_app).transaction() as connection:
        accounts.set_active(connection, "alice", True)
    assert_signed_out(replay(orders_app, cookie))
    assert_signed_out(browser)
    assert_signed_in(signed_in(orders_app))                 # signing in again works
    assert ApiClient(browser, alice).get("/apps").status_code == 200      # tokens come back


def test_sign_out_everywhere_ends_every_session_and_keeps_tokens(orders_app, alice, cli_env):
    make_user(orders_app, "admin", admin=True)
    laptop, phone, other = signed_in(orders_app), signed_in(orders_app), signed_in(orders_app, "admin")
    cookies = [captured(laptop), captured(phone)]
    listed = run_cli(["user", "sessions", "alice"], cli_env)
    assert listed.exit_code == 0 and len(listed.output.strip().splitlines()) == 2
    result = run_cli(["user", "signout", "alice"], cli_env)
    assert result.exit_code == 0 and "2 sessions ended" in result.output
    for cookie in cookies:
        assert_signed_out(replay(orders_app, cookie))
    assert_signed_in(other)                                 # other users are not touched
    assert ApiClient(laptop, alice).get("/apps").status_code == 200
    assert "no live sessions" in run_cli(["user", "sessions", "alice"], cli_env).output
    assert run_cli(["user", "signout", "nobody"], cli_env).exit_code == 1


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(orders_app, alice):
    here, elsewhere = signed_in(orders_app), signed_in(orders_app)
    elsewhere_cookie = captured(elsewhere)
    with here.session_transaction() as state:
        key = state[sessions.SESSION_KEY]
    with get_db(orders_app).transaction() as connection:
        with pytest.raises(Forbidden):
            accounts.set_password(connection, "alice", "new-secret-1", current_password="not-it",
                                  keep_session=key)
    assert_signed_in(elsewhere)                             # a refused change ends nothing
    with get_db(orders_app).transaction() as connection:
        ended = accounts.set_password(connection, "alice", "new-secret-1",
                                      current_password="password-alice", keep_session=key)
    assert ended == 1
    assert_signed_in(here)
    assert_signed_out(replay(orders_app, elsewhere_cookie))
    assert sign_in(orders_app.test_client(), "alice", "password-alice").status_code == 401
    assert_signed_in(signed_in(orders_app, "alice", "new-secret-1"))


def test_the_password_command_ends_every_session(orders_app, alice, cli_env):
    browser = signed_in(orders_app)
    short = run_cli(["user", "password", "alice", "--password", "short"], cli_env)
    assert short.exit_code == 1 and "at least 8" in short.output
    assert_signed_in(browser)
    prompted = CliRunner().invoke(main, ["user", "password", "alice"], env=cli_env,
                                  input="brand-new-pass\nbrand-new-pass\n")
    assert prompted.exit_code == 0 and "1 session ended" in prompted.output
    assert "brand-new-pass" not in prompted.output
    assert_signed_out(browser)
    assert_signed_in(signed_in(orders_app, "alice", "brand-new-pass"))


def test_a_revocation_in_one_worker_is_seen_by_another(orders_app, alice, database_url):
    other_worker = create_app({"TESTING": True, "DATABASE_URL": database_url,
                               "SECRET_KEY": orders_app.config["SECRET_KEY"]})
    try:
        browser = signed_in(orders_app)
        cookie = captured(browser)
        there = replay(other_worker, cookie)
        assert_signed_in(there)                              # one session, both workers
        browser.post("/logout", data={"csrf_token": csrf_token(browser, "/logout")})
        assert_signed_out(there)
        second = signed_in(other_worker)
        here = replay(orders_app, captured(second))
        assert_signed_in(here)
        with get_db(other_worker).transaction() as connection:
            accounts.sign_out_everywhere(connection, "alice")
        assert_signed_out(here)
    finally:
        get_db(other_worker).dispose()


def test_a_cookie_without_a_server_side_session_signs_in_nobody(orders_app, alice):
    browser = signed_in(orders_app)
    with browser.session_transaction() as state:           # what an earlier release signed
        del state[sessions.SESSION_KEY]
    assert_signed_out(browser)
    make_user(orders_app, "bob", admin=True)
    with get_db(orders_app).read() as connection:
        bob = identity.find_user(connection, "bob")["id"]
    forged = signed_in(orders_app)
    with forged.session_transaction() as state:            # alice's session key, bob's id
        state["_user_id"] = str(bob)
    assert_signed_out(forged)


def session_id(client) -> str:
    with client.session_transaction() as state:
        return sessions.digest(state[sessions.SESSION_KEY])


def set_last_seen(app, client, when):
    table = sessions.sessions
    with get_db(app).transaction() as connection:
        connection.execute(update(table).where(table.c.id == session_id(client)).values(last_seen_at=when))


def test_last_use_is_recorded_and_dead_sessions_are_pruned(orders_app, alice):
    live, stale = signed_in(orders_app), signed_in(orders_app)
    set_last_seen(orders_app, live, utcnow() - timedelta(minutes=5))
    assert_signed_in(live)
    with get_db(orders_app).read() as connection:
        seen = connection.execute(select(sessions.sessions.c.last_seen_at)
                                  .where(sessions.sessions.c.id == session_id(live))).scalar_one()
    assert seen > utcnow() - timedelta(minutes=1)
    set_last_seen(orders_app, stale, utcnow() - timedelta(days=40))
    with get_db(orders_app).transaction() as connection:
        assert sessions.prune(connection, timedelta(days=31)) == 1
    assert_signed_out(stale)
    assert_signed_in(live)


def test_an_install_from_before_sessions_gets_the_table_and_works(database_url, instance_dir):
    from sqlalchemy import create_engine
    engine = create_engine(database_url)
    older = [t for t in system_metadata.sorted_tables if t.name != "ld_sessions"]
    with engine.begin() as connection:
        system_metadata.create_all(connection, tables=older)
        assert "ld_sessions" not in inspect(connection).get_table_names()
    engine.dispose()
    upgraded = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "s"})
    try:
        with get_db(upgraded).read() as connection:
            assert "ld_sessions" in inspect(connection).get_table_names()
        make_user(upgraded, "carol", admin=True)
        client = signed_in(upgraded, "carol")
        assert client.get("/api/v1/apps").status_code == 200
    finally:
        get_db(upgraded).dispose()
