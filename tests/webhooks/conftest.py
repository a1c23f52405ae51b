"""A small app with a workflow and a check, and a local HTTP receiver that
records what it is sent and can be told to fail the next N requests."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from engine.db import get_db
from engine.runtime.actor import SYSTEM
from engine.runtime.outbox import outbox
from engine.runtime.records.service import get_record_service
from engine.runtime.webhooks import store
from engine.storage.install import install_app

HOOKS_APP = {"app": "hooks", "version": "1", "forms": [
    {"name": "ticket", "fields": [
        {"name": "title", "type": "text", "required": True},
        {"name": "qty", "type": "integer", "default": 0}],
     "checks": [{"when": "qty < 0", "message": {"en": "No negative qty", "zh": "数量不能为负"}}],
     "workflow": {"initial": "open", "states": ["open", "closed"],
                  "transitions": [{"name": "close", "from": "open", "to": "closed"}]}},
    {"name": "note", "fields": [{"name": "text", "type": "text"}]}]}


class Receiver:
    def __init__(self):
        self.requests: list[dict] = []
        self.fail_next = 0
        self.delay = 0.0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    failing = receiver.fail_next > 0
                    receiver.fail_next -= 1 if failing else 0
                    receiver.requests.append({"path": self.path, "headers": dict(self.headers),
                                              "body": body, "failed": failing})
                time.sleep(receiver.delay)
                self.send_response(500 if failing else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def delivered(self) -> list[dict]:
        return [r for r in self.requests if not r["failed"]]

    def events(self) -> list[tuple[str, int]]:
        return [(json.loads(r["body"])["event"], json.loads(r["body"])["id"]) for r in self.delivered]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


class Hooks:
    def __init__(self, app):
        self.app = app
        self.service = get_record_service(app)

    def create(self, form="ticket", **values):
        return self.service.create("hooks", form, values, actor=SYSTEM)

    def update(self, record, form="ticket", **values):
        return self.service.update("hooks", form, record["id"], values, actor=SYSTEM)

    def subscribe(self, url, *events, form="ticket", secret="s3cret", name=None):
        with get_db(self.app).transaction() as connection:
            return store.add(connection, app="hooks", form=form, url=url, events=list(events),
                             secret=secret, name=name)

    def rows(self):
        with get_db(self.app).read() as connection:
            return [dict(r) for r in connection.execute(select(outbox).order_by(outbox.c.id)).mappings()]


@pytest.fixture
def hooks(app):
    install_app(get_db(app), HOOKS_APP)
    return Hooks(app)
