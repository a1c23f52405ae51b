"""Permissions live in the service: callers other than the REST API (screens,
imports, jobs) get the same answers from RecordService directly."""
from __future__ import annotations

import pytest

from engine.db import get_db
from engine.runtime import identity
from engine.runtime.actor import SYSTEM
from engine.runtime.errors import Forbidden, NotFound
from engine.runtime.permissions import access_for
from engine.runtime.records.service import get_record_service


def actor(app, username):
    with get_db(app).read() as connection:
        return identity.actor_for_user(connection, identity.find_user(connection, username))


def test_service_reads_and_writes_apply_the_callers_rights(perm_world):
    app, service = perm_world.app, get_record_service(perm_world.app)
    clerk = actor(app, "u_clerk")
    tickets = {t["region"] + str(t["priority"]): t for t in service.list("perm", "ticket", actor=SYSTEM).items}
    north, south = tickets["north1"], tickets["south2"]
    shown = service.get("perm", "ticket", north["id"], actor=clerk)
    assert "note" not in shown and "moves" not in shown and shown["subject"] == "north 1"
    with pytest.raises(NotFound):
        service.get("perm", "ticket", south["id"], actor=clerk)
    page = service.list("perm", "ticket", actor=clerk, limit=500)
    assert south["id"] not in {i["id"] for i in page.items}
    for entry in service.history("perm", "ticket", north["id"], actor=clerk):
        assert "note" not in entry["changes"]["fields"] and "moves" not in entry["changes"]["rows"]
    with pytest.raises(Forbidden) as refused:
        service.update("perm", "ticket", north["id"], {"note": "x"}, actor=clerk)
    assert "note" in str(refused.value)
    preview = service.preview("perm", "ticket", {"subject": "typed"}, actor=clerk, record_id=north["id"])
    assert "note" not in preview["record"] and preview["record"]["subject"] == "typed"
    with pytest.raises(Forbidden):
        service.create("perm", "secret", {"code": "X"}, actor=clerk)


def test_access_and_record_access_for_screens(perm_world):
    """What a screen asks before drawing buttons: rights per form and per record."""
    app, service = perm_world.app, get_record_service(perm_world.app)
    editor = actor(app, "u_editor")
    with get_db(app).read() as connection:
        loaded = service.registry.get(connection, "perm")
        form = loaded.form("ticket")
        access = service.policy.access(loaded, form, editor)
        assert access.read and access.update and access.delete and not access.create
        assert access.fields["secret"] == "hidden" and access.fields["total"] == "read"
        low = next(t for t in service.list("perm", "ticket", actor=SYSTEM).items if t["priority"] == 1)
        high = next(t for t in service.list("perm", "ticket", actor=SYSTEM).items if t["priority"] == 3)
        assert not service.policy.record_access(connection, loaded, form, editor, low["id"]).update
        assert service.policy.record_access(connection, loaded, form, editor, high["id"]).delete
        assert access_for(SYSTEM, loaded.model, form).unrestricted
