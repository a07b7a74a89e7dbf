"""The committee: composition, quorum, two thirds, barred claimant members, lapsed terms, the stored decision."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from jingsu.clock import SEOUL
from jingsu.core.models import AuditLog, Jurisdiction
from jingsu.rewards import documents, services
from jingsu.rewards.composition import composition_problems
from jingsu.rewards.models import Decision, RewardCase, RewardError

YDP = "11560"
pytestmark = pytest.mark.django_db
MEETING_DAY = date(2026, 4, 15)


@pytest.fixture
def seizure_case(make_levy, pay, official, clock):
    def make(collector=None):
        levy = make_levy()
        collector = collector or official("징수자")
        services.record_action(levy, kind="seizure", taken_on=date(2026, 3, 2), official=collector, actor="t",
                               clock=clock)
        pay(levy, 500_000, date(2026, 3, 10))
        [case] = services.open_arrears_cases(Jurisdiction.by_code(YDP), 2026, levy=levy, actor="t", clock=clock)
        return case

    return make


def test_quorum_and_two_thirds_boundaries():
    assert not services.quorum(6, 3) and services.quorum(6, 4)
    assert not services.quorum(5, 2) and services.quorum(5, 3)
    assert not services.carried(4, 2) and services.carried(4, 3)
    assert not services.carried(6, 3) and services.carried(6, 4)
    assert services.carried(3, 2) and not services.carried(0, 0)


def test_ydp_composition(ydp_committee, clock):
    committee, members = ydp_committee
    assert composition_problems(committee, MEETING_DAY) == []
    # after the external experts' term ends the roll is 3: not as the ordinance says
    assert any("재적위원이 3명" in p for p in composition_problems(committee, date(2027, 1, 1)))
    services.add_member(committee, name="전문가4", kind="external", term_start=date(2025, 1, 1),
                        term_end=date(2027, 12, 31), actor="t", clock=clock)
    problems = composition_problems(committee, MEETING_DAY)
    assert any("7명" in p for p in problems) and any("임기가 2년" in p for p in problems)


def test_jungnang_composition_four_to_six_internal(official, clock):
    committee = services.create_committee(Jurisdiction.by_code("11260"), bureau="재무국", actor="t", clock=clock)
    start = date(2025, 1, 1)
    for i, role in enumerate(["chair", "member", "member"]):
        services.add_member(committee, name=f"위원{i}", role=role, term_start=start,
                            official=official(f"중랑{i}", jurisdiction="11260"), actor="t", clock=clock)
    assert any("3명" in p for p in composition_problems(committee, MEETING_DAY))
    services.add_member(committee, name="위원4", term_start=start, official=official("중랑4", jurisdiction="11260"),
                        actor="t", clock=clock)
    assert composition_problems(committee, MEETING_DAY) == []


def _meeting(ydp_committee, clock, cases, present=4):
    committee, members = ydp_committee
    meeting = services.create_meeting(committee, held_on=MEETING_DAY, actor="t", clock=clock)
    for c in cases:
        services.put_on_agenda(meeting, c, actor="t", clock=clock)
    for m in members[:present]:
        services.record_attendance(meeting, m, actor="t", clock=clock)
    return meeting, members[:present]


def test_three_of_six_is_no_quorum(ydp_committee, seizure_case, clock):
    meeting, _ = _meeting(ydp_committee, clock, [seizure_case()], present=3)
    with pytest.raises(RewardError) as e:
        services.decide_meeting(meeting, actor="t", clock=clock)
    assert "의사정족수" in e.value.message and "6명 중 3명" in e.value.message
    assert not Decision.objects.exists()


def test_four_present_two_yes_fails_three_yes_passes(ydp_committee, seizure_case, clock):
    a, b = seizure_case(), seizure_case()
    meeting, present = _meeting(ydp_committee, clock, [a, b], present=4)
    for i, m in enumerate(present):
        services.record_vote(meeting, a, m, in_favour=i < 2, actor="t", clock=clock)
        services.record_vote(meeting, b, m, in_favour=i < 3, actor="t", clock=clock)
    decision = services.decide_meeting(meeting, actor="chair", clock=clock)
    items = {i.case_id: i for i in decision.items.all()}
    assert (items[a.pk].approved, items[a.pk].amount, items[a.pk].votes_for) == (False, 0, 2)
    assert "부결" in items[a.pk].reason
    assert (items[b.pk].approved, items[b.pk].amount) == (True, 15_000)  # 2년차 500,000 × 3/100
    a.refresh_from_db(), b.refresh_from_db()
    assert (a.status, b.status) == (RewardCase.Status.REJECTED, RewardCase.Status.DECIDED)
    # the calculator saw only the approved item, with decided_on = the meeting date
    assert decision.calculator_input["decided_on"] == "2026-04-15"
    assert [m["id"] for m in decision.calculator_input["merits"]] == [b.merit_id]
    assert decision.calculator_input["merits"][0]["claimants"][0]["direct"] is True
    assert decision.total == 15_000 and decision.roll_size == 6 and decision.present == 4
    assert AuditLog.objects.filter(action="reward.meeting.decide", target_id=str(decision.pk)).exists()
    # 별지 제1호서식: the decided case shows the ordinance's rate (2년차 100분의 3) and the amount; the rejected none
    ledger = {r.case: (r.rate, r.reward) for r in documents.ledger_one(Jurisdiction.by_code("11560"), 2026)}
    assert ledger[b.number] == ("3%", 15_000) and ledger[a.number][0] == ""
    # immutable, and the meeting is closed
    decision.total = 1
    with pytest.raises(RewardError):
        decision.save()
    with pytest.raises(RewardError):
        services.record_vote(meeting, a, present[3], in_favour=True, actor="t", clock=clock)
    html = documents.decision_html(decision)
    assert "심사결정서" in html and "재적위원 6명 중 4명 출석" in html and b.number in html
    pdf = documents.decision_pdf(decision)
    assert pdf.startswith(b"%PDF") and documents.page_count(html) >= 1


def test_member_who_is_a_claimant_is_barred(ydp_committee, seizure_case, clock):
    committee, members = ydp_committee
    gwajang = members[1]
    case = seizure_case(collector=gwajang.official)
    meeting = services.create_meeting(committee, held_on=MEETING_DAY, actor="t", clock=clock)
    services.put_on_agenda(meeting, case, actor="t", clock=clock)
    with pytest.raises(RewardError) as e:
        services.record_attendance(meeting, gwajang, actor="t", clock=clock)
    assert "지급대상자" in e.value.message and "제5조⑥" in e.value.message
    # attending first and then adding the member's own case is refused as well
    other = seizure_case(collector=members[2].official)
    services.record_attendance(meeting, members[2], actor="t", clock=clock)
    with pytest.raises(RewardError):
        services.put_on_agenda(meeting, other, actor="t", clock=clock)
    # and the barred member cannot vote
    with pytest.raises(RewardError):
        services.record_vote(meeting, case, gwajang, in_favour=True, actor="t", clock=clock)


def test_lapsed_term_cannot_attend(ydp_committee, seizure_case, clock):
    committee, members = ydp_committee
    meeting = services.create_meeting(committee, held_on=date(2027, 2, 1), actor="t", clock=clock)
    with pytest.raises(RewardError) as e:  # a meeting scheduled ahead: nothing is recorded before it is held
        services.record_attendance(meeting, members[0], actor="t", clock=clock)
    assert e.value.field == "held_on" and "회의일(2027. 2. 1.)이 오늘(2026. 11. 23.)보다 늦습니다" in e.value.message
    clock.set(datetime(2027, 2, 1, 14, 0, tzinfo=SEOUL))
    with pytest.raises(RewardError) as e:
        services.record_attendance(meeting, members[5], actor="t", clock=clock)
    assert "임기" in e.value.message
    services.record_attendance(meeting, members[0], actor="t", clock=clock)  # internal: no end date


def test_vote_needs_attendance_and_only_once(ydp_committee, seizure_case, clock):
    case = seizure_case()
    meeting, present = _meeting(ydp_committee, clock, [case], present=4)
    _, members = ydp_committee
    with pytest.raises(RewardError):
        services.record_vote(meeting, case, members[5], in_favour=True, actor="t", clock=clock)
    services.record_vote(meeting, case, present[0], in_favour=True, actor="t", clock=clock)
    with pytest.raises(RewardError):
        services.record_vote(meeting, case, present[0], in_favour=False, actor="t", clock=clock)


def test_improper_committee_cannot_decide(ydp_committee, seizure_case, clock):
    committee, members = ydp_committee
    meeting = services.create_meeting(committee, held_on=date(2027, 2, 1), actor="t", clock=clock)
    services.put_on_agenda(meeting, seizure_case(), actor="t", clock=clock)
    clock.set(datetime(2027, 2, 1, 14, 0, tzinfo=SEOUL))
    for m in members[:3]:
        services.record_attendance(meeting, m, actor="t", clock=clock)
    with pytest.raises(RewardError) as e:
        services.decide_meeting(meeting, actor="t", clock=clock)
    assert e.value.field == "committee"
