"""Measurement checks made at an inspection: a retail weighing, a petrol delivery, a gold item.

Each row keeps the figures, the judgement and the rule that gave it (table version id, code,
effective date and source text copied onto the row), so the minutes read the same after the
office loads a new version of a table.
"""

from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from metrology_svc.core.clock import utcnow
from metrology_svc.core.columns import EnumText


class CheckKind(StrEnum):
    """What was measured."""

    RETAIL_WEIGHING = "retail_weighing"  # cân lại hàng bán lẻ (TT 09/2017), grams
    PETROL_DELIVERY = "petrol_delivery"  # đong lại xăng dầu (TT 15/2015: 1,5 × MPE), litres
    GOLD_MEASUREMENT = "gold_measurement"  # cân lại vàng (TT 22/2013), grams


class Verdict(StrEnum):
    """The judgement of a check."""

    WITHIN = "within"  # trong giới hạn cho phép
    SHORT = "short"  # thiếu vượt giới hạn: đề nghị lập biên bản vi phạm
    UNSUITABLE_SCALE = "unsuitable_scale"  # cân không phù hợp với hàng / với Max
    NO_BINDING_RULE = "no_binding_rule"  # thiếu nhưng không có quy định ràng buộc để kết luận


# Words for print and pages: (Vietnamese, English).
KIND_TEXT: dict[CheckKind, tuple[str, str]] = {
    CheckKind.RETAIL_WEIGHING: ("Cân hàng hóa bán lẻ", "Retail weighing"),
    CheckKind.PETROL_DELIVERY: ("Đong xăng dầu", "Petrol delivery"),
    CheckKind.GOLD_MEASUREMENT: ("Cân vàng", "Gold measurement"),
}
VERDICT_TEXT: dict[Verdict, tuple[str, str]] = {
    Verdict.WITHIN: ("Đạt (trong giới hạn cho phép)", "Within the permitted limit"),
    Verdict.SHORT: ("Thiếu vượt giới hạn cho phép", "Short beyond the permitted limit"),
    Verdict.UNSUITABLE_SCALE: ("Cân không phù hợp", "Scale unsuitable"),
    Verdict.NO_BINDING_RULE: (
        "Chưa có quy định ràng buộc để kết luận thiếu",
        "No binding rule to call it short",
    ),
}

UNITS: dict[CheckKind, str] = {
    CheckKind.RETAIL_WEIGHING: "g",
    CheckKind.PETROL_DELIVERY: "L",
    CheckKind.GOLD_MEASUREMENT: "g",
}


class MeasurementCheck(SQLModel, table=True):
    """One measurement re-made on the inspectors' reference, judged by the rulebook."""

    __tablename__ = "measurement_check"

    id: int | None = Field(default=None, primary_key=True)
    client_uuid: str | None = Field(default=None, max_length=36, unique=True)
    inspection_id: int = Field(foreign_key="inspection.id", index=True)
    instrument_id: int | None = Field(default=None, foreign_key="instrument.id", index=True)
    kind: CheckKind = Field(sa_type=EnumText(CheckKind, 24))
    goods: str = Field(default="", max_length=200)  # "thịt lợn", "RON 95-III", "nhẫn tròn"
    unit: str = Field(max_length=4)  # "g" (retail, gold) or "L" (petrol)
    checked_on: date  # the inspection's date: the rules in force on it judged the check
    declared: float  # what the seller's scale, the dispenser or the shop showed
    measured: float  # what the inspectors' reference gave
    scale_max_g: float | None = None  # gold: the scale's Max
    scale_interval_g: float | None = None  # retail: the division d; gold: the interval e
    # The judgement, in the check's unit: shortfall = declared − measured (< 0: more given).
    shortfall: float
    permitted_deviation: float | None = None  # None: no rule could judge the shortfall
    allowed_interval_g: float | None = None  # the coarsest d (retail) or e (gold) allowed
    scale_suitable: bool | None = None  # None: not judged (no division given, no row)
    verdict: Verdict = Field(sa_type=EnumText(Verdict, 24), index=True)
    violation_proposed: bool = False  # short: a violation record is proposed
    reason: str = Field(default="", max_length=2000)
    reason_vi: str = Field(default="", max_length=2000)
    # The rule that judged the quantity: shortfall, dispenser_mpe or gold_limit.
    rule_table_id: int | None = Field(default=None, foreign_key="rule_table.id")
    rule_code: str | None = Field(default=None, max_length=32)
    rule_effective_from: date | None = None
    rule_label: str | None = Field(default=None, max_length=300)
    rule_source: str | None = Field(default=None, max_length=1000)
    rule_binding: bool = False
    # The rule that judged the scale: retail_division or gold_division.
    scale_rule_table_id: int | None = Field(default=None, foreign_key="rule_table.id")
    scale_rule_code: str | None = Field(default=None, max_length=32)
    scale_rule_effective_from: date | None = None
    scale_rule_label: str | None = Field(default=None, max_length=300)
    scale_rule_source: str | None = Field(default=None, max_length=1000)
    note: str = Field(default="", max_length=1000)
    recorded_by_user_id: int | None = Field(default=None, foreign_key="app_user.id")
    recorded_at: datetime = Field(default_factory=utcnow)
