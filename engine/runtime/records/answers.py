"""What a record answer says for the keys that are not stored columns: the
workflow transitions the caller may take (`available_transitions`, record
answers) and the linked records' titles (`_titles`, list items). A client may
send them back as it read them (DESIGN §7.1); the parse step compares what it
sends with what the caller would be answered now."""
from __future__ import annotations

from typing import Any, Mapping

from engine.definitions.model import FormModel
from engine.runtime.errors import Forbidden


def answered(session, form: FormModel, key: str, record: Mapping[str, Any]) -> Any:
    if key == "available_transitions":
        from engine.runtime import workflow
        return workflow.available(session, form, record) if form.workflow else None
    if key == "_titles":
        return _list_titles(session, form, record["id"])
    return None


def _list_titles(session, form: FormModel, record_id: int) -> dict[str, Any] | None:
    """The `_titles` of the record's list item, read as the caller in this transaction."""
    from engine.runtime.actor import SYSTEM
    from engine.runtime.permissions.reads import RecordReader
    from engine.runtime.records.queries import ListQuery
    if session.policy is not None:
        reader = session.policy.reader(session.connection, session.app, form, session.actor)
    else:
        reader = RecordReader(session.connection, session.app, form, SYSTEM)
    try:
        options = reader.list_options()
    except Forbidden:                  # may write but not read: nothing was answered
        return None
    page = ListQuery(session.app, form, session.actor, **options).page(
        session.connection, filter=f"id == {int(record_id)}", sort=None, limit=1, after=None)
    return page.items[0].get("_titles") if page.items else None
