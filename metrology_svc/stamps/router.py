"""HTTP endpoints for stamps: public check and keys, lifecycle, QR codes, sheets, flags."""

import base64
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from metrology_svc.core.disposition import disposition_headers
from metrology_svc.core.errors import DomainError, Invalid
from metrology_svc.deps import CurrentUser, SessionDep, TodayDep
from metrology_svc.stamps import checking, qr, rules, service, sheet, texts
from metrology_svc.stamps.keys import public_key_b64
from metrology_svc.stamps.pages import client_host, query_float
from metrology_svc.stamps.runtime import RuntimeDep, runtime_of, today_of
from metrology_svc.stamps.schemas import (
    CheckResult,
    FlagPublic,
    KeyPublic,
    KeysPublic,
    RevokeRequest,
    ScanLogStatus,
    ScanPublic,
    SheetRequest,
    StampPublic,
)

router = APIRouter(prefix="/stamps", tags=["stamps"])

TOKEN_FORMAT = (
    "Base32 (RFC 4648, uppercase, no padding) of 75 bytes: key_id u8 | stamp_id u32 BE | "
    "instrument_id u32 BE | valid_until u16 BE (days since 2000-01-01) | Ed25519 signature "
    "(64 bytes) over signing_context followed by those first 11 bytes."
)


class TooManyRequests(DomainError):
    """A client checked too many codes too fast."""

    status_code = 429
    code = "rate_limited"


@router.get("/keys", response_model=KeysPublic)
def public_keys(runtime: RuntimeDep) -> KeysPublic:
    """List the public keys that verify stamp codes (no login: for offline apps)."""
    return KeysPublic(
        token_format=TOKEN_FORMAT,
        signing_context_b64=base64.b64encode(rules.SIGNING_CONTEXT).decode("ascii"),
        keys=[
            KeyPublic(
                key_id=k.key_id,
                public_key_b64=public_key_b64(k),
                created_at=k.created_at,
                active=k.active,
            )
            for k in runtime.ring.public_keys()
        ],
    )


_VERIFY_QUERY = [
    {"name": "code", "in": "query", "required": True, "schema": {"type": "string"}},
    {"name": "lat", "in": "query", "schema": {"type": "number", "minimum": -90, "maximum": 90}},
    {"name": "lon", "in": "query", "schema": {"type": "number", "minimum": -180, "maximum": 180}},
]


@router.get(
    "/verify",
    response_class=JSONResponse,
    responses={200: {"model": CheckResult}, 429: {"description": "Too many checks"}},
    openapi_extra={"parameters": _VERIFY_QUERY},
)
async def verify(request: Request) -> JSONResponse:
    """Check a stamp code (any case); the JSON twin of the page /v/{code}."""
    code = request.query_params.get("code")
    if code is None:
        raise Invalid(
            "Give the stamp code as ?code=.",
            message_vi="Cần mã tem (?code=).",
            loc=["query", "code"],
        )
    runtime = runtime_of(request)
    host = client_host(request)
    if not runtime.buckets.allow(host):
        vi, en = texts.RATE_LIMITED
        err = TooManyRequests(en, message_vi=vi)
        headers = {"Retry-After": str(runtime.buckets.retry_after(host))}
        return JSONResponse(err.body(), status_code=429, headers=headers)
    check = await runtime.check_async(code[:400], today=today_of(request))
    latitude = query_float(request, "lat", limit=90)
    longitude = query_float(request, "lon", limit=180)
    runtime.log_scan(
        checking.scan_record(
            check,
            code=code,
            channel="api",
            user_agent=request.headers.get("user-agent"),
            host=host,
            latitude=latitude,
            longitude=longitude,
            staff=await runtime.staff_scan(request, latitude, longitude),
        )
    )
    return JSONResponse(checking.to_result(check))


@router.get("/scan-log", response_model=ScanLogStatus)
def scan_log_status(user: CurrentUser, runtime: RuntimeDep) -> ScanLogStatus:
    """Tell how many scans wait in memory, were written, dropped (buffer full) or failed."""
    user.require_admin()
    scans = runtime.scans
    return ScanLogStatus(
        queued=len(scans), written=scans.written, dropped=scans.dropped, failures=scans.failures
    )


@router.get("/flags", response_model=list[FlagPublic])
def list_flags(
    session: SessionDep,
    user: CurrentUser,
    include_resolved: bool = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[FlagPublic]:
    """List clone and after-revocation flags raised by scans, newest first."""
    rows = checking.list_flags(session, user, include_resolved=include_resolved, limit=limit)
    return [
        checking.flag_public(flag, serial, instrument_id) for flag, serial, instrument_id in rows
    ]


@router.post("/flags/{flag_id}/resolve", response_model=FlagPublic)
def resolve_flag(flag_id: int, session: SessionDep, user: CurrentUser) -> FlagPublic:
    """Mark a flag as dealt with after inspection."""
    flag = checking.resolve_flag(session, user, flag_id)
    stamp = service.get_stamp(session, user, flag.stamp_id)
    return checking.flag_public(flag, stamp.serial, stamp.instrument_id)


@router.post(
    "/sheet", response_class=Response, responses={200: {"content": {"application/pdf": {}}}}
)
def print_sheet(
    data: SheetRequest, session: SessionDep, user: CurrentUser, runtime: RuntimeDep
) -> Response:
    """Return an A4 PDF of printable labels for the stamps, in the order given."""
    stamps = service.stamps_for_sheet(session, user, data.stamp_ids)
    settings = runtime.settings
    labels = [
        sheet.StampLabel(
            serial=s.serial,
            valid_until=s.valid_until,
            issuer_name=settings.stamp_issuer_name,
            url=rules.verify_url(settings.public_base_url, service.stamp_code(runtime.ring, s)),
        )
        for s in stamps
    ]
    pdf = sheet.render_sheet(
        labels, label_width_mm=data.label_width_mm, label_height_mm=data.label_height_mm
    )
    headers = disposition_headers("tem-kiem-dinh.pdf", kind="inline")
    return Response(pdf, media_type="application/pdf", headers=headers)


@router.get("", response_model=list[StampPublic])
def list_stamps(
    instrument_id: int, session: SessionDep, user: CurrentUser, runtime: RuntimeDep
) -> list[StampPublic]:
    """List an instrument's stamps, newest first, with their codes."""
    base = runtime.settings.public_base_url
    return [
        service.to_public(s, ring=runtime.ring, base_url=base)
        for s in service.stamps_of_instrument(session, user, instrument_id)
    ]


@router.get("/{stamp_id}", response_model=StampPublic)
def get_stamp(
    stamp_id: int, session: SessionDep, user: CurrentUser, runtime: RuntimeDep
) -> StampPublic:
    """Return one stamp with its code and verify URL."""
    stamp = service.get_stamp(session, user, stamp_id)
    return service.to_public(stamp, ring=runtime.ring, base_url=runtime.settings.public_base_url)


def _stamp_url(session: SessionDep, user: CurrentUser, runtime: RuntimeDep, stamp_id: int) -> str:
    stamp = service.get_stamp(session, user, stamp_id)
    code = service.stamp_code(runtime.ring, stamp)
    return rules.verify_url(runtime.settings.public_base_url, code)


@router.get(
    "/{stamp_id}/qr.png", response_class=Response, responses={200: {"content": {"image/png": {}}}}
)
def qr_png(
    stamp_id: int,
    session: SessionDep,
    user: CurrentUser,
    runtime: RuntimeDep,
    scale: Annotated[int, Query(ge=1, le=40)] = 8,
) -> Response:
    """Return the stamp's QR code as a PNG."""
    url = _stamp_url(session, user, runtime, stamp_id)
    return Response(qr.qr_png(url, scale=scale), media_type="image/png")


@router.get(
    "/{stamp_id}/qr.svg",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}}},
)
def qr_svg(stamp_id: int, session: SessionDep, user: CurrentUser, runtime: RuntimeDep) -> Response:
    """Return the stamp's QR code as an SVG."""
    url = _stamp_url(session, user, runtime, stamp_id)
    return Response(qr.qr_svg(url), media_type="image/svg+xml")


@router.get("/{stamp_id}/scans", response_model=list[ScanPublic])
def list_scans(
    stamp_id: int,
    session: SessionDep,
    user: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[ScanPublic]:
    """List the stamp's latest scans (coarse client data only)."""
    return [
        ScanPublic.model_validate(s, from_attributes=True)
        for s in service.scans_of(session, user, stamp_id, limit=limit)
    ]


@router.post("/{stamp_id}/revoke", response_model=StampPublic)
def revoke(
    stamp_id: int,
    data: RevokeRequest,
    session: SessionDep,
    user: CurrentUser,
    runtime: RuntimeDep,
    today: TodayDep,
) -> StampPublic:
    """Revoke a stamp with a reason; a lost or stolen stamp makes the instrument due today."""
    stamp = service.revoke(session, user, stamp_id, reason=data.reason, note=data.note, today=today)
    return service.to_public(stamp, ring=runtime.ring, base_url=runtime.settings.public_base_url)
