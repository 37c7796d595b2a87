"""Read pagination parameters from a request's query string (the FastAPI side of pagination)."""

from typing import Annotated

from fastapi import Query

from metrology_svc.core.pagination import PageParams


def page_params(
    limit: Annotated[int, Query(ge=1, le=1000, description="Page size")] = 50,
    offset: Annotated[int, Query(ge=0, description="Rows to skip")] = 0,
    sort: Annotated[
        str | None, Query(max_length=64, description="Field name; prefix '-' for descending")
    ] = None,
) -> PageParams:
    """Read pagination parameters from the query string."""
    return PageParams(limit=limit, offset=offset, sort=sort)
