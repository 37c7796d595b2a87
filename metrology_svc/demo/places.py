"""The demo province: Hà Tĩnh (code 42), its markets, fuel stations and other sites.

Each place names two communes by code: the commune of the 2004 list it was registered in
(under its district, before 01/07/2025) and the commune of the 2025 list it sits in now. The
units themselves, with their names, come from the loaded national lists; nothing here types a
unit's name. The pairs follow resolution 1665/NQ-UBTVQH15 as the pinned `vietnamadminunits`
data records it: most old communes went whole into one new commune; Phường Đại Nài (18082) and
Xã Kỳ Lợi (18796) were split, so the province's inspector decides where their sites belong,
and one such case is left open. Coordinates are approximate; companies and people are invented.
"""

from collections.abc import Mapping
from dataclasses import dataclass

PROVINCE = "42"
# Division words as they open a unit's name, lower-cased inside an address.
_DIVISION_WORDS = ("Thành phố", "Thị xã", "Thị trấn", "Huyện", "Phường", "Xã", "Tỉnh", "Đặc khu")


@dataclass(frozen=True, slots=True)
class Place:
    """A market, fuel station or other site: where it was registered and where it is now."""

    name: str
    old_commune: str  # code in the 2004 list (the commune under its district)
    commune: str | None  # code in the 2025 list; None: split commune, the case is still open
    street: str  # the address inside the commune: "Đường Phan Đình Phùng"
    lat: float
    lon: float
    weight: int = 1  # markets: relative number of stalls with scales
    company: int = 0  # fuel stations: index into FUEL_COMPANIES
    note: str = ""  # a split commune's site: the province inspector's note on the decision


MARKETS = [
    Place("Chợ Hà Tĩnh", "18077", "18073", "Đường Phan Đình Phùng", 18.3425, 105.9057, 5),
    Place(
        "Chợ Đại Nài",
        "18082",
        "18652",
        "Đường Hà Huy Tập",
        18.3128,
        105.8986,
        2,
        note=(
            "Chợ ở phía tây phường Đại Nài, phần nhập vào phường Hà Huy Tập (NQ 1665/NQ-UBTVQH15);"
            " đã đối chiếu tọa độ và xác minh với UBND phường. / West part of the old ward, which"
            " went to Phường Hà Huy Tập; coordinates checked with the ward."
        ),
    ),
    Place("Chợ Đồng Môn", "18103", "18100", "Tổ dân phố 3", 18.3827, 105.9131),
    Place("Chợ Hồng Lĩnh", "18115", "18115", "Đường Quang Trung", 18.5412, 105.7087, 3),
    Place("Chợ Đậu Liêu", "18127", "18118", "Quốc lộ 8B", 18.5251, 105.7282),
    Place("Chợ Nghèn", "18406", "18406", "Khối 5", 18.4522, 105.7652, 3),
    Place("Chợ Thạch Hà", "18562", "18562", "Khối 7", 18.3676, 105.8612, 2),
    Place("Chợ Cẩm Xuyên", "18673", "18673", "Khối 3", 18.2569, 106.0004, 2),
    Place("Chợ cá Thiên Cầm", "18676", "18676", "Tổ dân phố 2", 18.2760, 106.0817),
    Place("Chợ Kỳ Anh", "18754", "18754", "Đường Lê Đại Hành", 18.0712, 106.2936, 4),
    Place("Chợ Kỳ Ninh", "18781", "18781", "Thôn Hải Phong", 18.1417, 106.3052),
    Place("Chợ Kỳ Phương", "18832", "18832", "Tổ dân phố Minh Huệ", 17.9873, 106.4288),
]

# The commune-scoped demo inspector works where this market is (Phường Sông Trí since 2025).
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
# Their head offices today: (street, 2025 commune code).
FUEL_COMPANY_OFFICES = [
    ("Số 2 đường Nguyễn Du", "18073"),
    ("Đường Lê Đại Hành", "18754"),
    ("Khối 7", "18562"),
    ("Khu kinh tế Vũng Áng", "18823"),
]

STATIONS = [
    Place(
        "Cửa hàng xăng dầu Trần Phú", "18094", "18073", "Số 120 đường Trần Phú", 18.3391, 105.8962
    ),
    Place("Cửa hàng xăng dầu Nam Hà", "18073", "18073", "Quốc lộ 1A", 18.3302, 105.9110),
    Place("Cửa hàng xăng dầu Nam Hồng", "18118", "18118", "Quốc lộ 1A", 18.5250, 105.7142),
    Place(
        "Cửa hàng xăng dầu Thiên Lộc", "18415", "18406", "Tỉnh lộ 2", 18.5043, 105.7703, company=2
    ),
    Place(
        "Cửa hàng xăng dầu Thạch Long", "18607", "18562", "Quốc lộ 1A", 18.3904, 105.8554, company=2
    ),
    Place("Cửa hàng xăng dầu Cẩm Xuyên", "18673", "18673", "Quốc lộ 1A", 18.2570, 105.9950),
    Place(
        "Cửa hàng xăng dầu Sông Trí", "18820", "18754", "Quốc lộ 1A", 18.0414, 106.3346, company=1
    ),
    Place(
        "Cửa hàng xăng dầu Kỳ Lợi",
        "18796",
        "18823",
        "Quốc lộ 12C",
        18.0631,
        106.3942,
        company=1,
        note=(
            "Cửa hàng trên Quốc lộ 12C, phần xã Kỳ Lợi nhập vào phường Vũng Áng; khớp với gợi ý"
            " theo tọa độ. / On Quốc lộ 12C, in the part of the old commune that went to Phường"
            " Vũng Áng; agrees with the suggestion from the coordinates."
        ),
    ),
    Place(
        "Cửa hàng xăng dầu Vũng Áng",
        "18835",
        "18823",
        "Khu kinh tế Vũng Áng",
        18.0196,
        106.3876,
        company=3,
    ),
]

# Sites of the few other types: key → place and the owner that holds them there.
OTHER_SITES = {
    "gold": Place(
        "Tiệm vàng Kim Tín", "18077", "18073", "Số 45 đường Nguyễn Công Trứ", 18.3440, 105.9040
    ),
    "pharmacy": Place("Nhà thuốc Minh Châu", "18406", "18406", "Khối 4", 18.4530, 105.7640),
    "port": Place("Cảng Vũng Áng", "18835", "18823", "Khu kinh tế Vũng Áng", 18.0300, 106.4010),
    # Kỳ Lợi went to three new communes; the province has not decided this one yet.
    "weighbridge": Place(
        "Trạm cân xe Kỳ Lợi", "18796", None, "Đường vào cảng Sơn Dương", 18.0896, 106.4082
    ),
    "lpg": Place(
        "Trạm chiết nạp LPG Hưng Trí",
        "18754",
        "18754",
        "Cụm công nghiệp Hưng Trí",
        18.0690,
        106.2950,
    ),
    "taxi": Place(
        "Bãi xe Taxi Hà Tĩnh", "18094", "18073", "Số 8 đường Xô Viết Nghệ Tĩnh", 18.3370, 105.8990
    ),
    "water": Place(
        "Xí nghiệp cấp nước Thạch Trung",
        "18088",
        "18100",
        "Đường Hải Thượng Lãn Ông",
        18.3650,
        105.8790,
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


def every_place() -> list[Place]:
    """Return the markets, stations and other sites, in the order the demo creates them."""
    return [*MARKETS, *STATIONS, *OTHER_SITES.values()]


def in_address(unit_name: str) -> str:
    """Return a unit's name as an address writes it: "Phường Bắc Hà" → "phường Bắc Hà"."""
    for word in _DIVISION_WORDS:
        if unit_name.startswith(f"{word} "):
            return word.lower() + unit_name[len(word) :]
    return unit_name


def address(street: str, *units: str) -> str:
    """Return an address from its street and unit names, smallest unit first."""
    return ", ".join([street, *(in_address(u) for u in units)])


def address_2025(street: str, commune: str, names: Mapping[str, str]) -> str:
    """Return an address in the 2025 form: "Khối 5, xã Can Lộc, tỉnh Hà Tĩnh"."""
    return address(street, names[commune], names[PROVINCE])
