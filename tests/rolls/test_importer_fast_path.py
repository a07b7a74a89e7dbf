"""The fast paths give exactly what the general paths give.

The importer's fast path for valid rows gives exactly what the reporting path gives, on every kind of row.

`importer._parse_row` tries `_parse_valid_row` first and falls back to `_parse_row_reporting`; these tests feed the
same rows (good ones, and every kind of bad cell, missing cell, cross-field and cross-row problem) through
`_parse_row` and through the reporting path alone, and compare the parsed rows, the errors (row, column, Korean
message) and the validation state (seen 과세번호 and taxpayers). The validators' fast paths for plain strings are
compared with their general paths the same way.
"""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jingsu.rolls import importer
from jingsu.rolls import validation as v
from jingsu.rolls.validation import FieldError

AS_OF = date(2026, 11, 23)
FIXTURE = Path(__file__).parent.parent / "fixtures" / "roll_small.csv"


def _fixture_rows() -> list[dict[str, str]]:
    with FIXTURE.open(encoding="utf-8") as fh:
        # the reader leaves blank cells out and strips the others
        return [{k: v.strip() for k, v in row.items() if v.strip()} for row in csv.DictReader(fh)]


ROWS = _fixture_rows()
GOOD = ROWS[0]

# Tricky values per column: valid variants, number and date cells as XLSX gives them, and invalid ones.
TRICKY: dict[str, list[object]] = {
    "자치단체코드": ["11260", "11350", "1126", 11260, "１１２６０", True],
    "과세번호": ["11260-14-2024-0000001", "11260-14-2024-0000099", "abc-1", "A" * 41, 12345, "X Y"],
    "납세자구분": ["개인", "법인", "외국인", "개 인", "individual", 1],
    "성명": ["김민준", "이서연", "x" * 101, 7, 1.5, "김\x00민준", "김\u0085민준"],
    "등록번호": ["850101-1234566", "8501011234566", "850101-1234567", "85010-11234566", "850101 1234566",
              "880808-5123456", "123-45-67891", "1234567891", "12345-67891", 8501011234566, 1234567891.0,
              "201001-3123456", "991301-1234566", "850101-７234566"],
    "주소": ["서울특별시 중랑구 면목로 100", "가" * 201, 100, "면목로 \x1b[31m100", "면목로\r\n100"],
    "우편번호": ["02100", "2100", 2100, "021-00", "123-456", 2100.5, True],
    "휴대전화": ["010-1234-5678", "01012345678", 1012345678, "0101234567", "02-123-4567", "010-1234-567a", False],
    "전자송달신청": ["Y", "N", "y", "예", True, 1],
    "수신거부": ["Y", "N", "n", "X"],
    "세목코드": ["14", "15", "41", "19", "20", "99", 14, 14.0],
    "과세연도": ["2024", "2020", "2013", "1999", "2028", "24", 2024, 2024.5],
    "기분": ["정기1기", "정기2기", "수시", "가" * 21],
    "과세대상": ["면목동 123-4 주택", "나" * 201, "면목동\t123", "면목동\u2028123"],
    "본세": ["120000", "120,000", "1,20,000", "-5", "12.5", "0", 120000, 120000.0, 1.5, "1e5"],
    "지방교육세": ["24000", "0", "abc", 24000.0],
    "도시지역분": ["16800", "16,800", "+1"],
    "납세의무성립일": ["2024-06-01", "2024.06.01", "20240601", "2024-10-01", "2023-02-29", datetime(2024, 6, 1),
                 datetime(2024, 6, 1, 9, 30), date(2024, 6, 1), 20240601, "6월 1일"],
    "납기": ["2024-09-30", "2024.9.30.", "20240930", "2024-09-31", date(2024, 9, 30), "2024-05-31"],
    "납부기한": ["2024-09-30", "2024-10-31", "2024-09-01", "내일"],
    "신고구분": ["부과", "신고", "보통"],
    "상태": ["정상", "징수유예", "분할납부", "불복", "완납"],
}


def _both(rows: list[dict[str, object]]) -> None:
    """Run `rows` through `_parse_row` and through the reporting path alone; everything must be equal."""
    fast, slow = importer._Validation(), importer._Validation()
    for number, cells in enumerate(rows, start=2):
        got = importer._parse_row(number, dict(cells), "11260", AS_OF, fast)
        want = importer._parse_row_reporting(number, dict(cells), "11260", AS_OF, slow)
        assert got == want, (number, cells)
    assert fast.errors == slow.errors
    assert fast.total_errors == slow.total_errors
    assert fast.tax_numbers == slow.tax_numbers
    assert fast.taxpayers == slow.taxpayers


def test_fixture_rows_take_the_fast_path_with_the_same_result():
    state = importer._Validation()
    for number, cells in enumerate(ROWS, start=2):
        assert importer._parse_valid_row(number, cells, "11260", AS_OF, state) is not None
    _both(ROWS)


def test_every_tricky_value_in_every_column():
    for header, values in TRICKY.items():
        for value in values:
            _both([GOOD, {**GOOD, "과세번호": "11260-14-2024-0000002", header: value}])


def test_missing_cells_extra_cells_and_cross_row_problems():
    cases: list[list[dict[str, object]]] = [
        [{k: v for k, v in GOOD.items() if k != header} for header in GOOD],  # each cell left blank in turn
        [{**GOOD, "\x00extra": 1}],
        [GOOD, GOOD],  # duplicate 과세번호
        [GOOD, {**GOOD, "과세번호": "X-2", "성명": "김민수"}],  # same 등록번호, another name
        [GOOD, {**GOOD, "과세번호": "X-2", "납세자구분": "외국인"}],  # same number, another kind
        [{**GOOD, "세목코드": "10", "납세의무성립일": ""}],  # no default 성립일 for 취득세
        [{k: v for k, v in {**GOOD, "세목코드": "15", "기분": "수시"}.items() if k != "납세의무성립일"}],
        [{**GOOD, "납부기한": "2024-09-29"}],  # 납부기한 before 납기
        [{**GOOD, "납세의무성립일": "2024-10-01"}],  # 성립일 after 납기
        [{**GOOD, "자치단체코드": "11350"}, GOOD],
        [{**GOOD, "본세": "-1"}, GOOD, {**GOOD, "과세번호": "X-3"}],  # an error, then valid rows
    ]
    for rows in cases:
        _both(rows)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(sorted(TRICKY)), st.data()), max_size=4), st.integers(0, 3))
def test_random_mixtures_of_tricky_cells(changes, repeat):
    row: dict[str, object] = dict(GOOD)
    for header, data in changes:
        row[header] = data.draw(st.sampled_from(TRICKY[header]))
    other = {**GOOD, "과세번호": f"X-{repeat}"}
    _both([ROWS[1], row, other, row])


# -- the validators' fast paths for plain strings (validation._digits_of_number, validation.text_field) -----------


class Text(str):
    """A str subclass: the validators' fast paths take exact `str` only, so this goes the general way."""


def _outcome(fn, *args, **kwargs) -> tuple[str, object]:
    try:
        return "ok", fn(*args, **kwargs)
    except FieldError as exc:
        return "error", exc.message


NUMBER_CHARS = st.sampled_from(list("0123456789-- ") + ["٣", "７", "a"])


@settings(max_examples=2000, deadline=None)
@given(st.text(NUMBER_CHARS, min_size=0, max_size=16), st.sampled_from(["개인", "외국인", "법인"]))
def test_registration_number_fast_path_is_the_general_path(raw, kind):
    fast = _outcome(v.registration_number, kind, raw, today=AS_OF)
    general = _outcome(v.registration_number, kind, Text(raw), today=AS_OF)
    assert fast == general


@pytest.mark.parametrize("raw", ["8501011234566", "850101-1234566", "850101--1234566", "-8501011234566",
                                 "85-0101-1234566", "850101-123456", "1234567891", "123-45-67891", "123-4567891",
                                 "12345-67891", "123-45-6789-1", " 123-45-67891 ", "123 45 67891"])
def test_registration_number_shapes(raw):
    for kind in ("개인", "법인"):
        assert _outcome(v.registration_number, kind, raw) == _outcome(v.registration_number, kind, Text(raw))


@settings(max_examples=500, deadline=None)
@given(st.text(st.sampled_from(list("가a \t\u3000\n")), max_size=8), st.integers(0, 2), st.integers(0, 6))
def test_text_field_fast_path_is_the_general_path(raw, low, high):
    fast = _outcome(v.text_field, raw, "성명", min_len=low, max_len=high)
    assert fast == _outcome(v.text_field, Text(raw), "성명", min_len=low, max_len=high)


def test_csv_rows_are_paired_like_reader_pair(tmp_path):
    from jingsu.rolls import reader

    lines = [["a", "b", "c"], ["1", " 2 ", ""], ["", "", ""], [" ", "\t"], ["x"], ["1", "2", "3", "4", ""],
             ["1", "2", "3", " ", ""], ["", "", "", "", "z"], ["  ", "y", "", ""], []]
    path = tmp_path / "t.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(lines)
    got = list(reader.iter_rows(reader.open_roll(path), lambda header: None))
    want = [(number, reader._pair(lines[0], cells, number))
            for number, cells in enumerate(lines[1:], start=2) if any(c.strip() for c in cells)]
    assert got == want
    assert {"\x00extra": 1} in [cells for _, cells in got]
