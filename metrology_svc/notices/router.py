"""HTTP endpoints: acknowledgement links, notices of an instrument, letters, owner channels."""

from urllib.parse import quote

from fastapi import APIRouter, Query, Response
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from metrology_svc.auth.principal import Principal
from metrology_svc.core.clock import utcnow
from metrology_svc.core.disposition import disposition_headers
from metrology_svc.core.errors import NotFound
from metrology_svc.deps import CurrentUser, PortalUser, SessionDep, SettingsDep
from metrology_svc.notices import service
from metrology_svc.notices.channels.letter import render_letter
from metrology_svc.notices.links import ACK_PAGE_PREFIX
from metrology_svc.notices.models import Notice, NoticePreference
from metrology_svc.notices.repository import NoticeRepository
from metrology_svc.notices.schemas import (
    Acknowledgement,
    DeliveryPublic,
    NoticeDetail,
    NoticePublic,
    PreferenceIn,
    PreferencePublic,
)
from metrology_svc.settings import Settings

router = APIRouter(prefix="/notices", tags=["notices"])


def _public(notice: Notice) -> NoticePublic:
    return NoticePublic.model_validate(notice, from_attributes=True)


def _pref(pref: NoticePreference) -> PreferencePublic:
    return PreferencePublic(
        owner_id=pref.owner_id,
        email=pref.email,
        webhook_url=pref.webhook_url,
        has_webhook_secret=bool(pref.webhook_secret),
        mqtt_topic=pref.mqtt_topic,
        letter=pref.letter,
    )


@router.post("/ack", response_model=Acknowledgement)
def acknowledge(
    session: SessionDep,
    settings: SettingsDep,
    token: str = Query(min_length=3, max_length=100, description="From the notice's link"),
) -> Acknowledgement:
    """Acknowledge a notice through its signed link's token (no account needed)."""
    notice = service.acknowledge(session, token=token, now=utcnow(), settings=settings)
    assert notice.id is not None
    assert notice.acknowledged_at is not None
    return Acknowledgement(
        notice_id=notice.id, number=notice.number, acknowledged_at=notice.acknowledged_at
    )


@router.get("/ack", response_class=RedirectResponse, status_code=303)
def open_old_link(
    settings: SettingsDep,
    token: str = Query(min_length=3, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$"),
) -> RedirectResponse:
    """Send a link mailed before links opened a page to that page (nothing is acknowledged).

    A GET must change nothing: mail scanners open every link they find.
    """
    page = f"{settings.public_base_url.rstrip('/')}{ACK_PAGE_PREFIX}{quote(token, safe='')}"
    return RedirectResponse(page, status_code=303)


@router.get("", response_model=list[NoticePublic])
def list_notices(instrument_id: int, session: SessionDep, user: PortalUser) -> list[NoticePublic]:
    """List the notices about an instrument, newest first."""
    return [_public(n) for n in service.notices_of_instrument(session, user, instrument_id)]


@router.get("/preferences/{owner_id}", response_model=PreferencePublic)
def get_preference(owner_id: int, session: SessionDep, _user: CurrentUser) -> PreferencePublic:
    """Return an owner's notice channels."""
    pref = NoticeRepository(session).preference(owner_id)
    if pref is None:
        raise NotFound(
            "This owner has no channel preferences (e-mail or letter by default).",
            message_vi="Chủ phương tiện chưa khai báo kênh nhận (mặc định: e-mail hoặc thư).",
            loc=["path", "owner_id"],
        )
    return _pref(pref)


@router.put("/preferences/{owner_id}", response_model=PreferencePublic)
def put_preference(
    owner_id: int, data: PreferenceIn, session: SessionDep, user: CurrentUser, settings: SettingsDep
) -> PreferencePublic:
    """Set an owner's notice channels: e-mail, webhook, site display topic, printed letter
    (an inspector only for an owner whose instruments all lie in their units)."""
    pref = service.set_preference(
        session,
        user,
        owner_id=owner_id,
        data=data,
        now=utcnow(),
        settings=settings,
    )
    return _pref(pref)


@router.get("/{notice_id}", response_model=NoticeDetail)
def get_notice(notice_id: int, session: SessionDep, user: PortalUser) -> NoticeDetail:
    """Return a notice with every delivery attempt (the ledger)."""
    notice = service.get_notice(session, user, notice_id)
    attempts = NoticeRepository(session).deliveries(notice_id)
    return NoticeDetail(
        **_public(notice).model_dump(),
        deliveries=[DeliveryPublic.model_validate(d, from_attributes=True) for d in attempts],
    )


@router.get("/{notice_id}/letter.pdf", response_class=Response)
def get_letter(
    notice_id: int, session: SessionDep, user: PortalUser, settings: SettingsDep
) -> Response:
    """Return the printable letter (PDF, Vietnamese administrative form)."""
    return letter_response(session, user, notice_id, settings=settings)


def letter_response(
    session: Session, user: Principal, notice_id: int, *, settings: Settings
) -> Response:
    """Return the letter of a notice the user may read, as an inline PDF named by its number."""
    notice = service.get_notice(session, user, notice_id)
    return Response(
        render_letter(service.letter_of(session, notice, settings=settings)),
        media_type="application/pdf",
        headers=disposition_headers(f"{notice.number}.pdf", kind="inline"),
    )
