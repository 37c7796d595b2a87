"""API shapes of an import report (capped: the first rows' reasons, and counts by reason)."""

import re
from collections.abc import Callable
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field, PrivateAttr

# However many rows a list has, its report stays small: a 400 KB CSV of 200,000 bad rows once
# produced a 312 MB report. Past these numbers only the counts grow.
REPORTED_ROWS = 100  # rejected rows listed with each of their reasons
REPORTED_WARNINGS = 200
REASON_KINDS = 50  # distinct reasons counted; the rest are counted together
_DIGITS = re.compile(r"\d+")
OTHER_VI, OTHER_EN = "Lý do khác", "Other reasons"


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
    accepted_vi: str = Field(default="", description="What the cell would have to hold instead")
    accepted_en: str = Field(default="", description="What the cell would have to hold instead")


class PossibleDuplicate(BaseModel):
    """A new owner named like (or with the phone of) owners already known: a clerk checks
    whether they are one person and merges them (POST /api/v1/owners/{id}/merge)."""

    row: int = Field(description="Row number as shown in Excel of the row that named the owner")
    owner_id: int = Field(description="The owner created for that row")
    name: str
    existing_owner_ids: list[int] = Field(
        description="Owners with the same name (case, accents and spacing aside) or phone"
    )


class ErrorCount(BaseModel):
    """How many errors a file has for one reason in one column (rows past the list included)."""

    column: str
    reason_vi: str
    reason_en: str
    count: int


class ImportReport(BaseModel):
    """What an import did: counts per outcome, the first rejected rows' errors, counts by reason."""

    mode: ImportMode
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    verifications: int = Field(
        default=0, description="Imported verification records created from verification dates"
    )
    no_history: int = Field(
        default=0,
        description="Rows creating an instrument without a verification date: no history, "
        "the instrument stays registered with no due date",
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
    file_format: Literal["csv", "xlsx", "xls", "ods"] = Field(
        default="csv", description="The file as read: CSV, XLSX, XLS (Excel 97-2003) or ODS"
    )
    encoding: str | None = Field(
        default=None,
        description="A CSV's encoding as read: utf-8, utf-8 (BOM), utf-16, windows-1258, "
        "tcvn3 or vni (the last two: old font encodings, converted to Unicode)",
    )
    sheet: str | None = Field(default=None, description="The workbook's sheet that was read")
    hidden_sheets: list[str] = Field(
        default_factory=list, description="Sheets hidden in the workbook (never read unless asked)"
    )
    converted_cells: int = Field(
        default=0,
        description="Cells typed in TCVN3 (ABC, .VnTime) or VNI fonts, converted to Unicode",
    )
    converted_from: list[Literal["tcvn3", "vni"]] = Field(default_factory=list)
    errors: list[RowErrorPublic] = Field(
        default_factory=list,
        description=f"Every error of the first {REPORTED_ROWS} rejected rows",
    )
    errors_total: int = Field(default=0, description="Errors in the whole file")
    reasons: list[ErrorCount] = Field(
        default_factory=list,
        description="Errors in the whole file counted by column and reason (numbers in a "
        f"reason aside; past {REASON_KINDS} kinds counted together as other reasons)",
    )
    warnings: list[RowErrorPublic] = Field(
        default_factory=list,
        description="Columns not used (due date, status) and rows whose due date differs from "
        f"the registry's; nothing is rejected for them (the first {REPORTED_WARNINGS})",
    )
    warnings_total: int = Field(default=0, description="Warnings in the whole file")
    possible_duplicates: list[PossibleDuplicate] = Field(
        default_factory=list,
        description="New owners who may be an owner already known: a name alone never "
        f"matches an owner (the first {REPORTED_WARNINGS}); the page /web/owners/duplicates "
        "lists them at any time and lets an administrator merge them",
    )
    possible_duplicates_total: int = 0
    _kinds: dict[tuple[str, str], ErrorCount] = PrivateAttr(default_factory=dict)
    # Where every error goes besides the capped list (imports.error_file), when asked for.
    _every_error: Callable[[list[RowErrorPublic]], None] | None = PrivateAttr(default=None)

    def send_every_error_to(self, sink: Callable[[list[RowErrorPublic]], None]) -> None:
        """Pass each rejected row's errors to `sink` as well, past the report's cap too."""
        self._every_error = sink

    def reject(self, errors: list[RowErrorPublic]) -> None:
        """Count a rejected row and its errors; list them while the report has room."""
        self.rejected += 1
        self.errors_total += len(errors)
        if self.rejected <= REPORTED_ROWS:
            self.errors.extend(errors)
        if self._every_error is not None:
            self._every_error(errors)
        for e in errors:
            self._count(e)

    def warn(self, warnings: list[RowErrorPublic]) -> None:
        """Count warnings; list them while the report has room."""
        self.warnings_total += len(warnings)
        room = REPORTED_WARNINGS - len(self.warnings)
        if room > 0:
            self.warnings.extend(warnings[:room])

    def warn_each(self, count: int, make: Callable[[], list[RowErrorPublic]]) -> None:
        """Count `count` warnings; build them (make()) only while the report has room to
        list them (a list of 100,000 rows may warn on every row)."""
        if len(self.warnings) < REPORTED_WARNINGS:
            self.warn(make())
        else:
            self.warnings_total += count

    def possible_duplicate(self, line: PossibleDuplicate) -> None:
        """Count a new owner who may duplicate another; list it while the report has room."""
        self.possible_duplicates_total += 1
        if len(self.possible_duplicates) < REPORTED_WARNINGS:
            self.possible_duplicates.append(line)

    def _count(self, error: RowErrorPublic) -> None:
        count_reason(self._kinds, self.reasons, error.column, error.reason_vi, error.reason_en)


def count_reason(
    kinds: dict[tuple[str, str], ErrorCount],
    reasons: list[ErrorCount],
    column: str,
    reason_vi: str,
    reason_en: str,
) -> None:
    """Count one error under its kind (column and reason, numbers aside) in `reasons`."""
    key = (column, _DIGITS.sub("#", reason_en))
    if key not in kinds and len(kinds) >= REASON_KINDS:
        key, column, reason_vi, reason_en = ("", OTHER_EN), "", OTHER_VI, OTHER_EN
    found = kinds.get(key)
    if found is None:
        found = ErrorCount(column=column, reason_vi=reason_vi, reason_en=reason_en, count=0)
        kinds[key] = found
        reasons.append(found)
    found.count += 1
