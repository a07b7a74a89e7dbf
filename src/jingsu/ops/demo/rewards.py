"""The demo's collection rewards (세입징수 포상금): officials take enforcement actions on some notices' older arrears
before the money comes in; afterwards the merits are derived from the records, the committee meets (quorum, two
thirds, a claimant barred), decides through `jingsu calc reward`, claims are filed and paid by a transfer file.

Nothing here computes a reward: the amounts come from jingsu.law through jingsu.rewards.services.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from jingsu.clock import Clock
from jingsu.core.models import Jurisdiction
from jingsu.notices.models import Campaign, NoticeLine
from jingsu.rewards import documents
from jingsu.rewards import services as rewards
from jingsu.rewards.models import Committee, CommitteeMember, EnforcementAction, Official, RewardCase

ACTOR = "demo-담당자"


@dataclass
class RewardDemo:
    officials: list[Official]
    director: Official
    actions: int


def prepare(campaign: Campaign, *, clock: Clock, limit: int = 60) -> RewardDemo:
    """Officials (two 주무관 and a 과장) and a 국장 who collects directly; seizures and plate impoundments on the
    older arrears of some treated notices, dated the day the notices go out."""
    j = campaign.jurisdiction
    team = [
        _official(j, name, rank, "세무1과 체납징수팀", account=account, clock=clock)
        for name, rank, account in (("한지민", "지방세무주사보", "110123456789"),
                                    ("오세훈", "지방세무서기", "110987654321"),
                                    ("유재석", "지방세무주사", "110555566667"))
    ]
    director = _official(j, "강호동", "국장", "재무국", director=True, account="110222233334", clock=clock)
    today = clock.now().date()
    lines = (NoticeLine.objects.filter(notice__campaign=campaign, notice__control_group=False,
                                      levy__original_due_date__year__lt=today.year)
             .select_related("levy").order_by("levy__tax_number")[:limit])
    actions = 0
    for i, line in enumerate(lines):
        if i % 10 == 9:  # the 국장 seizes a few himself (제2조⑤ 단서: 직접 징수한 특별공적)
            who, kind = director, EnforcementAction.Kind.SEIZURE
        else:
            who = team[i % 3]
            kind = EnforcementAction.Kind.SEIZURE if i % 2 else EnforcementAction.Kind.PLATE_IMPOUND
        rewards.record_action(line.levy, kind=kind, taken_on=today, official=who, actor=ACTOR, clock=clock)
        actions += 1
    return RewardDemo(team, director, actions)


def _official(j: Jurisdiction, name: str, rank: str, department: str, *, director: bool = False, account: str = "",
              clock: Clock) -> Official:
    """The demo's officials, created once (a second demo on the same database finds them)."""
    found = Official.objects.filter(jurisdiction=j, name=name).first()
    if found is not None:
        return found
    return rewards.add_official(j, name=name, rank=rank, department=department, bureau="재무국",
                                director_or_above=director, bank="088" if account else "", account=account,
                                actor=ACTOR, clock=clock)


def _committee(j: Jurisdiction, demo: RewardDemo, today: date, clock: Clock
               ) -> tuple[Committee, list[CommitteeMember], CommitteeMember]:
    """중랑구 제5조: 4–6 members, the 소관국장 chairs, the others 과장급 — plus 유재석 주무관, a collector and so a
    claimant, who is on the roll but barred from the meeting (제5조⑤ 단서). Created once."""
    committee = Committee.objects.filter(jurisdiction=j, bureau="재무국").first()
    if committee is None:
        committee = rewards.create_committee(j, bureau="재무국", actor=ACTOR, clock=clock)
        start = today - timedelta(days=365)
        chair = _official(j, "이수근", "국장", "재무국", director=True, clock=clock)
        rewards.add_member(committee, name=chair.name, role="chair", official=chair, position="재무국장",
                           term_start=start, actor=ACTOR, clock=clock)
        for name, dept in (("김과장", "세무1과장"), ("박과장", "세무2과장"), ("최과장", "징수과장")):
            o = _official(j, name, "과장", dept, clock=clock)
            rewards.add_member(committee, name=name, official=o, position=dept, term_start=start, actor=ACTOR,
                               clock=clock)
        rewards.add_member(committee, name=demo.officials[2].name, official=demo.officials[2],
                           position="체납징수팀", term_start=start, actor=ACTOR, clock=clock)
    roll = list(CommitteeMember.objects.filter(committee=committee).order_by("pk"))
    barred = next(m for m in roll if m.official_id == demo.officials[2].pk)
    return committee, [m for m in roll if m is not barred], barred


def review(campaign: Campaign, demo: RewardDemo, *, clock: Clock, out: Path) -> str:
    """Derive the merits, hold the committee meeting, decide, claim, pay; returns the printed summary."""
    j = campaign.jurisdiction
    today = clock.now().date()
    years = sorted({campaign.as_of.year, today.year})
    cases: list[RewardCase] = []
    for year in years:
        cases += rewards.open_arrears_cases(j, year, actor=ACTOR, clock=clock)
    committee, members, barred = _committee(j, demo, today, clock)
    meeting = rewards.create_meeting(committee, held_on=today, actor=ACTOR, clock=clock)
    for case in cases:
        rewards.put_on_agenda(meeting, case, actor=ACTOR, clock=clock)
    refused = ""
    present = list(members)
    try:
        rewards.record_attendance(meeting, barred, actor=ACTOR, clock=clock)
        present.append(barred)  # not a claimant in this meeting's cases
    except rewards.RewardError as e:
        refused = str(e)
    for m in members:  # a quorum: more than half of the roll (재적 과반수)
        rewards.record_attendance(meeting, m, actor=ACTOR, clock=clock)
    against = 1 if 3 * (len(present) - 1) >= 2 * len(present) else 0  # one against, if two thirds still hold
    for case in cases:
        for k, m in enumerate(present):
            rewards.record_vote(meeting, case, m, in_favour=k >= against, actor=ACTOR, clock=clock)
    lines = [f"포상금: 처분 {demo.actions}건 기록 → 안건 {len(cases)}건"]
    if not cases:
        return "\n".join(lines + ["  (징수된 처분 건이 없어 심사할 안건이 없습니다)"])
    decision = rewards.decide_meeting(meeting, actor=ACTOR, clock=clock)
    (out / "reward-decision.pdf").write_bytes(documents.decision_pdf(decision))
    rewards.set_budget(j, today.year, 3_000_000, actor=ACTOR, clock=clock)
    payees = {a.payee_key for a in decision.awards.all() if a.amount > 0}
    claims = []
    for key in sorted(payees):
        payee = rewards.payee_by_key(key)
        claim = rewards.submit_claim(decision, payee, submitted_on=today, actor=ACTOR, clock=clock)
        claims.append(rewards.schedule_claim(claim, as_of=today, actor=ACTOR, clock=clock))
    if any(c.status == c.Status.APPROVED for c in claims):
        batch = rewards.create_transfer_batch(j, year=today.year, created_on=today, actor=ACTOR, clock=clock)
        (out / "reward-transfer.csv").write_bytes(documents.transfer_file(batch))
        rewards.mark_batch_paid(batch, paid_on=today, actor=ACTOR, clock=clock)
    (out / "reward-ledger.xlsx").write_bytes(documents.ledger_xlsx(j, today.year))
    if refused:
        lines.append(f"  위원 출석 거부(지급대상자): {refused}")
    lines.append(rewards.format_summary(rewards.reward_summary(j, today.year)))
    lines.append(f"  심사결정서 {out / 'reward-decision.pdf'}, 이체 파일 {out / 'reward-transfer.csv'}, "
                 f"징수대장 {out / 'reward-ledger.xlsx'}")
    return "\n".join(lines)

