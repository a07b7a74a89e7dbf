"""Case → notice (issue #16 item 4): `prepare_notices` makes and builds the campaign of the case's step (명단공개 →
사전 통지, 관허사업 제한 → 제한 예고, 번호판 영치 → 영치 예고, 신용정보 제공 → 제공 예고) for the cases' taxpayers and
links each case to its notice; approval stays the campaign's (maker-checker); the move into the step's stage is
refused, naming the missing notice, until the notice has gone out; the 유통증명 is kept on the case at that move.
And the worklist's open cases by stage. Real database, real services."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from _enforcement_helpers import HOME, levy, pay, taxpayer

from _step_notices import mark_sent, send_step_notice
from jingsu.core.models import AuditLog
from jingsu.enforcement import services
from jingsu.enforcement.models import EnforcementCase
from jingsu.enforcement.services import CaseError
from jingsu.enforcement.worklist import as_json, worklist
from jingsu.notices import services as notices
from jingsu.notices.models import Campaign, Notice

CS, M = EnforcementCase.Status, EnforcementCase.Measure
TODAY = date(2026, 11, 23)  # tests/_clock.py T0
SOON = TODAY + timedelta(days=30)


def _open(tp, measure, clock, **recorded):
    return services.open_case(tp, measure, on=TODAY, reason="체납 정리 계획", actor="clerk", clock=clock,
                              recorded=recorded)


def _move(case, to, clock, on=TODAY):
    return services.move(case, to, reason="예고 발송 확인", actor="clerk", clock=clock, on=on)


def _licensed(clock, name="홍길동"):
    tp = taxpayer(clock, name=name)
    levy(clock, tp, principal=20_000_000)
    return tp


@pytest.mark.django_db
@pytest.mark.parametrize(("measure", "kind", "stage", "recorded"), [
    (M.DISCLOSURE, Campaign.Kind.DISCLOSURE, CS.NOTIFIED, {}),
    (M.LICENSE_REFUSAL, Campaign.Kind.LICENSE, CS.FOREWARNED, {}),
    (M.LICENSE_SUSPENSION, Campaign.Kind.LICENSE, CS.FOREWARNED, {"licensed_business": True}),
    (M.CREDIT_REPORT, Campaign.Kind.CREDIT, CS.FOREWARNED, {}),
    (M.PLATE_IMPOUND, Campaign.Kind.PLATE, CS.FOREWARNED, "plate"),
])
def test_each_measure_gets_its_kind_and_the_stage_waits_for_the_notice(clock, measure, kind, stage, recorded):
    tp = taxpayer(clock)
    if recorded == "plate":
        car = levy(clock, tp, principal=300_000, due=date(2026, 6, 30), tax_item="15", vehicle="12가3456")
        recorded = {"demand_due_dates": {car.tax_number: "2026-07-31"}}
    else:
        for month in (3, 6, 9):
            levy(clock, tp, principal=7_000_000, due=date(2025, month, 10))
    case = _open(tp, measure, clock, **recorded)
    with pytest.raises(CaseError) as e:  # no notice yet: refused, naming the notice that is missing
        _move(case, stage, clock)
    assert f"{Campaign.Kind(kind).label} 안내문" in e.value.message and "아직 안내문이 없습니다" in e.value.message
    measure_on = None if measure == M.DISCLOSURE else SOON
    done = services.prepare_notices([case], measure_on=measure_on, actor="clerk", clock=clock)
    campaign = done.campaign
    assert campaign.kind == kind and campaign.status == Campaign.Status.BUILT and campaign.targets == [tp.pk]
    assert campaign.as_of == TODAY and campaign.created_by == "clerk"
    case.refresh_from_db()
    notice = notices.notices_by_taxpayer(campaign)[tp.pk]
    assert case.notice == notice and done.linked == [case] and done.skipped == []
    audit = AuditLog.objects.get(action="enforcement.case.notice", target_id=str(case.pk))
    assert audit.actor == "clerk" and audit.detail["campaign"] == campaign.pk and audit.detail["kind"] == kind
    # built, not approved: the move is still refused, naming the campaign and the notice's state
    with pytest.raises(CaseError) as e:
        _move(case, stage, clock)
    assert f"캠페인 {campaign.pk}번의 {Campaign.Kind(kind).label} 안내문이 아직 나가지 않았습니다" in e.value.message
    assert "발송 대기" in e.value.message
    with pytest.raises(notices.CampaignError):  # maker-checker, as for every campaign
        notices.approve_campaign(campaign, actor="clerk", clock=clock)
    mark_sent(campaign, clock, approver="lead")
    case = _move(case, stage, clock)
    assert case.status == stage
    case.refresh_from_db()
    assert case.evidence and case.evidence[0]["what"].startswith("문서 확정")
    assert any(e["what"] == "문서 발송 중" for e in case.evidence)
    if measure == M.DISCLOSURE:
        assert case.recorded["disclosure_notified_on"] == campaign.as_of.isoformat()


@pytest.mark.django_db
def test_many_cases_at_once_and_what_is_refused_writes_nothing(clock):
    a, b, c = (_licensed(clock, name) for name in ("가나다", "라마바", "사아자"))
    cases = [_open(tp, M.LICENSE_REFUSAL, clock) for tp in (a, b)]
    credit = _open(c, M.CREDIT_REPORT, clock)
    owner = taxpayer(clock, name="차카타")
    levy(clock, owner, principal=300_000, due=date(2026, 6, 30), tax_item="15", vehicle="34나5678")
    seizure = _open(owner, M.SEIZURE, clock)  # 자동차세: seized without 독촉 (지방세법 제133조), no 예고
    campaigns, audits = Campaign.objects.count(), AuditLog.objects.count()

    def refused(items, match, **kw):
        with pytest.raises(CaseError, match=match):
            services.prepare_notices(items, measure_on=kw.get("measure_on", SOON), actor="clerk", clock=clock)
        assert Campaign.objects.count() == campaigns and AuditLog.objects.count() == audits
        assert not EnforcementCase.objects.filter(notice__isnull=False).exists()

    refused([], "사건을 고르십시오")
    refused([*cases, credit], "같은 종류")
    refused(cases, "조치 예정일", measure_on=TODAY)  # the campaign's own rule: a measure date after today
    refused([seizure], "사전 통지·예고 안내문이 없는 처분")
    # one campaign for both cases, each linked to its taxpayer's notice
    done = services.prepare_notices(cases, measure_on=SOON, actor="clerk", clock=clock)
    assert sorted(done.campaign.targets) == sorted([a.pk, b.pk])
    by_taxpayer = notices.notices_by_taxpayer(done.campaign)
    for case in cases:
        case.refresh_from_db()
        assert case.notice == by_taxpayer[case.taxpayer_id]
    # a case with a notice that is not cancelled gets no second one
    with pytest.raises(CaseError, match="이미 캠페인"):
        services.prepare_notices(cases[:1], measure_on=SOON, actor="clerk", clock=clock)
    # a case past the stage before its notice
    mark_sent(done.campaign, clock, approver="lead")
    _move(cases[0], CS.FOREWARNED, clock)
    with pytest.raises(CaseError, match="제한 예고 단계입니다"):
        services.prepare_notices(cases[:1], measure_on=SOON, actor="clerk", clock=clock)


@pytest.mark.django_db
def test_a_taxpayer_who_no_longer_qualifies_gets_no_notice(clock):
    tp = taxpayer(clock)
    lv = levy(clock, tp, principal=20_000_000)
    case = _open(tp, M.CREDIT_REPORT, clock)
    pay(clock, lv)
    with pytest.raises(CaseError) as e:
        services.prepare_notices([case], measure_on=SOON, actor="clerk", clock=clock)
    assert f"사건 {case.pk}번" in e.value.message and "제9조" in e.value.message
    assert not Campaign.objects.filter(kind=Campaign.Kind.CREDIT).exists()


@pytest.mark.django_db
def test_a_cancelled_notice_leaves_room_for_a_new_one_and_an_undelivered_one_blocks(clock):
    tp = _licensed(clock)
    case = _open(tp, M.LICENSE_REFUSAL, clock)
    first = services.prepare_notices([case], measure_on=SOON, actor="clerk", clock=clock).campaign
    first.refresh_from_db()
    first.move(Campaign.Status.CANCELLED, at=clock.now(), actor="lead", reason="날짜 잘못")
    second = services.prepare_notices([case], measure_on=SOON, actor="clerk", clock=clock).campaign
    case.refresh_from_db()
    assert case.notice.campaign == second
    mark_sent(second, clock, approver="lead")
    notice = Notice.objects.get(pk=case.notice_id)
    notice.move(Notice.Status.UNDELIVERABLE, at=clock.now(), actor="system")
    with pytest.raises(CaseError, match="송달 불능"):
        _move(case, CS.FOREWARNED, clock)


@pytest.mark.django_db
def test_the_worklist_shows_open_cases_by_stage_and_links_its_rows(clock):
    a, b = _licensed(clock, "가나다"), _licensed(clock, "라마바")
    first = _open(a, M.LICENSE_REFUSAL, clock)
    second = _open(b, M.LICENSE_REFUSAL, clock)
    send_step_notice(second, clock)
    _move(second, CS.FOREWARNED, clock)
    closed = _open(b, M.CREDIT_REPORT, clock)
    _move(closed, CS.CLOSED, clock)
    wl = worklist(HOME, TODAY, today=TODAY)
    stages = [(c.measure, c.status, c.stage, c.count) for c in wl.cases]
    assert stages == [(M.LICENSE_REFUSAL, CS.SELECTED, "대상 선정", 1),
                      (M.LICENSE_REFUSAL, CS.FOREWARNED, "제한 예고", 1)]
    rows = {r.case_id: r for c in wl.cases for r in c.rows}
    assert set(rows) == {first.pk, second.pk} and rows[first.pk].arrears == wl.cases[0].arrears > 0
    refusal = {r.taxpayer_id: r for r in wl.measures[M.LICENSE_REFUSAL].qualifying}
    assert (refusal[a.pk].case_id, refusal[a.pk].case_stage) == (first.pk, "대상 선정")
    assert refusal[b.pk].case_id == second.pk
    credit = {r.taxpayer_id: r for r in wl.measures[M.CREDIT_REPORT].qualifying}
    assert credit[b.pk].case_id is None  # the closed case leaves room to open another
    data = as_json(wl, name=lambda s: s[0] + "*")
    assert data["cases"][1]["status"] == "forewarned" and data["cases"][1]["rows"][0]["case_id"] == second.pk
    assert data["cases"][1]["rows"][0]["name"] == "라*"
    lic = {r["taxpayer_id"]: r for r in data["measures"][M.LICENSE_REFUSAL]["qualifying"]}
    assert lic[a.pk]["case_id"] == first.pk
    assert worklist(HOME, TODAY, today=TODAY, measures=[M.CREDIT_REPORT]).cases == ()
