"""The designer through its HTTP endpoints (Flask client, real database):
access, drafts validated on every save with errors at their JSON paths,
publish with the migration plan, destructive refusal, rollback, the
operation log, delete/restore/purge, and other processes seeing a new version."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import inspect, select

from engine import create_app
from engine.db import get_db
from engine.designer import publish as publishing
from engine.designer.diff import diff_definitions
from engine.runtime.records.service import get_record_service
from engine.runtime.registry import get_registry
from engine.storage.system import app_versions, operation_log
from tests.designer.conftest import sign_in


def _patch(client, app, *ops):
    return client.post(f"/designer/apps/{app}/patch", json={"ops": list(ops)})


def _import(client, definition):
    response = client.post("/designer/import", data={"json": json.dumps(definition)})
    assert response.status_code == 302, response.data[:2000]


def _operations(app_, action):
    with get_db(app_).read() as connection:
        return connection.execute(select(operation_log).where(operation_log.c.action == action)).all()


# ----------------------------------------------------------------- access
def test_only_admins_and_designers_get_in(app, users):
    app.config["WTF_CSRF_ENABLED"] = False
    anonymous = app.test_client().get("/designer/")
    assert anonymous.status_code == 302 and "/login" in anonymous.location
    assert sign_in(app.test_client(), "carl").get("/designer/").status_code == 403
    assert sign_in(app.test_client(), "carl").post("/designer/apps", data={"name": "x"}).status_code == 403
    assert sign_in(app.test_client(), "dana").get("/designer/").status_code == 200
    assert sign_in(app.test_client(), "root").get("/designer/").status_code == 200


def test_cli_gives_and_takes_the_designer_right(app, cli_env):
    from click.testing import CliRunner
    from engine.cli import main
    runner = CliRunner()
    created = runner.invoke(main, ["user", "create", "eve", "--password", "password-123", "--designer"], env=cli_env)
    assert created.exit_code == 0, created.output
    app.config["WTF_CSRF_ENABLED"] = False
    assert sign_in(app.test_client(), "eve").get("/designer/").status_code == 200
    assert runner.invoke(main, ["user", "designer", "eve", "--revoke"], env=cli_env).exit_code == 0
    assert sign_in(app.test_client(), "eve").get("/designer/").status_code == 403


def test_json_edits_need_the_csrf_token(app, users, shop_definition):
    client = sign_in(app.test_client(), "dana")
    response = client.post("/designer/apps/shop/patch", json={"ops": []})
    assert response.status_code == 400 or response.status_code == 403


# ------------------------------------------------------------------ drafts
def test_a_new_app_is_a_draft_whose_problems_name_their_paths(designer_client):
    client = designer_client
    created = client.post("/designer/apps", data={"name": "crm", "label_zh": "客户", "label_en": "CRM"})
    assert created.status_code == 302
    draft = client.get("/designer/apps/crm/draft").get_json()
    assert draft["definition"]["label"] == {"en": "CRM", "zh": "客户"}
    assert "forms" in [e["path"] for e in draft["errors"]]
    assert client.post("/designer/apps", data={"name": "crm"}).status_code == 302   # refused, flashed
    assert client.post("/designer/apps", data={"name": "Bad Name"}).status_code == 302
    assert [a for a in client.get("/designer/").data.decode().split() if a == 'data-app="crm">']


def test_every_save_is_validated_and_errors_come_back_at_their_paths(app, designer_client, shop_definition):
    _import(designer_client, shop_definition)
    answer = _patch(designer_client, "shop",
                    {"op": "insert", "path": "forms[0].fields", "value": {"name": "total", "type": "decimal"}},
                    {"op": "set", "path": "forms[0].fields[2].formula", "value": "price * qty"}).get_json()
    paths = {e["path"]: e["message"] for e in answer["errors"]}
    assert "forms[0].fields[2].formula" in paths and "qty" in paths["forms[0].fields[2].formula"]
    page = designer_client.get("/designer/apps/shop/forms/0").data.decode()
    assert 'data-errors-for="forms[0].fields[2].formula"' in page
    assert 'data-path="forms[0].fields[2].formula"' in page
    # the draft keeps the invalid state; publishing it is refused
    refused = designer_client.post("/designer/apps/shop/publish")
    assert refused.status_code == 302
    with get_db(app).read() as connection:
        assert connection.execute(select(app_versions)).first() is None


def test_a_patch_that_cannot_apply_changes_nothing(app, designer_client, shop_definition):
    _import(designer_client, shop_definition)
    response = _patch(designer_client, "shop", {"op": "set", "path": "forms[9].name", "value": "x"})
    assert response.status_code == 422
    assert response.get_json()["error"]["details"][0]["field"] == "forms[9].name"
    assert designer_client.get("/designer/apps/shop/draft").get_json()["definition"] == shop_definition


def test_plain_form_posts_edit_the_draft_without_javascript(designer_client, shop_definition):
    _import(designer_client, shop_definition)
    form = {"_next": "/designer/apps/shop/forms/0", "forms[0].fields[1].label.zh": "价格",
            "_kind:forms[0].fields[1].required": "bool", "forms[0].fields[1].required": "true",
            "_kind:forms[0].fields[1].min": "number", "forms[0].fields[1].min": "0.5",
            "_op": json.dumps({"op": "move", "path": "forms[0].fields", "from": 1, "to": 0})}
    assert designer_client.post("/designer/apps/shop/edit", data=form).status_code == 302
    added = designer_client.post("/designer/apps/shop/add", data={
        "_list": "forms[0].fields", "kind": "field", "type": "subform", "name": "parts", "label_en": "Parts"})
    assert added.status_code == 302
    definition = designer_client.get("/designer/apps/shop/draft").get_json()["definition"]
    first = definition["forms"][0]["fields"][0]
    assert first == {"name": "price", "type": "decimal", "scale": 2, "label": {"zh": "价格"},
                     "required": True, "min": 0.5}
    assert definition["forms"][0]["fields"][2]["type"] == "subform"
    errors = designer_client.get("/designer/apps/shop/draft").get_json()["errors"]
    assert any(e["path"].startswith("forms[0].fields[2]") for e in errors)   # a subform needs row fields


def test_import_lists_errors_with_paths_and_export_returns_the_draft(designer_client, shop_definition):
    broken = dict(shop_definition, forms=[{"name": "p", "fields": [{"name": "x", "type": "link"}]}])
    page = designer_client.post("/designer/import", data={"json": json.dumps(broken)})
    assert page.status_code == 422 and "forms[0].fields[0]" in page.data.decode()
    assert designer_client.post("/designer/import", data={"json": "{nope"}).status_code == 422
    _import(designer_client, shop_definition)
    exported = designer_client.get("/designer/apps/shop/export")
    assert exported.headers["Content-Disposition"].endswith('shop.json"')
    assert json.loads(exported.data) == shop_definition


# ----------------------------------------------------------------- publish
def test_publish_shows_the_plan_installs_and_logs(app, designer_client, users, shop_definition):
    _import(designer_client, shop_definition)
    page = designer_client.get("/designer/apps/shop/publish").data.decode()
    assert "create table shop__product" in page and 'data-testid="publish"' in page
    assert designer_client.post("/designer/apps/shop/publish").status_code == 302
    assert [r.actor_id for r in _operations(app, "designer.publish")] == [users["dana"].user_id]
    assert [r.actor_id for r in _operations(app, "app.install")] == [users["dana"].user_id]
    product = get_record_service(app).create("shop", "product", {"name": "Tea", "price": 3},
                                             actor=users["root"])
    # a new field is additive: published without confirmation, rows kept
    _patch(designer_client, "shop", {"op": "insert", "path": "forms[0].fields",
                                     "value": {"name": "sku", "type": "text"}})
    plan = designer_client.get("/designer/apps/shop/publish").data.decode()
    assert "add column shop__product.sku" in plan and "destructive" not in plan.split("Migration plan")[-1]
    designer_client.post("/designer/apps/shop/publish")
    record = get_record_service(app).get("shop", "product", product["id"], actor=users["root"])
    assert record["name"] == "Tea" and "sku" in record
    assert [v.version for v in publishing.versions(get_db(app), "shop")] == ["1.0.1", "1.0.0"]


def test_destructive_steps_are_refused_until_confirmed(app, designer_client, users, shop_definition):
    _import(designer_client, shop_definition)
    designer_client.post("/designer/apps/shop/publish")
    get_record_service(app).create("shop", "product", {"name": "Tea", "price": 3}, actor=users["root"])
    _patch(designer_client, "shop", {"op": "remove", "path": "forms[0].fields[1]"})
    page = designer_client.get("/designer/apps/shop/publish").data.decode()
    assert "confirm_destructive" in page and "DROP column shop__product.price" in page
    designer_client.post("/designer/apps/shop/publish")
    columns = lambda: {c["name"] for c in inspect(get_db(app).engine).get_columns("shop__product")}  # noqa: E731
    assert "price" in columns()
    designer_client.post("/designer/apps/shop/publish", data={"confirm_destructive": "1"})
    assert "price" not in columns()


def test_rollback_is_a_publish_of_the_old_version(app, designer_client, users, shop_definition):
    _import(designer_client, shop_definition)
    designer_client.post("/designer/apps/shop/publish")
    _patch(designer_client, "shop", {"op": "insert", "path": "forms[0].fields",
                                     "value": {"name": "sku", "type": "text"}})
    designer_client.post("/designer/apps/shop/publish")
    first = publishing.versions(get_db(app), "shop")[-1]
    page = designer_client.get(f"/designer/apps/shop/history/{first.id}").data.decode()
    assert "forms[0].fields[2]" in page and "confirm_destructive" in page      # the diff, and sku would go
    designer_client.post(f"/designer/apps/shop/history/{first.id}/rollback")
    assert len(publishing.versions(get_db(app), "shop")) == 2                   # refused: not confirmed
    designer_client.post(f"/designer/apps/shop/history/{first.id}/rollback", data={"confirm_destructive": "1"})
    versions = publishing.versions(get_db(app), "shop")
    assert len(versions) == 3 and versions[0].current and versions[0].version == "1.0.2"
    assert [r.details["rollback_of"] for r in _operations(app, "designer.rollback")] == [first.id]
    draft = designer_client.get("/designer/apps/shop/draft").get_json()["definition"]
    assert [f["name"] for f in draft["forms"][0]["fields"]] == ["name", "price"]


def test_other_processes_serve_the_new_version_on_their_next_request(app, designer_client, users,
                                                                     shop_definition, database_url):
    _import(designer_client, shop_definition)
    designer_client.post("/designer/apps/shop/publish")
    other = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "other"})
    try:
        with get_db(other).read() as connection:
            assert get_registry(other).get(connection, "shop").model.form("product").field("sku") is None
        _patch(designer_client, "shop", {"op": "insert", "path": "forms[0].fields",
                                         "value": {"name": "sku", "type": "text"}})
        designer_client.post("/designer/apps/shop/publish")
        with get_db(other).read() as connection:
            assert get_registry(other).get(connection, "shop").model.form("product").field("sku") is not None
    finally:
        get_db(other).dispose()


# ------------------------------------------------------- delete and purge
def test_delete_hides_the_app_keeps_data_and_purge_needs_the_name(app, designer_client, users,
                                                                   shop_definition):
    _import(designer_client, shop_definition)
    designer_client.post("/designer/apps/shop/publish")
    get_record_service(app).create("shop", "product", {"name": "Tea"}, actor=users["root"])
    runtime = sign_in(app.test_client(), "root")
    assert designer_client.post("/designer/apps/shop/delete").status_code == 302    # no confirmation: refused
    assert runtime.get("/apps/shop/product/").status_code == 200
    designer_client.post("/designer/apps/shop/delete", data={"confirm": "1"})
    assert runtime.get("/apps/shop/product/").status_code == 404
    assert "shop__product" in inspect(get_db(app).engine).get_table_names()
    designer_client.post("/designer/apps/shop/restore")
    assert "Tea" in runtime.get("/apps/shop/product/").data.decode()
    designer_client.post("/designer/apps/shop/delete", data={"confirm": "1"})
    designer_client.post("/designer/apps/shop/purge", data={"confirm_name": "shoe"})
    assert "shop__product" in inspect(get_db(app).engine).get_table_names()
    designer_client.post("/designer/apps/shop/purge", data={"confirm_name": "shop"})
    assert "shop__product" not in inspect(get_db(app).engine).get_table_names()
    assert [r.target for r in _operations(app, "designer.purge")] == ["shop"]


# ------------------------------------------------- the editor's other pages
def test_every_editor_page_renders_for_the_inventory_app(designer_client):
    from engine.definitions.loader import load_definition
    from engine.resources import bundled_app_path
    _import(designer_client, load_definition(bundled_app_path("inventory")))
    base = "/designer/apps/inventory"
    for url in ("/", "/forms/9", "/forms/9/workflow", "/forms/9/permissions", "/permissions", "/rules",
                "/reports", "/jobs", "/dashboards", "/forecasts",
                "/publish", "/history"):
        assert designer_client.get(base + url).status_code == 200, url
    rules = designer_client.get(base + "/rules").data.decode()
    assert "当销售订单的状态为&#34;已发货&#34;时，每一行减少对应商品、仓库的库存的实际库存（数量）" in rules
    workflow = designer_client.get(base + "/forms/9/workflow").data.decode()
    assert 'data-state="shipped"' in workflow


def test_preview_renders_the_runtime_record_form_of_an_unpublished_draft(designer_client, shop_definition):
    _import(designer_client, shop_definition)
    _patch(designer_client, "shop", {"op": "insert", "path": "forms[0].fields", "value": {
        "name": "parts", "type": "subform", "fields": [{"name": "qty", "type": "integer"}]}})
    page = designer_client.get("/designer/apps/shop/forms/0/preview").data.decode()
    assert 'data-testid="record-form"' in page and 'name="parts-0-qty"' in page
    _patch(designer_client, "shop", {"op": "set", "path": "forms[0].title", "value": "nope"})
    assert "forms[0].title" in designer_client.get("/designer/apps/shop/forms/0/preview").data.decode()


def test_condition_and_row_scope_builders_write_expressions(designer_client, shop_definition):
    _import(designer_client, shop_definition)
    designer_client.post("/designer/apps/shop/condition", data={
        "_target": "forms[0].permissions.clerk.rows", "cond_field": ["created_by", ""],
        "cond_op": ["==", "=="], "cond_value": ["user.id", ""]})
    designer_client.post("/designer/apps/shop/edit", data={
        "forms[0].permissions.clerk.fields.price": "hidden"})
    definition = designer_client.get("/designer/apps/shop/draft").get_json()["definition"]
    assert definition["forms"][0]["permissions"]["clerk"] == {
        "read": True, "create": True, "update": True, "rows": "created_by == user.id",
        "fields": {"price": "hidden"}}


def test_a_plain_post_of_the_form_editor_keeps_booleans_booleans(designer_client, shop_definition):
    """The page's own controls, posted as they are (no JavaScript), round-trip."""
    import re as regex
    _import(designer_client, shop_definition)
    page = designer_client.get("/designer/apps/shop/forms/0").data.decode()
    form = page.split('data-testid="form-editor"')[1].split("</form>")[0]
    data = {}
    for name, value in regex.findall(r'<input[^>]*type="hidden" name="([^"]+)" value="([^"]*)"', form):
        data[name] = value
    for tag in regex.findall(r'<input class="form-control[^>]*>', form):
        name, value = regex.search(r'name="([^"]+)"', tag).group(1), regex.search(r'value="([^"]*)"', tag).group(1)
        data[name] = value
    for tag in regex.findall(r'<input class="form-check-input[^>]*checked[^>]*>', form):
        data[regex.search(r'name="([^"]+)"', tag).group(1)] = "true"
    data["forms[0].fields[0].type"], data["forms[0].fields[1].type"] = "text", "decimal"
    data["forms[0].title"] = "name"
    designer_client.post("/designer/apps/shop/edit", data=data)
    assert designer_client.get("/designer/apps/shop/draft").get_json()["definition"] == shop_definition


@pytest.mark.parametrize("source", ["inventory", "orders", "examples/field_types.json"])
def test_posting_every_editor_page_unchanged_changes_nothing(app, designer_client, source):
    """Without JavaScript each page posts all its controls: a page the user did
    not touch must write back exactly the definition it showed."""
    from werkzeug.datastructures import MultiDict
    from engine.definitions.loader import load_definition
    from engine.resources import resource_dir
    from tests.designer.browserless import designer_forms
    definition = load_definition(resource_dir("app_definitions") / source)
    _import(designer_client, definition)
    name = definition["app"]
    # every form of a small app; of the inventory, the first form and those with a workflow and lines
    forms = definition["forms"]
    chosen = [0] + [i for i, f in enumerate(forms) if f.get("workflow") and any(
        x.get("type") == "subform" for x in f["fields"])][:3] if len(forms) > 5 else range(len(forms))
    pages = ["/", "/rules", "/reports", "/jobs", "/dashboards", "/forecasts", "/permissions"] + [
        f"/forms/{i}{tab}" for i in chosen for tab in ("", "/workflow", "/permissions")]
    for page in pages:
        html = designer_client.get(f"/designer/apps/{name}{page}").data.decode()
        for fields in designer_forms(html):
            designer_client.post(f"/designer/apps/{name}/edit", data=MultiDict(fields))
        draft = designer_client.get(f"/designer/apps/{name}/draft").get_json()["definition"]
        assert diff_definitions(definition, draft) == [], page


def test_changing_a_field_type_keeps_only_what_the_new_type_allows(designer_client, shop_definition):
    _import(designer_client, shop_definition)
    answer = _patch(designer_client, "shop", {"op": "set", "path": "forms[0].fields[1].type", "value": "link"})
    assert answer.get_json()["error_count"] == 0
    field = designer_client.get("/designer/apps/shop/draft").get_json()["definition"]["forms"][0]["fields"][1]
    assert field == {"name": "price", "type": "link", "form": "product"}     # scale gone, a target chosen


def test_event_rules_are_edited_and_told_as_sentences(designer_client, shop_definition):
    _import(designer_client, shop_definition)
    designer_client.post("/designer/apps/shop/add", data={"_list": "rules", "kind": "event", "source": "product",
                                                         "name": "tell_clerks"})
    designer_client.post("/designer/apps/shop/edit", data={
        "_kind:rules[0].on": "list", "rules[0].on": ["created", "deleted"],
        "_kind:rules[0].actions[0].notify": "csv", "rules[0].actions[0].notify": "clerk",
        "rules[0].actions[0].message.zh": "新商品 {name}", "rules[0].actions[0].message.en": "New product {name}"})
    errors = designer_client.get("/designer/apps/shop/draft").get_json()["errors"]
    assert [e for e in errors if e["severity"] == "error"] == []
    page = designer_client.get("/designer/apps/shop/rules").data.decode()
    assert "当商品被新建或删除时，通知clerk：“新商品 {name}”" in page
    assert "When a Product is created or deleted, notify clerk: “New product {name}”." in page


def test_the_whole_definition_can_be_saved_as_json(designer_client, shop_definition):
    _import(designer_client, shop_definition)
    changed = dict(shop_definition, forms=[dict(shop_definition["forms"][0], title="nope")])
    answer = designer_client.post("/designer/apps/shop/draft", json=changed).get_json()
    assert [e["path"] for e in answer["errors"] if e["severity"] == "error"] == ["forms[0].title"]
    assert designer_client.get("/designer/apps/shop/draft").get_json()["definition"] == changed
    renamed = designer_client.post("/designer/apps/shop/draft", json=dict(changed, app="other"))
    assert renamed.status_code == 422 and renamed.get_json()["error"]["details"][0]["field"] == "app"


def test_concurrent_patches_of_two_designers_all_land(app, users, shop_definition):
    """Each patch is applied to the latest draft under a lock: none is lost."""
    from concurrent.futures import ThreadPoolExecutor
    from engine.designer import service
    database = get_db(app)
    service.import_app(database, json.dumps(shop_definition), users["dana"])

    def add(number):
        actor = users["dana"] if number % 2 else users["root"]
        service.patch_draft(database, "shop", [{"op": "insert", "path": "forms[0].fields",
                                                "value": {"name": f"f{number}", "type": "text"}}], actor)

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(add, range(12)))
    fields = service.load_draft(database, "shop").definition["forms"][0]["fields"]
    assert sorted(f["name"] for f in fields) == sorted(["name", "price"] + [f"f{n}" for n in range(12)])


def test_publish_warns_when_someone_published_since_the_draft_began(app, designer_client, shop_definition):
    from engine.storage.install import install_app
    _import(designer_client, shop_definition)
    designer_client.post("/designer/apps/shop/publish")
    _patch(designer_client, "shop", {"op": "set", "path": "forms[0].label.en", "value": "Goods"})
    assert 'data-testid="moved-since"' not in designer_client.get("/designer/apps/shop/publish").data.decode()
    install_app(get_db(app), dict(shop_definition, version="2.0.0"))       # e.g. `liandong upgrade`
    assert 'data-testid="moved-since"' in designer_client.get("/designer/apps/shop/publish").data.decode()


def test_create_actions_values_unique_sets_and_help_are_editable(designer_client, shop_definition):
    _import(designer_client, shop_definition)
    designer_client.post("/designer/apps/shop/add", data={"_list": "rules", "kind": "event", "source": "product",
                                                         "name": "copy"})
    designer_client.post("/designer/apps/shop/edit", data={
        "_op": json.dumps({"op": "set", "path": "rules[0].actions", "value": [{"create": "product"}]})})
    page = designer_client.get("/designer/apps/shop/rules").data.decode()
    assert 'data-testid="add-value"' in page
    designer_client.post("/designer/apps/shop/edit", data={
        "_op": json.dumps({"op": "set_entry", "path": "rules[0].actions[0].values"}),
        "_key": "name", "_value": "name + ' copy'"})
    designer_client.post("/designer/apps/shop/edit", data={
        "_op": json.dumps({"op": "insert", "path": "forms[0].unique", "value": ["name"]})})
    designer_client.post("/designer/apps/shop/edit", data={
        "_kind:forms[0].unique[0]": "csv", "forms[0].unique[0]": "name, price",
        "forms[0].fields[0].help.zh": "商品名称"})
    definition = designer_client.get("/designer/apps/shop/draft").get_json()["definition"]
    assert definition["rules"][0]["actions"] == [{"create": "product", "values": {"name": "name + ' copy'"}}]
    assert definition["forms"][0]["unique"] == [["name", "price"]]
    assert definition["forms"][0]["fields"][0]["help"] == {"zh": "商品名称"}


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/apps/"])
def test_form_posts_return_only_to_designer_pages(designer_client, shop_definition, target):
    _import(designer_client, shop_definition)
    response = designer_client.post("/designer/apps/shop/edit", data={"_next": target})
    assert response.status_code == 302 and response.location == "/designer/"


def test_the_preview_computes_the_drafts_formulas_as_the_user_types(designer_client, shop_definition):
    _import(designer_client, shop_definition)
    _patch(designer_client, "shop",
           {"op": "insert", "path": "forms[0].fields", "value": {"name": "lines", "type": "subform", "fields": [
               {"name": "qty", "type": "integer"}, {"name": "amount", "type": "decimal", "scale": 2,
                                                    "formula": "qty * 1.5"}]}},
           {"op": "insert", "path": "forms[0].fields", "value": {"name": "total", "type": "decimal", "scale": 2,
                                                                 "formula": "sum(lines.amount) + price"}})
    page = designer_client.get("/designer/apps/shop/forms/0/preview").data.decode()
    assert 'data-preview-url="/designer/apps/shop/forms/0/preview"' in page
    answer = designer_client.post("/designer/apps/shop/forms/0/preview", data={
        "name": "x", "price": "1", "lines-0-qty": "2", "lines-1-qty": "4"}).get_json()
    assert answer["rows"]["lines"]["1"]["amount"]["value"] == "6.00"
    assert answer["fields"]["total"]["value"] == "10.00"
    bad = designer_client.post("/designer/apps/shop/forms/0/preview", data={"price": "abc"}).get_json()
    assert "price" in bad["errors"]


@pytest.mark.parametrize("broken", [
    {"forms": "x"}, {"forms": [5, {"name": 3, "fields": "y"}]}, {"label": 7, "roles": [1, {"name": None}]},
    {"forms": [{"name": "a", "fields": [{"name": "s", "type": "subform", "fields": [7]},
                                        {"name": "o", "type": "select", "options": [3, {"label": 5}]}],
                "workflow": {"states": [4, {"label": 1}], "transitions": [3, {"from": 5, "to": []}]},
                "permissions": {"r": 5, "q": {"fields": 3}}, "list": {"columns": "a"}, "label": []}],
     "rules": [4, {"on": "x", "actions": [3]}, {"match": 3, "adjust": [], "source": 5}]},
    {"reports": [3, {"name": 4, "source": ["x"], "group_by": "g", "measures": [5, {"agg": 3}], "filter": 7,
                     "label": 2}, {"source": "product", "group_by": [7, {"field": 3, "label": []}]}],
     "jobs": [1, {"cron": 5, "action": 3}, {"action": {"anomalies": 4}}, {"action": {"create": 3, "values": 2}},
              {"label": 5, "action": {"report": None}}]},
    {"dashboards": [3, {"name": 4, "label": 2, "roles": "x", "tiles": "t", "charts": [5, {"report": 3, "type": 9}]},
                    {"tiles": [7, {"report": "nope", "measure": [], "label": 1}],
                     "charts": [{"report": None, "x": {}, "series": 3, "drill": "y", "limit": "z"}]}]},
    {"forecasts": [2, {"name": 3, "report": [], "date": 4, "label": 5, "purchase": 6},
                   {"report": "x", "purchase": {"stock_form": 1, "available": [], "request_form": {}}}]},
])
def test_every_page_explains_a_broken_draft_instead_of_failing(designer_client, shop_definition, broken):
    _import(designer_client, shop_definition)
    answer = designer_client.post("/designer/apps/shop/draft", json=dict(shop_definition, **broken)).get_json()
    assert answer["error_count"] > 0
    pages = ["/", "/rules", "/reports", "/jobs", "/dashboards", "/forecasts", "/permissions", "/publish", "/history", "/forms/0", "/forms/0/workflow",
             "/forms/0/permissions", "/forms/0/preview", "/forms/1"]
    for page in pages:
        response = designer_client.get(f"/designer/apps/shop{page}")
        assert response.status_code in (200, 404), (page, response.status_code)
        if response.status_code == 200 and page != "/forms/0/preview":
            assert 'data-testid="problems"' in response.data.decode(), page


def test_the_json_editor_saves_the_whole_definition_and_refuses_bad_json(designer_client, shop_definition):
    _import(designer_client, shop_definition)
    page = designer_client.get("/designer/apps/shop/json").data.decode()
    assert 'data-testid="json-editor"' in page and '"app": "shop"' in page
    changed = dict(shop_definition, version="3.0.0")
    designer_client.post("/designer/apps/shop/json", data={"definition": json.dumps(changed),
                                                         "_next": "/designer/apps/shop/json"})
    assert designer_client.get("/designer/apps/shop/draft").get_json()["definition"]["version"] == "3.0.0"
    designer_client.post("/designer/apps/shop/json", data={"definition": "{oops"})
    assert designer_client.get("/designer/apps/shop/draft").get_json()["definition"]["version"] == "3.0.0"
    assert designer_client.get("/designer/apps/shop/forms/9").status_code == 404
