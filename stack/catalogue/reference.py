"""Reference vocabulary of the synthetic catalogue: ministries and the words procedure names use.

Everything here is an **assumption** shaped after the public portal, not a copy of its database:

- the 17 ministries and ministry-level agencies of the Government after the 2025 restructuring
  (Resolution 176/2025/QH15: 14 ministries and 3 ministry-level agencies); their short codes are this
  project's own;
- :class:`FieldSpec`, the shape of a field (lĩnh vực) whose (verbs, objects) phrases make procedure
  names ("Cấp" + "giấy phép xây dựng" → "Cấp giấy phép xây dựng"); the fields are in ``fields.py``;
- name qualifiers and the document names dossiers ask for.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

MINISTRIES: Final[tuple[tuple[str, str], ...]] = (
    ("BQP", "Bộ Quốc phòng"),
    ("BCA", "Bộ Công an"),
    ("BNG", "Bộ Ngoại giao"),
    ("BNV", "Bộ Nội vụ"),
    ("BTP", "Bộ Tư pháp"),
    ("BTC", "Bộ Tài chính"),
    ("BCT", "Bộ Công Thương"),
    ("BNNMT", "Bộ Nông nghiệp và Môi trường"),
    ("BXD", "Bộ Xây dựng"),
    ("BVHTTDL", "Bộ Văn hóa, Thể thao và Du lịch"),
    ("BKHCN", "Bộ Khoa học và Công nghệ"),
    ("BGDDT", "Bộ Giáo dục và Đào tạo"),
    ("BYT", "Bộ Y tế"),
    ("BDTTG", "Bộ Dân tộc và Tôn giáo"),
    ("NHNN", "Ngân hàng Nhà nước Việt Nam"),
    ("TTCP", "Thanh tra Chính phủ"),
    ("VPCP", "Văn phòng Chính phủ"),
)
"""(code, Vietnamese name) of each ministry-level agency, in the order of Resolution 176/2025/QH15."""

VERB_SETS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "@permit": "Cấp|Cấp lại|Cấp đổi|Gia hạn|Điều chỉnh",
        "@register": "Đăng ký|Đăng ký lại|Đăng ký thay đổi|Xóa đăng ký",
        "@approve": "Thẩm định|Phê duyệt|Phê duyệt điều chỉnh",
    }
)
"""Shorthands for the verb lists many fields share (see :class:`FieldSpec`)."""

QUALIFIERS: Final[tuple[str, ...]] = (
    "",
    "có yếu tố nước ngoài",
    "theo thủ tục rút gọn",
    "trong trường hợp đặc biệt",
    "đối với người Việt Nam định cư ở nước ngoài",
    "theo hình thức liên thông",
)
"""Suffixes that vary otherwise equal names (assumption), the empty one included."""


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """A field as the generator needs it: name, managing ministry, weight (assumption), name phrases.

    Each phrase reads ``"verb|verb > object|object"``: every verb is combined with every object and
    every qualifier ("Cấp|Cấp lại > giấy phép xây dựng" gives "Cấp giấy phép xây dựng", "Cấp lại giấy
    phép xây dựng", ...). ``|`` separates because names themselves hold commas; a verb list may be a
    shorthand from :data:`VERB_SETS` (``"@permit > giấy phép xây dựng"``).
    """

    name: str
    agency: str
    weight: int
    phrases: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.weight < 1:
            raise ValueError(f"weight: need an integer >= 1 for field {self.name!r}, got {self.weight!r}")
        for phrase in self.phrases:
            verbs, sep, objects = phrase.partition(" > ")
            if not sep or not verbs.strip() or not objects.strip() or "" in objects.split("|"):
                raise ValueError(
                    f"phrases: need 'verb|verb > object|object' in {self.name!r}, got {phrase!r}"
                )

    def names(self) -> tuple[str, ...]:
        """Every procedure name this field can produce, in a fixed order."""
        names: list[str] = []
        for phrase in self.phrases:
            verbs, _, objects = phrase.partition(" > ")
            for obj in objects.split("|"):
                for verb in VERB_SETS.get(verbs, verbs).split("|"):
                    names.extend(" ".join(p for p in (verb, obj, q) if p) for q in QUALIFIERS)
        return tuple(names)


DOCUMENT_NAMES: Final[tuple[str, ...]] = (
    "Tờ khai theo mẫu",
    "Đơn đề nghị",
    "Giấy tờ chứng minh nhân thân",
    "Giấy tờ chứng minh nơi cư trú",
    "Văn bản ủy quyền",
    "Ảnh chân dung 4x6 cm",
    "Giấy khám sức khỏe",
    "Giấy chứng nhận đăng ký doanh nghiệp",
    "Bản vẽ thiết kế",
    "Hợp đồng hoặc văn bản thỏa thuận",
    "Báo cáo thuyết minh",
    "Văn bằng, chứng chỉ chuyên môn",
    "Giấy tờ chứng minh quyền sử dụng đất",
    "Giấy xác nhận của cơ quan có thẩm quyền",
    "Bản kê khai thông tin",
    "Chứng từ nộp phí, lệ phí",
)
"""The documents dossiers ask for (assumption), sampled per procedure."""
