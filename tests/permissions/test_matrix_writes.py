"""The write half of the permission matrix (see test_matrix.py): for every
role × form, create / update each field / delete answer what the definition
says — allowed, 403 naming the field, 403 without the right, or 404 for a
record outside the role's rows."""
from __future__ import annotations

import json

from tests.permissions.conftest import NOBODY
from tests.permissions.oracle import RoleView
from tests.permissions.test_matrix import _user, _view


def sample(world, field: dict, current=None):
    """A valid value for `field`, different from `current`."""
    kind, name = field["type"], field["name"]
    if name == "region":
        return "north"                 # inside the clerk's rows (user.region)
    if kind == "phone":
        return "555-" + world.unique("")
    if kind == "email":
        return world.unique("u") + "@example.com"
    if kind in ("text", "textarea", "autonumber"):
        return world.unique("s")
    if kind in ("integer", "decimal"):
        return (current or 2) + 1      # priority only grows: stays in the editor's rows
    if kind == "date":
        return "2024-02-03" if current != "2024-02-03" else "2024-02-04"
    if kind == "user":
        return world.admin.user_id if current != world.admin.user_id else None
    if kind == "link":
        ids = sorted(r["id"] for r in world.all(field["form"]))   # the seeded ones first
        return next((i for i in ids if i != current), None)
    if kind == "subform":
        return [{sub["name"]: sample(world, sub) for sub in field["fields"]
                 if sub.get("required") and not sub.get("formula")}]
    return "draft" if current != "draft" else "confirmed"     # the workflow state


def create_body(world, form: dict) -> dict:
    return {f["name"]: sample(world, f) for f in form["fields"]
            if f.get("required") and not f.get("formula") and f["type"] != "autonumber"}


def _names(form: dict) -> list[tuple[str, dict]]:
    fields = [(f["name"], f) for f in form["fields"]]
    if form.get("workflow"):
        fields.append((form["workflow"].get("field", "status"), {"name": "status", "type": "state"}))
    return fields


def _names_field(response, name) -> bool:
    error = response.get_json()["error"]
    return name in error["message"] + json.dumps(error["details"])


def check_create(world, role, form, view) -> None:
    client = world.clients[role]
    response = client.post(world.url(form["name"]), json=create_body(world, form))
    if "create" not in view.rights:
        assert response.status_code == 403, (role, form["name"], response.get_json())
        return
    assert response.status_code == 201, (role, form["name"], response.get_json())
    assert set(response.get_json()) <= view.visible_fields() | set(_user_keys()), response.get_json()
    for name, field in _names(form):
        if view.level(name) == "write":
            continue
        body = dict(create_body(world, form), **{name: sample(world, field)})
        refused = client.post(world.url(form["name"]), json=body)
        assert refused.status_code == 403 and _names_field(refused, name), (role, form["name"], name)


def _links_readable(view, field: dict) -> bool:
    """Whether the role may read every form this field (or its subform rows) links to."""
    fields = field.get("fields", []) if field["type"] == "subform" else [field]
    forms = {f["name"]: f for f in view.definition["forms"]}
    return all(RoleView(view.definition, forms[f["form"]], view.role).can_read_all()
               for f in fields if f["type"] == "link")


def _user_keys():
    return ("id", "version", "created_at", "created_by", "updated_at", "updated_by",
            "available_transitions")


def check_update(world, role, form, view, records, user, resolve) -> None:
    client = world.clients[role]
    locked = set((form.get("workflow") or {}).get("locked", ()))
    open_records = [r for r in records.values() if r.get("status") not in locked]
    visible = [r for r in open_records if view.in_scope("read", r, user, resolve)]
    hidden = [r for r in records.values() if not view.in_scope("read", r, user, resolve)]
    if hidden and "read" in view.rights:
        response = client.patch(world.url(form["name"], hidden[0]["id"]), json={})
        assert response.status_code == 404, (role, form["name"])
    if not visible:
        return
    in_scope = [r for r in visible if view.in_scope("update", r, user, resolve)]
    target = (in_scope or visible)[0]
    for name, field in _names(form):
        current = client.get(world.url(form["name"], target["id"])).get_json().get(name)
        response = client.patch(world.url(form["name"], target["id"]),
                                json={name: sample(world, field, current if current is not None else None)})
        if "update" not in view.rights or not in_scope:
            assert response.status_code == 403, (role, form["name"], name, response.get_json())
        elif view.level(name) == "write" and not _links_readable(view, field):
            # Linking to a record the caller may not read is answered like a missing record.
            assert response.status_code == 422, (role, form["name"], name, response.get_json())
        elif view.level(name) == "write":
            assert response.status_code == 200, (role, form["name"], name, response.get_json())
        else:
            assert response.status_code == 403 and _names_field(response, name), (role, form["name"], name)


def check_delete(world, role, form, view, records, user, resolve) -> None:
    client = world.clients[role]
    if "delete" not in view.rights:
        some = next(iter(records), None)
        if some is not None:
            response = client.delete(world.url(form["name"], some))
            assert response.status_code in ((403, 404) if "read" in view.rights else (403,)), (role, form)
        return
    fresh = world.create(form["name"], create_body(world, form))
    fresh = world.admin.get(world.url(form["name"], fresh["id"])).get_json()
    expected = 204 if view.in_scope("delete", fresh, user, resolve) else 404
    assert client.delete(world.url(form["name"], fresh["id"])).status_code == expected, (role, form["name"])
    assert world.admin.get(world.url(form["name"], fresh["id"])).status_code == (404 if expected == 204 else 200)


def test_writes_follow_the_definition(world):
    for role in world.clients:
        user = _user(world, role)
        everything = {name: {r["id"]: r for r in world.all(name)} for name in world.forms}
        resolve = lambda f, i: everything[f].get(i)    # noqa: E731  (link chains in rows)
        for form in world.definition["forms"]:
            records = {r["id"]: r for r in world.all(form["name"])}
            view = _view(world, form, role)
            check_create(world, role, form, view)
            check_update(world, role, form, view, records, user, resolve)
            check_delete(world, role, form, view, records, user, resolve)
    assert NOBODY in world.clients
