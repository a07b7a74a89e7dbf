"""Enforcement cases: opening one, moving it through its stages, maker-checker, the automatic checks, and what a
payment or a taken measure does elsewhere. HTTP-free; each operation is one transaction with its audit row
(jingsu.core.audit); the clock is always the caller's. Refusals raise `CaseError` (Korean, for officials).

- `open_case`: refused — nothing written — when the law (`jingsu.law.enforcement.evaluate` on the record read by
  `facts.facts_for`) says the taxpayer does not qualify for the measure on that date: the message names the article
  and the missing condition. Dates after today are refused; one open case per taxpayer and measure.
- `move`: by a person with a reason. A move into a stage that restricts rights (`models.RESTRICTING`: 공개, 요청,
  제공, 영치, 압류) becomes a `MoveRequest`; it takes effect when a different official `approve`s it (or is
  `reject`ed). Before any move forward takes effect the law is evaluated again for the stage's date (and, at an
  approval, for today too): a condition that no longer holds (paid below the threshold, 분할 납부·징수유예 in good
  standing, 이의신청 pending …) blocks it, naming the article. 해제 and 종결 are never blocked.
- `recheck`: the case's "해제 가능" flag and the reasons (e.g. 지방세징수법 제63조① for a seizure whose arrears are
  paid, 지방세법 시행령 제128조④ for a plate): after every move, and when jingsu records money for the taxpayer
  (`after_allocation`, plugged into jingsu.payments.hooks by the app's `ready`).
- `prepare_notices`: the citizen-facing step of a case (NOTICE_STEP: 명단공개 사전 통지, 관허사업 제한 예고, 번호판
  영치 예고, 신용정보 제공 예고) as a built campaign of jingsu.notices for the cases' taxpayers, each case linked to
  its notice; `notice_gate` refuses the move into the step's stage until that notice has gone out.
- A measure that takes effect (압류, 번호판 영치, 관허사업 제한 요청) is recorded for the 포상금 ledgers: one
  `rewards.EnforcementAction` per levy of the case, on the stage date, by the official the request named.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.db import transaction

from jingsu.clock import Clock, today
from jingsu.core import audit
from jingsu.core.formats import kdate
from jingsu.enforcement.facts import facts_for
from jingsu.enforcement.models import (
    CS,
    FINAL,
    IN_FORCE,
    RESTRICTING,
    EnforcementCase,
    MoveRequest,
    stage_label,
)
from jingsu.korean import josa
from jingsu.law import enforcement as law
from jingsu.law.errors import LawError
from jingsu.levies.models import Levy
from jingsu.notices import services as notices
from jingsu.notices.models import Campaign, Notice
from jingsu.payments.models import Payment
from jingsu.rewards import services as rewards
from jingsu.rewards.models import EnforcementAction, Official, RewardError
from jingsu.taxpayers.models import Taxpayer

M = EnforcementCase.Measure

#: Conditions the law reports that a stage does not need yet (the procedure's own steps): e.g. a 명단공개 case is
#: opened before the 사전 통지 and moves to 소명 기간 before the six months have passed.
PROCEDURAL: dict[tuple[str, str], frozenset[str]] = {
    (M.DISCLOSURE, CS.SELECTED): frozenset({"notice"}),
    (M.DISCLOSURE, CS.NOTIFIED): frozenset({"notice"}),
    (M.DISCLOSURE, CS.EXPLANATION): frozenset({"explanation_period"}),
    (M.PLATE_IMPOUND, CS.SELECTED): frozenset({"demand_due"}),
    (M.PLATE_IMPOUND, CS.FOREWARNED): frozenset({"demand_due"}),
    (M.SEIZURE, CS.SELECTED): frozenset({"demand_due"}),
}
#: The 포상금 ledgers' kind of a measure taken (rewards.EnforcementAction.Kind), by (measure, stage).
REWARD_KIND: dict[tuple[str, str], str] = {
    (M.SEIZURE, CS.SEIZED): EnforcementAction.Kind.SEIZURE,
    (M.PLATE_IMPOUND, CS.IMPOUNDED): EnforcementAction.Kind.PLATE_IMPOUND,
    (M.LICENSE_REFUSAL, CS.REQUESTED): EnforcementAction.Kind.LICENSE_RESTRICTION,
    (M.LICENSE_SUSPENSION, CS.REQUESTED): EnforcementAction.Kind.LICENSE_RESTRICTION,
}
#: The citizen-facing step of a measure (issue #16 item 4): measure → (the notices campaign kind that carries it,
#: the stage it opens). `prepare_notices` makes that campaign for cases in the stage before; the move into the stage
#: needs the case's notice to have gone out (`notice_gate`).
NOTICE_STEP: dict[str, tuple[str, str]] = {
    M.DISCLOSURE: (Campaign.Kind.DISCLOSURE, CS.NOTIFIED),
    M.LICENSE_REFUSAL: (Campaign.Kind.LICENSE, CS.FOREWARNED),
    M.LICENSE_SUSPENSION: (Campaign.Kind.LICENSE, CS.FOREWARNED),
    M.PLATE_IMPOUND: (Campaign.Kind.PLATE, CS.FOREWARNED),
    M.CREDIT_REPORT: (Campaign.Kind.CREDIT, CS.FOREWARNED),
}
#: A notice "gone out": handed to an intermediary (발송 중), delivered, read, or posted by registered mail.
SENT = frozenset({Notice.Status.IN_DELIVERY, Notice.Status.DELIVERED, Notice.Status.READ, Notice.Status.PAPER})
#: `recorded` keys: the Facts fields an office may record (the levies, payments and jurisdiction are the record's),
#: and `demand_due_dates` (과세번호 → 독촉장의 납부기한, for 독촉장 jingsu did not send).
_DATE_FIELDS = {"exit_banned_since", "disclosure_notified_on", "plate_impounded_on", "plate_release_from"}
_SET_FIELDS = {"license_exceptions", "exit_conditions", "credit_exclusions", "disclosure_exclusions"}
_BOOL_FIELDS = {"licensed_business", "exit_unsecured", "exit_secured", "prescription_complete", "plate_livelihood",
                "plate_release_extended"}
_INT_FIELDS = {"disclosure_notified_arrears"}
RECORDABLE = frozenset(_DATE_FIELDS | _SET_FIELDS | _BOOL_FIELDS | _INT_FIELDS | {"seizures", "demand_due_dates"})
#: the facts an office records, in words (the console's labels, the audit log's "바뀐 사실")
FACT_LABELS: dict[str, str] = {
    "licensed_business": "허가등을 받아 사업을 경영함", "license_exceptions": "관허사업 제한 예외사유",
    "exit_conditions": "출국금지 요청 사유(시행령 제15조①)", "exit_unsecured": "조세채권 확보 불가·체납처분 회피 우려",
    "exit_banned_since": "출국금지일", "exit_secured": "압류·담보 제공 등으로 출국금지 사유 해소",
    "prescription_complete": "소멸시효 완성", "credit_exclusions": "신용정보 제공 제외 사유",
    "disclosure_notified_on": "명단공개 통지일", "disclosure_notified_arrears": "통지 당시 체납액",
    "disclosure_exclusions": "명단공개 제외 사유", "plate_impounded_on": "번호판 영치일",
    "plate_livelihood": "생계유지 목적 차량", "plate_release_from": "일시 해제 시작일",
    "plate_release_extended": "일시 해제 연장", "seizures": "압류", "demand_due_dates": "독촉장 납부기한",
}


class CaseError(Exception):
    """A refused operation on a case. `field` names the input; `message` is Korean, for officials."""

    def __init__(self, field: str | None, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(message)


# --- the record read for the law ----------------------------------------------------------------------------------


def _date(value: Any, key: str) -> date:
    try:
        return value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError:
        raise CaseError("recorded", f"{key}: 날짜가 올바르지 않습니다 ({value})") from None


def decode_recorded(recorded: Mapping[str, Any]) -> dict[str, Any]:
    """The case's `recorded` JSON as `Facts` keyword arguments (and `demand_due_dates`); unknown keys refused."""
    out: dict[str, Any] = {}
    for key, value in recorded.items():
        if key not in RECORDABLE:
            raise CaseError("recorded", f"기록할 수 없는 사실입니다: {key}")
        if value is None:
            out[key] = None
        elif key in _DATE_FIELDS:
            out[key] = _date(value, key)
        elif key in _SET_FIELDS:
            out[key] = frozenset(value)
        elif key in _BOOL_FIELDS:
            out[key] = bool(value)
        elif key in _INT_FIELDS:
            out[key] = int(value)
        elif key == "demand_due_dates":
            out[key] = {str(k): _date(v, key) for k, v in dict(value).items()}
        elif key == "seizures":
            out[key] = tuple(law.Seizure(str(s["id"]), tuple(s["levy_ids"]), _date(s["seized_on"], key),
                                         bool(s.get("precautionary", False)), bool(s.get("determined", True)),
                                         frozenset(s.get("facts", ()))) for s in value)
    return out


def _encode(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, frozenset | set):
        return sorted(value)
    return value


def case_facts(taxpayer: Taxpayer, on: date, recorded: Mapping[str, Any]) -> law.Facts:
    """The law's facts for `taxpayer` on `on`: the record (`facts_for`, with the 독촉장 deadlines of the 독촉장
    jingsu sent), the office's `demand_due_dates` for levies jingsu sent none for, and what the office recorded."""
    decoded = decode_recorded(recorded)
    demands = decoded.pop("demand_due_dates", None) or {}
    facts = facts_for(taxpayer, on, recorded={k: v for k, v in decoded.items() if v is not None})
    if demands:
        facts = dataclasses.replace(facts, levies=tuple(
            dataclasses.replace(lv, demand_due_date=demands[lv.id])
            if lv.id in demands and lv.demand_due_date is None and demands[lv.id] > lv.due_date else lv
            for lv in facts.levies))
    return facts


def _outcome(taxpayer: Taxpayer, measure: str, on: date, recorded: Mapping[str, Any]) -> tuple[law.Facts, law.Evaluation]:
    facts = case_facts(taxpayer, on, recorded)
    try:
        return facts, law.evaluate(facts, on, measures=[measure])
    except LawError as e:
        raise CaseError("on", f"{kdate(on)}에 적용할 법령 규칙이 없습니다: {e}") from None


def _reason_json(r: law.Reason) -> dict[str, str]:
    return {"article": r.article, "condition": r.condition, "message": r.message}


def snapshot(ev: law.Evaluation, measure: str) -> dict[str, Any]:
    """What the law said (kept with each stage change)."""
    o = ev.measures[measure]
    return {"as_of": ev.as_of.isoformat(), "measure": measure, "qualifies": o.qualifies,
            "reasons": [_reason_json(r) for r in o.reasons], "next_step": o.next_step,
            "next_change": o.next_change.isoformat() if o.next_change else None,
            "seizure_release": [dict(r) for r in ev.seizure_release]}


def blocking(measure: str, stage: str, ev: law.Evaluation) -> list[law.Reason]:
    """The law's reasons that stop a case of `measure` from being in `stage` (the procedure's own steps aside)."""
    allowed = PROCEDURAL.get((measure, stage), frozenset())
    return [r for r in ev.measures[measure].reasons if r.condition not in allowed]


def _refusal(reasons: Iterable[law.Reason], head: str) -> str:
    return head + " " + " · ".join(f"{r.message} ({r.article})" for r in reasons)


# --- opening -----------------------------------------------------------------------------------------------------


def _not_future(on: date, clock: Clock) -> None:
    if on > today(clock):
        raise CaseError("on", f"일자({kdate(on)})가 오늘({kdate(today(clock))})보다 늦습니다. 이미 일어난 일만 기록할 수 "
                              "있습니다.")


def _case_levies(taxpayer: Taxpayer, measure: str, facts: law.Facts, ev: law.Evaluation, on: date) -> list[Levy]:
    active = [lv for lv in facts.levies if lv.in_arrears(on)]
    if measure == M.PLATE_IMPOUND:
        active = [lv for lv in active if lv.tax_item == law.VEHICLE_TAX and lv.vehicle]
    elif measure == M.SEIZURE:
        ok = {r["id"] for r in ev.measures[measure].details.get("levies", []) if r["qualifies"]}
        active = [lv for lv in active if lv.id in ok] or active
    numbers = [lv.id for lv in active]
    return list(Levy.objects.filter(taxpayer=taxpayer, tax_number__in=numbers).order_by("due_date", "tax_number"))


def open_case(taxpayer: Taxpayer, measure: str, *, on: date, reason: str, actor: str, clock: Clock,
              recorded: Mapping[str, Any] | None = None) -> EnforcementCase:
    """Open a case (대상 선정) of `measure` for `taxpayer` on `on`, with what the office found (`recorded`, Facts
    field names). Refused, with nothing written, when the law says the taxpayer does not qualify."""
    if measure not in M.values:
        raise CaseError("measure", f"알 수 없는 처분입니다: {measure}")
    if not reason.strip():
        raise CaseError("reason", "사유를 적어 주십시오.")
    _not_future(on, clock)
    recorded = {k: _encode(v) for k, v in (recorded or {}).items()}
    facts, ev = _outcome(taxpayer, measure, on, recorded)
    stop = blocking(measure, CS.SELECTED, ev)
    if stop:
        raise CaseError("measure", _refusal(stop, f"{josa(M(measure).label, '은')} 요건이 갖추어지지 않았습니다:"))
    levies = _case_levies(taxpayer, measure, facts, ev, on)
    with transaction.atomic():
        Taxpayer.objects.select_for_update().filter(pk=taxpayer.pk).first()  # one opening at a time per taxpayer
        if EnforcementCase.objects.filter(taxpayer=taxpayer, measure=measure).exclude(status__in=FINAL).exists():
            raise CaseError("measure", f"이 납세자의 {M(measure).label} 사건이 이미 진행 중입니다.")
        case = EnforcementCase.objects.create(
            jurisdiction_id=taxpayer.jurisdiction_id, taxpayer=taxpayer, measure=measure,
            status=EnforcementCase.Status.SELECTED, recorded=recorded, stage_on=on, opened_on=on, created_by=actor,
            created_at=clock.now())
        case.levies.set(levies)
        audit.record("enforcement.case.open", actor=actor, jurisdiction=case.jurisdiction_id, target=case,
                     clock=clock, reason=reason.strip(),
                     detail={"measure": measure, "on": on.isoformat(), "levies": [lv.tax_number for lv in levies],
                             "evaluation": snapshot(ev, measure)})
        _recheck(case, on)
    return case


# --- moving ------------------------------------------------------------------------------------------------------


def _check_move(case: EnforcementCase, to: str, on: date, recorded: Mapping[str, Any]) -> law.Evaluation:
    """The automatic check before a stage takes effect: raises CaseError naming the article when the law's
    condition no longer holds. 해제 and 종결 are never blocked."""
    _, ev = _outcome(case.taxpayer, case.measure, on, recorded)
    if to in FINAL:
        return ev
    if to == CS.TEMP_RELEASED and not decode_recorded(recorded).get("plate_livelihood"):
        raise CaseError("to", "직접적인 생계유지 목적으로 사용하는 차량으로 확인된 경우에만 일시 해제할 수 있습니다 "
                              "(지방세법 제131조②).")
    stop = blocking(case.measure, to, ev)
    if stop:
        raise CaseError("to", _refusal(stop, f"{kdate(on)} 기준으로 {josa(stage_label(case.measure, to), '으로')} "
                                             "넘어갈 수 없습니다:"))
    return ev


def _recorded_after(case: EnforcementCase, to: str, on: date, ev: law.Evaluation) -> dict[str, Any]:
    """The facts a stage records (통지일과 통지 당시의 체납액, 출국금지일, 영치일, 일시 해제일, 압류)."""
    rec = dict(case.recorded)
    if case.measure == M.DISCLOSURE and to == CS.NOTIFIED:
        # the 통지일 is the document's date, from which it printed the 소명 기간 (docs/notices.md); the stage date
        # only when no jingsu notice carries the step
        notified = case.notice.campaign.as_of if case.notice_id else on
        rec["disclosure_notified_on"] = notified.isoformat()
        rec["disclosure_notified_arrears"] = int(ev.measures[M.DISCLOSURE].details.get("base", 0))
    elif case.measure == M.EXIT_BAN and to == CS.REQUESTED:
        rec["exit_banned_since"] = on.isoformat()
    elif case.measure == M.PLATE_IMPOUND and to == CS.IMPOUNDED:
        rec.setdefault("plate_impounded_on", on.isoformat())
        rec.pop("plate_release_from", None)
    elif case.measure == M.PLATE_IMPOUND and to == CS.TEMP_RELEASED:
        rec["plate_release_from"] = on.isoformat()
    elif case.measure == M.SEIZURE and to == CS.SEIZED:
        rec["seizures"] = [*rec.get("seizures", []), {
            "id": f"case-{case.pk}", "levy_ids": [lv.tax_number for lv in case.levies.all()],
            "seized_on": on.isoformat()}]
    return rec


def _apply(case: EnforcementCase, to: str, *, on: date, reason: str, actor: str, approved_by: str,
           official: Official | None, clock: Clock) -> EnforcementCase:
    """The move itself, inside the caller's transaction (the case locked)."""
    ev = _check_move(case, to, on, case.recorded)
    if approved_by and on < today(clock):
        _check_move(case, to, today(clock), case.recorded)  # money paid since the request also counts
    notice_gate(case, to, on)
    frm = case.status
    recorded = _recorded_after(case, to, on, ev)
    fields: dict[str, Any] = {"recorded": recorded, "stage_on": on}
    if case.notice_id and NOTICE_STEP.get(case.measure, ("", ""))[1] == to:
        fields["evidence"] = evidence_json(case.notice)
    if to in FINAL:
        fields["closed_on"] = on
    if not case.move(to, at=clock.now(), actor=actor, reason=reason, on=on, approved_by=approved_by,
                     evaluation=snapshot(ev, case.measure), **fields):
        raise CaseError("to", "다른 사람이 먼저 이 사건의 단계를 바꾸었습니다. 화면을 새로 고쳐 확인하십시오.")
    kind = REWARD_KIND.get((case.measure, to))
    actions: list[int] = []
    if kind and frm != CS.TEMP_RELEASED and official is not None:  # 다시 영치 is the same measure
        for levy in case.levies.all():
            try:
                action = rewards.record_action(levy, kind=kind, taken_on=on, official=official,
                                               notes=f"체납처분 사건 {case.pk}번 ({stage_label(case.measure, to)})",
                                               actor=actor, clock=clock)
            except RewardError as e:
                raise CaseError("official", e.message) from None
            actions.append(action.pk)
    audit.record("enforcement.case.move", actor=approved_by or actor, jurisdiction=case.jurisdiction_id, target=case,
                 clock=clock, reason=reason,
                 detail={"from": frm, "to": to, "on": on.isoformat(), "reward_actions": actions})
    _recheck(case, on)
    return case


def _locked(case: EnforcementCase) -> EnforcementCase:
    return EnforcementCase.objects.select_for_update(of=("self",)).select_related("taxpayer").get(pk=case.pk)


def move(case: EnforcementCase, to: str, *, reason: str, actor: str, clock: Clock, on: date,
         official: Official | None = None) -> EnforcementCase | MoveRequest:
    """Move `case` to stage `to` as of `on`, by `actor`, for `reason`. A move into a stage that restricts rights
    returns a pending `MoveRequest` (a different official approves it); any other move takes effect at once and
    returns the case. `official`: who takes the measure (required when it feeds the 포상금 ledgers)."""
    if not reason.strip():
        raise CaseError("reason", "단계를 바꾸는 사유를 적어 주십시오.")
    _not_future(on, clock)
    with transaction.atomic():
        case = _locked(case)
        if not case.machine.allows(case.status, to):
            raise CaseError("to", f"{case.stage_name} 단계에서 {josa(stage_label(case.measure, to), '으로')} 넘어갈 수 "
                                  "없습니다.")
        if on < case.stage_on:
            raise CaseError("on", f"일자({kdate(on)})가 현재 단계의 일자({kdate(case.stage_on)})보다 이릅니다.")
        if case.requests.filter(decision=MoveRequest.Decision.PENDING).exists():
            raise CaseError("to", "승인을 기다리는 단계 변경이 있습니다. 먼저 승인 또는 반려되어야 합니다.")
        if to in RESTRICTING:
            if (case.measure, to) in REWARD_KIND and case.status != CS.TEMP_RELEASED and official is None:
                raise CaseError("official", "처분하는 직원을 고르십시오 (포상금 대장에 기록됩니다).")
            if official is not None and official.jurisdiction_id != case.jurisdiction_id:
                raise CaseError("official", "다른 지자체의 직원입니다.")
            _check_move(case, to, on, case.recorded)
            req = MoveRequest.objects.create(
                jurisdiction_id=case.jurisdiction_id, case=case, from_status=case.status, to_status=to, on=on,
                reason=reason.strip(), official=official, requested_by=actor, requested_at=clock.now())
            audit.record("enforcement.case.request", actor=actor, jurisdiction=case.jurisdiction_id, target=case,
                         clock=clock, reason=reason.strip(),
                         detail={"request": req.pk, "from": case.status, "to": to, "on": on.isoformat()})
            return req
        return _apply(case, to, on=on, reason=reason.strip(), actor=actor, approved_by="", official=official,
                      clock=clock)


def _pending(req: MoveRequest, actor: str) -> MoveRequest:
    req = MoveRequest.objects.select_for_update().get(pk=req.pk)
    if req.decision != MoveRequest.Decision.PENDING:
        raise CaseError(None, "이미 처리된 요청입니다.")
    if req.requested_by == actor:
        raise CaseError(None, "본인이 요청한 단계 변경은 다른 직원이 승인하거나 반려해야 합니다.")
    return req


def approve(req: MoveRequest, *, actor: str, clock: Clock) -> EnforcementCase:
    """A second official approves a pending move: the automatic check runs again (for the stage date and today) and
    the move takes effect; the measure taken is recorded for the 포상금 ledgers."""
    with transaction.atomic():
        req = _pending(req, actor)
        case = _locked(req.case)
        if case.status != req.from_status:
            raise CaseError(None, "요청한 뒤 사건의 단계가 바뀌었습니다. 반려하고 다시 요청하십시오.")
        case = _apply(case, req.to_status, on=req.on, reason=req.reason, actor=req.requested_by, approved_by=actor,
                      official=req.official, clock=clock)
        req.decision, req.decided_by, req.decided_at = MoveRequest.Decision.APPROVED, actor, clock.now()
        req.save(update_fields=["decision", "decided_by", "decided_at"])
    return case


def reject(req: MoveRequest, *, actor: str, reason: str, clock: Clock) -> MoveRequest:
    if not reason.strip():
        raise CaseError("reason", "반려 사유를 적어 주십시오.")
    with transaction.atomic():
        req = _pending(req, actor)
        req.decision, req.decided_by, req.decided_at = MoveRequest.Decision.REJECTED, actor, clock.now()
        req.decision_reason = reason.strip()
        req.save(update_fields=["decision", "decided_by", "decided_at", "decision_reason"])
        audit.record("enforcement.case.reject", actor=actor, jurisdiction=req.jurisdiction_id, target=req.case,
                     clock=clock, reason=reason.strip(), detail={"request": req.pk, "to": req.to_status})
    return req


def record_facts(case: EnforcementCase, facts: Mapping[str, Any], *, reason: str, actor: str,
                 clock: Clock) -> EnforcementCase:
    """Record (or correct) what the office found, by Facts field name (None removes one); audited."""
    if not reason.strip():
        raise CaseError("reason", "사유를 적어 주십시오.")
    encoded = {k: _encode(v) for k, v in facts.items()}
    decode_recorded(encoded)
    with transaction.atomic():
        case = _locked(case)
        before = dict(case.recorded)
        rec = {**before, **encoded}
        case.recorded = {k: v for k, v in rec.items() if v is not None}
        case.save(update_fields=["recorded"])
        audit.record("enforcement.case.facts", actor=actor, jurisdiction=case.jurisdiction_id, target=case,
                     clock=clock, reason=reason.strip(),
                     detail={"changed": [FACT_LABELS.get(k, k) for k in sorted(encoded)], "evaluation": {
                         "before": before, "after": case.recorded}})
        _recheck(case, today(clock))
    return case


# --- the notice of a step (사전 통지·예고) -------------------------------------------------------------------------


def _notice_name(notice: Notice) -> str:
    return f"캠페인 {notice.campaign_id}번의 {notice.campaign.get_kind_display()} 안내문"


def notice_gate(case: EnforcementCase, to: str, on: date) -> None:
    """The move into the stage a notice opens (NOTICE_STEP: 명단공개 사전 통지, 제한 예고, 영치 예고, 제공 예고) needs
    the case's notice to have gone out (SENT) and a stage date not before the document's date. The law's own
    condition of that stage (the 명단공개 `notice`) is waived by PROCEDURAL because the stage *is* the notice; this
    gate is what proves it was given. Raises CaseError naming the missing notice."""
    kind, stage = NOTICE_STEP.get(case.measure, ("", ""))
    if to != stage:
        return
    title = Campaign.Kind(kind).label
    into = josa(stage_label(case.measure, to), "으로")
    if case.notice_id is None:
        raise CaseError("to", f"{into} 넘기려면 먼저 {title} 안내문을 보내야 합니다. 이 사건에는 아직 안내문이 없습니다: "
                              f"사건 화면의 ‘{title} 준비’로 캠페인을 만들고, 캠페인 화면에서 승인받아 발송하십시오.")
    notice = Notice.objects.select_related("campaign").get(pk=case.notice_id)
    if notice.status not in SENT:
        state = notice.get_status_display()
        if notice.status == Notice.Status.PENDING:
            state = f"{state} (캠페인: {notice.campaign.get_status_display()})"
        raise CaseError("to", f"{into} 넘길 수 없습니다: {josa(_notice_name(notice), '이')} 아직 나가지 않았습니다 "
                              f"(상태: {state}). 캠페인을 승인받아 발송한 뒤에 넘기십시오.")
    if on < notice.campaign.as_of:
        raise CaseError("on", f"일자({kdate(on)})가 {_notice_name(notice)}의 작성일({kdate(notice.campaign.as_of)})보다 "
                              "이릅니다.")


def evidence_json(notice: Notice) -> list[dict[str, str]]:
    """`notices.services.evidence(notice)` as JSON (the case keeps it as it stood at the move into the stage)."""
    return [{"when": e.when.isoformat(), "what": e.what, "channel": e.channel, "intermediary_id": e.intermediary_id}
            for e in notices.evidence(notice)]


@dataclasses.dataclass(frozen=True)
class Prepared:
    """What `prepare_notices` made: the campaign (built, waiting for approval), the cases linked to a notice, and the
    cases whose taxpayer got none (owing nothing the build could carry)."""

    campaign: Campaign
    linked: list[EnforcementCase]
    skipped: list[EnforcementCase]


def prepare_notices(cases: Iterable[EnforcementCase], *, measure_on: date | None, actor: str, clock: Clock,
                    name: str = "") -> Prepared:
    """Make and build the campaign of the cases' step (NOTICE_STEP: 명단공개 → 사전 통지, 관허사업 제한 → 제한 예고,
    번호판 영치 → 영치 예고, 신용정보 제공 → 제공 예고) for their taxpayers, dated today and announcing `measure_on`
    (for 명단공개 None: the practice publication day after the 소명 기간),
    and link each case to its taxpayer's notice. Approval and sending stay the campaign's (maker-checker, as for every
    campaign). One transaction: refused — nothing written — when a case is of another jurisdiction or kind, not in
    the stage before its notice, already has a notice that is not cancelled, or no longer meets the law's conditions
    for the step; or when the campaign cannot be made or built (`notices.CampaignError`: a measure date not after
    today, a 공개 예정일 within the 소명 기간, nobody owing …). Audited per case (`enforcement.case.notice`)."""
    on = today(clock)
    ids = sorted({c.pk for c in cases})
    if not ids:
        raise CaseError("cases", "안내문을 준비할 사건을 고르십시오.")
    with transaction.atomic():
        locked = list(EnforcementCase.objects.select_for_update(of=("self",)).select_related("taxpayer", "jurisdiction")
                      .filter(pk__in=ids).order_by("pk"))
        if len(locked) != len(ids):
            raise CaseError("cases", "찾을 수 없는 사건이 있습니다.")
        kinds = {NOTICE_STEP.get(c.measure, ("", ""))[0] for c in locked}
        if "" in kinds:
            odd = next(c for c in locked if c.measure not in NOTICE_STEP)
            raise CaseError("cases", f"{josa(odd.get_measure_display(), '은')} 사전 통지·예고 안내문이 없는 처분입니다 "
                                     f"(사건 {odd.pk}번).")
        if len(kinds) > 1 or len({c.jurisdiction_id for c in locked}) > 1:
            raise CaseError("cases", "한 번에 같은 지자체·같은 종류의 처분 사건만 고를 수 있습니다.")
        kind = Campaign.Kind(kinds.pop())
        for c in locked:
            stage = NOTICE_STEP[c.measure][1]
            if not c.machine.allows(c.status, stage):
                raise CaseError("cases", f"사건 {c.pk}번은 {c.stage_name} 단계입니다. {kind.label} 안내문은 "
                                         f"{josa(stage_label(c.measure, stage), '으로')} 넘어가기 전 단계의 사건에만 "
                                         "준비합니다.")
            if c.requests.filter(decision=MoveRequest.Decision.PENDING).exists():
                raise CaseError("cases", f"사건 {c.pk}번에 승인을 기다리는 단계 변경이 있습니다.")
            if c.notice_id is not None:
                old = Notice.objects.select_related("campaign").get(pk=c.notice_id)
                if old.status != Notice.Status.CANCELLED and old.campaign.status != Campaign.Status.CANCELLED:
                    raise CaseError("cases", f"사건 {c.pk}번에는 이미 {_notice_name(old)}이 있습니다 "
                                             f"(상태: {old.get_status_display()}).")
            try:
                _check_move(c, stage, on, c.recorded)
            except CaseError as e:
                raise CaseError("cases", f"사건 {c.pk}번: {e.message}") from None
        try:
            campaign = notices.create_campaign(
                locked[0].jurisdiction, name=(name.strip() or f"{kind.label} (사건 {len(locked)}건)")[:100],
                kind=kind, as_of=on, actor=actor, clock=clock, taxpayers=[c.taxpayer for c in locked],
                measure_on=measure_on)
            notices.build_campaign(campaign, actor=actor, clock=clock)
        except notices.CampaignError as e:
            raise CaseError("measure_on", str(e)) from None
        by_taxpayer = notices.notices_by_taxpayer(campaign)
        linked, skipped = [], []
        for c in locked:
            notice = by_taxpayer.get(c.taxpayer_id)
            if notice is None:
                skipped.append(c)
                continue
            c.notice = notice
            c.save(update_fields=["notice"])
            linked.append(c)
            audit.record("enforcement.case.notice", actor=actor, jurisdiction=c.jurisdiction_id, target=c, clock=clock,
                         detail={"campaign": campaign.pk, "notice": notice.pk, "kind": kind.value,
                                 "measure_on": campaign.measure_on.isoformat() if campaign.measure_on else None})
    return Prepared(campaign, linked, skipped)


# --- the automatic check -----------------------------------------------------------------------------------------


def check(case: EnforcementCase, on: date) -> tuple[bool, list[dict[str, str]]]:
    """(해제 가능?, the reasons) for a case on `on`. For a measure in force: the law's release rules (압류 제63조,
    번호판 시행령 제128조④, 출국금지 제8조③) or, for the others, a condition that no longer holds. For a case not yet
    taken: what stops its next step (never a release)."""
    if case.status in FINAL:
        return False, []
    try:
        _, ev = _outcome(case.taxpayer, case.measure, on, case.recorded)
    except CaseError as e:
        return False, [{"article": "", "condition": "no_rule", "message": e.message}]
    o = ev.measures[case.measure]
    if case.status not in IN_FORCE:
        return False, [_reason_json(r) for r in blocking(case.measure, case.status, ev)]
    reasons: list[dict[str, str]] = []
    if case.measure == M.SEIZURE:
        for row in ev.seizure_release:
            if row["id"] == f"case-{case.pk}" and (row["must_release"] or row["may_release"]):
                reasons += list(row["reasons"])
    elif case.measure == M.PLATE_IMPOUND:
        release = o.details.get("release") or {}
        if release.get("required"):
            reasons.append({"article": "지방세법 시행령 제128조④", "condition": "paid",
                            "message": "체납된 자동차세를 모두 납부하였습니다. 영치한 번호판을 즉시 내주어야 합니다."})
    elif case.measure == M.EXIT_BAN:
        reasons += list(o.details.get("release_reasons") or [])
    else:
        reasons += [_reason_json(r) for r in blocking(case.measure, case.status, ev)]
    return bool(reasons), reasons


def _recheck(case: EnforcementCase, on: date) -> None:
    ready, reasons = check(case, on)
    case.release_ready, case.check_reasons, case.checked_on = ready, reasons, on
    case.save(update_fields=["release_ready", "check_reasons", "checked_on"])


def recheck(case: EnforcementCase, *, clock: Clock, actor: str = "system:enforcement", wait: bool = True) -> bool:
    """Run the automatic check for today; the audit row when the case becomes 해제 가능. Returns the flag.

    `wait=False` (the payments hooks): a case another transaction holds (an approval in progress) is skipped rather
    than waited for — a payment never waits on, or deadlocks with, a console action; that case's flag is refreshed at
    its next move, payment or recorded fact."""
    with transaction.atomic():
        if wait:
            case = _locked(case)
        else:
            held = (EnforcementCase.objects.select_for_update(skip_locked=True, of=("self",)).select_related("taxpayer")
                    .filter(pk=case.pk).first())
            if held is None:
                return case.release_ready
            case = held
        was = case.release_ready
        _recheck(case, today(clock))
        if case.release_ready and not was:
            audit.record("enforcement.case.release_ready", actor=actor, jurisdiction=case.jurisdiction_id,
                         target=case, clock=clock,
                         detail={"reasons": [f"{r['message']} ({r['article']})" for r in case.check_reasons]})
    return case.release_ready


def after_allocation(payment: Payment, levies: list[Levy], *, matched_by: str, clock: Clock) -> None:
    """jingsu.payments.hooks.after_allocation: money recorded for these levies re-checks the open cases of their
    taxpayers at once (inside the payment's transaction)."""
    taxpayers = {lv.taxpayer_id for lv in levies}
    for case in (EnforcementCase.objects.filter(taxpayer_id__in=taxpayers).exclude(status__in=FINAL)
                 .order_by("pk")):
        recheck(case, clock=clock, actor="system:reconcile", wait=False)


def money_returned(levy: Levy, by_payment: dict[int, int], *, reason: str, actor: str, clock: Clock) -> None:
    """jingsu.payments.hooks.money_returned: a 감액 정정 gave money back — the taxpayer's open cases are re-checked."""
    for case in (EnforcementCase.objects.filter(taxpayer_id=levy.taxpayer_id).exclude(status__in=FINAL)
                 .order_by("pk")):
        recheck(case, clock=clock, actor=actor, wait=False)
