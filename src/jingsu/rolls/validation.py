"""Field validators for the arrears roll (체납 자료), as specified in docs/formats/roll.md.

Every validator is a pure function: it takes the raw cell value (``str`` from CSV; ``str``, ``int``, ``float``,
``datetime`` or ``None`` from XLSX) and returns a normalised value, or raises :class:`FieldError` whose message
says in Korean what is wrong. The messages never contain a full registration number: they either say nothing
about the number or show it masked (:func:`mask_registration_number`).

Blank handling: validators for required values raise on a blank cell ("값이 비어 있습니다"); the importer decides
which columns may be blank (``required`` in :data:`HEADERS`) and uses :func:`is_blank` before calling a validator
for an optional column. ``yes_no``, ``mobile`` and ``postal_code`` accept a blank themselves.

No Django here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from operator import mul
from typing import Any, Literal

from jingsu.korean import josa, particle
from jingsu.law.errors import NoRuleForDate
from jingsu.law.params import NATIONAL
from jingsu.law.resident_individual_tax import base_date as resident_individual_base_date
from jingsu.law.tax_items import TAX_ITEMS


class FieldError(ValueError):
    """A cell value that does not satisfy the roll format. ``message`` is Korean and safe to show (no raw RRN)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --------------------------------------------------------------------------------------------------------------
# Column specification
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Column:
    header: str  # Korean header as written in the file
    key: str  # code name (glossary)
    required: bool


#: The roll columns in the documented order (roll.md "열"). The importer finds columns by header; the generator
#: writes them in this order.
HEADERS: tuple[Column, ...] = (
    Column("자치단체코드", "jurisdiction", True),
    Column("과세번호", "tax_number", True),
    Column("납세자구분", "taxpayer_kind", True),
    Column("성명", "name", True),
    Column("등록번호", "registration_number", True),
    Column("주소", "address", True),
    Column("우편번호", "postal_code", False),
    Column("휴대전화", "mobile", False),
    Column("전자송달신청", "e_service", False),
    Column("수신거부", "opt_out", False),
    Column("세목코드", "tax_item", True),
    Column("과세연도", "tax_year", True),
    Column("기분", "period", False),
    Column("과세대상", "tax_object", False),
    Column("본세", "principal", True),
    Column("지방교육세", "education_tax", False),
    Column("도시지역분", "urban_area_tax", False),
    Column("납세의무성립일", "liability_date", False),
    Column("납기", "original_due_date", True),
    Column("납부기한", "due_date", False),
    Column("신고구분", "assessment", False),
    Column("상태", "status", False),
)

HEADER_NAMES: tuple[str, ...] = tuple(c.header for c in HEADERS)
COLUMN_BY_HEADER: dict[str, Column] = {c.header: c for c in HEADERS}


# --------------------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------------------


def is_blank(raw: Any) -> bool:
    """True for ``None`` and for strings that are empty after stripping spaces."""
    return raw is None or (isinstance(raw, str) and raw.strip() == "")


def _text(raw: Any, what: str) -> str:
    """The stripped text of a cell; ints are turned into their decimal text. Blank → FieldError."""
    if is_blank(raw):
        raise FieldError(f"{what}: 값이 비어 있습니다")
    if isinstance(raw, bool):
        raise FieldError(f"{what}: 참/거짓 값은 쓸 수 없습니다")
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, float):
        if raw.is_integer():
            return str(int(raw))
        raise FieldError(f"{what}: 숫자 형식이 올바르지 않습니다: {raw}")
    if isinstance(raw, str):
        return raw.strip()
    raise FieldError(f"{what}: 알 수 없는 값의 형식입니다 ({type(raw).__name__})")


_DIGITS = re.compile(r"[0-9]+")


def _is_digits(s: str) -> bool:
    # str.isdigit() accepts non-ASCII digits (e.g. '١', '²'); the roll takes ASCII digits only.
    return _DIGITS.fullmatch(s) is not None


# --------------------------------------------------------------------------------------------------------------
# Registration numbers
# --------------------------------------------------------------------------------------------------------------

TaxpayerKind = Literal["개인", "법인", "외국인"]

#: Korean taxpayer kind → code name.
TAXPAYER_KINDS: dict[str, str] = {"개인": "individual", "법인": "corporation", "외국인": "foreigner"}
_KIND_FROM_KEY = {v: k for k, v in TAXPAYER_KINDS.items()}

#: 7th digit of a 주민등록번호 → century of birth.
RRN_CENTURY: dict[int, int] = {9: 1800, 0: 1800, 1: 1900, 2: 1900, 3: 2000, 4: 2000}
#: 7th digit of a 외국인등록번호 → century of birth.
FRN_CENTURY: dict[int, int] = {5: 1900, 6: 1900, 7: 2000, 8: 2000}

#: Numbers issued (birth, naturalisation, change of number) from 2020-10-05 have random digits after the 7th and no
#: check digit. roll.md verifies the check digit for births before this date.
RRN_CHECK_DIGIT_BIRTHS_BEFORE = date(2020, 10, 1)

_RRN_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
_BRN_WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)
_RRN_ASCII_ZERO = 48 * sum(_RRN_WEIGHTS)


def rrn_check_digit(first12: str) -> int:
    """Check digit of a 주민등록번호 issued before 2020-10-05.

    Weights 2,3,4,5,6,7,8,9,2,3,4,5 on the first 12 digits; check = (11 − sum mod 11) mod 10.
    Source: the rule used since the 1975 numbering (주민등록번호 조립부); described e.g. in 리브레 위키
    "주민등록번호" (구조 — 검증부호) and implemented identically in many public validators.
    """
    if len(first12) != 12:
        raise ValueError("12 digits expected")
    # sum((c - 48) * w) over the ASCII codes = sum(c * w) − 48 · sum(w): one C-level pass (the generator's hot path)
    total = sum(map(mul, first12.encode("ascii"), _RRN_WEIGHTS)) - _RRN_ASCII_ZERO
    return (11 - total % 11) % 10


def brn_check_digit(first9: str) -> int:
    """Check digit of a 사업자등록번호 (국세청).

    Weights 1,3,7,1,3,7,1,3,5 on the first 9 digits, plus ⌊9th digit × 5 / 10⌋; check = (10 − sum mod 10) mod 10.
    This is the published 국세청 rule as implemented by public validators (e.g. the KBRN library
    realrains/kbrn ``ChecksumUtils``, hansonkim/CorporateRegistrationNumberValidator).
    """
    digits = [int(d) for d in first9]
    total = sum(d * w for d, w in zip(digits, _BRN_WEIGHTS, strict=True)) + (digits[8] * 5) // 10
    return (10 - total % 10) % 10


def _plain_number(length: int, hyphen_at: tuple[int, ...]) -> re.Pattern[str]:
    """The two ways a number is usually written: all digits, or hyphens at every usual place (``850101-1234566``,
    ``123-45-67891``)."""
    groups = [b - a for a, b in zip((0, *hyphen_at), (*hyphen_at, length), strict=True)]
    return re.compile(f"[0-9]{{{length}}}|" + "-".join(f"[0-9]{{{n}}}" for n in groups))


_PLAIN_NUMBERS: dict[tuple[int, tuple[int, ...]], re.Pattern[str]] = {
    (13, (6,)): _plain_number(13, (6,)),
    (10, (3, 5)): _plain_number(10, (3, 5)),
}


def _digits_of_number(raw: Any, length: int, hyphen_at: tuple[int, ...], what: str) -> str:
    """Digits of a registration number written with or without hyphens at the usual places."""
    plain = _PLAIN_NUMBERS.get((length, hyphen_at))
    if type(raw) is str and plain is not None and plain.fullmatch(raw):
        return raw.replace("-", "")  # the fast path: what the general path below gives for these strings
    if isinstance(raw, bool):
        raise FieldError(f"{what}: 참/거짓 값은 쓸 수 없습니다")
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        # A number cell: a leading 0 (births 2000–2009 and 1800s, many 사업자등록번호) is lost; never guess it.
        if isinstance(raw, float) and not raw.is_integer():
            raise FieldError(f"{josa(what, '은')} 숫자 {length}자리여야 합니다")
        text = str(int(raw))
        if len(text) != length:
            raise FieldError(
                f"{josa(what, '이')} 숫자 셀로 저장되어 {len(text)}자리입니다 (앞자리 0이 사라졌을 수 있습니다). "
                "텍스트 셀로 입력하세요"
            )
        return text
    s = _text(raw, what).replace(" ", "")
    if "-" in s:
        parts = s.split("-")
        expected = [b - a for a, b in zip((0, *hyphen_at), (*hyphen_at, length), strict=True)]
        if sum(map(len, parts)) == length and [len(p) for p in parts] != expected:
            pattern = "-".join("0" * n for n in expected)
            raise FieldError(f"{what}의 하이픈 위치가 올바르지 않습니다 ({pattern} 형식)")
        s = "".join(parts)
    if not _is_digits(s):
        raise FieldError(f"{what}에 숫자와 하이픈 이외의 문자가 있습니다")
    if len(s) != length:
        raise FieldError(f"{josa(what, '은')} 숫자 {length}자리여야 합니다 (지금 {len(s)}자리)")
    return s


def _birth_date(digits: str, century: int, what: str, today: date | None) -> date:
    try:
        born = date(century + int(digits[0:2]), int(digits[2:4]), int(digits[4:6]))
    except ValueError:
        raise FieldError(f"{what} 앞 6자리가 존재하지 않는 생년월일입니다") from None
    if today is not None and born > today:
        raise FieldError(f"{what}의 생년월일이 미래입니다")
    return born


def registration_number(
    kind: str, raw: Any, *, today: date | None = None, verify_check_digit: bool = True
) -> str:
    """The digits (13 or 10, no hyphens) of a valid 등록번호 for the taxpayer kind; FieldError otherwise.

    ``kind`` is 개인/법인/외국인 (or the code names individual/corporation/foreigner).

    - 개인 — 주민등록번호: 13 digits; digits 1–6 a real birth date YYMMDD; the 7th digit 9/0 (1800s), 1/2 (1900s)
      or 3/4 (2000s). The check digit (:func:`rrn_check_digit`) is verified only for births before 2020-10-01.
      Source for the cut: 행정안전부 주민등록번호 부여체계 개편 (주민등록법 시행규칙 제2조, from 2020-10-05: "성별 뒤 여섯 자리가
      임의번호", for 신규부여자 and 번호변경자 only) — 기획재정부 「이렇게 달라집니다」 2020 하반기; 동아일보 2019-12-18.
      Caveat (see roll.md): a number changed or first issued (귀화, 국적 취득) from 2020-10-05 has no check digit
      whatever the birth date; ``verify_check_digit=False`` skips the check for such a case.
    - 외국인 — 외국인등록번호: 13 digits; a real birth date; the 7th digit 5/6 (1900s) or 7/8 (2000s). No check digit.
    - 법인 — 사업자등록번호: 10 digits with the 국세청 check digit (:func:`brn_check_digit`).

    ``today`` (optional) also rejects a birth date in the future.
    """
    kind = _KIND_FROM_KEY.get(kind, kind)
    if kind == "개인":
        what = "주민등록번호"
        d = _digits_of_number(raw, 13, (6,), what)
        g = int(d[6])
        if g not in RRN_CENTURY:
            if g in FRN_CENTURY:
                raise FieldError(
                    "주민등록번호 뒷자리 첫 숫자가 5–8이면 외국인등록번호입니다 (납세자구분을 '외국인'으로 하세요)"
                )
            raise FieldError(f"{what} 뒷자리 첫 숫자(성별·세기)가 올바르지 않습니다")
        born = _birth_date(d, RRN_CENTURY[g], what, today)
        if (
            verify_check_digit
            and born < RRN_CHECK_DIGIT_BIRTHS_BEFORE
            and int(d[12]) != rrn_check_digit(d[:12])
        ):
            raise FieldError(f"{what} 검증번호가 맞지 않습니다")
        return d
    if kind == "외국인":
        what = "외국인등록번호"
        d = _digits_of_number(raw, 13, (6,), what)
        g = int(d[6])
        if g not in FRN_CENTURY:
            if g in RRN_CENTURY:
                raise FieldError(
                    "외국인등록번호 뒷자리 첫 숫자는 5–8이어야 합니다 (주민등록번호라면 납세자구분을 '개인'으로 하세요)"
                )
            raise FieldError(f"{what} 뒷자리 첫 숫자(성별·세기)가 올바르지 않습니다")
        _birth_date(d, FRN_CENTURY[g], what, today)
        return d
    if kind == "법인":
        what = "사업자등록번호"
        d = _digits_of_number(raw, 10, (3, 5), what)
        if int(d[9]) != brn_check_digit(d[:9]):
            raise FieldError(f"{what} 검증번호가 맞지 않습니다")
        return d
    raise FieldError(f"납세자구분이 올바르지 않아 등록번호를 검증할 수 없습니다: {kind!r}")


def mask_registration_number(digits: Any) -> str:
    """A registration number safe for error reports and screens.

    - 13 digits (주민·외국인등록번호): birth date and the 7th digit shown, the rest masked: ``900101-1******``.
    - 10 digits (사업자등록번호): ``123-45-*****``. A 사업자등록번호 of a 법인 is not personal data of a natural
      person, but 개인사업자 use the same numbers, so the serial and check digit are masked in reports anyway.
    - Anything else (an invalid number in an error report): at most the first 6 digits shown, every other digit
      masked, other characters dropped; never the whole input.
    """
    s = "" if digits is None else str(digits)
    d = "".join(ch for ch in s if ch in "0123456789")
    if len(d) == 13:
        return f"{d[:6]}-{d[6]}******"
    if len(d) == 10:
        return f"{d[:3]}-{d[3:5]}-*****"
    if len(d) > 7:
        return f"{d[:6]}-{'*' * (len(d) - 6)}"
    return "*" * len(d)


# --------------------------------------------------------------------------------------------------------------
# Amounts and dates
# --------------------------------------------------------------------------------------------------------------

#: Upper bound for an amount in won (1,000조 원): a typo guard, far above any real levy.
MAX_AMOUNT = 10**15
_AMOUNT_GROUPED = re.compile(r"[0-9]{1,3}(,[0-9]{3})+")


def amount(raw: Any) -> int:
    """A non-negative whole amount in won.

    Accepts an int, an integral float (XLSX numbers are floats) and text of ASCII digits, optionally with
    thousands separators in the right places (``1,234,560``). Rejects signs, decimal points, currency text,
    spaces inside, non-integral floats and booleans.
    """
    what = "금액"
    if is_blank(raw):
        raise FieldError(f"{what}: 값이 비어 있습니다")
    if isinstance(raw, bool):
        raise FieldError(f"{what}: 참/거짓 값은 쓸 수 없습니다")
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")):
            raise FieldError(f"{josa(what, '이')} 숫자가 아닙니다")
        if not raw.is_integer():
            raise FieldError(f"{josa(what, '은')} 원 단위 정수여야 합니다 (소수점 불가): {raw}")
        if abs(raw) >= 2**53:
            raise FieldError(f"{josa(what, '이')} 너무 커서 숫자 셀로는 정확히 표현되지 않습니다; 텍스트로 입력하세요")
        value = int(raw)
    elif isinstance(raw, str):
        s = raw.strip()
        if s.startswith(("-", "−", "+", "(")):
            raise FieldError(f"{what}에 부호를 쓸 수 없습니다 (0 이상 정수): {s}")
        if "." in s:
            raise FieldError(f"{josa(what, '은')} 원 단위 정수여야 합니다 (소수점 불가): {s}")
        if _is_digits(s):
            value = int(s)
        elif _AMOUNT_GROUPED.fullmatch(s):
            value = int(s.replace(",", ""))
        elif "," in s and re.fullmatch(r"[0-9,]+", s):
            raise FieldError(f"{what}의 천 단위 구분 쉼표 위치가 올바르지 않습니다: {s}")
        else:
            raise FieldError(f"{josa(what, '은')} 숫자(천 단위 쉼표 허용)만 쓸 수 있습니다: {s}")
    else:
        raise FieldError(f"{what}: 알 수 없는 값의 형식입니다 ({type(raw).__name__})")
    if value < 0:
        raise FieldError(f"{josa(what, '은')} 0 이상이어야 합니다: {value}")
    if value >= MAX_AMOUNT:
        raise FieldError(f"{josa(what, '이')} 너무 큽니다: {value}")
    return value


_DATE_SEP = re.compile(r"([0-9]{4})([-.])([0-9]{1,2})\2([0-9]{1,2})\.?")
_DATE_COMPACT = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")


def date_value(raw: Any) -> date:
    """A real calendar date.

    Text: ``YYYY-MM-DD``, ``YYYY.MM.DD`` (month and day may have one digit; a trailing dot is allowed) or
    ``YYYYMMDD``; an XLSX date cell (``datetime`` at midnight or ``date``); an 8-digit number cell read as YYYYMMDD.
    An impossible date (``2023-02-29``) is an error naming the date.
    """
    what = "날짜"
    if is_blank(raw):
        raise FieldError(f"{what}: 값이 비어 있습니다")
    if isinstance(raw, datetime):
        if (raw.hour, raw.minute, raw.second, raw.microsecond) != (0, 0, 0, 0):
            raise FieldError(f"날짜에 시각이 들어 있습니다: {raw.isoformat(sep=' ')}")
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, bool):
        raise FieldError(f"{what}: 참/거짓 값은 쓸 수 없습니다")
    if isinstance(raw, (int, float)):
        if isinstance(raw, float) and not raw.is_integer():
            raise FieldError(f"날짜 형식이 아닙니다: {raw}")
        s = str(int(raw))
        if len(s) != 8:
            raise FieldError(f"날짜 형식이 아닙니다 (숫자 셀은 YYYYMMDD 8자리만 읽습니다): {s}")
    elif isinstance(raw, str):
        s = raw.strip()
    else:
        raise FieldError(f"{what}: 알 수 없는 값의 형식입니다 ({type(raw).__name__})")
    m = _DATE_SEP.fullmatch(s) or _DATE_COMPACT.fullmatch(s)
    if m is None:
        raise FieldError(f"날짜 형식이 아닙니다 (YYYY-MM-DD, YYYY.MM.DD, YYYYMMDD): {s}")
    groups = m.groups()
    y, mo, d = (
        (int(groups[0]), int(groups[2]), int(groups[3])) if len(groups) == 4 else tuple(map(int, groups))
    )
    try:
        return date(y, mo, d)
    except ValueError:
        raise FieldError(f"존재하지 않는 날짜입니다: {y:04d}-{mo:02d}-{d:02d}") from None


# --------------------------------------------------------------------------------------------------------------
# Small fields
# --------------------------------------------------------------------------------------------------------------


def yes_no(raw: Any, default: bool) -> bool:
    """``Y``/``N`` (any case) → True/False; blank → ``default``; an XLSX boolean cell is taken as is."""
    if is_blank(raw):
        return default
    if isinstance(raw, bool):
        return raw
    s = str(raw).strip().upper()
    if s == "Y":
        return True
    if s == "N":
        return False
    raise FieldError(f"Y 또는 N만 쓸 수 있습니다: {str(raw).strip()}")


_MOBILE_PREFIXES = ("010", "011", "016", "017", "018", "019")


def mobile(raw: Any) -> str | None:
    """A mobile number as digits (``01012345678``), or None for a blank cell.

    Hyphens and spaces are removed. It must start with 010/011/016/017/018/019 and have 10–11 digits; 010 numbers
    have 11. A number cell that lost its leading 0 (``1012345678``) is restored.
    """
    what = "휴대전화"
    if is_blank(raw):
        return None
    if isinstance(raw, bool):
        raise FieldError(f"{what}: 참/거짓 값은 쓸 수 없습니다")
    if isinstance(raw, (int, float)):
        if isinstance(raw, float) and not raw.is_integer():
            raise FieldError(f"{what} 번호 형식이 아닙니다")
        s = str(int(raw))
        if s.startswith("1") and len(s) in (9, 10):
            s = "0" + s
    else:
        s = str(raw).strip().replace("-", "").replace(" ", "")
    if not _is_digits(s):
        raise FieldError(f"{what} 번호에 숫자와 하이픈 이외의 문자가 있습니다")
    if not s.startswith("01"):
        raise FieldError(f"{what} 번호는 01로 시작해야 합니다")
    if not 10 <= len(s) <= 11:
        raise FieldError(f"{what} 번호는 10–11자리여야 합니다 (지금 {len(s)}자리)")
    if s[:3] not in _MOBILE_PREFIXES:
        raise FieldError(f"{what} 번호의 앞 3자리({s[:3]})는 휴대전화 식별번호가 아닙니다")
    if s.startswith("010") and len(s) != 11:
        raise FieldError(f"{what} 010 번호는 11자리여야 합니다")
    return s


def postal_code(raw: Any) -> str | None:
    """A 5-digit postal code (국가기초구역번호, since 2015-08-01), or None for a blank cell.

    A number cell that lost its leading 0 (서울 is 01xxx–08xxx) is padded back to 5 digits.
    The old 6-digit ``123-456`` form is rejected with its own message.
    """
    what = "우편번호"
    if is_blank(raw):
        return None
    if isinstance(raw, bool):
        raise FieldError(f"{what}: 참/거짓 값은 쓸 수 없습니다")
    if isinstance(raw, (int, float)):
        if (isinstance(raw, float) and not raw.is_integer()) or not 0 <= raw <= 99999:
            raise FieldError(f"{josa(what, '은')} 숫자 5자리여야 합니다")
        return f"{int(raw):05d}"
    s = str(raw).strip()
    if re.fullmatch(r"[0-9]{3}-?[0-9]{3}", s):
        raise FieldError(f"{what}: 옛 6자리 우편번호입니다. 5자리 우편번호(기초구역번호)를 쓰세요")
    if not re.fullmatch(r"[0-9]{5}", s):
        raise FieldError(f"{josa(what, '은')} 숫자 5자리여야 합니다: {s}")
    return s


def jurisdiction_code(raw: Any) -> str:
    """A 5-digit 행정표준코드 of a 지자체 (e.g. ``11260`` 중랑구). Whether it equals ``--jurisdiction`` is the
    importer's check."""
    s = _text(raw, "자치단체코드")
    if not re.fullmatch(r"[0-9]{5}", s):
        raise FieldError(f"자치단체코드는 숫자 5자리여야 합니다: {s}")
    return s


_TAX_NUMBER = re.compile(r"[A-Z0-9-]{1,40}")


def tax_number(raw: Any) -> str:
    """A 과세번호: 1–40 characters of upper-case Latin letters, digits and hyphens."""
    s = _text(raw, "과세번호")
    if len(s) > 40:
        raise FieldError(f"과세번호는 40자 이내여야 합니다 (지금 {len(s)}자)")
    if not _TAX_NUMBER.fullmatch(s):
        if _TAX_NUMBER.fullmatch(s.upper()):
            raise FieldError(f"과세번호에는 영문 대문자만 쓸 수 있습니다: {s}")
        raise FieldError(f"과세번호에는 영문 대문자·숫자·하이픈만 쓸 수 있습니다: {s}")
    return s


def tax_item_code(raw: Any) -> str:
    """A 세목코드 from :data:`jingsu.law.tax_items.TAX_ITEMS`."""
    s = _text(raw, "세목코드")
    if s not in TAX_ITEMS:
        raise FieldError(f"세목 코드표에 없는 세목코드입니다: {s}")
    return s


#: 세목 codes that exist only for some 과세연도 (roll.md code table; tax-rules.md §2.1).
TAX_ITEM_YEARS: dict[str, tuple[int, int]] = {"19": (2000, 2020), "20": (2010, 2013)}


def check_tax_item_year(code: str, year: int) -> None:
    """Cross-field check: 주민세(재산분) ends with 2020, 지방소득세(종업원분) is 2010–2013 only."""
    span = TAX_ITEM_YEARS.get(code)
    if span is not None and not span[0] <= year <= span[1]:
        name = TAX_ITEMS[code].name
        raise FieldError(f"{name}(세목코드 {code}){particle(name, '은')} {span[0]}–{span[1]} 과세연도에만 있습니다: {year}")


def tax_year(raw: Any, today: date) -> int:
    """A 4-digit 과세연도 with 2000 ≤ year ≤ today.year + 1."""
    s = _text(raw, "과세연도")
    if not re.fullmatch(r"[0-9]{4}", s):
        raise FieldError(f"과세연도는 4자리 연도여야 합니다: {s}")
    y = int(s)
    if not 2000 <= y <= today.year + 1:
        raise FieldError(f"과세연도는 2000년부터 {today.year + 1}년까지입니다: {y}")
    return y


def taxpayer_kind(raw: Any) -> str:
    """``개인``, ``법인`` or ``외국인`` (returned as written; :data:`TAXPAYER_KINDS` maps to code names)."""
    s = _text(raw, "납세자구분")
    if s not in TAXPAYER_KINDS:
        raise FieldError(f"납세자구분은 개인, 법인, 외국인 중 하나여야 합니다: {s}")
    return s


ASSESSMENTS: dict[str, str] = {"부과": "billed", "신고": "self-assessed"}
LEVY_STATUSES: dict[str, str] = {
    "정상": "normal",
    "징수유예": "deferred",
    "분할납부": "installment",
    "불복": "appeal",
}


def assessment(raw: Any) -> str:
    """신고구분: ``부과`` (보통징수; the default for a blank cell) → "billed", ``신고`` (신고납부) → "self-assessed"."""
    if is_blank(raw):
        return "billed"
    s = str(raw).strip()
    if s not in ASSESSMENTS:
        raise FieldError(f"신고구분은 부과 또는 신고여야 합니다: {s}")
    return ASSESSMENTS[s]


def levy_status(raw: Any) -> str:
    """상태: 정상 (default) → normal, 징수유예 → deferred, 분할납부 → installment, 불복 → appeal."""
    if is_blank(raw):
        return "normal"
    s = str(raw).strip()
    if s not in LEVY_STATUSES:
        raise FieldError(f"상태는 {', '.join(LEVY_STATUSES)} 중 하나여야 합니다: {s}")
    return LEVY_STATUSES[s]


def text_field(raw: Any, what: str, *, min_len: int, max_len: int) -> str:
    """Stripped text of ``min_len``–``max_len`` characters (성명 1–100, 주소 1–200, 기분 1–20, 과세대상 0–200)."""
    if type(raw) is str:  # the usual case, and what the general line below gives for a str
        s = raw.strip()
    else:
        s = "" if is_blank(raw) else _text(raw, what)
    if len(s) < min_len:
        raise FieldError(f"{what}: 값이 비어 있습니다")
    if len(s) > max_len:
        raise FieldError(f"{josa(what, '은')} {max_len}자 이내여야 합니다 (지금 {len(s)}자)")
    bad = _CONTROL.search(s)
    if bad is not None:
        raise FieldError(
            f"{what}에 제어 문자({control_name(bad.group())})가 있습니다: 보이지 않는 문자를 지우고 다시 올리세요"
        )
    return s


#: C0 controls (NUL, tab, CR/LF, ESC of ANSI sequences …), DEL and C1 controls, and the Unicode line/paragraph
#: separators: none belongs in a name, an address or a description, and NUL cannot even be stored by PostgreSQL.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_NAMES = {"\x00": "NUL", "\t": "탭", "\n": "줄바꿈 LF", "\r": "줄바꿈 CR", "\x1b": "ESC"}


def control_name(ch: str) -> str:
    """How a control character is named in an error: its usual name or its code point (U+001B)."""
    return _CONTROL_NAMES.get(ch, f"U+{ord(ch):04X}")


def default_liability_date(tax_item_code: str, tax_year: int, period: str | None) -> date | None:
    """납세의무성립일 when the column is empty (roll.md; 지방세기본법 제34조).

    재산세 (14): 6월 1일 (과세기준일). 자동차세 (15): 기분 정기1기 6월 1일, 정기2기 12월 1일 (the first day of the
    month of the 납기); any other 기분 → None. 주민세 개인분 (13): its 과세기준일 from the law
    (:func:`jingsu.law.resident_individual_tax.base_date`: 8월 1일 until 2018, 7월 1일 from 2019 — 지방세법 제79조②;
    None for a year the law files do not cover). 주민세 사업소분·재산분 (16, 19): 7월 1일 (과세기준일).
    Every other 세목 → None: the column is required for that row.
    """
    code = tax_item_code
    if code == "14":
        return date(tax_year, 6, 1)
    if code == "15":
        p = (period or "").strip()
        if p == "정기1기":
            return date(tax_year, 6, 1)
        if p == "정기2기":
            return date(tax_year, 12, 1)
        return None
    if code == "13":
        try:
            return resident_individual_base_date(NATIONAL, tax_year)
        except NoRuleForDate:
            return None
    if code in ("16", "19"):
        return date(tax_year, 7, 1)
    return None
