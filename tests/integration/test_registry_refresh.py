"""Compiled definitions are cached per process and refreshed when a new version
is installed: another server process (another gunicorn worker, another machine)
serves the new version from its next request, without a restart; a request
while the version is unchanged compiles nothing and reads no definition."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

from sqlalchemy import event

from engine.db import get_db
from engine.storage.install import install_app
from tests.api.conftest import make_user

# A second process that answers GET requests read from stdin, one JSON line each.
SERVER = textwrap.dedent("""
    import json, sys
    from engine import create_app
    app = create_app()
    client = app.test_client()
    for line in sys.stdin:
        path, token = line.split()
        response = client.get(path, headers={"Authorization": "Bearer " + token})
        print(json.dumps({"status": response.status_code, "body": response.get_json()}), flush=True)
""")


def definition(*fields: str) -> dict:
    return {"app": "refresh", "version": f"1.{len(fields)}.0",
            "forms": [{"name": "item", "fields": [{"name": name, "type": "text"} for name in fields]}]}


def field_names(answer: dict) -> list[str]:
    [form] = answer["body"]["items"]
    return [field["name"] for field in form["fields"]]


def test_a_second_process_serves_a_newly_installed_version_on_its_next_request(
        app, database_url, instance_dir):
    install_app(get_db(app), definition("name"))
    token = make_user(app, "admin", admin=True)
    env = dict(os.environ, LIANDONG_DATABASE_URL=database_url, LIANDONG_INSTANCE_PATH=str(instance_dir),
               LIANDONG_SECRET_KEY="refresh-test", LIANDONG_JOBS_SCHEDULER="0")
    server = subprocess.Popen([sys.executable, "-c", SERVER], env=env, text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=os.getcwd())

    def ask(path: str) -> dict:
        server.stdin.write(f"{path} {token}\n")
        server.stdin.flush()
        return json.loads(server.stdout.readline())

    try:
        before = ask("/api/v1/apps/refresh/forms")
        assert before["status"] == 200, before
        assert field_names(before) == ["name"]
        install_app(get_db(app), definition("name", "note"))           # published by this process
        after = ask("/api/v1/apps/refresh/forms")
        assert after["status"] == 200, after
        assert field_names(after) == ["name", "note"]
    finally:
        server.stdin.close()
        server.wait(timeout=30)


def test_an_unchanged_version_is_not_reloaded_per_request(app, client):
    install_app(get_db(app), definition("name"))
    token = make_user(app, "admin", admin=True)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/apps/refresh/forms/item/records", headers=headers).status_code == 200
    statements = []

    def remember(_conn, _cursor, statement, *_args):
        statements.append(statement)
    engine = get_db(app).engine
    event.listen(engine, "before_cursor_execute", remember)
    try:
        response = client.get("/api/v1/apps/refresh/forms/item/records", headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    assert response.status_code == 200
    assert statements and not [s for s in statements if "ld_app_versions" in s]
    version_checks = [s for s in statements if "ld_apps" in s and "current_version_id" in s]
    assert len(version_checks) == 1
