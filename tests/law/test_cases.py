"""Generic runner: every tests/law/cases/*.yaml case through `jingsu.law.calc.run`.

A case file is a YAML list of cases:

    - name: 주택 4억 1세대1주택 2025 (행안부 예시)
      article: 지방세법 제111조의2①
      arithmetic: "4억 × 44% = 176,000,000; 120,000 + 26,000,000 × 0.2% = 172,000"
      calc: property-tax
      input: {...}
      output: {...}          # a subset of the result's keys (nested dicts compared as subsets too)
      # or, for invalid input / no rule:
      error: {field: tax_year}   # the InputError/NoRuleForDate field (and optionally `code`)

Each case must carry `name`, `article`, `arithmetic`, `calc`, `input`, and exactly one of `output` / `error`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from jingsu.law import calc
from jingsu.law.errors import InputError, NoRuleForDate

CASES_DIR = Path(__file__).parent / "cases"
REQUIRED = {"name", "article", "arithmetic", "calc", "input"}
ALLOWED = REQUIRED | {"output", "error", "note", "source"}


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys (a copy-paste slip would otherwise merge two cases silently)."""


def _no_duplicates(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicates)


def _load() -> list[Any]:
    params = []
    for file in sorted(CASES_DIR.glob("*.yaml")):
        cases = yaml.load(file.read_text(encoding="utf-8"), Loader=_StrictLoader) or []  # noqa: S506
        assert isinstance(cases, list), f"{file.name}: a case file is a list of cases"
        for i, case in enumerate(cases):
            name = case.get("name", f"#{i}") if isinstance(case, dict) else f"#{i}"
            params.append(pytest.param(file.name, case, id=f"{file.stem}::{name}"))
    return params


def _subset(expected: Any, actual: Any, where: str) -> None:
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: expected a mapping, got {actual!r}"
        for k, v in expected.items():
            assert k in actual, f"{where}.{k}: missing in result {sorted(actual)}"
            _subset(v, actual[k], f"{where}.{k}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), f"{where}: {actual!r} != {expected!r}"
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            _subset(e, a, f"{where}[{i}]")
    else:
        # YAML dates in expected outputs compare with the ISO strings of the JSON result
        if hasattr(expected, "isoformat") and isinstance(actual, str):
            expected = expected.isoformat()
        assert actual == expected, f"{where}: got {actual!r}, expected {expected!r}"


def _jsonify_input(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonify_input(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonify_input(v) for v in value]
    return value


@pytest.mark.parametrize(("file", "case"), _load())
def test_case(file: str, case: Any) -> None:
    assert isinstance(case, dict), f"{file}: each case is a mapping"
    missing = REQUIRED - set(case)
    assert not missing, f"{file}: case {case.get('name')!r} lacks {sorted(missing)}"
    unknown = set(case) - ALLOWED
    assert not unknown, f"{file}: case {case.get('name')!r} has unknown keys {sorted(unknown)}"
    assert ("output" in case) != ("error" in case), "a case has exactly one of output / error"
    data = _jsonify_input(case["input"])
    if "error" in case:
        with pytest.raises((InputError, NoRuleForDate)) as info:
            calc.run(case["calc"], data, explain=False)
        exc = info.value
        expected = case["error"] or {}
        if "field" in expected:
            assert exc.field == expected["field"], f"error field {exc.field!r}: {exc}"
        if "code" in expected:
            code = "no-rule" if isinstance(exc, NoRuleForDate) else "input"
            assert code == expected["code"]
        return
    result = calc.run(case["calc"], data, explain=True)
    assert result.get("trace"), "every calculation must produce a trace with --explain"
    _subset(case["output"], result, "output")
