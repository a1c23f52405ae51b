"""Event rules (notify, create, reject, webhook), cascades, `verify`, the ledger API."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, update

from engine.cli import main
from engine.db import get_db
from engine.runtime.errors import ValidationFailed
from engine.runtime.notifications import notifications
from engine.runtime.outbox import outbox
from engine.storage.install import InstallError, install_app
from tests.api.conftest import ApiClient, make_user


def count(app, table, **where):
    with get_db(app).read() as connection:
        query = select(func.count()).select_from(table)
        for key, value in where.items():
            query = query.where(table.c[key] == value)
        return connection.execute(query).scalar()


def test_low_stock_notifies_purchasing_and_creates_one_request_per_crossing(app, mini, goods):
    make_user(app, "buyer", roles=[("mini", "purchasing")])
    make_user(app, "seller", roles=[("mini", "sales")])
    (p1, _), (w1, _) = goods
    mini.order("sales_order", w1, [(p1, 85)], status="shipped")      # 15 left: above min 10
    assert mini.all("purchase_request") == []
    mini.order("sales_order", w1, [(p1, 6)], status="shipped")       # 9 left: crosses below 10
    requests = mini.all("purchase_request")
    assert len(requests) == 1 and requests[0]["qty"] == 191          # up to max_stock 200
    assert count(app, notifications) == 1                            # purchasing only
    mini.order("sales_order", w1, [(p1, 1)], status="shipped")       # still below: no new crossing
    assert len(mini.all("purchase_request")) == 1 and count(app, notifications) == 1
    with get_db(app).read() as connection:
        message = connection.execute(select(notifications.c.message)).scalar()
    assert message == {"en": "Product 1 is low: 9.000", "zh": "Product 1 库存不足：9.000"}


def test_webhook_outbox_row_is_written_with_the_change_and_not_on_rollback(app, mini, goods):
    (p1, _), (w1, _) = goods
    before = count(app, outbox)
    mini.order("sales_order", w1, [(p1, 1)], status="shipped")
    assert count(app, outbox) == before + 1
    with get_db(app).read() as connection:
        payload = connection.execute(select(outbox.c.payload).order_by(outbox.c.id.desc())).scalar()
    assert payload["record"]["on_hand"] == 99.0 and payload["previous"]["on_hand"] == 100.0
    with pytest.raises(ValidationFailed):
        mini.order("sales_order", w1, [(p1, 500)], status="shipped")
    assert count(app, outbox) == before + 1


def test_reject_action_refuses_with_its_message(mini, goods):
    (p1, _), (w1, _) = goods
    with pytest.raises(ValidationFailed) as refused:
        mini.order("sales_order", w1, [(p1, 1)] * 21)
    assert refused.value.message == "At most 20 lines per order"
    assert mini.all("sales_order") == []


def test_a_rule_loop_is_refused_when_installing_naming_the_cycle(app):
    definition = {"app": "loop", "version": "1", "forms": [{"name": "node", "fields": [
        {"name": "label", "type": "text"}]}], "rules": [
        {"name": "spawn", "source": "node", "on": ["created"],
         "actions": [{"create": "node", "values": {"label": "'again'"}}]}]}
    with pytest.raises(InstallError) as refused:
        install_app(get_db(app), definition)
    assert "rules[0]: rule cycle: node → node" in str(refused.value)


def test_the_runtime_cascade_guard_names_the_chain(app, mini):
    from engine.runtime.actor import SYSTEM, Cause
    from engine.runtime.records.service import get_record_service
    service = get_record_service(app)
    with pytest.raises(ValidationFailed) as refused:
        with service.unit_of_work("mini", SYSTEM) as session:
            chain = " → ".join(f"r{i}" for i in range(12))
            with session.cascade(Cause("rule", chain)):
                pass
    assert "deeper than 8: r0 → r1" in refused.value.message


def test_verify_is_clean_then_finds_a_tampered_target(app, mini, goods, cli_env):
    (p1, _), (w1, _) = goods
    mini.order("sales_order", w1, [(p1, 5)], status="shipped")
    result = CliRunner().invoke(main, ["verify", "mini"], env=cli_env)
    assert result.exit_code == 0 and result.output.strip() == "mini: OK"
    stock = mini.load = get_db(app)
    with stock.transaction() as connection:
        from engine.runtime.registry import get_registry
        table = get_registry(app).get(connection, "mini").tables.form("stock")
        connection.execute(update(table).values(on_hand=table.c.on_hand + 1))
    result = CliRunner().invoke(main, ["verify"], env=cli_env)
    assert result.exit_code == 1
    assert "target: stock" in result.output and "expected 95.000" in result.output.replace("95.000000000", "95.000")


def test_ledger_endpoint_and_cli_show_movements_with_causes(app, mini, goods, client, cli_env):
    (p1, _), (w1, _) = goods
    order = mini.order("sales_order", w1, [(p1, 5)], status="shipped")
    stock = [s for s in mini.all("stock") if s["product"] == p1["id"] and s["warehouse"] == w1["id"]][0]
    api = ApiClient(client, make_user(app, "admin", admin=True))
    response = api.get(f"/apps/mini/forms/stock/records/{stock['id']}/ledger")
    assert response.status_code == 200, response.get_json()
    items = response.get_json()["items"]
    assert [(m["rule"], m["delta"], m["source"]["form"]) for m in items] == [
        ("shipped_sales_line_decrements_stock", -5.0, "sales_order"),
        ("received_line_adds_on_hand", 100.0, "purchase_receipt")]
    assert items[0]["source"]["id"] == order["id"] and items[0]["cause"]["kind"] == "rule"
    assert api.get("/apps/mini/forms/stock/records/999999/ledger").status_code == 404
    result = CliRunner().invoke(main, ["ledger", "mini", "stock", str(stock["id"])], env=cli_env)
    assert result.exit_code == 0 and "shipped_sales_line_decrements_stock" in result.output


def test_history_of_a_target_names_the_rule(mini, goods):
    (p1, _), (w1, _) = goods
    mini.order("sales_order", w1, [(p1, 5)], status="shipped")
    stock = [s for s in mini.all("stock") if s["product"] == p1["id"] and s["warehouse"] == w1["id"]][0]
    latest = mini.history("stock", stock)[0]
    assert latest["cause"] == {"kind": "rule", "detail": "shipped_sales_line_decrements_stock"}
    assert latest["changes"]["fields"]["on_hand"] == [100.0, 95.0]
    assert latest["actor"]["username"] == "system"
