"""Row scopes (`rows`) on every path, per right; rules and transitions."""
from __future__ import annotations

from sqlalchemy import select

from engine.db import get_db
from engine.runtime.audit import change_log


def _order(world):
    customer = sorted(c["id"] for c in world.all("customer"))[0]
    warehouse = sorted(w["id"] for w in world.all("warehouse"))[0]     # the one with stock
    product = sorted(p["id"] for p in world.all("product"))[0]
    return {"customer": customer, "warehouse": warehouse, "lines": [{"product": product, "qty": 1}]}


def test_sales_sees_and_changes_only_the_orders_they_created(orders_world):
    world = orders_world
    alice, bob = world.clients["sales"], world.user("bob", roles=["sales"])
    mine = world.create("sales_order", _order(world), alice)
    theirs = world.create("sales_order", _order(world), bob)
    listed = {i["id"] for i in alice.get(world.url("sales_order"), query_string={"limit": 500}).get_json()["items"]}
    assert mine["id"] in listed and theirs["id"] not in listed
    assert all(r["created_by"] == alice.user_id for r in
               (alice.get(world.url("sales_order", i)).get_json() for i in listed))
    assert alice.get(world.url("sales_order"), query_string={"filter": f"id == {theirs['id']}"}).get_json()["items"] == []
    for suffix in ("", "/history", "/ledger"):
        assert alice.get(world.url("sales_order", theirs["id"], suffix)).status_code == 404
    assert alice.patch(world.url("sales_order", theirs["id"]), json={"date": "2024-01-01"}).status_code == 404
    assert alice.delete(world.url("sales_order", theirs["id"])).status_code == 404
    assert alice.post(world.url("sales_order", theirs["id"], "/transitions/confirm"), json={}).status_code == 404
    assert alice.post(world.url("sales_order", theirs["id"], "/restore"), json={"to": 1}).status_code == 404
    assert alice.patch(world.url("sales_order", mine["id"]), json={"date": "2024-01-01"}).status_code == 200
    assert alice.post(world.url("sales_order", mine["id"], "/transitions/confirm"), json={}).status_code == 200
    assert world.admin.get(world.url("sales_order", theirs["id"])).get_json()["date"] != "2024-01-01"


def test_a_locked_or_stale_record_outside_the_scope_reveals_nothing(orders_world):
    """404 comes before the lock state (422) or the version (409) could say anything."""
    world = orders_world
    shipped = next(o for o in world.all("sales_order") if o["status"] == "shipped")
    sales = world.clients["sales"]
    assert sales.patch(world.url("sales_order", shipped["id"]), json={"version": 99}).status_code == 404


def test_create_or_update_outside_the_scope_is_refused_and_writes_nothing(perm_world):
    world = perm_world
    clerk = world.clients["clerk"]
    before = len(world.all("ticket"))
    outside = clerk.post(world.url("ticket"), json={"subject": "elsewhere", "region": "south"})
    assert outside.status_code == 403 and "outside" in outside.get_json()["error"]["message"]
    assert len(world.all("ticket")) == before
    own = world.create("ticket", {"subject": "mine", "region": "north"}, clerk)
    moved = clerk.patch(world.url("ticket", own["id"]), json={"region": "south"})
    assert moved.status_code == 403
    stored = world.admin.get(world.url("ticket", own["id"])).get_json()
    assert stored["region"] == "north" and stored["version"] == own["version"]


def test_scopes_are_kept_per_right_across_roles(perm_world):
    """Read everything (auditor) + update only priority >= 2 (editor): reading
    all rows does not widen what may be changed."""
    world = perm_world
    both = world.user("eva", roles=["editor", "auditor"])
    tickets = {t["subject"]: t for t in world.all("ticket")}
    listed = both.get(world.url("ticket"), query_string={"limit": 500}).get_json()["items"]
    assert {t["id"] for t in listed} == {t["id"] for t in tickets.values()}
    low, high = tickets["north 1"], tickets["north 3"]
    assert both.patch(world.url("ticket", low["id"]), json={"subject": "x"}).status_code == 403
    assert both.delete(world.url("ticket", low["id"])).status_code == 403
    assert both.patch(world.url("ticket", high["id"]), json={"subject": "y"}).status_code == 200
    assert both.patch(world.url("ticket", high["id"]), json={"priority": 1}).status_code == 403
    # Field levels are the union: the auditor hides `note`, the editor does not.
    assert "note" in both.get(world.url("ticket", high["id"])).get_json()


def test_scope_through_a_link_chain_and_link_titles(perm_world):
    """keeper: tickets whose site the user keeps (site.keeper == user.id)."""
    world = perm_world
    keeper = world.clients["keeper"]
    site_a = next(s for s in world.all("site") if s["keeper"] == keeper.user_id)
    expected = {t["id"] for t in world.all("ticket") if t["site"] == site_a["id"]}
    items = keeper.get(world.url("ticket"), query_string={"limit": 500}).get_json()["items"]
    assert {t["id"] for t in items} == expected and expected
    bins = {b["id"]: b for b in world.all("bin")}
    for item in items:
        title = item["_titles"].get("bin")
        assert title == (bins[item["bin"]]["label"] if bins[item["bin"]]["site"] == site_a["id"] else None)
        assert "secret" not in item["_titles"]      # the keeper may not read secrets at all


def test_rules_run_with_system_rights_and_log_the_user(perm_world):
    """The editor may read bins (not their qty) but not change them; the rule their
    ticket triggers moves one anyway."""
    world = perm_world
    editor = world.clients["editor"]
    ticket = next(t for t in world.all("ticket") if t["priority"] >= 2)
    bin_id = sorted(b["id"] for b in world.all("bin"))[0]
    before = world.admin.get(world.url("bin", bin_id)).get_json()["qty"]
    response = editor.patch(world.url("ticket", ticket["id"]), json={"moves": [{"bin": bin_id, "qty": 5}]})
    assert response.status_code == 200, response.get_json()
    assert world.admin.get(world.url("bin", bin_id)).get_json()["qty"] == before + 5
    assert "qty" not in editor.get(world.url("bin", bin_id)).get_json()
    assert editor.patch(world.url("bin", bin_id), json={"label": "mine"}).status_code == 403
    with get_db(world.app).read() as connection:
        entry = connection.execute(select(change_log).where(change_log.c.form == "bin", change_log.c.record_id == bin_id)
                                   .order_by(change_log.c.id.desc())).mappings().first()
    assert entry["actor_id"] == editor.user_id and entry["cause_kind"] == "rule"


def test_transitions_need_only_read_access_and_the_transition_role(orders_world):
    world = orders_world
    order = world.create("sales_order", _order(world))
    assert world.admin.post(world.url("sales_order", order["id"], "/transitions/confirm"), json={}).status_code == 200
    keeper = world.clients["warehouse"]            # read only, no update right: the role may ship
    shipped = keeper.post(world.url("sales_order", order["id"], "/transitions/ship"), json={})
    assert shipped.status_code == 200 and shipped.get_json()["status"] == "shipped"
    nobody = world.clients["nobody"]
    assert nobody.post(world.url("sales_order", order["id"], "/transitions/cancel"),
                       json={"comment": "x"}).status_code == 403


def test_restore_follows_field_rights_and_scope(perm_world):
    world = perm_world
    clerk, editor = world.clients["clerk"], world.clients["editor"]
    own = world.create("ticket", {"subject": "v1", "region": "north"}, clerk)
    clerk.patch(world.url("ticket", own["id"]), json={"subject": "v2"})
    first = clerk.get(world.url("ticket", own["id"], "/history")).get_json()["items"][-1]["id"]
    back = clerk.post(world.url("ticket", own["id"], "/restore"), json={"to": first})
    assert back.status_code == 200 and back.get_json()["subject"] == "v1", back.get_json()
    world.admin.patch(world.url("ticket", own["id"]), json={"note": "set by admin"})
    refused = clerk.post(world.url("ticket", own["id"], "/restore"), json={"to": first})
    assert refused.status_code == 403 and "note" in refused.get_json()["error"]["message"]
    # Undelete: the record comes back as it was, if it is inside the caller's rows.
    high = next(t for t in world.all("ticket") if t["priority"] >= 2)
    entry = editor.get(world.url("ticket", high["id"], "/history")).get_json()["items"][0]["id"]
    assert editor.delete(world.url("ticket", high["id"])).status_code == 204
    restored = editor.post(world.url("ticket", high["id"], "/restore"), json={"to": entry})
    assert restored.status_code == 200 and "secret" not in restored.get_json()
    assert world.admin.get(world.url("ticket", high["id"])).get_json()["secret"] == high["secret"]


def test_a_user_without_roles_sees_no_app(orders_world):
    nobody = orders_world.clients["nobody"]
    assert nobody.get("/apps").get_json()["items"] == []
    assert nobody.get("/apps/orders/forms").status_code == 404
    assert nobody.get(orders_world.url("customer")).status_code == 403
    assert nobody.post(orders_world.url("customer"), json={"name": "X"}).status_code == 403
