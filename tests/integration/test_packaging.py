"""A non-editable install of the built wheel works from outside the checkout.

Builds the wheel from a copy of the source tree (so parallel runs and the
checkout never share a build/ folder), installs it into a fresh virtualenv
whose dependencies come from the test environment, and runs the installed
`liandong` script there: the bundled templates and app definitions must be
found inside the installed packages, not in the checkout.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
IGNORED = shutil.ignore_patterns(".venv", ".git", "build", "dist", "instance", "*.egg-info",
                                 "__pycache__", ".pytest_cache", ".hypothesis", "tests",
                                 "test-artifacts", "benchmarks")


def run(args, **kwargs):
    result = subprocess.run(args, capture_output=True, text=True, timeout=300, **kwargs)
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("packaging")
    source = base / "source"
    shutil.copytree(ROOT, source, ignore=IGNORED)
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--quiet", str(source), "-w", str(base / "dist")])
    [built] = (base / "dist").glob("liandong-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    venv = tmp_path_factory.mktemp("venv") / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
         "--quiet", str(wheel)])
    # Dependencies come from the test environment; a .pth line adds its
    # site-packages (and only that: its editable-install hooks are not run).
    site = run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
    Path(site.stdout.strip(), "_test_dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n")
    return venv


@pytest.mark.slow
def test_wheel_ships_templates_and_app_definitions(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "liandong_templates/base.html" in names
    # Screens: page templates and macros, the static script/styles, compiled UI catalogs.
    assert {"liandong_templates/macros/fields.html", "liandong_templates/runtime/list.html",
            "engine/static/liandong.js", "engine/static/liandong.css",
            "engine/translations/zh/LC_MESSAGES/messages.mo"} <= names
    assert "liandong_apps/orders/app.json" in names
    assert any(n.startswith("liandong_apps/orders/forms/") for n in names)
    assert "liandong_apps/examples/field_types.json" in names
    assert any(n.startswith("engine/schemas/") and n.endswith(".json") for n in names)
    assert not any(n.startswith("tests/") for n in names)


@pytest.mark.slow
def test_installed_cli_runs_outside_the_checkout(installed, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIANDONG_", "PYTHON"))}
    env.update(LIANDONG_INSTANCE_PATH=str(tmp_path / "instance"),
               LIANDONG_DATABASE_URL=f"sqlite:///{tmp_path / 'packaged.db'}")
    python, liandong = installed / "bin" / "python", installed / "bin" / "liandong"
    where = run([str(python), "-c", "import engine, engine.resources as r; "
                 "print(engine.__file__); print(r.resource_dir('templates')); "
                 "print(r.bundled_app_path('orders'))"], cwd=tmp_path, env=env).stdout.split()
    assert all(str(ROOT) not in line for line in where), where
    assert where[1].endswith("liandong_templates")
    assert run([str(liandong), "--version"], cwd=tmp_path, env=env).stdout.startswith("liandong ")
    validated = run([str(liandong), "validate", where[2]], cwd=tmp_path, env=env)
    assert validated.stdout == "OK\n"
    installed_app = run([str(liandong), "install", "orders"], cwd=tmp_path, env=env)
    assert "Installed orders" in installed_app.stdout
