"""install_app: atomic install and upgrade, versions recorded, nothing left behind on error."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, func, insert, inspect, select
from sqlalchemy.exc import IntegrityError

from engine.definitions.model import compile_app
from engine.storage.install import (CREATED, UNCHANGED, UPGRADED, InstallError,
                                    definition_checksum, install_app, installed_apps,
                                    load_installed_definition)
from engine.storage.migrate import plan_migration
from engine.storage.system import app_versions, apps, operation_log
from engine.storage.tables import build_app_tables


def form(definition, name):
    return next(f for f in definition["forms"] if f["name"] == name)


def app_tables(database, prefix="shop__"):
    return {n for n in inspect(database.engine).get_table_names() if n.startswith(prefix)}


def count(database, table):
    with database.read() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def snapshot(database):
    """Everything an install may touch: the app's tables and their columns, and ld_* rows."""
    inspector = inspect(database.engine)
    schema = {t: sorted(c["name"] for c in inspector.get_columns(t)) for t in app_tables(database)}
    return schema, count(database, apps), count(database, app_versions)


def test_fresh_install_creates_tables_and_records_the_version(database, shop):
    result = install_app(database, shop)
    assert (result.status, result.app, result.version) == (CREATED, "shop", "1.0.0")
    assert app_tables(database) == {t.name for t in build_app_tables(compile_app(shop)).all()}
    with database.read() as connection:
        [installed] = installed_apps(connection)
        assert (installed.name, installed.version, installed.version_id) == (
            "shop", "1.0.0", result.version_id)
        assert installed.checksum == definition_checksum(shop)
        assert load_installed_definition(connection, "shop") == shop
        assert load_installed_definition(connection, "nope") is None
        actions = connection.execute(select(operation_log.c.action)).scalars().all()
    assert actions == ["app.install"]


def test_unchanged_reinstall_is_a_no_op(database, shop):
    first = install_app(database, shop)
    again = install_app(database, dict(reversed(list(shop.items()))))   # key order is irrelevant
    assert again.status == UNCHANGED and again.plan.is_empty
    assert again.version_id == first.version_id
    assert count(database, app_versions) == 1


def test_upgrade_adding_a_field_keeps_rows(database, shop):
    install_app(database, shop)
    tables = build_app_tables(compile_app(shop))
    with database.transaction() as connection:
        connection.execute(insert(tables.form("product")), [
            {"sku": "A", "name": "Apple", "price": Decimal("1.25")},
            {"sku": "B", "name": "Bread", "price": Decimal("2.50")}])
    form(shop, "product")["fields"].append({"name": "barcode", "type": "text"})
    shop["version"] = "1.1.0"
    result = install_app(database, shop)
    assert result.status == UPGRADED
    assert "+ add column shop__product.barcode VARCHAR(255)" in str(result.plan)
    tables = build_app_tables(compile_app(shop))
    with database.read() as connection:
        products = connection.execute(select(tables.form("product")).order_by("id")).all()
        [installed] = installed_apps(connection)
    assert [(p.sku, p.price, p.barcode) for p in products] == [
        ("A", Decimal("1.25"), None), ("B", Decimal("2.50"), None)]
    assert installed.version == "1.1.0" and count(database, app_versions) == 2


def test_new_form_adds_a_table(database, shop):
    install_app(database, shop)
    shop["forms"].append({"name": "supplier", "fields": [{"name": "name", "type": "text"}]})
    result = install_app(database, shop)
    assert [s.kind for s in result.plan.steps] == ["add_table"]
    assert "shop__supplier" in app_tables(database)


def _remove_field(definition):
    fields = form(definition, "customer")["fields"]
    fields[:] = [f for f in fields if f["name"] != "email"]


def _remove_form(definition):
    definition["forms"] = [f for f in definition["forms"] if f["name"] != "stock"]


def _decimal_to_text(definition):
    price = next(f for f in form(definition, "product")["fields"] if f["name"] == "price")
    price.clear()
    price.update({"name": "price", "type": "text"})


@pytest.mark.parametrize("change, expected", [
    (_remove_field, "DROP column shop__customer.email"),
    (_remove_form, "DROP table shop__stock"),
    (_decimal_to_text, "CONVERT column shop__product.price"),
])
def test_destructive_change_refused_then_allowed(database, shop, change, expected):
    install_app(database, shop)
    tables = build_app_tables(compile_app(shop))
    with database.transaction() as connection:
        connection.execute(insert(tables.form("customer")).values(name="C", email="c@x.org"))
        connection.execute(insert(tables.form("product")).values(
            sku="A", name="Apple", price=Decimal("1.25")))
    before = snapshot(database)
    change(shop)
    with pytest.raises(InstallError) as refused:
        install_app(database, shop)
    assert expected in str(refused.value) and "--allow-destructive" in str(refused.value)
    assert refused.value.plan is not None and refused.value.plan.destructive_steps
    assert snapshot(database) == before

    result = install_app(database, shop, allow_destructive=True)
    assert result.status == UPGRADED and snapshot(database) != before
    with database.read() as connection:
        assert load_installed_definition(connection, "shop") == shop
    if change is _decimal_to_text:
        with database.read() as connection:
            price = connection.execute(select(Table(
                "shop__product", MetaData(), Column("price")).c.price)).scalar_one()
        assert price == "1.25"                          # the value survived the conversion


def test_dry_run_changes_nothing(database, shop):
    dry = install_app(database, shop, dry_run=True)
    assert dry.dry_run and dry.status == CREATED and len(dry.plan) == 5
    assert app_tables(database) == set() and count(database, apps) == 0

    install_app(database, shop)
    before = snapshot(database)
    form(shop, "product")["fields"].append({"name": "barcode", "type": "text"})
    _remove_form(shop)
    dry = install_app(database, shop, dry_run=True, allow_destructive=True)
    assert dry.status == UPGRADED and dry.plan.destructive_steps
    assert snapshot(database) == before


def test_failed_install_leaves_nothing_behind(database, shop):
    # A table in the way of the app's *last* table: the first ones are created,
    # then creation fails; the whole transaction must roll back.
    conflicting = Table("shop__stock", MetaData(), Column("x", Integer))
    with database.transaction() as connection:
        conflicting.create(connection)
    with pytest.raises(InstallError) as failed:
        install_app(database, shop)
    assert "shop" in str(failed.value)
    assert app_tables(database) == {"shop__stock"}
    assert count(database, apps) == 0 and count(database, app_versions) == 0


def test_invalid_definition_lists_every_error(database, shop):
    form(shop, "product")["fields"][0]["type"] = "txet"
    form(shop, "stock")["fields"][0]["form"] = "nowhere"
    with pytest.raises(InstallError) as invalid:
        install_app(database, shop)
    paths = [e.path for e in invalid.value.errors]
    assert "forms[1].fields[0].type" in paths
    assert any(p.startswith("forms[3].fields[0]") for p in paths)
    assert app_tables(database) == set() and count(database, apps) == 0


def test_install_from_a_path_and_a_loader_error(database, tmp_path, shop):
    import json
    path = tmp_path / "shop.json"
    path.write_text(json.dumps(shop))
    assert install_app(database, path).status == CREATED
    broken = tmp_path / "broken.json"
    broken.write_text('{"app": "x",\n  "forms": [}')
    with pytest.raises(InstallError) as failed:
        install_app(database, broken)
    assert str(failed.value).startswith(f"{broken}:2:")


@pytest.mark.parametrize("name", ["orders", "examples/field_types"])
def test_bundled_apps_install_and_reinstall(database, name):
    from engine.definitions import load_definition
    from engine.resources import bundled_app_path
    path = bundled_app_path(name)
    assert path is not None, f"bundled app {name} is missing"
    assert install_app(database, path).status == CREATED
    assert install_app(database, path).status == UNCHANGED
    # Every field type reads back from the live database exactly as declared:
    # otherwise each later upgrade would show phantom changes.
    model = compile_app(load_definition(path))
    with database.read() as connection:
        assert str(plan_migration(connection, model, model)) == "no schema changes"


def test_foreign_keys_are_enforced_again_after_an_upgrade(database, shop):
    install_app(database, shop)
    form(shop, "sales_order")["fields"].append({"name": "ref", "type": "text"})
    install_app(database, shop)
    lines = build_app_tables(compile_app(shop)).subform("sales_order", "lines")
    with pytest.raises(IntegrityError):
        with database.transaction() as connection:
            connection.execute(insert(lines).values(parent_id=999, position=0, product=999,
                                                    qty=Decimal("1")))
