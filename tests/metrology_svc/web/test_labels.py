"""The one table of labels: every value of every enum, type code and history kind, in vi and en."""

import enum
import importlib
import pkgutil
from types import ModuleType
from typing import get_args

import pytest

import devices
import metrology_svc
import schedules
from metrology_svc.core.issuer import IssuerLevel
from metrology_svc.instrument_types.service import read_types
from metrology_svc.web import labels
from metrology_svc.web.i18n import words
from metrology_svc.web.sentences import HISTORY
from metrology_svc.web.texts import page_words

# Enums no page shows (internal orderings, wire formats), each with why.
NOT_SHOWN = {
    "schedules.rounds.Urgency": "an ordering of the rounds page; it shows the reason text",
}


def _modules(package: ModuleType) -> list[ModuleType]:
    out = []
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        if ".migrations" in info.name or info.name.endswith("__main__"):
            continue
        out.append(importlib.import_module(info.name))
    return out


def _project_enums() -> list[type[enum.Enum]]:
    found: dict[str, type[enum.Enum]] = {}
    for package in (metrology_svc, devices, schedules):
        for module in _modules(package):
            for value in vars(module).values():
                if (
                    isinstance(value, type)
                    and issubclass(value, enum.Enum)
                    and value.__module__ == module.__name__
                ):
                    found[f"{value.__module__}.{value.__qualname__}"] = value
    return list(found.values())


def _assert_pair(kind: str, code: str) -> None:
    pair = labels.LABELS[kind].get(code)
    assert pair is not None, f"{kind}: no label for {code!r}"
    vi, en = pair
    assert vi.strip(), f"{kind}.{code}: an empty Vietnamese label"
    assert en.strip(), f"{kind}.{code}: an empty English label"
    assert code not in (vi, en), f"{kind}.{code}: the label is the raw code"
    assert labels.label(kind, code, "vi") == vi
    assert labels.label(kind, code, "en") == en


def test_every_enum_of_the_project_has_both_labels() -> None:
    enums = _project_enums()
    assert len(enums) > 30  # the walk found the models' enums
    for kind in enums:
        name = f"{kind.__module__}.{kind.__qualname__}"
        if name in NOT_SHOWN:
            continue
        assert kind in labels.ENUMS, f"{name} has no labels (add it to web/labels.py)"
        for member in kind:
            _assert_pair(labels.ENUMS[kind], str(member.value))


def test_every_instrument_type_and_history_kind_has_both_labels() -> None:
    types = read_types()
    assert any(t.code == "scale_spring_dial" for t in types)
    for t in types:
        _assert_pair("instrument_type", t.code)
    assert labels.label("instrument_type", "scale_spring_dial", "vi") == "Cân đồng hồ lò xo"
    for kind in HISTORY:  # every history entry the instrument page writes as a sentence
        _assert_pair("event", kind)
    for code in ("page", "api"):
        _assert_pair("scan_channel", code)
    for code in get_args(IssuerLevel):
        _assert_pair("issuer_level", code)


@pytest.mark.parametrize("kind", sorted(set(labels.LABELS) - {"unit"}))
def test_every_label_in_the_table_has_both_languages(kind: str) -> None:
    for code in labels.LABELS[kind]:
        _assert_pair(kind, code)


def test_units_are_written_in_the_page_language() -> None:
    # A unit symbol is the same in English; Vietnamese writes minutes as "phút".
    assert labels.label("unit", "L/min", "vi") == "L/phút"
    assert labels.label("unit", "L/min", "en") == "L/min"
    assert labels.label("unit", "g", "vi") == "g"


def test_page_words_come_from_the_table() -> None:
    vi, en = words("vi"), words("en")
    assert vi["st_suspended"] == labels.label("instrument_status", "suspended", "vi")
    assert en["n_lost_stamp"] == labels.label("notice_kind", "lost_stamp", "en")
    assert vi["role_control"] == "Cân đối chứng"
    assert page_words("vi")["fk_broken_seal"] == labels.LABELS["finding_kind"]["broken_seal"][0]
    # the stamp states are the public verify page's own headlines
    assert labels.label("stamp_state", "suspended", "vi") == "Phương tiện đo đang bị đình chỉ"
