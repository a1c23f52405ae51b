"""Hypothesis stateful test of the contribution invariant on the mini app.

Random documents are created, edited, moved between states, deleted and
restored; after every step the stock in the database equals an independent
Python model of the same rules, and `verify` finds nothing. Writes that would
take a strict warehouse below zero must be refused and change nothing.
"""
from __future__ import annotations

import os
import tempfile
from collections import defaultdict
from decimal import Decimal

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (RuleBasedStateMachine, initialize, invariant, precondition, rule,
                                 run_state_machine_as_test)
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from engine import create_app
from engine.db import get_db
from engine.runtime.errors import ValidationFailed
from engine.runtime.records.service import get_record_service
from engine.runtime.rules import verify
from engine.storage.install import install_app
from tests.rules.conftest import MINI_APP, Mini

FORMS = {  # form -> (statuses, the status that counts)
    "sales_order": (["draft", "confirmed", "shipped", "cancelled"], None),
    "sales_return": (["draft", "received", "cancelled"], "received"),
    "purchase_receipt": (["draft", "received", "cancelled"], "received"),
    "purchase_order": (["draft", "ordered", "cancelled"], "ordered"),
    "transfer": (["draft", "done", "cancelled"], "done"),
}
QTY = st.integers(min_value=1, max_value=40)


def contributions(doc) -> dict:
    """(product, warehouse, field) -> amount, the rules of mini_app.json in plain Python."""
    out: dict = defaultdict(Decimal)
    form, status = doc["form"], doc["status"]
    for product, qty in doc["lines"]:
        w = doc["warehouse"]
        if form == "sales_order" and status == "shipped":
            out[(product, w, "on_hand")] -= qty
        elif form == "sales_order" and status == "confirmed":
            out[(product, w, "reserved")] += qty
        elif form in ("sales_return", "purchase_receipt") and status == "received":
            out[(product, w, "on_hand")] += qty
        elif form == "purchase_order" and status == "ordered":
            out[(product, w, "incoming")] += qty
        elif form == "transfer" and status == "done":
            out[(product, doc["from"], "on_hand")] -= qty
            out[(product, w, "on_hand")] += qty
    return out


class LedgerMachine(RuleBasedStateMachine):
    database_url: str = ""          # set per backend by the test below

    def __init__(self):
        super().__init__()
        folder = tempfile.mkdtemp(prefix="ld-stateful-")
        os.environ["LIANDONG_INSTANCE_PATH"] = folder
        url = f"sqlite:///{folder}/stateful.db"
        if self.database_url.startswith("postgresql"):
            _reset_schema(self.database_url)
            url = self.database_url
        self.app = create_app({"DATABASE_URL": url, "SECRET_KEY": "t"})
        install_app(get_db(self.app), MINI_APP)
        self.mini = Mini(self.app)
        # Keys are (form, record id): ids repeat across forms.
        self.docs: dict[tuple, dict] = {}      # key -> model of the live document (None if deleted)
        self.entries: dict[tuple, list] = {}   # key -> [(history entry id, model doc)]

    def teardown(self):
        get_db(self.app).dispose()

    @initialize()
    def master_data(self):
        self.products = [self.mini.create("product", sku=f"P{i}", name=f"P{i}")["id"] for i in (1, 2)]
        self.strict = self.mini.create("warehouse", code="STRICT")["id"]
        self.loose = self.mini.create("warehouse", code="LOOSE", allow_negative=True)["id"]

    # ------------------------------------------------------------------ model
    def totals(self, docs) -> dict:
        total: dict = defaultdict(Decimal)
        for doc in docs.values():
            if doc is not None:
                for key, amount in contributions(doc).items():
                    total[key] += amount
        return total

    def allowed(self, docs) -> bool:
        return all(amount >= 0 for (p, w, field), amount in self.totals(docs).items()
                   if field == "on_hand" and w == self.strict)

    def attempt(self, key, new_doc, write):
        """Run `write`; it must succeed iff the model says the result is allowed."""
        proposed = dict(self.docs)
        proposed[key] = new_doc
        expected_ok = self.allowed(proposed)
        try:
            record = write()
        except ValidationFailed as error:
            assert not expected_ok, f"refused although allowed: {error}"
            return
        assert expected_ok, "accepted although it takes strict stock below zero"
        record_key = key or (new_doc["form"], record["id"])
        self.docs[record_key] = new_doc
        latest = self.mini.history(new_doc["form"], {"id": record_key[1]})[0]
        self.entries.setdefault(record_key, []).append((latest["id"], new_doc))

    def lines(self, data):
        return data.draw(st.lists(st.tuples(st.sampled_from(self.products), QTY), min_size=1, max_size=3))

    def as_rows(self, lines):
        return [{"product": p, "qty": q} for p, q in lines]

    # ------------------------------------------------------------------ rules
    @rule(data=st.data(), form=st.sampled_from(sorted(FORMS)))
    def create_document(self, data, form):
        warehouse = data.draw(st.sampled_from([self.strict, self.loose]))
        status = data.draw(st.sampled_from(FORMS[form][0]))
        lines = self.lines(data)
        doc = {"form": form, "status": status, "warehouse": warehouse, "lines": lines}
        values = {"status": status, "lines": self.as_rows(lines)}
        if form == "transfer":
            doc["from"] = self.loose if warehouse == self.strict else self.strict
            values.update(from_warehouse=doc["from"], to_warehouse=warehouse)
        else:
            values["warehouse"] = warehouse
        self.attempt(None, doc, lambda: self.mini.create(form, **values))

    def live(self):
        return sorted(k for k, d in self.docs.items() if d is not None)

    @precondition(lambda self: any(d is not None for d in self.docs.values()))
    @rule(data=st.data())
    def change_status(self, data):
        key = data.draw(st.sampled_from(self.live()))
        doc = self.docs[key]
        status = data.draw(st.sampled_from(FORMS[doc["form"]][0]))
        self.attempt(key, dict(doc, status=status),
                     lambda: self.mini.update(doc["form"], {"id": key[1]}, status=status))

    @precondition(lambda self: any(d is not None for d in self.docs.values()))
    @rule(data=st.data())
    def edit_lines(self, data):
        key = data.draw(st.sampled_from(self.live()))
        doc = self.docs[key]
        lines = self.lines(data)
        self.attempt(key, dict(doc, lines=lines),
                     lambda: self.mini.update(doc["form"], {"id": key[1]}, lines=self.as_rows(lines)))

    @precondition(lambda self: any(d is not None for d in self.docs.values()))
    @rule(data=st.data())
    def delete_document(self, data):
        key = data.draw(st.sampled_from(self.live()))
        form = self.docs[key]["form"]
        proposed = dict(self.docs)
        proposed[key] = None
        if not self.allowed(proposed):
            try:
                self.mini.delete(form, {"id": key[1]})
            except ValidationFailed:
                return
            raise AssertionError("delete accepted although it takes strict stock below zero")
        self.mini.delete(form, {"id": key[1]})
        latest = self.mini.history(form, {"id": key[1]})[0]
        self.entries[key].append((latest["id"], dict(self.docs[key], deleted=True)))
        self.docs[key] = None

    @precondition(lambda self: bool(self.entries))
    @rule(data=st.data())
    def restore_document(self, data):
        key = data.draw(st.sampled_from(sorted(self.entries)))
        entry_id, doc = data.draw(st.sampled_from(self.entries[key]))
        target = {k: v for k, v in doc.items() if k != "deleted"}
        self.attempt(key, target, lambda: self.mini.restore(target["form"], {"id": key[1]}, entry_id))

    # -------------------------------------------------------------- invariant
    @invariant()
    def stock_matches_the_model_and_verify_is_clean(self):
        if not hasattr(self, "products"):
            return
        expected = self.totals(self.docs)
        for product in self.products:
            for warehouse in (self.strict, self.loose):
                for field in ("on_hand", "reserved", "incoming"):
                    actual = self.mini.stock({"id": product}, {"id": warehouse}, field)
                    assert actual == expected.get((product, warehouse, field), 0), (product, warehouse, field)
        assert verify.run(get_record_service(self.app), "mini") == []


def _reset_schema(database_url: str) -> None:
    """On PostgreSQL every example starts from empty tables in the test's schema."""
    url = make_url(database_url)
    schema = url.query["options"].split("=", 1)[1]
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()


def test_ledger_invariant_holds_under_random_histories(database_url):
    postgres = database_url.startswith("postgresql")
    machine = type("Machine", (LedgerMachine,), {"database_url": database_url})
    # `make soak` raises both through the environment for a deeper run.
    examples = int(os.environ.get("LIANDONG_STATEFUL_EXAMPLES", 6 if postgres else 25))
    steps = int(os.environ.get("LIANDONG_STATEFUL_STEPS", 10 if postgres else 15))
    run_state_machine_as_test(machine, settings=settings(
        max_examples=examples, stateful_step_count=steps,
        deadline=None, derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
