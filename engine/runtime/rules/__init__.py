"""Linkage rules (DESIGN §4): contribution rules and event rules.

`RuleEngine.after_write` is the save pipeline's "rules" step. Where does a
sales line change stock? Here: `contributions.py` computes what each source
row contributes, `effects.py` moves the targets, `events.py` runs actions.
"""
from __future__ import annotations

from collections import defaultdict

from engine.definitions.model import AppModel, Rule
from engine.runtime import ledger
from engine.runtime.actor import Cause
from engine.runtime.records.state import SaveState
from engine.runtime.rules import contributions, effects, events


class RuleEngine:
    def __init__(self, model: AppModel):
        self.model = model
        self.contribution_rules: dict[str, list[Rule]] = defaultdict(list)
        self.event_rules: dict[str, list[Rule]] = defaultdict(list)
        for rule in model.rules:
            bucket = self.contribution_rules if rule.is_contribution else self.event_rules
            bucket[rule.source_form].append(rule)

    def after_write(self, session, state: SaveState) -> None:
        rules = self.contribution_rules.get(state.form.name)
        if rules:
            self._update_contributions(session, state, rules)
        event_rules = self.event_rules.get(state.form.name)
        if event_rules:
            events.fire(session, state, event_rules)

    def _update_contributions(self, session, state: SaveState, rules: list[Rule]) -> None:
        record = None if state.action == "delete" else state.record
        brand_new = state.previous is None and not state.system_values.get("forced_id")
        old = {} if brand_new else ledger.current_contributions(
            session.connection, self.model.name, {r.source for r in rules}, state.record_id,
            [r.name for r in rules])
        new = contributions.new_contributions(session, rules, state.form, record)
        deltas = contributions.differences(old, new)
        if not deltas:
            return
        causes = {rule.name: rule_cause(session, state.cause, rule) for rule in rules}
        effects.write_movements(session, deltas, {r.name: r.source for r in rules},
                                state.record_id, causes)
        target_causes = {}
        for (rule, _source, target_form, target_id, _field) in sorted(deltas):
            target_causes.setdefault((target_form, target_id), causes[rule])
        effects.apply_all(session, effects.group_by_target(deltas), target_causes,
                          effects.movers_by_target(deltas))


def rule_cause(session, cause: Cause, rule: Rule) -> Cause:
    """A rule's effects are caused by the rule; a cascade names the chain."""
    chain = [*session.rule_chain, rule.name]
    return Cause("rule", " → ".join(chain))
