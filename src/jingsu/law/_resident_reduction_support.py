"""Small helpers shared by the 주민세 (재산분·사업소분·종업원분) and 감면조례 calculators
(`resident_tax`, `employee_tax`, `reduction`). They build on the input helpers of `calc.py`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from jingsu.korean import josa
from jingsu.law import params
from jingsu.law.errors import InputError, NoRuleForDate, ParamSchemaError
from jingsu.law.params import Param


def get_param(jurisdiction: str, path: str, on: date, field: str) -> Param:
    """`params.get`, but a `NoRuleForDate` names the JSON input `field` that chose the date (for the CLI)."""
    try:
        return params.get(jurisdiction, path, on)
    except NoRuleForDate as e:
        if e.field is None:
            e.field = field
        raise


def param_value(p: Param, kind: type, path: str) -> Any:
    """The value of `p`, checked against `kind` (a `null` version or a wrong type is a schema error)."""
    v = p.value
    if not isinstance(v, kind) or (kind is int and isinstance(v, bool)):
        raise ParamSchemaError(f"{path} ({p.jurisdiction}, from {p.effective_from}) is not a {kind.__name__}")
    return v


def field_year(data: dict[str, Any], field: str) -> int:
    v = data.get(field)
    if v is None:
        raise InputError(field, f"{field} 항목이 필요합니다 (과세연도, 예: 2024)")
    if isinstance(v, bool) or not isinstance(v, int) or not 1900 <= v <= 9999:
        raise InputError(field, f"{josa(field, '은')} 네 자리 연도(정수)여야 합니다: {v!r}")
    return v
