"""What an inspection's papers say, read once from the database (the papers are pure layout)."""

from dataclasses import dataclass

from sqlmodel import Session

from metrology_svc.core.errors import Conflict
from metrology_svc.core.issuer import IssuingBody
from metrology_svc.documents.service import number_for
from metrology_svc.inspections.models import (
    FindingKind,
    Inspection,
    InspectionDecision,
    InspectionMember,
)
from metrology_svc.inspections.procedure import issuing_body
from metrology_svc.inspections.repository import InspectionRepository
from metrology_svc.inspections.rules import FINDING_WORDS, STATUS_WORDS
from metrology_svc.instruments.models import Instrument, InstrumentStatus
from metrology_svc.measurement_checks.repository import MeasurementCheckRepository
from metrology_svc.settings import Settings
from metrology_svc.sites.models import Site

MEASURE_WORDS = {
    "sealing": "Niêm phong",
    "suspension": "Tạm dừng sử dụng",
    "verification_request": "Yêu cầu kiểm định",
    "violation_proposal": "Đề nghị lập biên bản vi phạm hành chính",
}
VERDICT_WORDS = {
    "within": "Trong giới hạn cho phép",
    "short": "Thiếu vượt giới hạn cho phép",
    "unsuitable_scale": "Cân không phù hợp",
    "no_binding_rule": "Chưa có quy định ràng buộc để kết luận",
}
CHECK_WORDS = {
    "retail_weighing": "Cân lại hàng bán lẻ",
    "petrol_delivery": "Đong lại xăng dầu",
    "gold_measurement": "Cân lại vàng",
}


@dataclass(frozen=True)
class Papers:
    """Everything the minutes and the result notice print."""

    inspection: Inspection
    site: Site
    body: IssuingBody
    decision: InspectionDecision
    team: list[InspectionMember]
    findings: list[tuple[str, str, str]]  # instrument, finding, consequence
    measures: list[tuple[str, str, str]]  # measure, instrument, details
    checks: list[tuple[str, str, str, str]]  # kind and goods, declared, measured, verdict

    @property
    def leader(self) -> InspectionMember:
        """Return the team leader (closing requires one)."""
        return next(m for m in self.team if m.role == "leader")


def _label(instrument: Instrument | None) -> str:
    if instrument is None:
        return "(không xác định)"
    return f"{instrument.manufacturer} {instrument.model or ''}, số {instrument.serial}".replace(
        "  ", " "
    )


def _finding_rows(
    session: Session, inspection_id: int, instruments: dict[int, Instrument]
) -> list[tuple[str, str, str]]:
    rows = []
    for f in InspectionRepository(session).findings(inspection_id):
        what = FINDING_WORDS[FindingKind(f.kind)][0]
        if f.goods:
            what += f" ({f.goods})"
        if f.note:
            what += f": {f.note}"
        after = f.status_after if f.status_after != f.status_before else None
        result = STATUS_WORDS.get(InstrumentStatus(after), ("", ""))[0] if after else ""
        if f.instrument_id is None:
            rows.append(("—", what, "—"))
            continue
        rows.append((_label(instruments.get(f.instrument_id)), what, result or "Không thay đổi"))
    return rows


def _measure_rows(
    session: Session, inspection_id: int, instruments: dict[int, Instrument]
) -> list[tuple[str, str, str]]:
    rows = []
    for m in InspectionRepository(session).measures(inspection_id):
        parts = []
        if m.seal_numbers:
            parts.append("Số niêm phong: " + ", ".join(m.seal_numbers))
        if m.after_repair:
            parts.append("kiểm định sau sửa chữa")
        if m.deadline:
            parts.append(f"thời hạn: {m.deadline:%d/%m/%Y}")
        elif m.kind == "verification_request":
            parts.append("trước khi sử dụng lại")
        if m.note:
            parts.append(m.note)
        name = _label(instruments.get(m.instrument_id or 0)) if m.instrument_id else "—"
        rows.append((MEASURE_WORDS[str(m.kind)], name, "; ".join(parts)))
    return rows


def _check_rows(session: Session, inspection_id: int) -> list[tuple[str, str, str, str]]:
    rows = []
    for c in MeasurementCheckRepository(session).of_inspection(inspection_id):
        kind = CHECK_WORDS.get(str(c.kind), str(c.kind))
        rows.append(
            (
                f"{kind}: {c.goods}" if c.goods else kind,
                f"{c.declared:g} {c.unit}",
                f"{c.measured:g} {c.unit}",
                VERDICT_WORDS.get(str(c.verdict), str(c.verdict)),
            )
        )
    return rows


def read_papers(session: Session, inspection_id: int, *, settings: Settings) -> Papers:
    """Return what the papers of a closed inspection print (the caller checked read access)."""
    repo = InspectionRepository(session)
    found = repo.get_with_place(inspection_id)
    assert found is not None
    inspection, site, unit = found
    decision = repo.decision(inspection_id)
    if inspection.closed_at is None or decision is None:
        raise Conflict(
            "The minutes and the result notice are printed once the inspection is closed.",
            message_vi="Biên bản và thông báo kết quả chỉ in khi cuộc kiểm tra đã kết thúc.",
        )
    ids = [f.instrument_id for f in repo.findings(inspection_id) if f.instrument_id]
    ids += [m.instrument_id for m in repo.measures(inspection_id) if m.instrument_id]
    instruments = repo.instruments(ids)
    return Papers(
        inspection=inspection,
        site=site,
        body=issuing_body(session, unit, level=decision.issuer_level, settings=settings),
        decision=decision,
        team=repo.team(inspection_id),
        findings=_finding_rows(session, inspection_id, instruments),
        measures=_measure_rows(session, inspection_id, instruments),
        checks=_check_rows(session, inspection_id),
    )


def register_number(session: Session, papers: Papers, doc_type: str) -> int:
    """Return the paper's number from the register (taken on its first printing)."""
    return number_for(
        session,
        ref=f"inspection:{papers.inspection.id}",
        issuer_code=papers.body.name,
        year=papers.inspection.inspected_on.year,
        doc_type=doc_type,
    )
