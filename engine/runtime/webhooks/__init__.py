"""Webhooks: admin-configured subscriptions per form and event, queued in the
outbox inside the write transaction and delivered after commit.

- `store`: the ld_webhooks table and subscription management (CLI).
- `enqueue`: called by the save pipeline for every logged write.
- `delivery`: `deliver_pending()`, the worker that signs and posts outbox rows.
"""
