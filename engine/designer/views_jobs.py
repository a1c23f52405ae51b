"""The scheduled-job editor: each job's name, label, cron schedule (read out
in words, with its next runs) and action (create a record with values, run a
report builder, or check for anomalies), told as a sentence."""
from __future__ import annotations

from engine.db import get_db
from engine.designer import service
from engine.designer.job_text import action_kind, cron_text, job_sentence, next_runs
from engine.designer.pages import render
from engine.designer.views import _actor, designer

ANOMALY_OPTIONS = (("window_days", "int"), ("min_history_days", "int"), ("lookback_days", "int"),
                   ("threshold", "number"), ("min_units", "number"), ("adjustment_share", "number"))


def _settable_fields(definition: dict, form_name: str) -> list[str]:
    form = next((f for f in definition.get("forms") or [] if isinstance(f, dict) and f.get("name") == form_name), {})
    return [f.get("name") for f in form.get("fields") or [] if isinstance(f, dict)
            and f.get("type") not in ("subform", "autonumber") and not f.get("formula")]


def _job_view(definition: dict, index: int, job: dict) -> dict:
    action = dict(job.get("action")) if isinstance(job.get("action"), dict) else {}
    kind = action_kind(action)
    if not isinstance(action.get("values"), dict):
        action.pop("values", None)        # a broken draft's values are left to its problems
    return {"index": index, "job": job, "action": action, "kind": kind,
            "sentence_zh": job_sentence(definition, job, "zh"), "sentence_en": job_sentence(definition, job, "en"),
            "schedule": cron_text(job.get("cron"), _actor().language or "en"), "next_runs": next_runs(job.get("cron")),
            "create_fields": _settable_fields(definition, action.get("create")) if kind == "create" else []}


@designer.get("/apps/<app>/jobs")
def jobs(app: str):
    from engine.runtime.jobs.reports import REPORTS
    definition = service.load_draft(get_db(), app, _actor()).definition
    listed = definition.get("jobs") if isinstance(definition.get("jobs"), list) else []
    views = [_job_view(definition, i, j) for i, j in enumerate(listed) if isinstance(j, dict)]
    return render("designer/jobs.html", app, job_views=views, report_builders=sorted(REPORTS),
                  anomaly_options=ANOMALY_OPTIONS, tab="jobs")
