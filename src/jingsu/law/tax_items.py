"""The 세목 (tax item) code list used on rolls, levies and notices.

jingsu keeps its own two-digit codes (the national 지방세정보시스템 codes are not public in a citable form);
each code names one 세목 of 지방세기본법 제8조 or one kind of 세외수입. Codes are stable: never reuse one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Nature = Literal["local-tax", "non-tax"]


@dataclass(frozen=True, slots=True)
class TaxItem:
    code: str
    name: str  # Korean name as printed on notices
    key: str  # the one English code name (glossary)
    nature: Nature


TAX_ITEMS: dict[str, TaxItem] = {
    item.code: item
    for item in (
        TaxItem("10", "취득세", "acquisition", "local-tax"),
        TaxItem("11", "등록면허세", "registration-license", "local-tax"),
        TaxItem("13", "주민세(개인분)", "resident-individual", "local-tax"),
        TaxItem("14", "재산세", "property", "local-tax"),
        TaxItem("15", "자동차세", "vehicle", "local-tax"),
        TaxItem("16", "주민세(사업소분)", "resident-business", "local-tax"),
        TaxItem("17", "주민세(종업원분)", "resident-employee", "local-tax"),
        TaxItem("18", "지방소득세", "local-income", "local-tax"),
        TaxItem("19", "주민세(재산분)", "resident-property", "local-tax"),
        TaxItem("20", "지방소득세(종업원분)", "local-income-employee", "local-tax"),
        TaxItem("40", "세외수입", "non-tax", "non-tax"),
        TaxItem("41", "주정차위반과태료", "parking-fine", "non-tax"),
    )
}


def tax_item(code: str) -> TaxItem:
    """The tax item for a code; KeyError names the unknown code."""
    try:
        return TAX_ITEMS[code]
    except KeyError:
        raise KeyError(f"unknown tax item code {code!r}") from None
