"""The forecast editor (/designer/apps/<app>/forecasts) through plain form
posts: only reports with a day column are offered, the column pickers offer
the chosen report's columns, problems land next to their control, the
forecast is told as a sentence, and the inventory's forecast posts back
unchanged."""
from __future__ import annotations

import html

from werkzeug.datastructures import MultiDict

from engine.designer.diff import diff_definitions
from tests.designer.browserless import designer_forms
from tests.designer.test_designer_dashboards import SALES, _draft, _import, _op, _options

DAILY = {"name": "daily", "label": {"en": "Daily sales", "zh": "每日销量"}, "source": "order.lines",
         "group_by": [{"field": "parent.date", "bucket": "day", "name": "day"},
                      {"field": "product", "label": {"en": "Product", "zh": "商品"}}],
         "measures": [{"name": "qty", "agg": "sum", "expression": "qty", "label": {"en": "Quantity", "zh": "数量"}}]}
BASE = "/designer/apps/sales"


def _page(client, app="sales"):
    response = client.get(f"/designer/apps/{app}/forecasts")
    assert response.status_code == 200
    return response.data.decode()


def test_a_forecast_is_built_with_form_posts_and_told_as_a_sentence(designer_client):
    _import(designer_client, dict(SALES, reports=SALES["reports"] + [DAILY]))
    page = _page(designer_client)
    assert 'data-testid="tab-forecasts"' in page
    assert [o for o in page.split('data-testid="add-forecast"')[1].split("</select>")[0].split("<option>")[1:]] \
        == ["daily</option>"]                  # only a report with a day column can be forecast
    designer_client.post(BASE + "/add", data={"_list": "forecasts", "kind": "forecast", "source": "daily",
                                              "label_zh": "销量预测", "label_en": "Sales forecast"})
    assert _draft(designer_client)["definition"]["forecasts"] == [
        {"name": "sales_forecast", "label": {"en": "Sales forecast", "zh": "销量预测"}, "report": "daily",
         "date": "day", "value": "qty"}]
    page = _page(designer_client)
    assert _options(page, "forecasts[0].date") == ["day"]
    assert _options(page, "forecasts[0].item") == ["", "product"]
    designer_client.post(BASE + "/edit", data={
        "forecasts[0].item": "product", "forecasts[0].horizon": "14", "_kind:forecasts[0].horizon": "int",
        "forecasts[0].season_length": "7", "_kind:forecasts[0].season_length": "int"})
    answer = _draft(designer_client)
    assert answer["errors"] == []
    assert answer["definition"]["forecasts"][0]["horizon"] == 14
    page = _page(designer_client)
    assert "销量预测：根据“每日销量”报表，按商品预测未来 14 天的数量（季节周期 7 天，回测 3 次）" in page
    assert "Sales forecast: from the report Daily sales, Quantity per Product for the next 14 days" in page


def test_forecast_problems_land_next_to_their_control(designer_client):
    _import(designer_client, dict(SALES, reports=SALES["reports"] + [DAILY]))
    designer_client.post(BASE + "/add", data={"_list": "forecasts", "kind": "forecast", "source": "daily"})
    designer_client.post(BASE + "/edit", data={"forecasts[0].item": "day", "forecasts[0].folds": "99",
                                               "_kind:forecasts[0].folds": "int"})
    _assert_errors_under(designer_client, ("forecasts[0].item", "forecasts[0].folds"))
    assert "/designer/apps/sales/forecasts#p-forecasts[0].item" in _page(designer_client).split("data-problem-list")[1]
    designer_client.post(BASE + "/edit", data={"forecasts[0].item": "product", "forecasts[0].folds": ""})
    button = _page(designer_client).split("+ purchase suggestions")[0].rsplit('value="', 1)[1].split('"')[0]
    designer_client.post(BASE + "/edit", data={"_op": html.unescape(button)})    # the "+ purchase" button
    assert _draft(designer_client)["definition"]["forecasts"][0]["purchase"]["stock_form"] == "product"
    designer_client.post(BASE + "/edit", data={"forecasts[0].purchase.available": "nope"})
    _assert_errors_under(designer_client, ("forecasts[0].purchase.available",))


def _assert_errors_under(client, broken):
    assert set(broken) <= {e["path"] for e in _draft(client)["errors"]}
    page = _page(client)
    for path in broken:
        feedback = page.split(f'data-errors-for="{path}"')[1].split("</div>")[0]
        assert feedback.startswith(' role="alert">') and len(feedback) > len(' role="alert">'), path


def test_posting_the_forecast_page_unchanged_keeps_the_inventory_forecast(designer_client):
    from engine.definitions.loader import load_definition
    from engine.resources import bundled_app_path
    definition = load_definition(bundled_app_path("inventory"))
    _import(designer_client, definition)
    html = _page(designer_client, "inventory")
    assert html.count('data-testid="forecast"') == len(definition["forecasts"])
    assert "，并给出采购建议" in html
    for fields in designer_forms(html):
        designer_client.post("/designer/apps/inventory/edit", data=MultiDict(fields))
    assert diff_definitions(definition, _draft(designer_client, "inventory")["definition"]) == []
