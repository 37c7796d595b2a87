"""Column types shared by the tables."""

from enum import StrEnum
from typing import Any

from sqlalchemy import Dialect, String
from sqlalchemy.types import TypeDecorator


class EnumText(TypeDecorator[StrEnum]):
    """A StrEnum stored as its plain text value (VARCHAR), read back as the enum member.

    A plain String column would hand back str, so a loaded row would hold "due" where a new
    one holds InstrumentStatus.DUE, and pydantic would warn when serialising it. The database
    keeps VARCHAR (no database enum types to migrate when a value is added).
    """

    impl = String
    cache_ok = True

    def __init__(self, enum: type[StrEnum], length: int) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        """Store the member's value; plain text must be one of the enum's values."""
        if value is None:
            return None
        return str(self.enum(value).value)

    def process_result_value(self, value: Any, dialect: Dialect) -> StrEnum | None:
        """Read the text back as the member."""
        return None if value is None else self.enum(value)
