"""The control-scale log pages: a market board copies its paper log in, line by line or by file.

A market board account logs in through the same form as staff and lands here; every other page
refuses it (web/deps.py lets only staff through), so these pages read the session themselves.
The market's inspectors and admins see the same page without the form. Vietnamese first.
"""

import os
import shutil
import tempfile
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from metrology_svc.auth.credentials import end_sessions, password_stamp
from metrology_svc.auth.models import Role, User
from metrology_svc.auth.principal import Principal
from metrology_svc.auth.repository import AuthRepository
from metrology_svc.control_logs import importer, rules, service, sheet
from metrology_svc.control_logs.repository import ControlLogRepository
from metrology_svc.core.clock import utcnow
from metrology_svc.core.errors import DomainError, Forbidden, Invalid, PayloadTooLarge
from metrology_svc.core.quantities import KG, G, QuantityError, parse_quantity, to_unit
from metrology_svc.deps import SessionDep, SettingsDep
from metrology_svc.web.deps import STAFF, LoginRequired
from metrology_svc.web.i18n import lang_of
from metrology_svc.web.render import VIETNAM, render
from metrology_svc.web.session import SESSION_COOKIE, csrf_ok, read_session, secret_of

router = APIRouter(prefix="/web/control-log", include_in_schema=False)
LATEST = 50
FIELDS = ("scale_id", "day", "clock", "seller", "goods", "declared", "measured", "note")
ERROR_FIELD = {"measured_at": "day", "declared_g": "declared", "measured_g": "measured"}

# (Vietnamese, English)
TEXTS: dict[str, tuple[str, str]] = {
    "title": ("Sổ cân đối chứng", "Control-scale log"),
    "intro": (
        "Ghi lại từng lần cân lại theo sổ giấy của chợ. Mỗi dòng được xét như lần cân trên cân "
        "đối chứng kết nối mạng, và được đánh dấu là ghi tay.",
        "Copy each re-weighing from the market's paper log. Each line is judged like a check "
        "from a networked control scale, and marked as entered by hand.",
    ),
    "new": ("Thêm một dòng", "Add a line"),
    "scale": ("Cân đối chứng", "Control scale"),
    "day": ("Ngày cân", "Date"),
    "clock": ("Giờ cân", "Time"),
    "seller": ("Quầy / người bán", "Stall / seller"),
    "goods": ("Hàng hóa", "Goods"),
    "declared": ("Khối lượng người bán báo (kg)", "Mass the seller said (kg)"),
    "measured": ("Khối lượng trên cân đối chứng (kg)", "Mass on the control scale (kg)"),
    "note": ("Ghi chú", "Note"),
    "save": ("Lưu dòng này", "Save this line"),
    "saved": ("Đã lưu.", "Saved."),
    "known": ("Dòng này đã có trong sổ, không lưu lại.", "This line is already in the log."),
    "fix": ("Vui lòng sửa các ô được đánh dấu.", "Please correct the marked fields."),
    "import": ("Nhập từ tệp (CSV, XLSX)", "Import a file (CSV, XLSX)"),
    "import_hint": (
        "Cột: Ngày, Giờ, Cân đối chứng (nếu chợ có nhiều cân), Quầy / người bán, Hàng hóa, "
        "KL bán (kg), KL cân lại (kg), Ghi chú. Dòng đã có sẽ không lưu lại.",
        "Columns: Date, Time, Control scale (if the market has several), Stall / seller, Goods, "
        "Declared mass (kg), Re-weighed mass (kg), Note. Lines already stored are skipped.",
    ),
    "file": ("Tệp", "File"),
    "send": ("Nhập tệp", "Import the file"),
    "report": (
        "{rows} dòng: lưu {stored}, đã có {duplicates}, từ chối {refused}.",
        "{rows} rows: {stored} stored, {duplicates} already stored, {refused} refused.",
    ),
    "row": ("Dòng", "Row"),
    "column": ("Cột", "Column"),
    "reason": ("Lý do", "Reason"),
    "latest": ("Các dòng gần đây", "Latest lines"),
    "none": ("Chưa có dòng nào.", "No lines yet."),
    "short": ("thiếu", "short"),
    "indication": ("tham khảo", "reference"),
    "within": ("đạt", "within"),
    "manual": ("ghi tay", "manual"),
    "no_scale": (
        "Chợ chưa có cân đối chứng đang dùng: cơ quan quản lý cần đăng ký cân trước.",
        "The market has no control scale in use: the office must register it first.",
    ),
    "markets": ("Chợ của ban quản lý", "Your markets"),
    "logout": ("Đăng xuất", "Log out"),
}


def _texts(lang: str) -> dict[str, str]:
    index = 0 if lang == "vi" else 1
    return {k: v[index] for k, v in TEXTS.items()}


def log_page_user(request: Request, session: SessionDep) -> Principal:
    """Return the logged-in board or staff member, or send the browser to the login page."""
    found = read_session(
        secret_of(request),
        request.cookies.get(SESSION_COOKIE),
        bound_of=lambda user_id: password_stamp(session, user_id),
    )
    user = session.get(User, found.user_id) if found else None
    allowed = (*STAFF, Role.MARKET_BOARD.value)
    if (
        found is None
        or user is None
        or user.disabled
        or user.id is None
        or user.role not in allowed
    ):
        raise LoginRequired("Log in first.", message_vi="Vui lòng đăng nhập.")
    paths = () if user.role == Role.MARKET_BOARD else AuthRepository(session).unit_paths(user.id)
    principal = Principal(user_id=user.id, name=user.name, role=user.role, unit_paths=paths)
    request.state.web_nonce = found.nonce
    return principal


LogPageUser = Annotated[Principal, Depends(log_page_user)]


def _require_csrf(request: Request, token: Any) -> None:
    if not csrf_ok(secret_of(request), request.state.web_nonce, str(token or "")):
        raise Forbidden(
            "The form's security token is missing or wrong; reload the page.",
            message_vi="Thiếu hoặc sai mã bảo vệ biểu mẫu; vui lòng tải lại trang.",
        )


@router.get("", response_class=HTMLResponse)
def my_log(request: Request, session: SessionDep, user: LogPageUser) -> Response:
    """Send a board to its market's log (or list its markets when it keeps several)."""
    if user.role is not Role.MARKET_BOARD:
        return RedirectResponse("/web/markets", status_code=303)
    sites = ControlLogRepository(session).board_sites(user.user_id)
    if len(sites) == 1:
        return RedirectResponse(f"/web/control-log/{sites[0].id}", status_code=303)
    lang = lang_of(request)
    empty: dict[str, Any] = {"scales": [], "rows": [], "values": {}, "errors": {}}
    return render(
        request, "control_log.html.j2", user=None, me=user, c=_texts(lang), sites=sites,
        site=None, writer=False, report=None, notice=None, **empty,
    )  # fmt: skip


@router.post("/logout")
async def logout(request: Request, session: SessionDep, user: LogPageUser) -> Response:
    """End the board's sessions on the server (the staff logout needs a staff session)."""
    form = await request.form()
    _require_csrf(request, form.get("csrf"))
    account = session.get(User, user.user_id)
    if account is not None:
        end_sessions(session, account)
    response = RedirectResponse("/web/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _page(
    request: Request,
    session: Any,
    user: Principal,
    site_id: int,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    report: importer.LogImport | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    site = service.require_reader(session, user, site_id)
    scales = ControlLogRepository(session).control_scales(site_id)
    now = utcnow().astimezone(VIETNAM)
    defaults = {"day": now.date().isoformat(), "clock": now.strftime("%H:%M")}
    if len(scales) == 1:
        defaults["scale_id"] = str(scales[0].id)
    rows = service.entries(session, user, site_id=site_id, limit=LATEST)
    return render(
        request,
        "control_log.html.j2",
        user=None,  # the staff navigation is no use to a board; the page names who is in
        status_code=status_code,
        me=user,
        c=_texts(lang_of(request)),
        sites=[],
        site=site,
        scales=scales,
        writer=user.role is Role.MARKET_BOARD,
        rows=rows,
        values=defaults | (values or {}),
        errors=errors or {},
        report=report,
        notice=notice,
    )


@router.get("/{site_id}", response_class=HTMLResponse)
def log_page(
    site_id: int, request: Request, session: SessionDep, user: LogPageUser
) -> HTMLResponse:
    """Show a market's log: the form (its board) and the latest lines with their judgement."""
    said = request.query_params.get("said")
    notice = said if said in ("saved", "known") else None
    return _page(request, session, user, site_id, notice=notice)


def _mass(text: str, field: str) -> Decimal:
    try:
        return to_unit(parse_quantity(text, unit=KG), G)
    except QuantityError as exc:
        raise Invalid(exc.en, message_vi=exc.vi, loc=[field]) from None


def _line(form: dict[str, str], site_id: int) -> rules.LineIn:
    missing = [
        k for k in ("scale_id", "day", "clock", "seller", "declared", "measured") if not form.get(k)
    ]
    if missing:
        raise Invalid("Required.", message_vi="Bắt buộc nhập.", loc=[missing[0]])
    try:
        day, clock = date.fromisoformat(form["day"]), time.fromisoformat(form["clock"])
    except ValueError:
        raise Invalid(
            "Not a valid date or time.", message_vi="Ngày giờ không hợp lệ.", loc=["day"]
        ) from None
    if not form["scale_id"].isdigit():
        raise Invalid(
            "Choose the control scale.", message_vi="Chọn cân đối chứng.", loc=["scale_id"]
        )
    return rules.LineIn(
        scale_id=int(form["scale_id"]),
        measured_at=datetime.combine(day, clock, tzinfo=VIETNAM),
        seller=rules.tidy(form["seller"]),
        goods=rules.tidy(form.get("goods", "")),
        declared_g=_mass(form["declared"], "declared"),
        measured_g=_mass(form["measured"], "measured"),
        note=form.get("note", "").strip(),
    )


def _errors(exc: DomainError, lang: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for detail in exc.details:
        loc = [str(p) for p in detail.get("loc", []) if str(p) != "body"]
        name = ERROR_FIELD.get(loc[-1], loc[-1]) if loc else "__all__"
        first = not out
        text = (
            (exc.message_vi if lang == "vi" else exc.message)
            if first
            else (
                detail.get("msg_vi", detail.get("msg", ""))
                if lang == "vi"
                else detail.get("msg", "")
            )
        )
        out.setdefault(name, str(text))
    return out or {"__all__": exc.message_vi if lang == "vi" else exc.message}


@router.post("/{site_id}", response_class=HTMLResponse)
async def add_line(
    site_id: int, request: Request, session: SessionDep, user: LogPageUser, settings: SettingsDep
) -> Response:
    """Record one line from the form; a line already in the log is not stored again."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    _require_csrf(request, form.get("csrf"))
    service.require_writer(session, user, site_id)
    values = {k: form.get(k, "") for k in FIELDS}
    try:
        line = service.checked(session, site_id=site_id, line=_line(values, site_id))
        done = service.record(
            session, user, site_id=site_id, lines=[service.Pending(line, "form")], settings=settings
        )
    except Forbidden:
        raise
    except DomainError as exc:
        errors = _errors(exc, lang_of(request))
        return _page(request, session, user, site_id, values=values, errors=errors, status_code=422)
    said = "saved" if done.entries else "known"
    return RedirectResponse(f"/web/control-log/{site_id}?said={said}", status_code=303)


@router.post("/{site_id}/import", response_class=HTMLResponse)
async def import_file(
    site_id: int, request: Request, session: SessionDep, user: LogPageUser, settings: SettingsDep
) -> Response:
    """Import a CSV or XLSX log and show what became of each row."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > sheet.MAX_BYTES + 64 * 1024:
        raise PayloadTooLarge(
            f"The file is larger than {sheet.MAX_BYTES} bytes.",
            message_vi=f"Tệp lớn hơn {sheet.MAX_BYTES} byte.",
        )
    service.require_writer(session, user, site_id)
    async with request.form(max_files=1, max_fields=5) as form:
        _require_csrf(request, form.get("csrf"))
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            errors = {"file": "Chọn tệp." if lang_of(request) == "vi" else "Choose a file."}
            return _page(request, session, user, site_id, errors=errors, status_code=422)
        fd, name = tempfile.mkstemp(prefix="control-log-")
        try:
            with os.fdopen(fd, "wb") as out:
                shutil.copyfileobj(upload.file, out)
            report = importer.import_log(
                session,
                user,
                site_id=site_id,
                path=Path(name),
                file_name=Path(upload.filename or "").name or "upload",
                convention=None,
                settings=settings,
            )
        except Forbidden:
            raise
        except DomainError as exc:
            errors = {"file": exc.message_vi if lang_of(request) == "vi" else exc.message}
            status = exc.status_code  # an oversized log: 413, a malformed one: 422
            return _page(request, session, user, site_id, errors=errors, status_code=status)
        finally:
            os.unlink(name)
    return _page(request, session, user, site_id, report=report)
