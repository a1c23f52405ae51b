"""Workflow transitions through the REST API: roles, states, conditions,
assignee, self-approval, required fields, comments, locked states, and the
linkage that follows a state change."""
from __future__ import annotations

from sqlalchemy import func, select

from engine.db import get_db
from engine.runtime.notifications import notifications
from tests.workflow.conftest import order_body


def take(client, desk, order, name, **body):
    return client.post(desk.url("sales_order", order["id"], f"/transitions/{name}"), json=body)


def names(record):
    return [t["name"] for t in record["available_transitions"]]


def test_roles_states_and_conditions(desk):
    sales, store = desk.user("sam", "sales"), desk.user("wally", "warehouse")
    order = sales.post(desk.url("sales_order"), json=order_body(desk)).get_json()
    assert order["status"] == "draft" and names(order) == ["submit"]
    assert store.get(desk.url("sales_order", order["id"])).get_json()["available_transitions"] == []
    refused = take(store, desk, order, "submit")
    assert refused.status_code == 403 and "only sales may submit" in refused.get_json()["error"]["message"]
    assert take(sales, desk, order, "ship").status_code == 403
    assert take(sales, desk, order, "fly").status_code == 404
    empty = sales.post(desk.url("sales_order"), json={"warehouse": desk.warehouse["id"], "lines": []}).get_json()
    condition = take(sales, desk, empty, "submit")
    assert condition.status_code == 422 and "total > 0" in condition.get_json()["error"]["message"]
    submitted = take(sales, desk, order, "submit")
    assert submitted.status_code == 200 and submitted.get_json()["status"] == "submitted"
    again = take(sales, desk, order, "submit")
    assert again.status_code == 422 and "state 'submitted'" in again.get_json()["error"]["message"]


def test_multi_level_approval_by_condition(desk):
    sales, manager, director = desk.user("sam", "sales"), desk.user("max", "manager"), desk.user("dora", "director")
    small = sales.post(desk.url("sales_order"), json=order_body(desk, qty=2)).get_json()
    big = sales.post(desk.url("sales_order"), json=order_body(desk, qty=200)).get_json()   # 20,000
    for order in (small, big):
        assert take(sales, desk, order, "submit").status_code == 200
    assert names(manager.get(desk.url("sales_order", big["id"])).get_json()) == ["cancel"]
    assert take(manager, desk, big, "approve").status_code == 422
    assert take(director, desk, big, "approve_big").status_code == 200
    assert take(director, desk, small, "approve_big").status_code == 422
    assert take(manager, desk, small, "approve").status_code == 200


def test_creator_may_submit_but_not_approve_their_own_order(desk):
    both, other = desk.user("bea", "sales", "manager"), desk.user("max", "manager")
    order = both.post(desk.url("sales_order"), json=order_body(desk)).get_json()
    assert take(both, desk, order, "submit").status_code == 200
    own = take(both, desk, order, "approve")
    assert own.status_code == 403 and "creator" in own.get_json()["error"]["message"]
    assert take(other, desk, order, "approve").status_code == 200


def test_the_assignee_may_act_without_the_role(desk, app):
    sales = desk.user("sam", "sales")
    helper = desk.user("hal")
    with get_db(app).read() as connection:
        from engine.storage.system import users
        hal_id = connection.execute(select(users.c.id).where(users.c.username == "hal")).scalar()
    order = sales.post(desk.url("sales_order"), json=dict(order_body(desk), assignee=hal_id)).get_json()
    assert take(helper, desk, order, "submit").status_code == 200


def test_ship_needs_its_required_field_and_notifies(desk, app):
    manager, store = desk.user("max", "manager"), desk.user("wally", "warehouse")
    order = desk.admin.post(desk.url("sales_order"), json=order_body(desk, qty=3)).get_json()
    for step in ("submit", "approve"):
        assert take(desk.admin, desk, order, step).status_code == 200
    missing = take(store, desk, order, "ship")
    assert missing.status_code == 422
    assert "tracking_no" in [d["field"] for d in missing.get_json()["error"]["details"]]
    assert desk.stock(desk.product["id"]) == 10.0
    shipped = take(store, desk, order, "ship", tracking_no="SF123")
    assert shipped.status_code == 200, shipped.get_json()
    assert shipped.get_json()["tracking_no"] == "SF123" and desk.stock(desk.product["id"]) == 7.0
    with get_db(app).read() as connection:
        messages = connection.execute(select(notifications.c.message)).scalars().all()
    assert messages == [{"en": f"Order {order['id']} shipped (SF123)"}]
    del manager


def test_locked_records_refuse_edits_deletes_and_restores(desk):
    order = desk.admin.post(desk.url("sales_order"), json=order_body(desk)).get_json()
    created_entry = desk.admin.get(desk.url("sales_order", order["id"], "/history")).get_json()["items"][0]
    for step, extra in (("submit", {}), ("approve", {}), ("ship", {"tracking_no": "X"})):
        assert take(desk.admin, desk, order, step, **extra).status_code == 200
    url = desk.url("sales_order", order["id"])
    edit = desk.admin.patch(url, json={"tracking_no": "Y"})
    assert edit.status_code == 422 and "locked in state 'shipped'" in edit.get_json()["error"]["message"]
    assert desk.admin.delete(url).status_code == 422
    assert desk.admin.post(url + "/restore", json={"to": created_entry["id"]}).status_code == 422
    assert desk.admin.get(url).get_json()["tracking_no"] == "X"


def test_plain_updates_cannot_change_the_state(desk):
    order = desk.admin.post(desk.url("sales_order"), json=order_body(desk)).get_json()
    response = desk.admin.patch(desk.url("sales_order", order["id"]), json={"status": "shipped"})
    assert response.status_code == 403 and "status" in response.get_json()["error"]["message"]


def test_cancel_after_ship_gives_stock_back_and_history_says_who_why(desk):
    manager = desk.user("max", "manager")
    order = desk.admin.post(desk.url("sales_order"), json=order_body(desk, qty=4)).get_json()
    for step, extra in (("submit", {}), ("approve", {}), ("ship", {"tracking_no": "T"})):
        take(desk.admin, desk, order, step, **extra)
    assert desk.stock(desk.product["id"]) == 6.0
    no_comment = take(manager, desk, order, "cancel")
    assert no_comment.status_code == 422 and no_comment.get_json()["error"]["details"][0]["field"] == "comment"
    cancelled = take(manager, desk, order, "cancel", comment="customer changed their mind")
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    assert desk.stock(desk.product["id"]) == 10.0
    entry = manager.get(desk.url("sales_order", order["id"], "/history")).get_json()["items"][0]
    assert entry["action"] == "transition" and entry["actor"]["username"] == "max"
    assert entry["changes"]["transition"] == {"name": "cancel", "from": "shipped", "to": "cancelled",
                                              "comment": "customer changed their mind"}


def test_a_transition_whose_effects_fail_a_check_changes_nothing(desk, app):
    order = desk.admin.post(desk.url("sales_order"), json=order_body(desk, qty=11)).get_json()
    for step in ("submit", "approve"):
        take(desk.admin, desk, order, step)
    history_before = len(desk.admin.get(desk.url("sales_order", order["id"], "/history")).get_json()["items"])
    refused = take(desk.admin, desk, order, "ship", tracking_no="Z")
    assert refused.status_code == 422
    assert [d["message"] for d in refused.get_json()["error"]["details"]] == ["Insufficient stock"]
    after = desk.admin.get(desk.url("sales_order", order["id"])).get_json()
    assert after["status"] == "approved" and after["tracking_no"] is None
    assert desk.stock(desk.product["id"]) == 10.0
    assert len(desk.admin.get(desk.url("sales_order", order["id"], "/history")).get_json()["items"]) == history_before
    with get_db(app).read() as connection:
        assert connection.execute(select(func.count()).select_from(notifications)).scalar() == 0
