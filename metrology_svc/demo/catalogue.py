"""What the demo's instruments are: models, procedures, reference standards and verifiers.

Procedure labels and the MPE of types without a built-in rule are demo values an office would
replace with its own.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from metrology_svc.standards.models import StandardBase, StandardKind


@dataclass(frozen=True, slots=True)
class Model:
    """An instrument model: maker, model name and the metrological characteristics."""

    manufacturer: str
    model: str
    max_g: float | None = None
    e_g: str | None = None  # decimal text, so test points stay exact
    d_g: str | None = None
    qmin: float | None = None
    qmax: float | None = None
    nozzles: int | None = None
    mmq: float | None = None


MODELS: dict[str, list[Model]] = {
    "scale_spring_dial": [
        Model("Nhơn Hòa", "NHS-5", 5000, "20"),
        Model("Nhơn Hòa", "NHS-15", 15000, "50"),
        Model("Nhơn Hòa", "NHS-30", 30000, "100"),
        Model("Nhơn Hòa", "NHS-60", 60000, "200"),
    ],
    # Class III with e ≥ 5 g needs n = Max/e from 500 to 10000 (R 76 Table 3).
    "scale_counter": [
        Model("Nhơn Hòa", "NHD-5", 5000, "5"),
        Model("Vinacan", "VC-10", 10000, "10"),
    ],
    "scale_platform": [
        Model("Vinacan", "TPS-60", 60000, "20"),
        Model("Nhơn Hòa", "NHB-300", 300000, "100"),
    ],
    "scale_steelyard": [Model("Cơ khí Hà Tĩnh", "TĐT-100", 100000, "500")],
    "scale_crane": [Model("OCS", "OCS-3T", 3_000_000, "1000")],
    "scale_vehicle": [Model("Mettler Toledo", "VTC-80", 80_000_000, "20000")],
    "scale_analytical": [Model("Shimadzu", "ATX224", 220, "0.001", "0.0001")],
    "scale_technical": [Model("A&D", "EK-610i", 600, "0.1", "0.01")],
    "fuel_dispenser": [
        Model("Tatsuno", "Sunny", qmin=5, qmax=50, nozzles=2, mmq=2),
        Model("Tokheim", "Quantium 210", qmin=5, qmax=40, nozzles=4, mmq=2),
        Model("Gilbarco", "Encore 300", qmin=5, qmax=50, nozzles=2, mmq=2),
    ],
    "lpg_dispenser": [Model("Tatsuno", "Sunny LPG", qmin=5, qmax=40, nozzles=1, mmq=5)],
    "taximeter": [Model("Digitax", "F1 Plus")],
    "water_meter_mechanical": [Model("Itron", "Multimag TM II DN15"), Model("Sensus", "405S DN15")],
    "water_meter_electronic": [Model("Kamstrup", "flowIQ 2200")],
}

# How many of the few other types, at which site.
OTHERS = [
    ("scale_analytical", "gold", 2),
    ("scale_technical", "pharmacy", 2),
    ("scale_platform", "port", 2),
    ("scale_crane", "port", 2),
    ("scale_vehicle", "weighbridge", 1),
    ("scale_vehicle", "port", 1),
    ("scale_steelyard", "weighbridge", 2),
    ("lpg_dispenser", "lpg", 2),
    ("taximeter", "taxi", 4),
    ("water_meter_mechanical", "water", 4),
    ("water_meter_electronic", "water", 2),
]

PROCEDURES = {
    "scale_spring_dial": "ĐLVN 30:2019",
    "scale_counter": "ĐLVN 15:2009",
    "scale_platform": "ĐLVN 14:2009",
    "scale_steelyard": "ĐLVN 16:2009",
    "scale_crane": "ĐLVN 16:2009",
    "scale_vehicle": "ĐLVN 13:2019",
    "scale_analytical": "ĐLVN 47:2009",
    "scale_technical": "ĐLVN 48:2009",
    "fuel_dispenser": "ĐLVN 10:2013",
    "lpg_dispenser": "ĐLVN 10:2013",
    "taximeter": "ĐLVN 01:2019",
    "water_meter_mechanical": "ĐLVN 17:2017",
    "water_meter_electronic": "ĐLVN 17:2017",
}

# Types without a built-in MPE rule: (reference, MPE in percent, resolution) per test point.
OTHER_POINTS = {
    "taximeter": [("1000", "1", "1"), ("5000", "1", "1")],  # distance, m
    "water_meter_mechanical": [("100", "2", "0.1"), ("100", "2", "0.1"), ("10", "5", "0.01")],
    "water_meter_electronic": [("100", "2", "0.1"), ("10", "5", "0.01")],  # volume, L
}

STANDARDS_FOR = {
    "scale_spring_dial": ["QC-M1-01"],
    "scale_counter": ["QC-M1-01"],
    "scale_steelyard": ["QC-M1-01"],
    "scale_platform": ["QC-M1-01", "QC-M1-500"],
    "scale_crane": ["QC-M1-500"],
    "scale_vehicle": ["QC-M1-10T"],
    "scale_analytical": ["QC-E2-01"],
    "scale_technical": ["QC-F2-01"],
    "fuel_dispenser": ["BC-20L-01"],
    "lpg_dispenser": ["BC-LPG-01"],
    "taximeter": ["TX-01"],
    "water_meter_mechanical": ["DHN-01"],
    "water_meter_electronic": ["DHN-01"],
}

VERIFIERS = [
    "Phan Đình Quang",
    "Lê Thị Thu Hà",
    "Nguyễn Văn Thắng",
    "Võ Minh Tuấn",
]
VERIFYING_BODY = "Trung tâm Kỹ thuật TĐC Hà Tĩnh"


def standards(today: date) -> list[StandardBase]:
    """Return the reference standards, calibrated within the last year."""
    rows = [
        ("QC-M1-01", "Bộ quả cân chuẩn M1 (1 g – 20 kg)", StandardKind.WEIGHT, "1 g – 20 kg M1"),
        ("QC-M1-500", "Quả cân chuẩn M1 20 kg × 25", StandardKind.WEIGHT, "500 kg M1"),
        ("QC-M1-10T", "Quả cân chuẩn M1 500 kg × 20", StandardKind.WEIGHT, "10 t M1"),
        ("QC-F2-01", "Bộ quả cân chuẩn F2 (1 mg – 1 kg)", StandardKind.WEIGHT, "1 mg – 1 kg F2"),
        ("QC-E2-01", "Bộ quả cân chuẩn E2 (1 mg – 200 g)", StandardKind.WEIGHT, "1 mg – 200 g E2"),
        ("BC-20L-01", "Bình chuẩn kim loại 20 L", StandardKind.PROVING_MEASURE, "20 L"),
        ("BC-LPG-01", "Bình chuẩn LPG 20 L", StandardKind.PROVING_MEASURE, "20 L"),
        ("TX-01", "Đoạn đường chuẩn kiểm định taximet", StandardKind.OTHER, "1 km"),
        ("DHN-01", "Giàn kiểm định đồng hồ nước DN15–DN25", StandardKind.OTHER, "Q3 ≤ 6,3 m³/h"),
    ]
    calibrated = today - timedelta(days=120)
    return [
        StandardBase(
            code=code,
            name=name,
            kind=kind,
            nominal=nominal,
            calibrated_on=calibrated,
            calibration_valid_until=calibrated + timedelta(days=365),
        )
        for code, name, kind, nominal in rows
    ]
