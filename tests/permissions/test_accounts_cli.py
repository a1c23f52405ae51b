"""`liandong user list|disable|enable|roles|tokens|revoke`, the operation log,
and secrets (passwords, tokens) never written to any log."""
from __future__ import annotations

import json
import logging

from click.testing import CliRunner
from sqlalchemy import select

from engine.cli import main
from engine.db import get_db
from engine.runtime.audit import change_log
from engine.storage.system import operation_log
from tests.permissions.test_web_auth import sign_in

PASSWORD = "Horse-Battery-Staple-9"


def invoke(args, env, code=0):
    result = CliRunner().invoke(main, args, env=env, catch_exceptions=False)
    assert "Traceback" not in result.output
    assert result.exit_code == code, result.output
    return result.output


def _table(app, table) -> str:
    with get_db(app).read() as connection:
        rows = connection.execute(select(table)).mappings().all()
    return json.dumps([{k: str(v) for k, v in row.items()} for row in rows], ensure_ascii=False)


def test_user_administration_commands(app, cli_env, client):
    invoke(["install", "orders"], cli_env)
    invoke(["user", "create", "carol", "--password", PASSWORD, "--role", "orders:sales"], cli_env)
    created = invoke(["user", "token", "carol", "--label", "shop sync"], cli_env).splitlines()
    token, token_id = created[-1], created[0].split()[2]
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/apps", headers=auth).status_code == 200

    listing = invoke(["user", "list"], cli_env)
    assert "carol\tactive\troles: orders:sales\ttokens: 1" in listing
    assert "orders:manager" in invoke(["user", "roles", "carol", "--add", "orders:manager",
                                       "--remove", "orders:sales"], cli_env)
    assert invoke(["user", "roles", "carol"], cli_env).strip() == "carol: orders:manager"
    assert "no role 'cook'" in invoke(["user", "roles", "carol", "--add", "orders:cook"], cli_env, code=1)
    assert invoke(["user", "attributes", "carol", "--set", "region=north", "--set", "warehouses=[1, 2]"],
                  cli_env).strip() == '{"region": "north", "warehouses": [1, 2]}'
    assert invoke(["user", "attributes", "carol", "--unset", "region"], cli_env).strip() == '{"warehouses": [1, 2]}'
    assert "cannot be set" in invoke(["user", "attributes", "carol", "--set", "id=1"], cli_env, code=1)

    assert "disabled user carol" in invoke(["user", "disable", "carol"], cli_env)
    assert client.get("/api/v1/apps", headers=auth).status_code == 401
    assert "carol\tdisabled" in invoke(["user", "list"], cli_env)
    invoke(["user", "enable", "carol"], cli_env)
    assert client.get("/api/v1/apps", headers=auth).status_code == 200

    tokens = invoke(["user", "tokens", "carol"], cli_env)
    assert f"{token_id}\tshop sync" in tokens and token not in tokens
    assert f"revoked token {token_id} of carol" in invoke(["user", "revoke", token_id], cli_env)
    assert client.get("/api/v1/apps", headers=auth).status_code == 401
    assert "already revoked" in invoke(["user", "revoke", token_id], cli_env, code=1)
    second = invoke(["user", "token", "carol"], cli_env).splitlines()[-1]
    assert "revoked token" in invoke(["user", "revoke", second], cli_env)     # by the token itself
    assert "No such API token" in invoke(["user", "revoke", "999"], cli_env, code=1)

    actions = [row.split("\t") for row in _operations(app)]
    assert [a for a, _ in actions if a.startswith(("user.", "token."))] == [
        "user.create", "token.create", "user.roles", "user.attributes", "user.attributes", "user.disable", "user.enable", "token.revoke",
        "token.create", "token.revoke"]


def _operations(app) -> list[str]:
    with get_db(app).read() as connection:
        rows = connection.execute(select(operation_log.c.action, operation_log.c.target)
                                  .order_by(operation_log.c.id)).all()
    return [f"{action}\t{target}" for action, target in rows]


def test_passwords_and_tokens_never_reach_any_log(app, cli_env, client, caplog):
    caplog.set_level(logging.DEBUG)
    invoke(["install", "orders"], cli_env)
    invoke(["user", "create", "dave", "--password", PASSWORD, "--role", "orders:sales", "--admin"], cli_env)
    token = invoke(["user", "token", "dave"], cli_env).splitlines()[-1]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/v1/apps/orders/forms/customer/records", json={"name": "ACME"},
                       headers=headers).status_code == 201
    assert sign_in(client, "dave", PASSWORD + "x").status_code == 401       # a near miss
    assert sign_in(client, "dave", PASSWORD).status_code == 302
    invoke(["user", "revoke", token], cli_env)
    stored = _table(app, operation_log) + _table(app, change_log) + caplog.text
    for secret in (PASSWORD, token, token.removeprefix("ld_")):
        assert secret not in stored
    assert "dave" in _table(app, change_log)              # the actor is recorded, by name
