"""A snapshot of the rulebook: which version of each table is in force on a date, and answers.

Versions of a table are dated: on a date the version with the latest `effective_from` on or
before it applies (an office's own load wins over the shipped one of the same date, and a later
load over an earlier one); past its `effective_to` (the last day in force) nothing applies.
Every answer carries the RuleRef the caller stores with its judgement.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from metrology_svc.rulebook import catalogue, loads, rules
from metrology_svc.rulebook.rules import NoRuleError, Ruled, RuleRef


@dataclass(frozen=True)
class TableVersion:
    """One version of a rule table (rows as stored: exact decimal text)."""

    id: int | None
    code: str
    version: str
    title: str
    effective_from: date
    effective_to: date | None
    status: str
    binding: bool
    source: str
    rows: tuple[Mapping[str, str], ...]
    loaded: bool = False  # loaded by an office (not shipped with the release)
    seq: int = 0  # load order among versions of the same date
    typed: list[dict[str, Any]] = field(default_factory=list, compare=False, repr=False)

    def ref(self, row: Mapping[str, Any] | None = None) -> RuleRef:
        """Return the reference of this version, with the row's own status and source if any."""
        status = (row or {}).get("status") or self.status
        source = (row or {}).get("source") or self.source
        return RuleRef(self.id, self.code, self.version, self.title, status, source, self.binding)

    def typed_rows(self) -> list[dict[str, Any]]:
        """Return the rows with numbers as Decimal (parsed once)."""
        if not self.typed:
            spec = catalogue.SPECS[self.code]
            parsed, problems = catalogue.parse_rows(spec, self.rows)
            if problems:
                raise NoRuleError(
                    f"{self.title}, version {self.version} is not valid: {problems[0].en}",
                    vi=f"{self.title}, phiên bản {self.version} không hợp lệ: {problems[0].vi}",
                )
            self.typed.extend(parsed)
        return self.typed


def _day(on: date) -> str:
    return f"{on:%d/%m/%Y}"


class Rulebook:
    """Every table version, answering questions for a date."""

    def __init__(self, versions: Iterable[TableVersion]) -> None:
        self._by_code: dict[str, list[TableVersion]] = defaultdict(list)
        self._memo: dict[tuple[str, date], Any] = {}  # (question, day) → answer (immutable)
        for v in versions:
            self._by_code[v.code].append(v)
        for items in self._by_code.values():
            items.sort(key=lambda v: (v.effective_from, v.loaded, v.seq))

    def versions(self, code: str) -> list[TableVersion]:
        """Return the versions of a table, in the order they take effect."""
        return list(self._by_code.get(code, []))

    def in_force(self, code: str, on: date) -> TableVersion:
        """Return the version of the table in force on the date, or refuse naming the date."""
        found = self._memo.get((code, on))
        if found is None:
            found = self._memo[(code, on)] = self._in_force(code, on)
        assert isinstance(found, TableVersion)
        return found

    def _in_force(self, code: str, on: date) -> TableVersion:
        spec = catalogue.SPECS[code]
        items = self._by_code.get(code, [])
        started = [v for v in items if v.effective_from <= on]
        if not started:
            first = f": the earliest starts {_day(items[0].effective_from)}" if items else ""
            first_vi = f": phiên bản sớm nhất áp dụng từ {_day(items[0].effective_from)}"
            raise NoRuleError(
                f"no rule '{spec.title_en}' in force on {_day(on)}{first}",
                vi=f"chưa có quy định '{spec.title}' áp dụng cho ngày {_day(on)}"
                + (first_vi if items else ""),
            )
        chosen = started[-1]
        if chosen.effective_to is not None and on > chosen.effective_to:
            raise NoRuleError(
                f"'{spec.title_en}' version {chosen.version} ended on "
                f"{_day(chosen.effective_to)}; no later version is loaded",
                vi=f"'{spec.title}' phiên bản {chosen.version} hết hiệu lực "
                f"{_day(chosen.effective_to)}; chưa có phiên bản mới",
            )
        return chosen

    def cycle(self, *, type_code: str, on: date) -> Ruled[int]:
        """Return the verification cycle (months) of a type in force on the date."""
        key = (f"cycle/{type_code}", on)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = self._cycle(type_code, on)
        assert isinstance(found, Ruled)
        return found

    def _cycle(self, type_code: str, on: date) -> Ruled[int]:
        try:
            version = self.in_force("cycles", on)
        except NoRuleError as exc:
            raise NoRuleError(
                f"no verification cycle for {type_code} on {_day(on)} ({exc})",
                vi=f"không có chu kỳ kiểm định cho {type_code} vào ngày {_day(on)} ({exc.vi})",
            ) from exc
        for row in version.typed_rows():
            if row["type_code"] == type_code:
                return Ruled(int(row["cycle_months"]), version.ref(row))
        raise NoRuleError(
            f"no verification cycle for {type_code} in {version.ref().label}",
            vi=f"không có chu kỳ kiểm định cho {type_code} trong {version.ref().label}",
        )

    def valid_until(self, *, type_code: str, verified_on: date) -> tuple[date, Ruled[int]]:
        """Return the due date after a pass on the date and the cycle that gave it."""
        cycle = self.cycle(type_code=type_code, on=verified_on)
        return rules.add_months(verified_on, cycle.value), cycle

    def cycle_history(self, type_code: str) -> list[tuple[date, Ruled[int]]]:
        """Return the type's cycle from each date a cycles version takes effect, oldest first."""
        out: dict[date, Ruled[int]] = {}
        for version in self.versions("cycles"):  # in order: the winner of a date comes last
            day = version.effective_from
            out.pop(day, None)
            for row in version.typed_rows():
                if row["type_code"] == type_code:
                    out[day] = Ruled(int(row["cycle_months"]), version.ref(row))
        return sorted(out.items())

    def cycle_rows(self, type_code: str) -> list[rules.CycleRow]:
        """Return the type's cycles as plain rows (for plans that need no references)."""
        return [rules.CycleRow(r.value, day) for day, r in self.cycle_history(type_code)]

    def class_limit(self, *, on: date, accuracy_class: str, e: Decimal) -> Ruled[rules.ClassLimit]:
        """Return the R 76 Table 3 row for a class and e in force on the date."""
        version = self.in_force("scale_classes", on)
        limits = [_limit(r) for r in version.typed_rows()]
        try:
            limit = rules.class_limit(accuracy_class=accuracy_class, e=e, limits=limits)
        except NoRuleError as exc:
            raise _cite(exc, version.ref()) from exc
        return Ruled(limit, version.ref())

    def scale_mpe(
        self, *, on: date, accuracy_class: str, e: Decimal, load: Decimal, in_service: bool = False
    ) -> Ruled[Decimal]:
        """Return a scale's MPE at a load (in service: × factor); refuse loads beyond range."""
        limit = self.class_limit(on=on, accuracy_class=accuracy_class, e=e)
        try:
            rules.check_load(load=load, e=e, limit=limit.value)
        except NoRuleError as exc:
            raise _cite(exc, limit.ref) from exc
        version = self.in_force("scale_mpe", on)
        bands = [_band(r) for r in version.typed_rows()]
        try:
            mpe = rules.scale_mpe(
                load=load, e=e, accuracy_class=accuracy_class, bands=bands, in_service=in_service
            )
        except NoRuleError as exc:
            raise _cite(exc, version.ref()) from exc
        return Ruled(mpe, version.ref())

    def dispenser_mpe(
        self, *, on: date, type_code: str, volume: Decimal, in_service: bool = False
    ) -> Ruled[Decimal]:
        """Return a dispenser's MPE for a volume, on verification or in service."""
        version = self.in_force("dispenser_mpe", on)
        stage = "in_service" if in_service else "verification"
        for row in version.typed_rows():
            if (row["type_code"], row["stage"]) == (type_code, stage):
                mpe = rules.dispenser_mpe(volume=volume, percent=row["mpe_percent"])
                return Ruled(mpe, version.ref(row))
        label = version.ref().label
        raise NoRuleError(
            f"no {stage.replace('_', '-')} MPE for {type_code} in {label}",
            vi=f"không có sai số {'khi sử dụng' if in_service else 'kiểm định'} cho {type_code} "
            f"trong {label}",
        )

    def required_loads(self, *, on: date, category: str) -> Ruled[tuple[loads.RequiredLoad, ...]]:
        """Return the test loads a verification of the category needs (none: no requirement)."""
        version = self.in_force("required_loads", on)
        rows = tuple(loads.required(r) for r in version.typed_rows() if r["category"] == category)
        return Ruled(rows, version.ref())

    def shortfall_bands(self, *, on: date) -> Ruled[tuple[rules.ShortfallBand, ...]]:
        """Return the permitted-shortfall bands in force (binding or an indication: see ref)."""
        version = self.in_force("shortfall", on)
        bands = tuple(sorted((_shortfall(r) for r in version.typed_rows()), key=lambda b: b.from_g))
        return Ruled(bands, version.ref())

    def shortfall(self, *, on: date, declared_g: Decimal) -> Ruled[Decimal]:
        """Return the permitted shortfall for a declared mass."""
        bands = self.shortfall_bands(on=on)
        try:
            value = rules.permitted_shortfall(declared_g=declared_g, bands=bands.value)
        except NoRuleError as exc:
            raise _cite(exc, bands.ref) from exc
        return Ruled(value, bands.ref)

    def retail_division(self, *, on: date, goods_mass_g: Decimal) -> Ruled[Decimal]:
        """Return the largest scale division allowed for goods of this mass (09/2017 Table 1)."""
        return self._banded("retail_division", on, goods_mass_g, "goods_mass", "max_division_g")

    def gold_division(self, *, on: date, max_g: Decimal) -> Ruled[Decimal]:
        """Return the largest e (mg) allowed for a gold scale of this Max (22/2013 Table 1)."""
        return self._banded("gold_division", on, max_g, "max", "max_e_mg")

    def gold_limit(self, *, on: date, mass_g: Decimal) -> Ruled[Decimal]:
        """Return the limit (mg) of a gold measurement at a listed mass, or above the last row."""
        version = self.in_force("gold_limit", on)
        for row in version.typed_rows():
            if row["limit_mg"] is not None and row["mass_g"] == mass_g:
                return Ruled(row["limit_mg"], version.ref(row))
            if row["limit_percent"] is not None and mass_g >= row["mass_g"]:
                return Ruled(mass_g * 1000 * row["limit_percent"] / 100, version.ref(row))
        raise NoRuleError(
            f"{mass_g} g is not a listed mass and the rule between rows is not confirmed",
            vi=f"{mass_g} g không có trong bảng và quy tắc giữa các dòng chưa được xác nhận",
        )

    def _banded(
        self, code: str, on: date, value: Decimal, prefix: str, column: str
    ) -> Ruled[Decimal]:
        version = self.in_force(code, on)
        rows = sorted(version.typed_rows(), key=lambda r: r[f"{prefix}_from_g"])
        index = rules.band_index(
            value, [(r[f"{prefix}_from_g"], r[f"{prefix}_to_g"]) for r in rows]
        )
        if index is None:
            label = version.ref().label
            raise NoRuleError(f"{value} g lies outside {label}", vi=f"{value} g nằm ngoài {label}")
        return Ruled(rows[index][column], version.ref(rows[index]))


def _cite(exc: NoRuleError, ref: RuleRef) -> NoRuleError:
    return NoRuleError(f"{exc} ({ref.label})", vi=f"{exc.vi} ({ref.label})")


def _band(row: Mapping[str, Any]) -> rules.MpeBand:
    return rules.MpeBand(
        row["accuracy_class"],
        row["load_from_e"],
        row["load_to_e"],
        row["mpe_e"],
        row["in_service_factor"],
    )


def _limit(row: Mapping[str, Any]) -> rules.ClassLimit:
    return rules.ClassLimit(
        row["accuracy_class"],
        row["e_min_g"],
        row["e_max_g"],
        row["n_min"],
        row["n_max"],
        row["min_capacity_e"],
    )


def _shortfall(row: Mapping[str, Any]) -> rules.ShortfallBand:
    return rules.ShortfallBand(
        row["nominal_from_g"], row["nominal_to_g"], row["deficiency_percent"], row["deficiency_g"]
    )
