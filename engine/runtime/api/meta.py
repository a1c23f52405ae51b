"""App and form listings: what an integrator discovers first — only the apps,
forms and fields the caller may read (permissions decide, not the listing)."""
from __future__ import annotations

from flask import jsonify

from engine.db import get_db
from engine.runtime.api import api
from engine.runtime.api.auth import current_actor
from engine.runtime.api.describe import describe_form
from engine.runtime.errors import NotFound
from engine.runtime.permissions import access_for, visible_form_names
from engine.runtime.registry import get_registry


@api.get("/apps")
def list_apps():
    actor = current_actor()
    registry = get_registry()
    with get_db().read() as connection:
        items = []
        for name in registry.names(connection):
            model = registry.get(connection, name).model
            forms = visible_form_names(actor, model)
            if forms:
                items.append({"name": model.name, "label": dict(model.label), "version": model.version,
                              "forms": forms})
    return jsonify({"items": items, "next": None})


@api.get("/apps/<app>/forms")
def list_forms(app: str):
    actor = current_actor()
    with get_db().read() as connection:
        loaded = get_registry().get(connection, app)
    model = loaded.model
    items = []
    for form in model.forms.values():
        access = access_for(actor, model, form)
        if access.can("read"):
            items.append(describe_form(form, model.adjusted_fields(form.name), access))
    if not items:
        # An app the caller cannot use at all looks like one that is not installed.
        raise NotFound(f"No installed app {app!r}")
    return jsonify({"items": items, "next": None})
