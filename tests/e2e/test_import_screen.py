"""Importing a spreadsheet in the browser: the check shows its progress and then
the mapping and the problems; importing skips the bad row; the list has the rest."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

ROWS = 1500


def test_check_then_import_with_progress(page, live, tmp_path):
    live.app.config["IMPORT_WAIT_SECONDS"] = 0          # always land on the progress bar first
    lines = ["商品编码,名称,Unit price"] + [f"IMP{i:04d},Imported {i},{i % 50 + 1}" for i in range(ROWS)]
    lines[10] = "IMP0009,Bad price,-1"                   # row 11: negative price
    upload = tmp_path / "products.csv"
    upload.write_text("\n".join(lines) + "\n", encoding="utf-8")

    sign_in(page, live, "mia")
    page.goto(f"{live.url}/apps/orders/product/")
    page.click("[data-testid=import-records]")
    page.set_input_files("#ld-import-file", str(upload))
    page.click("[data-testid=import-preview]")
    expect(page.locator("[data-testid=import-progress]")).to_be_visible()
    summary = page.locator("[data-testid=import-summary]")
    expect(summary).to_contain_text("1499 records would be created", timeout=60_000)
    expect(page.locator("[data-testid=import-errors] tr[data-row='11']")).to_contain_text("Unit price")
    expect(page.locator("[data-testid=import-mapping] tr[data-status=mapped]")).to_have_count(3)
    expect(page.locator("#ld-mode-all")).to_be_disabled()

    page.click("[data-testid=import-now]")               # skip mode is the one offered
    expect(summary).to_contain_text("Imported: 1499 records created", timeout=60_000)
    page.click("text=Open the list")
    page.fill("#ld-q", "IMP0042")
    page.press("#ld-q", "Enter")
    expect(page.locator("main table tbody tr")).to_have_count(1)
    expect(page.locator("main table tbody")).to_contain_text("Imported 42")
