"""Publish (with the migration plan), version history, diff and rollback."""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from engine.db import get_db
from engine.designer import publish as publishing
from engine.designer import service
from engine.designer.diff import diff_definitions
from engine.designer.pages import render
from engine.designer.views import _actor, designer


@designer.get("/apps/<app>/publish")
def publish_page(app: str):
    plan = publishing.plan_publish(get_db(), app)
    draft = service.load_draft(get_db(), app, _actor())
    current = next((v for v in publishing.versions(get_db(), app) if v.current), None)
    moved = bool(current and draft.base_version_id and current.id != draft.base_version_id)
    return render("designer/publish.html", app, plan=plan, tab="publish", moved_since=moved,
                  changes=_changes_since_published(app))


def _changes_since_published(app: str):
    database = get_db()
    draft = service.load_draft(database, app, _actor())
    with database.read() as connection:
        from engine.storage.install import load_installed_definition
        installed = load_installed_definition(connection, app)
    return diff_definitions(installed or {}, draft.definition)


@designer.post("/apps/<app>/publish")
def publish(app: str):
    result = publishing.publish(get_db(), app, _actor(),
                                confirm_destructive=bool(request.form.get("confirm_destructive")))
    if result.status == "unchanged":
        flash(_("Nothing to publish: the draft is the published version."), "info")
    else:
        flash(_("Published. Every user gets the new version on their next page."), "success")
    return redirect(url_for("designer.history", app=app))


@designer.get("/apps/<app>/history")
def history(app: str):
    return render("designer/history.html", app, versions=publishing.versions(get_db(), app), tab="history")


@designer.get("/apps/<app>/history/<int:version_id>")
def version_diff(app: str, version_id: int):
    database = get_db()
    old = publishing.version_definition(database, app, version_id)
    versions = publishing.versions(database, app)
    current = next((v for v in versions if v.current), None)
    now = publishing.version_definition(database, app, current.id) if current else {}
    plan = publishing.plan_publish(database, app, _as_rollback(old, now))
    return render("designer/version.html", app, version_id=version_id, changes=diff_definitions(now, old),
                  plan=plan, current=current, tab="history")


def _as_rollback(old: dict, now: dict) -> dict:
    candidate = dict(old)
    if now and now.get("version"):
        candidate["version"] = now["version"]
    return candidate


@designer.post("/apps/<app>/history/<int:version_id>/rollback")
def rollback(app: str, version_id: int):
    publishing.rollback(get_db(), app, version_id, _actor(),
                        confirm_destructive=bool(request.form.get("confirm_destructive")))
    flash(_("Rolled back: version #%(id)s is published again.", id=version_id), "success")
    return redirect(url_for("designer.history", app=app))
