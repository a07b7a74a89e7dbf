"""End to end with the real calculator (jingsu.law.reward): a decision reproduces `jingsu calc reward`."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from test_rewards_payment import decide

from jingsu.core.models import Jurisdiction

pytestmark = pytest.mark.django_db


@pytest.fixture
def real_law():
    return pytest.importorskip("jingsu.law.reward")


def test_decision_is_the_calculator_output_and_reruns(real_law, make_levy, pay, official, ydp_committee, clock):
    from jingsu.law.calc import main as calc_main
    from jingsu.rewards import services

    kim = official()
    levies = {}
    for kind, due in (("seizure", date(2025, 9, 30)), ("plate-impound", date(2023, 9, 30))):
        lv = make_levy(due=due, principal=3_000_000)
        services.record_action(lv, kind=kind, taken_on=date(2026, 3, 2), official=kim, actor="t", clock=clock)
        pay(lv, 3_000_000, date(2026, 3, 10))
        levies[kind] = lv
    cases = services.open_arrears_cases(Jurisdiction.by_code("11560"), 2026, actor="t", clock=clock)
    decision = decide(ydp_committee, clock, cases, held_on=date(2026, 4, 15))
    out = io.StringIO()
    assert calc_main(["reward"], io.StringIO(json.dumps(decision.calculator_input)), out) == 0
    rerun = json.loads(out.getvalue())
    assert rerun["total"] == decision.total
    assert {m["id"]: m["amount"] for m in rerun["merits"]} == {i.case.merit_id: i.amount
                                                               for i in decision.items.all()}
    amounts = {i.case.levy_id: i.amount for i in decision.items.all()}
    assert amounts[levies["seizure"].pk] == 30_000  # 1년차 1%
    assert amounts[levies["plate-impound"].pk] == 150_000  # 3년차 5%
