"""One error shape for the API: RFC 9457 problem details, in the caller's language (Vietnamese by default).

Every 4xx answer of /api/ is `application/problem+json`:

    {"type": "https://tdkt.example/errors/<code>", "title": "…", "status": 409, "detail": "…",
     "code": "<code>", "errors": {"<field>": ["…"]}}

`errors` is present only when input was refused (400), and then always an object of field name → messages
(`non_field_errors` for what concerns the whole input); a refused batch (409) lists each refused object under
`objects`. `code` is stable (clients switch on it); `type` is the same code as a URI; `title` names the kind of
problem, `detail` says what happened to this request. docs/api.md lists the codes.

DRF ships only a handful of Vietnamese messages ("This field is required." and "Invalid pk … - object does not
exist." come out in English), so `vietnamese()` rewrites DRF's English messages into Vietnamese, keeping the
values DRF filled in (the maximum length, the unknown id), while the request is answered in Vietnamese
(workflows/language.py decides: an API client gets English only when its Accept-Language asks for it).
"""

from __future__ import annotations

import re

from django.utils import translation
from django.utils.translation import gettext as _

TYPE_BASE = "https://tdkt.example/errors/"
MEDIA_TYPE = "application/problem+json"


def titles() -> dict[str, str]:
    """{code: title} for the codes this product sends itself (in the active language)."""
    return {
        "invalid": _("Dữ liệu gửi lên không hợp lệ"),
        "parse_error": _("Không đọc được nội dung yêu cầu"),
        "not_authenticated": _("Chưa xác thực"),
        "authentication_failed": _("Xác thực không thành công"),
        "token_expired": _("Mã truy cập đã hết hạn"),
        "token_revoked": _("Mã truy cập đã bị thu hồi"),
        "permission_denied": _("Không có thẩm quyền"),
        "not_found": _("Không tìm thấy"),
        "transition_not_found": _("Không có thao tác này"),
        "transition_not_allowed": _("Trạng thái hiện tại không cho phép thao tác này"),
        "batch_refused": _("Thao tác hàng loạt bị từ chối"),
        "method_not_allowed": _("Phương thức không được hỗ trợ"),
        "not_acceptable": _("Không có định dạng trả lời phù hợp"),
        "unsupported_media_type": _("Định dạng nội dung không được hỗ trợ"),
        "throttled": _("Quá nhiều yêu cầu"),
        "no_token": _("Thiếu mã truy cập"),
        "read_only": _("Kiểm tra viên chỉ được xem"),
        "request_too_large": _("Nội dung quá lớn"),
        "locked_out": _("Tạm thời bị khóa đăng nhập"),
        "stale_version": _("Dữ liệu đã thay đổi từ lúc bạn đọc"),
        "checkpoint_refused": _("Không ký được điểm kiểm chứng"),
    }


def status_title(status: int) -> str:
    return {
        400: _("Yêu cầu không hợp lệ"),
        401: _("Chưa xác thực"),
        403: _("Không có thẩm quyền"),
        404: _("Không tìm thấy"),
        405: _("Phương thức không được hỗ trợ"),
        409: _("Xung đột trạng thái"),
        413: _("Nội dung quá lớn"),
        415: _("Định dạng nội dung không được hỗ trợ"),
        429: _("Quá nhiều yêu cầu"),
    }.get(status, _("Yêu cầu không thực hiện được"))


def problem(status: int, code: str, detail: str, *, errors: dict | None = None, **extra) -> dict:
    """The problem-details body for one refusal."""
    body = {
        "type": TYPE_BASE + code.replace("_", "-"),
        "title": titles().get(code) or status_title(status),
        "status": status,
        "detail": str(detail),
        "code": code,
    }
    if errors is not None:
        body["errors"] = errors
    body.update(extra)
    return body


# -- DRF's own messages in Vietnamese -------------------------------------------------------------------------
#: DRF's English templates (rest_framework 3.x, fields, relations, serializers, validators, exceptions,
#: authentication) and their Vietnamese wording; {name} is the value DRF formatted in.
DRF_VIETNAMESE = {
    "This field is required.": "Trường này là bắt buộc.",
    "This field may not be null.": "Trường này không được để trống (null).",
    "This field may not be blank.": "Trường này không được bỏ trống.",
    "Invalid value.": "Giá trị không hợp lệ.",
    "Not a valid string.": "Không phải là một chuỗi hợp lệ.",
    "Must be a valid boolean.": "Phải là giá trị đúng/sai (true/false) hợp lệ.",
    "Ensure this field has no more than {max_length} characters.": "Trường này không được quá {max_length} ký tự.",
    "Ensure this field has at least {min_length} characters.": "Trường này phải có ít nhất {min_length} ký tự.",
    "Ensure this field has no more than {max_length} elements.": "Trường này không được quá {max_length} phần tử.",
    "Ensure this field has at least {min_length} elements.": "Trường này phải có ít nhất {min_length} phần tử.",
    "Enter a valid email address.": "Nhập một địa chỉ thư điện tử hợp lệ.",
    "This value does not match the required pattern.": "Giá trị này không đúng mẫu yêu cầu.",
    'Enter a valid "slug" consisting of letters, numbers, underscores or hyphens.': (
        "Nhập một mã hợp lệ chỉ gồm chữ cái, chữ số, dấu gạch dưới hoặc gạch ngang."
    ),
    'Enter a valid "slug" consisting of Unicode letters, numbers, underscores, or hyphens.': (
        "Nhập một mã hợp lệ chỉ gồm chữ cái, chữ số, dấu gạch dưới hoặc gạch ngang."
    ),
    "Enter a valid URL.": "Nhập một địa chỉ URL hợp lệ.",
    "Must be a valid UUID.": "Phải là một UUID hợp lệ.",
    "Enter a valid IPv4 or IPv6 address.": "Nhập một địa chỉ IPv4 hoặc IPv6 hợp lệ.",
    "A valid integer is required.": "Cần một số nguyên hợp lệ.",
    "A valid number is required.": "Cần một số hợp lệ.",
    "Ensure this value is less than or equal to {max_value}.": "Giá trị này phải nhỏ hơn hoặc bằng {max_value}.",
    "Ensure this value is greater than or equal to {min_value}.": "Giá trị này phải lớn hơn hoặc bằng {min_value}.",
    "String value too large.": "Chuỗi số quá lớn.",
    "Ensure that there are no more than {max_digits} digits in total.": "Số này không được quá {max_digits} chữ số.",
    "Ensure that there are no more than {max_decimal_places} decimal places.": (
        "Số này không được quá {max_decimal_places} chữ số thập phân."
    ),
    "Ensure that there are no more than {max_whole_digits} digits before the decimal point.": (
        "Số này không được quá {max_whole_digits} chữ số phần nguyên."
    ),
    "Datetime has wrong format. Use one of these formats instead: {format}.": (
        "Ngày giờ sai định dạng. Dùng một trong các định dạng: {format}."
    ),
    "Expected a datetime but got a date.": "Cần ngày giờ nhưng chỉ nhận được ngày.",
    'Invalid datetime for the timezone "{timezone}".': "Ngày giờ không hợp lệ ở múi giờ «{timezone}».",
    "Datetime value out of range.": "Ngày giờ nằm ngoài khoảng cho phép.",
    "Date has wrong format. Use one of these formats instead: {format}.": (
        "Ngày sai định dạng. Dùng một trong các định dạng: {format}."
    ),
    "Expected a date but got a datetime.": "Cần ngày nhưng nhận được ngày giờ.",
    "Time has wrong format. Use one of these formats instead: {format}.": (
        "Giờ sai định dạng. Dùng một trong các định dạng: {format}."
    ),
    "Duration has wrong format. Use one of these formats instead: {format}.": (
        "Khoảng thời gian sai định dạng. Dùng một trong các định dạng: {format}."
    ),
    '"{input}" is not a valid choice.': "«{input}» không phải là một lựa chọn hợp lệ.",
    '"{input}" is not a valid path choice.': "«{input}» không phải là một đường dẫn hợp lệ.",
    'Expected a list of items but got type "{input_type}".': "Cần một danh sách nhưng nhận được kiểu «{input_type}».",
    "This selection may not be empty.": "Phải chọn ít nhất một mục.",
    "No file was submitted.": "Chưa gửi tệp nào.",
    "The submitted data was not a file. Check the encoding type on the form.": (
        "Dữ liệu gửi lên không phải là tệp. Hãy kiểm tra kiểu mã hóa của biểu mẫu (multipart/form-data)."
    ),
    "No filename could be determined.": "Không xác định được tên tệp.",
    "The submitted file is empty.": "Tệp gửi lên rỗng.",
    "Ensure this filename has at most {max_length} characters (it has {length}).": (
        "Tên tệp không được quá {max_length} ký tự (hiện có {length})."
    ),
    "Upload a valid image. The file you uploaded was either not an image or a corrupted image.": (
        "Hãy tải lên một ảnh hợp lệ: tệp đã gửi không phải ảnh hoặc đã hỏng."
    ),
    "This list may not be empty.": "Danh sách này không được rỗng.",
    'Expected a dictionary of items but got type "{input_type}".': "Cần một đối tượng nhưng nhận được kiểu «{input_type}».",
    "This dictionary may not be empty.": "Đối tượng này không được rỗng.",
    "Value must be valid JSON.": "Giá trị phải là JSON hợp lệ.",
    'Invalid pk "{pk_value}" - object does not exist.': "Mã «{pk_value}» không hợp lệ: không có đối tượng này.",
    "Incorrect type. Expected pk value, received {data_type}.": "Sai kiểu: cần một mã (số), nhận được {data_type}.",
    "Invalid hyperlink - No URL match.": "Liên kết không hợp lệ: không khớp địa chỉ nào.",
    "Invalid hyperlink - Incorrect URL match.": "Liên kết không hợp lệ: khớp sai địa chỉ.",
    "Invalid hyperlink - Object does not exist.": "Liên kết không hợp lệ: không có đối tượng này.",
    "Incorrect type. Expected URL string, received {data_type}.": "Sai kiểu: cần một địa chỉ URL, nhận được {data_type}.",
    "Object with {slug_name}={value} does not exist.": "Không có đối tượng có {slug_name}={value}.",
    "Invalid data. Expected a dictionary, but got {datatype}.": "Dữ liệu không hợp lệ: cần một đối tượng, nhận được {datatype}.",
    "No items to select.": "Không có mục nào để chọn.",
    "This field must be unique.": "Giá trị này đã có, phải là duy nhất.",
    "The fields {field_names} must make a unique set.": "Bộ giá trị của {field_names} đã có, phải là duy nhất.",
    'This field must be unique for the "{date_field}" date.': "Giá trị này phải là duy nhất trong ngày «{date_field}».",
    'This field must be unique for the "{date_field}" month.': "Giá trị này phải là duy nhất trong tháng «{date_field}».",
    'This field must be unique for the "{date_field}" year.': "Giá trị này phải là duy nhất trong năm «{date_field}».",
    "Surrogate characters are not allowed: U+{code_point:X}.": "Không được dùng ký tự thay thế (surrogate): U+{code_point}.",
    "Invalid input.": "Dữ liệu không hợp lệ.",
    "Malformed request.": "Yêu cầu sai định dạng.",
    "Incorrect authentication credentials.": "Thông tin xác thực không đúng.",
    "Authentication credentials were not provided.": "Chưa gửi thông tin xác thực.",
    "You do not have permission to perform this action.": "Bạn không có quyền thực hiện thao tác này.",
    "Not found.": "Không tìm thấy.",
    'Method "{method}" not allowed.': "Không hỗ trợ phương thức «{method}».",
    "Could not satisfy the request Accept header.": "Không trả lời được theo định dạng mà tiêu đề Accept yêu cầu.",
    'Unsupported media type "{media_type}" in request.': "Không hỗ trợ định dạng nội dung «{media_type}».",
    "Request was throttled.": "Yêu cầu bị giới hạn tần suất.",
    "Expected available in {wait} second.": "Hãy thử lại sau {wait} giây.",
    "Expected available in {wait} seconds.": "Hãy thử lại sau {wait} giây.",
    "Invalid token.": "Mã truy cập không hợp lệ.",
    "Invalid page.": "Trang không hợp lệ.",
    "Invalid cursor": "Con trỏ phân trang không hợp lệ.",
    "Invalid version in URL path.": "Phiên bản trong đường dẫn không hợp lệ.",
    "Invalid version in query parameter.": "Phiên bản trong tham số truy vấn không hợp lệ.",
    'Invalid version in "Accept" header.': "Phiên bản trong tiêu đề Accept không hợp lệ.",
}


def _pattern(template: str) -> re.Pattern:
    parts = re.split(r"(\{[a-z_]+(?::[^}]*)?\})", template)
    regex = "".join(
        f"(?P<{part[1:-1].split(':')[0]}>.+?)" if part.startswith("{") else re.escape(part) for part in parts
    )
    return re.compile(f"^{regex}$", re.DOTALL)


_PATTERNS = [(_pattern(english), vietnamese) for english, vietnamese in DRF_VIETNAMESE.items()]
#: DRF joins these two (Throttled: "Request was throttled. Expected available in 5 seconds.").
_SENTENCE = re.compile(r"(?<=\.) (?=[A-Z])")


def vietnamese(message: str) -> str:
    """DRF's English message in Vietnamese (the values it carries kept); any other message unchanged."""
    text = str(message)
    for pattern, template in _PATTERNS:
        match = pattern.match(text)
        if match:
            return template.format(**match.groupdict())
    sentences = _SENTENCE.split(text)
    if len(sentences) > 1:
        translated = [vietnamese(sentence) for sentence in sentences]
        if translated != sentences:
            return " ".join(translated)
    return text


def localise(message) -> str:
    """A message as the caller reads it: Vietnamese unless the request is answered in another language."""
    if (translation.get_language() or "vi").split("-")[0] == "vi":
        return vietnamese(message)
    return str(message)


def field_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested validation detail ({field: [..]}, lists of such for many=True, nested serializers) as one
    flat {field: [messages]}: a nested field is "parent.child", a list entry "lines.0.amount"."""
    flat: dict[str, list[str]] = {}

    def walk(value, path):
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, f"{path}.{key}" if path else str(key))
        elif isinstance(value, list | tuple):
            if all(not isinstance(item, dict | list | tuple) for item in value):
                flat.setdefault(path or "non_field_errors", []).extend(localise(item) for item in value)
            else:
                for index, item in enumerate(value):
                    if item:
                        walk(item, f"{path}.{index}" if path else str(index))
        else:
            flat.setdefault(path or "non_field_errors", []).append(localise(value))

    walk(detail, prefix)
    return flat
