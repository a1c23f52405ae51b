"""The `liandong` CLI: validate, install, apps, run, help and clean errors."""
from __future__ import annotations

import json
import threading

import click
import pytest
from click.testing import CliRunner

from engine import __version__
from engine.cli import main
from engine.resources import bundled_app_path

SIMPLE = {"app": "notes", "version": "1.0.0", "forms": [
    {"name": "note", "fields": [
        {"name": "title", "type": "text", "required": True},
        {"name": "body", "type": "textarea"}]}]}


def invoke(args, env=None):
    result = CliRunner().invoke(main, args, env=env, catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def write(tmp_path, definition, name="notes.json"):
    path = tmp_path / name
    path.write_text(json.dumps(definition), encoding="utf-8")
    return str(path)


# ------------------------------------------------------------------ validate

@pytest.mark.parametrize("target", ["orders", "examples/field_types"])
def test_validate_bundled_apps_by_name_and_path(target):
    assert invoke(["validate", target]).output == "OK\n"
    result = invoke(["validate", str(bundled_app_path(target))])
    assert (result.exit_code, result.output) == (0, "OK\n")


def test_validate_prints_one_line_per_error(tmp_path):
    bad = json.loads(json.dumps(SIMPLE))
    bad["forms"][0]["fields"][0]["type"] = "txet"
    bad["forms"][0]["fields"][1]["formula"] = "titel + 1"
    result = invoke(["validate", write(tmp_path, bad)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(line.startswith("forms[0].fields[0].type: ") for line in lines)
    assert "OK" not in lines


def test_validate_warnings_do_not_fail(tmp_path):
    definition = json.loads(json.dumps(SIMPLE))
    definition["forms"][0]["workflow"] = {
        "initial": "draft", "states": ["draft", "done", "limbo"],
        "transitions": [{"name": "finish", "from": ["draft"], "to": "done"}]}
    result = invoke(["validate", write(tmp_path, definition)])
    assert result.exit_code == 0
    assert result.output.splitlines()[-1] == "OK"
    assert any(line.startswith("warning: forms[0].workflow") for line in result.output.splitlines())


def test_validate_reports_malformed_json_with_line_and_column(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"app": "x",\n  "forms": [}\n')
    result = invoke(["validate", str(path)])
    assert result.exit_code == 1
    assert result.output.startswith(f"{path}:2:")


def test_validate_unknown_target():
    result = invoke(["validate", "no_such_app"])
    assert result.exit_code == 1
    assert "error: no_such_app: no such file or folder" in result.output
    assert "orders" in result.output                        # lists the bundled apps


# ------------------------------------------------------------ install, apps

def test_install_apps_and_quick_reinstall(cli_env):
    assert invoke(["apps"], cli_env).output == "no apps installed\n"
    first = invoke(["install", "orders"], cli_env)
    assert first.exit_code == 0, first.output
    assert "+ create table orders__sales_order" in first.output
    assert "Installed orders 1.0.0" in first.output
    again = invoke(["install", "orders"], cli_env)
    assert again.exit_code == 0
    assert again.output == "orders 1.0.0 is already installed and unchanged.\n"
    listing = invoke(["apps"], cli_env)
    assert listing.exit_code == 0 and listing.output.startswith("orders  1.0.0")


def test_install_dry_run_changes_nothing(cli_env):
    result = invoke(["install", "orders", "--dry-run"], cli_env)
    assert result.exit_code == 0
    assert "Dry run: orders 1.0.0 would be created; nothing was changed." in result.output
    assert invoke(["apps"], cli_env).output == "no apps installed\n"


def test_install_refuses_destructive_changes_without_the_flag(cli_env, tmp_path):
    assert invoke(["install", write(tmp_path, SIMPLE)], cli_env).exit_code == 0
    changed = json.loads(json.dumps(SIMPLE))
    changed["forms"][0]["fields"].pop()
    path = write(tmp_path, changed)
    refused = invoke(["install", path], cli_env)
    assert refused.exit_code == 1
    assert "- DROP column notes__note.body (0 values) (destructive)" in refused.output
    assert "--allow-destructive" in refused.output
    allowed = invoke(["install", path, "--allow-destructive"], cli_env)
    assert allowed.exit_code == 0 and "Upgraded notes 1.0.0" in allowed.output


def test_install_invalid_definition_lists_errors(cli_env, tmp_path):
    bad = json.loads(json.dumps(SIMPLE))
    bad["forms"][0]["fields"][0]["type"] = "txet"
    result = invoke(["install", write(tmp_path, bad)], cli_env)
    assert result.exit_code == 1
    assert "forms[0].fields[0].type: " in result.output
    assert invoke(["apps"], cli_env).output == "no apps installed\n"


def test_install_demo_data_flag(cli_env):
    result = invoke(["install", "orders", "--demo-data"], cli_env)
    assert result.exit_code == 0 and "no demo data for this app" in result.output


# ------------------------------------------------------------ run, help, errors

def test_run_prints_the_url_and_serves(cli_env, monkeypatch):
    calls = []
    monkeypatch.setattr("werkzeug.serving.run_simple",
                        lambda host, port, app, **kw: calls.append((host, port, app.name)))
    result = invoke(["run", "--host", "127.0.0.1", "--port", "5055"], cli_env)
    assert result.exit_code == 0
    assert "http://127.0.0.1:5055/" in result.output
    assert calls == [("127.0.0.1", 5055, "engine")]
    # The scheduler started with the server stops with it: nothing writes afterwards.
    assert not any(t.name == "liandong-jobs" and t.is_alive() for t in threading.enumerate())


def _all_commands(group, prefix=()):
    for name, command in sorted(group.commands.items()):
        yield prefix + (name,)
        if isinstance(command, click.Group):
            yield from _all_commands(command, prefix + (name,))


@pytest.mark.parametrize("command", [()] + list(_all_commands(main)), ids=" ".join)
def test_help_everywhere(command):
    result = invoke([*command, "--help"])
    assert result.exit_code == 0 and result.output.startswith("Usage: ")


def test_version():
    assert invoke(["--version"]).output == f"liandong {__version__}\n"


def test_unreachable_database_is_a_clean_error(instance_dir):
    url = "postgresql+psycopg://postgres:s3cret@127.0.0.1:1/nowhere"
    result = invoke(["apps"], {"LIANDONG_DATABASE_URL": url})
    assert result.exit_code == 1
    assert result.output.startswith(
        "error: cannot connect to database postgresql+psycopg://postgres:***@127.0.0.1:1/nowhere: ")
    assert "s3cret" not in result.output


def test_unopenable_sqlite_file_is_a_clean_error(instance_dir, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = invoke(["apps"], {"LIANDONG_DATABASE_URL": f"sqlite:///{blocker}/sub/x.db"})
    assert result.exit_code == 1 and result.output.startswith("error: cannot open database")
