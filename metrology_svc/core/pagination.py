"""Pagination and sorting parameters shared by list endpoints."""

from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

T = TypeVar("T")


class PageParams(BaseModel):
    """Where a page starts, how long it is, and how it is sorted."""

    limit: int = 50
    offset: int = 0
    sort: str | None = None


def page_params(
    limit: Annotated[int, Query(ge=1, le=1000, description="Page size")] = 50,
    offset: Annotated[int, Query(ge=0, description="Rows to skip")] = 0,
    sort: Annotated[
        str | None, Query(max_length=64, description="Field name; prefix '-' for descending")
    ] = None,
) -> PageParams:
    """Read pagination parameters from the query string."""
    return PageParams(limit=limit, offset=offset, sort=sort)


class Page(BaseModel, Generic[T]):
    """One page of a list, with the total count of matching rows."""

    items: list[T]
    total: int
    limit: int
    offset: int
