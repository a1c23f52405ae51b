"""Dashboards with server-drawn SVG charts under the CSP (DESIGN §7.1): the
headers are there and the charts need no inline style (`style-src 'self'`)."""
from __future__ import annotations

from tests.screens.test_security_headers import assert_locked_down, assert_no_inline_code


def test_dashboards_with_charts_carry_the_headers_and_no_inline_style(browser, store):
    client = browser("boss")
    for path in ("/apps/inventory/dashboards/", "/apps/inventory/dashboards/manager",
                 "/apps/inventory/reports/"):
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert_locked_down(response)
        assert_no_inline_code(html)
    manager = client.get("/apps/inventory/dashboards/manager").get_data(as_text=True)
    assert manager.count('class="ld-chart ') >= 2            # real charts were drawn
