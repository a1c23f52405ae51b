"""Every demo role opens every page it can reach in the inventory app with its
demo data: no screen fails because of something the caller may not see.

A crawler signs in as each demo login through the real /login page, starts at
the app home, every form list, the reports, the dashboards and a sample of
record pages per form (chosen through the record service as that user, so
stock records whose movements come from forms the user may not read are
included), and follows every same-app link it finds, a few per kind of page.
Each page must answer without a server error or a traceback, and no link on it
may be missing an id (`/None`, an empty path segment).
"""
from __future__ import annotations

import html
import re
from datetime import date
from urllib.parse import urlsplit

import pytest

from engine.db import get_db
from engine.demo import inventory as demo_inventory
from engine.demo import load_demo
from engine.resources import bundled_app_path
from engine.runtime import identity
from engine.runtime.errors import Forbidden
from engine.runtime.records.service import get_record_service
from engine.runtime.registry import get_registry
from engine.storage.install import install_app
from tests.screens.conftest import csrf_token

END = date(2026, 6, 30)
# A quarter of business has counts, transfers and both kinds of returns: the
# sources a purchasing or sales user may not open. PostgreSQL loads slower, so
# it crawls a shorter history (the same kinds of pages, fewer records).
DEMO = {"sqlite": {"days": 95, "products": 8, "orders_per_day": 5, "end": END},
        "postgres": {"days": 40, "products": 6, "orders_per_day": 4, "end": END}}
RECORDS_PER_FORM = 3           # record pages opened per form, besides the ones links lead to
PER_KIND = 3                   # pages followed per kind of link (same path shape and query keys)
APP_PREFIX = "/apps/inventory/"
LINK = re.compile(r'\b(href|src|action|formaction|data-url|data-href)="([^"]*)"')
SKIPPED = ("/export", "/logout")
BAD_SEGMENT = re.compile(r"/(?:None|null|undefined)(?:[/?#]|$)|//")


@pytest.fixture
def demo(app, database_url):
    install_app(get_db(app), bundled_app_path("inventory"))
    backend = "postgres" if database_url.startswith("postgresql") else "sqlite"
    report = load_demo(app, "inventory", **DEMO[backend])
    assert report.loaded, report.message
    assert report.counts["stock_count"] and report.counts["stock_transfer"] and report.counts["sales_return"]
    return app


def sign_in(app, account):
    client = app.test_client()
    page = client.get("/login")
    response = client.post("/login", data={"username": account.username, "password": account.password,
                                           "csrf_token": csrf_token(page.get_data(as_text=True))})
    assert response.status_code in (302, 303), (account.username, response.status_code)
    return client


def start_pages(app, account) -> tuple[list[str], set[str]]:
    """The app home, every form list, reports, dashboards, the analysis, and a
    sample of the records of every form the user may read; and those forms."""
    service = get_record_service(app)
    with get_db(app).read() as connection:
        user = identity.find_user(connection, account.username)
        actor = identity.actor_for_user(connection, user)
        model = get_registry(app).get(connection, "inventory").model
    pages = [APP_PREFIX, APP_PREFIX + "reports/", APP_PREFIX + "dashboards/",
             APP_PREFIX + "analysis/inventory", "/notifications/"]
    pages += [f"{APP_PREFIX}reports/{report.name}" for report in model.reports]
    pages += [f"{APP_PREFIX}dashboards/{board.name}" for board in model.dashboards]
    readable = set()
    for form in model.forms:
        pages.append(f"{APP_PREFIX}{form}/")
        try:
            items = service.list("inventory", form, actor=actor, limit=RECORDS_PER_FORM, sort="-id").items
        except Forbidden:          # no read right: its list page must refuse cleanly (crawled too)
            continue
        readable.add(form)
        pages += [f"{APP_PREFIX}{form}/{item['id']}" for item in items]
    return pages, readable


def kind(url: str) -> tuple[str, tuple[str, ...]]:
    parts = urlsplit(url)
    keys = tuple(sorted(pair.split("=", 1)[0] for pair in parts.query.split("&") if pair))
    return re.sub(r"/[0-9]+", "/#", parts.path), keys


def followable(url: str) -> bool:
    parts = urlsplit(url)
    return (not parts.scheme and not parts.netloc
            and (parts.path.startswith(APP_PREFIX) or parts.path.startswith("/notifications"))
            and not any(part in parts.path for part in SKIPPED))


def crawl(client, start: list[str], who: str) -> dict[str, int]:
    """GET every start page and the same-app links found, PER_KIND per kind of
    page; the answer's status by URL. Fails on a broken page or link."""
    seen: dict[str, int] = {}
    per_kind: dict[tuple, int] = {}
    queue = list(dict.fromkeys(start))
    started = set(queue)
    problems: list[str] = []
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        response = client.get(url)
        seen[url] = response.status_code
        body = response.get_data(as_text=True)
        if response.status_code >= 500 or "Traceback" in body:
            problems.append(f"{who} {url}: {response.status_code}")
            continue
        if response.status_code != 200 or "html" not in response.content_type:
            continue
        for attribute, raw in LINK.findall(body):
            link = html.unescape(raw)
            if link.startswith("#") or link.startswith(("mailto:", "javascript:", "data:")):
                continue
            path = urlsplit(link).path if not urlsplit(link).scheme else ""
            if BAD_SEGMENT.search(path) or "=None" in urlsplit(link).query:
                problems.append(f"{who} {url}: link without an id: {link}")
                continue
            posted = attribute in ("action", "formaction")     # checked above, not followed
            if posted or not followable(link) or link in seen or link in queue:
                continue
            key = kind(link)
            if per_kind.get(key, 0) < PER_KIND or link in started:
                per_kind[key] = per_kind.get(key, 0) + 1
                queue.append(link)
    assert not problems, "\n".join(problems)
    return seen


def test_every_page_each_demo_role_can_reach_opens_without_an_error(demo):
    # One test for all roles: the demo data is loaded once per backend.
    from engine.demo import record_counts
    demo_counts = record_counts(demo, "inventory")
    for account in demo_inventory.ACCOUNTS:
        client = sign_in(demo, account)
        start, readable = start_pages(demo, account)
        statuses = crawl(client, start, account.username)
        record_pages = [url for url in start if re.fullmatch(r"/apps/inventory/[a-z_]+/[0-9]+", url)]
        assert all(statuses[url] == 200 for url in record_pages), \
            (account.username, {url: statuses[url] for url in record_pages if statuses[url] != 200})
        assert statuses[APP_PREFIX] == 200, account.username
        # every form the role reads had record pages opened: stock's show history and ledger
        opened = {url.split("/")[3] for url in record_pages}
        assert opened == {form for form in readable if demo_counts[form]}, account.username
        assert len(statuses) > len(start), account.username     # links were followed too
        # a linked record the role may not open is named, not linked (a stock
        # movement from a count, an order's customer for purchasing)
        followed = [url for url in statuses if url not in start]
        assert all(statuses[url] == 200 for url in followed), \
            (account.username, {url: statuses[url] for url in followed if statuses[url] != 200})
