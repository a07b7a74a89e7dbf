"""The holiday calendar (params/holidays.yaml), 지방세기본법 제24조 / 민법 제161조, and how an office extends the calendar."""

from __future__ import annotations

import io
import json
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest

from jingsu.law import calc, holidays, procedure
from jingsu.law.errors import NoRuleForDate, ParamSchemaError
from jingsu.law.trace import Trace

CAL = holidays.load([holidays.CALENDAR_FILE])


@pytest.fixture(autouse=True)
def _no_office_files(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(holidays.ENV_VAR, raising=False)
    holidays.use_extra_files(())


def _names(d: date) -> set[str]:
    return {h.name for h in CAL.on(d)}


def test_the_calendar_covers_2010_to_2027_and_nothing_else() -> None:
    assert CAL.years == frozenset(range(2010, 2028))
    for outside in (date(2009, 12, 31), date(2028, 1, 1)):
        with pytest.raises(NoRuleForDate):
            CAL.on(outside)


@pytest.mark.parametrize("year", range(2010, 2028))
def test_every_year_has_its_fixed_holidays_and_three_day_lunar_holidays(year: int) -> None:
    fixed = {(1, 1): "1월 1일", (3, 1): "3·1절", (5, 5): "어린이날", (6, 6): "현충일", (8, 15): "광복절",
             (10, 3): "개천절", (12, 25): "기독탄신일"}
    if year >= 2013:
        fixed[(10, 9)] = "한글날"  # 공휴일 again from 2013
    if year >= 2026:
        fixed[(7, 17)] = "제헌절"  # 공휴일 again from 2026
    for (m, d), name in fixed.items():
        assert name in _names(date(year, m, d)), (year, name)
    days = [h for h in CAL.all_days() if h.day.year == year]
    for triple in (("설날 전날", "설날", "설날 다음 날"), ("추석 전날", "추석", "추석 다음 날")):
        found = [next(h.day for h in days if h.name == n) for n in triple]
        assert found[1] - found[0] == found[2] - found[1] == timedelta(days=1), (year, triple)
    assert sum(h.name == "부처님오신날" for h in days) == 1
    assert sum(h.kind == "workers_day" and h.day == date(year, 5, 1) for h in days) == 1
    assert not any(h.name == "한글날" for h in days) if year < 2013 else True


def test_substitute_holidays_are_weekdays_after_a_clash_and_start_in_2014() -> None:
    subs = [h for h in CAL.all_days() if h.kind == "substitute"]
    assert subs and min(h.day for h in subs) == date(2014, 9, 10)  # the first 대체공휴일 (추석 2014)
    for h in subs:
        assert h.day.weekday() < 5, h
        before = h.day - timedelta(days=1)
        # the day before is a weekend day or another holiday (the clash the substitute makes up for)
        assert before.weekday() >= 5 or CAL.on(before), h


def test_the_temporary_holidays_named_in_the_brief_are_there() -> None:
    for d in (date(2015, 8, 14), date(2016, 5, 6), date(2017, 5, 9), date(2017, 10, 2), date(2020, 8, 17),
              date(2023, 10, 2), date(2024, 10, 1), date(2025, 1, 27), date(2025, 6, 3)):
        assert "temporary" in CAL.kinds_on(d), d
    for d in (date(2010, 6, 2), date(2012, 4, 11), date(2012, 12, 19), date(2014, 6, 4), date(2016, 4, 13),
              date(2018, 6, 13), date(2020, 4, 15), date(2022, 3, 9), date(2022, 6, 1), date(2024, 4, 10),
              date(2026, 6, 3)):
        assert any("선거일" in h.name for h in CAL.on(d)), d


def test_every_day_carries_a_reference_and_a_known_kind() -> None:
    days = CAL.all_days()
    assert len(days) > 300
    assert all(h.ref and h.kind in holidays.KINDS for h in days)
    assert Counter(h.kind for h in days)["temporary"] == 9


def test_deadline_rule_moves_over_weekends_holidays_and_workers_day_but_period_end_skips_only_holidays() -> None:
    wd = procedure.next_working_day
    assert wd("11260", date(2025, 9, 24)) == date(2025, 9, 24)  # an ordinary Wednesday stays
    assert wd("11260", date(2025, 10, 3)) == date(2025, 10, 10)  # 개천절, weekend, 추석, 대체, 한글날
    assert wd("11260", date(2025, 5, 1)) == date(2025, 5, 2)  # 근로자의 날 (제24조①3호)
    assert wd("11260", date(2025, 5, 1), rule="period_end") == date(2025, 5, 1)  # not a 공휴일 (민법 제161조)
    assert wd("11260", date(2025, 5, 3), rule="period_end") == date(2025, 5, 7)  # Sat, Sun, 어린이날+부처님, 대체


def test_a_friday_at_the_end_of_the_calendar_is_fine_but_a_weekend_running_into_2028_is_not() -> None:
    assert procedure.next_working_day("11260", date(2027, 12, 31)) == date(2027, 12, 31)
    with pytest.raises(NoRuleForDate) as e:
        procedure.next_working_day("11260", date(2028, 1, 3), field="due_date")
    assert e.value.rule == "holidays" and e.value.field == "due_date"


def test_the_trace_names_the_article_and_the_holidays() -> None:
    t = Trace()
    assert procedure.demand_issue_deadline("11260", date(2023, 12, 22), trace=t) == date(2024, 2, 13)
    step = t.steps[-1]
    assert step["rule"] == "기한의 특례" and step["article"].startswith("지방세기본법 제24조①")
    assert step["inputs"]["휴일"] == ["2024-02-10 설날", "2024-02-11 설날 다음 날", "2024-02-12 설날 대체공휴일"]


def _office_file(tmp_path: Path, text: str) -> Path:
    f = tmp_path / "office.yaml"
    f.write_text(text, encoding="utf-8")
    return f


TEMPORARY_2025_09_22 = """
description: 가상의 임시공휴일 (시험용)
days:
  - {date: 2025-09-22, kind: temporary, name: 임시공휴일 (시험), ref: 관공서의 공휴일에 관한 규정 제2조11호}
"""


def test_an_office_file_adds_a_temporary_holiday_through_the_environment(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    assert procedure.demand_payment_deadline("11260", date(2025, 9, 1)) == date(2025, 9, 22)
    monkeypatch.setenv(holidays.ENV_VAR, str(_office_file(tmp_path, TEMPORARY_2025_09_22)))
    assert procedure.demand_payment_deadline("11260", date(2025, 9, 1)) == date(2025, 9, 23)


def test_a_day_the_shipped_calendar_already_has_is_merged(tmp_path: Path) -> None:
    f = _office_file(tmp_path, "days:\n  - {date: 2025-01-01, kind: public, name: 1월 1일, ref: 관보}\n")
    assert len(holidays.load([holidays.CALENDAR_FILE, f]).on(date(2025, 1, 1))) == 1


def test_an_office_file_can_add_a_whole_year(tmp_path: Path) -> None:
    f = _office_file(tmp_path, """
covers: {from: 2028, to: 2028}
days:
  - {date: 2028-01-01, kind: public, name: 1월 1일, ref: 관공서의 공휴일에 관한 규정 제2조3호}
""")
    cal = holidays.load([holidays.CALENDAR_FILE, f])
    # 2027-12-20 + 20 = 2028-01-09 (Sun) → 2028-01-10 (Mon)
    assert procedure.demand_payment_deadline("11260", date(2027, 12, 20), calendar=cal) == date(2028, 1, 10)


@pytest.mark.parametrize(("text", "needle"), [
    ("days:\n  - {date: 2028-01-03, kind: temporary, name: x, ref: y}\n", "outside the covered years"),
    ("days:\n  - {date: 2025-09-22, kind: holiday, name: x, ref: y}\n", "`kind` must be one of"),
    ("days:\n  - {date: 2025-09-22, kind: temporary, name: x}\n", "`ref`"),
    ("days:\n  - {date: 2025-13-22, kind: temporary, name: x, ref: y}\n", "not valid YAML"),
    ("dayz: []\n", "unknown key 'dayz'"),
    ("days:\n  - {date: 2025-09-22, kind: temporary, name: x, ref: y}\n"
     "  - {date: 2025-09-22, kind: temporary, name: x, ref: z}\n", "listed twice"),
])
def test_a_broken_office_file_is_refused_with_the_reason(tmp_path: Path, text: str, needle: str) -> None:
    f = _office_file(tmp_path, text)
    with pytest.raises(ParamSchemaError) as e:
        holidays.load([holidays.CALENDAR_FILE, f])
    assert needle in str(e.value) and "office.yaml" in str(e.value)


def _cli(argv: list[str], data: dict[str, str]) -> tuple[int, dict[str, object]]:
    out = io.StringIO()
    code = calc.main(argv, io.StringIO(json.dumps(data)), out)
    return code, json.loads(out.getvalue())


def test_the_cli_takes_an_office_holiday_file(tmp_path: Path) -> None:
    data = {"jurisdiction": "11260", "demand_issue_date": "2025-09-01"}
    assert _cli(["procedure-dates"], data) == (0, {"demand_payment_deadline": "2025-09-22"})
    f = _office_file(tmp_path, TEMPORARY_2025_09_22)
    assert _cli(["procedure-dates", "--holidays", str(f)], data) == (0, {"demand_payment_deadline": "2025-09-23"})
    assert _cli(["procedure-dates", f"--holidays={f}"], data)[1] == {"demand_payment_deadline": "2025-09-23"}
    code, body = _cli(["procedure-dates", "--holidays"], data)
    assert code == 2 and body["error"]["field"] == "calculator"  # type: ignore[index]
    code, body = _cli(["procedure-dates", "--holidays", str(tmp_path / "missing.yaml")], data)
    assert code == 1 and body["error"]["code"] == "param-schema"  # type: ignore[index]
