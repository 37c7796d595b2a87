"""HTTP endpoints that print an inspection's minutes and result notice as PDF."""

from typing import Any

from fastapi import APIRouter, Response

from metrology_svc.core.disposition import disposition_headers
from metrology_svc.deps import CurrentUser, SessionDep, SettingsDep
from metrology_svc.inspection_papers.content import read_papers, register_number
from metrology_svc.inspection_papers.papers import (
    MINUTES_TYPE,
    NOTICE_TYPE,
    render_minutes,
    render_notice,
)
from metrology_svc.inspections.service import get_inspection

router = APIRouter(prefix="/inspections", tags=["inspections"])
PDF: dict[int | str, dict[str, Any]] = {200: {"content": {"application/pdf": {}}}}


def _pdf(body: bytes, name: str) -> Response:
    return Response(
        body,
        media_type="application/pdf",
        headers=disposition_headers(name, kind="inline"),
    )


@router.get("/{inspection_id}/minutes.pdf", response_class=Response, responses=PDF)
def minutes_pdf(
    inspection_id: int, session: SessionDep, user: CurrentUser, settings: SettingsDep
) -> Response:
    """Print the minutes (biên bản kiểm tra) of a closed inspection; its number is kept."""
    get_inspection(session, user, inspection_id)
    papers = read_papers(session, inspection_id, settings=settings)
    number = register_number(session, papers, MINUTES_TYPE)
    return _pdf(render_minutes(papers, number), f"bien-ban-kiem-tra-{inspection_id}.pdf")


@router.get("/{inspection_id}/result-notice.pdf", response_class=Response, responses=PDF)
def result_notice_pdf(
    inspection_id: int, session: SessionDep, user: CurrentUser, settings: SettingsDep
) -> Response:
    """Print the result notice (thông báo kết quả kiểm tra) of a closed inspection."""
    get_inspection(session, user, inspection_id)
    papers = read_papers(session, inspection_id, settings=settings)
    number = register_number(session, papers, NOTICE_TYPE)
    return _pdf(render_notice(papers, number), f"thong-bao-ket-qua-{inspection_id}.pdf")
