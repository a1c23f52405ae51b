"""Confirming a sales order beyond available stock asks first (issue 16, item 9):
500 bolts with 69 available once drove `available` to −431 and turned the typo
into a purchase request without a word. The warning is a check of the stock
record, a rule target of the transition."""
from __future__ import annotations


def _order_of_500_with_69_available(office):
    office.receive(office.main, (office.bolt, 69))
    return office.sales_order((office.bolt, 500))


def test_confirming_beyond_available_stock_asks_and_changes_nothing(office):
    order = _order_of_500_with_69_available(office)
    history = office.admin.read("sales_order", order, "/history").get_json()["items"]
    asked = office.sales.take("sales_order", order, "confirm")
    assert asked.status_code == 422
    error = asked.get_json()["error"]
    assert error["code"] == "confirmation_required"
    assert [d["message"] for d in error["details"]] == [
        "可用库存不足：螺栓 在 上海仓 可用 69 个，本次预留 500 个，确认后可用库存将为 -431 个"]
    assert error["details"][0]["rules"] == ["已确认的销售明细预留库存"]
    assert error["details"][0]["level"] == "warning"
    assert error["message"].startswith("请确认：可用库存不足：螺栓 在 上海仓")
    assert office.sales.read("sales_order", order).get_json()["status"] == "draft"
    assert office.levels(office.bolt, office.main) == (69, 0, 69, 0)
    assert office.admin.find("purchase_request") == []
    assert office.admin.read("sales_order", order, "/history").get_json()["items"] == history


def test_confirming_with_confirm_goes_ahead(office):
    order = _order_of_500_with_69_available(office)
    confirmed = office.sales.move("sales_order", order, "confirm", confirm=True)
    assert confirmed["status"] == "confirmed"
    assert office.levels(office.bolt, office.main) == (69, 500, -431, 0)
    requests = office.admin.find("purchase_request")           # what the user accepted
    assert [(r["product"], r["status"]) for r in requests] == [(office.bolt["id"], "open")]


def test_the_warning_speaks_the_callers_language(office):
    office.receive(office.main, (office.bolt, 69))
    order = office.sales_order((office.bolt, 500), desk=office.sales2)     # sales2 has no language set
    url = office.sales2.url("sales_order", order, "/transitions/confirm")
    for language, start in (("en", "Not enough available stock: 螺栓 in 上海仓 has 69 available, 500 asked for"),
                            ("zh-CN", "可用库存不足：螺栓 在 上海仓 可用 69 个")):
        response = office.sales2.api.post(url, json={}, headers={"Accept-Language": language})
        assert response.get_json()["error"]["details"][0]["message"].startswith(start)


def test_within_available_stock_no_question_is_asked(office):
    office.receive(office.main, (office.bolt, 69))
    order = office.sales_order((office.bolt, 69))
    assert office.sales.take("sales_order", order, "confirm").status_code == 200
    assert office.levels(office.bolt, office.main) == (69, 69, 0, 0)
