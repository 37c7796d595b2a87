"""SQL filters for a user's jurisdiction, expressed as administrative unit paths."""

from typing import Any

from sqlalchemy import ColumnElement, false, or_


def under_any(path_column: Any, paths: tuple[str, ...]) -> ColumnElement[bool]:
    """Return a condition true when the path column lies under one of the paths."""
    if not paths:
        return false()
    return or_(*(path_column.startswith(p, autoescape=True) for p in paths))


def ancestors(paths: tuple[str, ...]) -> list[str]:
    """Return every path above (and including) the given ones, e.g. the province of a district."""
    out: set[str] = set()
    for path in paths:
        parts = [p for p in path.split("/") if p]
        out.update("/".join(parts[: i + 1]) + "/" for i in range(len(parts)))
    return sorted(out)
