"""EnumText: enums kept as plain text in the database and read back as members."""

from enum import StrEnum

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert, select, text
from sqlalchemy.exc import StatementError

from metrology_svc.core.columns import EnumText


class Colour(StrEnum):
    RED = "red"
    BLUE = "blue"


def table() -> Table:
    return Table(
        "thing",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("colour", EnumText(Colour, 8)),
    )


def test_a_member_or_its_text_goes_in_as_text_and_comes_back_as_the_member() -> None:
    engine = create_engine("sqlite://")
    thing = table()
    thing.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(thing), [{"colour": Colour.RED}, {"colour": "blue"}, {"colour": None}])
        stored: list[object] = list(
            conn.execute(text("SELECT colour FROM thing ORDER BY id")).scalars()
        )
        loaded: list[object] = list(
            conn.execute(select(thing.c.colour).order_by(thing.c.id)).scalars()
        )
    assert stored == ["red", "blue", None]
    assert loaded == [Colour.RED, Colour.BLUE, None]
    assert all(isinstance(v, Colour) for v in loaded[:2])


def test_text_outside_the_enum_is_refused_before_it_reaches_the_database() -> None:
    engine = create_engine("sqlite://")
    thing = table()
    thing.metadata.create_all(engine)
    with (
        pytest.raises(StatementError, match="'green' is not a valid Colour"),
        engine.begin() as conn,
    ):
        conn.execute(insert(thing), [{"colour": "green"}])
