"""Browser tests: Playwright for Python driving Debian's Chromium (no browser
download), against a live server on 127.0.0.1 with a fresh SQLite database per
test and the orders example installed.

When /usr/bin/chromium (or the playwright package) is missing, every test here
is skipped with the reason, and the run prints a warning line saying so: a
green run without browser tests must not look like one with them.
Failed tests leave a screenshot in test-artifacts/. Every page of every test
listens for what the Content-Security-Policy refuses (console "Refused to …"
messages, page errors): a test that passed with a refusal fails at teardown.
"""
from __future__ import annotations

import importlib.util
import os
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

import jinja2
import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("LIANDONG_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage"]
PASSWORD = "password-123"
USERS = {"admin": dict(is_admin=True), "sam": dict(roles=[("orders", "sales")]),
         "wendy": dict(roles=[("orders", "warehouse")]), "mia": dict(roles=[("orders", "manager")])}


def _missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is missing (install Debian's package: apt-get install -y chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is missing (pip install -e '.[dev]')"
    return None


MISSING = _missing()


def pytest_collection_modifyitems(config, items):
    if not MISSING:
        return
    marker = pytest.mark.skip(reason=f"BROWSER TESTS SKIPPED: {MISSING}")
    for item in items:
        if "tests/e2e/" in item.nodeid.replace(os.sep, "/"):
            item.add_marker(marker)
    warnings.warn(f"browser tests skipped: {MISSING}", pytest.PytestWarning, stacklevel=1)


def pytest_terminal_summary(terminalreporter):
    if MISSING:
        terminalreporter.write_line(f"WARNING: browser tests were SKIPPED: {MISSING}", red=True, bold=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@dataclass
class LiveApp:
    url: str
    app: object
    master: dict
    actors: dict


def _seed(app) -> tuple[dict, dict]:
    from engine.db import get_db
    from engine.resources import bundled_app_path
    from engine.runtime import identity
    from engine.runtime.records.service import get_record_service
    from engine.storage.install import install_app
    from tests.screens.conftest import seed_stock
    install_app(get_db(app), bundled_app_path("orders"))
    with get_db(app).transaction() as connection:
        for name, options in USERS.items():
            identity.create_user(connection, name, PASSWORD, **options)
        actors = {name: identity.actor_for_user(connection, identity.find_user(connection, name))
                  for name in USERS}
    service, admin = get_record_service(app), actors["admin"]
    master = {
        "customers": [service.create("orders", "customer", {"name": n}, actor=admin) for n in ("ACME", "Globex")],
        "products": [service.create("orders", "product", {"sku": f"P{i}", "name": f"Product {i}",
                                                          "unit_price": p, "cost_price": 7.77}, actor=admin)
                     for i, p in enumerate((10, 2.5, 99.99))],
        "warehouses": [service.create("orders", "warehouse", {"code": c, "name": f"Warehouse {c}"}, actor=admin)
                       for c in ("W1", "W2")],
    }
    seed_stock(app, master)
    return master, actors


@pytest.fixture
def live(tmp_path, monkeypatch):
    from engine import create_app
    from engine.runtime import identity
    monkeypatch.setenv("LIANDONG_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setattr(identity, "PASSWORD_METHOD", "pbkdf2:sha256:1000")   # fast test users
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'e2e.db'}",
                      "SECRET_KEY": "e2e-secret"})
    app.jinja_env.undefined = jinja2.StrictUndefined
    master, actors = _seed(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveApp(f"http://127.0.0.1:{server.server_port}", app, master, actors)
    server.shutdown()
    thread.join(timeout=5)
    app.extensions["liandong.db"].dispose()


def watch_csp(tab) -> list[str]:
    """Collect what the CSP refuses on this page (and its frames) and uncaught errors."""
    refused: list[str] = []

    def on_console(message):
        text = message.text
        if "Content Security Policy" in text or text.startswith("Refused to"):
            refused.append(f"{message.type}: {text}")
    tab.on("console", on_console)
    tab.on("pageerror", lambda error: refused.append(f"pageerror: {error}"))
    return refused


@pytest.fixture
def page(browser, request):
    # 1024 px: a tablet held sideways, the narrowest width a clerk works at all day.
    context = browser.new_context(viewport={"width": 1024, "height": 900}, locale="en-US")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    refused = watch_csp(tab)
    yield tab
    failed = getattr(request.node, "report_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = request.node.nodeid.replace("/", "_").replace(":", "_").replace("[", "_").strip("]")
        tab.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    context.close()
    if failed is not None and failed.passed and refused:
        pytest.fail("the page broke its Content-Security-Policy or threw:\n" + "\n".join(refused))


def sign_in(page, live: LiveApp, username: str) -> None:
    page.goto(f"{live.url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def sign_out(page, live: LiveApp) -> None:
    page.click("form[action='/logout'] button")
    page.wait_for_url(lambda url: "/login" in url)
