"""Address data for the synthetic roll: 법정동, road names and postal-code ranges of a few 자치구.

Road names are real roads of the 구; building numbers are synthetic. Postal codes are 5-digit 국가기초구역번호
(from 2015-08-01: two digits for the 시·도, one for the 시·군·구, two serial). The ranges per 동 below are
approximations inside the 구's block (중랑구 02xxx; 노원구 01xxx; 영등포구 07200–07448 per 영등포구 / 뉴시스
2015-05-27) — good enough for a synthetic district, not a postal lookup table.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Dong:
    name: str  # 법정동, e.g. 면목동
    roads: tuple[str, ...]
    postal_lo: int
    postal_hi: int  # inclusive
    weight: int  # share of taxpayers (roughly by population)


@dataclass(frozen=True, slots=True)
class District:
    code: str  # 행정표준코드
    sido: str
    gu: str
    dongs: tuple[Dong, ...]


JUNGNANG = District(
    "11260",
    "서울특별시",
    "중랑구",
    (
        Dong("면목동", ("면목로", "용마산로", "사가정로", "겸재로", "면목천로", "동일로"), 2100, 2239, 36),
        Dong("상봉동", ("상봉로", "상봉중앙로", "망우로", "동일로"), 2080, 2099, 12),
        Dong("중화동", ("중랑역로", "동일로", "봉화산로"), 2050, 2079, 12),
        Dong("묵동", ("동일로", "봉화산로", "중랑역로"), 2020, 2049, 11),
        Dong("망우동", ("망우로", "양원역로", "용마산로"), 2240, 2259, 12),
        Dong("신내동", ("신내로", "신내역로", "봉화산로", "숙선옹주로", "봉우재로"), 2000, 2019, 17),
    ),
)

NOWON = District(
    "11350",
    "서울특별시",
    "노원구",
    (
        Dong("월계동", ("월계로", "석계로", "광운로"), 1800, 1899, 18),
        Dong("공릉동", ("공릉로", "화랑로", "동일로"), 1700, 1799, 20),
        Dong("하계동", ("한글비석로", "동일로"), 1600, 1649, 12),
        Dong("중계동", ("중계로", "한글비석로", "노원로"), 1650, 1699, 22),
        Dong("상계동", ("상계로", "노해로", "동일로", "노원로"), 1900, 1999, 28),
    ),
)

YEONGDEUNGPO = District(
    "11560",
    "서울특별시",
    "영등포구",
    (
        Dong("여의도동", ("여의대로", "국제금융로", "여의나루로"), 7300, 7349, 10),
        Dong("영등포동", ("영등포로", "영중로"), 7250, 7299, 14),
        Dong("당산동", ("당산로", "양평로"), 7200, 7249, 16),
        Dong("문래동", ("문래로", "도림로"), 7350, 7379, 12),
        Dong("신길동", ("신길로", "영등포로", "도신로"), 7380, 7419, 26),
        Dong("대림동", ("대림로", "도림로"), 7420, 7448, 22),
    ),
)

DISTRICTS: dict[str, District] = {d.code: d for d in (JUNGNANG, NOWON, YEONGDEUNGPO)}


def district_for(code: str) -> District:
    """The district data for a 행정표준코드; 중랑구's streets for a code we have no data for."""
    return DISTRICTS.get(code, JUNGNANG)
