"""The import report counts every warning and lists the first REPORTED_WARNINGS."""

from metrology_svc.imports.schemas import (
    REPORTED_WARNINGS,
    ImportMode,
    ImportReport,
    RowErrorPublic,
)


def _warning(row: int) -> RowErrorPublic:
    return RowErrorPublic(row=row, column="Hạn", reason_vi="khác", reason_en="differs")


def test_warnings_past_the_list_are_counted_but_never_built() -> None:
    report = ImportReport(mode=ImportMode.VALID_ONLY)
    built: list[int] = []

    def make(row: int) -> list[RowErrorPublic]:
        built.append(row)
        return [_warning(row)]

    for row in range(2, REPORTED_WARNINGS + 52):
        report.warn_each(1, lambda row=row: make(row))  # type: ignore[misc]
    assert report.warnings_total == REPORTED_WARNINGS + 50
    assert [w.row for w in report.warnings] == list(range(2, REPORTED_WARNINGS + 2))
    assert built == list(range(2, REPORTED_WARNINGS + 2))
