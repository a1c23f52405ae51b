"""Security headers (DESIGN §7.1): every HTML answer carries a CSP without
inline script or style, nosniff, X-Frame-Options DENY and a Referrer-Policy;
the designer's preview (framed by the designer on the same site) is the one
page that may be framed, by this site only. JSON answers get nosniff too."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.resources import resource_dir
from tests.screens.conftest import record_id_from, order_data


def directives(response) -> dict[str, set[str]]:
    policy = response.headers.get("Content-Security-Policy", "")
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = set(values)
    return parsed


def assert_locked_down(response, *, framed_by_self=False):
    csp = directives(response)
    assert csp["default-src"] == {"'self'"}
    assert csp["object-src"] == {"'none'"}
    assert csp["frame-ancestors"] == ({"'self'"} if framed_by_self else {"'none'"})
    for kind in ("script-src", "style-src"):             # nothing inline, nothing eval'd
        assert csp.get(kind, csp["default-src"]) == {"'self'"}, kind
    assert response.headers["X-Frame-Options"] == ("SAMEORIGIN" if framed_by_self else "DENY")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin", "no-referrer")


def assert_no_inline_code(html: str):
    """What the policy would refuse: inline scripts, handlers, javascript: URLs, style attributes."""
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert not re.search(r"<style\b", html), "<style> element"
    assert not re.search(r"\sstyle\s*=", html), "style attribute"
    assert not re.search(r"<[a-z][^>]*\son[a-z]+\s*=", html), "inline event handler"
    assert "javascript:" not in html


@pytest.fixture
def order(orders_app, admin_client, master):
    from tests.screens.conftest import seed_stock
    seed_stock(orders_app, master)
    response = admin_client.post("/apps/orders/sales_order/new", data=order_data(master, [(0, 2)]))
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:400]
    return record_id_from(response)


def test_the_login_page_and_its_failures(orders_app, client):
    page = client.get("/login")
    assert page.status_code == 200
    assert_locked_down(page)
    assert_no_inline_code(page.get_data(as_text=True))
    refused = client.post("/login", data={"username": "x", "password": "y"})    # no CSRF token
    assert refused.status_code == 400
    assert_locked_down(refused)


@pytest.mark.parametrize("path", [
    "/apps/orders/", "/apps/orders/sales_order/", "/apps/orders/sales_order/new",
    "/apps/orders/sales_order/{order}", "/apps/orders/customer/import", "/apps/orders/reports/",
    "/notifications/", "/admin/webhooks", "/designer/", "/designer/apps/orders/",
    "/designer/apps/orders/forms/0", "/designer/apps/orders/forms/1/workflow",
])
def test_every_kind_of_page(admin_client, order, path):
    response = admin_client.get(path.format(order=order), headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 200, path
    assert response.mimetype == "text/html"
    assert_locked_down(response)
    assert_no_inline_code(response.get_data(as_text=True))


def test_error_pages(admin_client, client_for):
    missing = admin_client.get("/apps/orders/sales_order/999999")
    unrouted = admin_client.get("/no/such/page")
    forbidden = client_for("wendy").get("/apps/orders/customer/new")
    assert (missing.status_code, unrouted.status_code, forbidden.status_code) == (404, 404, 403)
    for response in (missing, unrouted, forbidden):
        assert_locked_down(response)
        assert_no_inline_code(response.get_data(as_text=True))


def test_only_the_designer_preview_may_be_framed_and_only_by_this_site(admin_client):
    preview = admin_client.get("/designer/apps/orders/forms/0/preview")
    assert preview.status_code == 200 and 'data-testid="preview-body"' in preview.get_data(as_text=True)
    assert_locked_down(preview, framed_by_self=True)
    assert_no_inline_code(preview.get_data(as_text=True))
    editor = admin_client.get("/designer/apps/orders/forms/0")           # the page that frames it
    assert_locked_down(editor)
    assert "frame-src" not in directives(editor) or directives(editor)["frame-src"] == {"'self'"}
    recalculated = admin_client.post("/designer/apps/orders/forms/0/preview", data={})
    assert recalculated.is_json and recalculated.headers["X-Frame-Options"] == "DENY"


def test_json_csv_and_static_answers_are_not_sniffed(admin_client, order):
    api = admin_client.get("/api/v1/apps/orders/forms/sales_order/records")
    unauthorized = admin_client.application.test_client().get("/api/v1/apps")
    export = admin_client.get("/api/v1/apps/orders/forms/sales_order/records/export?format=csv")
    script = admin_client.get("/static/liandong.js")
    for response in (api, unauthorized, export, script):
        assert response.status_code in (200, 401)
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert unauthorized.status_code == 401 and unauthorized.get_json()["error"]["code"] == "unauthorized"


def test_no_template_or_script_needs_inline_code():
    """The templates themselves: a page only sampled above must not hide an
    inline script, handler or style attribute either."""
    root = resource_dir("templates")
    for template in Path(root).rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        try:
            assert_no_inline_code(text)
        except AssertionError as error:
            raise AssertionError(f"{template.relative_to(root)}: {error}") from None
    static = Path(__file__).resolve().parents[2] / "engine" / "static"
    for script in static.glob("*.js"):
        text = script.read_text(encoding="utf-8")
        assert not re.search(r"setAttribute\(\s*[\"']style|\beval\(|new Function\(|\.cssText", text), script.name
