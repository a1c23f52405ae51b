"""/admin/webhooks: the webhook subscriptions and the delivery log (the outbox)
for global admins, with a Retry button for dead or failing deliveries. The
same store and delivery functions back `liandong webhook deliveries|retry`."""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from engine.db import get_db
from engine.runtime.actor import Actor
from engine.runtime.errors import Forbidden, NotFound
from engine.runtime.web import context
from engine.runtime.web.screens import screens
from engine.runtime.webhooks import delivery, store
from engine.storage.system import log_operation

PAGE_SIZE = 50
ERROR_PREVIEW = 120


def admin_actor() -> Actor:
    """The signed-in global admin (anonymous: Unauthorized → sign-in page; others: 403)."""
    actor = context.screen_actor()
    if not actor.is_admin:
        raise Forbidden(_("Only administrators can manage webhooks."))
    return actor


def _status_filter(value: str | None) -> str | None:
    return value if value in store.DELIVERY_STATUSES else None


def _time(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else ""


def _present(row: dict) -> dict:
    error = row["last_error"] or ""
    return {**row, "error_preview": error if len(error) <= ERROR_PREVIEW else error[:ERROR_PREVIEW] + "…",
            "created": _time(row["created_at"]), "next_attempt": _time(row["next_attempt_at"]),
            "delivered": _time(row["delivered_at"]),
            "retryable": delivery.retryable(row),
            "record_url": url_for("screens.show_record", app=row["app"], form=row["form"],
                                  record_id=row["record_id"])}


@screens.get("/admin/webhooks")
def webhooks_admin():
    admin_actor()
    status = _status_filter(request.args.get("status"))
    before = request.args.get("before", "")
    with get_db().read() as connection:
        subscriptions = store.list_all(connection)
        rows = store.deliveries(connection, status=status, limit=PAGE_SIZE + 1,
                                before_id=int(before) if before.isdigit() else None)
    items = [_present(row) for row in rows[:PAGE_SIZE]]
    more = rows[PAGE_SIZE - 1]["id"] if len(rows) > PAGE_SIZE else None
    return context.render_screen(
        "runtime/webhooks_admin.html", subscriptions=subscriptions, deliveries=items, status_filter=status,
        statuses=store.DELIVERY_STATUSES, paged=bool(before),
        next_url=url_for("screens.webhooks_admin", status=status, before=more) if more else None)


@screens.post("/admin/webhooks/deliveries/<int:delivery_id>/retry")
def retry_webhook_delivery(delivery_id: int):
    actor = admin_actor()
    with get_db().transaction() as connection:
        row = store.delivery(connection, delivery_id)
        if row is None:
            raise NotFound(_("No webhook delivery %(id)s.", id=delivery_id))
        retried = delivery.retry(connection, delivery_id, failing=True)
        if retried:
            log_operation(connection, "webhook.retry", f"delivery {delivery_id}", actor_id=actor.user_id,
                          address=request.remote_addr,
                          details={"status": row["status"], "attempts": row["attempts"],
                                   "last_error": row["last_error"]})
    if retried:
        flash(_("Delivery %(id)s is pending again and will be sent on the next delivery run.",
                id=delivery_id), "success")
    else:
        flash(_("Delivery %(id)s is not dead or failing: nothing to retry.", id=delivery_id), "warning")
    return redirect(url_for("screens.webhooks_admin", status=_status_filter(request.form.get("status"))))
