"""Possible duplicate owners: the groups a clerk checks, and an administrator's merge of them.

The list shows groups of alike owners (owners.duplicates); an administrator picks the owner
that stays, sees on a confirmation page what would move, and confirms: each duplicate is folded
in by owners.merge.merge_owners (audited as `owner.merge`), all in the request's one unit of
work.
"""

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from metrology_svc.auth.models import Role
from metrology_svc.auth.principal import Principal
from metrology_svc.core.errors import Invalid, NotFound
from metrology_svc.deps import SessionDep
from metrology_svc.owners.duplicates import DuplicateGroup, may_merge, possible_duplicates
from metrology_svc.owners.merge import FILLED, merge_owners
from metrology_svc.owners.models import Owner
from metrology_svc.owners.repository import Holdings, OwnerRepository
from metrology_svc.web.deps import FormDep, PageUser, PostedDep
from metrology_svc.web.i18n import lang_of
from metrology_svc.web.render import render

router = APIRouter(prefix="/web/owners", include_in_schema=False)
PAGE = 20  # groups a page
SHOWN = 30  # owners a group shows (a very common name may gather more)
MAX_ID = 2**31 - 1

# key: (Vietnamese, English)
WORDS: dict[str, tuple[str, str]] = {
    "title": ("Chủ sở hữu có thể trùng", "Possible duplicate owners"),
    "intro": (
        "Mỗi nhóm gồm các chủ sở hữu cùng tên (không kể dấu, chữ hoa, khoảng trắng) khi có "
        "người trong số đó không có số điện thoại, hoặc các chủ cùng số điện thoại. Cùng tên "
        "chưa chắc là một người: hãy kiểm tra trước khi gộp.",
        "Each group holds the owners of one name (accents, case and spacing aside) when one of "
        "them has no phone, or the owners of one phone. One name is not always one person: "
        "check before merging.",
    ),
    "admin_merges": (
        "Chỉ quản trị viên được gộp chủ sở hữu; hãy báo quản trị viên các nhóm cần gộp.",
        "Only an administrator merges owners; tell an administrator which groups to merge.",
    ),
    "none": ("Không có chủ sở hữu nào có thể trùng.", "No possible duplicate owners."),
    "group": ("Nhóm", "Group"),
    "same_name": ("cùng tên", "same name"),
    "same_phone": ("cùng số điện thoại", "same phone"),
    "owner": ("Chủ sở hữu", "Owner"),
    "trade_name": ("Tên cơ sở", "Trade name"),
    "phone": ("Điện thoại", "Phone"),
    "tax_code": ("Mã số thuế", "Tax code"),
    "has_tax_code": ("có", "given"),
    "instruments": ("Phương tiện đo", "Instruments"),
    "sites": ("Chợ, địa điểm", "Markets and sites"),
    "created": ("Ngày tạo", "Created"),
    "see_instruments": ("Xem phương tiện đo", "See the instruments"),
    "tax_differs": (
        "mã số thuế khác nhau — không gộp được",
        "different tax codes — cannot be merged",
    ),
    "nothing_mergeable": (
        "Các chủ trong nhóm đều có mã số thuế riêng: là các cơ sở khác nhau, không gộp được.",
        "Every owner of this group has their own tax code: they are different businesses and "
        "cannot be merged.",
    ),
    "merge_into": ("Gộp vào chủ này", "Merge into this owner"),
    "more": ("Còn {n} chủ khác trong nhóm không hiển thị.", "{n} more owners are not shown."),
    "merged": (
        "Đã gộp {n} chủ sở hữu vào chủ số {id}. Lịch sử được lưu trong nhật ký.",
        "{n} owner(s) merged into owner {id}. The history is kept in the audit log.",
    ),
    "shown": ("Hiển thị", "Showing"),
    "of": ("nhóm trên", "groups of"),
    "prev": ("Trang trước", "Previous"),
    "next": ("Trang sau", "Next"),
    # the confirmation page
    "confirm_title": ("Xác nhận gộp chủ sở hữu", "Confirm the merge of owners"),
    "kept": ("Chủ được giữ lại", "The owner that stays"),
    "merged_away": ("Chủ được gộp vào (sẽ bị xoá)", "Owners merged in (they are removed)"),
    "moves": ("Sẽ chuyển sang chủ được giữ", "Moves to the owner that stays"),
    "m_instruments": ("Phương tiện đo", "Instruments"),
    "m_notices": ("thông báo", "notices"),
    "m_channels": ("kênh nhận thông báo", "notice channels"),
    "m_accounts": ("tài khoản cổng chủ sở hữu", "owner portal accounts"),
    "m_decisions": ("quyết định kiểm tra", "inspection decisions"),
    "filled": ("Điền vào ô còn trống", "Fills empty fields"),
    "total": ("Tổng cộng", "In all"),
    "confirm_note": (
        "Mỗi phương tiện đo được ghi một sự kiện chuyển chủ; thư thông báo đã lập vẫn giữ tên, "
        "địa chỉ người nhận lúc lập; chủ bị gộp được lưu nguyên vẹn trong nhật ký (owner.merge).",
        "Each instrument gets a change-of-owner event; letters already made keep the recipient "
        "they were made for; each merged owner is kept whole in the audit log (owner.merge).",
    ),
    "confirm": ("Xác nhận gộp", "Confirm the merge"),
    "back": ("Quay lại danh sách", "Back to the list"),
    "no_duplicate": (
        "Không có chủ nào để gộp cùng chủ này.",
        "There is no other owner to merge into this one.",
    ),
}
FIELD_WORDS: dict[str, tuple[str, str]] = {
    "trade_name": ("tên cơ sở", "trade name"),
    "tax_code": ("mã số thuế", "tax code"),
    "phone": ("điện thoại", "phone"),
    "email": ("e-mail", "e-mail"),
    "address": ("địa chỉ", "address"),
}


def words(lang: str) -> dict[str, str]:
    """Return the page's words in one language."""
    i = 0 if lang == "vi" else 1
    return {k: v[i] for k, v in WORDS.items()}


def may_see_tax_code(user: Principal) -> bool:
    """Tell whether the user sees tax codes: a household's is its holder's personal number.

    Administrators and inspectors (whose list holds the owners of their area only) see them;
    a viewer sees only whether there is one.
    """
    return user.role in (Role.ADMIN, Role.INSPECTOR)


@dataclass
class Shown:
    """An owner as a group card shows it."""

    owner: Owner
    holdings: Holdings
    tax_differs: bool  # another owner of the group has another tax code


@dataclass
class GroupCard:
    """A group of alike owners on the page."""

    index: int
    group: DuplicateGroup
    owners: list[Shown]
    hidden: int  # members past SHOWN


def _cards(repo: OwnerRepository, groups: list[DuplicateGroup], offset: int) -> list[GroupCard]:
    ids = [i for g in groups for i in g.owner_ids[:SHOWN]]
    owners, holdings = repo.by_ids(ids), repo.holdings(ids)
    cards = []
    for n, g in enumerate(groups, start=offset + 1):
        shown = [
            Shown(owners[i], holdings[i], i in g.taxed and len(g.taxed) > 1)
            for i in g.owner_ids[:SHOWN]
            if i in owners
        ]
        cards.append(GroupCard(n, g, shown, len(g.owner_ids) - len(shown)))
    return cards


@router.get("/duplicates", response_class=HTMLResponse)
def duplicates(
    request: Request,
    session: SessionDep,
    user: PageUser,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
    merged: Annotated[int | None, Query(ge=0, le=MAX_ID)] = None,
    into: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> HTMLResponse:
    """List the groups of possible duplicate owners the user may see, newest first."""
    groups = possible_duplicates(session, user)
    total = len(groups)
    cards = _cards(OwnerRepository(session), groups[offset : offset + PAGE], offset)
    w = words(lang_of(request))
    return render(
        request,
        "owner_duplicates.html.j2",
        user=user,
        w=w,
        cards=cards,
        total=total,
        offset=offset,
        see_tax=may_see_tax_code(user),
        merged_text=w["merged"].format(n=merged, id=into) if merged and into else None,
        prev=f"/web/owners/duplicates?offset={max(offset - PAGE, 0)}" if offset else None,
        next_href=(
            f"/web/owners/duplicates?offset={offset + PAGE}" if offset + PAGE < total else None
        ),
    )


def _ids(raw: list[str], name: str) -> list[int]:
    out = []
    for value in raw:
        if not (value.isascii() and value.isdigit() and len(value) <= 10) or not (
            1 <= int(value) <= MAX_ID
        ):
            raise Invalid(
                f"{name} is not an owner number.",
                message_vi=f"Giá trị {name} không phải số chủ sở hữu.",
                loc=[name],
            )
        if int(value) not in out:
            out.append(int(value))
    return out


def _owner(repo: OwnerRepository, owner_id: int) -> Owner:
    owner = repo.get(owner_id)
    if owner is None:
        raise NotFound(f"No owner {owner_id}.", message_vi=f"Không có chủ sở hữu {owner_id}.")
    return owner


@router.get("/merge", response_class=HTMLResponse)
def confirm(
    request: Request,
    session: SessionDep,
    user: PageUser,
    keep: Annotated[int, Query(ge=1, le=MAX_ID)],
    duplicate: Annotated[list[str] | None, Query()] = None,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> HTMLResponse:
    """Show what a merge into `keep` would move, before an administrator confirms it."""
    user.require_admin()
    repo = OwnerRepository(session)
    kept = _owner(repo, keep)
    others = [_owner(repo, i) for i in _ids(duplicate or [], "duplicate")]
    others = [o for o in others if o.id != keep]
    ids = [o.id for o in others if o.id is not None]
    holdings = repo.holdings(ids)
    lang = lang_of(request)
    rows = []
    for other in others:
        assert other.id is not None
        fills = [f for f in FILLED if not getattr(kept, f) and getattr(other, f)]
        rows.append(
            {
                "owner": other,
                "holdings": holdings[other.id],
                "mergeable": may_merge(kept.tax_code, other.tax_code),
                "fills": [FIELD_WORDS[f][0 if lang == "vi" else 1] for f in fills],
            }
        )
    return render(
        request,
        "owner_duplicates_confirm.html.j2",
        user=user,
        w=words(lang),
        kept=kept,
        kept_holdings=repo.holdings([keep])[keep],
        rows=rows,
        offset=offset,
        see_tax=may_see_tax_code(user),
    )


@router.post("/merge")
def merge(session: SessionDep, user: PageUser, form: FormDep, posted: PostedDep) -> Response:
    """Fold each chosen duplicate into the kept owner (administrators only; audited)."""
    user.require_admin()
    (keep,) = _ids([form.get("keep", "")], "keep")
    dups = [d for d in _ids(posted.get("duplicate", []), "duplicate") if d != keep]
    if not dups:
        raise Invalid(
            "Choose at least one owner to merge into the one that stays.",
            message_vi="Hãy chọn ít nhất một chủ sở hữu để gộp vào chủ được giữ.",
            loc=["duplicate"],
        )
    for dup in dups:
        merge_owners(session, user, keep, dup)
    offset = form.get("offset", "0")
    back = int(offset) if offset.isascii() and offset.isdigit() and len(offset) <= 6 else 0
    return RedirectResponse(
        f"/web/owners/duplicates?merged={len(dups)}&into={keep}&offset={back}", status_code=303
    )
