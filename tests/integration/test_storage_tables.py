"""The storage compiler: forms become real tables with the expected schema."""
from __future__ import annotations

import pytest
from sqlalchemy import inspect

from engine.definitions.model import compile_app
from engine.storage.migrate import apply_plan, create_plan
from engine.storage.naming import (MAX_IDENTIFIER_LENGTH, form_table_name, shorten,
                                   subform_table_name)
from engine.storage.system import system_metadata
from engine.storage.tables import build_app_tables


def create_tables(database, definition):
    model = compile_app(definition)
    with database.schema_transaction() as connection:
        apply_plan(connection, create_plan(model))
    return build_app_tables(model)


def columns(inspector, table):
    return {c["name"]: c for c in inspector.get_columns(table)}


def test_system_tables_exist_after_create_app(database):
    names = set(inspect(database.engine).get_table_names())
    assert {"ld_apps", "ld_app_versions", "ld_users", "ld_user_roles", "ld_api_tokens",
            "ld_operation_log"} <= names
    assert set(system_metadata.tables) <= names


def test_form_tables_columns_types_and_not_null(database, shop):
    create_tables(database, shop)
    inspector = inspect(database.engine)
    assert {"shop__customer", "shop__product", "shop__sales_order",
            "shop__sales_order__lines", "shop__stock"} <= set(inspector.get_table_names())
    product = columns(inspector, "shop__product")
    assert list(product)[:6] == ["id", "created_at", "created_by", "updated_at", "updated_by",
                                 "version"]
    assert product["sku"]["type"].length == 40 and not product["sku"]["nullable"]
    assert product["name"]["type"].length == 255
    assert (product["price"]["type"].precision, product["price"]["type"].scale) == (18, 2)
    assert product["category"]["type"].length == 100 and product["category"]["nullable"]
    assert not product["version"]["nullable"]
    order = columns(inspector, "shop__sales_order")
    assert order["number"]["type"].length == 64
    assert not order["customer"]["nullable"]
    assert order["status"]["type"].length == 50          # workflow state, not declared
    assert order["total"]["nullable"]                    # computed: filled by the service
    assert "lines" not in order
    lines = columns(inspector, "shop__sales_order__lines")
    assert list(lines)[:3] == ["id", "parent_id", "position"]
    assert not lines["parent_id"]["nullable"] and not lines["position"]["nullable"]
    assert lines["qty"]["type"].scale == 3 and not lines["qty"]["nullable"]


def test_foreign_keys_with_on_delete(database, shop):
    create_tables(database, shop)
    inspector = inspect(database.engine)

    def fks(table):
        return {tuple(fk["constrained_columns"]): (fk["referred_table"],
                                                   (fk["options"].get("ondelete") or "").upper())
                for fk in inspector.get_foreign_keys(table)}

    order = fks("shop__sales_order")
    assert order[("customer",)] == ("shop__customer", "RESTRICT")
    assert order[("owner",)] == ("ld_users", "RESTRICT")
    assert order[("created_by",)] == ("ld_users", "SET NULL")
    lines = fks("shop__sales_order__lines")
    assert lines[("parent_id",)] == ("shop__sales_order", "CASCADE")
    assert lines[("product",)] == ("shop__product", "RESTRICT")


def test_uniques_single_and_sets(database, shop):
    create_tables(database, shop)
    inspector = inspect(database.engine)

    def uniques(table):
        found = {tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)}
        found |= {tuple(i["column_names"]) for i in inspector.get_indexes(table) if i["unique"]}
        return found

    assert ("sku",) in uniques("shop__product")
    assert ("name",) in uniques("shop__customer")
    assert ("number",) in uniques("shop__sales_order")        # autonumber
    assert ("product", "location") in uniques("shop__stock")


def test_indexes_on_links_users_flagged_fields_and_state(database, shop):
    create_tables(database, shop)
    inspector = inspect(database.engine)

    def indexed(table):
        return {tuple(i["column_names"]) for i in inspector.get_indexes(table)}

    assert {("customer",), ("owner",), ("status",), ("created_by",)} <= indexed(
        "shop__sales_order")
    assert ("category",) in indexed("shop__product")
    assert {("parent_id",), ("product",)} <= indexed("shop__sales_order__lines")


def test_app_tables_accessors_in_dependency_order(shop):
    tables = build_app_tables(compile_app(shop))
    assert tables.form("product").name == "shop__product"
    assert tables.subform("sales_order", "lines").name == "shop__sales_order__lines"
    order = [t.name for t in tables.all()]
    assert order.index("shop__customer") < order.index("shop__sales_order")
    assert order.index("shop__sales_order") < order.index("shop__sales_order__lines")
    assert order.index("shop__product") < order.index("shop__sales_order__lines")
    assert "ld_users" not in order


def test_link_cycles_are_created(database):
    definition = {"app": "cyc", "version": "1", "forms": [
        {"name": "a", "fields": [{"name": "b", "type": "link", "form": "b"},
                                 {"name": "me", "type": "link", "form": "a"}]},
        {"name": "b", "fields": [{"name": "a", "type": "link", "form": "a"}]}]}
    create_tables(database, definition)
    inspector = inspect(database.engine)
    assert {fk["referred_table"] for fk in inspector.get_foreign_keys("cyc__a")} >= {
        "cyc__b", "cyc__a"}
    assert "cyc__a" in {fk["referred_table"] for fk in inspector.get_foreign_keys("cyc__b")}


def test_shorten_keeps_short_names_and_hashes_long_ones():
    assert shorten("abc") == "abc"
    long_a, long_b = "x" * 70 + "a", "x" * 70 + "b"
    assert len(shorten(long_a)) == MAX_IDENTIFIER_LENGTH
    assert shorten(long_a) == shorten(long_a)                # deterministic
    assert shorten(long_a) != shorten(long_b)                # still distinct
    assert form_table_name("shop", "product") == "shop__product"
    assert subform_table_name("shop", "order", "lines") == "shop__order__lines"
    long_sub = subform_table_name("shop", "f" * 40, "s" * 40)
    assert len(long_sub) <= MAX_IDENTIFIER_LENGTH and long_sub.startswith("shop__")


@pytest.mark.parametrize("length", [40, 60])
def test_long_names_shortened_and_installable(database, length):
    form, field, sub = "f" * length, "g" * length, "s" * length
    definition = {"app": "longnames", "version": "1", "forms": [
        {"name": form, "unique": [[field, "h" * length]], "fields": [
            {"name": field, "type": "text", "unique": True},
            {"name": "h" * length, "type": "link", "form": form, "index": True},
            {"name": sub, "type": "subform", "fields": [
                {"name": field, "type": "link", "form": form}]}]}]}
    tables = create_tables(database, definition)
    inspector = inspect(database.engine)
    names = [t.name for t in tables.all()]
    assert all(len(n) <= MAX_IDENTIFIER_LENGTH for n in names)
    assert set(names) <= set(inspector.get_table_names())
    for name in names:
        constraint_names = [c["name"] for c in inspector.get_foreign_keys(name)]
        constraint_names += [c["name"] for c in inspector.get_indexes(name)]
        constraint_names += [c["name"] for c in inspector.get_unique_constraints(name)]
        assert all(n and len(n) <= MAX_IDENTIFIER_LENGTH for n in constraint_names)
        for constraint in tables.metadata.tables[name].constraints:
            assert len(constraint.name) <= MAX_IDENTIFIER_LENGTH
