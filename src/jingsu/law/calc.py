"""The JSON calculator entry point: ``jingsu calc NAME [--explain]``.

Reads ONE JSON object from stdin and writes ONE JSON object to stdout. Exit codes:

- 0: ``{...result...}`` (plus ``"trace": [...]`` with ``--explain``);
- 2: invalid input, unknown calculator, or no rule for the date:
  ``{"error": {"field": <JSON field or null>, "message": <Korean>, "code": "input"|"unknown-calculator"|"no-rule"}}``;
- 1: a broken parameter file or another internal error: ``{"error": {"field": null, "message": ..., "code": ...}}``.

Calculators register themselves with `@calculator("name")`; a calculator is
``fn(data: dict, trace: Trace | None) -> dict`` and validates its own input (helpers below raise `InputError`
with the JSON field name). Their modules are listed in `CALCULATOR_MODULES` and imported on first use; modules that
do not exist yet are skipped.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Callable, Iterable
from datetime import date
from typing import IO, Any

from jingsu.korean import josa
from jingsu.law import holidays
from jingsu.law.errors import InputError, LawError, NoRuleForDate, ParamSchemaError
from jingsu.law.trace import Trace, jsonable

Calculator = Callable[[dict[str, Any], Trace | None], dict[str, Any]]

CALCULATORS: dict[str, Calculator] = {}

CALCULATOR_MODULES = [
    "jingsu.law.property_tax",
    "jingsu.law.fire_facility_tax",
    "jingsu.law.property_tax_bill",
    "jingsu.law.penalty",
    "jingsu.law.fine_penalty",
    "jingsu.law.procedure",
    "jingsu.law.resident_tax",
    "jingsu.law.employee_tax",
    "jingsu.law.reduction",
    "jingsu.law.reward",
    "jingsu.law.vehicle_tax",
    "jingsu.law.resident_individual_tax",
    "jingsu.law.enforcement",
]

_loaded = False


def calculator(name: str) -> Callable[[Calculator], Calculator]:
    """Register `fn` as the calculator `name` (``jingsu calc name``)."""

    def register(fn: Calculator) -> Calculator:
        if name in CALCULATORS and CALCULATORS[name] is not fn:
            raise ValueError(f"calculator {name!r} registered twice")
        CALCULATORS[name] = fn
        return fn

    return register


def load_calculators() -> None:
    """Import every module of `CALCULATOR_MODULES` that exists (once)."""
    global _loaded
    if _loaded:
        return
    for mod in CALCULATOR_MODULES:
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as e:
            if e.name != mod:  # a real missing dependency inside an existing module: do not hide it
                raise
    _loaded = True


def run(name: str, data: dict[str, Any], explain: bool = False) -> dict[str, Any]:
    """Run calculator `name` on `data`; with `explain` the result also carries ``"trace"``.

    Raises `InputError` (field ``"calculator"`` for an unknown name), `NoRuleForDate`, `ParamSchemaError`.
    """
    load_calculators()
    fn = CALCULATORS.get(name)
    if fn is None:
        raise InputError("calculator", f"알 수 없는 계산기입니다: {name} (가능: {', '.join(sorted(CALCULATORS))})")
    if not isinstance(data, dict):
        raise InputError(None, "입력은 JSON 객체여야 합니다")
    trace = Trace() if explain else None
    result = fn(data, trace)
    out: dict[str, Any] = jsonable(result)
    if trace is not None:
        out["trace"] = trace.steps
    return out


def _error(field: str | None, message: str, code: str) -> dict[str, Any]:
    return {"error": {"field": field, "message": message, "code": code}}


def _split_holiday_files(argv: list[str]) -> tuple[list[str], list[str]] | None:
    """`argv` without its ``--holidays FILE`` / ``--holidays=FILE`` options, and the files; None when one lacks FILE."""
    rest: list[str] = []
    files: list[str] = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--holidays":
            if i + 1 >= len(argv):
                return None
            files.append(argv[i + 1])
            i += 2
            continue
        if a.startswith("--holidays="):
            files.append(a.split("=", 1)[1])
        else:
            rest.append(a)
        i += 1
    return rest, files


def main(argv: list[str], stdin: IO[str], stdout: IO[str]) -> int:
    """``jingsu calc NAME [--explain] [--holidays FILE]…`` (argv excludes the program name and the ``calc`` word).

    ``--holidays FILE`` adds an office's holiday calendar file (a newly designated 임시공휴일, or a further year) to the
    shipped one for this run (`jingsu.law.holidays`; docs/calc.md §5)."""
    split = _split_holiday_files(argv)
    usage = "사용법: jingsu calc 계산기이름 [--explain] [--holidays 휴일파일.yaml] < 입력.json"
    args = [a for a in split[0] if a != "--explain"] if split is not None else []
    explain = split is not None and len(args) != len(split[0])
    code = 0
    if split is None or len(args) != 1:
        out = _error("calculator", usage, "input")
        code = 2
    else:
        try:
            holidays.use_extra_files(split[1])
            if split[1]:
                holidays.default_calendar()  # a broken office file is reported before any calculation
            data = json.loads(stdin.read())
            out = run(args[0], data, explain)
        except json.JSONDecodeError as e:
            out, code = _error(None, f"입력이 올바른 JSON이 아닙니다 ({e.lineno}행 {e.colno}열)", "input"), 2
        except InputError as e:
            kind = "unknown-calculator" if e.field == "calculator" else "input"
            out, code = _error(e.field, e.message, kind), 2
        except NoRuleForDate as e:
            out, code = _error(e.field, e.message, "no-rule"), 2
        except ParamSchemaError as e:
            out, code = _error(None, f"법령 매개변수 파일 오류: {e}", "param-schema"), 1
        except LawError as e:
            out, code = _error(None, f"계산 오류: {e}", "internal"), 1
    json.dump(out, stdout, ensure_ascii=False, sort_keys=False)
    stdout.write("\n")
    return code


# ---------------------------------------------------------------------------------------------------------
# input helpers for calculators: each raises InputError(field, Korean message)

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def check_fields(data: dict[str, Any], allowed: Iterable[str]) -> None:
    """Refuse unknown fields (a typo must not be silently ignored)."""
    allowed_set = set(allowed)
    for k in data:
        if k not in allowed_set:
            raise InputError(k, f"알 수 없는 입력 항목입니다: {k} (가능: {', '.join(sorted(allowed_set))})")


def field_int(
    data: dict[str, Any], field: str, *, minimum: int | None = 0, maximum: int | None = None,
    default: int | None = None,
) -> int:
    """An integer field (amounts are integer won; floats and strings are refused).

    Absent or null → `default` when one is given, else `InputError` (never a silent 0).
    """
    if field not in data or data[field] is None:
        if default is not None:
            return default
        raise InputError(field, f"{field} 항목이 필요합니다")
    v = data[field]
    if isinstance(v, bool) or not isinstance(v, int):
        raise InputError(field, f"{josa(field, '은')} 정수여야 합니다 (금액은 원 단위 정수)")
    if minimum is not None and v < minimum:
        raise InputError(field, f"{josa(field, '은')} {minimum:,} 이상이어야 합니다")
    if maximum is not None and v > maximum:
        raise InputError(field, f"{josa(field, '은')} {maximum:,} 이하여야 합니다")
    return v


def field_opt_int(data: dict[str, Any], field: str, *, minimum: int = 0) -> int | None:
    """An optional integer field: None when absent or null."""
    if data.get(field) is None:
        return None
    return field_int(data, field, minimum=minimum)


def field_date(data: dict[str, Any], field: str) -> date:
    """An ISO date field ``YYYY-MM-DD``."""
    v = data.get(field)
    if v is None:
        raise InputError(field, f"{field} 항목이 필요합니다 (날짜, YYYY-MM-DD)")
    if not isinstance(v, str) or not _DATE_RE.match(v):
        raise InputError(field, f"{josa(field, '은')} YYYY-MM-DD 형식의 날짜여야 합니다")
    try:
        return date.fromisoformat(v)
    except ValueError:
        raise InputError(field, f"{field}: 존재하지 않는 날짜입니다 ({v})") from None


def field_choice(data: dict[str, Any], field: str, choices: Iterable[str], *, default: str | None = None) -> str:
    """A string field with a fixed set of values."""
    options = list(choices)
    v = data.get(field, default)
    if v is None:
        raise InputError(field, f"{field} 항목이 필요합니다 (가능: {', '.join(options)})")
    if not isinstance(v, str) or v not in options:
        raise InputError(field, f"{field} 값이 올바르지 않습니다: {v!r} (가능: {', '.join(options)})")
    return v


def field_bool(data: dict[str, Any], field: str, *, default: bool) -> bool:
    v = data.get(field, default)
    if v is None:
        return default
    if not isinstance(v, bool):
        raise InputError(field, f"{josa(field, '은')} true 또는 false여야 합니다")
    return v


def field_jurisdiction(data: dict[str, Any], field: str = "jurisdiction") -> str:
    """A 행정표준코드 (5 digits, e.g. "11260")."""
    v = data.get(field)
    if v is None:
        raise InputError(field, f"{field} 항목이 필요합니다 (지자체 행정표준코드 5자리, 예: 11260)")
    if not isinstance(v, str) or not re.match(r"^\d{5}$", v):
        raise InputError(field, f"지자체 코드가 올바르지 않습니다: {v!r} (행정표준코드 5자리, 예: 11260)")
    return v
