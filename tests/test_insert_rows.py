"""etl.db.insert_rows, the loader's one way to write many rows: the same rows back on both databases, and the
errors the loader's retry and stop rules rely on (SQLAlchemy's, not the driver's)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Boolean, Column, Date, DateTime, Float, Integer, MetaData, String, Table, Text, select
from sqlalchemy.exc import IntegrityError

from etl import db

UTC = dt.UTC


@pytest.fixture
def scratch(engine):
    """A table of its own with a column of each type the warehouse's facts and marts use."""
    metadata = MetaData()
    table = Table(
        "insert_rows_check", metadata,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("code", String(6), nullable=False),
        Column("count", Integer),
        Column("amount", Float),
        Column("flag", Boolean),
        Column("on_day", Date),
        Column("at", DateTime(timezone=True)),
        Column("note", Text),
    )
    metadata.drop_all(engine)
    metadata.create_all(engine)
    yield table
    metadata.drop_all(engine)


ROWS = [
    dict(id=1, code="GM0361", count=3, amount=2, flag=True, on_day=dt.date(2026, 3, 31),
         at=dt.datetime(2026, 4, 1, 8, 30, tzinfo=UTC), note='Komma, "aanhalingstekens" en {accolades}'),
    dict(id=2, code="GM0363", count=None, amount=2.5, flag=False, on_day=None, at=None, note=None),
    dict(id=3, code="GM0373", count=0, amount=None, flag=None, on_day=dt.date(2026, 6, 30),
         at=dt.datetime(2026, 7, 1, 0, 0, tzinfo=UTC), note="Twee\nregels; één met accenten"),
]


def test_the_rows_written_are_the_rows_given(engine, scratch):
    with engine.begin() as conn:
        db.insert_rows(conn, scratch, ROWS)
        db.insert_rows(conn, scratch, [])  # nothing to write is no statement and no error
    with engine.connect() as conn:
        back = [row._asdict() for row in conn.execute(select(scratch).order_by(scratch.c.id))]
    for row in back:  # SQLite hands back naive datetimes (UTC as written)
        if row["at"] is not None and row["at"].tzinfo is None:
            row["at"] = row["at"].replace(tzinfo=UTC)
    assert back == ROWS
    assert isinstance(back[0]["amount"], float)  # the integral 2 was written as a number of the Float column


def test_a_refused_row_refuses_the_statement_with_sqlalchemys_error(engine, scratch):
    """The loader retries a batch file by file on IntegrityError and DataError, and stops on OperationalError:
    a refusal must arrive as SQLAlchemy's exception, and leave none of the statement's rows."""
    with engine.begin() as conn:
        db.insert_rows(conn, scratch, ROWS[:1])
    with pytest.raises(IntegrityError), engine.begin() as conn:
        db.insert_rows(conn, scratch, [ROWS[1], ROWS[0]])  # id 1 again
    with engine.connect() as conn:
        assert conn.execute(select(scratch.c.id)).scalars().all() == [1]


def test_a_fraction_in_an_integer_column_is_never_rounded(engine, scratch):
    """PostgreSQL would round 2.5 in an array cast to integers: insert_rows refuses it there. SQLite keeps 2.5 in
    an INTEGER column as it is, so there the value comes back unchanged."""
    row = {**ROWS[0], "count": 2.5}
    if engine.dialect.name == "postgresql":
        with pytest.raises(TypeError), engine.begin() as conn:
            db.insert_rows(conn, scratch, [row])
        expected: list = []
    else:
        with engine.begin() as conn:
            db.insert_rows(conn, scratch, [row])
        expected = [2.5]
    with engine.connect() as conn:
        assert conn.execute(select(scratch.c.count)).scalars().all() == expected
