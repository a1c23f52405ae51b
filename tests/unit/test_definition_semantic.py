"""Semantic checks of the definition validator (references, expressions, cycles,
types, names): each case mutates the valid `orders` example and expects one
problem at an exact JSON path."""
from __future__ import annotations

import functools
import json

import pytest

from engine.definitions import load_definition, validate_definition
from engine.resources import resource_dir

ORDERS = resource_dir("app_definitions") / "orders"
CUSTOMER, PRODUCT, WAREHOUSE, SALES_ORDER, STOCK = range(5)
# sales_order fields: number 0, customer 1, warehouse 2, date 3, lines 4, total 5
# lines rows: product 0, qty 1, price 2, amount 3
LINES = 4


@functools.lru_cache(maxsize=1)
def _orders_json() -> str:
    return json.dumps(load_definition(ORDERS))


def mutated(mutation) -> dict:
    definition = json.loads(_orders_json())
    mutation(definition)
    return definition


def form(d, i):
    return d["forms"][i]


def fld(d, i, j, row=None):
    spec = d["forms"][i]["fields"][j]
    return spec if row is None else spec["fields"][row]


def wf(d):
    return d["forms"][SALES_ORDER]["workflow"]


def put(getter, **values):
    return lambda d: getter(d).update(values)


def append(getter, item):
    return lambda d: getter(d).append(item)


def steps(*mutations):
    def mutate(d):
        for m in mutations:
            m(d)
    return mutate


def event(**extra):
    rule = {"name": "stock_event", "source": "stock", "on": ["updated"],
            "actions": [{"notify": ["manager"], "message": {"en": "{product.name} low",
                                                           "zh": "{product.name} 库存低"}}]}
    rule.update(extra)
    return rule


ROW = lambda j: (lambda d: fld(d, SALES_ORDER, LINES, j))  # noqa: E731
CASES = [
    # --- expressions
    ("unknown_name", put(ROW(3), formula="qtty * price"),
     "forms[3].fields[4].fields[3].formula", "unknown name 'qtty' (did you mean 'qty'?)"),
    ("unknown_subform_field", put(lambda d: fld(d, SALES_ORDER, 5), formula="sum(lines.amout)"),
     "forms[3].fields[5].formula", "unknown name 'lines.amout' (did you mean 'lines.amount'?)"),
    ("unknown_link_field", put(ROW(3), formula="qty * product.unit_prise"),
     "forms[3].fields[4].fields[3].formula", "did you mean 'product.unit_price'?"),
    ("attribute_of_scalar", put(ROW(3), formula="qty.value * price"),
     "forms[3].fields[4].fields[3].formula", "'qty' is a decimal field"),
    ("syntax_error", put(ROW(3), formula="qty *"),
     "forms[3].fields[4].fields[3].formula", "invalid expression at position"),
    ("unknown_function", put(lambda d: fld(d, SALES_ORDER, 5), formula="summ(lines.amount)"),
     "forms[3].fields[5].formula", "unknown function 'summ' (did you mean 'sum'?)"),
    ("previous_in_formula", put(ROW(3), formula="qty * previous.price"),
     "forms[3].fields[4].fields[3].formula", "'previous' is only available in event rules and checks"),
    ("user_in_formula", put(lambda d: fld(d, SALES_ORDER, 5), formula="user.id"),
     "forms[3].fields[5].formula", "'user' is only available in permission rows and default_expr"),
    ("parent_outside_subform", put(lambda d: fld(d, SALES_ORDER, 5), formula="parent.total"),
     "forms[3].fields[5].formula", "'parent' is only available in subform rows"),
    ("unknown_parent_field", put(ROW(3), formula="qty * parent.rate"),
     "forms[3].fields[4].fields[3].formula", "unknown name 'parent.rate'"),
    ("default_expr_unknown", put(lambda d: fld(d, SALES_ORDER, 3), default_expr="todya()"),
     "forms[3].fields[3].default_expr", "unknown function 'todya'"),
    ("check_unknown_name", put(lambda d: form(d, STOCK)["checks"][0], when="on_hnd < 0"),
     "forms[4].checks[0].when", "did you mean 'on_hand'?"),
    ("check_message_placeholder", put(lambda d: form(d, STOCK)["checks"][0],
                                      message={"en": "Short of {prodct.name}", "zh": "库存不足"}),
     "forms[4].checks[0].message.en", "unknown name 'prodct.name'"),
    ("check_message_unbalanced", put(lambda d: form(d, STOCK)["checks"][0], message="Low {on_hand"),
     "forms[4].checks[0].message", "unbalanced"),
    ("permission_rows", put(lambda d: form(d, SALES_ORDER)["permissions"]["sales"],
                            rows="created_by == user.id and custmer > 0"),
     "forms[3].permissions.sales.rows", "unknown name 'custmer' (did you mean 'customer'?)"),
    ("transition_when", put(lambda d: wf(d)["transitions"][0], when="totl > 0"),
     "forms[3].workflow.transitions[0].when", "did you mean 'total'?"),
    ("rule_when", put(lambda d: d["rules"][0], when="parent.stauts == 'shipped'"),
     "rules[0].when", "did you mean 'parent.status'?"),
    ("rule_previous_in_contribution", put(lambda d: d["rules"][0], when="previous.qty > 0"),
     "rules[0].when", "'previous' is only available"),
    ("match_value", lambda d: d["rules"][0]["match"].update(warehouse="parent.wharehouse"),
     "rules[0].match.warehouse", "unknown name 'parent.wharehouse'"),
    ("adjust_value", lambda d: d["rules"][0]["adjust"].update(on_hand="-qtty"),
     "rules[0].adjust.on_hand", "did you mean 'qty'?"),
    ("lookup_unknown_form", put(ROW(2), default_expr="lookup('stok', 'on_hand', product=product)"),
     "forms[3].fields[4].fields[2].default_expr", "lookup() of an unknown form 'stok'"),
    ("lookup_unknown_key", put(ROW(2), default_expr="lookup('stock', 'on_hand', produkt=product)"),
     "forms[3].fields[4].fields[2].default_expr", "unknown field 'produkt' in form 'stock'"),
    ("notify_message", append(lambda d: d["rules"], event(actions=[
        {"notify": ["manager"], "message": "{product.nam} is low"}])),
     "rules[1].actions[0].message", "did you mean 'product.name'?"),
    # --- formula cycles
    ("formula_cycle_in_row", steps(put(ROW(2), formula="amount / qty"),
                                   lambda d: ROW(2)(d).pop("fill_from")),
     "forms[3].fields[4].fields[2].formula",
     "formula cycle: lines.price → lines.amount → lines.price"),
    ("formula_cycle_through_parent", put(ROW(3), formula="qty * price + parent.total"),
     "forms[3].fields[4].fields[3].formula", "formula cycle: lines.amount → total → lines.amount"),
    ("formula_self_reference", put(lambda d: fld(d, SALES_ORDER, 5), formula="total + 1"),
     "forms[3].fields[5].formula", "formula cycle: total → total"),
    # --- references
    ("link_unknown_form", put(lambda d: fld(d, SALES_ORDER, 1), form="custmer"),
     "forms[3].fields[1].form", "unknown form 'custmer' (did you mean 'customer'?)"),
    ("title_unknown", put(lambda d: form(d, CUSTOMER), title="nmae"),
     "forms[0].title", "unknown field 'nmae' in form 'customer' (did you mean 'name'?)"),
    ("title_subform", put(lambda d: form(d, SALES_ORDER), title="lines"),
     "forms[3].title", "'lines' is a subform"),
    ("list_column_unknown", lambda d: form(d, CUSTOMER)["list"]["columns"].append("adress"),
     "forms[0].list.columns[3]", "unknown field 'adress'"),
    ("list_search_unknown", lambda d: form(d, CUSTOMER)["list"]["search"].append("mail"),
     "forms[0].list.search[2]", "did you mean 'email'?"),
    ("unique_set_unknown", put(lambda d: form(d, STOCK), unique=[["product", "wharehouse"]]),
     "forms[4].unique[0][1]", "unknown field 'wharehouse'"),
    ("fill_from_not_a_link", put(ROW(2), fill_from="qty.unit_price"),
     "forms[3].fields[4].fields[2].fill_from", "'qty' is a decimal field, not a link"),
    ("fill_from_unknown_target", put(ROW(2), fill_from="product.unit_prize"),
     "forms[3].fields[4].fields[2].fill_from",
     "unknown field 'unit_prize' in form 'product' (did you mean 'product.unit_price'?)"),
    ("fill_from_type_mismatch", put(ROW(2), fill_from="product.name"),
     "forms[3].fields[4].fields[2].fill_from", "type mismatch: 'price' is decimal but 'product.name' is text"),
    ("permission_unknown_role", lambda d: form(d, PRODUCT)["permissions"].update(purchasing={"read": True}),
     "forms[1].permissions.purchasing", "unknown role 'purchasing'"),
    ("permission_unknown_field", lambda d: form(d, PRODUCT)["permissions"]["sales"]["fields"]
     .update(cost="hidden"),
     "forms[1].permissions.sales.fields.cost", "unknown field 'cost' in form 'product'"),
    ("transition_unknown_role", put(lambda d: wf(d)["transitions"][1], roles=["warehous"]),
     "forms[3].workflow.transitions[1].roles[0]", "unknown role 'warehous' (did you mean 'warehouse'?)"),
    ("initial_unknown_state", put(wf, initial="drafty"),
     "forms[3].workflow.initial", "unknown state 'drafty' (did you mean 'draft'?)"),
    ("locked_unknown_state", lambda d: wf(d)["locked"].append("archived"),
     "forms[3].workflow.locked[2]", "unknown state 'archived'"),
    ("transition_from_unknown", put(lambda d: wf(d)["transitions"][0], **{"from": ["drafted"]}),
     "forms[3].workflow.transitions[0].from[0]", "unknown state 'drafted'"),
    ("transition_to_unknown", put(lambda d: wf(d)["transitions"][1], to="shiped"),
     "forms[3].workflow.transitions[1].to", "did you mean 'shipped'?"),
    ("required_field_unknown", put(lambda d: wf(d)["transitions"][1], required_fields=["tracking"]),
     "forms[3].workflow.transitions[1].required_fields[0]", "unknown field 'tracking'"),
    ("assignee_not_user", put(wf, assignee_field="customer"),
     "forms[3].workflow.assignee_field", "'customer' is a link field, not a user field"),
    ("workflow_field_declared", append(lambda d: form(d, SALES_ORDER)["fields"],
                                       {"name": "status", "type": "text"}),
     "forms[3].fields[6].name", "'status' is the workflow's state field"),
    # --- rules
    ("rule_unknown_source", put(lambda d: d["rules"][0], source="sales_orders.lines"),
     "rules[0].source", "unknown form 'sales_orders' (did you mean 'sales_order'?)"),
    ("rule_unknown_subform", put(lambda d: d["rules"][0], source="sales_order.line"),
     "rules[0].source", "'line' is not a subform of 'sales_order' (did you mean 'sales_order.lines'?)"),
    ("rule_unknown_target", put(lambda d: d["rules"][0], target="stocks"),
     "rules[0].target", "unknown form 'stocks'"),
    ("match_unknown_field", lambda d: d["rules"][0]["match"].update(wharehouse="parent.warehouse"),
     "rules[0].match.wharehouse", "unknown field 'wharehouse' in 'stock'"),
    ("adjust_non_numeric", lambda d: d["rules"][0]["adjust"].update(warehouse="1"),
     "rules[0].adjust.warehouse", "adjust on a non-numeric field 'warehouse'"),
    ("adjust_formula_field", steps(put(lambda d: fld(d, STOCK, 2), formula="1"),
                                   lambda d: fld(d, STOCK, 2).pop("default")),
     "rules[0].adjust.on_hand", "'on_hand' has a formula"),
    ("create_missing_required", append(lambda d: form(d, STOCK)["fields"],
                                       {"name": "bin", "type": "text", "required": True}),
     "rules[0].create_missing", "would miss the required field 'bin'"),
    ("event_unknown_transition", append(lambda d: d["rules"], event(
        source="sales_order", on=["transition:shipp"],
        actions=[{"notify": ["manager"], "message": "shipped {number}"}])),
     "rules[1].on[0]", "unknown transition 'shipp' in form 'sales_order' (did you mean 'ship'?)"),
    ("event_transition_without_workflow", append(lambda d: d["rules"], event(on=["transition:ship"])),
     "rules[1].on[0]", "form 'stock' has no workflow"),
    ("notify_unknown_role", append(lambda d: d["rules"], event(actions=[
        {"notify": ["managers", "user:alice"], "message": "low"}])),
     "rules[1].actions[0].notify[0]", "unknown role 'managers' (did you mean 'manager'?)"),
    ("create_unknown_form", append(lambda d: d["rules"], event(actions=[
        {"create": "purchase_request", "values": {"product": "product"}}])),
     "rules[1].actions[0].create", "unknown form 'purchase_request'"),
    ("create_unknown_value_field", append(lambda d: d["rules"], event(actions=[
        {"create": "stock", "values": {"product": "product", "warehouse": "warehouse",
                                       "onhand": "0"}}])),
     "rules[1].actions[0].values.onhand", "did you mean 'on_hand'?"),
    ("create_missing_required_value", append(lambda d: d["rules"], event(actions=[
        {"create": "stock", "values": {"product": "product"}}])),
     "rules[1].actions[0].create", "would miss the required field 'warehouse'"),
    ("action_transition_unknown", append(lambda d: d["rules"], event(
        source="sales_order.lines", on=["updated"], actions=[{"transition": "shp"}])),
     "rules[1].actions[0].transition", "unknown transition 'shp'"),
    ("webhook_bad_url", append(lambda d: d["rules"], event(actions=[{"webhook": "ftp://x/y"}])),
     "rules[1].actions[0].webhook", "must start with http:// or https://"),
    ("rule_cycle", steps(
        append(lambda d: form(d, SALES_ORDER)["fields"], {"name": "stock_seen", "type": "decimal"}),
        append(lambda d: d["rules"], {"name": "stock_marks_orders", "source": "stock",
                                      "target": "sales_order", "match": {"id": "1"},
                                      "adjust": {"stock_seen": "1"}})),
     "rules[0]", "rule cycle: sales_order → stock → sales_order"),
    ("rule_cycle_via_create", steps(
        append(lambda d: d["rules"], event(on=["created", "updated"],
                                           actions=[{"create": "customer", "values": {"name": "'x'"}}])),
        append(lambda d: d["rules"], {"name": "customer_to_stock", "source": "customer",
                                      "on": ["created"], "actions": [{"create": "stock", "values": {
                                          "product": "1", "warehouse": "1"}}]})),
     "rules[1]", "rule cycle: stock → customer → stock"),
    # --- names, duplicates, types
    ("duplicate_field", append(lambda d: form(d, CUSTOMER)["fields"], {"name": "name", "type": "text"}),
     "forms[0].fields[4].name", "duplicate field 'name' (first defined at forms[0].fields[0].name)"),
    ("duplicate_row_field", append(lambda d: fld(d, SALES_ORDER, LINES)["fields"],
                                   {"name": "qty", "type": "integer"}),
     "forms[3].fields[4].fields[4].name", "duplicate field 'qty'"),
    ("duplicate_form", lambda d: d["forms"].append({"name": "stock", "fields": [{"name": "x", "type": "text"}]}),
     "forms[5].name", "duplicate form 'stock'"),
    ("duplicate_role", lambda d: d["roles"].append({"name": "sales"}),
     "roles[3].name", "duplicate role 'sales'"),
    ("duplicate_rule", lambda d: d["rules"].append(dict(d["rules"][0])),
     "rules[1].name", "duplicate rule 'shipped_sales_line_decrements_stock'"),
    ("duplicate_state", lambda d: wf(d)["states"].append("draft"),
     "forms[3].workflow.states[4]", "duplicate state 'draft'"),
    ("duplicate_transition", lambda d: wf(d)["transitions"].append(dict(wf(d)["transitions"][0])),
     "forms[3].workflow.transitions[3].name", "duplicate transition 'confirm'"),
    ("duplicate_option", append(lambda d: form(d, CUSTOMER)["fields"],
                                {"name": "tier", "type": "select", "options": ["a", {"value": "a"}]}),
     "forms[0].fields[4].options[1].value", "duplicate option 'a'"),
    ("system_column_name", append(lambda d: form(d, CUSTOMER)["fields"], {"name": "created_by", "type": "text"}),
     "forms[0].fields[4].name", "'created_by' is reserved (a system column)"),
    ("row_system_column_name", append(lambda d: fld(d, SALES_ORDER, LINES)["fields"],
                                      {"name": "position", "type": "integer"}),
     "forms[3].fields[4].fields[4].name", "'position' is reserved (a system column)"),
    ("scope_word_name", append(lambda d: form(d, CUSTOMER)["fields"], {"name": "parent", "type": "text"}),
     "forms[0].fields[4].name", "'parent' is reserved (an expression scope name)"),
    ("keyword_name", append(lambda d: form(d, CUSTOMER)["fields"], {"name": "lambda", "type": "text"}),
     "forms[0].fields[4].name", "'lambda' is reserved (an expression keyword)"),
    ("double_underscore", put(lambda d: form(d, WAREHOUSE), name="ware__house"),
     "forms[2].name", "double or trailing underscore"),
    ("app_ld_prefix", lambda d: d.update(app="ld_orders"), "app", "'ld_orders' is reserved"),
    ("nested_subform", append(lambda d: fld(d, SALES_ORDER, LINES)["fields"],
                              {"name": "parts", "type": "subform", "fields": [{"name": "x", "type": "text"}]}),
     "forms[3].fields[4].fields[4].type", "subforms cannot be nested"),
    ("default_wrong_type", put(lambda d: fld(d, PRODUCT, 4), default="abc"),
     "forms[1].fields[4].default", "default 'abc' is not an integer"),
    ("default_not_an_option", append(lambda d: form(d, CUSTOMER)["fields"],
                                     {"name": "tier", "type": "select", "options": ["a", "b"], "default": "c"}),
     "forms[0].fields[4].default", "is not one of the options"),
    ("default_bad_date", put(lambda d: fld(d, SALES_ORDER, 3), default="31/01/2024"),
     "forms[3].fields[3].default", "is not a date"),
    ("default_below_min", put(lambda d: fld(d, PRODUCT, 4), default=-1),
     "forms[1].fields[4].default", "below min 0"),
    ("min_above_max", put(lambda d: fld(d, PRODUCT, 2), max=-5),
     "forms[1].fields[2].min", "min 0 is greater than max -5"),
    ("integer_fractional_bound", put(lambda d: fld(d, PRODUCT, 4), min=0.5),
     "forms[1].fields[4].min", "not a whole number"),
    ("formula_and_default", put(ROW(3), default=1),
     "forms[3].fields[4].fields[3].default", "a formula field cannot have 'default'"),
    ("autonumber_without_seq", put(lambda d: fld(d, SALES_ORDER, 0), pattern="SO{YYYY}"),
     "forms[3].fields[0].pattern", "exactly one {seq}"),
    ("autonumber_unknown_placeholder", put(lambda d: fld(d, SALES_ORDER, 0), pattern="SO{YYY}-{seq:4}"),
     "forms[3].fields[0].pattern", "unknown placeholder '{YYY}'"),
    ("bad_regex", put(lambda d: fld(d, CUSTOMER, 0), pattern="[a-z"),
     "forms[0].fields[0].pattern", "invalid regular expression"),
]


@pytest.mark.parametrize("mutation, path, expected", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_semantic_problem_is_reported_at_its_path(mutation, path, expected):
    problems = validate_definition(mutated(mutation))
    at_path = [str(p) for p in problems if p.path == path and p.severity == "error"]
    assert at_path, f"nothing reported at {path}; got:\n" + "\n".join(map(str, problems))
    assert any(expected in text for text in at_path), "\n".join(at_path)


def test_unreachable_state_is_a_warning():
    problems = validate_definition(mutated(lambda d: wf(d)["states"].append("archived")))
    assert [(p.path, p.severity) for p in problems] == [("forms[3].workflow.states[4]", "warning")]
    assert "cannot be reached" in problems[0].message


def test_allowed_scopes_validate():
    def mutate(d):
        form(d, STOCK)["checks"].append({"when": "on_hand < previous.on_hand - 1000",
                                         "message": "Big drop {{really}} for {product.name}"})
        fld(d, SALES_ORDER, 3)["default_expr"] = "coalesce(user.today, today())"
        ROW(2)(d)["default_expr"] = "lookup('stock', 'on_hand', product=product, warehouse=parent.warehouse)"
        ROW(2)(d).pop("fill_from")
        d["rules"].append(event(source="sales_order", on=["transition:ship", "updated"],
                                when="total != previous.total and created_by > 0",
                                actions=[{"create": "stock", "values": {
                                    "product": "1", "warehouse": "warehouse"}},
                                    {"reject": {"en": "No {number}", "zh": "不行 {number}"}},
                                    {"webhook": "orders_hook"}]))
        d["rules"].append(event(name="line_event", source="sales_order.lines", on=["created"],
                                actions=[{"transition": "confirm"}]))
    assert [str(p) for p in validate_definition(mutated(mutate))] == []


def test_many_semantic_cases():
    assert len(CASES) >= 30


def _inventory_sketch() -> dict:
    """The linkage patterns the inventory app (issue 8) needs, in miniature."""
    link = lambda name, form, **kw: {"name": name, "type": "link", "form": form, **kw}  # noqa: E731
    num = lambda name, **kw: {"name": name, "type": "decimal", "scale": 3, **kw}  # noqa: E731
    flow = lambda *states: {"initial": states[0], "states": list(states), "transitions": [  # noqa: E731
        {"name": f"to_{b}", "from": a, "to": b, "roles": ["manager"]}
        for a, b in zip(states, states[1:])]}
    return {
        "app": "inventory", "roles": [{"name": "manager"}, {"name": "purchasing"}],
        "forms": [
            {"name": "warehouse", "fields": [{"name": "name", "type": "text"},
                                             {"name": "allow_negative", "type": "boolean"}]},
            {"name": "product", "fields": [{"name": "name", "type": "text"}, num("min_stock"),
                                           num("max_stock")]},
            {"name": "stock", "unique": [["product", "warehouse"]],
             "fields": [link("product", "product", required=True),
                        link("warehouse", "warehouse", required=True),
                        num("on_hand", default=0), num("reserved", default=0), num("incoming", default=0),
                        num("available", formula="on_hand - reserved")],
             "checks": [{"when": "on_hand < 0 and not warehouse.allow_negative",
                         "message": {"en": "Insufficient stock", "zh": "库存不足"}}]},
            {"name": "purchase_order", "fields": [
                link("warehouse", "warehouse", required=True),
                {"name": "lines", "type": "subform", "fields": [
                    link("product", "product"), num("qty"), num("received_qty", default=0)]}],
             "workflow": flow("draft", "ordered", "partially_received", "received")},
            {"name": "purchase_receipt", "fields": [
                link("warehouse", "warehouse"), link("purchase_order", "purchase_order"),
                {"name": "lines", "type": "subform", "fields": [
                    link("product", "product"), num("qty"), {"name": "po_line", "type": "integer"}]}],
             "workflow": flow("draft", "received")},
            {"name": "stock_count", "fields": [
                link("warehouse", "warehouse"),
                {"name": "lines", "type": "subform", "fields": [
                    link("product", "product"), num("counted_qty"),
                    num("system_qty", default_expr="lookup('stock', 'on_hand', product=product, "
                                                   "warehouse=parent.warehouse)"),
                    num("difference", formula="counted_qty - system_qty")]}],
             "workflow": flow("draft", "approved")},
            {"name": "purchase_request", "fields": [
                link("product", "product", required=True), link("warehouse", "warehouse"),
                num("qty"), {"name": "state", "type": "select", "options": ["open", "closed"],
                             "default": "open"}]},
        ],
        "rules": [
            {"name": "receipt_adds_stock", "source": "purchase_receipt.lines",
             "when": "parent.status == 'received'", "target": "stock", "create_missing": True,
             "match": {"product": "product", "warehouse": "parent.warehouse"}, "adjust": {"on_hand": "qty"}},
            {"name": "receipt_fills_po_line", "source": "purchase_receipt.lines",
             "when": "parent.status == 'received' and po_line != None",
             "target": "purchase_order.lines", "match": {"id": "po_line"},
             "adjust": {"received_qty": "qty"}},
            {"name": "po_line_incoming", "source": "purchase_order.lines",
             "when": "parent.status in ['ordered', 'partially_received']", "target": "stock",
             "create_missing": True, "match": {"product": "product", "warehouse": "parent.warehouse"},
             "adjust": {"incoming": "max(qty - received_qty, 0)"}},
            {"name": "po_received", "source": "purchase_order", "on": ["updated"],
             "when": "status == 'partially_received' and sum(lines.received_qty) >= sum(lines.qty)",
             "actions": [{"transition": "to_received"}]},
            {"name": "count_adjusts", "source": "stock_count.lines", "when": "parent.status == 'approved'",
             "target": "stock", "create_missing": True,
             "match": {"product": "product", "warehouse": "parent.warehouse"},
             "adjust": {"on_hand": "difference"}},
            {"name": "low_stock", "source": "stock", "on": ["updated"],
             "when": "available + incoming < product.min_stock and "
                     "previous.available + previous.incoming >= product.min_stock",
             "actions": [{"notify": ["purchasing"], "message": "{product.name}: {available}"},
                         {"create": "purchase_request", "values": {
                             "product": "product", "warehouse": "warehouse",
                             "qty": "product.max_stock - available - incoming"}}]},
        ],
    }


def test_inventory_linkage_patterns_validate():
    assert [str(p) for p in validate_definition(_inventory_sketch())] == []


def test_event_rule_creating_its_own_form_is_a_cycle_only_when_it_runs_on_created():
    definition = _inventory_sketch()
    definition["rules"].append({"name": "reorder", "source": "purchase_request",
                                "on": ["updated"], "actions": [{"create": "purchase_request",
                                                                "values": {"product": "product"}}]})
    assert [str(p) for p in validate_definition(definition)] == []
    definition["rules"][-1]["on"] = ["created"]
    assert [str(p) for p in validate_definition(definition)] == [
        "rules[6]: rule cycle: purchase_request → purchase_request (a rule's write makes the "
        "target form's rules run; a chain of rules must not lead back to where it started)"]


def test_inventory_sketch_compiles():
    from engine.definitions import compile_app
    model = compile_app(_inventory_sketch())
    assert model.rules[3].actions[0].kind == "transition"
    assert model.adjusted_fields("stock") == frozenset({"on_hand", "incoming"})
