"""Possible duplicate owners among those stored: who a clerk should look at and maybe merge.

Two owners are alike when their names are the same once case, accents and spacing are set
aside (matching.loose_name) and one of them has no phone to tell them apart, or when they have
the same phone (matching.normalise_phone), whatever their names. A group is every owner of one
name where one of them has no phone, or every owner of one phone; groups are not chained (a
common name and a shared phone would otherwise gather hundreds of owners), so an owner may be
in a group of its name and in one of its phone. Two owners with tax codes are two businesses
in law (tax codes are unique): they stay in the group, shown, but never merge.

The grouping is done in Python over (id, name, phone, tax_code) rows streamed from the
database: a loose name is Unicode work (decomposition, dropping marks) that neither SQLite nor
PostgreSQL does the same way without an extension, and a stored column would have to be kept in
step by every writer (the API, the import's bulk inserts, merges). One pass over 100,000 owners
takes well under a second (bench/owner_duplicates.py).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from sqlmodel import Session

from metrology_svc.auth.principal import Principal
from metrology_svc.owners.matching import loose_name, normalise_phone
from metrology_svc.owners.repository import OwnerRepository

Identity = tuple[int, str, str | None, str | None]  # id, name, phone, tax_code


@dataclass(frozen=True)
class DuplicateGroup:
    """Owners who may be one: ids oldest first, why they were grouped, who has a tax code.

    A group is either every owner of one name (when one of them has no phone, it is alike all
    the others) or every owner of one phone; an owner may be in one of each.
    """

    owner_ids: tuple[int, ...]
    by: Literal["name", "phone"]
    same_name: bool  # some two share a name (accents, case and spacing aside)
    same_phone: bool  # some two share a phone
    taxed: frozenset[int]  # members with a tax code: no two of them may merge

    @property
    def key(self) -> str:
        """Return a name for the group that no other group has (n12: name, p12: phone)."""
        return f"{self.by[0]}{self.owner_ids[0]}"

    @property
    def mergeable(self) -> bool:
        """Tell whether some two members may merge (not both with a tax code)."""
        return len(self.taxed) < len(self.owner_ids)


def may_merge(tax_a: str | None, tax_b: str | None) -> bool:
    """Tell whether two owners may merge as far as their tax codes go (merge.py refuses two)."""
    return not (tax_a and tax_b and tax_a != tax_b)


def _repeats(values: list[str]) -> bool:
    return len(set(values)) < len(values)


def group_duplicates(rows: Iterable[Identity]) -> list[DuplicateGroup]:
    """Return the groups of alike owners (two or more each), newest group first.

    A group of one phone whose owners are all in one group of a name is not listed again.
    """
    by_name: dict[str, list[int]] = {}
    no_phone: set[str] = set()  # names some owner without a phone has
    by_phone: dict[str, list[int]] = {}
    names: dict[int, str] = {}
    phones: dict[int, str] = {}
    taxed: set[int] = set()
    for owner_id, name, phone, tax_code in rows:
        loose = names[owner_id] = loose_name(name)
        by_name.setdefault(loose, []).append(owner_id)
        number = normalise_phone(phone)
        if number:
            phones[owner_id] = number
            by_phone.setdefault(number, []).append(owner_id)
        else:
            no_phone.add(loose)
        if tax_code:
            taxed.add(owner_id)
    groups: list[DuplicateGroup] = []

    def add(ids: list[int], by: Literal["name", "phone"]) -> None:
        ids.sort()
        groups.append(
            DuplicateGroup(
                owner_ids=tuple(ids),
                by=by,
                same_name=by == "name" or _repeats([names[i] for i in ids]),
                same_phone=_repeats([phones[i] for i in ids if i in phones]),
                taxed=frozenset(i for i in ids if i in taxed),
            )
        )

    for loose in no_phone:
        if len(ids := by_name[loose]) > 1:
            add(ids, "name")
    for ids in by_phone.values():
        if len(ids) > 1:
            first = names[ids[0]]
            if not (first in no_phone and all(names[i] == first for i in ids)):
                add(ids, "phone")
    groups.sort(key=lambda g: (g.owner_ids[-1], g.by), reverse=True)
    return groups


def possible_duplicates(session: Session, user: Principal) -> list[DuplicateGroup]:
    """Return the groups of alike owners the user may see, newest first.

    An administrator or a viewer sees every owner; an inspector the owners whose instruments
    all lie in their units (as owners.service.require_owner_scope decides for contact data),
    grouped among themselves.
    """
    repo = OwnerRepository(session)
    rows: Iterable[Identity] = repo.identities()
    if not user.sees_everything:
        outside = repo.owners_outside(user.unit_paths)
        rows = (r for r in rows if r[0] not in outside)
    return group_duplicates(rows)
