"""Pagination and sorting shared by list endpoints and repositories (no FastAPI here)."""

from typing import Generic, TypeVar

from pydantic import BaseModel

T = TypeVar("T")


class PageParams(BaseModel):
    """Where a page starts, how long it is, and how it is sorted."""

    limit: int = 50
    offset: int = 0
    sort: str | None = None


class Page(BaseModel, Generic[T]):
    """One page of a list, with the total count of matching rows."""

    items: list[T]
    total: int
    limit: int
    offset: int
