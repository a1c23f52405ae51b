"""Form checks, evaluated at the end of a transaction on the final state of every
record it wrote (the save pipeline's last step).

A check trips when its `when` is true. Errors (the default level) refuse the
whole transaction (`CheckFailed`, recorded after the rollback); warnings ask
the caller first (`ConfirmationRequired`, 422 `confirmation_required`) unless
the transaction was opened with `confirm`, which covers every warning in it,
rule targets included. Errors take precedence: one error and any number of
warnings is a refusal, never a question.

Messages are for the clerk: placeholders filled in over the record after the
write (`{previous.x}` is the record before this transaction's first write of
it; empty for a record the transaction created), the record named by its title,
and the rules that moved it by their labels, in the actor's language.

Which rules are named? Not "the rule in the cause": a shipment moves one stock
record by two rules at once (the reservation is released, the goods go out),
and whichever is listed first is an accident of ordering. Not every rule that
moved the record either: the released reservation did not make stock negative.
The rules named are those that moved, in this transaction, a field the check
reads, directly or through the formulas it reads (`available` reads `on_hand`
and `reserved`). Only when no rule moved such a field are all the rules that
moved the record named (a check reading links or fields set when a rule
created the record).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Mapping

from engine.definitions.model import Check, FormModel, Rule, localized
from engine.runtime.errors import ConfirmationRequired, ErrorDetail, ValidationFailed
from engine.runtime.expressions import EvaluationError, compile_expression
from engine.runtime.records import compute
from engine.runtime.records.placeholders import Renderer, catalog, language_of
from engine.runtime.records.values import record_to_json
from engine.runtime.rejections import CheckFailed


@dataclass
class Tripped:
    """One check that tripped on one record."""
    form: FormModel
    record: Mapping[str, Any]
    check: Check
    message: str             # the check's message with its placeholders filled in
    sentence: str            # the message naming the record and the rules
    record_title: str | None
    rules: list[str]         # labels

    def detail(self) -> ErrorDetail:
        return ErrorDetail(None, self.message, extra={
            "level": self.check.level, "rules": self.rules,
            "record": {"form": self.form.name, "id": self.record.get("id"), "title": self.record_title}})


def evaluate(session, form: FormModel, record: Mapping[str, Any],
             previous: Mapping[str, Any] | None) -> list[Tripped]:
    """Every check of `form` that trips on `record`."""
    if not form.checks:
        return []
    names = compute.record_namespace(form, record, session.load_linked)
    functions = session.expression_functions()
    tripped = []
    for check in form.checks:
        expression = compile_expression(check.when)
        if "previous" not in names and any(chain[0] == "previous" for chain in expression.names):
            _add_previous(session, form, names, previous)
        try:
            hit = expression.evaluate(names, functions)
        except EvaluationError as error:
            raise ValidationFailed(f"Check {check.when!r} of {form.name} could not be evaluated: {error}")
        if hit:
            if "previous" not in names:          # for the message's placeholders
                _add_previous(session, form, names, previous)
            tripped.append(_describe(session, form, record, check, names))
    return tripped


def _add_previous(session, form: FormModel, names: dict, previous: Mapping[str, Any] | None) -> None:
    """`previous.*`: built only for checks that read it (most checks run on every write)."""
    blank = {f.name: None for f in form.scalar_fields}
    names["previous"] = compute.record_namespace(form, previous or blank, session.load_linked)


def raise_if_tripped(session, tripped: list[Tripped]) -> None:
    """Errors refuse; warnings ask, unless the session was confirmed."""
    errors = [t for t in tripped if not t.check.is_warning]
    if errors:
        first = errors[0]
        scalars = {f.name: first.record.get(f.name) for f in first.form.scalar_fields}
        raise CheckFailed(_joined([t.sentence for t in errors], session), [t.detail() for t in errors],
                          refused={"app": session.app.name, "form": first.form.name,
                                   "record_id": first.record.get("id"), "check_when": first.check.when,
                                   "record_values": record_to_json(scalars)})
    warnings = [t for t in tripped if t.check.is_warning]
    if warnings and not session.confirm:
        ask = catalog(session.actor.language).gettext("Please confirm: %(warnings)s")
        raise ConfirmationRequired(ask % {"warnings": _joined([t.sentence for t in warnings], session)},
                                   [t.detail() for t in warnings],
                                   sentences=[t.sentence for t in warnings])


def _describe(session, form: FormModel, record, check: Check, names) -> Tripped:
    language = language_of(session.actor.language)
    renderer = Renderer(session.model, form, names, loader=session.load_linked, language=language,
                        functions=session.expression_functions())
    message = renderer.render(localized(check.message, language))
    title = _title(renderer, form, record)
    rules = [localized(rule.display_label, language)
             for rule in culprits(session, form, record.get("id"), check)]
    what = localized(form.label, language) + (f" {title}" if title else "")
    words = catalog(language)
    if rules:
        quoted = words.gettext(", ").join(words.gettext("“%(rule)s”") % {"rule": r} for r in rules)
        text = (words.gettext("%(message)s (%(record)s; caused by the rule %(rules)s)") if len(rules) == 1
                else words.gettext("%(message)s (%(record)s; caused by the rules %(rules)s)"))
        sentence = text % {"message": message, "record": what, "rules": quoted}
    else:
        sentence = words.gettext("%(message)s (%(record)s)") % {"message": message, "record": what}
    return Tripped(form, record, check, message, sentence, title, rules)


def _title(renderer: Renderer, form: FormModel, record) -> str | None:
    if not form.title:
        return None
    return renderer.value(renderer.names.get(form.title), form.field(form.title)) or None


def culprits(session, form: FormModel, record_id: int | None, check: Check) -> list[Rule]:
    """The rules that moved what the check reads in this transaction (see the module doc)."""
    moved = session.moved_by.get((form.name, record_id)) or {}
    if not moved:
        return []
    read = fields_read(form, check.when)
    names = [name for field, rules in moved.items() if field in read for name in rules]
    if not names:
        names = [name for rules in moved.values() for name in rules]
    found = [session.model.rule(name) for name in dict.fromkeys(names)]
    return [rule for rule in found if rule is not None]


@lru_cache(maxsize=512)
def fields_read(form: FormModel, expression: str) -> frozenset[str]:
    """Fields (`on_hand`, `lines.received_qty`) an expression reads, through formulas;
    `previous.*` reads the record before the transaction, which no rule moved."""
    read: set[str] = set()
    pending = [(None, chain) for chain in compile_expression(expression).names]
    while pending:
        subform, chain = pending.pop()
        path = _field_path(form, subform, chain)
        if path is None or path in read:
            continue
        read.add(path)
        field = _field(form, path)
        if field is not None and field.formula:
            sub = path.split(".")[0] if "." in path else None
            pending.extend((sub, c) for c in compile_expression(field.formula).names)
    return frozenset(read)


def _field_path(form: FormModel, subform: str | None, chain: tuple[str, ...]) -> str | None:
    if chain[0] == "previous":
        return None
    if subform is not None:
        return chain[1] if chain[0] == "parent" and len(chain) > 1 else f"{subform}.{chain[0]}"
    field = form.field(chain[0])
    if field is not None and field.is_subform and len(chain) > 1:
        return f"{chain[0]}.{chain[1]}"
    return chain[0]


def _field(form: FormModel, path: str):
    sub, _, name = path.rpartition(".")
    if not sub:
        return form.field(name)
    subform = form.field(sub)
    return subform.subfield(name) if subform is not None and subform.is_subform else None


def _joined(sentences: list[str], session) -> str:
    return catalog(session.actor.language).gettext("; ").join(sentences)
