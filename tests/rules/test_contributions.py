"""Contribution rules, per seed linkage, through create, edit, delete, state change
and restore: target == base + Σ contributions of the source rows true now."""
from __future__ import annotations

from decimal import Decimal

import pytest

from engine.runtime.errors import ValidationFailed


def test_shipped_sales_line_decrements_and_edits_move_by_the_difference(mini, goods):
    (p1, p2), (w1, _) = goods
    order = mini.order("sales_order", w1, [(p1, 5), (p2, 1)])
    assert mini.stock(p1, w1) == 100                       # draft: no effect
    order = mini.update("sales_order", order, status="shipped")
    assert (mini.stock(p1, w1), mini.stock(p2, w1)) == (95, 99)
    line = order["lines"][0]
    order = mini.update("sales_order", order, lines=[{"id": line["id"], "qty": 7}, order["lines"][1]])
    assert mini.stock(p1, w1) == 93                        # 5 → 7 moves by −2
    order = mini.update("sales_order", order, lines=[order["lines"][0]])
    assert mini.stock(p2, w1) == 100                       # deleted line gives its 1 back
    mini.update("sales_order", order, status="cancelled")
    assert mini.stock(p1, w1) == 100                       # cancel gives everything back


def test_deleting_a_shipped_order_gives_stock_back_and_restore_takes_it_again(mini, goods):
    (p1, _), (w1, _) = goods
    order = mini.order("sales_order", w1, [(p1, 30)], status="shipped")
    assert mini.stock(p1, w1) == 70
    mini.delete("sales_order", order)
    assert mini.stock(p1, w1) == 100
    deletion = mini.history("sales_order", order)[0]
    mini.restore("sales_order", order, deletion["id"])
    assert mini.stock(p1, w1) == 70


def test_restoring_an_earlier_state_recomputes_contributions(mini, goods):
    (p1, _), (w1, _) = goods
    order = mini.order("sales_order", w1, [(p1, 4)])
    draft_entry = mini.history("sales_order", order)[0]
    mini.update("sales_order", order, status="shipped")
    assert mini.stock(p1, w1) == 96
    mini.restore("sales_order", order, draft_entry["id"])
    assert mini.stock(p1, w1) == 100


def test_confirmed_reserves_and_shipping_releases(mini, goods):
    (p1, _), (w1, _) = goods
    order = mini.order("sales_order", w1, [(p1, 8)], status="confirmed")
    assert (mini.stock(p1, w1, "reserved"), mini.stock(p1, w1, "available")) == (8, 92)
    mini.update("sales_order", order, status="shipped")
    assert (mini.stock(p1, w1), mini.stock(p1, w1, "reserved"), mini.stock(p1, w1, "available")) == (92, 0, 92)


def test_sales_return_increments(mini, goods):
    (p1, _), (w1, _) = goods
    ret = mini.order("sales_return", w1, [(p1, 3)], status="received")
    assert mini.stock(p1, w1) == 103
    mini.update("sales_return", ret, status="cancelled")
    assert mini.stock(p1, w1) == 100


def test_purchase_order_is_incoming_until_received(mini, goods):
    (p1, _), (_, w2) = goods
    po = mini.order("purchase_order", w2, [(p1, 50)], status="ordered")
    assert (mini.stock(p1, w2, "incoming"), mini.stock(p1, w2)) == (50, 0)
    line = po["lines"][0]
    receipt = mini.create("purchase_receipt", warehouse=w2["id"], status="received",
                          lines=[{"product": p1["id"], "qty": 20, "po_line": line["id"]}])
    assert mini.get("purchase_order", po["id"])["lines"][0]["received_qty"] == 20   # rollup
    assert (mini.stock(p1, w2, "incoming"), mini.stock(p1, w2)) == (30, 20)        # cascade
    mini.update("purchase_receipt", receipt, lines=[dict(receipt["lines"][0], qty=50)])
    assert (mini.stock(p1, w2, "incoming"), mini.stock(p1, w2)) == (0, 50)
    mini.delete("purchase_receipt", receipt)
    assert (mini.stock(p1, w2, "incoming"), mini.stock(p1, w2)) == (50, 0)
    mini.update("purchase_order", po, status="cancelled")
    assert mini.stock(p1, w2, "incoming") == 0


def test_transfer_moves_between_warehouses_and_conserves_total(mini, goods):
    (p1, _), (w1, w2) = goods
    transfer = mini.create("transfer", from_warehouse=w1["id"], to_warehouse=w2["id"], status="done",
                           lines=[{"product": p1["id"], "qty": 40}])
    assert (mini.stock(p1, w1), mini.stock(p1, w2)) == (60, 40)
    transfer = mini.update("transfer", transfer, lines=[dict(transfer["lines"][0], qty=10)])
    assert (mini.stock(p1, w1), mini.stock(p1, w2)) == (90, 10)
    with pytest.raises(ValidationFailed):       # reversed, it would take 10 from W2's own 0
        mini.update("transfer", transfer, to_warehouse=w1["id"], from_warehouse=w2["id"])
    assert (mini.stock(p1, w1), mini.stock(p1, w2)) == (90, 10)
    mini.update("transfer", transfer, status="cancelled")
    assert (mini.stock(p1, w1), mini.stock(p1, w2)) == (100, 0)


def test_stock_count_adjusts_by_the_difference(mini, goods):
    (p1, p2), (w1, _) = goods
    mini.order("sales_order", w1, [(p1, 10)], status="shipped")
    count = mini.create("stock_count", warehouse=w1["id"], lines=[
        {"product": p1["id"], "counted_qty": 87}, {"product": p2["id"], "counted_qty": 100}])
    assert [row["system_qty"] for row in count["lines"]] == [90, 100]
    assert [row["difference"] for row in count["lines"]] == [-3, 0]
    mini.update("stock_count", count, status="approved")
    assert (mini.stock(p1, w1), mini.stock(p2, w1)) == (87, 100)


def test_oversell_is_refused_with_the_check_message_and_writes_nothing(mini, goods):
    (p1, _), (w1, _) = goods
    with pytest.raises(ValidationFailed) as refused:
        mini.order("sales_order", w1, [(p1, 101)], status="shipped")
    assert [d.message for d in refused.value.details] == ["Insufficient stock"]
    # The rule is named by a readable form of its name (it has no label).
    assert refused.value.message == ("Insufficient stock (stock; caused by the rule "
                                     "“Shipped sales line decrements stock”)")
    assert mini.all("sales_order") == [] and mini.stock(p1, w1) == 100


def test_negative_stock_allowed_where_the_warehouse_says_so(mini, goods):
    (p1, _), (_, w2) = goods
    mini.update("warehouse", w2, allow_negative=True)
    mini.order("sales_order", w2, [(p1, 5)], status="shipped")
    assert mini.stock(p1, w2) == -5


def test_rule_targets_are_read_only_to_users(mini, goods):
    from engine.runtime.errors import Forbidden
    (p1, _), (w1, _) = goods
    stock = mini.all("stock")[0]
    with pytest.raises(Forbidden) as refused:
        mini.update("stock", stock, on_hand=5)
    assert "on_hand" in str(refused.value)


def test_match_without_target_and_without_create_missing_names_rule_and_row(mini, goods):
    (p1, _), (w1, _) = goods
    with pytest.raises(ValidationFailed) as refused:
        mini.create("purchase_receipt", warehouse=w1["id"], status="received",
                    lines=[{"product": p1["id"], "qty": 1, "po_line": 999999}])
    message = str(refused.value)
    assert "received_line_fills_po_line" in message and "lines[0]" in message and "id=999999" in message


def test_ledger_is_the_movement_history(mini, goods, app):
    from engine.runtime import ledger
    from engine.db import get_db
    (p1, _), (w1, _) = goods
    order = mini.order("sales_order", w1, [(p1, 5)], status="shipped")
    mini.update("sales_order", order, status="cancelled")
    stock = [s for s in mini.all("stock") if s["product"] == p1["id"] and s["warehouse"] == w1["id"]][0]
    with get_db(app).read() as connection:
        moves = ledger.target_movements(connection, "mini", [("stock", stock["id"])])
    assert [(m["rule"], m["delta"]) for m in moves] == [
        ("shipped_sales_line_decrements_stock", Decimal(5)),
        ("shipped_sales_line_decrements_stock", Decimal(-5)),
        ("received_line_adds_on_hand", Decimal(100))]


def test_lookup_and_count_of_read_inside_the_write(mini, goods):
    from engine.runtime.actor import SYSTEM
    (p1, _), (w1, _) = goods
    with mini.service.unit_of_work("mini", SYSTEM) as session:
        assert session.lookup("stock", "on_hand", product=p1["id"], warehouse=w1["id"]) == 100
        assert session.count_of("stock", warehouse=w1["id"]) == 2
        assert session.count_of("purchase_request", product=p1["id"], status="open") == 0


def test_a_match_finding_several_targets_names_the_rule_and_the_source_row(app):
    from engine.db import get_db
    from engine.runtime.actor import SYSTEM
    from engine.runtime.records.service import get_record_service
    from engine.storage.install import install_app
    install_app(get_db(app), {"app": "tally", "version": "1", "forms": [
        {"name": "bucket", "fields": [{"name": "key", "type": "text"},
                                      {"name": "total", "type": "integer", "default": 0}]},
        {"name": "entry", "fields": [{"name": "key", "type": "text"}, {"name": "amount", "type": "integer"}]}],
        "rules": [{"name": "entries_fill_buckets", "source": "entry", "target": "bucket",
                   "match": {"key": "key"}, "adjust": {"total": "amount"}}]})
    service = get_record_service(app)
    for _ in range(2):
        service.create("tally", "bucket", {"key": "a"}, actor=SYSTEM)
    with pytest.raises(ValidationFailed) as refused:
        service.create("tally", "entry", {"key": "a", "amount": 5}, actor=SYSTEM)
    message = str(refused.value)
    assert "entries_fill_buckets" in message and "several bucket records match key=a" in message
    assert "for entry" in message
    assert service.list("tally", "entry", actor=SYSTEM).items == []
