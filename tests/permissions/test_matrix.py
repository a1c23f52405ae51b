"""The permission matrix, generated from the definitions (orders and the perm
test app): for every role × form × action × field, the REST API answers
exactly what the definition says (tests/permissions/oracle.py reads it).

Reads: list, one record, history, ledger, link titles, filter and sort on
each field; hidden sentinel values must not appear in any answer. Listings:
/apps, /apps/{app}/forms, the OpenAPI document. Writes: create, update of
each field, delete — each allowed, refused with 403 naming the field, or 404
outside the row scope.
"""
from __future__ import annotations

import json

from tests.permissions.conftest import NOBODY, SENTINELS
from tests.permissions.oracle import SYSTEM, RoleView

EXTRAS = {"available_transitions"}


def _view(world, form, role) -> RoleView:
    return RoleView(world.definition, form, None if role == NOBODY else role)


def _user(world, role) -> dict:
    client = world.clients[role]
    return {"id": client.user_id, "username": client.username, "name": client.username,
            "region": "north", "is_admin": False}


class Reads:
    """Everything one role reads of one app, compared with the oracle."""

    def __init__(self, world, role):
        self.world, self.role = world, role
        self.client = world.clients[role]
        self.user = _user(world, role)
        self.records = {name: {r["id"]: r for r in world.all(name)} for name in world.forms}
        self.texts: list[str] = []

    def resolve(self, form, record_id):
        return self.records[form].get(record_id)

    def get(self, path, **kwargs):
        response = self.client.get(path, **kwargs)
        self.texts.append(response.get_data(as_text=True))
        return response

    def visible_ids(self, view, form) -> set[int]:
        return {i for i, r in self.records[form["name"]].items() if view.in_scope("read", r, self.user, self.resolve)}

    def check_form(self, form) -> None:
        view = _view(self.world, form, self.role)
        self.check_list(view, form)
        self.check_records(view, form)
        self.check_filters(view, form)

    def check_list(self, view, form) -> None:
        response = self.get(self.world.url(form["name"]), query_string={"limit": 500})
        if "read" not in view.rights:
            assert response.status_code == 403, (self.role, form["name"])
            return
        assert response.status_code == 200, response.get_json()
        items = response.get_json()["items"]
        assert {i["id"] for i in items} == self.visible_ids(view, form), (self.role, form["name"])
        scalar = {n for n in view.visible_fields() if (view.field(n) or {}).get("type") != "subform"}
        for item in items:
            assert set(item) - set(SYSTEM) - {"_titles"} == scalar, (self.role, form["name"], item)
            assert item.get("_titles", {}) == self.expected_titles(view, form, item), (self.role, item)

    def expected_titles(self, view, form, item) -> dict:
        titles = {}
        for field in form["fields"]:
            if field["type"] != "link" or view.level(field["name"]) == "hidden":
                continue
            target_form = self.world.forms[field["form"]]
            target_view = _view(self.world, target_form, self.role)
            title = target_form.get("title")
            if not title or "read" not in target_view.rights or target_view.level(title) == "hidden":
                continue
            target = self.resolve(field["form"], item[field["name"]]) if item[field["name"]] else None
            inside = target is not None and target_view.in_scope("read", target, self.user, self.resolve)
            titles[field["name"]] = target[title] if inside else None
        return titles

    def check_records(self, view, form) -> None:
        visible = self.visible_ids(view, form)
        expected_keys = view.visible_fields() | set(SYSTEM)
        for record_id in self.records[form["name"]]:
            for suffix in ("", "/history", "/ledger"):
                response = self.get(self.world.url(form["name"], record_id, suffix))
                status = 403 if "read" not in view.rights else 200 if record_id in visible else 404
                assert response.status_code == status, (self.role, form["name"], record_id, suffix)
                if status != 200:
                    continue
                body = response.get_json()
                if suffix == "":
                    assert set(body) - EXTRAS == expected_keys, (self.role, form["name"], body)
                elif suffix == "/history":
                    for entry in body["items"]:
                        assert set(entry["changes"]["fields"]) <= view.visible_fields(), entry
                        assert set(entry["changes"]["rows"]) <= view.visible_fields(), entry
                else:
                    for move in body["items"]:
                        name = move["target"]["form"].partition(".")[2] or move["field"]
                        assert view.level(name) != "hidden", move

    def check_filters(self, view, form) -> None:
        for name in view.sortable():
            for params in ({"filter": f"{name} == None"}, {"sort": f"-{name}"}):
                response = self.get(self.world.url(form["name"]), query_string=params)
                if "read" not in view.rights:
                    assert response.status_code == 403
                elif view.level(name) == "hidden":
                    assert response.status_code == 400, (self.role, form["name"], params)
                    assert name in response.get_json()["error"]["message"] + json.dumps(
                        response.get_json()["error"]["details"])
                else:
                    assert response.status_code == 200, (self.role, params, response.get_json())

    def check_sentinels(self) -> None:
        """No hidden value reaches the caller, through any endpoint read above."""
        everything = "\n".join(self.texts)
        for (form_name, field), sentinel in SENTINELS.items():
            form = self.world.forms.get(form_name)
            if form is not None and _view(self.world, form, self.role).level(field) == "hidden":
                assert sentinel not in everything, (self.role, form_name, field)


def test_reads_follow_the_definition(world):
    for role in world.clients:
        reads = Reads(world, role)
        for form in world.definition["forms"]:
            reads.check_form(form)
        reads.check_sentinels()


def test_listings_and_openapi_show_only_what_the_role_reads(world):
    for role, client in world.clients.items():
        views = {f["name"]: _view(world, f, role) for f in world.definition["forms"]}
        readable = [name for name, view in views.items() if "read" in view.rights]
        apps = client.get("/apps").get_json()["items"]
        assert [a["forms"] for a in apps if a["name"] == world.name] == ([readable] if readable else [])
        response = client.get(f"/apps/{world.name}/forms")
        assert response.status_code == (200 if readable else 404)
        described = {f["name"]: f for f in response.get_json()["items"]} if readable else {}
        assert list(described) == readable
        document = client.get("/openapi.json").get_json()
        for name, view in views.items():
            path = f"/apps/{world.name}/forms/{name}/records"
            assert (path in document["paths"]) == ("read" in view.rights), (role, name)
            if name not in described:
                continue
            fields = {f["name"]: f for f in described[name]["fields"]}
            expected = [f["name"] for f in world.forms[name]["fields"] if view.level(f["name"]) != "hidden"]
            assert list(fields) == expected, (role, name)
            assert all(fields[n]["readonly"] == (view.level(n) != "write") for n in fields), (role, name)
            properties = document["components"]["schemas"][f"{world.name}.{name}"]["properties"]
            assert set(properties) - EXTRAS == view.visible_fields() | set(SYSTEM), (role, name)
            operations = document["paths"][path]
            assert ("post" in operations) == ("create" in view.rights)
            single = document["paths"].get(path + "/{record_id}", {})
            assert ("patch" in single) == ("update" in view.rights)
            assert ("delete" in single) == ("delete" in view.rights)
