"""Roll field validators (docs/formats/roll.md). Test numbers are built by computing check digits."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jingsu.rolls import validation as v
from jingsu.rolls.validation import FieldError

TODAY = date(2026, 11, 23)


def rrn(first12: str) -> str:
    return first12 + str(v.rrn_check_digit(first12))


def brn(first9: str) -> str:
    return first9 + str(v.brn_check_digit(first9))


def bad_last(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 10)


def error(fn, *args, **kwargs) -> str:
    with pytest.raises(FieldError) as exc:
        fn(*args, **kwargs)
    return exc.value.message


# -- check-digit algorithms, by hand ------------------------------------------------------------------------------


def test_rrn_check_digit_worked_example():
    # 8·2+5·3+0·4+1·5+0·6+1·7+1·8+2·9+3·2+4·3+5·4+6·5 = 137; 137 mod 11 = 5; (11−5) mod 10 = 6
    assert v.rrn_check_digit("850101123456") == 6
    # sum ≡ 1 (mod 11) → 10 → 0; sum ≡ 0 → 11 → 1 (the "mod 10" step)
    for first12 in ("000000000000", "010000000000", "100000000000"):
        s = sum(int(d) * w for d, w in zip(first12, (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5), strict=True))
        assert v.rrn_check_digit(first12) == (11 - s % 11) % 10


def test_brn_check_digit_worked_example():
    # 1·1+2·3+4·7+1·1+2·3+3·7+4·1+5·3+6·5 = 112; + ⌊6·5/10⌋ = 3 → 115; (10 − 5) mod 10 = 5
    assert v.brn_check_digit("124123456") == 5
    assert v.registration_number("법인", "124-12-34565") == "1241234565"


# -- 주민등록번호 -------------------------------------------------------------------------------------------------


def test_rrn_valid_with_and_without_hyphen():
    n = rrn("900101123456")
    assert v.registration_number("개인", n) == n
    assert v.registration_number("개인", f"{n[:6]}-{n[6:]}") == n
    assert v.registration_number("individual", f" {n[:6]}-{n[6:]} ") == n


@pytest.mark.parametrize(
    ("first12", "born"),
    [
        ("000229312345", "2000-02-29 (3 = 2000s man)"),
        ("991231212345", "1999-12-31"),
        ("990101912345", "1899-01-01 (9 = 1800s)"),
        ("200930412345", "2020-09-30, the last day still checked"),
    ],
)
def test_rrn_centuries(first12, born):
    n = rrn(first12)
    assert v.registration_number("개인", n) == n


def test_rrn_bad_check_digit():
    n = bad_last(rrn("900101123456"))
    assert error(v.registration_number, "개인", n) == "주민등록번호 검증번호가 맞지 않습니다"
    # the escape hatch for numbers issued or changed after 2020-10-05 (see roll.md caveat)
    assert v.registration_number("개인", n, verify_check_digit=False) == n


def test_rrn_after_2020_10_has_no_check_digit():
    # Born 2020-10-15, 4 = 2000s woman; random tail. With the old rule this number is wrong; it is accepted.
    n = bad_last(rrn("201015412345"))
    assert v.rrn_check_digit(n[:12]) != int(n[12])
    assert v.registration_number("개인", n) == n
    # ... and the same tail with a birth date before the cut is rejected
    assert "검증번호" in error(v.registration_number, "개인", "200930" + n[6:])


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        ("900230-1234567", "존재하지 않는 생년월일"),
        ("010229-3234567", "존재하지 않는 생년월일"),  # 2001 is not a leap year
        ("901301-1234567", "존재하지 않는 생년월일"),
        ("900101-5234567", "외국인등록번호"),
        ("900101-1", "13자리"),
        ("90010112345678", "14자리"),
        ("9001-011234567", "하이픈 위치"),
        ("900101_1234567", "숫자와 하이픈 이외"),
        ("", "비어 있습니다"),
    ],
)
def test_rrn_bad(raw, needle):
    message = error(v.registration_number, "개인", raw)
    assert needle in message
    assert "1234567" not in message  # never echo the number


def test_rrn_future_birth_with_today():
    n = rrn("261201312345")  # 2026-12-01
    assert v.registration_number("개인", n) == n
    assert "미래" in error(v.registration_number, "개인", n, today=TODAY)


def test_rrn_number_cell_lost_leading_zero():
    n = rrn("010101312345")
    assert "앞자리 0" in error(v.registration_number, "개인", int(n))
    m = rrn("900101123456")
    assert v.registration_number("개인", int(m)) == m


# -- 외국인등록번호 -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("g", "5678")
def test_frn_valid(g):
    year = "90" if g in "56" else "05"
    n = f"{year}0615{g}123450"  # no check digit is verified
    assert v.registration_number("외국인", n) == n


def test_frn_bad():
    assert "5–8" in error(v.registration_number, "외국인", rrn("900101123456"))
    assert "생년월일" in error(v.registration_number, "외국인", "900231-5123450")
    assert "13자리" in error(v.registration_number, "외국인", "900101-512345")


# -- 사업자등록번호 -----------------------------------------------------------------------------------------------


def test_brn_valid_and_bad():
    n = brn("220812345")
    assert v.registration_number("법인", n) == n
    assert v.registration_number("법인", f"{n[:3]}-{n[3:5]}-{n[5:]}") == n
    assert error(v.registration_number, "법인", bad_last(n)) == "사업자등록번호 검증번호가 맞지 않습니다"
    assert "10자리" in error(v.registration_number, "법인", n[:9])
    assert "하이픈 위치" in error(v.registration_number, "법인", f"{n[:2]}-{n[2:5]}-{n[5:]}")
    assert "납세자구분" in error(v.registration_number, "단체", n)


@given(st.from_regex(r"[0-9]{9}", fullmatch=True))
def test_brn_exactly_one_check_digit(first9):
    good = [d for d in range(10) if v.brn_check_digit(first9) == d]
    assert len(good) == 1
    assert v.registration_number("법인", first9 + str(good[0])) == first9 + str(good[0])


# -- masks -------------------------------------------------------------------------------------------------------


def test_masks():
    assert v.mask_registration_number("9001011234567") == "900101-1******"
    assert v.mask_registration_number("900101-1234567") == "900101-1******"
    assert v.mask_registration_number("1234567890") == "123-45-*****"
    assert v.mask_registration_number("123-45-67890") == "123-45-*****"
    # invalid input in an error report: never shown whole
    assert v.mask_registration_number("90010112345") == "900101-*****"
    assert v.mask_registration_number("12345") == "*****"
    assert v.mask_registration_number(None) == ""


# -- amounts -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("0", 0),
        ("1,234", 1234),
        ("1,234,560", 1234560),
        (" 120000 ", 120000),
        (120000, 120000),
        (120000.0, 120000),
    ],
)
def test_amount_ok(raw, value):
    assert v.amount(raw) == value


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        ("-5", "부호"),
        ("+5", "부호"),
        ("12.5", "소수점"),
        ("1,000.00", "소수점"),
        (12.5, "소수점"),
        ("12,34", "쉼표 위치"),
        ("1,2345", "쉼표 위치"),
        ("12원", "숫자"),
        ("1 000", "숫자"),
        ("abc", "숫자"),
        ("", "비어"),
        (-1, "0 이상"),
        (True, "참/거짓"),
        (float(2**53), "텍스트"),
    ],
)
def test_amount_bad(raw, needle):
    assert needle in error(v.amount, raw)


# -- dates -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "2024-02-29",
        "2024.02.29",
        "20240229",
        "2024. 2. 29.".replace(" ", ""),
        datetime(2024, 2, 29),
        20240229,
    ],
)
def test_date_ok(raw):
    assert v.date_value(raw) == date(2024, 2, 29)


def test_date_bad():
    assert error(v.date_value, "2023-02-29") == "존재하지 않는 날짜입니다: 2023-02-29"
    assert error(v.date_value, "2024-02-30") == "존재하지 않는 날짜입니다: 2024-02-30"
    assert "존재하지 않는" in error(v.date_value, "20231301")
    assert "형식" in error(v.date_value, "2024/02/29")
    assert "형식" in error(v.date_value, "29-02-2024")
    assert "형식" in error(v.date_value, 45351)  # an unformatted Excel serial
    assert "시각" in error(v.date_value, datetime(2024, 2, 29, 13, 5))
    assert "형식" in error(v.date_value, "2024-02.29")


# -- small fields ------------------------------------------------------------------------------------------------


def test_yes_no():
    assert v.yes_no("Y", False) is True
    assert v.yes_no(" n ", True) is False
    assert v.yes_no("", True) is True
    assert v.yes_no(None, False) is False
    assert "Y 또는 N" in error(v.yes_no, "예", False)


def test_mobile():
    assert v.mobile("010-1234-5678") == "01012345678"
    assert v.mobile("01012345678") == "01012345678"
    assert v.mobile("011-234-5678") == "0112345678"
    assert v.mobile(1012345678) == "01012345678"  # number cell
    assert v.mobile("") is None
    assert "01로 시작" in error(v.mobile, "02-123-4567")
    assert "10–11자리" in error(v.mobile, "010-123-456")
    assert "11자리" in error(v.mobile, "010-123-4567")
    assert "식별번호" in error(v.mobile, "0131234567")
    assert "숫자와 하이픈" in error(v.mobile, "010-1234-567a")


def test_postal_code():
    assert v.postal_code("02043") == "02043"
    assert v.postal_code(2043) == "02043"
    assert v.postal_code(" ") is None
    assert "옛 6자리" in error(v.postal_code, "131-220")
    assert "5자리" in error(v.postal_code, "2043")


def test_codes_and_numbers():
    assert v.jurisdiction_code("11260") == "11260"
    assert v.jurisdiction_code(11260) == "11260"
    assert "5자리" in error(v.jurisdiction_code, "1126")
    assert v.tax_number("11260-14-2024-0000001") == "11260-14-2024-0000001"
    assert "대문자" in error(v.tax_number, "abc-1")
    assert "40자" in error(v.tax_number, "A" * 41)
    assert "영문 대문자·숫자·하이픈" in error(v.tax_number, "가-1")
    assert v.tax_item_code("14") == "14"
    assert v.tax_item_code(14) == "14"
    assert "코드표" in error(v.tax_item_code, "99")
    v.check_tax_item_year("19", 2020)
    assert "2020" in error(v.check_tax_item_year, "19", 2021)


def test_tax_year():
    assert v.tax_year("2024", TODAY) == 2024
    assert v.tax_year(2027, TODAY) == 2027
    assert "2027년까지" in error(v.tax_year, "2028", TODAY)
    assert "2000년부터" in error(v.tax_year, "1999", TODAY)
    assert "4자리" in error(v.tax_year, "24", TODAY)


def test_kinds_and_enums():
    assert v.taxpayer_kind("법인") == "법인"
    assert "개인, 법인, 외국인" in error(v.taxpayer_kind, "단체")
    assert v.assessment("부과") == "billed"
    assert v.assessment("신고") == "self-assessed"
    assert v.assessment("") == "billed"
    assert "부과 또는 신고" in error(v.assessment, "고지")
    assert [v.levy_status(s) for s in ("정상", "징수유예", "분할납부", "불복", None)] == [
        "normal",
        "deferred",
        "installment",
        "appeal",
        "normal",
    ]
    assert "징수유예" in error(v.levy_status, "압류")
    assert v.text_field(" 김민준 ", "성명", min_len=1, max_len=100) == "김민준"
    assert "100자" in error(v.text_field, "가" * 101, "성명", min_len=1, max_len=100)
    assert "비어" in error(v.text_field, "", "성명", min_len=1, max_len=100)
    # the topic particle follows the column's last syllable (never 은(는))
    assert error(v.text_field, "가" * 101, "성명", min_len=1, max_len=100).startswith("성명은 100자")
    assert error(v.text_field, "가" * 201, "주소", min_len=1, max_len=200).startswith("주소는 200자")


@pytest.mark.parametrize(("raw", "shown"), [
    ("김\x00민준", "NUL"), ("김\x1b[31m민준", "ESC"), ("김\n민준", "줄바꿈 LF"), ("김\r민준", "줄바꿈 CR"),
    ("김\t민준", "탭"), ("김\x7f민준", "U+007F"), ("김\x9b민준", "U+009B"), ("김\u2028민준", "U+2028"),
])
def test_text_fields_refuse_control_characters(raw, shown):
    """issue 20 §2: a NUL crashed the PostgreSQL import; ANSI escapes and line breaks do not belong in a roll."""
    assert error(v.text_field, raw, "성명", min_len=1, max_len=100) == (
        f"성명에 제어 문자({shown})가 있습니다: 보이지 않는 문자를 지우고 다시 올리세요")
    assert v.text_field(" 김민준\n", "성명", min_len=1, max_len=100) == "김민준"  # surrounding blanks are trimmed


def test_default_liability_date():
    assert v.default_liability_date("14", 2024, None) == date(2024, 6, 1)
    assert v.default_liability_date("15", 2024, "정기1기") == date(2024, 6, 1)
    assert v.default_liability_date("15", 2024, "정기2기") == date(2024, 12, 1)
    assert v.default_liability_date("15", 2024, "수시") is None
    for code in ("13", "16", "19"):
        assert v.default_liability_date(code, 2020, "") == date(2020, 7, 1)
    # 주민세 개인분 (균등분): 과세기준일 8월 1일 until 2018, 7월 1일 from 2019 (지방세법 제79조② <개정 2018.12.31>)
    assert v.default_liability_date("13", 2018, "정기") == date(2018, 8, 1)
    assert v.default_liability_date("13", 2019, "정기") == date(2019, 7, 1)
    assert v.default_liability_date("13", 2009, "정기") is None  # not in the law files: the column is required
    for code in ("10", "11", "17", "18", "20", "40", "41"):
        assert v.default_liability_date(code, 2024, "정기") is None


def test_headers_match_roll_md():
    from pathlib import Path

    doc = (Path(__file__).parents[2] / "docs" / "formats" / "roll.md").read_text(encoding="utf-8")
    rows = [line for line in doc.splitlines() if line.startswith("| ") and "|" in line[2:]]
    table = []
    for line in rows:
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 4 and cells[1] in ("예", "아니오"):
            table.append((cells[0], cells[1] == "예"))
    assert table == [(c.header, c.required) for c in v.HEADERS]
    example = next(line for line in doc.splitlines() if line.startswith("자치단체코드,"))
    assert all(h in v.HEADER_NAMES for h in example.split(","))


def test_roll_md_example_row_is_valid():
    assert v.registration_number("개인", "850101-1234566") == "8501011234566"
