"""The issuing body of an official document (report, letter), by the level that issues it.

Decree 30/2020/NĐ-CP: the heading names the parent body over the issuing body, in capitals;
the number carries the issuer's symbol ("Số: 12/BC-SKHCN"); the place is the issuer's place.
Since 01/07/2025 a commune issues in the name of its people's committee ("Ủy ban nhân dân
phường Sông Trí"), a province through its Department of Science and Technology, under the
province's people's committee ("UBND TỈNH HÀ TĨNH" over "SỞ KHOA HỌC VÀ CÔNG NGHỆ").
The words come from settings (issuing_body_*), so an office can name itself otherwise.
"""

import unicodedata
from dataclasses import dataclass
from typing import Literal

from metrology_svc.settings import Settings

IssuerLevel = Literal["province", "commune"]

# Division types written shorter before a name: "thành phố trung ương" → "thành phố Hà Nội".
_SHORT_TYPES = {"thành phố trung ương": "thành phố"}
_SKIPPED_IN_SYMBOL = {"và", "của"}


@dataclass(frozen=True, slots=True)
class Place:
    """A unit's name as documents write it: "Sông Trí", "phường Sông Trí"."""

    bare: str  # without the division type: "Sông Trí", "Hà Tĩnh"
    full: str  # type and name: "phường Sông Trí", "tỉnh Hà Tĩnh"


@dataclass(frozen=True, slots=True)
class IssuingBody:
    """Who issues a document, and the lines that name it."""

    level: IssuerLevel
    name: str  # "Sở Khoa học và Công nghệ tỉnh Hà Tĩnh", "Ủy ban nhân dân phường Sông Trí"
    name_en: str
    heading: tuple[str, ...]  # in capitals, parent first
    symbol: str  # in the number: "SKHCN", "UBND"
    place: str  # of "<place>, ngày ... tháng ... năm ...": "Hà Tĩnh", "Sông Trí"
    signer: tuple[str, ...]  # authority and position of the signature block
    reports_to: str  # the body above: "UBND tỉnh Hà Tĩnh", "Sở Khoa học và Công nghệ tỉnh …"


def place_of(division_type: str, name: str) -> Place:
    """Return a unit's bare and full place name from its division type and its name."""
    kind = division_type.strip().lower()
    short = _SHORT_TYPES.get(kind, kind)
    bare = name.strip()
    for prefix in (kind, short):
        if prefix and bare.lower().startswith(prefix + " "):
            bare = bare[len(prefix) + 1 :].strip()
            break
    if not short:
        return Place(bare=bare, full=name.strip())
    return Place(bare=bare, full=f"{short} {bare}")


def symbol_of(name: str) -> str:
    """Return a body's symbol: the initials of its words ("Sở Khoa học và Công nghệ" → SKHCN)."""
    letters = []
    for word in name.split():
        if word.lower() in _SKIPPED_IN_SYMBOL or word.startswith("{"):
            continue
        first = word[0].upper()
        # Đ keeps its stroke (TĐC); other letters lose their marks (Ủ → U).
        if first != "Đ":
            first = unicodedata.normalize("NFD", first)[0]
        letters.append(first)
    return "".join(letters)


def _split(template: str, place: Place) -> tuple[str, ...]:
    """Return a template's heading lines: the words before {place}, then the place."""
    head, found, tail = template.partition("{place}")
    if found and not tail.strip() and head.strip():
        return (head.strip().upper(), place.full.upper())
    return (template.format(place=place.full).upper(),)


def province_body(settings: Settings, province: Place) -> IssuingBody:
    """Return the province's issuing body (its department, under its people's committee)."""
    body = settings.issuing_body_province
    parent = settings.issuing_body_province_parent.format(place=province.full)
    return IssuingBody(
        level="province",
        name=f"{body} {province.full}",
        name_en=settings.issuing_body_province_en.format(place=province.full),
        heading=(parent.upper(), body.upper()),
        symbol=symbol_of(body),
        place=province.bare,
        signer=("GIÁM ĐỐC",),
        reports_to=parent,
    )


def commune_body(settings: Settings, commune: Place, province: Place | None) -> IssuingBody:
    """Return a commune's issuing body (its people's committee), reporting to the province's
    department."""
    template = settings.issuing_body_commune
    above = f" {province.full}" if province else ""
    return IssuingBody(
        level="commune",
        name=template.format(place=commune.full),
        name_en=settings.issuing_body_commune_en.format(place=commune.full),
        heading=_split(template, commune),
        symbol=symbol_of(template),
        place=commune.bare,
        signer=("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"),
        reports_to=f"{settings.issuing_body_province}{above}",
    )


def document_date(place: str, year: int, month: int, day: int) -> str:
    """Return the place and date line: a zero before days under 10 and months 1 and 2 only."""
    d = f"{day:02d}"
    m = f"{month:02d}" if month < 3 else str(month)
    return f"{place}, ngày {d} tháng {m} năm {year}"
