"""Which unit a yearly report is for, whether it existed that year, and the area it covers.

A year is reported by the units valid at its end: 2024 by the province, districts and
communes of the 2004 list; 2025 and later by the province and the communes of 2025. A unit
of the 2025 list also covers the records made under the old units that went whole into it
(its path covers a province's own history already); an old unit split between new ones is
not counted in a commune's report, and the report says so.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlmodel import Session

from metrology_svc.core.errors import Invalid
from metrology_svc.reports.repository import ReportRepository
from metrology_svc.units.models import AdminUnit, SuccessionShare, UnitLevel
from metrology_svc.units.repository import UnitRepository
from metrology_svc.units.service import scheme_on, unit_by_code

LOC = ["query", "unit_code"]


@dataclass
class Area:
    """The unit paths whose records a report counts, and the old units it took in or left."""

    unit: AdminUnit
    paths: tuple[str, ...]
    whole: list[AdminUnit] = field(default_factory=list)  # old units counted with it
    part: list[AdminUnit] = field(default_factory=list)  # split old units, not counted


def label(unit: AdminUnit) -> str:
    """Return "Phường Sông Trí (18754)", or with the scheme for an old unit (2004:18754)."""
    code = unit.code if unit.valid_to is None else f"{unit.scheme}:{unit.code}"
    return f"{unit.name} ({code})"


def _year_end(year: int) -> date:
    return date(year, 12, 31)


def _valid_on(unit: AdminUnit, day: date) -> bool:
    return (unit.valid_from is None or unit.valid_from <= day) and (
        unit.valid_to is None or day < unit.valid_to
    )


def resolve(session: Session, code: str, year: int) -> AdminUnit:
    """Return the unit a code names in the year: in the list in force at its end, else in
    any other list (newest first); "2004:449" names its list itself."""
    if ":" in code:
        return unit_by_code(session, code, loc=LOC)
    repo = UnitRepository(session)
    try:
        first = scheme_on(session, _year_end(year)).key
    except LookupError:
        first = ""
    keys = [first] + [s.key for s in reversed(repo.schemes()) if s.key != first]
    for key in keys:
        unit = repo.by_code(code, key) if key else None
        if unit is not None:
            return unit
    return unit_by_code(session, code, loc=LOC)  # refuses, naming the list in force


def province_of(session: Session, unit: AdminUnit, day: date | None = None) -> AdminUnit | None:
    """Return the province of a unit's path (the one valid on the day, if there is one)."""
    code = unit.path.split("/", 1)[0]
    found = [
        u
        for key in [s.key for s in reversed(UnitRepository(session).schemes())]
        if (u := UnitRepository(session).by_code(code, key)) is not None
        and u.level == UnitLevel.PROVINCE
    ]
    valid = [u for u in found if day is None or _valid_on(u, day)]
    return next(iter(valid or found), None)


def valid_today(unit: AdminUnit, today: date) -> bool:
    """Tell whether a unit exists today."""
    return _valid_on(unit, today)


def _names(units: list[AdminUnit]) -> str:
    return ", ".join(label(u) for u in units)


def _successors(session: Session, unit: AdminUnit) -> list[AdminUnit]:
    repo = UnitRepository(session)
    olds = [unit] + (repo.children(unit.id or 0) if unit.level == UnitLevel.DISTRICT else [])
    rows = repo.successions_from([u.id or 0 for u in olds])
    found = repo.by_ids([r.new_unit_id for r in rows])
    return sorted(found.values(), key=lambda u: u.code)


def _predecessors(session: Session, unit: AdminUnit) -> tuple[str, str]:
    """Return the old units a unit succeeds, named (English, Vietnamese); parts marked."""
    repo = UnitRepository(session)
    rows = repo.successions_into([unit.id or 0])
    found = repo.by_ids([r.old_unit_id for r in rows])
    part = {r.old_unit_id for r in rows if r.share == SuccessionShare.PART}
    olds = sorted(found.values(), key=lambda u: u.path)
    en = ", ".join(label(u) + (" (part)" if u.id in part else "") for u in olds)
    vi = ", ".join(label(u) + (" (một phần)" if u.id in part else "") for u in olds)
    return en, vi


def _not_yet(session: Session, unit: AdminUnit, year: int) -> Invalid:
    assert unit.valid_from is not None
    province = province_of(session, unit, _year_end(year))
    use = f"{province.name} ({province.code})" if province else "the province"
    use_vi = f"{province.name} ({province.code})" if province else "tỉnh"
    olds, olds_vi = _predecessors(session, unit)
    then = (
        f"the units of that time it succeeds: {olds}"
        if olds
        else "the districts and communes of that time"
    )
    then_vi = (
        f"các đơn vị khi đó mà {unit.name} kế thừa: {olds_vi}"
        if olds
        else "các huyện, xã của thời điểm đó"
    )
    since = f"{unit.valid_from:%d/%m/%Y}"
    return Invalid(
        f"{label(unit)} exists from {since}: there is no report for {year} by it. "
        f"For {year} use the province {use}, or {then}.",
        message_vi=(
            f"{label(unit)} được thành lập từ ngày {since}: không có báo cáo năm {year} theo "
            f"đơn vị này. Năm {year} hãy chọn {use_vi}, hoặc {then_vi}."
        ),
        loc=LOC,
    )


def _ceased(session: Session, unit: AdminUnit, year: int) -> Invalid:
    assert unit.valid_to is not None
    last = f"{unit.valid_to - timedelta(days=1):%d/%m/%Y}"
    province = province_of(session, unit, _year_end(year))
    news = _successors(session, unit)
    use = [f"the province {province.name} ({province.code})"] if province else []
    use_vi = [f"{province.name} ({province.code})"] if province else []
    if news:
        use.append(f"its successors: {_names(news)}")
        use_vi.append(f"các đơn vị kế thừa: {_names(news)}")
    return Invalid(
        f"{label(unit)} existed until {last}: a report for {year} is made by the units of "
        f"that year. Use {' or '.join(use) or 'a unit of that year'}.",
        message_vi=(
            f"{label(unit)} chỉ tồn tại đến ngày {last}: báo cáo năm {year} lập theo các đơn "
            f"vị hành chính của năm đó. Hãy chọn {' hoặc '.join(use_vi) or 'đơn vị của năm đó'}."
        ),
        loc=LOC,
    )


def valid_for(session: Session, unit: AdminUnit, year: int) -> AdminUnit:
    """Return the unit to report on for the year, or refuse, naming what to use instead.

    A province reports on any year (its path covers its history); a province that ended is
    replaced by the province of the same code then, if there is one.
    """
    day = _year_end(year)
    if _valid_on(unit, day):
        return unit
    if unit.level == UnitLevel.PROVINCE:
        if unit.valid_to is None or day < unit.valid_to:
            return unit
        now = province_of(session, unit, day)
        if now is not None and _valid_on(now, day):
            return now
    if unit.valid_from is not None and day < unit.valid_from:
        raise _not_yet(session, unit, year)
    raise _ceased(session, unit, year)


def area_of(session: Session, unit: AdminUnit) -> Area:
    """Return the area a unit's report covers: its own path, and the paths of the old units
    that went whole into it or into a unit under it (transitively)."""
    paths = [unit.path]
    whole: list[AdminUnit] = []
    part: list[AdminUnit] = []
    rows = ReportRepository(session).successions_under(unit.path, unit.scheme)
    seen: set[int] = set()
    while rows:
        deeper: list[int] = []
        for succession, old in rows:
            if old.id in seen:
                continue
            seen.add(old.id or 0)
            if any(old.path.startswith(p) for p in paths):
                continue  # already inside the area (a province's own history)
            if succession.share == SuccessionShare.WHOLE:
                paths.append(old.path)
                whole.append(old)
                deeper.append(old.id or 0)
            else:
                part.append(old)
        repo = UnitRepository(session)
        nxt = repo.successions_into(deeper)
        olds = repo.by_ids([r.old_unit_id for r in nxt])
        rows = [(r, olds[r.old_unit_id]) for r in nxt]
    covered = [u for u in part if not any(u.path.startswith(p) for p in paths)]
    return Area(unit=unit, paths=tuple(paths), whole=whole, part=covered)


def notes(covered: Area, year: int) -> list[tuple[str, str]]:
    """Return what the reader must know about the area: old units counted, and left out."""
    unit, out = covered.unit, []
    if covered.whole:
        since = (
            f" (trước ngày {unit.valid_from:%d/%m/%Y})"
            if unit.valid_from and unit.valid_from.year <= year
            else ""
        )
        since_en = (
            f" (before {unit.valid_from:%d/%m/%Y})"
            if unit.valid_from and unit.valid_from.year <= year
            else ""
        )
        out.append(
            (
                f"Số liệu kiểm định, kiểm tra và tem gồm cả hồ sơ lập dưới các đơn vị cũ đã nhập "
                f"toàn bộ vào {unit.name}{since}: {_names(covered.whole)}.",
                f"Verifications, inspections and stamps include the records made under the "
                f"former units that went whole into {unit.name}{since_en}: "
                f"{_names(covered.whole)}.",
            )
        )
    if covered.part:
        out.append(
            (
                f"Không tính hồ sơ của đơn vị cũ chỉ nhập một phần vào {unit.name}: "
                f"{_names(covered.part)}; xem báo cáo của tỉnh hoặc của đơn vị cũ.",
                f"Records of former units only partly merged into {unit.name} are not counted: "
                f"{_names(covered.part)}; see the province's report or the former unit's.",
            )
        )
    out.append(
        (
            "Phương tiện đo, cân đối chứng và người bán được tính theo đơn vị hành chính nơi đặt "
            "vào ngày lấy số liệu.",
            "Instruments, control scales and sellers are counted in the unit their site lay in "
            "on the day the figures are taken.",
        )
    )
    return out
