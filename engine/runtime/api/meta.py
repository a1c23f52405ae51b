"""App and form listings: what an integrator discovers first."""
from __future__ import annotations

from flask import jsonify

from engine.db import get_db
from engine.runtime.api import api
from engine.runtime.api.auth import current_actor
from engine.runtime.api.describe import describe_form
from engine.runtime.registry import get_registry


@api.get("/apps")
def list_apps():
    current_actor()
    registry = get_registry()
    with get_db().read() as connection:
        items = []
        for name in registry.names(connection):
            model = registry.get(connection, name).model
            items.append({"name": model.name, "label": dict(model.label), "version": model.version,
                          "forms": list(model.forms)})
    return jsonify({"items": items, "next": None})


@api.get("/apps/<app>/forms")
def list_forms(app: str):
    current_actor()
    with get_db().read() as connection:
        loaded = get_registry().get(connection, app)
    model = loaded.model
    items = [describe_form(form, model.adjusted_fields(form.name)) for form in model.forms.values()]
    return jsonify({"items": items, "next": None})
