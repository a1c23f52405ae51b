"""DecimalType: exact to its scale on both backends, including atomic increments."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, func, insert, literal, select, update

from engine.storage.types import DecimalType, quantize

metadata = MetaData()
balances = Table("t_balances", metadata,
                 Column("id", Integer, primary_key=True),
                 Column("amount", DecimalType(2)),
                 Column("qty", DecimalType(3)))


@pytest.fixture
def table(database):
    with database.transaction() as connection:
        metadata.create_all(connection)
        connection.execute(insert(balances).values(id=1, amount=Decimal("0"), qty=0))
    return balances


def read(database, column):
    with database.read() as connection:
        return connection.execute(select(column).where(balances.c.id == 1)).scalar_one()


def test_values_come_back_as_decimals_quantized_to_scale(database, table):
    with database.transaction() as connection:
        connection.execute(update(table).values(amount="1.005", qty=2.5))
    assert read(database, table.c.amount) == Decimal("1.01")       # ROUND_HALF_UP
    assert str(read(database, table.c.qty)) == "2.500"


def test_atomic_increment_is_exact_to_the_scale(database, table):
    delta = Decimal("0.10")
    for _ in range(1000):
        with database.transaction() as connection:
            connection.execute(update(table).where(table.c.id == 1)
                               .values(amount=table.c.amount + delta,
                                       qty=table.c.qty - Decimal("0.001")))
    amount, qty = read(database, table.c.amount), read(database, table.c.qty)
    assert amount == Decimal("100.00") and str(amount) == "100.00"
    assert qty == Decimal("-1.000") and str(qty) == "-1.000"


def test_increment_of_large_values(database, table):
    with database.transaction() as connection:
        connection.execute(update(table).values(amount=Decimal("123456789.99")))
        connection.execute(update(table).values(amount=table.c.amount + Decimal("0.01")))
    assert read(database, table.c.amount) == Decimal("123456790.00")


def test_filters_and_aggregates_use_the_type(database, table):
    with database.transaction() as connection:
        connection.execute(update(table).values(amount=Decimal("5.55")))
        found = connection.execute(select(table.c.id).where(table.c.amount == Decimal("5.55"))
                                   ).scalar()
        total = connection.execute(select(func.sum(table.c.amount))).scalar_one()
    assert found == 1
    assert total == Decimal("5.55")


def test_null_stays_null(database, table):
    with database.transaction() as connection:
        connection.execute(update(table).values(amount=None))
    assert read(database, table.c.amount) is None


def test_literal_rendering(database):
    rendered = select(literal(Decimal("2.345"), DecimalType(2))).compile(
        dialect=database.engine.dialect, compile_kwargs={"literal_binds": True})
    assert "2.35" in str(rendered)


@pytest.mark.parametrize("value, scale, expected", [
    ("0.125", 2, "0.13"), ("-0.125", 2, "-0.13"), (0.1, 1, "0.1"), (3, 3, "3.000"),
    (Decimal("1E+2"), 0, "100"),
])
def test_quantize(value, scale, expected):
    assert str(quantize(value, scale)) == expected


@pytest.mark.parametrize("bad", ["abc", "NaN", float("inf")])
def test_quantize_rejects_non_numbers(bad):
    with pytest.raises(ValueError):
        quantize(bad, 2)
