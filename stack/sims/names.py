"""Word lists from which the population database builds synthetic Vietnamese identities.

Plausible, not statistical: the lists are common Vietnamese family, middle and given names, street and
commune name parts. The only weighted list is :data:`ETHNICITIES`; its weights are an *assumption*
(rounded shares of the 2019 census as commonly reported; not in ``FACTS.md``).
"""

from __future__ import annotations

FAMILY_NAMES: tuple[str, ...] = (
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
    "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trương", "Lâm", "Mai",
)  # fmt: skip

MIDDLE_NAMES: dict[str, tuple[str, ...]] = {
    "male": ("Văn", "Đức", "Minh", "Quốc", "Hữu", "Công", "Thành", "Xuân", "Gia", "Đình"),
    "female": ("Thị", "Ngọc", "Thu", "Thanh", "Minh", "Kim", "Thùy", "Mỹ", "Bảo", "Phương"),
}

GIVEN_NAMES: dict[str, tuple[str, ...]] = {
    "male": (
        "An", "Bảo", "Cường", "Dũng", "Đạt", "Hải", "Hiếu", "Hùng", "Huy", "Khánh", "Khoa", "Long",
        "Minh", "Nam", "Phong", "Phúc", "Quân", "Sơn", "Tài", "Thắng", "Trung", "Tuấn", "Việt", "Vinh",
    ),
    "female": (
        "Anh", "Chi", "Dung", "Hà", "Hạnh", "Hằng", "Hoa", "Hương", "Huyền", "Lan", "Linh", "Loan",
        "Mai", "My", "Nga", "Ngân", "Nhung", "Oanh", "Phương", "Quỳnh", "Thảo", "Trang", "Tuyết", "Yến",
    ),
}  # fmt: skip

STREETS: tuple[str, ...] = (
    "Lê Lợi", "Trần Hưng Đạo", "Nguyễn Huệ", "Hai Bà Trưng", "Lý Thường Kiệt", "Điện Biên Phủ",
    "Hùng Vương", "Quang Trung", "Nguyễn Trãi", "Lê Duẩn", "Phan Chu Trinh", "Trần Phú",
)  # fmt: skip

COMMUNE_WORDS: tuple[str, ...] = (
    "An", "Bình", "Hòa", "Phú", "Tân", "Long", "Thạnh", "Phước", "Hưng", "Đông",
    "Tây", "Vĩnh", "Thuận", "Mỹ", "Định", "Lộc",
)  # fmt: skip

COMMUNE_KINDS: tuple[str, ...] = ("Phường", "Xã")
URBAN_SHARE = 0.4
"""Assumption: share of citizens living in a ward (phường) rather than a rural commune (xã)."""

ETHNICITIES: tuple[tuple[str, float], ...] = (
    ("Kinh", 85.3),
    ("Tày", 1.9),
    ("Thái", 1.9),
    ("Mường", 1.5),
    ("H'Mông", 1.5),
    ("Khmer", 1.4),
    ("Nùng", 1.1),
    ("Dao", 0.9),
    ("Hoa", 0.8),
    ("Gia Rai", 0.5),
    ("Ê Đê", 0.4),
)
"""Assumption: rounded population shares (%) of the largest ethnic groups; the rest are folded away."""

MOBILE_PREFIXES: tuple[str, ...] = ("03", "05", "07", "08", "09")
"""Leading digits of Vietnamese mobile numbers (10 digits in all)."""
