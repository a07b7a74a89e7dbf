"""Reward operations: records, cases, committee meetings and decisions, claims, budget, payment, clawback.

Each operation runs in one transaction and writes an audit row (`jingsu.core.audit.record`). Time comes from the
caller (a `Clock`, or an explicit date). Refusals raise `RewardError` with a Korean message naming the field.
Amounts come only from `jingsu.law.reward` (through `rewards.law`); this module never applies a rate or a cap.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum

from jingsu.clock import SEOUL, Clock
from jingsu.clock import today as clock_today
from jingsu.core import audit
from jingsu.core.formats import kdate
from jingsu.core.models import Jurisdiction
from jingsu.korean import josa
from jingsu.law.procedure import appeal_deadline
from jingsu.levies.models import Levy
from jingsu.payments.models import Payment
from jingsu.rewards import law
from jingsu.rewards.composition import barred_article, composition_problems
from jingsu.rewards.derive import DerivedMerit, derive_arrears_merits
from jingsu.rewards.models import (
    Attendance,
    Award,
    CaseClaimant,
    Civilian,
    Claim,
    Clawback,
    CollectionRefund,
    Committee,
    CommitteeMember,
    Decision,
    DecisionItem,
    EnforcementAction,
    HiddenRevenueFinding,
    Meeting,
    Official,
    RewardBudget,
    RewardCase,
    RewardError,
    TransferBatch,
    Vote,
    arrears_case_title,
)

Payee = Official | Civilian


def payee_by_key(key: str) -> Payee:
    kind, _, pk = key.partition(":")
    model = {"official": Official, "civilian": Civilian}.get(kind)
    payee = model.objects.filter(pk=pk).first() if model is not None and pk.isdigit() else None
    if payee is None:
        raise RewardError("payee", f"지급 대상자 {josa(key, '을')} 찾을 수 없습니다.")
    return payee


# --- people ---------------------------------------------------------------------------------------------------------


def add_official(jurisdiction: Jurisdiction, *, name: str, rank: str, department: str, bureau: str = "",
                 director_or_above: bool = False, bank: str = "", account: str = "", holder: str = "",
                 actor: str, clock: Clock) -> Official:
    code = jurisdiction.code
    if not name.strip():
        raise RewardError("name", "성명을 입력하세요.")
    with transaction.atomic():
        official = Official(jurisdiction_id=code, name=name.strip(), rank=rank, department=department, bureau=bureau,
                            director_or_above=director_or_above, created_at=clock.now())
        official.set_account(bank, account, holder or name)
        official.save()
        audit.record("reward.official.add", actor=actor, jurisdiction=code, target=official, clock=clock)
    return official


def add_civilian(jurisdiction: Jurisdiction, *, name: str, address: str, birth_date: date | None = None,
                 bank: str = "", account: str = "", holder: str = "", actor: str,
                 clock: Clock) -> Civilian:
    code = jurisdiction.code
    if not name.strip() or not address.strip():
        # 영등포 제2조⑥: 신고는 성명 및 주소를 적은 문서로 한다.
        raise RewardError("address", "민간인 신고자는 성명과 주소가 있어야 합니다 (제2조⑥).")
    with transaction.atomic():
        civilian = Civilian(jurisdiction_id=code, name=name.strip(), address=address.strip(), created_at=clock.now())
        civilian.set_birth_date(birth_date)
        civilian.set_account(bank, account, holder or name)
        civilian.save()
        audit.record("reward.civilian.add", actor=actor, jurisdiction=code, target=civilian, clock=clock)
    return civilian


def not_in_future(field: str, label: str, value: date | None, clock: Clock) -> None:
    """A person records what has happened: a date after today (by the injected clock) is a typing error, refused."""
    if value is not None and value > today(clock):
        raise RewardError(field, f"{label}({kdate(value)})이 오늘({kdate(today(clock))})보다 늦습니다. "
                                 "이미 일어난 일만 기록할 수 있습니다.")


# --- records --------------------------------------------------------------------------------------------------------


def record_action(levy: Levy, *, kind: str, taken_on: date, official: Official | None = None,
                  civilian: Civilian | None = None, deferred_until: date | None = None, notes: str = "",
                  actor: str, clock: Clock) -> EnforcementAction:
    """Record an enforcement action (압류, 영치, 관허사업 제한, 고발, 은닉재산 신고, 배당 수령, 배당이의, 징수유예)."""
    if kind not in EnforcementAction.Kind.values:
        raise RewardError("kind", f"알 수 없는 처분 종류입니다: {kind} (가능: {', '.join(EnforcementAction.Kind.values)})")
    if (official is None) == (civilian is None):
        raise RewardError("official", "처분한 직원 또는 신고한 민간인 중 한 사람을 지정하세요.")
    if civilian is not None and kind != EnforcementAction.Kind.HIDDEN_ASSET_REPORT:
        raise RewardError("civilian", "민간인은 은닉재산 신고만 기록할 수 있습니다 (제2조②2).")
    for person in (official, civilian):
        if person is not None and person.jurisdiction_id != levy.jurisdiction_id:
            raise RewardError("official", "다른 지자체의 직원·민간인입니다.")
    if kind == EnforcementAction.Kind.DEFERRAL and deferred_until is None:
        raise RewardError("deferred_until", "징수유예에는 유예 후 납부기한을 입력하세요.")
    if deferred_until is not None and kind != EnforcementAction.Kind.DEFERRAL:
        raise RewardError("deferred_until", "유예 후 납부기한은 징수유예에만 입력합니다.")
    not_in_future("taken_on", "처분일", taken_on, clock)
    with transaction.atomic():
        action = EnforcementAction.objects.create(
            jurisdiction_id=levy.jurisdiction_id, levy=levy, kind=kind, official=official, civilian=civilian,
            taken_on=taken_on, deferred_until=deferred_until, notes=notes, created_by=actor, created_at=clock.now())
        audit.record("reward.action.record", actor=actor, jurisdiction=levy.jurisdiction_id, target=action,
                     clock=clock, detail={"kind": kind, "levy": levy.pk, "taken_on": taken_on.isoformat()})
    return action


def record_finding(jurisdiction: Jurisdiction, *, category: str, tax_item: str, source_description: str,
                   taxpayer_name: str, official: Official | None = None, civilian: Civilian | None = None,
                   actor: str, clock: Clock, **fields: Any) -> HiddenRevenueFinding:
    """Record a hidden-revenue finding (별지 제2호서식 row)."""
    code = jurisdiction.code
    if category not in HiddenRevenueFinding.Category.values:
        raise RewardError("category", f"알 수 없는 구분입니다: {category}")
    if (official is None) == (civilian is None):
        raise RewardError("official", "부과한 직원 또는 제보한 민간인 중 한 사람을 지정하세요.")
    allowed = {f.name for f in HiddenRevenueFinding._meta.get_fields()}
    unknown = set(fields) - allowed
    if unknown:
        raise RewardError(sorted(unknown)[0], "알 수 없는 항목입니다.")
    with transaction.atomic():
        finding = HiddenRevenueFinding.objects.create(
            jurisdiction_id=code, category=category, tax_item=tax_item, source_description=source_description,
            taxpayer_name=taxpayer_name, official=official, civilian=civilian, created_by=actor,
            created_at=clock.now(), **fields)
        audit.record("reward.finding.record", actor=actor, jurisdiction=code, target=finding, clock=clock,
                     detail={"category": category})
    return finding


def confirm_finding_collection(finding: HiddenRevenueFinding, *, collected: int, collected_on: date,
                               confirmed_by: str, final_on: date | None = None, actor: str,
                               clock: Clock) -> HiddenRevenueFinding:
    """징수확인(팀장): the money of a finding was received."""
    if collected <= 0:
        raise RewardError("collected", "징수액은 0보다 커야 합니다.")
    not_in_future("collected_on", "징수일", collected_on, clock)
    not_in_future("final_on", "확정일", final_on, clock)
    with transaction.atomic():
        finding.collected, finding.collected_on, finding.confirmed_by = collected, collected_on, confirmed_by
        if final_on is not None:
            finding.final_on = final_on
        finding.save(update_fields=["collected", "collected_on", "confirmed_by", "final_on"])
        RewardCase.objects.filter(finding=finding).update(collected=collected, collected_on=collected_on,
                                                          final_on=finding.final_on)
        audit.record("reward.finding.confirm", actor=actor, jurisdiction=finding.jurisdiction_id, target=finding,
                     clock=clock, detail={"collected": collected})
    return finding


# --- cases ----------------------------------------------------------------------------------------------------------


def _share(value: str | Decimal | int) -> str:
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        raise RewardError("share", f"지분이 올바르지 않습니다: {value}") from None
    if not Decimal(0) < d <= Decimal(1):
        raise RewardError("share", f"지분은 0보다 크고 1 이하여야 합니다: {value}")
    return str(d)


def _add_claimants(case: RewardCase, claimants: list[tuple[Payee, str, bool]]) -> None:
    if not claimants:
        raise RewardError("claimants", "공적자(지급 대상자)를 한 명 이상 지정하세요.")
    if sum(Decimal(_share(s)) for _, s, _ in claimants) != Decimal(1):
        raise RewardError("share", "공적자들의 지분 합계는 1이어야 합니다.")
    for payee, share, direct in claimants:
        if payee.jurisdiction_id != case.jurisdiction_id:
            raise RewardError("claimants", f"{payee}: 다른 지자체의 사람입니다.")
        CaseClaimant.objects.create(
            case=case, official=payee if isinstance(payee, Official) else None,
            civilian=payee if isinstance(payee, Civilian) else None, share=_share(share), direct=direct)


def open_case(jurisdiction: Jurisdiction, *, merit_type: str, title: str, facts: dict[str, Any],
              claimants: list[tuple[Payee, str, bool]], actor: str, clock: Clock,
              levy: Levy | None = None, finding: HiddenRevenueFinding | None = None,
              payments: list[Payment] | None = None, collected: int = 0, collected_on: date | None = None,
              collection_year: int | None = None, appeal_period_end: date | None = None,
              final_on: date | None = None, source_key: str = "") -> RewardCase:
    """A merit for the committee. `claimants` are (payee, share, direct) triples whose shares add up to 1."""
    code = jurisdiction.code
    if merit_type not in RewardCase.MeritType.values:
        raise RewardError("merit_type", f"알 수 없는 공적 구분입니다: {merit_type}")
    with transaction.atomic():
        case = RewardCase.objects.create(
            jurisdiction_id=code, merit_type=merit_type, title=title[:200], facts={**facts, "type": merit_type},
            levy=levy, finding=finding, collected=collected, collected_on=collected_on,
            collection_year=collection_year, appeal_period_end=appeal_period_end, final_on=final_on,
            source_key=source_key, created_by=actor, created_at=clock.now())
        _add_claimants(case, claimants)
        if payments:
            case.payments.set(payments)
        audit.record("reward.case.open", actor=actor, jurisdiction=code, target=case, clock=clock,
                     detail={"type": merit_type, "collected": collected})
    return case


def open_arrears_cases(jurisdiction: Jurisdiction, year: int, *, actor: str, clock: Clock,
                       levy: Levy | None = None, collector: Payee | None = None) -> list[RewardCase]:
    """Open a case for every derived arrears merit of `year` that has a collector and no case yet.

    `collector` names the claimant of merits whose records show none (a collection after a notice, or one the
    committee may recognise as 상응하는 사유); it needs `levy`.
    """
    if collector is not None and levy is None:
        raise RewardError("levy", "징수자를 직접 지정할 때는 부과 건(과세번호)을 함께 지정하세요.")
    code = jurisdiction.code
    opened = []
    for merit in derive_arrears_merits(code, year, levy=levy):
        who = merit.collector or collector
        if who is None:
            continue
        if merit.collector is None:
            merit = DerivedMerit(levy=merit.levy, year=merit.year, method=merit.method,
                                 arrears_age=merit.arrears_age, collector=who, action=None,
                                 collections=merit.collections)
        if RewardCase.objects.filter(jurisdiction_id=code, source_key=merit.source_key).exists():
            continue
        direct = merit.action is not None and merit.action.actor == who
        title = arrears_case_title(merit.levy.tax_number, merit.levy.get_tax_item_display(), merit.levy.tax_year,
                                   merit.arrears_age, merit.collected, merit.method)
        opened.append(open_case(
            jurisdiction, merit_type="arrears", title=title, facts=merit.facts(), claimants=[(who, "1", direct)],
            actor=actor, clock=clock, levy=merit.levy, payments=[c.payment for c in merit.collections],
            collected=merit.collected, collected_on=merit.collected_on, collection_year=year,
            source_key=merit.source_key))
    return opened


def open_finding_case(finding: HiddenRevenueFinding, *, actor: str, clock: Clock,
                      claimants: list[tuple[Payee, str, bool]] | None = None) -> RewardCase:
    """The case of a hidden-revenue finding (제3조4–6호), with the facts the calculator needs."""
    cat = finding.category
    if cat == HiddenRevenueFinding.Category.UNAUTHORIZED_USE:
        facts: dict[str, Any] = {"assessed": finding.assessed}
    elif cat == HiddenRevenueFinding.Category.EVASION:
        facts = {"collected": finding.collected}
    else:
        facts = {"evaded": finding.evaded, "collected": finding.collected, "prosecuted": finding.prosecuted,
                 "verified": finding.verified, "official_on_duty": finding.official_on_duty,
                 "national_tax_based": finding.national_tax_based}
    if finding.collected_on is not None:
        facts["collected_on"] = finding.collected_on.isoformat()
    # 이의신청 기간 (지방세기본법 제90조, 제24조) that the assessment must outlast before the reward is paid
    # (영등포·중랑 제8조② 단서), unless a `final_on` is recorded.
    appeal_end = (appeal_deadline(finding.jurisdiction_id, finding.assessment_notified_on)
                  if finding.assessment_notified_on else None)
    return open_case(
        finding.jurisdiction, merit_type=cat, title=f"{finding.get_category_display()}: {finding.source_description}",
        facts=facts, claimants=claimants or [(finding.finder, "1", True)], actor=actor, clock=clock,
        levy=finding.levy, finding=finding, collected=finding.collected or finding.assessed,
        collected_on=finding.collected_on, appeal_period_end=appeal_end, final_on=finding.final_on,
        source_key=f"finding:{finding.pk}")


# --- committee ------------------------------------------------------------------------------------------------------


def create_committee(jurisdiction: Jurisdiction, *, bureau: str, name: str = "", actor: str,
                     clock: Clock) -> Committee:
    code = jurisdiction.code
    with transaction.atomic():
        committee = Committee.objects.create(jurisdiction_id=code, bureau=bureau,
                                             name=name or f"{bureau} 세입징수공적심사위원회", created_at=clock.now())
        audit.record("reward.committee.create", actor=actor, jurisdiction=code, target=committee, clock=clock)
    return committee


def add_member(committee: Committee, *, name: str, role: str = "member", kind: str = "internal",
               term_start: date, term_end: date | None = None, official: Official | None = None,
               civilian: Civilian | None = None, position: str = "", actor: str,
               clock: Clock) -> CommitteeMember:
    if role not in CommitteeMember.Role.values:
        raise RewardError("role", f"역할은 {', '.join(CommitteeMember.Role.values)} 중 하나입니다.")
    if kind not in CommitteeMember.Kind.values:
        raise RewardError("kind", f"구분은 {', '.join(CommitteeMember.Kind.values)} 중 하나입니다.")
    if kind == CommitteeMember.Kind.INTERNAL and official is None:
        raise RewardError("official", "내부 위원은 직원으로 등록된 공무원이어야 합니다.")
    if kind == CommitteeMember.Kind.EXTERNAL and term_end is None:
        raise RewardError("term_end", "외부 위원은 임기 종료일이 있어야 합니다 (임기 2년, 제5조④).")
    if term_end is not None and term_end < term_start:
        raise RewardError("term_end", "임기 종료일이 시작일보다 앞섭니다.")
    with transaction.atomic():
        member = CommitteeMember.objects.create(
            committee=committee, name=name, role=role, kind=kind, official=official, civilian=civilian,
            position=position, term_start=term_start, term_end=term_end, created_at=clock.now())
        audit.record("reward.committee.member", actor=actor, jurisdiction=committee.jurisdiction_id, target=member,
                     clock=clock, detail={"role": role, "kind": kind})
    return member


def end_member_term(member: CommitteeMember, *, term_end: date, actor: str,
                    clock: Clock) -> CommitteeMember:
    """End a member's term (임기 종료: 사임, 인사이동, 해촉) on `term_end`, the last day served. The term can only be
    shortened, and not to before a meeting the member attended (the roll of that meeting would change)."""
    with transaction.atomic():
        locked = CommitteeMember.objects.select_for_update().select_related("committee").get(pk=member.pk)
        if term_end < locked.term_start:
            raise RewardError("term_end", f"임기 종료일이 임기 시작일({kdate(locked.term_start)})보다 앞섭니다.")
        if locked.term_end is not None and term_end > locked.term_end:
            raise RewardError("term_end", f"임기는 이미 {kdate(locked.term_end)}에 끝납니다. 임기를 늘릴 수는 없습니다 "
                                          "(연임은 위원을 새로 등록하세요).")
        attended = (Attendance.objects.filter(member=locked, meeting__held_on__gt=term_end)
                    .select_related("meeting").order_by("meeting__held_on").first())
        if attended is not None:
            raise RewardError("term_end", f"위원 {josa(locked.name, '은')} {kdate(attended.meeting.held_on)} 회의에 출석했으므로 "
                                          "임기 종료일을 그 전으로 할 수 없습니다.")
        previous = locked.term_end
        locked.term_end = term_end
        locked.save(update_fields=["term_end"])
        audit.record("reward.committee.member.end", actor=actor, jurisdiction=locked.committee.jurisdiction_id,
                     target=locked, clock=clock,
                     detail={"term_end": term_end.isoformat(),
                             "previous_term_end": previous.isoformat() if previous else None})
    return locked


def create_meeting(committee: Committee, *, held_on: date, actor: str, clock: Clock) -> Meeting:
    with transaction.atomic():
        meeting = Meeting.objects.create(committee=committee, held_on=held_on, created_by=actor,
                                         created_at=clock.now())
        audit.record("reward.meeting.create", actor=actor, jurisdiction=committee.jurisdiction_id, target=meeting,
                     clock=clock, detail={"held_on": held_on.isoformat()})
    return meeting


def _barred_reason(meeting: Meeting, member: CommitteeMember) -> str | None:
    """Why `member` may not attend `meeting` (Korean), or None."""
    if not member.serving_on(meeting.held_on):
        return f"위원 {member.name}의 임기({kdate(member.term_start)}~{kdate(member.term_end)})가 회의일({kdate(meeting.held_on)})에 유효하지 않습니다."
    for case in meeting.cases.prefetch_related("claimants__official", "claimants__civilian"):
        for key in case.payee_keys():
            if member.is_payee(key):
                return (f"위원 {josa(member.name, '은')} {case.number}의 포상금 지급대상자이므로 이 회의에 출석할 수 "
                        f"없습니다 ({barred_article(meeting.committee.jurisdiction_id, meeting.held_on)} 단서).")
    return None


def put_on_agenda(meeting: Meeting, case: RewardCase, *, actor: str, clock: Clock) -> RewardCase:
    meeting.require_open()
    if case.jurisdiction_id != meeting.committee.jurisdiction_id:
        raise RewardError("case", "다른 지자체의 안건입니다.")
    if case.status != RewardCase.Status.OPEN:
        raise RewardError("case", f"{josa(case.number, '은')} 이미 {case.get_status_display()} 상태입니다.")
    with transaction.atomic():
        attending = [a.member for a in meeting.attendance.select_related("member__official", "member__civilian")]
        for key in case.payee_keys():
            for m in attending:
                if m.is_payee(key):
                    article = barred_article(meeting.committee.jurisdiction_id, meeting.held_on)
                    raise RewardError("case", f"출석한 위원 {josa(m.name, '이')} {case.number}의 지급대상자입니다. "
                                              f"그 위원은 이 회의에 출석할 수 없습니다 ({article} 단서).")
        case.meeting, case.status = meeting, RewardCase.Status.ON_AGENDA
        case.save(update_fields=["meeting", "status"])
        audit.record("reward.meeting.agenda", actor=actor, jurisdiction=case.jurisdiction_id, target=case,
                     clock=clock, detail={"meeting": meeting.pk})
    return case


def record_attendance(meeting: Meeting, member: CommitteeMember, *, actor: str,
                      clock: Clock) -> Attendance:
    meeting.require_open()
    not_in_future("held_on", "회의일", meeting.held_on, clock)
    if member.committee_id != meeting.committee_id:
        raise RewardError("member", f"{josa(member.name, '은')} 이 위원회의 위원이 아닙니다.")
    reason = _barred_reason(meeting, member)
    if reason:
        raise RewardError("member", reason)
    with transaction.atomic():
        try:
            with transaction.atomic():
                attendance = Attendance.objects.create(meeting=meeting, member=member, recorded_at=clock.now())
        except IntegrityError:
            raise RewardError("member", f"위원 {member.name}의 출석은 이미 기록되었습니다.") from None
        audit.record("reward.meeting.attend", actor=actor, jurisdiction=meeting.committee.jurisdiction_id,
                     target=meeting, clock=clock, detail={"member": member.pk})
    return attendance


def record_vote(meeting: Meeting, case: RewardCase, member: CommitteeMember, *, in_favour: bool, actor: str,
                clock: Clock) -> Vote:
    meeting.require_open()
    not_in_future("held_on", "회의일", meeting.held_on, clock)
    if case.meeting_id != meeting.pk:
        raise RewardError("case", f"{josa(case.number, '은')} 이 회의의 안건이 아닙니다.")
    reason = _barred_reason(meeting, member)
    if reason:
        raise RewardError("member", reason)
    if not meeting.attendance.filter(member=member).exists():
        raise RewardError("member", f"출석하지 않은 위원 {josa(member.name, '은')} 표결할 수 없습니다.")
    with transaction.atomic():
        try:
            with transaction.atomic():
                vote = Vote.objects.create(meeting=meeting, case=case, member=member, in_favour=in_favour,
                                           recorded_at=clock.now())
        except IntegrityError:
            raise RewardError("member", f"위원 {josa(member.name, '은')} {case.number}에 이미 표결했습니다.") from None
        audit.record("reward.meeting.vote", actor=actor, jurisdiction=meeting.committee.jurisdiction_id,
                     target=case, clock=clock, detail={"member": member.pk, "in_favour": in_favour})
    return vote


def quorum(roll_size: int, present: int) -> bool:
    """재적위원 과반수의 출석 (제5조⑥ / 중랑 제5조⑤)."""
    return present * 2 > roll_size


def carried(present: int, votes_for: int) -> bool:
    """출석위원 3분의 2 이상의 찬성."""
    return present > 0 and votes_for * 3 >= present * 2


def calculator_input(jurisdiction: str, decided_on: date, cases: list[RewardCase]) -> dict[str, Any]:
    merits = []
    for case in cases:
        merit = {**case.facts, "id": case.merit_id, "type": case.merit_type,
                 "claimants": [c.calculator_claimant() for c in case.claimants.select_related("official", "civilian")
                               .order_by("pk")]}
        merits.append(merit)
    return {"jurisdiction": jurisdiction, "decided_on": decided_on.isoformat(), "merits": merits}


def decide_meeting(meeting: Meeting, *, actor: str, clock: Clock) -> Decision:
    """의결: check the roll, the quorum and each item's two-thirds, compute the approved items through the law
    module (decided_on = the meeting date) and store everything immutably."""
    meeting.require_open()
    not_in_future("held_on", "회의일", meeting.held_on, clock)
    committee = meeting.committee
    problems = composition_problems(committee, meeting.held_on)
    if problems:
        raise RewardError("committee", " ".join(problems))
    roll = committee.roll(meeting.held_on)
    present = list(meeting.attendance.select_related("member"))
    if not quorum(len(roll), len(present)):
        raise RewardError("attendance", f"의사정족수 미달: 재적위원 {len(roll)}명 중 {len(present)}명 출석 "
                                        f"(과반수 {len(roll) // 2 + 1}명 이상 출석해야 합니다).")
    cases = list(meeting.cases.order_by("pk"))
    if not cases:
        raise RewardError("meeting", "안건이 없습니다.")
    tallies = {}
    for case in cases:
        votes = list(case.votes.filter(meeting=meeting))
        yes = sum(1 for v in votes if v.in_favour)
        tallies[case.pk] = (yes, len(votes) - yes, carried(len(present), yes))
    approved = [c for c in cases if tallies[c.pk][2]]
    code = committee.jurisdiction_id
    data = calculator_input(code, meeting.held_on, approved)
    result = law.calculate(data) if approved else {"merits": [], "payees": [], "total": 0}
    by_id = {m["id"]: m for m in result["merits"]}
    with transaction.atomic():
        decision = Decision.objects.create(
            meeting=meeting, jurisdiction_id=code, decided_on=meeting.held_on, roll_size=len(roll),
            present=len(present), calculator_input=data, calculator_output=result, total=int(result["total"]),
            created_by=actor, created_at=clock.now())
        for case in cases:
            yes, no, ok = tallies[case.pk]
            m = by_id.get(case.merit_id)
            if ok and m is None:
                raise RewardError("case", f"계산 결과에 {josa(case.number, '이')} 없습니다.")
            eligible = bool(m["eligible"]) if m else False
            amount = int(m["amount"]) if m else 0
            reason = str(m.get("reason", "")) if m else f"위원회 부결 (찬성 {yes}명/출석 {len(present)}명, 3분의 2 미달)"
            DecisionItem.objects.create(decision=decision, case=case, votes_for=yes, votes_against=no, approved=ok,
                                        eligible=eligible, amount=amount, reason=reason)
            case.status = RewardCase.Status.DECIDED if ok and eligible and amount > 0 else RewardCase.Status.REJECTED
            case.save(update_fields=["status"])
        for p in result["payees"]:
            Award.objects.create(decision=decision, payee_key=p["id"], month=p["month"], amount=int(p["amount"]))
        meeting.status = Meeting.Status.DECIDED
        meeting.save(update_fields=["status"])
        audit.record("reward.meeting.decide", actor=actor, jurisdiction=code, target=decision, clock=clock,
                     detail={"meeting": meeting.pk, "present": len(present), "roll": len(roll),
                             "approved": [c.merit_id for c in approved], "total": decision.total})
    return decision


# --- claims, budget, payment ----------------------------------------------------------------------------------------


def payee_cases(decision: Decision, payee_key: str) -> list[RewardCase]:
    """The decided cases of `decision` in which `payee_key` is a claimant."""
    return [item.case for item in decision.items.select_related("case").order_by("case_id")
            if item.approved and item.amount > 0 and payee_key in item.case.payee_keys()]


def submit_claim(decision: Decision, payee: Payee, *, submitted_on: date, actor: str,
                 clock: Clock) -> Claim:
    """별지 제3호서식 지급신청 (제7조): the payee's awards under one decision; the decision is attached."""
    not_in_future("submitted_on", "신청일", submitted_on, clock)
    key = payee.payee_key
    amount = sum(a.amount for a in decision.awards.filter(payee_key=key))
    if amount <= 0:
        raise RewardError("payee", f"{payee}에게 결정된 포상금이 없습니다.")
    if not payee.account_encrypted:
        raise RewardError("account", f"{payee}의 입금 계좌가 등록되지 않았습니다 (제8조③: 계좌 이체로 지급).")
    cases = payee_cases(decision, key)
    if isinstance(payee, Official):
        affiliation, rank = payee.department, payee.rank
    else:
        affiliation, rank = payee.address, ""
    with transaction.atomic():
        try:
            with transaction.atomic():
                claim = Claim.objects.create(
                    jurisdiction_id=decision.jurisdiction_id, decision=decision, payee_key=key,
                    official=payee if isinstance(payee, Official) else None,
                    civilian=payee if isinstance(payee, Civilian) else None, affiliation=affiliation, rank=rank,
                    name=payee.name, case_count=len(cases), collected=sum(c.collected for c in cases), amount=amount,
                    bank=payee.bank, account_encrypted=payee.account_encrypted, account_masked=payee.account_masked,
                    account_holder=payee.account_holder, submitted_on=submitted_on, created_by=actor,
                    created_at=clock.now())
        except IntegrityError:
            raise RewardError("payee", f"{josa(payee, '은')} 이 심사결정으로 이미 신청했습니다.") from None
        audit.record("reward.claim.submit", actor=actor, jurisdiction=decision.jurisdiction_id, target=claim,
                     clock=clock, detail={"amount": amount, "decision": decision.pk})
    return claim


def set_budget(jurisdiction: Jurisdiction, year: int, amount: int, *, actor: str,
               clock: Clock) -> RewardBudget:
    code = jurisdiction.code
    if amount < 0:
        raise RewardError("amount", "예산액은 0 이상이어야 합니다.")
    with transaction.atomic():
        budget, _ = RewardBudget.objects.update_or_create(
            jurisdiction_id=code, year=year, defaults={"amount": amount, "updated_at": clock.now()})
        audit.record("reward.budget.set", actor=actor, jurisdiction=code, target=budget, clock=clock,
                     detail={"year": year, "amount": amount})
    return budget


def budget_remaining(jurisdiction: Jurisdiction, year: int) -> int:
    budget = RewardBudget.objects.filter(jurisdiction=jurisdiction, year=year).first()
    if budget is None:
        return 0
    committed = (Claim.objects.filter(jurisdiction=jurisdiction, budget_year=year, status__in=Claim.COMMITTED)
                 .aggregate(s=Sum("amount"))["s"] or 0)
    return budget.amount - committed


def payment_blockers(claim: Claim, as_of: date) -> list[str]:
    """Why the claim cannot be paid on `as_of` (제8조②), in Korean; empty when it can."""
    problems = []
    for case in payee_cases(claim.decision, claim.payee_key):
        if case.merit_type in RewardCase.RECEIPT_TYPES and not _money_received(case, as_of):
            problems.append(f"{case.number}: 징수액의 수납이 확인되지 않았습니다 (제8조② 본문).")
        if case.merit_type in RewardCase.FINALITY_TYPES and not case.final_as_of(as_of):
            problems.append(f"{case.number}: 불복청구기간이 지나지 않았거나 부과가 확정되지 않았습니다 "
                            f"(제8조② 단서; 확정일 {case.final_on or '-'}, 기간 만료 {case.appeal_period_end or '-'}).")
    return problems


def _money_received(case: RewardCase, as_of: date) -> bool:
    payments = list(case.payments.all())
    if payments:
        # reconciled in jingsu.payments (matched to the levy, not waiting in the unmatched queue)
        return all(p.status != Payment.Status.UNMATCHED and p.received_at.astimezone(SEOUL).date() <= as_of for p in payments)
    if case.finding_id is not None:
        finding = case.finding
        assert finding is not None
        return bool(finding.collected_on and finding.confirmed_by and finding.collected_on <= as_of)
    return case.collected_on is not None and case.collected_on <= as_of


def schedule_claim(claim: Claim, *, as_of: date, actor: str, clock: Clock) -> Claim:
    """Approve a claim for payment in `as_of`'s year, or carry it to the next year when that year's budget cannot
    cover it (제8조① 단서). Refused while 제8조② says it cannot be paid yet."""
    if claim.status not in (Claim.Status.SUBMITTED, Claim.Status.CARRIED):
        raise RewardError("claim", f"지급신청이 {claim.get_status_display()} 상태입니다.")
    if claim.status == Claim.Status.CARRIED and claim.budget_year and as_of.year < claim.budget_year:
        raise RewardError("as_of", f"{claim.budget_year}년으로 이월된 신청입니다.")
    blockers = payment_blockers(claim, as_of)
    if blockers:
        raise RewardError("claim", " ".join(blockers))
    year = as_of.year
    with transaction.atomic():
        Claim.objects.select_for_update().filter(pk=claim.pk).first()
        RewardBudget.objects.select_for_update().filter(jurisdiction_id=claim.jurisdiction_id, year=year).first()
        remaining = budget_remaining(claim.jurisdiction, year)
        if claim.amount <= remaining:
            claim.status, claim.budget_year = Claim.Status.APPROVED, year
            action = "reward.claim.approve"
        else:
            if claim.carried_from is None:
                claim.carried_from = year
            claim.status, claim.budget_year = Claim.Status.CARRIED, year + 1
            action = "reward.claim.carry"
        claim.save(update_fields=["status", "budget_year", "carried_from"])
        audit.record(action, actor=actor, jurisdiction=claim.jurisdiction_id, target=claim, clock=clock,
                     detail={"amount": claim.amount, "remaining": remaining, "budget_year": claim.budget_year})
    return claim


def create_transfer_batch(jurisdiction: Jurisdiction, *, year: int, created_on: date, actor: str,
                          clock: Clock) -> TransferBatch:
    code = jurisdiction.code
    not_in_future("created_on", "작성일", created_on, clock)
    with transaction.atomic():
        claims = list(Claim.objects.select_for_update().filter(
            jurisdiction_id=code, status=Claim.Status.APPROVED, budget_year=year).order_by("pk"))
        if not claims:
            raise RewardError("year", f"{year}년에 이체할 지급 확정 신청이 없습니다.")
        batch = TransferBatch.objects.create(jurisdiction_id=code, year=year, created_on=created_on,
                                             created_by=actor, created_at=clock.now())
        Claim.objects.filter(pk__in=[c.pk for c in claims]).update(batch=batch, status=Claim.Status.BATCHED)
        audit.record("reward.batch.create", actor=actor, jurisdiction=code, target=batch, clock=clock,
                     detail={"claims": len(claims), "amount": sum(c.amount for c in claims)})
    return batch


def mark_batch_paid(batch: TransferBatch, *, paid_on: date, actor: str, clock: Clock) -> TransferBatch:
    not_in_future("paid_on", "지급일", paid_on, clock)
    with transaction.atomic():
        locked = TransferBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status != TransferBatch.Status.CREATED:
            raise RewardError("batch", f"이체 묶음 {josa(batch.pk, '은')} 이미 지급 처리되었습니다.")
        locked.status, locked.paid_on = TransferBatch.Status.PAID, paid_on
        locked.save(update_fields=["status", "paid_on"])
        n = locked.claims.filter(status=Claim.Status.BATCHED).update(status=Claim.Status.PAID, paid_on=paid_on)
        audit.record("reward.batch.paid", actor=actor, jurisdiction=locked.jurisdiction_id, target=locked,
                     clock=clock, detail={"claims": n, "paid_on": paid_on.isoformat()})
    return locked


# --- clawback -------------------------------------------------------------------------------------------------------


def open_fraud_clawback(claim: Claim, *, notified_on: date, reason: str, actor: str,
                        clock: Clock) -> Clawback:
    """제9조①③: the whole reward, plus interest from the day it was paid to the day of the clawback notice."""
    not_in_future("notified_on", "환수 통지일", notified_on, clock)
    if claim.status != Claim.Status.PAID or claim.paid_on is None:
        raise RewardError("claim", "지급되지 않은 포상금은 환수할 수 없습니다.")
    if claim.clawbacks.filter(kind=Clawback.Kind.FRAUD).exists():
        raise RewardError("claim", "이 지급신청에는 이미 부정수령 환수가 있습니다.")
    data = {"jurisdiction": claim.jurisdiction_id, "kind": "fraud", "amount": claim.amount,
            "paid_on": claim.paid_on.isoformat(), "notified_on": notified_on.isoformat()}
    result = law.clawback(data)
    return _save_clawback(claim, Clawback.Kind.FRAUD, data, result, notified_on, reason, actor, clock)


def _save_clawback(claim: Claim, kind: str, data: dict[str, Any], result: dict[str, Any], notified_on: date,
                   reason: str, actor: str, clock: Clock, refund: CollectionRefund | None = None) -> Clawback:
    assert claim.paid_on is not None
    with transaction.atomic():
        clawback = Clawback.objects.create(
            jurisdiction_id=claim.jurisdiction_id, claim=claim, kind=kind, refund=refund, paid_on=claim.paid_on,
            notified_on=notified_on, principal=int(result["principal"]), interest=int(result.get("interest", 0)),
            total=int(result["total"]), calculator_input=data, calculator_output=result, reason=reason[:200],
            created_by=actor, created_at=clock.now())
        audit.record("reward.clawback.open", actor=actor, jurisdiction=claim.jurisdiction_id, target=clawback,
                     clock=clock, detail={"kind": kind, "claim": claim.pk, "total": clawback.total})
    return clawback


def refunded_reward(claim: Claim, refunded_case: RewardCase, refunded_amount: int) -> int:
    """What the payee would have received had the refunded money never been collected: the decision's stored
    calculator input is rerun with the case's collection reduced (removed when all of it went back); the difference
    in this payee's award is what 제9조② claws back. The law module is still the only one applying rates and caps."""
    decision = claim.decision
    data = dict(decision.calculator_input)
    merits = []
    for m in data["merits"]:
        if m["id"] != refunded_case.merit_id:
            merits.append(m)
            continue
        field_ = "assessed" if m["type"] == "unauthorized-use" else "collected"
        left = int(m.get(field_, 0)) - refunded_amount
        if left > 0:
            merits.append({**m, field_: left})
    data["merits"] = merits
    after = law.calculate(data) if merits else {"payees": []}
    before = sum(int(p["amount"]) for p in decision.calculator_output["payees"] if p["id"] == claim.payee_key)
    now = sum(int(p["amount"]) for p in after["payees"] if p["id"] == claim.payee_key)
    return min(max(before - now, 0), claim.amount)


def record_collection_refund(jurisdiction: Jurisdiction, *, amount: int, refunded_on: date, reason: str,
                             payment: Payment | None = None, levy: Levy | None = None, actor: str,
                             clock: Clock) -> tuple[CollectionRefund, list[Clawback]]:
    """Collected money given back (이중부과 등 행정착오). Every paid reward that rested on it gets a clawback
    without interest (제9조②), opened at once (the refund date is the notice date)."""
    code = jurisdiction.code
    if payment is None and levy is None:
        raise RewardError("payment", "환급된 수납(또는 부과 건)을 지정하세요.")
    not_in_future("refunded_on", "환급일", refunded_on, clock)
    if amount <= 0:
        raise RewardError("amount", "환급액은 0보다 커야 합니다.")
    with transaction.atomic():
        refund = CollectionRefund.objects.create(jurisdiction_id=code, payment=payment, levy=levy, amount=amount,
                                                 refunded_on=refunded_on, reason=reason[:200], created_by=actor,
                                                 created_at=clock.now())
        audit.record("reward.refund.record", actor=actor, jurisdiction=code, target=refund, clock=clock,
                     detail={"amount": amount, "payment": payment.pk if payment else None})
        cases = RewardCase.objects.filter(jurisdiction_id=code, status=RewardCase.Status.DECIDED)
        cases = cases.filter(payments=payment) if payment is not None else cases.filter(levy=levy)
        clawbacks = []
        for case in cases.distinct():
            item = DecisionItem.objects.filter(case=case).select_related("decision").first()
            if item is None:
                continue
            for claim in item.decision.claims.filter(status=Claim.Status.PAID):
                if claim.payee_key not in case.payee_keys():
                    continue
                owed = refunded_reward(claim, case, min(amount, case.collected))
                if owed <= 0:
                    continue
                data = {"jurisdiction": code, "kind": "refunded", "amount": owed,
                        "paid_on": claim.paid_on.isoformat() if claim.paid_on else "",
                        "notified_on": refunded_on.isoformat()}
                result = law.clawback(data)
                clawbacks.append(_save_clawback(claim, Clawback.Kind.REFUNDED, data, result, refunded_on,
                                                f"징수액 환급({reason})", actor, clock, refund=refund))
    return refund, clawbacks


def claw_back_on_reduction(levy: Levy, by_payment: dict[int, int], *, reason: str, actor: str, clock: Clock) -> None:
    """A 감액 정정 gave money back (payments.corrections, through payments.hooks.money_returned; `by_payment` payment
    id → won): where a decided collection reward rested on the payment, record it there, which opens the
    clawbacks."""
    for payment_id, amount in by_payment.items():
        payment = Payment.objects.get(pk=payment_id)
        if RewardCase.objects.filter(payments=payment, status=RewardCase.Status.DECIDED).exists():
            record_collection_refund(levy.jurisdiction, amount=amount, refunded_on=clock_today(clock),
                                     reason=f"감액 정정: {reason}", payment=payment, levy=levy, actor=actor,
                                     clock=clock)


def unmatch_refusal(payment: Payment) -> str:
    """Why a match made by hand may not be undone (payments.services.unmatch_by_hand, through
    payments.hooks.unmatch_refusals): the payment is the collection a reward case rests on."""
    if RewardCase.objects.filter(payments=payment).exists():
        return "이 수납은 포상금 안건의 징수 실적이라 대사를 취소할 수 없습니다."
    return ""


def detect_cancelled_levies(jurisdiction: Jurisdiction, *, as_of: date, actor: str,
                            clock: Clock) -> list[Clawback]:
    """A levy behind a paid reward that was cancelled (부과취소: 이중부과 등) means its collection is refunded: record
    the refund once per case and open the clawbacks. Safe to run again (a case already refunded is skipped)."""
    code = jurisdiction.code
    out: list[Clawback] = []
    cases = (RewardCase.objects.filter(jurisdiction_id=code, status=RewardCase.Status.DECIDED,
                                       levy__status=Levy.Status.CANCELLED)
             .select_related("levy"))
    for case in cases:
        if CollectionRefund.objects.filter(jurisdiction_id=code, levy=case.levy).exists():
            continue
        _, clawbacks = record_collection_refund(jurisdiction, amount=case.collected, refunded_on=as_of,
                                                reason="부과취소(이중부과 등)", levy=case.levy, actor=actor, clock=clock)
        out.extend(clawbacks)
    return out


def mark_clawback_collected(clawback: Clawback, *, collected_on: date, actor: str,
                            clock: Clock) -> Clawback:
    not_in_future("collected_on", "환수일", collected_on, clock)
    with transaction.atomic():
        if clawback.status != Clawback.Status.OPEN:
            raise RewardError("clawback", "이미 환수 완료된 건입니다.")
        clawback.status, clawback.collected_on = Clawback.Status.COLLECTED, collected_on
        clawback.save(update_fields=["status", "collected_on"])
        audit.record("reward.clawback.collect", actor=actor, jurisdiction=clawback.jurisdiction_id,
                     target=clawback, clock=clock)
    return clawback


# --- summary --------------------------------------------------------------------------------------------------------


def reward_summary(jurisdiction: Jurisdiction, year: int) -> dict[str, Any]:
    """Figures for the year: cases, decisions, claims by status, budget, paid, clawbacks (not netted, 제9조)."""
    code = jurisdiction.code
    cases = RewardCase.objects.filter(jurisdiction_id=code).filter(
        Q(collection_year=year) | Q(created_at__year=year))
    by_status: dict[str, int] = defaultdict(int)
    for s in cases.values_list("status", flat=True):
        by_status[s] += 1
    decisions = Decision.objects.filter(jurisdiction_id=code, decided_on__year=year)
    claims = Claim.objects.filter(jurisdiction_id=code).filter(Q(budget_year=year) | Q(submitted_on__year=year))
    claim_status: dict[str, dict[str, int]] = {}
    for c in claims:
        row = claim_status.setdefault(c.status, {"count": 0, "amount": 0})
        row["count"] += 1
        row["amount"] += c.amount
    budget = RewardBudget.objects.filter(jurisdiction_id=code, year=year).first()
    clawbacks = Clawback.objects.filter(jurisdiction_id=code, notified_on__year=year)
    return {
        "jurisdiction": code,
        "year": year,
        "cases": dict(by_status),
        "decisions": decisions.count(),
        "decided_total": sum(d.total for d in decisions),
        "claims": claim_status,
        "paid": sum(c.amount for c in claims if c.status == Claim.Status.PAID and c.paid_on and c.paid_on.year == year),
        "budget": budget.amount if budget else 0,
        "budget_remaining": budget_remaining(jurisdiction, year),
        "carried_to_next_year": sum(c.amount for c in Claim.objects.filter(
            jurisdiction_id=code, status=Claim.Status.CARRIED, budget_year=year + 1)),
        "clawbacks": {
            "count": clawbacks.count(),
            "total": sum(c.total for c in clawbacks),
            "open": sum(c.total for c in clawbacks if c.status == Clawback.Status.OPEN),
            "netted": 0,  # never set off against later rewards (제9조: 즉시 환수; no set-off is authorised)
        },
    }


def format_summary(summary: dict[str, Any]) -> str:
    claims = summary["claims"]
    lines = [
        f"포상금 요약 {summary['jurisdiction']} {summary['year']}년",
        f"  안건: {sum(summary['cases'].values())}건 "
        + ", ".join(f"{RewardCase.Status(k).label} {v}" for k, v in sorted(summary["cases"].items())),
        f"  심사결정: {summary['decisions']}회, 결정액 {summary['decided_total']:,}원",
        "  지급신청: " + (", ".join(f"{Claim.Status(k).label} {v['count']}건 {v['amount']:,}원"
                                   for k, v in sorted(claims.items())) or "없음"),
        f"  지급액: {summary['paid']:,}원 / 예산 {summary['budget']:,}원 (잔액 {summary['budget_remaining']:,}원), "
        f"다음 연도 이월 {summary['carried_to_next_year']:,}원",
        f"  환수: {summary['clawbacks']['count']}건 {summary['clawbacks']['total']:,}원 "
        f"(미환수 {summary['clawbacks']['open']:,}원, 상계 없음)",
    ]
    return "\n".join(lines)


def today(clock: Clock) -> date:
    return clock_today(clock)
