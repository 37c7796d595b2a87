"""Pure rules of Decree 30/2020/NĐ-CP: the number line, the place and date line, legal bases."""

from dataclasses import dataclass
from datetime import date
from typing import Literal

Language = Literal["vi", "en"]

# Document types and their abbreviations (Decree 30/2020, appendix III), with English names.
DOC_TYPES: dict[str, tuple[str, str]] = {
    "TB": ("THÔNG BÁO", "NOTICE"),
    "BC": ("BÁO CÁO", "REPORT"),
    "KH": ("KẾ HOẠCH", "PLAN"),
    "BB": ("BIÊN BẢN", "MINUTES"),
    "QĐ": ("QUYẾT ĐỊNH", "DECISION"),
}

MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

# The signature block's usual words in English; anything else is printed as configured.
SIGNER_EN = {
    "KT. GIÁM ĐỐC": "FOR THE DIRECTOR",
    "TL. GIÁM ĐỐC": "BY ORDER OF THE DIRECTOR",
    "GIÁM ĐỐC": "DIRECTOR",
    "PHÓ GIÁM ĐỐC": "DEPUTY DIRECTOR",
    "TM. ỦY BAN NHÂN DÂN": "ON BEHALF OF THE PEOPLE'S COMMITTEE",
    "KT. CHỦ TỊCH": "FOR THE CHAIRPERSON",
    "CHỦ TỊCH": "CHAIRPERSON",
    "PHÓ CHỦ TỊCH": "VICE CHAIRPERSON",
    "CHI CỤC TRƯỞNG": "DIRECTOR OF THE SUB-DEPARTMENT",
}


@dataclass(frozen=True, slots=True)
class LegalBasis:
    """A legal document cited as a basis: its kind, number, date, issuer and what it rules."""

    kind_vi: str  # "Luật Đo lường", "Thông tư"
    kind_en: str
    number: str  # "04/2011/QH13"
    issued_on: date
    issuer_vi: str  # "Quốc hội", "Bộ trưởng Bộ Khoa học và Công nghệ"
    issuer_en: str
    about_vi: str = ""
    about_en: str = ""


def number_text(*, number: int, doc_type: str, issuer: str, language: Language = "vi") -> str:
    """Return the number line: "Số: 12/TB-SKHCN" (the type's and the issuer's abbreviations)."""
    label = "Số" if language == "vi" else "No."
    return f"{label}: {number}/{doc_type}-{issuer}"


def decree_date(day: date) -> str:
    """Return a date in words: "ngày 05 tháng 3 năm 2026" (a zero before days under 10 and
    months 1 and 2 only)."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def english_date(day: date) -> str:
    """Return a date in English words: "5 March 2026"."""
    return f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}"


def date_line(*, place: str, day: date, language: Language = "vi") -> str:
    """Return the place and date line: "Hà Tĩnh, ngày 05 tháng 3 năm 2026"."""
    return f"{place}, {decree_date(day) if language == 'vi' else english_date(day)}"


def short_date(day: date) -> str:
    """Return a date as dd/mm/yyyy, the form Vietnamese offices write in tables and text."""
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def basis_line(basis: LegalBasis, *, language: Language = "vi") -> str:
    """Return one "Căn cứ …" line: kind and number, date, issuer and subject."""
    if language == "vi":
        about = f" {basis.about_vi}" if basis.about_vi else ""
        return (
            f"Căn cứ {basis.kind_vi} số {basis.number} {decree_date(basis.issued_on)} "
            f"của {basis.issuer_vi}{about};"
        )
    about = f" {basis.about_en}" if basis.about_en else ""
    return (
        f"Having regard to {basis.kind_en} No. {basis.number} of "
        f"{english_date(basis.issued_on)} of the {basis.issuer_en}{about};"
    )


def signer_words(line: str, *, language: Language) -> str:
    """Return a line of the signature block in the letter's language."""
    return line if language == "vi" else SIGNER_EN.get(line.strip().upper(), line)
