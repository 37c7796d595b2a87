"""API shapes of an import report."""

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field


class ImportMode(StrEnum):
    """What happens to the valid rows when some rows are rejected."""

    ALL_OR_NOTHING = "all-or-nothing"  # nothing is written if any row is rejected
    VALID_ONLY = "valid-only"  # valid rows are written, rejected rows reported


class RowErrorPublic(BaseModel):
    """One reason a row was rejected, or one warning about a row or a column."""

    row: int = Field(description="Row number as shown in Excel (the header is row 1)")
    column: str = Field(description="Column header as written in the file")
    reason_vi: str
    reason_en: str
    value: str = ""


class ImportReport(BaseModel):
    """What an import did: counts per outcome and every rejected row's errors."""

    mode: ImportMode
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    verifications: int = Field(
        default=0, description="Imported verification records created from verification dates"
    )
    rejected: int = Field(default=0, description="Rows rejected (each may have several errors)")
    written: bool = Field(default=False, description="False when all-or-nothing wrote nothing")
    convention: Literal["vi", "en"] = Field(
        default="vi", description="How numbers written as text were read: vi 1.500,5 / en 1,500.5"
    )
    convention_source: Literal["option", "file", "default"] = Field(
        default="default",
        description="option: chosen for the import; file: shown by its cells; default: Vietnamese",
    )
    ignored_columns: list[str] = Field(default_factory=list)
    errors: list[RowErrorPublic] = Field(default_factory=list)
    warnings: list[RowErrorPublic] = Field(
        default_factory=list,
        description="Columns not used (due date, status) and rows whose due date differs from "
        "the registry's; nothing is rejected for them",
    )
