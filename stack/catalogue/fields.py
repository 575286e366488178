"""The fields (lĩnh vực) of the synthetic catalogue, each managed by one ministry (all assumption).

Names follow the fields the public portal lists; the weights (each field's relative share of the
catalogue) and the phrases that make procedure names are this project's guess. The ministries are
those of the Government after the 2025 restructuring (see ``reference.MINISTRIES``): construction now
includes transport, finance includes investment planning and social insurance, public security issues
driving licences.
"""

from __future__ import annotations

from typing import Final

from stack.catalogue.reference import FieldSpec


def _field(name: str, agency: str, weight: int, *phrases: str) -> FieldSpec:
    return FieldSpec(name=name, agency=agency, weight=weight, phrases=phrases)


FIELDS: Final[tuple[FieldSpec, ...]] = (
    _field("Cư trú", "BCA", 4, "@register > thường trú|tạm trú", "Khai báo > lưu trú"),
    _field("Xuất nhập cảnh", "BCA", 3, "@permit > hộ chiếu phổ thông|thị thực|thẻ tạm trú"),
    _field(
        "Đăng ký, quản lý phương tiện giao thông",
        "BCA",
        3,
        "@register > xe ô tô|xe mô tô, xe gắn máy|xe máy chuyên dùng",
        "@permit > biển số xe",
    ),
    _field(
        "Giấy phép lái xe",
        "BCA",
        3,
        "@permit > giấy phép lái xe|giấy phép lái xe quốc tế",
        "Sát hạch > lái xe",
    ),
    _field(
        "Hộ tịch",
        "BTP",
        5,
        "Đăng ký|Đăng ký lại > khai sinh|kết hôn|khai tử|giám hộ|nhận cha, mẹ, con",
        "Cấp|Cấp lại > giấy xác nhận tình trạng hôn nhân|bản sao trích lục hộ tịch",
    ),
    _field("Chứng thực", "BTP", 3, "Chứng thực > bản sao từ bản chính|chữ ký|hợp đồng, giao dịch"),
    _field("Lý lịch tư pháp", "BTP", 1, "Cấp|Cấp lại > phiếu lý lịch tư pháp"),
    _field("Quốc tịch", "BTP", 1, "Nhập|Trở lại|Thôi|Xác nhận có > quốc tịch Việt Nam"),
    _field(
        "Thành lập và hoạt động doanh nghiệp",
        "BTC",
        5,
        "@register > thành lập công ty cổ phần|thành lập công ty trách nhiệm hữu hạn|hoạt động chi nhánh",
        "Đăng ký > thành lập doanh nghiệp tư nhân|hộ kinh doanh|địa điểm kinh doanh",
    ),
    _field(
        "Thuế",
        "BTC",
        4,
        "Khai|Nộp|Hoàn|Miễn, giảm > thuế thu nhập cá nhân|thuế giá trị gia tăng",
        "Khai|Nộp > lệ phí trước bạ|thuế sử dụng đất phi nông nghiệp",
        "Đăng ký > thuế lần đầu|người phụ thuộc giảm trừ gia cảnh",
    ),
    _field(
        "Hải quan",
        "BTC",
        3,
        "Thủ tục hải quan đối với|Hoàn thuế đối với > hàng hóa xuất khẩu|hàng hóa nhập khẩu",
        "Miễn thuế đối với > hàng hóa xuất khẩu|hàng hóa nhập khẩu",
        "Thủ tục hải quan đối với > hàng hóa quá cảnh|hành lý xuất nhập cảnh",
    ),
    _field(
        "Bảo hiểm xã hội",
        "BTC",
        4,
        "Giải quyết|Điều chỉnh|Tạm dừng > hưởng chế độ ốm đau|hưởng chế độ thai sản",
        "Giải quyết|Điều chỉnh|Tạm dừng > hưởng lương hưu|hưởng chế độ tử tuất",
        "Đăng ký > tham gia bảo hiểm xã hội tự nguyện|tham gia bảo hiểm y tế",
        "Cấp|Cấp lại|Cấp đổi > thẻ bảo hiểm y tế|sổ bảo hiểm xã hội",
    ),
    _field(
        "Đầu tư tại Việt Nam",
        "BTC",
        2,
        "@permit > giấy chứng nhận đăng ký đầu tư",
        "@approve > chủ trương đầu tư|dự án đầu tư",
    ),
    _field(
        "Xuất nhập khẩu", "BCT", 2, "@permit > giấy chứng nhận xuất xứ hàng hóa|giấy phép nhập khẩu tự động"
    ),
    _field("Điện", "BCT", 1, "@permit > giấy phép hoạt động điện lực"),
    _field(
        "Lưu thông hàng hóa trong nước",
        "BCT",
        2,
        "@permit > giấy phép bán lẻ rượu|giấy phép bán lẻ sản phẩm thuốc lá|giấy phép kinh doanh xăng dầu",
    ),
    _field(
        "Đất đai",
        "BNNMT",
        6,
        "Đăng ký|Đăng ký lại|Đăng ký thay đổi > đất đai lần đầu|biến động đất đai|thế chấp quyền sử dụng đất",
        "Cấp|Cấp lại|Cấp đổi > giấy chứng nhận quyền sử dụng đất",
        "Giao|Cho thuê|Chuyển mục đích sử dụng|Gia hạn sử dụng > đất|đất nông nghiệp",
    ),
    _field(
        "Môi trường",
        "BNNMT",
        3,
        "@permit > giấy phép môi trường",
        "@approve > báo cáo đánh giá tác động môi trường|phương án cải tạo, phục hồi môi trường",
    ),
    _field(
        "Tài nguyên nước",
        "BNNMT",
        2,
        "@permit > giấy phép khai thác nước mặt|giấy phép xả nước thải vào nguồn nước",
    ),
    _field("Thú y", "BNNMT", 2, "@permit > giấy chứng nhận kiểm dịch động vật|chứng chỉ hành nghề thú y"),
    _field(
        "Hoạt động xây dựng",
        "BXD",
        4,
        "@permit > giấy phép xây dựng|chứng chỉ hành nghề hoạt động xây dựng",
        "@approve > báo cáo nghiên cứu khả thi đầu tư xây dựng|thiết kế xây dựng",
    ),
    _field("Nhà ở", "BXD", 2, "Xét duyệt hồ sơ mua|Xét duyệt hồ sơ thuê > nhà ở xã hội|nhà ở công vụ"),
    _field(
        "Đường bộ",
        "BXD",
        3,
        "@permit > giấy phép kinh doanh vận tải bằng xe ô tô|phù hiệu xe kinh doanh vận tải",
        "@permit > giấy phép lưu hành xe quá tải trọng",
    ),
    _field("Đăng kiểm", "BXD", 2, "Cấp|Cấp lại > giấy chứng nhận kiểm định phương tiện"),
    _field(
        "Du lịch",
        "BVHTTDL",
        2,
        "@permit > giấy phép kinh doanh dịch vụ lữ hành|thẻ hướng dẫn viên du lịch",
    ),
    _field("Báo chí", "BVHTTDL", 1, "@permit > giấy phép hoạt động báo chí|thẻ nhà báo"),
    _field("Di sản văn hóa", "BVHTTDL", 1, "@permit > chứng chỉ hành nghề tu bổ di tích"),
    _field("Sở hữu trí tuệ", "BKHCN", 2, "@register > nhãn hiệu|sáng chế|kiểu dáng công nghiệp"),
    _field(
        "Viễn thông và Internet",
        "BKHCN",
        1,
        "@permit > giấy phép cung cấp dịch vụ viễn thông|giấy phép sử dụng tần số vô tuyến điện",
    ),
    _field(
        "Giáo dục và đào tạo",
        "BGDDT",
        3,
        "Thành lập|Cho phép hoạt động|Giải thể > trường mầm non|trường tiểu học|trường trung học cơ sở",
        "Thành lập|Cho phép hoạt động|Giải thể > trung tâm ngoại ngữ, tin học",
    ),
    _field(
        "Văn bằng, chứng chỉ",
        "BGDDT",
        2,
        "Công nhận > văn bằng do cơ sở giáo dục nước ngoài cấp",
        "Chỉnh sửa nội dung|Cấp bản sao > văn bằng, chứng chỉ|bằng tốt nghiệp trung học phổ thông",
    ),
    _field(
        "Khám bệnh, chữa bệnh",
        "BYT",
        3,
        "@permit > giấy phép hành nghề khám bệnh, chữa bệnh|giấy phép hoạt động khám bệnh, chữa bệnh",
    ),
    _field(
        "Dược phẩm",
        "BYT",
        3,
        "@permit > chứng chỉ hành nghề dược|giấy chứng nhận đủ điều kiện kinh doanh dược",
    ),
    _field(
        "An toàn thực phẩm",
        "BYT",
        2,
        "Cấp|Cấp lại > giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm",
        "Đăng ký > bản công bố sản phẩm",
    ),
    _field(
        "Bảo trợ xã hội",
        "BYT",
        2,
        "Xét hưởng|Điều chỉnh mức|Thôi hưởng > trợ cấp xã hội hằng tháng|hỗ trợ kinh phí chăm sóc",
        "Xét hưởng > trợ giúp xã hội khẩn cấp",
    ),
    _field(
        "Việc làm",
        "BNV",
        2,
        "Giải quyết hưởng|Tạm dừng hưởng|Chuyển nơi hưởng > trợ cấp thất nghiệp",
        "@permit > giấy phép lao động cho người nước ngoài",
    ),
    _field(
        "Người có công",
        "BNV",
        2,
        "Công nhận|Giải quyết chế độ|Di chuyển hồ sơ > thương binh|người hoạt động kháng chiến",
        "Giải quyết chế độ > thân nhân liệt sĩ",
    ),
    _field(
        "Thi đua, khen thưởng",
        "BNV",
        1,
        "Tặng|Đề nghị tặng > Bằng khen|Huân chương Lao động|danh hiệu Chiến sĩ thi đua",
    ),
    _field(
        "Lãnh sự",
        "BNG",
        1,
        "Chứng nhận lãnh sự|Hợp pháp hóa lãnh sự > giấy tờ, tài liệu|giấy tờ hộ tịch",
        "Cấp|Cấp lại > hộ chiếu ngoại giao|hộ chiếu công vụ",
    ),
    _field(
        "Nghĩa vụ quân sự", "BQP", 1, "Đăng ký|Đăng ký bổ sung|Tạm hoãn > nghĩa vụ quân sự|quân nhân dự bị"
    ),
    _field(
        "Tín ngưỡng, tôn giáo",
        "BDTTG",
        1,
        "Đăng ký > sinh hoạt tôn giáo tập trung",
        "Thông báo|Đề nghị tổ chức > lễ hội tín ngưỡng|cuộc lễ ngoài cơ sở tôn giáo",
    ),
    _field(
        "Hoạt động ngân hàng",
        "NHNN",
        1,
        "@permit > giấy phép hoạt động trung gian thanh toán|giấy phép kinh doanh vàng miếng",
        "Đăng ký|Đăng ký thay đổi > khoản vay nước ngoài",
    ),
    _field("Khiếu nại, tố cáo", "TTCP", 1, "Giải quyết > khiếu nại lần đầu|khiếu nại lần hai|tố cáo"),
    _field(
        "Kiểm soát thủ tục hành chính",
        "VPCP",
        1,
        "Tiếp nhận, xử lý > phản ánh, kiến nghị về quy định hành chính",
    ),
)
"""The 44 fields; each name and each ministry code is checked when the catalogue is generated."""
