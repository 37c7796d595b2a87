"""Grouping possible duplicate owners: exact groups; every alike pair grouped, nothing else."""

from itertools import combinations

from hypothesis import given
from hypothesis import strategies as st

from metrology_svc.owners.duplicates import DuplicateGroup, group_duplicates, may_merge
from metrology_svc.owners.matching import loose_name, normalise_phone

NAMES = ["Nguyễn Thị Hoa", "NGUYEN THI  HOA", "nguyễn thị hoà", "Trần Văn Bình", "Lê Thị Cúc"]
Row = tuple[int, str, str | None, str | None]
PHONES = [None, "0912345678", "+84 912 345 678", "912345678", "0903.111.222", "0903111223"]


def test_exact_groups() -> None:
    rows = [
        (1, "Nguyễn Thị Hoa", "0912345678", None),
        (2, "NGUYỄN THỊ  HOA", None, None),  # no phone: alike every Hoa
        (3, "Trần Văn Bình", "+84 903 111 222", None),
        (4, "Lê Thị Cúc", "0903111222", None),  # Bình's phone under another name
        (5, "Phạm Văn Dũng", "0911000001", None),
        (6, "Phạm Văn Dũng", "0911000002", None),  # the phones tell the two apart
        (7, "Công ty Cân Việt", None, "3000111111"),
        (8, "CÔNG TY CÂN VIỆT", None, "3000222222"),
        (9, "Petrolimex", None, "3000100234"),
    ]
    groups = group_duplicates(rows)
    assert groups == [
        DuplicateGroup((7, 8), "name", True, same_phone=False, taxed=frozenset({7, 8})),
        DuplicateGroup((3, 4), "phone", False, same_phone=True, taxed=frozenset()),
        DuplicateGroup((1, 2), "name", True, same_phone=False, taxed=frozenset()),
    ]
    assert [g.key for g in groups] == ["n7", "p3", "n1"]
    assert [g.mergeable for g in groups] == [False, True, True]


def test_an_owner_without_a_phone_gathers_its_name_and_groups_do_not_chain() -> None:
    rows = [
        (1, "Lê Thị Cúc", "0903111222", None),
        (2, "Lê Thị Cúc", "0903111223", None),
        (3, "le thi cuc", None, "3000111111"),
        (4, "Trần Văn Bình", "0903111222", None),  # Cúc's first phone
        (5, "Trần Văn Bình", "0988000000", None),  # Bình's name only: not with Cúc
    ]
    assert group_duplicates(rows) == [
        DuplicateGroup((1, 4), "phone", False, same_phone=True, taxed=frozenset()),
        DuplicateGroup((1, 2, 3), "name", True, same_phone=False, taxed=frozenset({3})),
    ]


def test_a_phone_shared_within_a_name_group_is_not_listed_twice() -> None:
    rows: list[Row] = [(1, "Lê Thị Cúc", "0903111222", None), (2, "LE THI CUC", "903111222", None)]
    assert group_duplicates(rows) == [
        DuplicateGroup((1, 2), "phone", True, same_phone=True, taxed=frozenset())
    ]
    rows.append((3, "Lê Thị Cúc", None, None))
    assert group_duplicates(rows) == [
        DuplicateGroup((1, 2, 3), "name", True, same_phone=True, taxed=frozenset())
    ]


def test_tax_codes_decide_what_may_merge() -> None:
    assert may_merge(None, None)
    assert may_merge("3000111111", None)
    assert may_merge(None, "3000111111")
    assert may_merge("3000111111", "3000111111")
    assert not may_merge("3000111111", "3000222222")


def _alike(a: Row, b: Row) -> bool:
    pa, pb = normalise_phone(a[2]), normalise_phone(b[2])
    if pa and pb and pa == pb:
        return True
    return loose_name(a[1]) == loose_name(b[1]) and not (pa and pb)


owner_rows = st.lists(
    st.tuples(st.sampled_from(NAMES), st.sampled_from(PHONES), st.booleans()), max_size=14
).map(
    lambda drawn: [
        (i + 1, name, phone, f"30001{i:05d}" if taxed else None)
        for i, (name, phone, taxed) in enumerate(drawn)
    ]
)


@given(owner_rows)
def test_every_alike_pair_shares_a_group_and_every_group_is_alike(rows: list[Row]) -> None:
    groups = group_duplicates(rows)
    by_id = {r[0]: r for r in rows}
    for a, b in combinations(rows, 2):
        if _alike(a, b):
            assert any({a[0], b[0]} <= set(g.owner_ids) for g in groups), (a, b)
    keys = [g.key for g in groups]
    assert len(keys) == len(set(keys))
    for g in groups:
        members = [by_id[i] for i in g.owner_ids]
        assert len(members) >= 2
        assert list(g.owner_ids) == sorted(g.owner_ids)
        if g.by == "name":
            assert len({loose_name(m[1]) for m in members}) == 1
            assert any(normalise_phone(m[2]) is None for m in members)
        else:
            assert len({normalise_phone(m[2]) for m in members}) == 1
            assert not any(set(g.owner_ids) <= set(n.owner_ids) for n in groups if n.by == "name")
        assert g.taxed == {m[0] for m in members if m[3]}
        pairs = combinations(members, 2)
        assert g.mergeable == any(may_merge(a[3], b[3]) for a, b in pairs)
    for kind in ("name", "phone"):
        seen = [i for g in groups if g.by == kind for i in g.owner_ids]
        assert len(seen) == len(set(seen))  # at most one group of each kind an owner
    newest = [g.owner_ids[-1] for g in groups]
    assert newest == sorted(newest, reverse=True)
