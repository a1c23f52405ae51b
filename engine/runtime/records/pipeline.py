"""The save pipeline: every write of every path runs these named steps, in order.

    load → authorize → parse → merge → defaults → fill_from → compute →
    validate → write → rules → log → checks

A `WriteSession` is one unit of work on one connection: a request, an import,
a rule cascade and a restore all write through it, so they all commit or roll
back together. Checks run once at the end (`finish`), after every effect.
"""
from __future__ import annotations

import copy
from contextlib import contextmanager
from datetime import date
from typing import Any, Callable, Iterable, Mapping

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from engine.definitions.model import FormModel
from engine.runtime import audit
from engine.runtime.actor import Actor, Cause
from engine.runtime import workflow
from engine.runtime.errors import Conflict, ErrorCollector, ErrorDetail, NotFound, ValidationFailed
from engine.runtime.records import answers, autonumber, checks, compute, integrity
from engine.runtime.records.parse import SubmissionParser
from engine.runtime.records.state import SaveState
from engine.runtime.records.validate import validate_record
from engine.runtime.records.values import diff_records, is_empty_diff, record_to_json
from engine.runtime.webhooks import enqueue as webhooks

MAX_CASCADE_DEPTH = 8
SAVE_STEPS = ("load", "authorize", "parse", "merge", "defaults", "fill_from", "compute",
              "validate", "write", "rules", "log", "checks")

class WriteSession:
    def __init__(self, connection: Connection, loaded_app, actor: Actor, cause: Cause, *, policy=None,
                 confirm: bool = False):
        self.connection = connection
        self.app = loaded_app
        self.model = loaded_app.model
        self.store = loaded_app.store
        self.rules = loaded_app.rules
        self.actor = actor
        self.cause = cause
        self.policy = policy
        self.tx_id = audit.new_transaction_id()
        self.confirm = confirm                      # the caller accepts every warning check
        self.pending_checks: dict[tuple[str, int], Cause] = {}
        self.rule_chain: list[str] = []            # rules whose effects are being applied
        self.target_cache: dict[tuple, int] = {}    # rule target lookups in this transaction
        self.log_entries: list[dict[str, Any]] = []  # change log, written once at the end
        # The latest state of every record this session wrote. Valid until commit:
        # every write of the transaction goes through this session, and the rows
        # it wrote stay locked against other transactions.
        self.written: dict[tuple[str, int], dict[str, Any]] = {}
        self._linked: dict[tuple[str, int], Mapping[str, Any] | None] = {}
        # For check messages: each record before this transaction first wrote it
        # (None: created here), and which rules moved which of its fields.
        self.originals: dict[tuple[str, int], Mapping[str, Any] | None] = {}
        self.moved_by: dict[tuple[str, int], dict[str, list[str]]] = {}
        self._moves: list[tuple[tuple[str, int], str]] = []     # to undo on a failed savepoint

    # ---------------------------------------------------------------- public
    def create(self, form_name: str, values: Mapping[str, Any], *, cause: Cause | None = None,
               trusted: frozenset[str] = frozenset(), record_id: int | None = None) -> dict[str, Any]:
        state = SaveState(form=self.app.form(form_name), action="create",
                          cause=cause or self.cause, submitted=dict(values))
        state.system_values["forced_id"] = record_id
        return self._save(state, trusted)

    def update(self, form_name: str, record_id: int, values: Mapping[str, Any], *,
               expected_version: int | None = None, cause: Cause | None = None,
               trusted: frozenset[str] = frozenset(), action: str = "update",
               transition: Mapping[str, Any] | None = None,
               precondition: Callable[[dict], None] | None = None) -> dict[str, Any]:
        state = SaveState(form=self.app.form(form_name), action=action, cause=cause or self.cause,
                          submitted=dict(values), record_id=record_id,
                          expected_version=expected_version)
        state.system_values.update(transition=transition, precondition=precondition)
        return self._save(state, trusted)

    def transition(self, form_name: str, record_id: int, name: str,
                   values: Mapping[str, Any] | None = None, *, comment: str | None = None,
                   cause: Cause | None = None, system: bool = False) -> dict[str, Any]:
        return workflow.take(self, form_name, record_id, name, values, comment=comment,
                             cause=cause, system=system)

    def fetch_current(self, form_name: str, record_id: int) -> dict[str, Any] | None:
        """The record as this transaction sees it now (locked against other writers)."""
        cached = self.written.get((form_name, record_id))
        if cached is not None:
            return copy.deepcopy(cached)
        return self.store.fetch(self.connection, self.app.form(form_name), record_id, lock=True)

    def authorize_transition(self, form: FormModel, record: Mapping[str, Any]) -> None:
        if self.policy is not None and not self.rule_chain:
            self.policy.authorize_transition(self, form, record)

    def delete(self, form_name: str, record_id: int, *, expected_version: int | None = None,
               cause: Cause | None = None) -> dict[str, Any]:
        state = SaveState(form=self.app.form(form_name), action="delete", cause=cause or self.cause,
                          record_id=record_id, expected_version=expected_version)
        self._step_load(state)
        self._step_authorize(state)
        self._refuse_if_locked(state)
        integrity.refuse_if_referenced(self, state.form, record_id)
        state.record = {}
        self._step_rules(state)
        self.store.delete(self.connection, state.form, record_id)
        self.forget_linked(state.form.name, record_id)
        state.diff = diff_records(state.form, state.previous, None)
        self.log(state, snapshot=record_to_json(state.previous))
        self.pending_checks.pop((state.form.name, record_id), None)
        self.written.pop((state.form.name, record_id), None)
        return state.previous

    def fetch(self, form_name: str, record_id: int) -> dict[str, Any] | None:
        return self.store.fetch(self.connection, self.app.form(form_name), record_id)

    def finish(self) -> None:
        """Write the change log, then evaluate form checks on the final state of
        every record this session wrote."""
        self.flush_log()
        self.run_pending_checks()

    def flush_log(self) -> None:
        audit.write_entries(self.connection, self.log_entries)
        self.log_entries = []

    def run_pending_checks(self) -> None:
        """Checks queued so far (a caller writing many records, such as an import,
        runs them per record so a failure names its row). Every queued record is
        checked before anything is raised: an error anywhere wins over warnings."""
        tripped = []
        for (form_name, record_id) in sorted(self.pending_checks):
            form = self.model.form(form_name)
            record = self.written.get((form_name, record_id)) or self.store.fetch(
                self.connection, form, record_id)
            if record is not None:
                tripped.extend(checks.evaluate(self, form, record,
                                               self.originals.get((form_name, record_id))))
        self.pending_checks.clear()
        checks.raise_if_tripped(self, tripped)

    def remember_original(self, form_name: str, record_id: int, previous: Mapping[str, Any] | None) -> None:
        """The record before this transaction's first write of it (`previous.*` in checks)."""
        self.originals.setdefault((form_name, record_id), previous)

    def note_moved(self, form_name: str, record_id: int, fields: Mapping[str, Iterable[str]]) -> None:
        """Rules that moved fields of a record (a failed check names them)."""
        key = (form_name, record_id)
        for field, rules in fields.items():
            known = self.moved_by.setdefault(key, {}).setdefault(field, [])
            for rule in rules:
                if rule not in known:
                    known.append(rule)
                    self._moves.append((key, field))

    def _undo_moves(self, mark: int) -> None:
        for key, field in reversed(self._moves[mark:]):
            self.moved_by[key][field].pop()
        del self._moves[mark:]

    @contextmanager
    def savepoint(self, nested: bool = True):
        """Writes that may fail on their own: on an error, the database rolls back
        to the savepoint and the session forgets what it remembered since (its
        caches and change-log entries), so the transaction can go on."""
        log_length, moves = len(self.log_entries), len(self._moves)
        try:
            if nested:
                with self.connection.begin_nested():
                    yield
            else:
                yield
        except Exception:
            self.written.clear()
            self._linked.clear()
            self.target_cache.clear()
            self.pending_checks.clear()
            del self.log_entries[log_length:]
            self._undo_moves(moves)
            self.rule_chain = []
            # `originals` stay: a record first written inside the savepoint is back
            # to its state before the transaction, which is what it remembers.
            raise

    # --------------------------------------------------------------- pipeline
    def _save(self, state: SaveState, trusted: frozenset[str]) -> dict[str, Any]:
        state.system_values["trusted"] = trusted
        for step in SAVE_STEPS:
            getattr(self, f"_step_{step}")(state)
            if state.system_values.get("unchanged"):
                break
        return state.record

    def _step_load(self, state: SaveState) -> None:
        if state.record_id is None:
            return
        state.previous = self.fetch_current(state.form.name, state.record_id)
        if state.previous is None:
            raise NotFound(f"No {state.form.name} record with id {state.record_id}")
        if self.policy is not None:
            # Before the lock state or the version can tell anything about the record.
            self.policy.authorize_load(self, state)
        self._refuse_if_locked(state)
        if state.expected_version is not None and state.expected_version != state.previous["version"]:
            raise Conflict(f"Version conflict: you have version {state.expected_version}, "
                           f"the stored record is at version {state.previous['version']}")

    def _refuse_if_locked(self, state: SaveState) -> None:
        """Locked states: read-only except for the transitions that leave them."""
        workflow = state.form.workflow
        if workflow is None or state.action == "transition" or self.rule_chain:
            return
        current = (state.previous or {}).get(workflow.field)
        if current in workflow.locked:
            raise ValidationFailed(f"This {state.form.name} is locked in state {current!r}: "
                                   f"it can only move on through its workflow",
                                   [ErrorDetail(workflow.field, f"locked in state {current!r}")])

    def _step_authorize(self, state: SaveState) -> None:
        if self.policy is not None:
            self.policy.authorize_write(self, state)

    def _step_parse(self, state: SaveState) -> None:
        # Plus the fields the caller's permissions do not let them write (policy).
        readonly = self.readonly_fields(state.form) | state.system_values.get("caller_readonly", frozenset())
        SubmissionParser(state.form, readonly, state.system_values["trusted"],
                         answered=lambda key: answers.answered(self, state.form, key, state.previous)).parse(state)

    def readonly_fields(self, form: FormModel) -> frozenset[str]:
        names = {f.name for f in form.fields if f.is_computed or f.type == "autonumber"}
        names |= self.model.adjusted_fields(form.name)
        if form.workflow:
            names.add(form.workflow.field)
        return frozenset(names)

    def _step_merge(self, state: SaveState) -> None:
        if state.previous:
            record = copy.deepcopy(state.previous)
        else:   # every field present from the start, so expressions can read any of them
            record = {f.name: None for f in state.form.scalar_fields}
        record.update(state.changes)
        for sub_name, rows in state.row_changes.items():
            old_rows = {row["id"]: row for row in (state.previous or {}).get(sub_name) or []}
            merged = []
            blank = {f.name: None for f in state.form.field(sub_name).fields}
            for row in rows:
                base = copy.deepcopy(old_rows.get(row.get("id"), blank))
                base.update(row)
                merged.append(base)
            record[sub_name] = merged
        for sub in state.form.subforms:
            record.setdefault(sub.name, [])
        state.record = record

    def _step_defaults(self, state: SaveState) -> None:
        errors = ErrorCollector()
        names = {"user": self.actor.namespace()}
        if state.is_create:
            compute.apply_defaults(state.form.scalar_fields, state.record, state.submitted, names, "",
                                   errors, self.expression_functions())
            self._assign_autonumbers(state)
            if state.form.workflow and not state.record.get(state.form.workflow.field):
                state.record[state.form.workflow.field] = state.form.workflow.initial
        row_names = {**names, "parent": state.record}
        for sub in state.form.subforms:
            submitted = state.row_submitted.get(sub.name, [])
            for index, row in enumerate(state.record.get(sub.name, [])):
                if row.get("id") is None:
                    keys = submitted[index] if index < len(submitted) else set()
                    compute.apply_defaults(sub.fields, row, keys, row_names, f"{sub.name}[{index}].",
                                           errors, self.expression_functions())
        errors.raise_if_any()

    def _assign_autonumbers(self, state: SaveState) -> None:
        for field in state.form.scalar_fields:
            if field.type == "autonumber" and not state.record.get(field.name):
                state.record[field.name] = autonumber.next_number(
                    self.connection, self.model.name, state.form.name, field.name,
                    field.pattern, date.today())

    def _step_fill_from(self, state: SaveState) -> None:
        self._prefetch_links(state.form, state.record)
        loader = self.load_linked
        compute.fill_linked_values(state.form.scalar_fields, state.record, state.previous,
                                   state.changes.keys(), loader)
        for sub in state.form.subforms:
            old_rows = {row["id"]: row for row in (state.previous or {}).get(sub.name) or []}
            submitted = state.row_submitted.get(sub.name)
            for index, row in enumerate(state.record.get(sub.name, [])):
                keys = submitted[index] if submitted and index < len(submitted) else set()
                if submitted is None:
                    keys = set(row)     # rows not resubmitted keep their values
                compute.fill_linked_values(sub.fields, row, old_rows.get(row.get("id")), keys, loader)

    def _step_compute(self, state: SaveState) -> None:
        errors = ErrorCollector()
        compute.apply_formulas(state.form, state.record, self.load_linked, errors,
                               self.expression_functions())
        # Reported after validation: a formula usually fails because an input is
        # missing or wrong, and that is the error the user needs to see first.
        state.system_values["formula_errors"] = errors

    def _step_validate(self, state: SaveState) -> None:
        if state.system_values.get("precondition"):
            state.system_values["precondition"](state.record)
        errors = ErrorCollector()
        validate_record(state.form, state.record, errors)
        errors.raise_if_any()
        state.system_values["formula_errors"].raise_if_any()
        integrity.check_links(self, state.form, state.record, errors)
        errors.raise_if_any()
        integrity.check_unique(self, state.form, state.record, state.record_id)

    def _step_write(self, state: SaveState) -> None:
        form, record = state.form, state.record
        columns = self._column_values(form, record)
        if state.is_create:
            self._insert(state, columns)
            return
        diff = diff_records(form, state.previous, record)
        if state.system_values.get("transition"):
            diff["transition"] = dict(state.system_values["transition"])
        elif is_empty_diff(diff):
            state.record = state.previous
            state.system_values["unchanged"] = True
            return
        state.diff = diff
        changed = {k: v for k, v in columns.items() if state.previous.get(k) != v}
        changed.update(updated_at=audit.utcnow(), updated_by=self.actor.user_id)
        try:
            self.store.update(self.connection, form, state.record_id, state.previous["version"], changed)
            for sub in form.subforms:
                self.store.sync_rows(self.connection, form, sub.name, state.record_id,
                                     state.previous.get(sub.name) or [], record.get(sub.name) or [])
        except IntegrityError as error:
            integrity.raise_integrity_error(form, error, record)
        record.update(version=state.previous["version"] + 1, updated_at=changed["updated_at"],
                      updated_by=self.actor.user_id)
        self.forget_linked(form.name, state.record_id)

    def _insert(self, state: SaveState, columns: dict[str, Any]) -> None:
        now = audit.utcnow()
        columns.update(created_at=now, created_by=self.actor.user_id, updated_at=now,
                       updated_by=self.actor.user_id, version=1)
        if state.system_values.get("forced_id"):
            columns["id"] = state.system_values["forced_id"]
        rows = {sub.name: state.record.get(sub.name) or [] for sub in state.form.subforms}
        try:
            record_id = self.store.insert(self.connection, state.form, columns, rows)
        except IntegrityError as error:
            integrity.raise_integrity_error(state.form, error, state.record)
        state.record_id = record_id
        state.record.update(columns, id=record_id)
        state.diff = diff_records(state.form, None, state.record)

    def _column_values(self, form: FormModel, record: Mapping[str, Any]) -> dict[str, Any]:
        columns = {f.name: record.get(f.name) for f in form.scalar_fields}
        if form.workflow:
            columns[form.workflow.field] = record.get(form.workflow.field)
        return columns

    def _step_rules(self, state: SaveState) -> None:
        if self.policy is not None:     # the saved row must stay in the caller's data scope
            self.policy.authorize_result(self, state)
        self.remember_original(state.form.name, state.record_id, state.previous)
        self.run_rules(state)

    def run_rules(self, state: SaveState) -> None:
        self.rules.after_write(self, state)

    @contextmanager
    def cascade(self, cause: Cause):
        """Writes made by a rule: the chain of rules is the cause; depth is bounded."""
        saved = self.rule_chain
        self.rule_chain = cause.detail.split(" → ") if cause.kind == "rule" and cause.detail else saved
        try:
            if len(self.rule_chain) > MAX_CASCADE_DEPTH:
                raise ValidationFailed(f"Rule cascade deeper than {MAX_CASCADE_DEPTH}: "
                                       + " → ".join(self.rule_chain))
            yield
        finally:
            self.rule_chain = saved

    def create_rule_target(self, rule, values: Mapping[str, Any]) -> int:
        """A target row a contribution rule needs but does not find (create_missing)."""
        cause = Cause("rule", " → ".join([*self.rule_chain, rule.name]))
        with self.cascade(cause):
            return self.create(rule.target_form, values, cause=cause)["id"]

    def _step_log(self, state: SaveState) -> None:
        self.written[(state.form.name, state.record_id)] = state.record
        self.log(state, snapshot=record_to_json(state.record))

    def log(self, state: SaveState, snapshot: Mapping[str, Any]) -> None:
        self.log_entries.append(audit.entry_row(
            tx_id=self.tx_id, actor=self.actor, cause=state.cause, app=self.model.name,
            form=state.form.name, record_id=state.record_id, action=state.action,
            changes=state.diff or {"fields": {}, "rows": {}}, snapshot=snapshot))
        webhooks.on_write(self, state)     # outbox rows for matching subscriptions, same transaction

    def _step_checks(self, state: SaveState) -> None:
        self.queue_checks(state.form, state.record_id, state.cause)

    def queue_checks(self, form: FormModel, record_id: int, cause: Cause) -> None:
        if form.checks:
            self.pending_checks[(form.name, record_id)] = cause

    # ----------------------------------------------------------- link values
    def load_linked(self, form_name: str, record_id: int) -> Mapping[str, Any] | None:
        key = (form_name, int(record_id))
        if key not in self._linked:
            form = self.model.form(form_name)
            row = self.store.fetch_scalar(self.connection, form, int(record_id))
            self._linked[key] = (compute.wrap_links(form.scalar_fields, row, self.load_linked)
                                 if row else None)
        return self._linked[key]

    def _prefetch_links(self, form: FormModel, record: Mapping[str, Any]) -> None:
        """Load every record this one links to with one query per target form, so
        fill_from, formulas and the link check below need no query per row."""
        wanted: dict[str, set[int]] = {}
        for fields, row in integrity.link_sources(form, record):
            for field in fields:
                value = row.get(field.name)
                if field.type == "link" and isinstance(value, int) and (field.form, value) not in self._linked:
                    wanted.setdefault(field.form, set()).add(value)
        for target, ids in wanted.items():
            target_form = self.model.form(target)
            rows = self.store.fetch_many(self.connection, target_form, ids)
            for record_id in ids:
                row = rows.get(record_id)
                self._linked[(target, record_id)] = (
                    compute.wrap_links(target_form.scalar_fields, row, self.load_linked) if row else None)

    def forget_linked(self, form_name: str, record_id: int) -> None:
        self._linked.pop((form_name, record_id), None)

    def expression_functions(self) -> dict[str, Any]:
        return {"lookup": self.lookup, "count_of": self.count_of}

    def count_of(self, form_name: str, **criteria: Any) -> int:
        return integrity.count_of(self, form_name, criteria)

    def lookup(self, form_name: str, field_name: str, **criteria: Any) -> Any:
        return integrity.lookup(self, form_name, field_name, criteria)
