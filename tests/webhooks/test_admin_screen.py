"""/admin/webhooks: subscriptions and the delivery log for global admins, with Retry."""
from __future__ import annotations

import pytest
from sqlalchemy import select, update

from engine.db import get_db
from engine.runtime import identity
from engine.runtime.outbox import outbox
from engine.storage.system import operation_log
from tests.screens.conftest import PASSWORD, _install_test_login, csrf_token, has_login, sign_in

URL = "http://127.0.0.1:9/hook"
ERROR = "URLError: [Errno 111] Connection refused " + "x" * 300


@pytest.fixture
def users(app, hooks, monkeypatch):
    monkeypatch.setattr(identity, "PASSWORD_METHOD", "pbkdf2:sha256:1000")
    with get_db(app).transaction() as connection:
        identity.create_user(connection, "root", PASSWORD, is_admin=True)
        identity.create_user(connection, "pat", PASSWORD)
    if not has_login(app):
        _install_test_login(app)
    return app


@pytest.fixture
def dead(app, hooks, users):
    """A subscription and two deliveries: #1 dead, #2 delivered."""
    hooks.subscribe(URL, "created", "transition:close", name="crm")
    hooks.create(title="T")
    hooks.create(title="U")
    first, second = (row["id"] for row in hooks.rows())
    with get_db(app).transaction() as connection:
        connection.execute(update(outbox).where(outbox.c.id == first).values(
            status="dead", attempts=8, next_attempt_at=None, last_error=ERROR))
        connection.execute(update(outbox).where(outbox.c.id == second).values(
            status="delivered", attempts=1, next_attempt_at=None))
    return first


def client_for(app, username):
    client = sign_in(app.test_client(), app, username)
    app.config["WTF_CSRF_ENABLED"] = True
    return client


def row(app, delivery_id):
    with get_db(app).read() as connection:
        return dict(connection.execute(select(outbox).where(outbox.c.id == delivery_id)).mappings().one())


def test_admin_sees_subscriptions_and_a_dead_delivery(app, dead):
    client = client_for(app, "root")
    page = client.get("/admin/webhooks").get_data(as_text=True)
    assert 'data-testid="subscription"' in page and URL in page and "created, transition:close" in page
    assert "(crm)" in page and "s3cret" not in page
    assert page.count('data-testid="delivery"') == 2 and page.count('data-testid="retry"') == 1
    assert "hooks.ticket #1" in page and "/apps/hooks/ticket/1" in page
    assert f">{ERROR[:120]}…</td>" in page            # the error is truncated (in full on hover)
    assert 'data-testid="admin-webhooks"' in page                          # the user-menu link
    only_dead = client.get("/admin/webhooks?status=dead").get_data(as_text=True)
    assert only_dead.count('data-testid="delivery"') == 1 and 'data-status="dead"' in only_dead
    older = client.get(f"/admin/webhooks?before={dead + 1}").get_data(as_text=True)
    assert older.count('data-testid="delivery"') == 1 and 'data-status="dead"' in older


def test_deliveries_are_paged_by_id(app, hooks, users):
    hooks.subscribe(URL, "created")
    for index in range(51):
        hooks.create(title=f"T{index}")
    client = client_for(app, "root")
    first = client.get("/admin/webhooks").get_data(as_text=True)
    assert first.count('data-testid="delivery"') == 50 and "?before=2" in first
    second = client.get("/admin/webhooks?before=2").get_data(as_text=True)
    assert second.count('data-testid="delivery"') == 1 and 'data-testid="next-page"' not in second


def test_non_admin_gets_403_and_no_menu_link(app, dead):
    client = client_for(app, "pat")
    response = client.get("/admin/webhooks")
    assert response.status_code == 403
    assert 'data-testid="admin-webhooks"' not in response.get_data(as_text=True)
    token = csrf_token(response.get_data(as_text=True))
    refused = client.post(f"/admin/webhooks/deliveries/{dead}/retry", data={"csrf_token": token})
    assert refused.status_code == 403 and row(app, dead)["status"] == "dead"


def test_anonymous_is_sent_to_sign_in(app, dead):
    response = app.test_client().get("/admin/webhooks")
    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]


def test_retry_puts_a_dead_delivery_back_and_logs_it(app, dead):
    client = client_for(app, "root")
    token = csrf_token(client.get("/admin/webhooks?status=dead").get_data(as_text=True))
    response = client.post(f"/admin/webhooks/deliveries/{dead}/retry",
                           data={"csrf_token": token, "status": "dead"})
    assert response.status_code in (302, 303)
    assert response.headers["Location"].endswith("/admin/webhooks?status=dead")
    retried = row(app, dead)
    assert retried["status"] == "pending" and retried["attempts"] == 0 and retried["next_attempt_at"]
    with get_db(app).read() as connection:
        [entry] = connection.execute(select(operation_log).where(
            operation_log.c.action == "webhook.retry")).mappings().all()
        root = identity.find_user(connection, "root")
    assert entry["target"] == f"delivery {dead}" and entry["actor_id"] == root["id"]
    assert entry["details"]["status"] == "dead"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Delivery {dead} is pending again" in page
    delivered = client.post(f"/admin/webhooks/deliveries/{dead + 1}/retry", data={"csrf_token": token})
    assert row(app, dead + 1)["status"] == "delivered"
    assert "nothing to retry" in client.get(delivered.headers["Location"]).get_data(as_text=True)


def test_retry_of_a_failing_pending_delivery(app, hooks, users):
    hooks.subscribe(URL, "created")
    hooks.create(title="T")
    [pending] = hooks.rows()
    with get_db(app).transaction() as connection:
        connection.execute(update(outbox).where(outbox.c.id == pending["id"]).values(
            attempts=3, last_error="HTTP 500"))
    client = client_for(app, "root")
    token = csrf_token(client.get("/admin/webhooks").get_data(as_text=True))
    client.post(f"/admin/webhooks/deliveries/{pending['id']}/retry", data={"csrf_token": token})
    assert row(app, pending["id"])["attempts"] == 0
    assert client.post("/admin/webhooks/deliveries/999/retry",
                       data={"csrf_token": token}).status_code == 404


def test_retry_without_csrf_token_is_refused(app, dead):
    if "csrf" not in app.extensions:
        pytest.skip("CSRFProtect is not installed (engine.runtime.web.auth)")
    client = client_for(app, "root")
    response = client.post(f"/admin/webhooks/deliveries/{dead}/retry")
    assert response.status_code in (400, 403)
    assert row(app, dead)["status"] == "dead"
    with get_db(app).read() as connection:
        assert connection.execute(select(operation_log).where(
            operation_log.c.action == "webhook.retry")).first() is None
