"""Check messages a clerk can read and warnings that ask first (DESIGN §7.1),
through the REST API, on a small app: bins of items, and requests that are
received into a bin (adds stock), held (holds stock: a warning when more than
is free) or taken (takes stock: an error below zero)."""
from __future__ import annotations

import io
import time
from pathlib import Path

import pytest

from engine.db import get_db
from engine.runtime import identity
from engine.storage.install import install_app
from tests.api.conftest import ApiClient

APP = Path(__file__).with_name("checks_app.json")
REQUESTS = "/apps/chk/forms/request/records"
BINS = "/apps/chk/forms/bin/records"
SCREEN_IMPORT = "/apps/chk/request/import"


class Desk:
    def __init__(self, client, token, language=None):
        self.api = ApiClient(client, token)
        self.headers = {"Accept-Language": language} if language else {}

    def request(self, number, qty, status="draft", confirm=None, bin_id=None):
        body = {"number": number, "bin": bin_id or self.bin_id, "qty": qty, "status": status}
        if confirm is not None:
            body["confirm"] = confirm
        return self.api.post(REQUESTS, json=body, headers=self.headers)

    def change(self, record, confirm=None, **values):
        if confirm is not None:
            values["confirm"] = confirm
        return self.api.patch(f"{REQUESTS}/{record['id']}", json=values, headers=self.headers)

    def bin(self):
        return self.api.get(f"{BINS}/{self.bin_id}").get_json()

    def requests(self):
        return self.api.get(REQUESTS).get_json()["items"]


def _token(app, name, *, admin=False, language=None):
    with get_db(app).transaction() as connection:
        identity.create_user(connection, name, "password-" + name, is_admin=admin,
                             roles=[("chk", "clerk")], language=language)
        return identity.create_token(connection, name)


@pytest.fixture
def desks(app, client):
    """admin (no language of their own) and a clerk who reads Chinese; bin A-1
    holds 10.5 pieces of Bolt."""
    install_app(get_db(app), APP)
    admin = Desk(client, _token(app, "admin", admin=True))
    item = admin.api.post("/apps/chk/forms/item/records", json={"name": "Bolt"}).get_json()
    admin.bin_id = admin.api.post(BINS, json={"code": "A-1", "item": item["id"]}).get_json()["id"]
    assert admin.request("R1", "10.5", "received").status_code == 201
    clerk = Desk(client, _token(app, "clerk", language="zh"))
    clerk.bin_id = admin.bin_id
    return admin, clerk


def _error(response, status=422):
    assert response.status_code == status, response.get_json()
    return response.get_json()["error"]


def test_a_failed_check_fills_its_placeholders_and_names_record_and_rule(desks):
    admin, _ = desks
    error = _error(admin.request("R2", 12, "taken"))
    assert error["code"] == "validation_failed"
    # {item} is the linked item's title; 10.500 and -1.500 lose their trailing zeros.
    assert error["details"] == [{
        "field": None, "message": "Bolt is short in A-1: had 10.5, now -1.5", "level": "error",
        "record": {"form": "bin", "id": admin.bin_id, "title": "A-1"},
        "rules": ["Taken requests take stock"]}]             # no label: the name made readable
    assert error["message"] == ("Bolt is short in A-1: had 10.5, now -1.5 "
                                "(Bin A-1; caused by the rule “Taken requests take stock”)")
    assert [r["number"] for r in admin.requests()] == ["R1"]        # nothing written
    assert admin.bin()["qty"] == 10.5


def test_the_rule_named_is_the_one_that_moved_what_the_check_reads(desks):
    """Taking a held request moves the bin by two rules at once: the hold is
    released (held −20) and the stock goes out (qty −20). Only the second made
    qty negative; the cause of the write lists the hold rule first."""
    admin, _ = desks
    held = admin.request("R2", 20, "held", confirm=True)
    assert held.status_code == 201, held.get_json()
    error = _error(admin.change(held.get_json(), status="taken"))
    assert error["details"][0]["rules"] == ["Taken requests take stock"]
    assert error["details"][0]["message"] == "Bolt is short in A-1: had 10.5, now -9.5"
    assert "Held requests hold stock" not in error["message"]
    assert "taken_requests_take_stock" not in error["message"] and f"bin {admin.bin_id}" not in error["message"]


def test_messages_follow_the_users_language_else_accept_language(desks, client):
    admin, clerk = desks
    zh = "A-1 的 Bolt 不足：原有 10.5，现为 -1.5"
    error = _error(clerk.request("R2", 12, "taken"))                     # the clerk's own setting
    assert error["details"][0]["message"] == zh
    assert error["message"] == f"{zh}（货位 A-1；由规则“Taken requests take stock”引起）"
    admin.headers = {"Accept-Language": "zh-CN,zh;q=0.9"}               # no setting: the header
    assert _error(admin.request("R2", 12, "taken"))["details"][0]["message"] == zh
    admin.headers = {"Accept-Language": "en-GB"}
    assert _error(admin.request("R2", 12, "taken"))["details"][0]["message"].startswith("Bolt is short")


def test_a_warning_asks_for_confirmation_and_writes_nothing_until_confirmed(desks):
    admin, clerk = desks
    error = _error(admin.request("R2", 20, "held"))
    assert error["code"] == "confirmation_required"
    assert error["details"] == [{
        "field": None, "message": "Only 10.5 pieces of Bolt free in A-1, 20 asked for", "level": "warning",
        "record": {"form": "bin", "id": admin.bin_id, "title": "A-1"}, "rules": ["Held requests hold stock"]}]
    assert error["message"].startswith("Please confirm: Only 10.5 pieces")
    assert [r["number"] for r in admin.requests()] == ["R1"]
    assert (admin.bin()["held"], admin.bin()["free"]) == (0, 10.5)
    zh = _error(clerk.request("R2", 20, "held"))
    assert zh["details"][0]["message"] == "A-1 的 Bolt 只有 10.5 个 可用，要求 20"
    assert zh["message"].startswith("请确认：")

    confirmed = admin.request("R2", 20, "held", confirm=True)
    assert confirmed.status_code == 201, confirmed.get_json()
    assert "confirm" not in confirmed.get_json()
    assert (admin.bin()["held"], admin.bin()["free"]) == (20, -9.5)
    # Not moved further by this write: no new warning (the check compares with previous).
    assert admin.change(confirmed.get_json(), number="R2b").status_code == 200


def test_one_confirm_covers_every_warning_of_the_transaction(desks):
    admin, _ = desks
    error = _error(admin.request("R2", 150, "held"))       # the request's own warning and the bin's
    assert error["code"] == "confirmation_required"
    assert sorted(d["message"] for d in error["details"]) == [
        "150 is a lot for A-1", "Only 10.5 pieces of Bolt free in A-1, 150 asked for"]
    assert {d["record"]["form"] for d in error["details"]} == {"request", "bin"}
    assert admin.request("R2", 150, "held", confirm=True).status_code == 201
    assert admin.bin()["held"] == 150


def test_an_error_wins_over_warnings(desks):
    admin, _ = desks
    for confirm in (None, True):
        error = _error(admin.request("R2", 150, "taken", confirm=confirm))   # a warning and an error
        assert error["code"] == "validation_failed"
        assert [d["level"] for d in error["details"]] == ["error"]
        assert error["details"][0]["message"] == "Bolt is short in A-1: had 10.5, now -139.5"
    assert [r["number"] for r in admin.requests()] == ["R1"]


def test_confirm_must_be_a_boolean_and_false_asks(desks):
    admin, _ = desks
    error = _error(admin.request("R2", 150, confirm="yes"), 400)
    assert error["details"] == [{"field": "confirm", "message": "expected true or false"}]
    assert _error(admin.request("R2", 150, confirm=False))["code"] == "confirmation_required"


def test_transitions_deletes_and_updates_take_confirm_in_the_body(desks):
    admin, _ = desks
    draft = admin.request("R2", 30).get_json()
    assert _error(admin.change(draft, status="held"))["code"] == "confirmation_required"
    held = admin.change(draft, status="held", confirm=True)
    assert held.status_code == 200 and held.get_json()["status"] == "held"
    released = admin.api.delete(f"{REQUESTS}/{draft['id']}", json={"confirm": True})
    assert released.status_code == 204 and admin.bin()["held"] == 0


# --------------------------------------------------------------------- import
def _import(admin, rows, **params):
    body = "number,bin,qty\n" + "".join(f"{n},A-1,{q}\n" for n, q in rows)
    data = {"file": (io.BytesIO(body.encode()), "requests.csv"), **params}
    return admin.api.post(REQUESTS + "/import", data=data, content_type="multipart/form-data")


def test_import_reports_warning_rows_unless_confirmed(desks):
    admin, _ = desks
    refused = _import(admin, [("R10", 150), ("R11", 5)])
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == [
        {"row": 2, "column": None, "message": "150 is a lot for A-1 (Request R10)", "warning": True}]
    assert [r["number"] for r in admin.requests()] == ["R1"]

    skipped = _import(admin, [("R10", 150), ("R11", 5)], mode="skip")
    assert skipped.status_code == 200 and skipped.get_json()["created"] == 1
    assert [e["row"] for e in skipped.get_json()["errors"]] == [2]

    confirmed = _import(admin, [("R12", 150), ("R13", 6)], confirm="1")
    assert confirmed.status_code == 200, confirmed.get_json()
    assert confirmed.get_json()["created"] == 2 and confirmed.get_json()["errors"] == []
    assert sorted(r["number"] for r in admin.requests()) == ["R1", "R11", "R12", "R13"]


def _screen_run(browser, response) -> str:
    """The import screen's run id once its worker thread is done."""
    assert response.status_code == 303, response.get_data(as_text=True)[:400]
    run = response.headers["Location"].rsplit("/", 1)[1]
    deadline = time.monotonic() + 60
    while browser.get(f"{SCREEN_IMPORT}/{run}/status").get_json()["status"] not in ("done", "failed"):
        assert time.monotonic() < deadline, "the import did not finish in 60 s"
        time.sleep(0.1)
    return run


def test_the_import_screen_marks_warning_rows_and_imports_them_when_confirmed(desks, app, monkeypatch):
    from tests.screens.conftest import PASSWORD, sign_in
    monkeypatch.setattr(identity, "PASSWORD_METHOD", "pbkdf2:sha256:1000")
    with get_db(app).transaction() as connection:
        identity.create_user(connection, "clara", PASSWORD, roles=[("chk", "clerk")])
    browser = sign_in(app.test_client(), app, "clara")
    app.config["WTF_CSRF_ENABLED"] = False
    run = _screen_run(browser, browser.post(SCREEN_IMPORT, content_type="multipart/form-data", data={
        "file": (io.BytesIO(b"number,bin,qty\nR10,A-1,150\nR11,A-1,5\n"), "requests.csv")}))
    page = browser.get(f"{SCREEN_IMPORT}/{run}").get_data(as_text=True)
    assert "150 is a lot for A-1 (Request R10)" in page and ">Warning</span>" in page
    assert 'name="confirm" id="ld-import-confirm" value="1"' in page
    assert 'value="all" checked' in page                         # warnings alone do not force skipping
    _screen_run(browser, browser.post(f"{SCREEN_IMPORT}/{run}", data={"mode": "all", "confirm": "1"}))
    assert sorted(r["number"] for r in desks[0].requests()) == ["R1", "R10", "R11"]
