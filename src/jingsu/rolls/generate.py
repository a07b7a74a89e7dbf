"""A synthetic arrears roll (체납 자료) for a 구 — the demo district and the load-test input.

``generate_roll`` streams rows to CSV or XLSX (docs/formats/roll.md): memory stays bounded whatever the size (no
list of rows is kept; the only per-file state is one counter per (세목, 과세연도) for 과세번호 serials), and the
output is a pure function of the arguments (``random.Random(seed)``, ``today`` passed in, fixed timestamps inside
the XLSX package), so two runs give byte-identical files.

What a row looks like, and why:

- Taxpayers: 개인 89%, 외국인 4%, 법인 7%; 1–4 levies each (70/18/8/4%). Names from :mod:`jingsu.rolls.names`;
  addresses on real roads of the 구 (:mod:`jingsu.rolls.districts`; 중랑구 streets for a code without data).
  휴대전화 for 80% of 개인 (60% 외국인, 30% 법인); 전자송달신청 5%; 수신거부 2%.
- Registration numbers are valid under :func:`jingsu.rolls.validation.registration_number` and unique by
  construction (see :func:`_person_number` and :func:`_business_number`), without a set of numbers seen.
- Levies are computed, not drawn: 재산세 from a 시가표준액 (drawn, in whole 10만원) by the law itself — the
  ``property-tax-bill`` calculator (:mod:`jingsu.law.property_tax_bill`: 제111조 rates, 1주택 특례, 도시지역분,
  지방교육세, 소액 징수면제, 납기 7/31 or 9/30, a house's two halves), memoised per (year, kind, value); people own a
  house (1세대1주택 80%) or 종합합산 land, companies 별도합산 land or a building;
  자동차세 from engine size and 차령 by the ``vehicle-tax`` calculator (:mod:`jingsu.law.vehicle_tax`: 제127조
  비영업용 승용 시시당 세액, 차령 경감, one 기분 of the two with its 과세기준일 6/1 or 12/1 and 납기 6/30 or 12/31,
  지방교육세 30%); 주민세 개인분 by ``resident-individual-tax`` (:mod:`jingsu.law.resident_individual_tax`: the 조례
  rate — 서울 4,800원 — with 지방교육세 25%, 과세기준일 and 납기 8/31); 주민세 사업소분 by ``resident-property-tax``
  (:mod:`jingsu.law.resident_tax`: 기본세율 5/10/20만원 + 250원/㎡ over 330㎡, 제81조·제82조) with 지방교육세 on the
  기본세율 part (:func:`jingsu.law.resident_individual_tax.resident_education_tax`), 납기 8/31 (제83조③), 신고납부;
  지방소득세 (개인 5/31, 법인 4/30 of the next year; mostly 신고); 세외수입 and 주정차위반과태료 (drawn amounts,
  truncated to 10원). Every tax amount comes from :mod:`jingsu.law` (memoised per distinct input); where the encoded
  law has no rule (a 주민세 개인분 or 사업소분 outside Seoul, whose 조례 rate and 지방교육세 class are not encoded; a year
  before 2010; a car not yet registered before the tax year; a 사업소분 before 2021) no levy of that 세목 is drawn.
- 과세번호 ``<jurisdiction>-<세목>-<과세연도>-R<seed>-<serial>``: the seed is part of the number, so rolls of
  different seeds never share a 과세번호 (:func:`seed_tag`).
- Arrears are 1–5 years old (과세연도 today.year−1 … today.year−5, 35/25/18/12/10%) and every 납기 is before
  ``today``. Status: 징수유예 1%, 분할납부 1% (납부기한 later than 납기), 불복 0.5%, else 정상.
"""

from __future__ import annotations

import bisect
import csv
import functools
import math
import os
import random
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from jingsu.law.errors import NoRuleForDate
from jingsu.law.money import trunc10
from jingsu.law.property_tax_bill import BillObject, property_tax_bill
from jingsu.law.resident_individual_tax import (
    ResidentIndividualTaxResult,
    resident_education_tax,
    resident_individual_tax_cached,
)
from jingsu.law.resident_tax import resident_property_tax
from jingsu.law.vehicle_tax import vehicle_tax_cached
from jingsu.rolls import names
from jingsu.rolls.districts import District, district_for
from jingsu.rolls.validation import HEADER_NAMES, brn_check_digit, rrn_check_digit

THRESHOLD = 300_000  # 30만 원: the "small arrears" line of the Seoul pilot (DESIGN.md)

#: Taxpayers per uniqueness block of registration numbers (see _person_number). Tests may lower it.
_BLOCK = 100_000


@dataclass(frozen=True, slots=True)
class GenerateSummary:
    path: Path
    rows: int
    taxpayers: int
    total_arrears: int  # 본세 + 지방교육세 + 도시지역분 over all rows
    levies_le_threshold: int  # rows with 본세+지방교육세+도시지역분 ≤ 300,000원
    taxpayers_le_threshold: int  # taxpayers whose arrears total ≤ 300,000원
    by_tax_item: dict[str, int] = field(default_factory=dict)
    by_kind: dict[str, int] = field(default_factory=dict)
    by_dong: dict[str, int] = field(default_factory=dict)

    @property
    def levy_share_le_threshold(self) -> float:
        return self.levies_le_threshold / self.rows if self.rows else 0.0

    @property
    def taxpayer_share_le_threshold(self) -> float:
        return self.taxpayers_le_threshold / self.taxpayers if self.taxpayers else 0.0


# ---------------------------------------------------------------------------------------------------------------
# Weighted choice helpers (bisect on cumulative weights: faster than random.choices for one draw)
# ---------------------------------------------------------------------------------------------------------------


class _Choice:
    __slots__ = ("items", "cum", "total")

    def __init__(self, pairs: Sequence[tuple[Any, float]]) -> None:
        self.items = [p[0] for p in pairs]
        self.cum: list[float] = []
        t = 0.0
        for _, w in pairs:
            t += w
            self.cum.append(t)
        self.total = t

    def __call__(self, r: float) -> Any:
        """The item for a uniform r in [0, 1)."""
        return self.items[bisect.bisect_right(self.cum, r * self.total)]


_KIND = _Choice([("개인", 89), ("외국인", 4), ("법인", 7)])
_LEVY_COUNT = _Choice([(1, 70), (2, 18), (3, 8), (4, 4)])
_AGE = _Choice([(1, 35), (2, 25), (3, 18), (4, 12), (5, 10)])
_ITEMS = {
    "개인": _Choice([("15", 30), ("14", 18), ("13", 22), ("18", 9), ("41", 16), ("40", 3), ("16", 2)]),
    "외국인": _Choice([("15", 30), ("13", 30), ("41", 20), ("18", 12), ("14", 5), ("40", 3)]),
    "법인": _Choice([("14", 30), ("16", 25), ("18", 20), ("15", 12), ("40", 8), ("41", 5)]),
}
_SURNAME = _Choice(names.SURNAMES)
_FOREIGN = _Choice([((fam, giv), w) for w, fam, giv in names.FOREIGN_NAMES])
_COMPANY_FORM = _Choice(names.COMPANY_FORMS_PROFIT)
# 사업자등록번호 middle digits for 법인: 81/86/87 영리법인 본점, 85 영리법인 지점, 82 비영리법인.
_BRN_TYPE = _Choice([("81", 70), ("86", 10), ("87", 5), ("85", 10), ("82", 5)])
_CC = _Choice(
    [(998, 22), (1353, 6), (1598, 36), (1999, 24), (2199, 4), (2497, 5), (2999, 2), (3342, 0.7), (3778, 0.3)]
)
_PLATE_HANGUL = "가나다라마거너더러머버서어저고노도로모보소오조구누두루무부수우주"
_NONTAX = ("도로점용료", "변상금", "이행강제금", "과징금", "사용료", "부담금")


def _lognormal(rng: random.Random, median: float, sigma: float, cap: float) -> float:
    return min(cap, median * math.exp(rng.gauss(0.0, sigma)))


# ---------------------------------------------------------------------------------------------------------------
# Registration numbers, unique by construction
# ---------------------------------------------------------------------------------------------------------------


def _person_number(
    i: int, blocks: int, birth_ord: int, foreign: bool, male: bool, scramble: tuple[int, int], last_digit: int
) -> tuple[str, date]:
    """A 13-digit 주민등록번호 / 외국인등록번호 for taxpayer ``i``, and the birth date used.

    Digits 8–12 are a bijective scramble of ``i mod _BLOCK``; the birth date is moved back (at most blocks−1
    days) so that its ordinal ≡ ``i // _BLOCK`` (mod blocks). Two taxpayers with the same digits 8–12 are in
    different blocks, hence born on different days: numbers are unique without a set of numbers seen.
    """
    b = i // _BLOCK
    if blocks > 1:
        birth_ord -= (birth_ord - b) % blocks
    born = date.fromordinal(birth_ord)
    if foreign:
        g = (5 if male else 6) if born.year < 2000 else (7 if male else 8)
    else:
        g = (1 if male else 2) if born.year < 2000 else (3 if male else 4)
    mul, off = scramble
    tail = (i % _BLOCK * mul + off) % _BLOCK
    first12 = f"{born.year % 100:02d}{born.month:02d}{born.day:02d}{g}{tail:05d}"
    check = last_digit if foreign else rrn_check_digit(first12)
    return f"{first12}{check}", born


def _business_number(type_digits: str, counter: int, office_base: int) -> str:
    """A 10-digit 사업자등록번호 with a valid check digit, unique per (type, counter).

    Office code (3 digits, 100–999) = 100 + (office_base + 37·(counter // 10,000)) mod 900 — injective for up to
    9,000,000 numbers per type; serial (4 digits) = a bijective scramble of counter mod 10,000.
    """
    office = 100 + (office_base + 37 * (counter // 10_000)) % 900
    serial = (counter % 10_000 * 7_919 + 1_234) % 10_000
    first9 = f"{office:03d}{type_digits}{serial:04d}"
    return f"{first9}{brn_check_digit(first9)}"


# ---------------------------------------------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------------------------------------------


class _Writer:
    """Row sink: CSV (text) or XLSX (openpyxl write-only, typed cells)."""

    def __init__(self, out: Path, encoding: str, today: date) -> None:
        self.out = out
        self.xlsx = out.suffix.lower() == ".xlsx"
        self.today = today
        if self.xlsx:
            from openpyxl import Workbook

            self.wb = Workbook(write_only=True)
            fixed = datetime(today.year, today.month, today.day)
            self.wb.properties.created = fixed
            self.wb.properties.modified = fixed
            self.wb.properties.creator = "jingsu generate-roll"
            self.ws = self.wb.create_sheet("체납자료")
            self.ws.append(list(HEADER_NAMES))
        else:
            self.fh = open(out, "w", encoding=encoding, newline="")  # noqa: SIM115
            self.csv = csv.writer(self.fh, lineterminator="\r\n")
            self.csv.writerow(HEADER_NAMES)

    def close(self) -> None:
        if not self.xlsx:
            self.fh.close()
            return
        fd, tmp = tempfile.mkstemp(suffix=".xlsx", dir=self.out.parent)
        os.close(fd)
        try:
            self.wb.save(tmp)
            _normalise_xlsx(Path(tmp), self.out, self.today)
        finally:
            os.unlink(tmp)


def _normalise_xlsx(src_path: Path, out: Path, today: date) -> None:
    """Copy the package with fixed entry timestamps and a fixed core.xml ``modified``: byte-identical reruns.

    (openpyxl stamps the save time into docProps/core.xml and the zip entries; the sheet is streamed through.)
    """
    stamp = (today.year, today.month, today.day, 0, 0, 0)
    iso = f"{today.isoformat()}T00:00:00Z"
    with zipfile.ZipFile(src_path) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=stamp)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            if info.filename == "docProps/core.xml":
                text = src.read(info).decode("utf-8")
                text = re.sub(
                    r"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)", rf"\g<1>{iso}\g<2>", text
                )
                dst.writestr(zi, text.encode("utf-8"))
                continue
            with src.open(info) as r, dst.open(zi, "w", force_zip64=info.file_size >= 2**31) as w:
                shutil.copyfileobj(r, w, 1 << 20)


def generate_roll(
    *,
    jurisdiction: str,
    taxpayers: int,
    seed: int,
    out: Path,
    today: date,
    encoding: str = "utf-8",
    progress: Callable[[int], None] | None = None,
) -> GenerateSummary:
    """Write a synthetic roll of ``taxpayers`` taxpayers (1–4 rows each) to ``out`` and summarise it.

    ``out``'s suffix picks the format: ``.xlsx`` → XLSX (first sheet), anything else → CSV in ``encoding``
    (``utf-8`` or ``cp949``). ``progress``, if given, is called with the number of taxpayers written every 10,000.
    """
    if not re.fullmatch(r"[0-9]{5}", jurisdiction):
        raise ValueError(f"jurisdiction must be a 5-digit 행정표준코드, got {jurisdiction!r}")
    if taxpayers < 0:
        raise ValueError("taxpayers must be >= 0")
    seed_tag(seed)  # refuses a seed too long for a 과세번호
    out = Path(out)
    gen = _Generator(jurisdiction, seed, today, taxpayers)
    writer = _Writer(out, encoding, today)
    try:
        gen.run(writer, taxpayers, progress)
    finally:
        writer.close()
    return GenerateSummary(
        path=out,
        rows=gen.rows,
        taxpayers=taxpayers,
        total_arrears=gen.total,
        levies_le_threshold=gen.levies_le,
        taxpayers_le_threshold=gen.taxpayers_le,
        by_tax_item=dict(sorted(gen.by_item.items())),
        by_kind=dict(gen.by_kind),
        by_dong=dict(gen.by_dong),
    )


class _Generator:
    def __init__(self, jurisdiction: str, seed: int, today: date, taxpayers: int) -> None:
        self.j = jurisdiction
        self.today = today
        self.today_ord = today.toordinal()
        self.seed = seed
        self.rng = random.Random(seed)
        self.district: District = district_for(jurisdiction)
        self.dong = _Choice([(d, d.weight) for d in self.district.dongs])
        self.prefix = f"{self.district.sido} {self.district.gu} "
        self.blocks = max(1, -(-taxpayers // _BLOCK))
        rng = self.rng
        # Scramble of digits 8–12: multiplier coprime with 100,000 (odd and not a multiple of 5).
        mul = (10_001 + int(rng.random() * 89998)) | 1
        while mul % 5 == 0:
            mul += 2
        self.scramble = (mul, int(rng.random() * _BLOCK))
        self.office_base = int(rng.random() * 900)
        self.brn_counters: dict[str, int] = {}
        self.serials: dict[tuple[str, int], int] = {}
        self.rows = 0
        self.total = 0
        self.levies_le = 0
        self.taxpayers_le = 0
        self.by_item: dict[str, int] = {}
        self.by_kind: dict[str, int] = {}
        self.by_dong: dict[str, int] = {}
        self.cutoff_birth = date(2004, 12, 31).toordinal()

    # -- taxpayer ------------------------------------------------------------------------------------------------

    def _address(self, corporate: bool) -> tuple[str, str, Any]:
        rng = self.rng
        dong = self.dong(rng.random())
        ri = int(rng.random() * len(dong.roads))
        road = dong.roads[ri]
        no = 1 + int(rng.random() * 479)
        r = rng.random()
        if corporate:
            detail = f", {(1 + int(rng.random() * 11))}층" if r < 0.6 else ""
        elif r < 0.42:
            detail = f", {(101 + int(rng.random() * 19))}동 {(1 + int(rng.random() * 25))}{(1 + int(rng.random() * 6)):02d}호"
        elif r < 0.75:
            detail = f", {(1 + int(rng.random() * 5))}{(1 + int(rng.random() * 4)):02d}호"
        else:
            detail = ""
        span = dong.postal_hi - dong.postal_lo + 1
        postal = f"{dong.postal_lo + (ri * 131 + no // 8) % span:05d}"
        return f"{self.prefix}{road} {no}{detail} ({dong.name})", postal, dong

    def _person(self, i: int, foreign: bool) -> tuple[str, str]:
        rng = self.rng
        male = rng.random() < 0.5
        age_days = int(rng.triangular(20.0, 92.0, 50.0) * 365.25)
        birth_ord = min(self.today_ord - age_days, self.cutoff_birth)
        number, born = _person_number(
            i, self.blocks, birth_ord, foreign, male, self.scramble, int(rng.random() * 10)
        )
        if foreign:
            fam, giv = _FOREIGN(rng.random())
            name = f"{fam[int(rng.random() * len(fam))]} {giv[int(rng.random() * len(giv))]}"
        else:
            era = 0 if born.year < 1960 else 1 if born.year < 1980 else 2 if born.year < 2000 else 3
            pool = names.GIVEN_NAMES[("M" if male else "F", era)]
            name = _SURNAME(rng.random()) + pool[int(rng.random() * len(pool))]
        return name, f"{number[:6]}-{number[6:]}"

    def _corporation(self) -> tuple[str, str]:
        rng = self.rng
        t = _BRN_TYPE(rng.random())
        c = self.brn_counters.get(t, 0)
        self.brn_counters[t] = c + 1
        number = _business_number(t, c, self.office_base)
        stem = (
            names.COMPANY_SYLLABLES_1[int(rng.random() * len(names.COMPANY_SYLLABLES_1))]
            + names.COMPANY_SYLLABLES_2[int(rng.random() * len(names.COMPANY_SYLLABLES_2))]
        )
        if t == "82":
            forms = names.COMPANY_FORMS_NONPROFIT
            name = forms[int(rng.random() * len(forms))].format(s=stem)
        else:
            trade = names.COMPANY_TRADES[int(rng.random() * len(names.COMPANY_TRADES))]
            name = _COMPANY_FORM(rng.random()).format(s=stem, t=trade)
            if t == "85":
                name += f" {self.district.gu[:-1]}지점"
        return name, f"{number[:3]}-{number[3:5]}-{number[5:]}"

    def _plate(self) -> str:
        rng = self.rng
        h = _PLATE_HANGUL[int(rng.random() * len(_PLATE_HANGUL))]
        if rng.random() < 0.3:  # 3-digit type numbers from 2019
            return f"{(100 + int(rng.random() * 600))}{h}{(1000 + int(rng.random() * 9000))}"
        return f"{(10 + int(rng.random() * 60))}{h}{(1000 + int(rng.random() * 9000))}"

    # -- levies --------------------------------------------------------------------------------------------------

    def _levy(self, code: str, kind: str, year: int, ctx: dict[str, Any]) -> tuple[Any, ...] | None:
        """(period, object, principal, education, urban, liability, due, assessment) for one levy; None when the law
        bills nothing (a 재산세 under the 소액 징수면제 limit)."""
        rng = self.rng
        corp = kind == "법인"
        if code == "14":  # 재산세
            if "land" not in ctx:
                dong = ctx["dong"].name
                lot = f"{(1 + int(rng.random() * 699))}" + (
                    f"-{(1 + int(rng.random() * 59))}" if rng.random() < 0.7 else ""
                )
                r = rng.random()
                ctx["land"] = (
                    ("토지" if r < 0.5 else "건축물") if corp else ("주택" if r < 0.9 else "토지"),
                    f"{dong} {lot}",
                    rng.random() < 0.8,  # one-house owner (1세대1주택 특례)
                    0.0,
                )
                what = ctx["land"][0]
                # 공시가격 or 시가표준액 (won): 빌라·아파트 for people, small parcels, company land and buildings
                value = (
                    _lognormal(rng, 6e8, 1.4, 4e10)
                    if corp
                    else _lognormal(rng, 2e8, 0.55, 2e9)
                    if what == "주택"
                    else _lognormal(rng, 2.5e7, 1.0, 2e9)
                )
                ctx["land"] = (*ctx["land"][:3], value)
            what, lot, one_house, value = ctx["land"]
            # the amounts come from the law: the 재산세 bill of this one object (jingsu.law.property_tax_bill)
            parts = _property_tax_parts(self.j, year, what, corp, one_house, _round_value(value))
            if not parts:  # 소액 징수면제 (지방세법 제119조): nothing was billed, so nothing is in arrears
                return None
            # a house over the lump-sum limit is billed half in July and half in September (제115조①3호)
            month, day, principal, edu, urban = parts[0] if len(parts) == 1 or rng.random() < 0.5 else parts[1]
            return (
                "정기1기" if month == 7 else "정기2기",
                f"{lot} {what}",
                principal,
                edu,
                urban,
                date(year, 6, 1),
                date(year, month, day),
                "부과",
            )
        if code == "15":  # 자동차세 (비영업용 승용)
            if "car" not in ctx:
                ctx["car"] = (self._plate(), _CC(rng.random()), (5 + int(rng.random() * 15)))
            plate, cc, car_age = ctx["car"]
            first = rng.random() < 0.5
            # `car_age` is the car's 차령 this year: its 차령기산일 is in the first half of today.year − car_age + 1
            # (시행령 제122조②1호); the amounts come from the law (jingsu.law.vehicle_tax)
            car_parts = _vehicle_tax_parts(self.j, year, cc, self.today.year - car_age + 1)
            if car_parts is None:  # not yet registered before that year, or no rule for the year: no 정기분
                return None
            base, due, principal, edu = car_parts[0] if first else car_parts[1]
            return ("정기1기" if first else "정기2기", plate, principal, edu, 0, base, due, "부과")
        if code == "13":  # 주민세 개인분 (jingsu.law.resident_individual_tax)
            resident = _resident_individual_tax(self.j, year)
            if resident is None:  # the 조례 rate of this jurisdiction (or year) is not encoded
                return None
            return ("정기", "", resident.tax, resident.education_tax, 0, resident.base_date, resident.due_date, "부과")
        if code == "16":  # 주민세 사업소분 (jingsu.law.resident_tax, resident_individual_tax)
            if corp:
                # 자본금 in the 30억 이하 / 30억 초과 50억 이하 / 50억 초과 bands of 제81조①1호나목 (5/10/20만원)
                capital = 1_000_000_000 if rng.random() < 0.8 else 4_000_000_000 if rng.random() < 0.6 else 10**10
                area = _lognormal(rng, 250, 1.1, 60_000)
            else:
                capital, area = None, _lognormal(rng, 90, 0.8, 2_000)
            business = _business_tax_parts(self.j, year, corp, capital, int(area))
            if business is None:  # 사업소분 exists from 2021 (before: 재산분 and 균등분), or no rule for the year
                return None
            principal, edu, base = business
            return (
                "정기",
                f"사업소 연면적 {int(area)}㎡",
                principal,
                edu,
                0,
                base,
                date(year, 8, 31),
                "신고",
            )
        if code == "18":  # 지방소득세
            tax = _lognormal(rng, 4e5, 1.9, 8e7) if corp else _lognormal(rng, 6e4, 1.3, 3e7)
            due = date(year + 1, 4, 30) if corp else date(year + 1, 5, 31)
            assess = "신고" if rng.random() < 0.7 else "부과"
            return (
                "확정신고" if assess == "신고" else "수시",
                "법인지방소득세" if corp else "종합소득분",
                max(10, trunc10(int(tax))),
                0,
                0,
                date(year, 12, 31),
                due,
                assess,
            )
        if code == "40":  # 세외수입
            what = _NONTAX[int(rng.random() * len(_NONTAX))]
            amount = _lognormal(rng, 2.5e5 if corp else 6e4, 1.3, 5e7)
            occurred = date(year, 1, 1) + timedelta(days=int(rng.random() * 300))
            return (
                "수시",
                what,
                max(1_000, trunc10(int(amount))),
                0,
                0,
                occurred,
                occurred + timedelta(days=(30 + int(rng.random() * 31))),
                "부과",
            )
        if code == "41":  # 주정차위반과태료
            if "car" not in ctx:
                ctx["car"] = (self._plate(), _CC(rng.random()), (5 + int(rng.random() * 15)))
            r = rng.random()
            fine = 40_000 if r < 0.85 else 120_000 if r < 0.95 else 50_000
            occurred = date(year, 1, 1) + timedelta(days=int(rng.random() * 300))
            road = ctx["dong"].roads[0]
            return (
                "수시",
                f"{ctx['car'][0]} ({road} 주정차위반)",
                fine,
                0,
                0,
                occurred,
                occurred + timedelta(days=(60 + int(rng.random() * 31))),
                "부과",
            )
        raise AssertionError(code)

    def run(self, writer: _Writer, taxpayers: int, progress: Callable[[int], None] | None) -> None:
        rng = self.rng
        today = self.today
        j = self.j
        xlsx = writer.xlsx
        emit = writer.ws.append if xlsx else writer.csv.writerow
        emit_many = writer.csv.writerows if not xlsx else None
        by_item = self.by_item
        serials = self.serials
        iso_cache: dict[date, str] = {}
        tag = seed_tag(self.seed)

        def iso(d: date) -> str:
            v = iso_cache.get(d)
            if v is None:
                v = iso_cache[d] = d.isoformat()
            return v

        batch: list[tuple[Any, ...]] = []
        for i in range(taxpayers):
            kind = _KIND(rng.random())
            if kind == "법인":
                name, number = self._corporation()
            else:
                name, number = self._person(i, kind == "외국인")
            address, postal, dong = self._address(kind == "법인")
            self.by_kind[kind] = self.by_kind.get(kind, 0) + 1
            self.by_dong[dong.name] = self.by_dong.get(dong.name, 0) + 1
            mobile_rate = 0.8 if kind == "개인" else 0.6 if kind == "외국인" else 0.3
            mobile = (
                f"010-{(2000 + int(rng.random() * 8000))}-{int(rng.random() * 10000):04d}"
                if rng.random() < mobile_rate
                else ""
            )
            e_service = "Y" if rng.random() < 0.05 else "N"
            opt_out = "Y" if rng.random() < 0.02 else "N"
            ctx: dict[str, Any] = {"dong": dong}
            seen: set[tuple[Any, ...]] = set()
            taxpayer_total = 0
            items = _ITEMS[kind]
            for _ in range(_LEVY_COUNT(rng.random())):
                for _attempt in range(4):
                    code = items(rng.random())
                    year = today.year - _AGE(rng.random())
                    levy = self._levy(code, kind, year, ctx)
                    while levy is not None and levy[6] >= today:  # 납기 not yet passed (early in the year)
                        year -= 1
                        levy = self._levy(code, kind, year, ctx)
                    if levy is None:  # nothing billed that year (소액 징수면제): draw again
                        continue
                    key = (code, year, levy[0], levy[1])
                    if key not in seen:
                        break
                else:
                    continue  # four duplicates in a row: fewer levies for this taxpayer
                seen.add(key)
                period, obj, principal, edu, urban, liable, due, assess = levy
                r = rng.random()
                if r < 0.01:
                    status, deadline = "징수유예", due + timedelta(days=(90 + int(rng.random() * 276)))
                elif r < 0.02:
                    status, deadline = "분할납부", due + timedelta(days=(60 + int(rng.random() * 121)))
                elif r < 0.025:
                    status, deadline = "불복", due
                else:
                    status, deadline = "정상", due
                serial = serials.get((code, year), 0) + 1
                serials[(code, year)] = serial
                levy_total = principal + edu + urban
                taxpayer_total += levy_total
                if levy_total <= THRESHOLD:
                    self.levies_le += 1
                by_item[code] = by_item.get(code, 0) + 1
                self.rows += 1
                # XLSX gets date cells, CSV the ISO text of the same dates
                dates = (liable, due, deadline) if xlsx else (iso(liable), iso(due), iso(deadline))
                row = (j, f"{j}-{code}-{year}-{tag}-{serial:07d}", kind, name, number, address, postal, mobile, e_service,
                       opt_out, code, year, period, obj, principal, edu, urban, *dates, assess, status)
                if xlsx:
                    emit(list(row))
                else:
                    batch.append(row)
            if batch:
                emit_many(batch)  # type: ignore[misc]
                batch.clear()
            self.total += taxpayer_total
            if taxpayer_total <= THRESHOLD:
                self.taxpayers_le += 1
            if progress is not None and (i + 1) % 10_000 == 0:
                progress(i + 1)


#: Longest seed tag that keeps a 과세번호 within 40 characters (11260-14-2024-<tag>-0000001).
_MAX_TAG = 40 - len("11260-14-2024--0000001")


def seed_tag(seed: int) -> str:
    """The part of every 과세번호 that names the seed (R7, RN7 for −7): rolls generated with different seeds have
    disjoint 과세번호, so importing one on top of another adds levies and never rewrites the other's (the README's
    example must not be able to damage a database)."""
    tag = f"R{seed}" if seed >= 0 else f"RN{-seed}"
    if len(tag) > _MAX_TAG:
        raise ValueError(f"seed {seed} is too long for a 과세번호 (at most {_MAX_TAG - 1} digits)")
    return tag


#: 재산세 objects of the synthetic roll → (object, class) of `jingsu.law.property_tax`: people own houses (or
#: 종합합산 land), companies 별도합산 land and ordinary buildings.
_PROPERTY_KIND = {
    ("주택", False): ("house", "general"),
    ("토지", False): ("land", "aggregate"),
    ("토지", True): ("land", "separate"),
    ("건축물", True): ("building", "general"),
}


def _round_value(value: float) -> int:
    """A drawn 시가표준액 to three significant figures, at least whole 1,000원 (공시가격 are published in round
    figures: 1억3,200만원, 2,350만원): the bills repeat, so `_property_tax_parts` is mostly a cache hit."""
    if value < 1_000:
        return 0 if value < 500 else 1_000
    unit = max(1_000, 10 ** (int(math.log10(value)) - 2))
    return round(value / unit) * unit


@functools.lru_cache(maxsize=1 << 16)
def _property_tax_parts(
    jurisdiction: str, year: int, what: str, corp: bool, one_house: bool, value: int
) -> tuple[tuple[int, int, int, int, int], ...]:
    """The 납기 of one object's 재산세 bill: ((month, day, 본세, 지방교육세, 도시지역분), …), empty when 소액 징수면제.

    Memoised: a roll of 200,000 taxpayers asks for the same (year, kind, value) many times."""
    obj, klass = _PROPERTY_KIND[(what, corp)]
    bill = property_tax_bill(
        jurisdiction=jurisdiction,
        tax_year=year,
        objects=(BillObject("x", obj, klass, value),),
        one_house=one_house and obj == "house",
    )
    assert bill.due is not None
    return tuple(
        (d["date"].month, d["date"].day, d["property_tax"], d["education_tax"], d["city_area_tax"])
        for d in bill.due
        if d["property_tax"] or d["city_area_tax"] or d["education_tax"]
    )


@functools.lru_cache(maxsize=1 << 14)
def _vehicle_tax_parts(
    jurisdiction: str, year: int, cc: int, start_year: int
) -> tuple[tuple[date, date, int, int], ...] | None:
    """The two 기분 of one car's 자동차세 from the law: ((과세기준일, 납기, 본세, 지방교육세), …); None when the car's
    차령기산일 (1월 1일 of `start_year`) is not before the tax year (신규등록 연도: 일할계산, not drawn) or the law has no
    rule for the year."""
    if start_year >= year:
        return None
    try:
        r = vehicle_tax_cached(jurisdiction, year, cc, date(start_year, 1, 1))
    except NoRuleForDate:
        return None
    return tuple((p.base_date, p.due_date, p.tax, p.education_tax) for p in r.periods)


@functools.lru_cache(maxsize=1 << 10)
def _resident_individual_tax(jurisdiction: str, year: int) -> ResidentIndividualTaxResult | None:
    """The 주민세 개인분 of the year from the law; None where no 조례 rate (or no rule for the year) is encoded."""
    try:
        return resident_individual_tax_cached(jurisdiction, year)
    except NoRuleForDate:
        return None


@functools.lru_cache(maxsize=1 << 16)
def _business_tax_parts(
    jurisdiction: str, year: int, corp: bool, capital: int | None, area: int
) -> tuple[int, int, date] | None:
    """(사업소분 세액, 지방교육세 on its 기본세율 part, 과세기준일) from the law; None before 2021 (no 사업소분) or where
    the law has no rule (e.g. the 지방교육세 class of a jurisdiction outside Seoul)."""
    data: dict[str, Any] = {"jurisdiction": jurisdiction, "tax_year": year, "floor_area_m2": area}
    if corp:
        data.update(taxpayer_kind="corporation", capital=capital)
    else:
        data.update(taxpayer_kind="individual")
    try:
        r = resident_property_tax(data, None)
        if r["regime"] != "business":
            return None
        edu = resident_education_tax(jurisdiction, r["base_date"], r["basic_tax"])
    except NoRuleForDate:
        return None
    return r["tax"], edu, r["base_date"]


__all__ = ["GenerateSummary", "THRESHOLD", "generate_roll", "seed_tag"]
