"""Infrastructure of jingsu.law: no Django, params schema and lookup, money, trace, CLI."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from jingsu.law import calc, params
from jingsu.law.errors import InputError, NoRuleForDate, ParamSchemaError
from jingsu.law.money import mul_floor, parse_rate, trunc10
from jingsu.law.trace import Trace

SRC = Path(__file__).resolve().parents[2] / "src"


def test_law_package_imports_without_django() -> None:
    code = textwrap.dedent(
        """
        import sys, importlib, pkgutil
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name == "django" or name.startswith("django."):
                    raise ImportError("django is blocked in jingsu.law")
                return None
        sys.meta_path.insert(0, Block())
        import jingsu.law
        for m in pkgutil.walk_packages(jingsu.law.__path__, "jingsu.law."):
            importlib.import_module(m.name)
        from jingsu.law import calc
        calc.load_calculators()
        assert not any(k == "django" or k.startswith("django.") for k in sys.modules)
        print("ok")
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={"PYTHONPATH": str(SRC)}, check=False
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


# money ---------------------------------------------------------------------------------------------------


def test_trunc10() -> None:
    assert trunc10(21_150_525) == 21_150_520  # the court example (국고금 관리법 제47조①)
    assert trunc10(9) == 0
    assert trunc10(10) == 10
    assert trunc10(0) == 0
    with pytest.raises(TypeError):
        trunc10(1.5)  # type: ignore[arg-type]


def test_mul_floor_exact() -> None:
    assert mul_floor(176_000_000, Fraction(2, 1000)) == 352_000
    assert mul_floor(999, Fraction(1, 1000)) == 0
    assert mul_floor(1_000_001, Decimal("0.0066")) == 6_600
    assert mul_floor(3, parse_rate("33.3333%")) == 0
    with pytest.raises(TypeError):
        mul_floor(100, 0.5)  # type: ignore[arg-type]


def test_parse_rate() -> None:
    assert parse_rate("0.4%") == Fraction(4, 1000)
    assert parse_rate("1/1000") == Fraction(1, 1000)
    assert parse_rate("0.0014") == Fraction(14, 10000)


# params --------------------------------------------------------------------------------------------------


def test_parents() -> None:
    assert params.parents("11260") == ["11260", "11000", "kr"]
    assert params.parents("11000") == ["11000", "kr"]
    assert params.parents("kr") == ["kr"]
    with pytest.raises(InputError):
        params.parents("1126")


@pytest.fixture
def tmp_params(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(params, "PARAMS_DIR", tmp_path)
    params.clear_cache()
    yield tmp_path
    params.clear_cache()


def _write(root: Path, jurisdiction: str, area: str, text: str) -> None:
    d = root / jurisdiction
    d.mkdir(exist_ok=True)
    (d / f"{area}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")


def test_lookup_inherits_and_respects_dates(tmp_params: Path) -> None:
    _write(tmp_params, "kr", "demo", """
        rates:
          flat:
            type: rate
            values:
              - {from: 2011-01-01, ref: "법 제1조", value: "0.3%"}
    """)
    _write(tmp_params, "11260", "demo", """
        rates:
          flat:
            type: rate
            values:
              - {from: 2010-02-05, to: 2011-01-01, ref: "조례 제21조", value: "0.25%"}
    """)
    p = params.get("11260", "demo.rates.flat", date(2010, 6, 1))
    assert p.value == Fraction(25, 10000) and p.jurisdiction == "11260"
    p = params.get("11260", "demo.rates.flat", date(2011, 1, 1))
    assert p.value == Fraction(3, 1000) and p.jurisdiction == "kr" and p.effective_to is None
    assert params.get("11560", "demo.rates.flat", date(2024, 6, 1)).jurisdiction == "kr"


def test_date_before_any_version_raises_not_zero(tmp_params: Path) -> None:
    _write(tmp_params, "kr", "demo", """
        x:
          type: won
          values:
            - {from: 2011-01-01, ref: "법 제1조", value: 100}
    """)
    with pytest.raises(NoRuleForDate) as info:
        params.get("11260", "demo.x", date(2010, 12, 31))
    assert info.value.rule == "demo.x"
    assert info.value.jurisdiction == "11260"
    assert info.value.on == date(2010, 12, 31)


def test_real_params_date_before_any_version_raises() -> None:
    with pytest.raises(NoRuleForDate):
        params.get("11350", "property_tax.rates.house.general", date(2009, 6, 1))


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("x:\n  type: won\n  valuez: []\n", "valuez"),
        ("x:\n  type: won\n  values:\n    - {from: 2011-01-01, ref: r, value: 1, effective: 2011-01-01}\n", "effective"),
        ("x:\n  type: won\n  values:\n    - {ref: r, value: 1}\n", "from"),
        ("x:\n  type: won\n  values:\n    - {from: 2011-01-01, value: 1}\n", "ref"),
        ("x:\n  type: won\n  values:\n    - {from: 2011-01-01, ref: r}\n", "value"),
        ("x:\n  type: rate\n  values:\n    - {from: 2011-01-01, ref: r, value: 0.004}\n", "quoted"),
        (
            "x:\n  type: won\n  values:\n    - {from: 2011-01-01, ref: r, value: 1}\n"
            "    - {from: 2012-01-01, ref: r, value: 2}\n",
            "overlap",
        ),
        (
            "x:\n  type: brackets\n  values:\n    - from: 2011-01-01\n      ref: r\n      value:\n"
            "        - {over: 0, base: 0, rate: '0.1%'}\n        - {over: 1000, base: 2, rate: '0.2%'}\n",
            "does not match",
        ),
        ("x: 3\n", "unknown key 'x'"),
    ],
)
def test_schema_errors_name_file_and_key(tmp_params: Path, text: str, needle: str) -> None:
    _write(tmp_params, "kr", "bad", text)
    with pytest.raises(ParamSchemaError) as info:
        params.get("kr", "bad.x", date(2020, 1, 1))
    assert "bad.yaml" in str(info.value)
    assert needle in str(info.value)


def test_all_shipped_param_files_are_valid() -> None:
    files = sorted(params.PARAMS_DIR.glob("*/*.yaml"))
    assert files
    for f in files:
        params.load_path(f, f.parent.name, f.stem)


# trace and CLI -------------------------------------------------------------------------------------------


def test_trace_is_json() -> None:
    t = Trace()
    t.add("r", "지방세법 제111조", {"rate": Fraction(1, 1000), "on": date(2025, 6, 1)}, 5)
    assert t.steps == [{"rule": "r", "article": "지방세법 제111조", "inputs": {"rate": "0.001", "on": "2025-06-01"},
                        "output": 5}]
    json.dumps(t.steps)


def _cli(argv: list[str], stdin: str) -> tuple[int, dict]:
    out = io.StringIO()
    code = calc.main(argv, io.StringIO(stdin), out)
    return code, json.loads(out.getvalue())


def test_cli_unknown_calculator() -> None:
    code, out = _cli(["no-such"], "{}")
    assert code == 2 and out["error"]["field"] == "calculator" and out["error"]["message"]


def test_cli_bad_json() -> None:
    code, out = _cli(["property-tax"], "{nope")
    assert code == 2 and "JSON" in out["error"]["message"]


def test_calculator_modules_registered() -> None:
    calc.load_calculators()
    assert {"property-tax", "late-penalty", "procedure-dates"} <= set(calc.CALCULATORS)


def test_cli_explain_carries_trace_and_exit_0() -> None:
    code, out = _cli(["late-penalty", "--explain"], json.dumps({
        "jurisdiction": "11260", "liability_date": "2025-06-01", "due_date": "2025-07-31",
        "principal": 1_000_000, "as_of": "2025-11-03"}))
    assert code == 0 and out["penalty"] == 49_800
    assert all(set(step) == {"rule", "article", "inputs", "output"} for step in out["trace"])
    code, out = _cli(["late-penalty"], json.dumps({
        "jurisdiction": "11260", "liability_date": "2025-06-01", "due_date": "2025-07-31",
        "principal": 1_000_000, "as_of": "2025-11-03"}))
    assert code == 0 and "trace" not in out


def test_cli_no_rule_is_exit_2_with_field() -> None:
    code, out = _cli(["property-tax"], json.dumps({
        "jurisdiction": "11260", "tax_year": 2009, "object": "land", "class": "aggregate",
        "standard_value": 100, "city_area": False}))
    assert code == 2 and out["error"]["field"] == "tax_year" and out["error"]["code"] == "no-rule"
    assert "규정" in out["error"]["message"]


def test_cli_invalid_input_is_exit_2_korean() -> None:
    code, out = _cli(["property-tax"], json.dumps({"jurisdiction": "11260"}))
    assert code == 2 and out["error"]["field"] == "tax_year" and "필요" in out["error"]["message"]


def test_penalty_typed_function() -> None:
    from jingsu.law.penalty import PenaltyResult, late_penalty
    from jingsu.law.trace import Trace

    t = Trace()
    r = late_penalty(jurisdiction="11260", liability_date=date(2025, 6, 1), due_date=date(2025, 7, 31),
                     principal=1_000_000, as_of=date(2025, 11, 3), trace=t)
    assert r == PenaltyResult("B", 30_000, 3, 6_600, 49_800)
    assert len(t) >= 2
    with pytest.raises(NoRuleForDate):
        late_penalty(jurisdiction="11260", liability_date=date(2009, 6, 1), due_date=date(2009, 7, 31),
                     principal=1_000_000, as_of=date(2010, 1, 1))
