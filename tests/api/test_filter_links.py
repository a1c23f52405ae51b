"""List filters through links (`team.name == 'Blue'`, `task.team.name`): what the
caller may read decides which chains exist, and target rows outside the caller's
read scope read as empty. Row scopes may use two-hop chains too."""
from __future__ import annotations

import json

import pytest

from engine.db import get_db
from engine.storage.install import install_app
from tests.api.conftest import ApiClient, make_user

TEAMS = {
    "app": "teams", "version": "1.0.0", "label": {"en": "Teams"},
    "roles": [{"name": "member"}],
    "forms": [
        {"name": "team", "title": "name", "fields": [
            {"name": "name", "type": "text", "required": True},
            {"name": "budget", "type": "integer"}],
         "permissions": {"member": {"read": True, "rows": "name == 'Blue'", "fields": {"budget": "hidden"}}}},
        {"name": "task", "title": "title", "fields": [
            {"name": "title", "type": "text", "required": True},
            {"name": "team", "type": "link", "form": "team"}],
         "permissions": {"member": {"read": True}}},
        {"name": "note", "fields": [
            {"name": "text", "type": "text"},
            {"name": "task", "type": "link", "form": "task"}],
         "permissions": {"member": {"read": True, "rows": "task.team.name == 'Blue'"}}},
    ],
}


@pytest.fixture
def teams(app, client, tmp_path):
    path = tmp_path / "teams.json"
    path.write_text(json.dumps(TEAMS))
    install_app(get_db(app), path)
    admin = ApiClient(client, make_user(app, "boss", admin=True))
    member = ApiClient(client, make_user(app, "mo", roles=[("teams", "member")]))
    made = {}
    for name, budget in (("Blue", 10), ("Red", 99)):
        made[name] = _post(admin, "team", name=name, budget=budget)
        made[f"{name} task"] = _post(admin, "task", title=f"{name} task", team=made[name]["id"])
        made[f"{name} note"] = _post(admin, "note", text=f"{name} note", task=made[f"{name} task"]["id"])
    return admin, member, made


def _post(api, form, **values):
    response = api.post(f"/apps/teams/forms/{form}/records", json=values)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _titles(api, form, expression, key="title"):
    response = api.get(f"/apps/teams/forms/{form}/records", query_string={"filter": expression})
    assert response.status_code == 200, response.get_json()
    return sorted(item[key] for item in response.get_json()["items"])


def test_filter_by_a_linked_field_one_and_two_hops(teams):
    admin, _member, _made = teams
    assert _titles(admin, "task", "team.name == 'Red'") == ["Red task"]
    assert _titles(admin, "task", "team.budget > 50 or team.name == 'Blue'") == ["Blue task", "Red task"]
    assert _titles(admin, "note", "task.team.name == 'Red'", key="text") == ["Red note"]
    assert _titles(admin, "note", "task.team.budget < 50", key="text") == ["Blue note"]


def test_linked_rows_outside_the_read_scope_read_as_empty(teams):
    _admin, member, _made = teams
    assert _titles(member, "task", "team.name == 'Blue'") == ["Blue task"]
    assert _titles(member, "task", "team.name == 'Red'") == []            # cannot probe the red team
    assert _titles(member, "task", "team.name == None") == ["Red task"]    # it reads as empty


def test_a_hidden_or_unknown_linked_field_is_not_a_name(teams):
    _admin, member, _made = teams
    for expression in ("team.budget > 50", "team.colour == 'x'", "title.name == 'x'"):
        response = member.get("/apps/teams/forms/task/records", query_string={"filter": expression})
        assert response.status_code == 400, expression
        assert expression.split(" ")[0] in response.get_json()["error"]["message"]


def test_a_row_scope_through_two_links(teams):
    _admin, member, _made = teams
    assert _titles(member, "note", "text != ''", key="text") == ["Blue note"]
