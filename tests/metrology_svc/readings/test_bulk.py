"""The portable bulk insert: what it binds is what the ORM would have bound."""

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite
from sqlmodel import SQLModel

from metrology_svc.readings import bulk

aware = st.datetimes(
    min_value=datetime(1900, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.timezones()
)


class _Conn:  # what _processor reads of a connection
    dialect = sqlite.dialect()


@given(value=aware)
def test_sqlite_times_are_written_as_the_orm_writes_them(value: datetime) -> None:
    table = SQLModel.metadata.tables["reading"]
    dialect = sqlite.dialect()
    orm = table.c["measured_at"].type.dialect_impl(dialect).bind_processor(dialect)
    fast = bulk._processor(table, "measured_at", _Conn())  # type: ignore[arg-type]
    assert orm is not None
    assert fast(value) == orm(value)
    assert fast(None) is None


def test_a_naive_time_is_refused_as_the_orm_refuses_it() -> None:
    table = SQLModel.metadata.tables["reading"]
    fast = bulk._processor(table, "received_at", _Conn())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="timezone"):
        fast(datetime(2026, 11, 22, 1, 0))
