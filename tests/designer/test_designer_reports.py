"""The report editor (/designer/apps/<app>/reports) through plain form posts:
a report is added, grouped, measured and filtered without JSON; its problems
land next to the control of their path; it is told as a sentence; once
published it opens at /apps/<app>/reports/<name>."""
from __future__ import annotations

import json

from werkzeug.datastructures import MultiDict

from engine.designer.diff import diff_definitions
from tests.designer.browserless import designer_forms

ORDERS = {
    "app": "sales",
    "version": "1.0.0",
    "label": {"en": "Sales", "zh": "销售"},
    "forms": [
        {"name": "product", "label": {"en": "Product", "zh": "商品"}, "title": "name",
         "fields": [{"name": "name", "type": "text", "required": True},
                    {"name": "category", "type": "text", "label": {"en": "Category", "zh": "品类"}}]},
        {"name": "order", "label": {"en": "Order", "zh": "订单"},
         "fields": [{"name": "date", "type": "date", "label": {"en": "Date", "zh": "日期"}},
                    {"name": "shipped", "type": "boolean"},
                    {"name": "lines", "type": "subform", "label": {"en": "Lines", "zh": "明细"}, "fields": [
                        {"name": "product", "type": "link", "form": "product", "label": {"en": "Product", "zh": "商品"}},
                        {"name": "qty", "type": "integer", "label": {"en": "Quantity", "zh": "数量"}}]}]},
    ],
}


def _import(client, definition):
    response = client.post("/designer/import", data={"json": json.dumps(definition)})
    assert response.status_code == 302, response.data[:2000]


def _draft(client, app="sales"):
    return client.get(f"/designer/apps/{app}/draft").get_json()


def _page(client, app="sales"):
    response = client.get(f"/designer/apps/{app}/reports")
    assert response.status_code == 200
    return response.data.decode()


def _add_report(client):
    client.post("/designer/apps/sales/add", data={
        "_list": "reports", "kind": "report", "source": "order.lines", "label_zh": "月度销量",
        "label_en": "Monthly quantity"})


def test_a_report_is_built_with_form_posts_and_told_as_a_sentence(designer_client):
    _import(designer_client, ORDERS)
    assert 'data-testid="tab-reports"' in _page(designer_client)
    _add_report(designer_client)
    report = _draft(designer_client)["definition"]["reports"][0]
    assert report["name"] == "monthly_quantity" and report["source"] == "order.lines"
    base = "/designer/apps/sales/edit"
    designer_client.post(base, data={"_op": json.dumps({"op": "insert", "path": "reports[0].group_by",
                                                         "value": {"field": "parent.date"}})})
    designer_client.post(base, data={"reports[0].group_by[0].bucket": "month",
                                     "reports[0].group_by[0].name": "month",
                                     "reports[0].group_by[0].label.zh": "月份",
                                     "reports[0].group_by[0].label.en": "Month"})
    designer_client.post(base, data={"_op": json.dumps({"op": "insert", "path": "reports[0].group_by",
                                                         "value": {"field": "product"}})})
    designer_client.post(base, data={"reports[0].measures[0].name": "qty", "reports[0].measures[0].agg": "sum",
                                     "reports[0].measures[0].expression": "qty",
                                     "reports[0].measures[0].label.zh": "数量",
                                     "reports[0].measures[0].label.en": "Quantity",
                                     "reports[0].sort": "month,-qty", "reports[0].limit": "100",
                                     "reports[0].description.zh": "已发货的数量",
                                     "_kind:reports[0].limit": "int"})
    designer_client.post("/designer/apps/sales/condition", data={
        "_target": "reports[0].filter", "cond_field": ["parent.shipped"], "cond_op": ["=="],
        "cond_value": ["True"]})
    answer = _draft(designer_client)
    assert answer["errors"] == []
    assert answer["definition"]["reports"][0] == {
        "name": "monthly_quantity", "label": {"en": "Monthly quantity", "zh": "月度销量"},
        "source": "order.lines", "filter": "parent.shipped == True",
        "group_by": [{"field": "parent.date", "bucket": "month", "name": "month",
                      "label": {"en": "Month", "zh": "月份"}}, {"field": "product"}],
        "measures": [{"name": "qty", "agg": "sum", "expression": "qty", "label": {"en": "Quantity", "zh": "数量"}}],
        "sort": "month,-qty", "limit": 100, "description": {"zh": "已发货的数量"}}
    page = _page(designer_client)
    assert "从shipped为&#34;True&#34;的订单的明细中，按月份和商品汇总：数量合计，按月份升序、数量降序排列（最多 100 行）" in page
    assert "From the Order Lines whose shipped is &#34;True&#34;, by Month and Product: sum of Quantity" in page
    assert '<option value="parent.date" selected>' in page and '<option value="product.category"' in page
    assert "Publish the app to run this report." in page


def test_report_problems_land_next_to_their_control(designer_client):
    _import(designer_client, ORDERS)
    _add_report(designer_client)
    designer_client.post("/designer/apps/sales/edit", data={
        "reports[0].filter": "parent.shiped == True", "reports[0].measures[0].expression": "qty * nope",
        "reports[0].measures[0].agg": "sum", "reports[0].sort": "nothing"})
    paths = {e["path"] for e in _draft(designer_client)["errors"]}
    assert {"reports[0].filter", "reports[0].measures[0].expression", "reports[0].sort"} <= paths
    page = _page(designer_client)
    for path in ("reports[0].filter", "reports[0].measures[0].expression", "reports[0].sort"):
        feedback = page.split(f'data-errors-for="{path}"')[1].split("</div>")[0]
        assert feedback.startswith(' role="alert">') and len(feedback) > len(' role="alert">'), path
    problems = page.split('data-problem-list')[1].split("</ul>")[0]
    assert "/designer/apps/sales/reports#p-reports[0].filter" in problems


def test_a_published_report_opens_from_the_editor(app, designer_client):
    from tests.designer.conftest import sign_in
    _import(designer_client, ORDERS)
    _add_report(designer_client)
    response = designer_client.post("/designer/apps/sales/publish", data={"confirm": "1"})
    assert response.status_code in (200, 302)
    page = _page(designer_client)
    assert 'href="/apps/sales/reports/monthly_quantity"' in page
    admin = sign_in(app.test_client(), "root")      # the designer right alone does not read the rows
    assert "Monthly quantity" in admin.get("/apps/sales/reports/monthly_quantity").data.decode()


def test_renaming_and_removing_a_report(designer_client):
    _import(designer_client, ORDERS)
    _add_report(designer_client)
    _add_report(designer_client)
    names = [r["name"] for r in _draft(designer_client)["definition"]["reports"]]
    assert names == ["monthly_quantity", "monthly_quantity_2"]
    designer_client.post("/designer/apps/sales/edit", data={"reports[1].name": "by_product"})
    designer_client.post("/designer/apps/sales/edit", data={"_op": json.dumps({"op": "remove", "path": "reports[0]"})})
    assert [r["name"] for r in _draft(designer_client)["definition"]["reports"]] == ["by_product"]


def test_posting_the_report_page_unchanged_keeps_every_inventory_report(designer_client):
    from engine.definitions.loader import load_definition
    from engine.resources import bundled_app_path
    definition = load_definition(bundled_app_path("inventory"))
    _import(designer_client, definition)
    html = _page(designer_client, "inventory")
    assert html.count('data-testid="report"') == len(definition["reports"])
    assert "从状态为&#34;已发货&#34;的销售订单的明细中，按月份和商品汇总：数量合计、销售额合计、订单行数（计数）" in html
    for fields in designer_forms(html):
        designer_client.post("/designer/apps/inventory/edit", data=MultiDict(fields))
    assert diff_definitions(definition, _draft(designer_client, "inventory")["definition"]) == []
