"""The demo province: Hà Tĩnh (code 42), its towns and communes, markets and fuel stations.

District codes follow the national list (Thành phố Hà Tĩnh 436 … Thị xã Kỳ Anh 449); commune
codes are plausible five-digit codes in the province's range, not an authoritative copy.
Coordinates are approximate; the companies and people are invented.
"""

from dataclasses import dataclass

from metrology_svc.units.models import UnitLevel
from metrology_svc.units.schemas import AdminUnitCreate

PROVINCE = ("42", "Tỉnh Hà Tĩnh")

# Districts: (code, name); communes: (code, name, district code).
DISTRICTS = [
    ("436", "Thành phố Hà Tĩnh"),
    ("437", "Thị xã Hồng Lĩnh"),
    ("443", "Huyện Can Lộc"),
    ("445", "Huyện Thạch Hà"),
    ("446", "Huyện Cẩm Xuyên"),
    ("449", "Thị xã Kỳ Anh"),
]
COMMUNES = [
    ("18073", "Phường Bắc Hà", "436"),
    ("18076", "Phường Nam Hà", "436"),
    ("18079", "Phường Trần Phú", "436"),
    ("18094", "Phường Thạch Linh", "436"),
    ("18115", "Phường Bắc Hồng", "437"),
    ("18118", "Phường Nam Hồng", "437"),
    ("18124", "Phường Đậu Liêu", "437"),
    ("18364", "Thị trấn Nghèn", "443"),
    ("18370", "Xã Thiên Lộc", "443"),
    ("18562", "Thị trấn Thạch Hà", "445"),
    ("18610", "Xã Thạch Long", "445"),
    ("18673", "Thị trấn Cẩm Xuyên", "446"),
    ("18676", "Thị trấn Thiên Cầm", "446"),
    ("18754", "Phường Sông Trí", "449"),
    ("18757", "Phường Kỳ Trinh", "449"),
    ("18760", "Phường Hưng Trí", "449"),
    ("18775", "Phường Kỳ Long", "449"),
]


@dataclass(frozen=True, slots=True)
class Place:
    """A market, fuel station or other site with its commune, address and coordinates."""

    commune: str
    name: str
    address: str
    lat: float
    lon: float
    weight: int = 1  # markets: relative number of stalls with scales
    company: int = 0  # fuel stations: index into FUEL_COMPANIES


MARKETS = [
    Place("18073", "Chợ Hà Tĩnh", "Đường Phan Đình Phùng, phường Bắc Hà", 18.3425, 105.9057, 5),
    Place("18076", "Chợ Nam Hà", "Đường Hà Huy Tập, phường Nam Hà", 18.3352, 105.9031, 2),
    Place(
        "18094", "Chợ Thạch Linh", "Đường Nguyễn Trung Thiên, phường Thạch Linh", 18.3498, 105.8853
    ),
    Place("18115", "Chợ Hồng Lĩnh", "Đường Quang Trung, phường Bắc Hồng", 18.5336, 105.7104, 3),
    Place("18124", "Chợ Đậu Liêu", "Quốc lộ 8B, phường Đậu Liêu", 18.5157, 105.6899),
    Place("18364", "Chợ Nghèn", "Khối 5, thị trấn Nghèn", 18.4431, 105.7752, 3),
    Place("18562", "Chợ Thạch Hà", "Khối 7, thị trấn Thạch Hà", 18.3676, 105.8741, 2),
    Place("18673", "Chợ Cẩm Xuyên", "Khối 3, thị trấn Cẩm Xuyên", 18.2553, 106.0004, 2),
    Place("18676", "Chợ cá Thiên Cầm", "Tổ dân phố 2, thị trấn Thiên Cầm", 18.2526, 106.1134),
    Place("18754", "Chợ Kỳ Anh", "Đường Lê Đại Hành, phường Sông Trí", 18.0712, 106.2936, 4),
    Place("18757", "Chợ Kỳ Trinh", "Tổ dân phố Tây Yên, phường Kỳ Trinh", 18.0818, 106.3204),
    Place("18775", "Chợ Kỳ Long", "Tổ dân phố Hải Phong, phường Kỳ Long", 18.0955, 106.3539),
]

# The commune-scoped demo inspector works where this market is (Phường Sông Trí, Thị xã Kỳ Anh).
INSPECTOR_MARKET = "Chợ Kỳ Anh"

# (name, kind, tax code, e-mail or None, language)
OwnerRow = tuple[str, str, str | None, str | None, str]
FUEL_COMPANIES: list[OwnerRow] = [
    (
        "Công ty TNHH MTV Xăng dầu Hồng Lam",
        "company",
        "3001234567",
        "kythuat@honglam-petro.example",
        "vi",
    ),
    ("Công ty CP Thương mại Dầu khí Kỳ Anh", "company", "3001876543", None, "vi"),
    ("Doanh nghiệp tư nhân Xăng dầu Thạch Hà", "company", "3000456789", None, "vi"),
    (
        "Vung Ang Energy Services Co., Ltd.",
        "company",
        "3002345678",
        "ops@vungang-energy.example",
        "en",
    ),
]

FUEL_COMPANY_ADDRESSES = [
    "Số 2 đường Nguyễn Du, phường Nam Hà, thành phố Hà Tĩnh",
    "Đường Lê Đại Hành, phường Sông Trí, thị xã Kỳ Anh",
    "Khối 7, thị trấn Thạch Hà, huyện Thạch Hà",
    "Khu kinh tế Vũng Áng, phường Kỳ Long, thị xã Kỳ Anh",
]

STATIONS = [
    Place(
        "18079",
        "Cửa hàng xăng dầu Trần Phú",
        "Số 120 đường Trần Phú, phường Trần Phú",
        18.3391,
        105.8962,
    ),
    Place("18076", "Cửa hàng xăng dầu Nam Hà", "Quốc lộ 1A, phường Nam Hà", 18.3302, 105.9110),
    Place("18118", "Cửa hàng xăng dầu Nam Hồng", "Quốc lộ 1A, phường Nam Hồng", 18.5250, 105.7142),
    Place(
        "18370",
        "Cửa hàng xăng dầu Thiên Lộc",
        "Tỉnh lộ 2, xã Thiên Lộc",
        18.4524,
        105.7398,
        company=2,
    ),
    Place(
        "18610",
        "Cửa hàng xăng dầu Thạch Long",
        "Quốc lộ 1A, xã Thạch Long",
        18.3951,
        105.8539,
        company=2,
    ),
    Place(
        "18673", "Cửa hàng xăng dầu Cẩm Xuyên", "Quốc lộ 1A, thị trấn Cẩm Xuyên", 18.2570, 105.9950
    ),
    Place(
        "18754",
        "Cửa hàng xăng dầu Sông Trí",
        "Quốc lộ 1A, phường Sông Trí",
        18.0768,
        106.2880,
        company=1,
    ),
    Place(
        "18760",
        "Cửa hàng xăng dầu Hưng Trí",
        "Quốc lộ 12C, phường Hưng Trí",
        18.0899,
        106.2811,
        company=1,
    ),
    Place(
        "18775",
        "Cửa hàng xăng dầu Vũng Áng",
        "Khu kinh tế Vũng Áng, phường Kỳ Long",
        18.1021,
        106.3650,
        company=3,
    ),
]

# Sites of the few other types: key → place and the owner that holds them there.
OTHER_SITES = {
    "gold": Place(
        "18073",
        "Tiệm vàng Kim Tín",
        "Số 45 đường Nguyễn Công Trứ, phường Bắc Hà",
        18.3440,
        105.9040,
    ),
    "pharmacy": Place("18364", "Nhà thuốc Minh Châu", "Khối 4, thị trấn Nghèn", 18.4420, 105.7760),
    "port": Place(
        "18775", "Cảng Vũng Áng", "Khu kinh tế Vũng Áng, phường Kỳ Long", 18.1105, 106.3850
    ),
    "weighbridge": Place(
        "18757", "Trạm cân xe Kỳ Trinh", "Quốc lộ 1A, phường Kỳ Trinh", 18.0850, 106.3150
    ),
    "lpg": Place(
        "18760", "Trạm chiết nạp LPG Hưng Trí", "Cụm công nghiệp Hưng Trí", 18.0920, 106.2790
    ),
    "taxi": Place(
        "18079",
        "Bãi xe Taxi Hà Tĩnh",
        "Số 8 đường Xô Viết Nghệ Tĩnh, phường Trần Phú",
        18.3370,
        105.8990,
    ),
    "water": Place(
        "18094",
        "Xí nghiệp cấp nước Thạch Linh",
        "Đường Hải Thượng Lãn Ông, phường Thạch Linh",
        18.3520,
        105.8810,
    ),
}
# Owners of those sites, by site key.
OTHER_OWNERS: dict[str, OwnerRow] = {
    "gold": ("Doanh nghiệp tư nhân Vàng bạc Kim Tín", "company", "3000765432", None, "vi"),
    "pharmacy": ("Trần Thị Minh Châu", "household", None, None, "vi"),
    "port": (
        "Công ty CP Cảng Vũng Áng",
        "company",
        "3000987654",
        "kehoach@cangvungang.example",
        "vi",
    ),
    "weighbridge": ("Hộ kinh doanh Đặng Văn Cường", "household", None, None, "vi"),
    "lpg": ("Công ty TNHH Gas Hưng Trí", "company", "3001112223", None, "vi"),
    "taxi": (
        "Ha Tinh Taxi Joint Stock Company",
        "company",
        "3001445566",
        "fleet@hatinhtaxi.example",
        "en",
    ),
    "water": (
        "Công ty CP Cấp nước Hà Tĩnh",
        "company",
        "3000111222",
        "khachhang@capnuocht.example",
        "vi",
    ),
}


def units() -> list[AdminUnitCreate]:
    """Return the province, its districts and communes, parents first."""
    code, name = PROVINCE
    rows = [AdminUnitCreate(code=code, name=name, level=UnitLevel.PROVINCE)]
    rows += [
        AdminUnitCreate(code=c, name=n, level=UnitLevel.DISTRICT, parent_code=code)
        for c, n in DISTRICTS
    ]
    rows += [
        AdminUnitCreate(code=c, name=n, level=UnitLevel.COMMUNE, parent_code=p)
        for c, n, p in COMMUNES
    ]
    return rows
