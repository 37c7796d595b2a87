"""How a stored consumer check reads: the rule that judged it, and shortfall or deviation.

Under a binding table the figure is a shortfall ("thiếu"), evidence against the seller; under a
reference-only or unverified non-binding table (R 87 as shipped) it is a deviation ("chênh lệch
(tham khảo)"), an indication that never counts against anyone.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal

from sqlmodel import Session

from metrology_svc.readings import rules
from metrology_svc.readings.check_queries import rules_by_id
from metrology_svc.readings.models import Reading
from metrology_svc.readings.schemas import CheckPublic
from metrology_svc.rulebook import catalogue
from metrology_svc.rulebook.models import RuleTable
from metrology_svc.rulebook.rules import STATUS_VI
from metrology_svc.rulebook.service import ref_of

BINDING_TITLE = "Lượng thiếu cho phép"
SOURCE_IN_LABEL = 120  # characters of a binding table's source that name it in a label
SHORT_NAME = 48  # characters of the short name a table cell shows (the label in its title)


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """The rule table version that judged checks, as the pages and the API name it."""

    id: int
    label: str
    short: str  # for a table cell: the document a binding table comes from, else the title
    binding: bool
    status: str
    status_vi: str
    source: str
    source_in_label: bool  # the label already holds the whole source


def _named(source: str, limit: int = SOURCE_IN_LABEL) -> str:
    text = " ".join(source.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"


def rule_info(table: RuleTable) -> RuleInfo:
    """Return how a shortfall table version is named where checks are shown."""
    ref = ref_of(table)
    short, whole = ref.title, False
    if table.binding and ref.title == catalogue.SPECS["shortfall"].title:
        # The catalogue titles every shortfall version after R 87 (reference); a binding one is
        # an office's own table, so its source names it (e.g. "Thông tư 09/2017/TT-BKHCN …").
        ref = replace(ref, title=f"{BINDING_TITLE}: {_named(table.source)}")
        short = _named(table.source.split(",")[0], SHORT_NAME)
        whole = _named(table.source) == " ".join(table.source.split())
    return RuleInfo(
        id=table.id or 0,
        label=ref.label,
        short=short,
        binding=table.binding,
        status=table.status,
        status_vi=STATUS_VI.get(table.status, table.status),
        source=table.source,
        source_in_label=whole,
    )


def rule_infos(session: Session, ids: Iterable[int | None]) -> dict[int, RuleInfo]:
    """Return the rule of each id, for the checks about to be shown."""
    return {i: rule_info(t) for i, t in rules_by_id(session, ids).items()}


def _deviation(reading: Reading) -> float | None:
    if reading.declared_g is None:
        return None
    exact = rules.deviation(
        declared_g=Decimal(repr(reading.declared_g)), measured_g=Decimal(repr(reading.net_g))
    )
    return float(exact)


def check_public(reading: Reading, infos: Mapping[int, RuleInfo]) -> CheckPublic:
    """Return the API shape of a check: binding or not, the rule's label, and the figure."""
    info = infos.get(reading.shortfall_rule_id or 0)
    binding = info is not None and info.binding
    short = reading.short and binding
    verdict = rules.verdict(
        binding=binding, short=short, missing_g=reading.missing_g, stable=reading.stable
    )
    figure_vi, figure_en = rules.FIGURES[binding]
    return CheckPublic.model_validate(
        {
            **reading.model_dump(),
            "short": short,
            "binding": binding,
            "rule_id": reading.shortfall_rule_id,
            "rule": info.label if info else None,
            "rule_source": info.source if info else None,
            "deviation_g": _deviation(reading),
            "missing_g": reading.missing_g if binding else None,
            "excess_g": None if binding else reading.missing_g,
            "verdict": verdict,
            "figure": "shortfall" if binding else "deviation",
            "figure_label": f"{figure_vi} / {figure_en}",
        }
    )


def checks_public(session: Session, readings: Iterable[Reading]) -> list[CheckPublic]:
    """Return the API shapes of checks, reading their rules once."""
    items = list(readings)
    infos = rule_infos(session, (r.shortfall_rule_id for r in items))
    return [check_public(r, infos) for r in items]
