"""The dashboard editor (/designer/apps/<app>/dashboards) through plain form
posts: a dashboard is added, given roles, tiles and charts without JSON; the
pickers offer only the chosen report's columns; problems land next to the
control of their path; it is told as a sentence; once published it opens at
/apps/<app>/dashboards/<name>."""
from __future__ import annotations

import json

from werkzeug.datastructures import MultiDict

from engine.designer.diff import diff_definitions
from tests.designer.browserless import designer_forms
from tests.designer.test_designer_reports import ORDERS

SALES = dict(ORDERS, roles=[{"name": "boss", "label": {"en": "Boss", "zh": "老板"}}, {"name": "clerk"}], reports=[
    {"name": "by_month", "label": {"en": "By month", "zh": "按月"}, "source": "order.lines",
     "group_by": [{"field": "parent.date", "bucket": "month", "name": "month", "label": {"en": "Month", "zh": "月份"}},
                  {"field": "product"}],
     "measures": [{"name": "qty", "agg": "sum", "expression": "qty", "label": {"en": "Quantity", "zh": "数量"}}]},
    {"name": "orders", "source": "order", "group_by": [{"field": "shipped"}],
     "measures": [{"name": "count", "agg": "count"}]}])
BASE = "/designer/apps/sales"


def _import(client, definition=SALES):
    response = client.post("/designer/import", data={"json": json.dumps(definition)})
    assert response.status_code == 302, response.data[:2000]


def _draft(client, app="sales"):
    return client.get(f"/designer/apps/{app}/draft").get_json()


def _page(client, app="sales"):
    response = client.get(f"/designer/apps/{app}/dashboards")
    assert response.status_code == 200
    return response.data.decode()


def _op(client, operation):
    return client.post(BASE + "/edit", data={"_op": json.dumps(operation)})


def _options(page, path):
    select = page.split(f'name="{path}"')[1].split("</select>")[0]
    return [part.split('"')[0] for part in select.split('<option value="')[1:]]


def _add_dashboard(client):
    client.post(BASE + "/add", data={"_list": "dashboards", "kind": "dashboard", "label_zh": "销售看板",
                                     "label_en": "Sales board"})


def test_a_dashboard_is_built_with_form_posts_and_told_as_a_sentence(designer_client):
    _import(designer_client)
    assert 'data-testid="tab-dashboards"' in _page(designer_client)
    _add_dashboard(designer_client)
    assert _draft(designer_client)["definition"]["dashboards"] == [
        {"name": "sales_board", "label": {"en": "Sales board", "zh": "销售看板"}}]
    _op(designer_client, {"op": "insert", "path": "dashboards[0].tiles", "value": {"report": "by_month", "measure": "qty"}})
    _op(designer_client, {"op": "insert", "path": "dashboards[0].charts",
                          "value": {"report": "by_month", "type": "bar", "x": "month", "y": "qty"}})
    designer_client.post(BASE + "/edit", data=MultiDict([
        ("dashboards[0].roles", "boss"), ("_kind:dashboards[0].roles", "list"),
        ("dashboards[0].tiles[0].format", "integer"), ("dashboards[0].tiles[0].label.zh", "本月数量"),
        ("dashboards[0].tiles[0].filter", "parent.shipped == True"),
        ("dashboards[0].charts[0].type", "stacked_bar"), ("dashboards[0].charts[0].series", "product"),
        ("dashboards[0].charts[0].label.en", "Monthly quantity"), ("dashboards[0].charts[0].limit", "12"),
        ("_kind:dashboards[0].charts[0].limit", "int"), ("_kind:dashboards[0].charts[0].drill", "bool~")]))
    answer = _draft(designer_client)
    assert answer["errors"] == []
    assert answer["definition"]["dashboards"][0] == {
        "name": "sales_board", "label": {"en": "Sales board", "zh": "销售看板"}, "roles": ["boss"],
        "tiles": [{"report": "by_month", "measure": "qty", "format": "integer", "label": {"zh": "本月数量"},
                   "filter": "parent.shipped == True"}],
        "charts": [{"report": "by_month", "type": "stacked_bar", "x": "month", "y": "qty", "series": "product",
                    "label": {"en": "Monthly quantity"}, "limit": 12, "drill": False}]}
    page = _page(designer_client)
    assert "销售看板（老板可见）：指标 本月数量；图表 Monthly quantity（堆叠柱状图，按月份、product）" in page
    assert "Sales board (for Boss): tiles 本月数量; charts Monthly quantity (stacked bar chart by Month and product)." \
        in page
    assert "Publish the app to open this dashboard." in page


def test_the_pickers_offer_only_the_chosen_reports_columns(designer_client):
    _import(designer_client)
    _add_dashboard(designer_client)
    _op(designer_client, {"op": "insert", "path": "dashboards[0].charts",
                          "value": {"report": "by_month", "type": "bar", "x": "month", "y": "qty"}})
    page = _page(designer_client)
    assert _options(page, "dashboards[0].charts[0].x") == ["month", "product"]
    assert _options(page, "dashboards[0].charts[0].y") == ["qty"]
    assert _options(page, "dashboards[0].charts[0].report") == ["by_month", "orders"]
    assert '<option value="parent.shipped">' in page.split('id="df-0-c0"')[1].split("</datalist>")[0]
    designer_client.post(BASE + "/edit", data={"dashboards[0].charts[0].report": "orders",
                                               "dashboards[0].charts[0].x": "shipped",
                                               "dashboards[0].charts[0].y": "count"})
    page = _page(designer_client)
    assert _options(page, "dashboards[0].charts[0].x") == ["shipped"]
    assert _options(page, "dashboards[0].charts[0].y") == ["count"]
    assert _draft(designer_client)["errors"] == []


def test_dashboard_problems_land_next_to_their_control(designer_client):
    _import(designer_client)
    _add_dashboard(designer_client)
    _op(designer_client, {"op": "insert", "path": "dashboards[0].tiles", "value": {"report": "by_month", "measure": "qty"}})
    _op(designer_client, {"op": "insert", "path": "dashboards[0].charts",
                          "value": {"report": "by_month", "type": "pie", "x": "month", "y": "qty"}})
    designer_client.post(BASE + "/edit", data={
        "dashboards[0].tiles[0].filter": "parent.shiped == True", "dashboards[0].charts[0].y": "month",
        "dashboards[0].charts[0].series": "product"})
    broken = ("dashboards[0].tiles[0].filter", "dashboards[0].charts[0].y", "dashboards[0].charts[0].series")
    assert set(broken) <= {e["path"] for e in _draft(designer_client)["errors"]}
    page = _page(designer_client)
    for path in broken:
        feedback = page.split(f'data-errors-for="{path}"')[1].split("</div>")[0]
        assert feedback.startswith(' role="alert">') and len(feedback) > len(' role="alert">'), path
    problems = page.split("data-problem-list")[1].split("</ul>")[0]
    assert "/designer/apps/sales/dashboards#p-dashboards[0].charts[0].y" in problems


def test_a_published_dashboard_opens_from_the_editor(app, designer_client):
    from tests.designer.conftest import sign_in
    _import(designer_client)
    _add_dashboard(designer_client)
    _op(designer_client, {"op": "insert", "path": "dashboards[0].charts",
                          "value": {"report": "by_month", "type": "bar", "x": "month", "y": "qty"}})
    response = designer_client.post(BASE + "/publish", data={"confirm": "1"})
    assert response.status_code in (200, 302)
    assert 'href="/apps/sales/dashboards/sales_board"' in _page(designer_client)
    admin = sign_in(app.test_client(), "root")
    assert "Sales board" in admin.get("/apps/sales/dashboards/sales_board").data.decode()


def test_renaming_and_removing_dashboards_tiles_and_charts(designer_client):
    _import(designer_client)
    _add_dashboard(designer_client)
    _add_dashboard(designer_client)
    assert [d["name"] for d in _draft(designer_client)["definition"]["dashboards"]] == ["sales_board", "sales_board_2"]
    _op(designer_client, {"op": "insert", "path": "dashboards[1].tiles", "value": {"report": "orders", "measure": "count"}})
    designer_client.post(BASE + "/edit", data={"dashboards[1].name": "overview"})
    _op(designer_client, {"op": "remove", "path": "dashboards[0]"})
    _op(designer_client, {"op": "remove", "path": "dashboards[0].tiles[0]"})
    assert _draft(designer_client)["definition"]["dashboards"] == [
        {"name": "overview", "label": {"en": "Sales board", "zh": "销售看板"}, "tiles": []}]


def test_posting_the_dashboard_page_unchanged_keeps_every_inventory_dashboard(designer_client):
    from engine.definitions.loader import load_definition
    from engine.resources import bundled_app_path
    definition = load_definition(bundled_app_path("inventory"))
    _import(designer_client, definition)
    html = _page(designer_client, "inventory")
    assert html.count('data-testid="dashboard"') == len(definition["dashboards"])
    assert "经理看板（" in html and "月度销售额（折线图，按" in html
    for fields in designer_forms(html):
        designer_client.post("/designer/apps/inventory/edit", data=MultiDict(fields))
    assert diff_definitions(definition, _draft(designer_client, "inventory")["definition"]) == []
