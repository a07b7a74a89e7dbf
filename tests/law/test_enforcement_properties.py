"""Property tests (hypothesis) for the enforcement measures (`jingsu.law.enforcement`).

- Paying never makes anyone qualify: with every levy's amount lowered (or a payment recorded after the 명단공개
  통지), no measure that did not qualify starts to qualify.
- ``next_change`` is exact: the answer on that day differs from today's, and on every day before it is today's.
- The evaluation is deterministic (no clock): the same facts and date give the same outcome.
- A 구 조례 amount within the statutory range overrides the national one; outside it is a parameter error.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jingsu.law import enforcement as enf
from jingsu.law import params
from jingsu.law.errors import ParamSchemaError

START = date(2023, 3, 14)  # every encoded rule has a version from here on (the 명단공개 납부비율 gap ends)
ITEMS = ["14", "15", "18", "10"]


@st.composite
def levies(draw: st.DrawFn, n_max: int = 5) -> tuple[enf.Levy, ...]:
    n = draw(st.integers(0, n_max))
    out = []
    for i in range(n):
        item = draw(st.sampled_from(ITEMS))
        due = START + timedelta(days=draw(st.integers(0, 1000)))
        demand = due + timedelta(days=draw(st.integers(10, 70))) if draw(st.booleans()) else None
        out.append(enf.Levy(
            id=f"L{i}", tax_item=item,
            amount=draw(st.sampled_from([0, 1, 299_999, 300_000, 4_999_999, 5_000_000, 9_999_999, 10_000_000,
                                         29_999_999, 30_000_000, draw(st.integers(0, 60_000_000))])),
            due_date=due, demand_due_date=demand, early_collection=draw(st.booleans()) and item == "18",
            appeal_pending=draw(st.booleans()), installment=draw(st.integers(0, 5)) == 0,
            vehicle="12가3456" if item == "15" and draw(st.booleans()) else None))
    return tuple(out)


@st.composite
def facts_and_date(draw: st.DrawFn) -> tuple[enf.Facts, date]:
    lv = draw(levies())
    as_of = START + timedelta(days=draw(st.integers(0, 1400)))
    notified = as_of - timedelta(days=draw(st.integers(0, 400))) if draw(st.booleans()) else None
    if notified is not None and notified < START:
        notified = START
    payments = tuple(enf.Payment(as_of - timedelta(days=draw(st.integers(0, 300))), draw(st.integers(1, 20_000_000)))
                     for _ in range(draw(st.integers(0, 2))))
    facts = enf.Facts(
        jurisdiction="11260", levies=lv, payments=payments,
        licensed_business=draw(st.booleans()),
        license_exceptions=frozenset(draw(st.lists(st.sampled_from(["illness", "disaster"]), max_size=1))),
        exit_conditions=frozenset(draw(st.lists(st.sampled_from(["remittance", "travel"]), max_size=1))),
        exit_unsecured=draw(st.booleans()),
        disclosure_notified_on=notified,
        disclosure_notified_arrears=draw(st.integers(1, 60_000_000)) if notified else None,
    )
    return facts, as_of


def _qualifies(facts: enf.Facts, on: date) -> dict[str, bool]:
    return {name: o.qualifies for name, o in enf.evaluate(facts, on).measures.items()}


@settings(max_examples=60, deadline=None)
@given(facts_and_date(), st.data())
def test_paying_never_makes_anyone_qualify(fd: tuple[enf.Facts, date], data: st.DataObject) -> None:
    facts, as_of = fd
    before = _qualifies(facts, as_of)
    lowered = tuple(dataclasses.replace(lv, amount=data.draw(st.integers(0, lv.amount))) for lv in facts.levies)
    extra = (enf.Payment(as_of, data.draw(st.integers(1, 10_000_000))),)
    after_facts = dataclasses.replace(facts, levies=lowered, payments=facts.payments + extra)
    after = _qualifies(after_facts, as_of)
    for name in enf.MEASURES:
        assert not (after[name] and not before[name]), f"{name}: paying made the taxpayer qualify"


@settings(max_examples=40, deadline=None)
@given(facts_and_date(), st.data())
def test_next_change_is_exact(fd: tuple[enf.Facts, date], data: st.DataObject) -> None:
    facts, as_of = fd
    ev = enf.evaluate(facts, as_of)
    for name, o in ev.measures.items():
        if o.next_change is None:
            continue
        assert o.next_change > as_of
        assert _qualifies(facts, o.next_change)[name] != o.qualifies, name
        span = (o.next_change - as_of).days
        if span > 1:
            day = as_of + timedelta(days=data.draw(st.integers(1, span - 1)))
            assert _qualifies(facts, day)[name] == o.qualifies, f"{name} changed on {day} before {o.next_change}"


@settings(max_examples=20, deadline=None)
@given(facts_and_date())
def test_deterministic(fd: tuple[enf.Facts, date]) -> None:
    facts, as_of = fd
    assert enf.evaluate(facts, as_of) == enf.evaluate(facts, as_of)


def test_one_year_passed_on_month_ends() -> None:
    assert enf.one_year_passed_on(enf.Levy("a", "14", 1, date(2024, 7, 31))) == date(2025, 8, 1)
    assert enf.one_year_passed_on(enf.Levy("a", "14", 1, date(2024, 2, 28))) == date(2025, 3, 1)
    assert enf.one_year_passed_on(enf.Levy("a", "14", 1, date(2024, 12, 31))) == date(2026, 1, 1)


def test_publication_day_is_third_wednesday_of_november() -> None:
    assert enf.publication_date("11260", date(2026, 1, 1)) == date(2026, 11, 18)
    assert enf.publication_date("11260", date(2024, 11, 20)) == date(2024, 11, 20)
    assert enf.publication_date("11260", date(2024, 11, 21)) == date(2025, 11, 19)
    assert enf.publication_date("11260", date(2019, 6, 1)) is None  # practice not encoded before 2020


# 조례 amounts (제7조③: 30만–100만원) --------------------------------------------------------------------------


@pytest.fixture
def ordinance_params(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    (tmp_path / "kr").mkdir()
    shutil.copy(params.PARAMS_DIR / "kr" / "enforcement.yaml", tmp_path / "kr" / "enforcement.yaml")
    monkeypatch.setattr(params, "PARAMS_DIR", tmp_path)
    params.clear_cache()
    yield tmp_path
    params.clear_cache()


def _ordinance(root: Path, jurisdiction: str, amount: int) -> None:
    (root / jurisdiction).mkdir()
    (root / jurisdiction / "enforcement.yaml").write_text(
        "license:\n  min_amount:\n    type: won\n    values:\n"
        f"      - {{from: 2020-01-01, ref: \"구세 조례 (test)\", value: {amount}}}\n", encoding="utf-8")


def _three(amount_each: int, jurisdiction: str) -> enf.Facts:
    return enf.Facts(jurisdiction=jurisdiction, licensed_business=True, levies=tuple(
        enf.Levy(f"L{i}", "14", amount_each, date(2026, 1 + i, 1)) for i in range(3)))


def test_ordinance_amount_within_the_range_overrides(ordinance_params: Path) -> None:
    _ordinance(ordinance_params, "11260", 600_000)
    on = date(2026, 11, 2)
    below = enf.evaluate(_three(199_999, "11260"), on, measures=["license_suspension"]).measures["license_suspension"]
    assert not below.qualifies and below.reasons[0].article == "구세 조례 (test)"
    assert enf.evaluate(_three(200_000, "11260"), on, measures=["license_suspension"]).measures[
        "license_suspension"].qualifies
    # the national 30만원 still applies elsewhere
    assert enf.evaluate(_three(100_000, "11350"), on, measures=["license_suspension"]).measures[
        "license_suspension"].qualifies


def test_ordinance_amount_outside_the_range_is_a_parameter_error(ordinance_params: Path) -> None:
    _ordinance(ordinance_params, "11560", 1_000_001)
    with pytest.raises(ParamSchemaError, match="outside the range"):
        enf.evaluate(_three(400_000, "11560"), date(2026, 11, 2), measures=["license_suspension"])
