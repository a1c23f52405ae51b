"""Migration plans: Alembic's diff classified into additive, destructive and blocked steps."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import inspect, insert, select

from engine.definitions.model import compile_app
from engine.storage.migrate import (DestructiveChangeError, MigrationError, apply_plan,
                                    create_plan, plan_migration)
from engine.storage.tables import build_app_tables


def form(definition, name):
    return next(f for f in definition["forms"] if f["name"] == name)


@pytest.fixture
def installed(database, shop):
    """The shop app's tables, with a customer, a product, an order and two lines."""
    model = compile_app(shop)
    tables = build_app_tables(model)
    with database.schema_transaction() as connection:
        apply_plan(connection, create_plan(model))
        customer = connection.execute(insert(tables.form("customer")).values(
            name="ACME").returning(tables.form("customer").c.id)).scalar_one()
        product = connection.execute(insert(tables.form("product")).values(
            sku="P1", name="Bolt", price=Decimal("1.50")).returning(
            tables.form("product").c.id)).scalar_one()
        order = connection.execute(insert(tables.form("sales_order")).values(
            customer=customer, total=Decimal("3")).returning(
            tables.form("sales_order").c.id)).scalar_one()
        connection.execute(insert(tables.subform("sales_order", "lines")), [
            {"parent_id": order, "position": 0, "product": product, "qty": Decimal("1")},
            {"parent_id": order, "position": 1, "product": product, "qty": Decimal("2")}])
    return model


def plan(database, definition, previous):
    with database.read() as connection:
        return plan_migration(connection, compile_app(definition), previous)


def migrate(database, definition, previous, **kwargs):
    with database.schema_transaction() as connection:
        result = plan_migration(connection, compile_app(definition), previous)
        apply_plan(connection, result, **kwargs)
    return result


def rows(database, definition, form_name, subform=None):
    tables = build_app_tables(compile_app(definition))
    table = tables.subform(form_name, subform) if subform else tables.form(form_name)
    with database.read() as connection:
        return [dict(r._mapping) for r in connection.execute(select(table).order_by(table.c.id))]


def test_no_changes_gives_an_empty_plan(database, shop, installed):
    result = plan(database, shop, installed)
    assert result.is_empty and str(result) == "no schema changes"


def test_adding_a_field_keeps_rows_and_subform_rows(database, shop, installed):
    form(shop, "sales_order")["fields"].append({"name": "ref", "type": "text", "index": True})
    result = migrate(database, shop, installed)
    assert "+ add column shop__sales_order.ref VARCHAR(255)" in str(result).splitlines()
    assert not result.destructive_steps
    orders = rows(database, shop, "sales_order")
    assert len(orders) == 1 and orders[0]["ref"] is None and orders[0]["total"] == Decimal("3.00")
    # The order table was rebuilt on SQLite: its subform rows must survive (no cascade).
    assert [r["qty"] for r in rows(database, shop, "sales_order", "lines")] == [
        Decimal("1.000"), Decimal("2.000")]
    assert plan(database, shop, compile_app(shop)).is_empty


def test_new_form_adds_a_table(database, shop, installed):
    shop["forms"].append({"name": "supplier", "fields": [
        {"name": "name", "type": "text", "required": True},
        {"name": "product", "type": "link", "form": "product"}]})
    result = migrate(database, shop, installed)
    assert [s.kind for s in result.steps] == ["add_table"]
    assert "shop__supplier" in inspect(database.engine).get_table_names()


def test_required_field_with_default_fills_existing_rows(database, shop, installed):
    form(shop, "customer")["fields"].append(
        {"name": "level", "type": "integer", "required": True, "default": 3})
    result = migrate(database, shop, installed)
    assert not result.destructive_steps and not result.blocked_steps
    assert [r["level"] for r in rows(database, shop, "customer")] == [3]


def test_required_field_without_default_on_rows_is_blocked(database, shop, installed):
    form(shop, "customer")["fields"].append({"name": "code", "type": "text", "required": True})
    result = plan(database, shop, installed)
    [step] = result.blocked_steps
    assert str(step).startswith("! add column shop__customer.code")
    assert "1 existing rows" in str(step)
    with database.schema_transaction() as connection, pytest.raises(MigrationError):
        apply_plan(connection, result, allow_destructive=True)


def test_required_field_on_empty_table_is_added(database, shop, installed):
    form(shop, "stock")["fields"].append({"name": "bin", "type": "text", "required": True})
    migrate(database, shop, installed)
    column = next(c for c in inspect(database.engine).get_columns("shop__stock")
                  if c["name"] == "bin")
    assert column["nullable"] is False


def test_unique_on_duplicated_values_is_blocked(database, shop, installed):
    with database.transaction() as connection:
        tables = build_app_tables(installed)
        connection.execute(insert(tables.form("product")).values(sku="P2", name="Bolt"))
    field = next(f for f in form(shop, "product")["fields"] if f["name"] == "name")
    field["unique"] = True
    [step] = plan(database, shop, installed).blocked_steps
    assert "share the value 'Bolt'" in str(step)


def test_widening_is_additive_and_narrowing_destructive(database, shop, installed):
    sku = next(f for f in form(shop, "product")["fields"] if f["name"] == "sku")
    sku["max_length"] = 80
    widened = migrate(database, shop, installed)
    assert [s.kind for s in widened.steps] == ["alter_type"] and not widened.destructive_steps
    sku["max_length"] = 10
    narrowed = plan(database, shop, compile_app(shop))
    assert narrowed.destructive_steps and str(narrowed).startswith("- NARROW column")


def test_destructive_steps_refused_without_permission(database, shop, installed):
    form(shop, "customer")["fields"] = [f for f in form(shop, "customer")["fields"]
                                        if f["name"] != "email"]
    with database.schema_transaction() as connection:
        result = plan_migration(connection, compile_app(shop), installed)
        with pytest.raises(DestructiveChangeError) as refused:
            apply_plan(connection, result)
    assert "DROP column shop__customer.email" in str(refused.value)
    assert "(destructive)" in str(result)


def test_optional_to_required_with_and_without_empty_values(database, shop, installed):
    price = next(f for f in form(shop, "product")["fields"] if f["name"] == "price")
    price["required"] = True
    assert plan(database, shop, installed).is_empty is False
    assert not plan(database, shop, installed).blocked_steps        # every price is set
    email = next(f for f in form(shop, "customer")["fields"] if f["name"] == "email")
    email["required"] = True
    blocked = plan(database, shop, installed).blocked_steps
    assert [s.column for s in blocked] == ["email"]
    email["default"] = "none@example.com"
    filled = migrate(database, shop, installed, allow_destructive=True)
    assert any("filling 1 empty values" in str(s) for s in filled.destructive_steps)
    assert rows(database, shop, "customer")[0]["email"] == "none@example.com"
