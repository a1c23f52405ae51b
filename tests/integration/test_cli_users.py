"""`liandong user create|token` and `liandong audit prune`, against the test database."""
from __future__ import annotations

from datetime import timedelta

from click.testing import CliRunner
from sqlalchemy import func, select, update

from engine.cli import main
from engine.db import get_db
from engine.runtime.actor import SYSTEM
from engine.runtime.audit import change_log, utcnow
from engine.runtime.records.service import get_record_service


def invoke(args, env):
    result = CliRunner().invoke(main, args, env=env, catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def test_user_create_and_token_work_against_the_api(app, cli_env, client):
    assert invoke(["install", "orders"], cli_env).exit_code == 0
    created = invoke(["user", "create", "alice", "--password", "correct horse",
                      "--role", "orders:sales", "--display-name", "Alice"], cli_env)
    assert created.exit_code == 0, created.output
    result = invoke(["user", "token", "alice"], cli_env)
    assert result.exit_code == 0
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("ld_")
    response = client.get("/api/v1/apps", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_user_errors_are_clean(app, cli_env):
    invoke(["install", "orders"], cli_env)
    assert invoke(["user", "create", "bob", "--password", "short"], cli_env).exit_code == 1
    bad_role = invoke(["user", "create", "bob", "--password", "long enough", "--role", "orders:cook"], cli_env)
    assert bad_role.exit_code == 1 and "no role 'cook'" in bad_role.output
    assert invoke(["user", "create", "bob", "--password", "long enough", "--role", "nope"], cli_env).exit_code == 1
    assert invoke(["user", "create", "bob", "--password", "long enough"], cli_env).exit_code == 0
    duplicate = invoke(["user", "create", "bob", "--password", "long enough"], cli_env)
    assert duplicate.exit_code == 1 and "already exists" in duplicate.output
    assert invoke(["user", "token", "nobody"], cli_env).exit_code == 1


def test_audit_prune_removes_only_old_entries(app, cli_env):
    invoke(["install", "orders"], cli_env)
    service = get_record_service(app)
    old = service.create("orders", "customer", {"name": "Old"}, actor=SYSTEM)
    service.create("orders", "customer", {"name": "New"}, actor=SYSTEM)
    with get_db(app).transaction() as connection:
        connection.execute(update(change_log).where(change_log.c.record_id == old["id"])
                           .values(at=utcnow() - timedelta(days=40)))
    result = invoke(["audit", "prune", "--days", "30"], cli_env)
    assert result.exit_code == 0 and "removed 1 " in result.output
    assert service.history("orders", "customer", old["id"], actor=SYSTEM) == []
    with get_db(app).read() as connection:
        assert connection.execute(select(func.count()).select_from(change_log)).scalar() == 1
