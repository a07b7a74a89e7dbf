"""The next enforcement measure a deterrence-style notice states for its taxpayer (the wording library, docs/notices.md):
plugged into `jingsu.notices.hooks` by `EnforcementConfig.ready` (notices is a floor below and does not import us).

The law decides, on the record as `facts.facts_by_taxpayer` reads it: for each taxpayer, among the measures of
`DETERRENTS`, the one that may be taken earliest on or after `after` (the day after the 납부기한 the notice prints) —
`jingsu.law.enforcement.evaluate` on that day, or, when it does not qualify then, its `next_change` (the first later
day it does, if nothing else happens: no payment, no new levy). Ties go to the order of `DETERRENTS`.

Why `after`: a 체납안내문 asks the taxpayer to pay by its 납부기한, so the office states what it may do once that day
has passed. The law itself may allow the measure earlier (e.g. 압류 once a 독촉장's 납부기한 passed, 지방세징수법
제33조①1호); the notice's date is the later of the two, never earlier than the law allows.

Only measures the record can decide alone are stated: 관허사업 정지·취소, 출국금지, 명단공개 need a finding the office
must make (worklist.FINDINGS), and 관허사업 허가등 제한 (제7조①) qualifies for anyone in arrears without a business
to restrict, so stating it as this taxpayer's next measure would say nothing about them. A taxpayer none of
`DETERRENTS` qualifies for (no 독촉장 yet, amounts below the thresholds) is left out, and the document says the general
sentence without a date.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

from jingsu.law import enforcement as law
from jingsu.law.errors import NoRuleForDate

from .facts import facts_by_taxpayer
from .worklist import MEASURE_LABELS

#: the measures a deterrence notice may state, in the order ties are broken
DETERRENTS = ("seizure", "plate_impound", "credit_report")
#: the words a citizen reads for each (the legal basis is the law's: `MEASURE_LABELS`, or the seizure's ground)
NAMES = {
    "seizure": "재산 압류",
    "plate_impound": "자동차 등록번호판 영치",
    "credit_report": "체납자료의 신용정보집중기관 제공",
}


def _earliest(facts: law.Facts, measure: str, after: date) -> tuple[date, law.Outcome] | None:
    o = law.evaluate(facts, after, measures=(measure,)).measures[measure]
    if o.qualifies:
        return after, o
    if o.next_change is None:
        return None
    return o.next_change, law.evaluate(facts, o.next_change, measures=(measure,)).measures[measure]


def _wording(measure: str, o: law.Outcome) -> tuple[str, str]:
    """(the measure's name, its legal basis) as the notice states them."""
    if measure == "seizure":
        rows = [r for r in o.details.get("levies", ()) if r.get("qualifies")]
        grounds = sorted({r["ground"] for r in rows if r.get("ground")})
        vehicle_only = bool(rows) and all(r.get("scope") == "vehicle" for r in rows)
        return ("자동차 압류" if vehicle_only else NAMES[measure]), ", ".join(grounds) or MEASURE_LABELS[measure][1]
    return NAMES[measure], MEASURE_LABELS[measure][1]


def next_measure(facts: law.Facts, after: date) -> dict[str, str] | None:
    """The earliest measure of `DETERRENTS` on or after `after` for `facts`, or None."""
    best: tuple[date, int, str, law.Outcome] | None = None
    for rank, measure in enumerate(DETERRENTS):
        try:
            found = _earliest(facts, measure, after)
        except NoRuleForDate:  # no rule for the day: the law says nothing, so neither does the notice
            continue
        if found is not None and (best is None or (found[0], rank) < (best[0], best[1])):
            best = (found[0], rank, measure, found[1])
    if best is None:
        return None
    on, _, measure, outcome = best
    name, basis = _wording(measure, outcome)
    return {"measure": name, "on": on.isoformat(), "basis": basis}


def next_measures(jurisdiction_id: str, taxpayer_ids: Collection[int], *, as_of: date,
                  after: date) -> dict[int, dict[str, str]]:
    """taxpayer id → {"measure", "on", "basis"} (`notices.hooks.NextMeasures`): the record as of `as_of` (the
    campaign's 기준일), the measure on or after `after`. A few queries for all of them (`facts_by_taxpayer`)."""
    if not taxpayer_ids:
        return {}
    out: dict[int, dict[str, Any]] = {}
    for tp, facts in facts_by_taxpayer(jurisdiction_id, as_of, taxpayer_ids=taxpayer_ids).items():
        found = next_measure(facts, max(after, as_of))
        if found is not None:
            out[tp] = found
    return out
