"""HTTP endpoints of the control-scale log: a board writes its market's lines, readers list them.

Market board accounts reach only these routes: every other route refuses them (deps.py, the
principal). So these authenticate the bearer token themselves, and each route says who passes.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from metrology_svc.auth.principal import Principal
from metrology_svc.auth.service import authenticate
from metrology_svc.control_logs import importer, rules, service, sheet
from metrology_svc.control_logs.models import ControlLogEntry
from metrology_svc.control_logs.schemas import (
    EntryCreate,
    EntryOutcome,
    EntryPublic,
    LogImportReport,
)
from metrology_svc.core.errors import Unauthorized
from metrology_svc.core.quantities import Convention
from metrology_svc.deps import CurrentUser, SessionDep, SettingsDep
from metrology_svc.imports.schemas import RowErrorPublic
from metrology_svc.imports.upload import convention_field, receive_file
from metrology_svc.readings.models import Reading

router = APIRouter(prefix="/control-logs", tags=["control-scale log"])
_bearer = HTTPBearer(auto_error=False, description="API token")


def log_user(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """Authenticate any account; each route then decides (boards, inspectors, admins)."""
    if credentials is None:
        raise Unauthorized(
            "This endpoint needs an API token (Authorization: Bearer …).",
            message_vi="Cần mã truy cập API (Authorization: Bearer …).",
        )
    return authenticate(session, credentials.credentials)


LogUser = Annotated[Principal, Depends(log_user)]


def entry_public(entry: ControlLogEntry, reading: Reading | None) -> EntryPublic:
    """Return the API shape of an entry with its reading's judgement."""
    data: dict[str, Any] = entry.model_dump()
    if reading is not None:
        data |= {
            "source": reading.source,
            "short": reading.short,
            "missing_g": reading.missing_g,
            "shortfall_rule_id": reading.shortfall_rule_id,
            "trusted": reading.trusted,
        }
    return EntryPublic.model_validate(data)


@router.post(
    "/sites/{site_id}/entries", response_model=EntryOutcome, status_code=status.HTTP_201_CREATED
)
def add_entry(
    site_id: int, data: EntryCreate, session: SessionDep, user: LogUser, settings: SettingsDep
) -> EntryOutcome:
    """Record one line of the market's paper log (its board only); a resent line is kept once."""
    service.require_writer(session, user, site_id)
    line = rules.LineIn(
        scale_id=data.scale_id,
        measured_at=data.measured_at,
        seller=rules.tidy(data.seller),
        goods=rules.tidy(data.goods),
        declared_g=data.declared_g,
        measured_g=data.measured_g,
        note=data.note.strip(),
    )
    line = service.checked(session, site_id=site_id, line=line)
    done = service.record(
        session, user, site_id=site_id, lines=[service.Pending(line, "form")], settings=settings
    )
    if not done.entries:
        return EntryOutcome(stored=False)
    entry = done.entries[0]
    reading = session.get(Reading, entry.reading_id) if entry.reading_id else None
    return EntryOutcome(
        stored=True, entry=entry_public(entry, reading), inspection_requests=done.requests
    )


@router.get("/sites/{site_id}/entries", response_model=list[EntryPublic])
def list_entries(
    site_id: int,
    session: SessionDep,
    user: LogUser,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[EntryPublic]:
    """List the market's log lines, newest first (its board, its unit's inspectors, admins)."""
    found = service.entries(session, user, site_id=site_id, limit=limit)
    return [entry_public(e, r) for e, r in found]


@dataclass(frozen=True)
class LogUpload:
    """An uploaded log saved to a temporary file, and the number convention chosen."""

    path: Path
    name: str
    convention: Convention | None


async def receive_log(
    request: Request, site_id: int, session: SessionDep, user: LogUser
) -> AsyncIterator[LogUpload]:
    """Refuse anyone but the market's board before reading the body; then save the upload."""
    service.require_writer(session, user, site_id)
    async for received in receive_file(
        request, sheet.MAX_BYTES, what=("log", "sổ"), prefix="control-log-"
    ):
        yield LogUpload(
            received.path, received.name, convention_field(received.fields.get("convention"))
        )


UPLOAD_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "convention": {"type": "string", "enum": [c.value for c in Convention]},
                    },
                }
            }
        },
    }
}


@router.post("/sites/{site_id}/imports", response_model=LogImportReport, openapi_extra=UPLOAD_DOC)
def import_entries(
    site_id: int,
    upload: Annotated[LogUpload, Depends(receive_log, scope="function")],
    session: SessionDep,
    user: LogUser,
    settings: SettingsDep,
) -> LogImportReport:
    """Import a CSV or XLSX log (its board only): each row stored, known, or refused by cell."""
    report = importer.import_log(
        session,
        user,
        site_id=site_id,
        path=upload.path,
        file_name=upload.name,
        convention=upload.convention,
        settings=settings,
    )
    return LogImportReport(
        rows=report.rows,
        stored=report.stored,
        duplicates=report.duplicates,
        refused=report.refused,
        convention=report.convention.value,
        errors=[RowErrorPublic.model_validate(e, from_attributes=True) for e in report.errors],
        errors_total=report.errors_total,
        reasons=report.reasons,
        inspection_requests=report.requests,
    )


@router.put("/boards/{user_id}/sites/{site_id}", status_code=status.HTTP_204_NO_CONTENT)
def link_board(user_id: int, site_id: int, session: SessionDep, user: CurrentUser) -> None:
    """Let a market board account keep a market's log (admin)."""
    service.link_board(session, user, board_id=user_id, site_id=site_id)


@router.delete("/boards/{user_id}/sites/{site_id}", status_code=status.HTTP_204_NO_CONTENT)
def unlink_board(user_id: int, site_id: int, session: SessionDep, user: CurrentUser) -> None:
    """Take a market from a market board account (admin); its entries stay."""
    service.unlink_board(session, user, board_id=user_id, site_id=site_id)
