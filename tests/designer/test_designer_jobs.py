"""The scheduled-job editor (/designer/apps/<app>/jobs) through plain form
posts: a job is added, its schedule is read out in words, its action is
switched and filled in, a bad cron is named next to its box, and every
inventory job survives an unchanged post of the page."""
from __future__ import annotations

import json

from werkzeug.datastructures import MultiDict

from engine.designer.diff import diff_definitions
from engine.designer.job_text import cron_text
from tests.designer.browserless import designer_forms
from tests.designer.test_designer_reports import ORDERS, _draft, _import


def _page(client, app="sales"):
    response = client.get(f"/designer/apps/{app}/jobs")
    assert response.status_code == 200
    return response.data.decode()


def test_schedules_are_read_out_in_words():
    assert cron_text("0 6 * * 1", "zh") == "每周一 06:00（UTC）"
    assert cron_text("0 6 * * 1", "en") == "every Monday at 06:00 (UTC)"
    assert cron_text("30 8,12 * * 1-5", "en") == "every Monday to Friday at 08:30, 12:30 (UTC)"
    assert cron_text("*/15 * * * *", "zh") == "每 15 分钟（UTC）"
    assert cron_text("0 0 1 * *", "zh") == "每月 1 日 00:00（UTC）"
    assert cron_text("0 9 1 1,7 *", "en") == "on day 1 in January, July at 09:00 (UTC)"
    assert cron_text("0 6 L * *", "en") == "on the schedule “0 6 L * *” (UTC)"


def test_a_job_is_added_scheduled_and_its_action_switched(designer_client):
    _import(designer_client, ORDERS)
    designer_client.post("/designer/apps/sales/add", data={
        "_list": "jobs", "kind": "job", "label_zh": "每日订单", "label_en": "Daily order"})
    job = _draft(designer_client)["definition"]["jobs"][0]
    assert job == {"name": "daily_order", "label": {"en": "Daily order", "zh": "每日订单"},
                   "cron": "0 6 * * *", "action": {"create": "product"}}
    edit = "/designer/apps/sales/edit"
    designer_client.post(edit, data={"jobs[0].cron": "0 7 * * 1", "_op": json.dumps(
        {"op": "set", "path": "jobs[0].action", "value": {"create": "order"}})})
    designer_client.post(edit, data={"_op": json.dumps({"op": "set_entry", "path": "jobs[0].action.values"}),
                                     "_key": "date", "_value": "today()"})
    answer = _draft(designer_client)
    assert answer["errors"] == []
    assert answer["definition"]["jobs"][0]["action"] == {"create": "order", "values": {"date": "today()"}}
    page = _page(designer_client)
    assert "“每日订单”：每周一 07:00（UTC）新建一条订单" in page
    assert "Next runs (UTC):" in page and 'data-testid="tab-jobs"' in page

    designer_client.post(edit, data={"jobs[0].cron": "0 7 * *"})
    assert "jobs[0].cron" in {e["path"] for e in _draft(designer_client)["errors"]}
    feedback = _page(designer_client).split('data-errors-for="jobs[0].cron"')[1].split("</div>")[0]
    assert "5 fields" in feedback


def test_posting_the_job_page_unchanged_keeps_every_inventory_job(designer_client):
    from engine.definitions.loader import load_definition
    from engine.resources import bundled_app_path
    definition = load_definition(bundled_app_path("inventory"))
    _import(designer_client, definition)
    html = _page(designer_client, "inventory")
    assert html.count('data-testid="job"') == len(definition["jobs"]) > 0
    assert "每周一 06:00（UTC）运行报告生成器 stock_count" in html
    for fields in designer_forms(html):
        designer_client.post("/designer/apps/inventory/edit", data=MultiDict(fields))
    assert diff_definitions(definition, _draft(designer_client, "inventory")["definition"]) == []
