"""Enforcement cases (issue #16 items 3 and 5): opening refused when the law says no (nothing written), dates after
today refused, each measure through its stages, maker-checker, the automatic checks that block a stage, a payment
that makes a case 해제 가능, and the 포상금 ledgers fed by the measures taken. Real database, real services."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from _enforcement_helpers import levy, official, pay, taxpayer

from _step_notices import send_step_notice
from jingsu.core.models import AuditLog
from jingsu.core.states import IllegalTransition
from jingsu.enforcement import services
from jingsu.enforcement.models import MACHINES, CaseEvent, EnforcementCase, MoveRequest
from jingsu.enforcement.services import CaseError
from jingsu.levies.models import Levy
from jingsu.rewards.models import EnforcementAction

CS, M = EnforcementCase.Status, EnforcementCase.Measure
TODAY = date(2026, 11, 23)  # tests/_clock.py T0


def _open(tp, measure, clock, on=TODAY, **recorded):
    return services.open_case(tp, measure, on=on, reason="체납 정리 계획", actor="clerk", clock=clock,
                              recorded=recorded)


def _move(case, to, clock, on=TODAY, actor="clerk", **kw):
    return services.move(case, to, reason=f"{to} 단계로", actor=actor, clock=clock, on=on, **kw)


def _approved(case, to, clock, on=TODAY, **kw):
    req = _move(case, to, clock, on=on, **kw)
    assert isinstance(req, MoveRequest) and req.decision == MoveRequest.Decision.PENDING
    case.refresh_from_db()
    assert case.status != to  # nothing takes effect before the approval
    return services.approve(req, actor="lead", clock=clock)


# --- refusals --------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_taxpayer_who_does_not_qualify_is_refused_with_the_article_and_nothing_is_written(clock):
    tp = taxpayer(clock)
    levy(clock, tp, principal=500_000)
    audits = AuditLog.objects.count()
    with pytest.raises(CaseError) as e:
        _open(tp, M.DISCLOSURE, clock)
    assert "제11조" in e.value.message and "미만" in e.value.message
    with pytest.raises(CaseError) as e:
        _open(tp, M.EXIT_BAN, clock)
    assert "제8조" in e.value.message
    assert EnforcementCase.objects.count() == 0 and AuditLog.objects.count() == audits


@pytest.mark.django_db
def test_a_date_after_today_is_refused(clock):
    tp = taxpayer(clock)
    levy(clock, tp, principal=20_000_000)
    with pytest.raises(CaseError) as e:
        _open(tp, M.LICENSE_REFUSAL, clock, on=date(2026, 11, 24))
    assert e.value.field == "on" and "2026. 11. 24." in e.value.message
    case = _open(tp, M.LICENSE_REFUSAL, clock)
    with pytest.raises(CaseError):
        _move(case, CS.FOREWARNED, clock, on=date(2026, 12, 1))
    assert EnforcementCase.objects.get().status == CS.SELECTED


@pytest.mark.django_db
def test_one_open_case_per_taxpayer_and_measure(clock):
    tp = taxpayer(clock)
    levy(clock, tp, principal=20_000_000)
    case = _open(tp, M.LICENSE_REFUSAL, clock)
    with pytest.raises(CaseError, match="이미 진행 중"):
        _open(tp, M.LICENSE_REFUSAL, clock)
    _move(case, CS.CLOSED, clock)
    assert _open(tp, M.LICENSE_REFUSAL, clock).pk != case.pk  # a closed case leaves room for a new one


# --- each measure through its stages ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_disclosure_from_selection_to_publication_and_release(clock):
    tp = taxpayer(clock)
    levy(clock, tp, principal=20_000_000)
    case = _open(tp, M.DISCLOSURE, clock)
    send_step_notice(case, clock)  # the 명단공개 사전 통지, dated today (its 소명 기간 runs from today)
    _move(case, CS.NOTIFIED, clock)
    case.refresh_from_db()
    assert case.recorded["disclosure_notified_on"] == "2026-11-23" and case.recorded["disclosure_notified_arrears"] > 0
    _move(case, CS.EXPLANATION, clock)
    clock.advance(timedelta(days=(date(2027, 5, 24) - TODAY).days))
    with pytest.raises(CaseError) as e:  # 심의 only after the six months of 소명
        _move(case, CS.REVIEW, clock, on=date(2027, 5, 23))
    assert "소명 기간" in e.value.message
    later = date(2027, 5, 24)
    _move(case, CS.REVIEW, clock, on=later)
    case = _approved(case, CS.PUBLISHED, clock, on=later)
    assert case.status == CS.PUBLISHED
    _move(case, CS.RELEASED, clock, on=later)
    case.refresh_from_db()
    assert case.status == CS.RELEASED and case.closed_on == later
    events = list(case.events.values_list("from_status", "to_status", "approved_by"))
    assert events == [(CS.SELECTED, CS.NOTIFIED, ""), (CS.NOTIFIED, CS.EXPLANATION, ""),
                      (CS.EXPLANATION, CS.REVIEW, ""), (CS.REVIEW, CS.PUBLISHED, "lead"),
                      (CS.PUBLISHED, CS.RELEASED, "")]
    published = case.events.get(to_status=CS.PUBLISHED)
    assert published.actor == "clerk" and published.evaluation_data["qualifies"] is True
    assert published.on == later and published.reason
    actions = list(AuditLog.objects.filter(target_type="enforcement.enforcementcase", target_id=str(case.pk))
                   .order_by("pk").values_list("action", flat=True))
    assert actions == ["enforcement.case.open", "enforcement.case.notice", "enforcement.case.move",
                       "enforcement.case.move", "enforcement.case.move", "enforcement.case.request",
                       "enforcement.case.move", "enforcement.case.move"]


@pytest.mark.django_db
def test_license_restriction_is_fed_to_the_reward_ledgers(clock):
    tp = taxpayer(clock)
    levies = [levy(clock, tp, principal=200_000, due=date(2025, d, 10)) for d in (3, 6, 9)]
    case = _open(tp, M.LICENSE_SUSPENSION, clock, licensed_business=True)
    assert set(case.levies.all()) == set(levies)
    send_step_notice(case, clock)
    _move(case, CS.FOREWARNED, clock)
    who = official(clock)
    case = _approved(case, CS.REQUESTED, clock, official=who)
    assert case.status == CS.REQUESTED
    actions = EnforcementAction.objects.filter(kind=EnforcementAction.Kind.LICENSE_RESTRICTION)
    assert sorted(a.levy_id for a in actions) == sorted(lv.pk for lv in levies)
    assert {(a.official_id, a.taken_on) for a in actions} == {(who.pk, TODAY)}


@pytest.mark.django_db
def test_license_refusal_and_credit_report_paths(clock):
    tp = taxpayer(clock)
    big = levy(clock, tp, principal=40_000_000)
    who = official(clock)
    refusal = _open(tp, M.LICENSE_REFUSAL, clock)
    send_step_notice(refusal, clock)
    _move(refusal, CS.FOREWARNED, clock)
    assert _approved(refusal, CS.REQUESTED, clock, official=who).status == CS.REQUESTED
    credit = _open(tp, M.CREDIT_REPORT, clock)
    send_step_notice(credit, clock)
    _move(credit, CS.FOREWARNED, clock)
    assert _approved(credit, CS.PROVIDED, clock).status == CS.PROVIDED
    _move(credit, CS.RELEASED, clock)
    assert set(refusal.levies.all()) == {big}


@pytest.mark.django_db
def test_exit_ban_request_and_the_release_after_payment(clock):
    from jingsu.law.enforcement import _all_codes

    code = sorted(_all_codes("exit_ban.conditions"))[0]
    tp = taxpayer(clock)
    lv = levy(clock, tp, principal=40_000_000)
    with pytest.raises(CaseError, match="제15조"):
        _open(tp, M.EXIT_BAN, clock)  # no 시행령 제15조① case recorded
    case = _open(tp, M.EXIT_BAN, clock, exit_conditions=[code], exit_unsecured=True)
    case = _approved(case, CS.REQUESTED, clock)
    assert case.recorded["exit_banned_since"] == TODAY.isoformat() and not case.release_ready
    pay(clock, lv, 25_000_000)  # below 3천만원 left
    case.refresh_from_db()
    assert case.release_ready and any("제8조③" in r["article"] for r in case.check_reasons)
    _move(case, CS.RELEASED, clock)
    case.refresh_from_db()
    assert (case.status, case.release_ready, case.closed_on) == (CS.RELEASED, False, TODAY)


@pytest.mark.django_db
def test_plate_impound_with_temporary_release_and_release_when_paid(clock):
    tp = taxpayer(clock)
    car = levy(clock, tp, principal=300_000, due=date(2026, 6, 30), tax_item="15", vehicle="12가3456")
    demand = {car.tax_number: "2026-07-31"}
    case = _open(tp, M.PLATE_IMPOUND, clock, on=date(2026, 11, 2), demand_due_dates=demand)
    assert list(case.levies.all()) == [car]
    send_step_notice(case, clock, measure_on=date(2026, 12, 1))  # the 번호판 영치 예고
    _move(case, CS.FOREWARNED, clock)
    clock.advance(timedelta(days=30))  # 2026-12-23
    who = official(clock)
    with pytest.raises(CaseError, match="직원"):
        _move(case, CS.IMPOUNDED, clock, on=date(2026, 12, 1))  # the acting official is needed for the ledgers
    case = _approved(case, CS.IMPOUNDED, clock, on=date(2026, 12, 1), official=who)
    assert case.recorded["plate_impounded_on"] == "2026-12-01"
    action = EnforcementAction.objects.get(kind=EnforcementAction.Kind.PLATE_IMPOUND)
    assert (action.levy_id, action.taken_on, action.official_id) == (car.pk, date(2026, 12, 1), who.pk)
    with pytest.raises(CaseError, match="제131조"):
        _move(case, CS.TEMP_RELEASED, clock, on=date(2026, 12, 3))  # not a livelihood car (not recorded)
    services.record_facts(case, {"plate_livelihood": True}, reason="생계형 화물차 확인", actor="clerk", clock=clock)
    _move(case, CS.TEMP_RELEASED, clock, on=date(2026, 12, 3))
    case = _approved(case, CS.IMPOUNDED, clock, on=date(2026, 12, 11))  # 다시 영치: no second ledger row
    assert EnforcementAction.objects.filter(kind=EnforcementAction.Kind.PLATE_IMPOUND).count() == 1
    assert not case.release_ready
    pay(clock, car)
    case.refresh_from_db()
    assert case.release_ready and case.check_reasons[0]["article"] == "지방세법 시행령 제128조④"
    assert AuditLog.objects.filter(action="enforcement.case.release_ready", target_id=str(case.pk)).exists()
    _move(case, CS.RELEASED, clock, on=date(2026, 12, 23))


@pytest.mark.django_db
def test_seizure_payment_shows_the_release_reason_of_article_63(clock):
    tp = taxpayer(clock)
    car = levy(clock, tp, principal=300_000, due=date(2026, 6, 30), tax_item="15", vehicle="34나5678")
    case = _open(tp, M.SEIZURE, clock)  # 자동차세: the car may be seized without 독촉 (지방세법 제133조)
    who = official(clock)
    case = _approved(case, CS.SEIZED, clock, official=who)
    assert EnforcementAction.objects.filter(kind=EnforcementAction.Kind.SEIZURE, levy=car).count() == 1
    assert not case.release_ready
    pay(clock, car)
    case.refresh_from_db()
    assert case.release_ready
    assert [r["article"] for r in case.check_reasons] == ["지방세징수법 제63조①1호"]
    _move(case, CS.RELEASED, clock)
    assert EnforcementCase.objects.get(pk=case.pk).status == CS.RELEASED


@pytest.mark.django_db
def test_recorded_facts_are_checked_by_name(clock):
    tp = taxpayer(clock)
    levy(clock, tp, principal=20_000_000)
    with pytest.raises(CaseError, match="기록할 수 없는 사실"):
        _open(tp, M.LICENSE_REFUSAL, clock, levies=[])
    with pytest.raises(CaseError, match="날짜가 올바르지"):
        _open(tp, M.DISCLOSURE, clock, disclosure_notified_on="2026-13-01")
    assert not EnforcementCase.objects.exists()


# --- maker-checker and the automatic checks ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_requester_cannot_approve_their_own_request(clock):
    tp = taxpayer(clock)
    levy(clock, tp, principal=20_000_000)
    case = _open(tp, M.CREDIT_REPORT, clock)
    send_step_notice(case, clock)
    _move(case, CS.FOREWARNED, clock)
    req = _move(case, CS.PROVIDED, clock)
    with pytest.raises(CaseError, match="본인이 요청한"):
        services.approve(req, actor="clerk", clock=clock)
    with pytest.raises(CaseError, match="승인을 기다리는"):
        _move(case, CS.CLOSED, clock)
    services.reject(req, actor="lead", reason="자료 보완", clock=clock)
    case.refresh_from_db()
    assert case.status == CS.FOREWARNED and not CaseEvent.objects.filter(to_status=CS.PROVIDED).exists()
    with pytest.raises(CaseError, match="이미 처리된"):
        services.approve(req, actor="lead", clock=clock)


@pytest.mark.django_db
def test_a_payment_below_the_threshold_blocks_the_next_stage(clock):
    tp = taxpayer(clock)
    levies = [levy(clock, tp, principal=200_000, due=date(2025, d, 10)) for d in (3, 6, 9)]
    case = _open(tp, M.LICENSE_SUSPENSION, clock, licensed_business=True)
    send_step_notice(case, clock)
    _move(case, CS.FOREWARNED, clock)
    req = _move(case, CS.REQUESTED, clock, official=official(clock))
    pay(clock, levies[0])  # two notices left: below 3회 (제7조②)
    with pytest.raises(CaseError) as e:
        services.approve(req, actor="lead", clock=clock)
    assert "체납 횟수" in e.value.message and "제7조" in e.value.message
    case.refresh_from_db()
    assert case.status == CS.FOREWARNED and not EnforcementAction.objects.exists()
    assert case.check_reasons and not case.release_ready  # the console shows what blocks the next step


@pytest.mark.django_db
def test_installment_and_appeal_block_the_measure(clock):
    tp = taxpayer(clock)
    levy(clock, tp, principal=20_000_000, status=Levy.Status.APPEAL)
    with pytest.raises(CaseError, match="심판청구등"):
        _open(tp, M.DISCLOSURE, clock)
    tp2 = taxpayer(clock)
    car = levy(clock, tp2, principal=300_000, due=date(2026, 6, 30), tax_item="15", vehicle="56다7890")
    case = _open(tp2, M.SEIZURE, clock)
    Levy.objects.filter(pk=car.pk).update(status=Levy.Status.INSTALLMENT)
    with pytest.raises(CaseError, match="제28조③"):
        _move(case, CS.SEIZED, clock, official=official(clock))


# --- the machines -----------------------------------------------------------------------------------------------


def test_every_measure_has_a_table_from_selection_to_release():
    for measure, machine in MACHINES.items():
        assert machine.initial == {CS.SELECTED}
        assert machine.final == {CS.RELEASED, CS.CLOSED}
        assert CS.RELEASED in machine.reachable(CS.SELECTED), measure
    assert MACHINES[M.PLATE_IMPOUND].allows(CS.TEMP_RELEASED, CS.IMPOUNDED)
    assert not MACHINES[M.SEIZURE].allows(CS.SEIZED, CS.CLOSED)  # a measure in force ends by 해제


@pytest.mark.django_db
def test_every_allowed_move_writes_history_and_the_others_raise(clock):
    tp = taxpayer(clock)
    levy(clock, tp, principal=20_000_000)
    case = _open(tp, M.LICENSE_REFUSAL, clock)
    machine = case.machine
    for frm in machine.table:
        for to in machine.table:
            EnforcementCase.objects.filter(pk=case.pk).update(status=frm)  # test set-up only
            case.refresh_from_db()
            before = CaseEvent.objects.count()
            if machine.allows(frm, to):
                assert case.move(to, at=clock.now(), actor="a", reason="r", on=TODAY)
                assert CaseEvent.objects.count() == before + 1
            else:
                with pytest.raises(IllegalTransition):
                    case.move(to, at=clock.now(), actor="a", reason="r", on=TODAY)
                assert CaseEvent.objects.count() == before
