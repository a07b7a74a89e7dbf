"""The synthetic roll: deterministic, valid under every validator, realistic shape."""

from __future__ import annotations

import csv
import dataclasses
import io
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from jingsu.rolls import generate as g
from jingsu.rolls import validation as v
from jingsu.rolls.generate import generate_roll

TODAY = date(2026, 11, 23)
SIX_DONGS = ("면목동", "상봉동", "중화동", "묵동", "망우동", "신내동")
REQUIRED_ITEMS = {"13", "14", "15", "16", "18", "40", "41"}


def read_csv(path: Path, encoding: str = "utf-8") -> list[dict[str, str]]:
    with open(path, encoding=encoding, newline="") as fh:
        return list(csv.DictReader(fh))


def validate_row(row: dict, today: date = TODAY) -> dict:
    """Every validator on one row (as the importer would), returning the normalised values."""
    kind = v.taxpayer_kind(row["납세자구분"])
    code = v.tax_item_code(row["세목코드"])
    year = v.tax_year(row["과세연도"], today)
    v.check_tax_item_year(code, year)
    period = v.text_field(row["기분"], "기분", min_len=0, max_len=20)
    liability = (
        v.date_value(row["납세의무성립일"])
        if not v.is_blank(row["납세의무성립일"])
        else v.default_liability_date(code, year, period)
    )
    assert liability is not None
    due = v.date_value(row["납기"])
    deadline = v.date_value(row["납부기한"])
    assert deadline >= due
    assert due < today
    out = {
        "jurisdiction": v.jurisdiction_code(row["자치단체코드"]),
        "tax_number": v.tax_number(row["과세번호"]),
        "kind": kind,
        "name": v.text_field(row["성명"], "성명", min_len=1, max_len=100),
        "number": v.registration_number(kind, row["등록번호"], today=today),
        "address": v.text_field(row["주소"], "주소", min_len=1, max_len=200),
        "postal": v.postal_code(row["우편번호"]),
        "mobile": v.mobile(row["휴대전화"]),
        "e_service": v.yes_no(row["전자송달신청"], False),
        "opt_out": v.yes_no(row["수신거부"], False),
        "code": code,
        "year": year,
        "object": v.text_field(row["과세대상"], "과세대상", min_len=0, max_len=200),
        "principal": v.amount(row["본세"]),
        "education": v.amount(row["지방교육세"]),
        "urban": v.amount(row["도시지역분"]),
        "liability": liability,
        "due": due,
        "assessment": v.assessment(row["신고구분"]),
        "status": v.levy_status(row["상태"]),
    }
    default = v.default_liability_date(code, year, period)
    if default is not None:
        assert liability == default, (code, period, liability)
    for key in ("principal", "education", "urban"):
        assert out[key] % 10 == 0
    return out


@pytest.fixture(scope="module")
def roll(tmp_path_factory) -> tuple[Path, g.GenerateSummary, list[dict]]:
    path = tmp_path_factory.mktemp("roll") / "jungnang.csv"
    summary = generate_roll(jurisdiction="11260", taxpayers=6000, seed=7, out=path, today=TODAY)
    return path, summary, read_csv(path)


def test_header_is_the_column_spec(roll):
    path, _, _ = roll
    with open(path, encoding="utf-8") as fh:
        assert fh.readline().rstrip("\r\n").split(",") == list(v.HEADER_NAMES)


def test_deterministic(tmp_path, roll):
    path, _, _ = roll
    again = tmp_path / "again.csv"
    generate_roll(jurisdiction="11260", taxpayers=6000, seed=7, out=again, today=TODAY)
    assert again.read_bytes() == path.read_bytes()
    other = tmp_path / "other.csv"
    generate_roll(jurisdiction="11260", taxpayers=6000, seed=8, out=other, today=TODAY)
    assert other.read_bytes() != path.read_bytes()


def test_every_row_passes_every_validator(roll):
    _, summary, rows = roll
    assert len(rows) == summary.rows
    total = 0
    for row in rows:
        out = validate_row(row)
        assert out["jurisdiction"] == "11260"
        assert out["tax_number"].startswith(f"11260-{out['code']}-{out['year']}-")
        assert TODAY.year - 5 <= out["year"] <= TODAY.year - 1
        total += out["principal"] + out["education"] + out["urban"]
    assert total == summary.total_arrears


def test_summary_and_counts(roll):
    _, summary, rows = roll
    numbers = {r["등록번호"] for r in rows}
    assert len(numbers) == summary.taxpayers == 6000
    assert sum(summary.by_tax_item.values()) == summary.rows
    assert summary.taxpayers <= summary.rows <= 4 * summary.taxpayers


def test_tax_numbers_unique(roll):
    _, _, rows = roll
    numbers = [r["과세번호"] for r in rows]
    assert len(set(numbers)) == len(numbers)


def test_registration_numbers_unique_per_taxpayer(roll):
    _, _, rows = roll
    by_number: dict[str, set] = {}
    for r in rows:
        by_number.setdefault(r["등록번호"], set()).add((r["성명"], r["주소"], r["납세자구분"]))
    assert all(len(people) == 1 for people in by_number.values())


def test_uniqueness_across_blocks(tmp_path, monkeypatch):
    # With a block of 50 taxpayers, 3,000 taxpayers use 60 blocks: digits 8–12 repeat 60 times, and
    # only the birth-date residue keeps the numbers apart.
    monkeypatch.setattr(g, "_BLOCK", 50)
    path = tmp_path / "blocks.csv"
    generate_roll(jurisdiction="11260", taxpayers=3000, seed=3, out=path, today=TODAY)
    rows = read_csv(path)
    per_taxpayer = {}
    for r in rows:
        per_taxpayer.setdefault(r["등록번호"], (r["성명"], r["주소"]))
        v.registration_number(r["납세자구분"], r["등록번호"])
    assert len(per_taxpayer) == 3000


def test_shape_is_realistic(roll):
    _, summary, rows = roll
    # about 90% of levies and of taxpayers' totals are ≤ 30만 원 (Seoul pilot: 92% of 체납 건)
    assert 0.85 <= summary.levy_share_le_threshold <= 0.95
    assert 0.85 <= summary.taxpayer_share_le_threshold <= 0.95
    totals = Counter()
    for r in rows:
        totals[r["등록번호"]] += int(r["본세"]) + int(r["지방교육세"]) + int(r["도시지역분"])
    assert sum(t <= g.THRESHOLD for t in totals.values()) == summary.taxpayers_le_threshold
    assert max(totals.values()) >= 10_000_000  # a long tail
    # all six 동 and all required 세목
    for dong in SIX_DONGS:
        assert any(r["주소"].endswith(f"({dong})") for r in rows), dong
    assert set(summary.by_dong) == set(SIX_DONGS)
    assert {r["세목코드"] for r in rows} >= REQUIRED_ITEMS
    kinds = Counter(r["납세자구분"] for r in rows)
    assert set(kinds) == {"개인", "법인", "외국인"}
    assert kinds["개인"] > kinds["법인"] > 0
    statuses = Counter(r["상태"] for r in rows)
    assert {"정상", "징수유예", "분할납부", "불복"} <= set(statuses)
    assert any(r["세목코드"] == "18" and r["신고구분"] == "신고" for r in rows)
    people = {r["등록번호"]: r for r in rows if r["납세자구분"] == "개인"}
    with_mobile = sum(1 for r in people.values() if r["휴대전화"]) / len(people)
    assert 0.75 <= with_mobile <= 0.85
    e_service = sum(1 for r in people.values() if r["전자송달신청"] == "Y") / len(people)
    assert 0.03 <= e_service <= 0.07
    assert all(r["우편번호"].startswith("02") for r in rows)


def test_surtaxes_follow_the_law(roll):
    _, _, rows = roll
    for r in rows:
        code, principal, edu, urban = (
            r["세목코드"],
            int(r["본세"]),
            int(r["지방교육세"]),
            int(r["도시지역분"]),
        )
        if code == "14":
            if r["과세대상"].endswith("주택"):
                # a house over the lump-sum limit is billed in halves: each row carries half of the year's
                # 지방교육세 (20% of the year's 재산세, truncated, then halved), so per row it is 20% within 10원
                assert abs(edu - principal * 2 // 10) <= 10 and edu % 10 == 0
            else:
                assert edu == principal * 2 // 10 // 10 * 10  # 20%, truncated to 10원
            assert urban > 0
            assert r["납기"][5:] in ("07-31", "09-30")
        elif code == "15":
            assert edu == principal * 3 // 10 // 10 * 10  # 30%
            assert r["납기"][5:] in ("06-30", "12-31")
            assert urban == 0
        elif code == "13":
            assert (principal, edu) == (4800, 1200)  # 서울: 4,800원 + 지방교육세 25%
            assert r["납기"][5:] == "08-31"
        else:
            assert urban == 0


def test_cp949_and_other_jurisdiction(tmp_path):
    path = tmp_path / "cp949.csv"
    summary = generate_roll(
        jurisdiction="11560", taxpayers=500, seed=1, out=path, today=TODAY, encoding="cp949"
    )
    raw = path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(raw.decode("cp949"), newline="")))
    assert len(rows) == summary.rows
    for row in rows:
        out = validate_row(row)
        assert out["jurisdiction"] == "11560"
        assert out["tax_number"].startswith("11560-")
        assert "영등포구" in out["address"]


def test_unknown_jurisdiction_uses_jungnang_streets(tmp_path):
    path = tmp_path / "x.csv"
    generate_roll(jurisdiction="26110", taxpayers=50, seed=1, out=path, today=TODAY)
    rows = read_csv(path)
    assert all(r["자치단체코드"] == "26110" and r["과세번호"].startswith("26110-") for r in rows)


def test_names_encode_in_cp949():
    from jingsu.rolls import districts, names

    text = "".join(s for s, _ in names.SURNAMES) + "".join("".join(p) for p in names.GIVEN_NAMES.values())
    text += "".join(names.COMPANY_SYLLABLES_1 + names.COMPANY_SYLLABLES_2 + names.COMPANY_TRADES)
    text += "".join(f for f, _ in names.COMPANY_FORMS_PROFIT) + "".join(names.COMPANY_FORMS_NONPROFIT)
    for d in districts.DISTRICTS.values():
        text += d.sido + d.gu + "".join(dong.name + "".join(dong.roads) for dong in d.dongs)
    text.encode("cp949")


def test_xlsx_readable_and_deterministic(tmp_path):
    from openpyxl import load_workbook

    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    summary = generate_roll(jurisdiction="11260", taxpayers=300, seed=5, out=a, today=TODAY)
    generate_roll(jurisdiction="11260", taxpayers=300, seed=5, out=b, today=TODAY)
    assert a.read_bytes() == b.read_bytes()
    wb = load_workbook(a, read_only=True)
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = next(rows)
    assert list(header) == list(v.HEADER_NAMES)
    n = 0
    for values in rows:
        row = dict(zip(header, values, strict=True))
        out = validate_row(row)
        assert isinstance(out["principal"], int)
        n += 1
    assert n == summary.rows
    wb.close()
    # the same levies as the CSV for the same arguments
    c = tmp_path / "c.csv"
    as_csv = generate_roll(jurisdiction="11260", taxpayers=300, seed=5, out=c, today=TODAY)
    assert dataclasses.replace(as_csv, path=a) == summary


def test_arrears_are_before_today_early_in_the_year(tmp_path):
    today = date(2026, 2, 10)
    path = tmp_path / "early.csv"
    generate_roll(jurisdiction="11260", taxpayers=800, seed=2, out=path, today=today)
    for row in read_csv(path):
        validate_row(row, today)


def test_arguments_checked(tmp_path):
    with pytest.raises(ValueError):
        generate_roll(jurisdiction="1126", taxpayers=1, seed=1, out=tmp_path / "x.csv", today=TODAY)


def test_different_seeds_give_disjoint_tax_numbers(tmp_path, roll):
    """issue 12 §2: `generate-roll --seed 1` then `--seed 7` imported on top must not share a single 과세번호."""
    _, _, rows7 = roll
    one = tmp_path / "one.csv"
    generate_roll(jurisdiction="11260", taxpayers=6000, seed=1, out=one, today=TODAY)
    numbers1 = {r["과세번호"] for r in read_csv(one)}
    numbers7 = {r["과세번호"] for r in rows7}
    assert numbers1 and numbers7 and not numbers1 & numbers7
    assert all("-R7-" in n for n in numbers7) and all("-R1-" in n for n in numbers1)
    assert g.seed_tag(-7) == "RN7" and g.seed_tag(7) != g.seed_tag(-7)
    with pytest.raises(ValueError):
        generate_roll(jurisdiction="11260", taxpayers=1, seed=10**20, out=tmp_path / "x.csv", today=TODAY)


def test_property_tax_rows_come_from_the_bill_calculator(tmp_path, monkeypatch):
    """One implementation: every 재산세 row is a 납기 of a bill computed by jingsu.law.property_tax_bill."""
    from jingsu.law import property_tax_bill as law_bill

    billed: set[tuple[int, int, int, str]] = set()

    def recording(**kwargs):
        bill = law_bill.property_tax_bill(**kwargs)
        for d in bill.due or []:
            billed.add((d["property_tax"], d["education_tax"], d["city_area_tax"], d["date"].isoformat()))
        return bill

    monkeypatch.setattr(g, "property_tax_bill", recording)
    g._property_tax_parts.cache_clear()
    try:
        path = tmp_path / "bill.csv"
        generate_roll(jurisdiction="11560", taxpayers=400, seed=11, out=path, today=TODAY)
    finally:
        g._property_tax_parts.cache_clear()
    rows = [r for r in read_csv(path) if r["세목코드"] == "14"]
    assert rows and billed
    for r in rows:
        assert (int(r["본세"]), int(r["지방교육세"]), int(r["도시지역분"]), r["납기"]) in billed, r


def test_vehicle_and_resident_rows_come_from_the_law(tmp_path, monkeypatch):
    """One implementation (issue #13 item 7): every 자동차세 (15), 주민세 개인분 (13) and 사업소분 (16) row carries
    amounts and dates computed by jingsu.law (vehicle-tax, resident-individual-tax, resident-property-tax)."""
    from jingsu.law import resident_individual_tax as law_resident
    from jingsu.law import resident_tax as law_business
    from jingsu.law import vehicle_tax as law_vehicle

    cars: set[tuple[int, int, str, str]] = set()
    residents: set[tuple[int, int, str, str]] = set()
    business: set[tuple[int, str]] = set()

    def vehicle(*args):
        r = law_vehicle.vehicle_tax_cached(*args)
        for p in r.periods:
            cars.add((p.tax, p.education_tax, p.base_date.isoformat(), p.due_date.isoformat()))
        return r

    def resident(*args):
        r = law_resident.resident_individual_tax_cached(*args)
        residents.add((r.tax, r.education_tax, r.base_date.isoformat(), r.due_date.isoformat()))
        return r

    def business_tax(data, trace):
        r = law_business.resident_property_tax(data, trace)
        business.add((r["tax"], r["base_date"].isoformat()))
        return r

    monkeypatch.setattr(g, "vehicle_tax_cached", vehicle)
    monkeypatch.setattr(g, "resident_individual_tax_cached", resident)
    monkeypatch.setattr(g, "resident_property_tax", business_tax)
    caches = (g._vehicle_tax_parts, g._resident_individual_tax, g._business_tax_parts)
    for cache in caches:
        cache.cache_clear()
    try:
        path = tmp_path / "law.csv"
        generate_roll(jurisdiction="11350", taxpayers=1500, seed=13, out=path, today=TODAY)
    finally:
        for cache in caches:
            cache.cache_clear()
    rows = read_csv(path)
    seen = Counter(r["세목코드"] for r in rows)
    assert seen["15"] and seen["13"] and seen["16"]
    for r in rows:
        key = (int(r["본세"]), int(r["지방교육세"]), r["납세의무성립일"], r["납기"])
        if r["세목코드"] == "15":
            assert key in cars, r
        elif r["세목코드"] == "13":
            assert key in residents, r
        elif r["세목코드"] == "16":
            assert (int(r["본세"]), r["납세의무성립일"]) in business, r
            # 지방교육세 25% (서울) of the 기본세율 part only: 5만·10만·20만원 → 12,500 / 25,000 / 50,000원
            assert int(r["지방교육세"]) in (12_500, 25_000, 50_000), r


def test_no_float_tax_arithmetic_left_in_the_generator():
    """The generator re-types no rate: no 자동차세 cc rates, 주민세 rates or 지방교육세 shares in its source."""
    import inspect

    source = inspect.getsource(g)
    for needle in ("per_cc", "* 0.3", "0.25 if", "0.10", "4_800", "10_000, 0.", "250 * int", "_t10("):
        assert needle not in source, needle
