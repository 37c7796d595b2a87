"""Instrument types by the names offices call them: "cân đồng hồ", "cột bơm xăng", "Can ban".

Each type is matched by its code, its Vietnamese and English names, and the everyday names in
data/types/CODE.csv (one file per type, each name with its language and a note on where it is
used). Case, spacing and Unicode form never matter; a name typed without accents matches when
its unaccented form names one type only. An unknown name is refused with the closest type and
the list of names accepted.
"""

import difflib
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

from metrology_svc.imports.cells import norm
from metrology_svc.imports.columns import DATA, data_rows, fold

TYPE_NAMES = DATA / "types"


@cache
def everyday_names(code: str, lang: str | None = None) -> tuple[str, ...]:
    """Return the everyday names of a type (in one language) from its synonym file, if any."""
    path: Path = TYPE_NAMES / f"{code}.csv"
    if not path.is_file():
        return ()
    rows = [r for r in data_rows(path) if r["name"].strip() and lang in (None, r["lang"])]
    return tuple(r["name"].strip() for r in rows)


class TypeNames(dict[str, str]):
    """Normalised name -> type code, with unaccented names and each type's own names."""

    def __init__(self) -> None:
        super().__init__()
        self.folded: dict[str, str] = {}
        self.names: dict[str, tuple[str, str]] = {}  # code -> (Vietnamese, English) name

    @classmethod
    def of(cls, types: Iterable[tuple[str, str, str]]) -> "TypeNames":
        """Build the table of the types (code, Vietnamese name, English name)."""
        table = cls()
        for code, name_vi, name_en in types:
            table.names[code] = (name_vi, name_en)
            for name in (code, name_vi, name_en):
                table[norm(name)] = code
        for code in table.names:
            for name in everyday_names(code):
                table.setdefault(norm(name), code)  # a type's own name wins over a synonym
        codes: dict[str, set[str]] = {}
        for name, code in table.items():
            codes.setdefault(fold(name), set()).add(code)
        table.folded = {name: next(iter(c)) for name, c in codes.items() if len(c) == 1}
        return table


def match_type(types: Mapping[str, str], text: str) -> str | None:
    """Return the code of the type a cell names, or None."""
    found = types.get(norm(text))
    if found is None and isinstance(types, TypeNames):
        found = types.folded.get(fold(text.strip(" .:;")))
    return found


def closest_type(types: Mapping[str, str], text: str) -> str | None:
    """Return the code of the type whose name is closest to an unknown one (None: none close)."""
    names = types.folded if isinstance(types, TypeNames) else {fold(k): v for k, v in types.items()}
    found = difflib.get_close_matches(fold(text), list(names), n=1, cutoff=0.6)
    return names[found[0]] if found else None


def unknown_type(types: Mapping[str, str], text: str) -> tuple[str, str, str, str]:
    """Say why a type name is refused: (reason vi, reason en, accepted vi, accepted en)."""
    named = types.names if isinstance(types, TypeNames) else {}
    code = closest_type(types, text)
    if code is not None and code in named:
        vi_name, en_name = named[code]
        reason_vi = f"Không có loại phương tiện đo này; gần nhất: {vi_name!r}"
        reason_en = f"Unknown type; closest: {en_name!r} ({vi_name})"
    else:
        reason_vi = "Không có loại phương tiện đo này"
        reason_en = "Unknown type"
    # The types' own names (each rejected row carries them: the everyday names are in the
    # README and in data/types, and the closest one is named above).
    accepted_vi = ", ".join(names[0] for names in named.values())
    accepted_en = ", ".join(names[1] for names in named.values())
    return reason_vi, reason_en, accepted_vi, accepted_en


def accepted_names(code: str, name: str) -> str:
    """Return a type's name with its everyday Vietnamese names, e.g. for a list of types."""
    vi = [n for n in everyday_names(code, "vi") if norm(n) != norm(name)]
    return f"{name} ({', '.join(vi)})" if vi else name
