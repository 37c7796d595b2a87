"""The rehoming review page: sites of split communes, each with its candidates and a decision."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from metrology_svc.core.errors import Invalid
from metrology_svc.deps import SessionDep
from metrology_svc.rehoming import service
from metrology_svc.rehoming.models import CaseStatus
from metrology_svc.web.deps import FormDep, PageUser
from metrology_svc.web.i18n import lang_of
from metrology_svc.web.render import render

router = APIRouter(prefix="/web/rehoming", include_in_schema=False)
PAGE = 20

# key: (Vietnamese, English)
WORDS: dict[str, tuple[str, str]] = {
    "title": ("Rà soát địa bàn sau sắp xếp", "Review of sites after the reorganisation"),
    "intro": (
        "Các địa điểm dưới đây thuộc xã/phường cũ đã được chia cho nhiều đơn vị mới (hoặc chỉ "
        "ghi cấp huyện/tỉnh). Chọn đơn vị hiện hành của từng địa điểm; gợi ý đã được chọn sẵn.",
        "These sites lie in old communes that were split between several new ones (or were "
        "placed on a district or province only). Choose each site's unit in force; the "
        "suggestion is preselected.",
    ),
    "none": ("Không có hồ sơ nào cần rà soát.", "No case waits for review."),
    "address": ("Địa chỉ", "Address"),
    "coordinates": ("Tọa độ", "Coordinates"),
    "old_unit": ("Đơn vị cũ", "Old unit"),
    "choose": ("Đơn vị hiện hành", "Unit in force"),
    "main": ("phần chính theo nghị quyết", "main successor"),
    "suggested": ("gợi ý", "suggested"),
    "reason": ("Lý do gợi ý", "Why suggested"),
    "note": ("Ghi chú (căn cứ)", "Note (basis)"),
    "note_hint": (
        "Bắt buộc khi quản trị viên chọn đơn vị ngoài danh sách.",
        "Required when an administrator picks a unit outside the list.",
    ),
    "other": ("Đơn vị khác (mã, chỉ quản trị viên)", "Another unit (code, administrators only)"),
    "decide": ("Xác nhận", "Decide"),
    "decided": (
        "Đã chuyển địa điểm sang đơn vị đã chọn.",
        "The site was moved to the chosen unit.",
    ),
    "shown": ("Hiển thị", "Showing"),
    "of": ("trên", "of"),
    "prev": ("Trang trước", "Previous"),
    "next": ("Trang sau", "Next"),
}


def words(lang: str) -> dict[str, str]:
    """Return the page's words in one language."""
    i = 0 if lang == "vi" else 1
    return {k: v[i] for k, v in WORDS.items()}


@router.get("", response_class=HTMLResponse)
def review(
    request: Request,
    session: SessionDep,
    user: PageUser,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    """List the open cases of the user's area with their candidates and suggestion."""
    cases, total = service.list_cases(
        session, user, status=CaseStatus.OPEN, offset=offset, limit=PAGE
    )
    return render(
        request,
        "rehoming.html.j2",
        user=user,
        w=words(lang_of(request)),
        cases=cases,
        total=total,
        decided=request.query_params.get("decided"),
        prev=f"/web/rehoming?offset={max(offset - PAGE, 0)}" if offset else None,
        next_href=f"/web/rehoming?offset={offset + PAGE}" if offset + PAGE < total else None,
    )


@router.post("/{case_id}/decide")
def decide(case_id: int, session: SessionDep, user: PageUser, form: FormDep) -> Response:
    """Put the case's site in the chosen unit (a candidate, or an admin's code with a note)."""
    other = form.get("other_code", "").strip()
    chosen = form.get("unit_id", "")
    unit: int | str
    if other:
        unit = other
    elif chosen.isdigit():
        unit = int(chosen)
    else:
        raise Invalid("Choose a unit.", message_vi="Hãy chọn một đơn vị.", loc=["unit_id"])
    service.decide(session, case_id, unit, user, form.get("note", ""))
    return RedirectResponse(f"/web/rehoming?decided={case_id}", status_code=303)
