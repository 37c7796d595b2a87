"""Vietnamese names for stall holders, their stalls' trade names and phone numbers."""

import random
from dataclasses import dataclass

FAMILY = ["Nguyễn", "Trần", "Lê", "Phan", "Võ", "Đặng", "Hoàng", "Hồ", "Thái", "Đinh", "Bùi"]
FAMILY_WEIGHTS = [30, 14, 13, 9, 7, 6, 5, 5, 4, 4, 3]
FEMALE_MIDDLE = ["Thị", "Thị", "Thị", "Thu", "Minh", "Ngọc"]
FEMALE_GIVEN = [
    "Lan", "Hoa", "Hương", "Mai", "Hằng", "Nga", "Thủy", "Liên", "Hà", "Oanh",
    "Tâm", "Hạnh", "Loan", "Nhung", "Phương", "Thảo", "Yến", "Cúc", "Đào", "Sen",
]  # fmt: skip
MALE_MIDDLE = ["Văn", "Văn", "Đình", "Xuân", "Hữu", "Quang"]
MALE_GIVEN = [
    "Hùng", "Tư", "Sơn", "Hải", "Nam", "Thắng", "Bình", "Dũng", "Tuấn", "Long",
    "Hòa", "Cường", "Lộc", "Thành",
]  # fmt: skip

# What stalls sell, by the kind of scale they use.
GOODS = {
    "scale_spring_dial": ["cá", "thịt", "rau", "trái cây", "gạo", "hải sản", "gà vịt", "khoai sắn"],
    "scale_counter": ["đồ khô", "bánh kẹo", "tạp hóa", "chè", "hạt giống", "gia vị"],
}
STALL_WORDS = ["Sạp", "Sạp", "Quầy", "Ki-ốt"]


@dataclass(frozen=True, slots=True)
class Person:
    """A stall holder: full name, the name the market calls them by, and a phone number."""

    full_name: str
    trade_name: str
    phone: str


def person(rng: random.Random, *, goods_of: str) -> Person:
    """Return a stall holder selling goods weighed on scales of the given type."""
    female = rng.random() < 0.8  # most market stalls are kept by women
    family = rng.choices(FAMILY, FAMILY_WEIGHTS)[0]
    if female:
        middle, given = rng.choice(FEMALE_MIDDLE), rng.choice(FEMALE_GIVEN)
        honorific = rng.choice(["cô", "chị", "bà"])
    else:
        middle, given = rng.choice(MALE_MIDDLE), rng.choice(MALE_GIVEN)
        honorific = rng.choice(["chú", "anh"])
    goods = rng.choice(GOODS.get(goods_of, GOODS["scale_counter"]))
    return Person(
        full_name=f"{family} {middle} {given}",
        trade_name=f"{rng.choice(STALL_WORDS)} {goods} {honorific} {given}",
        phone=phone(rng),
    )


def phone(rng: random.Random) -> str:
    """Return a Vietnamese mobile number (10 digits, Viettel/VinaPhone/MobiFone prefixes)."""
    prefix = rng.choice(["091", "094", "098", "097", "096", "086", "090", "093", "035", "039"])
    return prefix + "".join(str(rng.randrange(10)) for _ in range(7))
