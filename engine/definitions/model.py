"""The compiled, immutable form of an app definition.

Everything downstream (storage, record service, API, screens) reads these objects,
never the raw JSON, so the meaning of each definition key is decided in one place.
`compile_app` assumes the definition already passed `validate_definition`.

Models compare and hash by identity (eq=False): a compiled model is built once
per published version and used as a cache key (formula order, record schema).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

from engine.definitions.labels import SourcePath, label_dict, localized, readable_name  # noqa: F401 (re-exported)
from engine.definitions.model_analysis import (  # noqa: F401 (re-exported)
    Dashboard, DashboardChart, DashboardTile, ForecastModel, PurchaseSettings, Report, ReportGroup,
    ReportMeasure, compile_dashboard, compile_forecast, compile_report, report_group_name)

NUMERIC_TYPES = frozenset({"integer", "decimal"})
STRING_TYPES = frozenset({"text", "textarea", "email", "phone", "select", "autonumber"})
FIELD_TYPES = (
    "text", "textarea", "integer", "decimal", "boolean", "date", "datetime",
    "select", "multiselect", "link", "subform", "autonumber", "user", "email",
    "phone", "attachment",
)
SYSTEM_COLUMNS = ("id", "created_at", "created_by", "updated_at", "updated_by", "version")
SUBFORM_SYSTEM_COLUMNS = ("id", "parent_id", "position")
DEFAULT_DECIMAL_SCALE = 2


@dataclass(frozen=True, eq=False)
class Option:
    value: str
    label: Mapping[str, str]


@dataclass(frozen=True, eq=False)
class FieldModel:
    name: str
    type: str
    label: Mapping[str, str]
    required: bool = False
    unique: bool = False
    default: Any = None
    default_expr: str | None = None
    formula: str | None = None
    fill_from: str | None = None
    form: str | None = None            # link target form name
    scale: int | None = None           # decimal places for decimals
    min: Any = None
    max: Any = None
    max_length: int | None = None
    pattern: str | None = None         # regex for text, number pattern for autonumber
    options: tuple[Option, ...] = ()
    fields: tuple["FieldModel", ...] = ()   # subform row fields
    index: bool = False
    help: Mapping[str, str] | None = None
    spec: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_computed(self) -> bool:
        return self.formula is not None

    @property
    def is_subform(self) -> bool:
        return self.type == "subform"

    @property
    def is_numeric(self) -> bool:
        return self.type in NUMERIC_TYPES

    @property
    def option_values(self) -> tuple[str, ...]:
        return tuple(o.value for o in self.options)

    def subfield(self, name: str) -> "FieldModel | None":
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True, eq=False)
class Check:
    when: str
    message: Mapping[str, str]
    level: str = "error"               # error | warning (asks the caller to confirm)

    @property
    def is_warning(self) -> bool:
        return self.level == "warning"


@dataclass(frozen=True, eq=False)
class Transition:
    name: str
    label: Mapping[str, str]
    from_states: tuple[str, ...]
    to: str
    roles: tuple[str, ...] = ()
    when: str | None = None
    required_fields: tuple[str, ...] = ()
    comment: str = "optional"          # optional | required | none


@dataclass(frozen=True, eq=False)
class Workflow:
    field: str
    initial: str
    states: tuple[Option, ...]
    locked: tuple[str, ...] = ()
    final: tuple[str, ...] = ()
    transitions: tuple[Transition, ...] = ()
    assignee_field: str | None = None
    self_approval: bool = True

    @property
    def state_names(self) -> tuple[str, ...]:
        return tuple(s.value for s in self.states)

    def transition(self, name: str) -> Transition | None:
        return next((t for t in self.transitions if t.name == name), None)


@dataclass(frozen=True, eq=False)
class RolePermission:
    read: bool = False
    create: bool = False
    update: bool = False
    delete: bool = False
    export: bool = False
    import_: bool = False
    fields: Mapping[str, str] = field(default_factory=dict)   # field -> hidden | read | write
    rows: str | None = None


@dataclass(frozen=True, eq=False)
class FormModel:
    name: str
    label: Mapping[str, str]
    fields: tuple[FieldModel, ...]
    title: str | None = None
    group: Mapping[str, str] | None = None
    unique: tuple[tuple[str, ...], ...] = ()
    checks: tuple[Check, ...] = ()
    workflow: Workflow | None = None
    permissions: Mapping[str, RolePermission] = field(default_factory=dict)
    list_columns: tuple[str, ...] = ()
    search_fields: tuple[str, ...] = ()
    spec: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def field(self, name: str) -> FieldModel | None:
        return self._by_name().get(name)

    def _by_name(self) -> dict[str, FieldModel]:
        cache = self.__dict__.get("_field_index")
        if cache is None:
            cache = {f.name: f for f in self.fields}
            object.__setattr__(self, "_field_index", cache)
        return cache

    @property
    def scalar_fields(self) -> tuple[FieldModel, ...]:
        """Fields stored as columns of the form's own table (everything but subforms)."""
        return tuple(f for f in self.fields if not f.is_subform)

    @property
    def subforms(self) -> tuple[FieldModel, ...]:
        return tuple(f for f in self.fields if f.is_subform)


@dataclass(frozen=True, eq=False)
class Action:
    kind: str                      # create | notify | reject | webhook | transition
    spec: Mapping[str, Any]


@dataclass(frozen=True, eq=False)
class Rule(SourcePath):
    name: str
    source: str                    # "form" or "form.subform"
    label: Mapping[str, str] | None = None
    when: str | None = None
    on: tuple[str, ...] = ()       # event rules: created | updated | deleted | transition:NAME
    target: str | None = None      # contribution rules: "form" or "form.subform"
    match: Mapping[str, str] = field(default_factory=dict)
    create_missing: bool = False
    adjust: Mapping[str, str] = field(default_factory=dict)
    actions: tuple[Action, ...] = ()

    @property
    def is_contribution(self) -> bool:
        return bool(self.adjust)

    @property
    def display_label(self) -> Mapping[str, str]:
        """The label, else the name made readable ("low_stock_alert" → "Low stock alert")."""
        return self.label or label_dict(readable_name(self.name), self.name)

    @property
    def target_form(self) -> str | None:
        return self.target.split(".", 1)[0] if self.target else None

    @property
    def target_subform(self) -> str | None:
        if not self.target or "." not in self.target:
            return None
        return self.target.split(".", 1)[1]


@dataclass(frozen=True, eq=False)
class Role:
    name: str
    label: Mapping[str, str]


@dataclass(frozen=True)
class Job:
    """A scheduled job of the app: `action` is {"create": form, "values": {...}} or {"report": name}."""
    name: str
    label: Mapping[str, str]
    cron: str
    action: Mapping[str, Any]


@dataclass(frozen=True, eq=False)
class AppModel:
    name: str
    version: str
    label: Mapping[str, str]
    roles: tuple[Role, ...]
    forms: Mapping[str, FormModel]          # in definition order
    rules: tuple[Rule, ...]
    definition: Mapping[str, Any] = field(compare=False, repr=False, default_factory=dict)
    jobs: tuple[Job, ...] = ()
    forecasts: tuple[ForecastModel, ...] = ()
    reports: tuple[Report, ...] = ()
    dashboards: tuple[Dashboard, ...] = ()

    def form(self, name: str) -> FormModel | None:
        return self.forms.get(name)

    def forecast(self, name: str) -> ForecastModel | None:
        return next((f for f in self.forecasts if f.name == name), None)

    def rule(self, name: str) -> Rule | None:
        return next((r for r in self.rules if r.name == name), None)

    def report(self, name: str) -> Report | None:
        return next((r for r in self.reports if r.name == name), None)

    def dashboard(self, name: str) -> Dashboard | None:
        return next((d for d in self.dashboards if d.name == name), None)

    @property
    def role_names(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.roles)

    def rules_from(self, form_name: str) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.source_form == form_name)

    def adjusted_fields(self, form_name: str) -> frozenset[str]:
        """Target fields some contribution rule adjusts: read-only to users."""
        return frozenset(
            f for r in self.rules if r.is_contribution and r.target_form == form_name
            for f in r.adjust
        )


# ---------------------------------------------------------------- compilation

def compile_app(definition: Mapping[str, Any]) -> AppModel:
    forms = {f["name"]: _compile_form(f) for f in definition.get("forms", [])}
    return AppModel(
        name=definition["app"],
        version=str(definition.get("version", "0.0.0")),
        label=label_dict(definition.get("label"), definition["app"]),
        roles=tuple(Role(r["name"], label_dict(r.get("label"), r["name"]))
                    for r in definition.get("roles", [])),
        forms=MappingProxyType(forms),
        rules=tuple(_compile_rule(r) for r in definition.get("rules", [])),
        definition=MappingProxyType(dict(definition)),
        jobs=tuple(Job(j["name"], label_dict(j.get("label"), j["name"]), j["cron"],
                       MappingProxyType(dict(j["action"]))) for j in definition.get("jobs", [])),
        forecasts=tuple(compile_forecast(f) for f in definition.get("forecasts", [])),
        reports=tuple(compile_report(r) for r in definition.get("reports", [])),
        dashboards=tuple(compile_dashboard(d) for d in definition.get("dashboards", [])),
    )


def _compile_field(spec: Mapping[str, Any]) -> FieldModel:
    ftype = spec["type"]
    options = tuple(_compile_option(o) for o in spec.get("options", ()))
    scale = spec.get("scale", DEFAULT_DECIMAL_SCALE) if ftype == "decimal" else None
    return FieldModel(
        name=spec["name"], type=ftype, label=label_dict(spec.get("label"), spec["name"]),
        required=bool(spec.get("required", False)), unique=bool(spec.get("unique", False)),
        default=spec.get("default"), default_expr=spec.get("default_expr"),
        formula=spec.get("formula"), fill_from=spec.get("fill_from"), form=spec.get("form"),
        scale=scale, min=spec.get("min"), max=spec.get("max"),
        max_length=spec.get("max_length"), pattern=spec.get("pattern"), options=options,
        fields=tuple(_compile_field(f) for f in spec.get("fields", ())),
        index=bool(spec.get("index", False)),
        help=label_dict(spec["help"], "") if "help" in spec else None,
        spec=MappingProxyType(dict(spec)),
    )


def _compile_option(option: Any) -> Option:
    if isinstance(option, str):
        return Option(option, label_dict(None, option))
    return Option(option["value"], label_dict(option.get("label"), option["value"]))


def _compile_form(spec: Mapping[str, Any]) -> FormModel:
    list_spec = spec.get("list", {})
    return FormModel(
        name=spec["name"], label=label_dict(spec.get("label"), spec["name"]),
        fields=tuple(_compile_field(f) for f in spec.get("fields", ())),
        title=spec.get("title"),
        group=label_dict(spec["group"], "") if "group" in spec else None,
        unique=tuple(tuple(u) for u in spec.get("unique", ())),
        checks=tuple(Check(c["when"], label_dict(c.get("message"), "Check failed: " + c["when"]),
                           c.get("level", "error"))
                     for c in spec.get("checks", ())),
        workflow=_compile_workflow(spec["workflow"]) if "workflow" in spec else None,
        permissions=MappingProxyType({role: _compile_permission(p)
                                      for role, p in spec.get("permissions", {}).items()}),
        list_columns=tuple(list_spec.get("columns", ())),
        search_fields=tuple(list_spec.get("search", ())),
        spec=MappingProxyType(dict(spec)),
    )


def _compile_workflow(spec: Mapping[str, Any]) -> Workflow:
    return Workflow(
        field=spec.get("field", "status"), initial=spec["initial"],
        states=tuple(_compile_option(s if isinstance(s, str) else
                                     {"value": s["name"], "label": s.get("label")})
                     for s in spec["states"]),
        locked=tuple(spec.get("locked", ())),
        final=tuple(spec.get("final", ())),
        transitions=tuple(
            Transition(
                name=t["name"], label=label_dict(t.get("label"), t["name"]),
                from_states=tuple(t["from"]) if isinstance(t["from"], list) else (t["from"],),
                to=t["to"], roles=tuple(t.get("roles", ())), when=t.get("when"),
                required_fields=tuple(t.get("required_fields", ())),
                comment=t.get("comment", "optional"))
            for t in spec.get("transitions", ())),
        assignee_field=spec.get("assignee_field"),
        self_approval=bool(spec.get("self_approval", True)),
    )


def _compile_permission(spec: Mapping[str, Any]) -> RolePermission:
    return RolePermission(
        read=bool(spec.get("read", False)), create=bool(spec.get("create", False)),
        update=bool(spec.get("update", False)), delete=bool(spec.get("delete", False)),
        export=bool(spec.get("export", False)), import_=bool(spec.get("import", False)),
        fields=MappingProxyType(dict(spec.get("fields", {}))), rows=spec.get("rows"),
    )


def _compile_rule(spec: Mapping[str, Any]) -> Rule:
    return Rule(
        name=spec["name"], source=spec["source"],
        label=label_dict(spec["label"], spec["name"]) if "label" in spec else None,
        when=spec.get("when"), on=tuple(spec.get("on", ())), target=spec.get("target"),
        match=MappingProxyType(dict(spec.get("match", {}))),
        create_missing=bool(spec.get("create_missing", False)),
        adjust=MappingProxyType(dict(spec.get("adjust", {}))),
        actions=tuple(_compile_action(a) for a in spec.get("actions", ())),
    )


def _compile_action(spec: Mapping[str, Any]) -> Action:
    kind = next(k for k in ("create", "notify", "reject", "webhook", "transition") if k in spec)
    return Action(kind, MappingProxyType(dict(spec)))

