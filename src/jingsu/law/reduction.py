"""구세 감면조례: calculator ``reduction``.

서울특별시중랑구세 감면조례 제5·13·16·17조 as amended on 2010.2.5 (조례 제884호): the 사업소세 exemption became an
exemption from 주민세 재산분 and 지방소득세 종업원분, for liabilities arising from 2010.1.1 (부칙 제2조). The parameters
live only under ``params/11260/reduction.yaml`` (중랑구); any other jurisdiction has no 감면조례 loaded and the
calculator raises `NoRuleForDate` with ``field = "jurisdiction"``; a date outside the encoded versions
(before 2010-01-01, from 2014-01-01) raises `NoRuleForDate` with ``field = "date"``.

    감면율 r        = the article's rate for the 세목 (100% 면제, 50% 경감; 0 if the article does not name the 세목,
                      or for 재산세 when the property is not directly used as the article requires)
    제13조 단서     r × (1 − 민간출자·출연비율)
    reduction      = ⌊tax × r⌋ (원 미만 버림)
    tax_after      = 10원 미만 절사 (tax − reduction)   (지방세기본법 제59조 → 국고금 관리법 제47조①)

Input JSON: ``jurisdiction``, ``date`` (납세의무 성립일: 재산세 6월 1일, 주민세 재산분 7월 1일, 종업원분 급여 지급일),
``beneficiary`` (see `BENEFICIARIES`), ``tax_item`` (a `jingsu.law.tax_items` code such as ``"14"`` or key such as
``"property"``), ``tax`` (산출세액, won), ``direct_use`` (bool; required for 재산세), ``private_share`` (optional,
제13조 only: the 민간출자·출연비율 as a decimal string ``"0.25"`` or ``{"num": 1, "den": 4}``; default 0).
Output: ``tax_item``, ``article``, ``rate`` (effective), ``reduction``, ``tax_after``.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from jingsu.korean import josa
from jingsu.law import params
from jingsu.law._resident_reduction_support import get_param, param_value
from jingsu.law.calc import (
    calculator,
    check_fields,
    field_choice,
    field_date,
    field_int,
    field_jurisdiction,
)
from jingsu.law.errors import InputError, NoRuleForDate
from jingsu.law.money import mul_floor, trunc10
from jingsu.law.tax_items import TAX_ITEMS
from jingsu.law.trace import Trace

NAME = "reduction"
FIELDS = ("jurisdiction", "date", "beneficiary", "tax_item", "tax", "direct_use", "private_share")

# stable English code → (article, Korean name)
BENEFICIARIES: dict[str, tuple[str, str]] = {
    "local-medical-center": ("제5조", "지방의료원"),
    "local-public-enterprise": (
        "제13조",
        "지방공사·지방공단·지방자치단체 출자·출연 법인 또는 단체 (지방공사 등)",
    ),
    "seoul-credit-guarantee": ("제16조", "서울신용보증재단"),
    "seoul-sme-support-center": ("제17조", "서울특별시중소기업종합지원센터"),
}
ORDINANCE = "서울특별시중랑구세 감면조례"
PROPERTY = "property"


def resolve_tax_item(value: object, field: str = "tax_item") -> str:
    """A tax_items code ("14") or key ("property") → the key."""
    if not isinstance(value, str) or not value:
        raise InputError(field, f'{field} 항목이 필요합니다 (세목 코드 예: "14" 또는 key 예: "property")')
    if value in TAX_ITEMS:
        return TAX_ITEMS[value].key
    keys = {t.key for t in TAX_ITEMS.values()}
    if value in keys:
        return value
    raise InputError(field, f"알 수 없는 세목입니다: {value!r} (jingsu.law.tax_items의 코드 또는 key)")


def parse_share(value: object, field: str = "private_share") -> Fraction:
    """민간출자·출연비율 in [0, 1]: a decimal string, ``{"num": n, "den": d}``, or the integers 0 / 1."""
    if value is None:
        return Fraction(0)
    share: Fraction
    if isinstance(value, bool):
        raise InputError(
            field, f'{josa(field, "은")} "0.25" 같은 소수 문자열이나 {{"num": 1, "den": 4}}여야 합니다'
        )
    if isinstance(value, int):
        share = Fraction(value)
    elif isinstance(value, str):
        try:
            d = Decimal(value.strip())
        except InvalidOperation:
            raise InputError(
                field, f'{josa(field, "은")} "0.25" 같은 소수 문자열이어야 합니다: {value!r}'
            ) from None
        if not d.is_finite():
            raise InputError(field, f"{josa(field, '은')} 유한한 수여야 합니다")
        share = Fraction(d)
    elif isinstance(value, dict):
        if set(value) != {"num", "den"}:
            raise InputError(field, f'{field} 객체는 num과 den만 가집니다 (예: {{"num": 1, "den": 4}})')
        num, den = value["num"], value["den"]
        if any(isinstance(x, bool) or not isinstance(x, int) for x in (num, den)) or den <= 0:
            raise InputError(field, f"{field}의 num은 정수, den은 양의 정수여야 합니다")
        share = Fraction(num, den)
    else:
        raise InputError(
            field,
            f'{josa(field, "은")} 소수 문자열("0.25")이나 {{"num": 1, "den": 4}}여야 합니다 (실수 float는 받지 않음)',
        )
    if not 0 <= share <= 1:
        raise InputError(field, f"{josa(field, '은')} 0 이상 1 이하여야 합니다")
    return share


def _has_ordinance(jurisdiction: str) -> bool:
    return any((params.PARAMS_DIR / j / "reduction.yaml").is_file() for j in params.parents(jurisdiction))


@calculator(NAME)
def reduction(data: dict[str, Any], trace: Trace | None = None) -> dict[str, Any]:
    check_fields(data, FIELDS)
    j = field_jurisdiction(data)
    on = field_date(data, "date")
    beneficiary = field_choice(data, "beneficiary", list(BENEFICIARIES))
    item = resolve_tax_item(data.get("tax_item"))
    tax = field_int(data, "tax")
    share = parse_share(data.get("private_share"))
    direct_use: bool | None = None
    if data.get("direct_use") is not None:
        if not isinstance(data["direct_use"], bool):
            raise InputError("direct_use", "direct_use는 true 또는 false여야 합니다")
        direct_use = data["direct_use"]

    if not _has_ordinance(j):
        raise NoRuleForDate(f"reduction ({ORDINANCE} 등 구세 감면조례 미수록)", j, on, field="jurisdiction")
    article, name = BENEFICIARIES[beneficiary]
    rates_p = get_param(j, f"reduction.{beneficiary}.rates", on, "date")
    rates = param_value(rates_p, dict, rates_p.path)
    excl_p = get_param(j, f"reduction.{beneficiary}.private_share_excluded", on, "date")
    excluded = param_value(excl_p, bool, excl_p.path)

    rate = Fraction(rates.get(item, Fraction(0)))
    reason = "감면" if item in rates else "이 조는 해당 세목을 감면하지 않음"
    if trace is not None:
        trace.add(
            f"{article} {name}: 세목별 감면율",
            rates_p.ref,
            {"beneficiary": beneficiary, "tax_item": item, "date": on},
            rate,
        )
    if item == PROPERTY and item in rates:
        if direct_use is None:
            raise InputError(
                "direct_use",
                f"재산세 감면({ORDINANCE} {article})은 과세기준일 현재 정해진 용도에 직접 사용하는 부동산에만 "
                "적용됩니다: direct_use(true/false)를 넣으십시오",
            )
        if not direct_use:
            rate = Fraction(0)
            reason = "직접 사용하는 부동산이 아님 (감면 요건 불충족)"
        if trace is not None:
            trace.add(
                "재산세 감면 요건: 과세기준일 현재 직접 사용",
                rates_p.note or rates_p.ref,
                {"direct_use": direct_use},
                rate,
            )
    if share != 0 and not excluded:
        raise InputError(
            "private_share", f"민간출자·출연비율 제외는 {ORDINANCE} 제13조(지방공사 등)에만 적용됩니다"
        )
    if excluded and share != 0 and rate != 0:
        before = rate
        rate = rate * (1 - share)
        if trace is not None:
            trace.add(
                "제13조 단서: 민간출자·출연비율 제외",
                excl_p.ref,
                {"rate": before, "private_share": share},
                rate,
            )

    amount = mul_floor(tax, rate)
    tax_after = trunc10(tax - amount)
    if trace is not None:
        trace.add(
            "감면세액 = 산출세액 × 감면율 (원 미만 버림)",
            f"{ORDINANCE} {article}",
            {"tax": tax, "rate": rate},
            amount,
        )
        trace.add(
            "감면 후 세액, 10원 미만 절사",
            "지방세기본법 제59조, 국고금 관리법 제47조①",
            {"tax": tax, "reduction": amount},
            tax_after,
        )
    return {
        "tax_item": item,
        "beneficiary": beneficiary,
        "article": f"{ORDINANCE} {article}",
        "ref": rates_p.ref,
        "reason": reason,
        "rate": rate,
        "private_share": share,
        "reduction": amount,
        "tax_after": tax_after,
    }
