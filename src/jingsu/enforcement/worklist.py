"""The worklist (issue #16 item 2): per measure of `jingsu.law.enforcement.MEASURES`, the taxpayers of a
jurisdiction who qualify on a date, who will within N days, and — for a measure whose condition the record cannot
hold — who meet the law's amounts and periods with the missing finding named ("확인 필요").

The law decides every line: `evaluate` on the facts `facts.facts_by_taxpayer` reads. This module only sorts its
answers into lists and filters them:

- 대상 (``qualifying``): the law's ``qualifies`` on `as_of`;
- 곧 대상 (``soon``): not qualifying, and the law's ``next_change`` is on or before `as_of` + `within_days`;
- 확인 필요 (``check``): a measure in `FINDINGS` whose record-held conditions all hold — the law, asked with the
  findings assumed, says it qualifies — but a finding only the office can make is not recorded. They are never
  counted as qualifying. When the assumed answer only changes within N days, the row is in ``soon`` with the
  finding named too.

The open cases (issue #16 item 3, `models.EnforcementCase`) are read with the lists: `Worklist.cases` holds the
jurisdiction's open cases of the measures asked, by measure and stage (`CaseStage`: the count, the arrears and one
`CaseRow` per case, for the link to its page), as they stand now — the taxpayer filters do not apply to them, a case
is worked on whatever its taxpayer owes today. A list row whose taxpayer has an open case of that measure carries it
(`Row.case_id`, `Row.case_stage`), so the screens link to the case instead of offering to open another.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Q

from jingsu.korean import kdate
from jingsu.law import enforcement as law
from jingsu.law import params
from jingsu.law.dates import add_months
from jingsu.law.errors import NoRuleForDate
from jingsu.law.tax_items import TAX_ITEMS
from jingsu.taxpayers.models import Taxpayer

from .facts import facts_by_taxpayer
from .models import FINAL, EnforcementCase, MoveRequest, stage_label

#: measure → (Korean name, legal basis as the law module cites it)
MEASURE_LABELS: dict[str, tuple[str, str]] = {
    "license_refusal": ("관허사업 허가등 제한", "지방세징수법 제7조①"),
    "license_suspension": ("관허사업 정지·허가등 취소", "지방세징수법 제7조②③"),
    "exit_ban": ("출국금지 요청", "지방세징수법 제8조, 시행령 제15조"),
    "credit_report": ("체납자료(신용정보) 제공", "지방세징수법 제9조, 시행령 제16조"),
    "disclosure": ("고액·상습체납자 명단공개", "지방세징수법 제11조, 시행령 제19조"),
    "plate_impound": ("자동차 등록번호판 영치", "지방세법 제131조, 시행령 제128조"),
    "seizure": ("압류", "지방세징수법 제33조①, 지방세법 제133조"),
}
assert set(MEASURE_LABELS) == set(law.MEASURES)


def _assume_license(f: law.Facts, on: date) -> law.Facts:
    return replace(f, licensed_business=True)


def _assume_exit(f: law.Facts, on: date) -> law.Facts:
    table = params.get(f.jurisdiction, "enforcement.exit_ban.conditions", on, field="as_of").value or {}
    return replace(f, exit_conditions=frozenset(table), exit_unsecured=True)


def _assume_notified(f: law.Facts, on: date) -> law.Facts:
    # not notified in the record: as if notified long before with nothing notified to compare payments with, so
    # only the amount, the period and the exclusions are left to decide. A 통지 the office recorded stays: its
    # 소명 기간 and 납부 비율 are the law's to judge.
    if f.disclosure_notified_on is not None:
        return f
    return replace(f, disclosure_notified_on=date(on.year - 10, 1, 1), disclosure_notified_arrears=None)


@dataclass(frozen=True)
class Finding:
    conditions: frozenset[str]  # the law's Reason.condition codes the record cannot hold
    text: str  # what the official must find (Korean)
    assume: Callable[[law.Facts, date], law.Facts]  # the facts with the finding made


#: measures with a condition the record cannot hold, and what the official must find
FINDINGS: dict[str, Finding] = {
    "license_suspension": Finding(frozenset({"licensed_business"}),
                                  "허가등(허가·인가·면허·등록)을 받아 경영하는 사업이 있는지 (지방세징수법 제7조②)",
                                  _assume_license),
    "exit_ban": Finding(frozenset({"conditions", "unsecured"}),
                        "시행령 제15조① 각 호에 해당하는지, 조세채권을 확보할 수 없고 체납처분을 회피할 우려가 "
                        "있는지 (지방세징수법 제8조①)", _assume_exit),
    "disclosure": Finding(frozenset({"notice"}),
                          "지방세심의위원회 심의를 거쳐 명단공개 대상자임을 통지(소명 기회 6개월)하였는지 "
                          "(지방세징수법 제11조③)", _assume_notified),
}

_DONG = re.compile(r"\(([^()]*)\)\s*$")
_DONG_NAME = re.compile(r"^[가-힣]+[0-9]*[가-힣]*(?:동|가|읍|면|리)$")
_DONG_IN_TEXT = re.compile(r"(?<![0-9가-힣])([가-힣]+[0-9]*(?:동|가))(?=\s|$)")


def dong_of(address: str) -> str:
    """The 법정동 of an address: the first item of a road address's 참고항목 "(면목동)", "(면목동, 한신아파트)"
    (the roll generator's form: "서울특별시 중랑구 면목로 12, 101동 1203호 (면목동)"), else the first word of a 지번
    address that is a 동 or 가 ("서울 중랑구 면목동 123-4"). "" when neither; a building's "101동" is never one."""
    text = (address or "").strip()
    m = _DONG.search(text)
    if m:
        first = m.group(1).split(",")[0].strip()
        if _DONG_NAME.match(first):
            return first
    for word in _DONG_IN_TEXT.findall(text.split("(")[0]):
        if not word[0].isdigit():
            return str(word)
    return ""


@dataclass(frozen=True)
class Filters:
    """The list's conditions; None: not filtered."""

    min_amount: int | None = None  # 체납액 (원) at least
    max_amount: int | None = None  # 체납액 (원) at most
    min_age_months: int | None = None  # the oldest 체납 is at least this many months old (체납 발생일 → as_of)
    max_age_months: int | None = None
    tax_item: str | None = None  # a levy in arrears of this 세목 (jingsu.law.tax_items code)
    dong: str | None = None  # 동 (`dong_of` the taxpayer's address), exactly

    def words(self) -> list[tuple[str, str]]:
        """The conditions in Korean, for the XLSX's info sheet and the audit row."""
        out = []
        if self.min_amount is not None:
            out.append(("체납액 이상", f"{self.min_amount:,}원"))
        if self.max_amount is not None:
            out.append(("체납액 이하", f"{self.max_amount:,}원"))
        if self.min_age_months is not None:
            out.append(("체납 기간 이상", f"{self.min_age_months}개월"))
        if self.max_age_months is not None:
            out.append(("체납 기간 이하", f"{self.max_age_months}개월"))
        if self.tax_item:
            out.append(("세목", TAX_ITEMS[self.tax_item].name if self.tax_item in TAX_ITEMS else self.tax_item))
        if self.dong:
            out.append(("동", self.dong))
        return out

    def as_json(self) -> dict[str, Any]:
        return {"min_amount": self.min_amount, "max_amount": self.max_amount, "min_age_months": self.min_age_months,
                "max_age_months": self.max_age_months, "tax_item": self.tax_item, "dong": self.dong}


@dataclass(frozen=True)
class Row:
    taxpayer_id: int
    name: str  # as recorded; screens and files mask it as the user's role requires
    arrears: int  # 체납액: what the levies past their 납부기한 owe on the date
    count: int  # 체납 건수 (납세고지서 1매 = 1건)
    oldest_arrears_date: date | None  # the oldest levy's 체납 발생일 (the day after its 납부기한)
    tax_items: tuple[str, ...]  # 세목 codes of the levies in arrears
    dong: str
    status: str  # "qualifying" | "soon" | "check"
    next_step: str  # the law's next step
    next_change: date | None  # the law's next change (for "soon": the day it qualifies)
    reasons: tuple[law.Reason, ...] = ()  # why not (yet), when not qualifying
    finding: str = ""  # "확인 필요": the finding the record cannot hold
    case_id: int | None = None  # the taxpayer's open case of this measure, when there is one
    case_stage: str = ""  # its stage (Korean)

    @property
    def tax_item_names(self) -> str:
        return ", ".join(TAX_ITEMS[c].name if c in TAX_ITEMS else c for c in self.tax_items)

    @property
    def reason_text(self) -> str:
        return " / ".join(r.message for r in self.reasons)


@dataclass
class MeasureList:
    measure: str
    name: str
    basis: str
    qualifying: list[Row] = field(default_factory=list)
    soon: list[Row] = field(default_factory=list)
    check: list[Row] = field(default_factory=list)
    no_rule: str = ""  # the law has no rule for the date (Korean), when so

    @property
    def finding(self) -> str:
        f = FINDINGS.get(self.measure)
        return f.text if f else ""


@dataclass(frozen=True)
class CaseRow:
    """One open case in "open cases by stage"."""

    case_id: int
    taxpayer_id: int
    name: str  # as recorded; screens and files mask it as the user's role requires
    stage_on: date  # the date of its current stage
    opened_on: date
    arrears: int  # the taxpayer's 체납액 on the worklist's date (0: none)
    release_ready: bool  # the automatic check's "해제 가능"
    pending: bool  # a move waits for a second official's approval


@dataclass(frozen=True)
class CaseStage:
    """One line of "open cases by stage" (issue #16 item 3): a measure, a stage, how many, and the cases."""

    measure: str
    stage: str  # Korean
    count: int
    arrears: int = 0
    status: str = ""  # the stage's code (models.EnforcementCase.Status)
    rows: tuple[CaseRow, ...] = ()

    @property
    def measure_name(self) -> str:
        return MEASURE_LABELS.get(self.measure, (self.measure, ""))[0]


@dataclass
class Worklist:
    jurisdiction: str
    as_of: date
    within_days: int
    filters: Filters
    measures: dict[str, MeasureList]
    taxpayers: int  # taxpayers in arrears that the filters kept
    cases: tuple[CaseStage, ...] = ()  # the open cases by measure and stage

    @property
    def horizon(self) -> date:
        return self.as_of + timedelta(days=self.within_days)


class FutureDate(ValueError):
    """An `as_of` after today (Korean message)."""


def check_as_of(as_of: date, today: date) -> None:
    if as_of > today:
        raise FutureDate(f"기준일({kdate(as_of)})이 오늘({kdate(today)})보다 뒤입니다. 앞으로의 날짜로는 "
                         "대상을 정할 수 없습니다.")


def _summary(f: law.Facts, on: date) -> tuple[int, int, date | None, tuple[str, ...]]:
    active = [lv for lv in f.levies if lv.in_arrears(on)]
    oldest = min((lv.arrears_date for lv in active), default=None)
    return (sum(lv.amount for lv in active), len(active), oldest,
            tuple(sorted({lv.tax_item for lv in active})))


def _keep(filters: Filters, arrears: int, oldest: date | None, items: tuple[str, ...], dong: str,
          as_of: date) -> bool:
    if filters.min_amount is not None and arrears < filters.min_amount:
        return False
    if filters.max_amount is not None and arrears > filters.max_amount:
        return False
    if filters.min_age_months is not None and (oldest is None or oldest > add_months(as_of, -filters.min_age_months)):
        return False
    if filters.max_age_months is not None and (oldest is None or oldest < add_months(as_of, -filters.max_age_months)):
        return False
    if filters.tax_item and filters.tax_item not in items:
        return False
    return not (filters.dong and filters.dong != dong)


def _no_rule_text(e: NoRuleForDate) -> str:
    return f"{e.on:%Y-%m-%d}에 적용할 규정이 없어 판단하지 않았습니다 ({e.label or e.rule})."


def worklist(jurisdiction: str, as_of: date, *, today: date, within_days: int = 30, filters: Filters | None = None,
             measures: Iterable[str] = law.MEASURES, recorded: Mapping[int, Mapping[str, Any]] | None = None,
             ) -> Worklist:
    """The worklist of `jurisdiction` on `as_of`. `today`: the injected clock's date — an `as_of` after it is
    refused (`FutureDate`). `recorded`: per taxpayer id, findings the office recorded (as `facts_for`'s)."""
    check_as_of(as_of, today)
    if within_days < 0:
        raise ValueError("조회 기간(일)은 0 이상이어야 합니다.")
    filters = filters or Filters()
    horizon = as_of + timedelta(days=within_days)
    wanted = tuple(measures)
    lists = {m: MeasureList(m, *MEASURE_LABELS[m]) for m in wanted}
    all_facts = facts_by_taxpayer(jurisdiction, as_of, recorded=recorded)
    people = {t.pk: t for t in Taxpayer.objects.filter(pk__in=list(all_facts)).only("pk", "name", "address")}
    kept = 0
    for tp_id in sorted(all_facts, key=lambda i: (people[i].name, i)):
        facts = all_facts[tp_id]
        arrears, count, oldest, items, = _summary(facts, as_of)
        dong = dong_of(people[tp_id].address)
        if count == 0 or not _keep(filters, arrears, oldest, items, dong, as_of):
            continue
        kept += 1
        base = {"taxpayer_id": tp_id, "name": people[tp_id].name, "arrears": arrears, "count": count,
                "oldest_arrears_date": oldest, "tax_items": items, "dong": dong}
        for m in wanted:
            ml = lists[m]
            if ml.no_rule:
                continue
            try:
                row = _row(m, facts, as_of, horizon, base)
            except NoRuleForDate as e:
                ml.no_rule = _no_rule_text(e)
                continue
            if row is not None:
                getattr(ml, row.status).append(row)
    cases = open_cases(jurisdiction, wanted, {i: _summary(f, as_of)[0] for i, f in all_facts.items()})
    by_taxpayer = {(r.taxpayer_id, c.measure): (r.case_id, c.stage) for c in cases for r in c.rows}
    for ml in lists.values():
        for status in ("qualifying", "soon", "check"):
            setattr(ml, status, [_with_case(r, by_taxpayer.get((r.taxpayer_id, ml.measure))) for r in
                                 getattr(ml, status)])
    return Worklist(jurisdiction, as_of, within_days, filters, lists, kept, cases)


def _with_case(row: Row, case: tuple[int, str] | None) -> Row:
    return row if case is None else replace(row, case_id=case[0], case_stage=case[1])


def open_cases(jurisdiction: str, measures: Iterable[str], arrears: Mapping[int, int]) -> tuple[CaseStage, ...]:
    """The open cases of `jurisdiction` for `measures`, by measure (in `measures`' order) and stage (in the stages'
    order), each with its rows (oldest stage date first). `arrears`: taxpayer id → 체납액 (absent: 0)."""
    wanted = list(measures)
    stages = list(EnforcementCase.Status.values)
    qs = (EnforcementCase.objects.filter(jurisdiction_id=jurisdiction, measure__in=wanted).exclude(status__in=FINAL)
          .select_related("taxpayer").annotate(waiting=Count("requests", filter=Q(
              requests__decision=MoveRequest.Decision.PENDING))).order_by("stage_on", "pk"))
    groups: dict[tuple[str, str], list[CaseRow]] = {}
    for c in qs:
        groups.setdefault((c.measure, c.status), []).append(CaseRow(
            case_id=c.pk, taxpayer_id=c.taxpayer_id, name=c.taxpayer.name, stage_on=c.stage_on,
            opened_on=c.opened_on, arrears=arrears.get(c.taxpayer_id, 0), release_ready=c.release_ready,
            pending=bool(c.waiting)))
    return tuple(CaseStage(measure=m, stage=stage_label(m, st), count=len(rows), arrears=sum(r.arrears for r in rows),
                           status=st, rows=tuple(rows))
                 for (m, st), rows in sorted(groups.items(), key=lambda kv: (wanted.index(kv[0][0]),
                                                                             stages.index(kv[0][1]))))


def _row(m: str, facts: law.Facts, as_of: date, horizon: date, base: dict[str, Any]) -> Row | None:
    o = law.evaluate(facts, as_of, measures=(m,)).measures[m]
    if o.qualifies:
        return Row(**base, status="qualifying", next_step=o.next_step, next_change=o.next_change)
    finding = FINDINGS.get(m)
    if finding is None:
        if o.next_change is not None and o.next_change <= horizon:
            return Row(**base, status="soon", next_step=o.next_step, next_change=o.next_change, reasons=o.reasons)
        return None
    assumed = law.evaluate(finding.assume(facts, as_of), as_of, measures=(m,)).measures[m]
    missing = [r for r in o.reasons if r.condition in finding.conditions]
    if assumed.qualifies:
        return Row(**base, status="check", next_step=assumed.next_step, next_change=None,
                   reasons=tuple(missing), finding=finding.text)
    if assumed.next_change is not None and assumed.next_change <= horizon:
        others = tuple(r for r in assumed.reasons if r.condition not in finding.conditions)
        return Row(**base, status="soon", next_step=o.next_step, next_change=assumed.next_change,
                   reasons=others, finding=finding.text)
    return None


# --- the JSON contract (docs/enforcement.md "The --json contract") -------------------------------------------------

SCHEMA = "jingsu.enforcement.worklist/1"


def _reason_json(r: law.Reason) -> dict[str, str]:
    return {"article": r.article, "condition": r.condition, "message": r.message}


def row_json(r: Row) -> dict[str, Any]:
    return {
        "taxpayer_id": r.taxpayer_id, "name": r.name, "arrears": r.arrears, "count": r.count,
        "oldest_arrears_date": r.oldest_arrears_date.isoformat() if r.oldest_arrears_date else None,
        "tax_items": list(r.tax_items), "dong": r.dong, "status": r.status, "next_step": r.next_step,
        "next_change": r.next_change.isoformat() if r.next_change else None,
        "reasons": [_reason_json(x) for x in r.reasons], "finding": r.finding or None,
        "case_id": r.case_id,
    }


def as_json(wl: Worklist, *, name: Callable[[str], str] = lambda s: s) -> dict[str, Any]:
    """The worklist as the documented JSON (`name`: how names are written, e.g. masked)."""
    def rows(items: list[Row]) -> list[dict[str, Any]]:
        return [{**row_json(r), "name": name(r.name)} for r in items]

    return {
        "schema": SCHEMA,
        "jurisdiction": wl.jurisdiction,
        "as_of": wl.as_of.isoformat(),
        "within_days": wl.within_days,
        "horizon": wl.horizon.isoformat(),
        "filters": wl.filters.as_json(),
        "taxpayers": wl.taxpayers,
        "measures": {
            m: {"name": ml.name, "basis": ml.basis, "finding": ml.finding or None, "no_rule": ml.no_rule or None,
                "qualifying": rows(ml.qualifying), "soon": rows(ml.soon), "check": rows(ml.check)}
            for m, ml in wl.measures.items()
        },
        "cases": [{"measure": c.measure, "status": c.status, "stage": c.stage, "count": c.count, "arrears": c.arrears,
                   "rows": [{"case_id": r.case_id, "taxpayer_id": r.taxpayer_id, "name": name(r.name),
                             "stage_on": r.stage_on.isoformat(), "opened_on": r.opened_on.isoformat(),
                             "arrears": r.arrears, "release_ready": r.release_ready, "pending": r.pending}
                            for r in c.rows]}
                  for c in wl.cases],
    }


STATUS_LABELS = {"qualifying": "대상", "soon": "곧 대상", "check": "확인 필요"}


def flat_rows(wl: Worklist) -> Iterable[tuple[MeasureList, Row]]:
    """Every row of every list, measure by measure: 대상, 확인 필요, 곧 대상."""
    for ml in wl.measures.values():
        for r in (*ml.qualifying, *ml.check, *ml.soon):
            yield ml, r
