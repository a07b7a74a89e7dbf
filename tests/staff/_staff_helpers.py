"""Shared set-up for the staff console tests: two jurisdictions with taxpayers, a campaign with a delivery attempt
and its history, a payment, and one user per role."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model

from jingsu.core.models import Jurisdiction
from jingsu.delivery.models import AttemptStatus, Channel, DeliveryAttempt
from jingsu.notices import services as notices
from jingsu.notices.models import Notice
from jingsu.payments.models import Allocation, Payment
from jingsu.rolls.importer import import_roll
from jingsu.staff import services
from jingsu.staff.roles import ROLES
from jingsu.taxpayers.models import Taxpayer

SMALL = Path(__file__).parent.parent / "fixtures" / "roll_small.csv"
HOME = "11260"  # 중랑구, as in the demo
OTHER = "11350"  # 노원구
PASSWORD = "시험-비밀번호-1234"
from _browser import SCREENSHOTS, orm, shot  # noqa: E402,F401  (re-exported for the staff tests)


@dataclass
class World:
    home: Jurisdiction
    other: Jurisdiction
    taxpayer: Taxpayer  # 김민준, in HOME, with a notice, an attempt with history, and a payment
    other_taxpayer: Taxpayer  # in OTHER
    users: dict[str, object] = field(default_factory=dict)  # role code → user (HOME)
    other_clerk: object = None
    other_users: dict[str, object] = field(default_factory=dict)  # role code → user (OTHER), with add_other_users
    no_profile: object = None
    rewards: Any = None  # RewardsWorld, when a test asks for it (add_rewards_people / add_rewards_world)
    roll_uploads: Any = None  # (own, other jurisdiction's) RollUpload, when a test asks for it (add_roll_uploads)
    money: Any = None  # MoneyWorld, when a test asks for it (add_money_world)
    payment_uploads: Any = None  # (own, other jurisdiction's) PaymentUpload, added with the roll uploads
    resends: Any = None  # (own, other jurisdiction's) pending Resend, when a test asks for it (add_resends)


#: OTHER's people for a world whose two offices must not share a name or an address (build_world's `other_people`):
#: the same registration numbers and amounts as HOME's roll, other names, and addresses in 노원구.
OTHER_PEOPLE = {"김민준": "박지훈", "이서연": "최유나", "(주)중랑건설": "(주)노원건설", "NGUYEN VAN AN": "TRAN THI BINH",
                "중랑구": "노원구"}


def build_world(clock, tmp_path: Path, *, other_people: dict[str, str] | None = None) -> World:
    """HOME's roll (tests/fixtures/roll_small.csv) and the same roll in OTHER — with the same names, unless
    `other_people` (e.g. OTHER_PEOPLE) replaces them: then OTHER's rows share no name or address with HOME's."""
    home = Jurisdiction.objects.get(code=HOME)
    other = Jurisdiction.objects.get(code=OTHER)
    import_roll(SMALL, jurisdiction=Jurisdiction.by_code(HOME), clock=clock)
    other_roll = tmp_path / "roll-other.csv"
    other_text = SMALL.read_text(encoding="utf-8").replace(HOME, OTHER)
    for old, new in (other_people or {}).items():
        other_text = other_text.replace(old, new)
    other_roll.write_text(other_text, encoding="utf-8")
    import_roll(other_roll, jurisdiction=Jurisdiction.by_code(OTHER), clock=clock)

    campaign = notices.create_campaign(home, name="11월 체납안내", kind="arrears", as_of=date(2026, 11, 23),
                                       actor="maker", clock=clock)
    notices.build_campaign(campaign, actor="maker", clock=clock)
    notices.approve_campaign(campaign, actor="checker", clock=clock)
    taxpayer = Taxpayer.objects.get(jurisdiction=home, name="김민준")
    notice = Notice.objects.get(campaign=campaign, taxpayer=taxpayer)
    now = clock.now()
    attempt = DeliveryAttempt.objects.create(
        notice=notice, channel=Channel.KT, sequence=1, key=f"{notice.reference}-1", status=AttemptStatus.QUEUED,
        created_at=now, updated_at=now)
    attempt.move(AttemptStatus.SENDING, at=now + timedelta(minutes=1))
    attempt.move(AttemptStatus.ACCEPTED, at=now + timedelta(minutes=2), external_id="kt-1")
    attempt.move(AttemptStatus.READ, at=now + timedelta(hours=3), code="READ")
    levy = taxpayer.levies.order_by("id").first()
    payment = Payment.objects.create(jurisdiction=home, source="bank-feed", external_id="tx-1", received_at=now,
                                     amount=50000, channel="virtual-account", status=Payment.Status.MATCHED, created_at=now)
    Allocation.objects.create(payment=payment, levy=levy, head=Allocation.Head.TAX, amount=50000)

    world = World(home=home, other=other, taxpayer=taxpayer,
                  other_taxpayer=Taxpayer.objects.get(jurisdiction=other,
                                                      name=(other_people or {}).get("김민준", "김민준")))
    for role in ROLES:
        world.users[role.code] = services.create_staff_user(
            f"{role.code}-{HOME}", jurisdiction=home, role=role.code, password=PASSWORD, clock=clock).user
    world.other_clerk = services.create_staff_user(f"clerk-{OTHER}", jurisdiction=other, role="clerk",
                                                   password=PASSWORD, clock=clock).user
    world.no_profile = get_user_model().objects.create_user("no-profile", password=PASSWORD)
    return world


def add_other_users(world: World, clock) -> dict[str, object]:
    """OTHER's staff, one user per role like HOME's (`world.other_users`; its 담당자 is `world.other_clerk`). They
    have no usable password (the tests log them in with force_login): no password hashing for six more accounts."""
    world.other_users = {"clerk": world.other_clerk}
    for role in ROLES:
        if role.code != "clerk":
            world.other_users[role.code] = services.create_staff_user(
                f"{role.code}-{OTHER}", jurisdiction=world.other, role=role.code, password=None, clock=clock).user
    return world.other_users




# --- money (수납) and effects: unmatched payments and a campaign in both jurisdictions ------------------------------

UNKNOWN_LEVY_SERIAL = 999_999_998  # no levy has this id: a 전자납부번호 that matches nothing


@dataclass
class MoneyWorld:
    unmatched: Any  # Payment in HOME, unmatched (전자납부번호 of no levy)
    other_unmatched: Any  # the same in OTHER
    campaign: Any  # HOME's built campaign (from build_world)
    other_campaign: Any  # a built campaign in OTHER


def unknown_payment_number(jurisdiction: str) -> str:
    from jingsu.levies import numbers

    return numbers.payment_number(jurisdiction, "14", 2026, UNKNOWN_LEVY_SERIAL)


def add_unmatched_payment(jurisdiction: str, clock, *, external_id: str, amount: int = 123_450,
                          received_at: datetime | None = None):
    """Through jingsu.payments.services.record_payment with a valid 전자납부번호 of no levy: stays unmatched."""
    from jingsu.payments.services import record_payment

    payment, _ = record_payment(
        source="bank-feed", external_id=external_id, received_at=received_at or clock.now(), amount=amount,
        channel="e-payment", payment_number=unknown_payment_number(jurisdiction), virtual_account="", tax_number="",
        jurisdiction=None, clock=clock)
    return payment


def add_money_world(world: World, clock) -> MoneyWorld:
    from jingsu.notices.models import Campaign

    other_campaign = notices.create_campaign(world.other, name="노원 11월 체납안내", kind="arrears",
                                             as_of=date(2026, 11, 23), actor="maker", clock=clock)
    notices.build_campaign(other_campaign, actor="maker", clock=clock)
    world.money = MoneyWorld(
        unmatched=add_unmatched_payment(HOME, clock, external_id="unmatched-home"),
        other_unmatched=add_unmatched_payment(OTHER, clock, external_id="unmatched-other"),
        campaign=Campaign.objects.get(jurisdiction=world.home, name="11월 체납안내"),
        other_campaign=other_campaign,
    )
    return world.money


# --- collection rewards (포상금): people, the whole flow through the services, and the other jurisdiction's objects --

REWARD_LEVY = "11260-14-2022-0000003"  # 이서연, 재산세 2022: 4년차 in 2026
ACTION_DAY = date(2026, 11, 2)
PAY_DAY = date(2026, 11, 10)
MEETING_DAY = date(2026, 11, 20)


@dataclass
class RewardsWorld:
    collector: Any  # Official (주무관) who seizes; also sits on the committee, so barred from its meetings
    committee: Any
    members: list  # chair + three 과장: they attend (4 of 5 on the roll)
    barred: Any  # the collector's CommitteeMember row
    levy: Any
    meeting: Any = None
    decision: Any = None
    claim: Any = None
    batch: Any = None
    other_meeting: Any = None
    other_claim: Any = None
    other_batch: Any = None
    finding: Any = None  # a HiddenRevenueFinding in HOME (add_rewards_world)
    other_official: Any = None  # OTHER's official, committee, its member and a finding (_other_rewards)
    other_committee: Any = None
    other_member: Any = None
    other_finding: Any = None


def add_rewards_people(world: World, clock) -> RewardsWorld:
    """중랑구 제5조: 4–6 members, the 소관국장 chairs, the others 과장급; plus the collector as a member."""
    from jingsu.levies.models import Levy
    from jingsu.rewards import services as rw

    start = date(2025, 1, 1)
    collector = rw.add_official(Jurisdiction.by_code(HOME), name="한지민", rank="지방세무주사보", department="세무1과 체납징수팀",
                                bureau="재무국", bank="088", account="110123456789", actor="setup", clock=clock)
    chair_o = rw.add_official(Jurisdiction.by_code(HOME), name="이수근", rank="국장", department="재무국", bureau="재무국",
                              director_or_above=True, actor="setup", clock=clock)
    committee = rw.create_committee(Jurisdiction.by_code(HOME), bureau="재무국", actor="setup", clock=clock)
    members = [rw.add_member(committee, name="이수근", role="chair", official=chair_o, position="재무국장",
                             term_start=start, actor="setup", clock=clock)]
    for name, dept in (("김과장", "세무1과장"), ("박과장", "세무2과장"), ("최과장", "징수과장")):
        o = rw.add_official(Jurisdiction.by_code(HOME), name=name, rank="과장", department=dept, bureau="재무국", actor="setup", clock=clock)
        members.append(rw.add_member(committee, name=name, official=o, position=dept, term_start=start,
                                     actor="setup", clock=clock))
    barred = rw.add_member(committee, name="한지민", official=collector, position="체납징수팀", term_start=start,
                           actor="setup", clock=clock)
    world.rewards = RewardsWorld(collector=collector, committee=committee, members=members, barred=barred,
                                 levy=Levy.objects.get(jurisdiction_id=HOME, tax_number=REWARD_LEVY))
    return world.rewards


def pay_levy(levy, on: date, clock):
    """The levy's whole outstanding amount paid by its 전자납부번호, reconciled by jingsu.payments."""
    from jingsu.clock import SEOUL
    from jingsu.levies import numbers
    from jingsu.payments.services import reconcile

    levy.refresh_from_db()
    payment = Payment.objects.create(
        jurisdiction_id=levy.jurisdiction_id, source="bank-feed", external_id=f"reward-{levy.pk}-{on}",
        received_at=datetime.combine(on, time(11, 0), tzinfo=SEOUL), amount=levy.outstanding_amount,
        channel="e-payment",
        payment_number=numbers.payment_number(levy.jurisdiction_id, levy.tax_item, levy.tax_year, levy.pk),
        created_at=clock.now())
    return reconcile(payment, clock=clock)


def add_rewards_world(world: World, clock) -> RewardsWorld:
    """Everything through the services in HOME (a decided meeting, a paid claim and its batch), and the same kinds
    of objects written directly in OTHER (its ordinance is not in jingsu.law), for the URL walker."""
    from jingsu.rewards import services as rw

    r = add_rewards_people(world, clock)
    rw.record_action(r.levy, kind="seizure", taken_on=ACTION_DAY, official=r.collector, actor="setup", clock=clock)
    pay_levy(r.levy, PAY_DAY, clock)
    [case] = rw.open_arrears_cases(Jurisdiction.by_code(HOME), 2026, actor="setup", clock=clock)
    r.meeting = rw.create_meeting(r.committee, held_on=MEETING_DAY, actor="setup", clock=clock)
    rw.put_on_agenda(r.meeting, case, actor="setup", clock=clock)
    for m in r.members:
        rw.record_attendance(r.meeting, m, actor="setup", clock=clock)
        rw.record_vote(r.meeting, case, m, in_favour=True, actor="setup", clock=clock)
    r.decision = rw.decide_meeting(r.meeting, actor="setup", clock=clock)
    rw.set_budget(Jurisdiction.by_code(HOME), 2026, 1_000_000, actor="setup", clock=clock)
    claim = rw.submit_claim(r.decision, r.collector, submitted_on=MEETING_DAY, actor="setup", clock=clock)
    rw.schedule_claim(claim, as_of=MEETING_DAY, actor="setup", clock=clock)
    r.batch = rw.create_transfer_batch(Jurisdiction.by_code(HOME), year=2026, created_on=MEETING_DAY, actor="setup", clock=clock)
    rw.mark_batch_paid(r.batch, paid_on=MEETING_DAY, actor="setup", clock=clock)
    claim.refresh_from_db()
    r.claim = claim
    r.finding = rw.record_finding(Jurisdiction.by_code(HOME), category="evasion", tax_item="취득세", source_description="법인 부동산 취득 누락",
                                  taxpayer_name="주식회사 숨은", official=r.collector, actor="setup",
                                  clock=clock)
    _other_rewards(r, clock)
    return r


def _other_rewards(r: RewardsWorld, clock) -> None:
    from jingsu.levies.models import Levy
    from jingsu.rewards.models import (
        Award,
        CaseClaimant,
        Claim,
        Committee,
        CommitteeMember,
        Decision,
        DecisionItem,
        EnforcementAction,
        HiddenRevenueFinding,
        Meeting,
        Official,
        RewardCase,
        TransferBatch,
    )

    now = clock.now()
    o = Official(jurisdiction_id=OTHER, name="노원징수", rank="주무관", department="세무과", created_at=now)
    o.set_account("088", "110999988887", "노원징수")
    o.save()
    levy = Levy.objects.filter(jurisdiction_id=OTHER).order_by("id").first()
    EnforcementAction.objects.create(jurisdiction_id=OTHER, levy=levy, kind="seizure", official=o,
                                     taken_on=ACTION_DAY, created_by="setup", created_at=now)
    committee = Committee.objects.create(jurisdiction_id=OTHER, bureau="재무국", name="노원구 공적심사위원회",
                                         created_at=now)
    member = CommitteeMember.objects.create(committee=committee, name="노원국장", role="chair", kind="internal",
                                            term_start=date(2025, 1, 1), created_at=now)
    finding = HiddenRevenueFinding.objects.create(
        jurisdiction_id=OTHER, category="evasion", official=o, tax_item="취득세", source_description="노원 발굴",
        taxpayer_name="노원납세", created_by="setup", created_at=now)
    r.other_official, r.other_committee, r.other_member, r.other_finding = o, committee, member, finding
    meeting = Meeting.objects.create(committee=committee, held_on=MEETING_DAY, status=Meeting.Status.DECIDED,
                                     created_by="setup", created_at=now)
    case = RewardCase.objects.create(jurisdiction_id=OTHER, merit_type="arrears", title="노원 안건", levy=levy,
                                     collected=100_000, collection_year=2026, meeting=meeting,
                                     status=RewardCase.Status.DECIDED, created_by="setup", created_at=now)
    CaseClaimant.objects.create(case=case, official=o, share="1", direct=True)
    payees = [{"id": o.payee_key, "month": "2026-11", "amount": 5000}]
    decision = Decision.objects.create(
        meeting=meeting, jurisdiction_id=OTHER, decided_on=MEETING_DAY, roll_size=1, present=1,
        calculator_input={"merits": []}, calculator_output={"merits": [], "payees": payees, "total": 5000},
        total=5000, created_by="setup", created_at=now)
    DecisionItem.objects.create(decision=decision, case=case, votes_for=1, votes_against=0, approved=True,
                                eligible=True, amount=5000, reason="시험")
    Award.objects.create(decision=decision, payee_key=o.payee_key, month="2026-11", amount=5000)
    batch = TransferBatch.objects.create(jurisdiction_id=OTHER, year=2026, created_on=MEETING_DAY,
                                         status=TransferBatch.Status.PAID, paid_on=MEETING_DAY, created_by="setup",
                                         created_at=now)
    claim = Claim.objects.create(
        jurisdiction_id=OTHER, decision=decision, payee_key=o.payee_key, official=o, affiliation="세무과",
        rank="주무관", name=o.name, case_count=1, collected=100_000, amount=5000, bank="088",
        account_encrypted=o.account_encrypted, account_masked=o.account_masked, account_holder=o.name,
        submitted_on=MEETING_DAY, status=Claim.Status.PAID, budget_year=2026, batch=batch, paid_on=MEETING_DAY,
        created_by="setup", created_at=now)
    r.other_meeting, r.other_claim, r.other_batch = meeting, claim, batch


# --- resends (다시 보내기): a pending request in each jurisdiction, for the URL walker ---------------------------------


def add_resends(world: World, clock) -> tuple:
    """A pending paper resend of HOME's notice (김민준, sent once by KT in build_world) and one in OTHER (written
    directly: OTHER's campaign is only built). Needs add_money_world (OTHER's campaign)."""
    from jingsu.delivery.models import Resend

    own = Notice.objects.get(taxpayer=world.taxpayer)
    other = Notice.objects.filter(campaign=world.money.other_campaign).order_by("pk").first()
    made = []
    for notice, who in ((own, world.users["clerk"].get_username()), (other, world.other_clerk.get_username())):
        made.append(Resend.objects.create(
            jurisdiction_id=notice.jurisdiction_id, notice=notice, channel="paper", mail_class="registered",
            cost=2930, reason="납세자 요청: 등기로 다시", key=f"walker-{notice.pk}", requested_by=who,
            requested_at=clock.now()))
    world.resends = tuple(made)
    return world.resends


# --- roll upload (체납 자료 가져오기): one validated upload per jurisdiction, for the URL walker --------------------


def add_roll_uploads(world: World, clock) -> tuple:
    """A validated upload (without its file, so it cannot be confirmed) in HOME and in OTHER."""
    from jingsu.staff.models import RollUpload

    made = []
    for code, user in ((HOME, world.users["clerk"]), (OTHER, world.other_clerk)):
        made.append(RollUpload.objects.create(
            jurisdiction_id=code, uploaded_by=user, actor=user.get_username(), original_name=f"roll-{code}.csv",
            stored_name=f"walker-{code}.csv", size=100, status=RollUpload.Status.VALIDATED, rows=5, taxpayers=4,
            created_at=clock.now(), validated_at=clock.now()))
    world.roll_uploads = tuple(made)
    add_payment_uploads(world, clock)
    return world.roll_uploads


def add_payment_uploads(world: World, clock) -> tuple:
    """A 수납 파일 upload in HOME (imported, one line left unmatched, one refused line kept from an earlier try)
    and a validated one in OTHER (without files), for the URL walker and the words crawl."""
    from jingsu.staff.models import PaymentUpload

    S = PaymentUpload.Status
    home = PaymentUpload.objects.create(
        jurisdiction_id=HOME, uploaded_by=world.users["clerk"], actor=world.users["clerk"].get_username(),
        original_name="수납-20261123.csv", stored_name=f"walker-pay-{HOME}.csv", size=2048, layout="csv",
        source="bank", status=S.DONE, records=3, amount=524_800, records_done=3, confirmed_by="clerk-" + HOME,
        summary={"records": 3, "new": 3, "duplicates": 0, "matched": 2, "unmatched": 1, "amount": 524_800,
                 "unmatched_lines": [{"row": 4, "message": "과세번호에 해당하는 부과 건이 없습니다."}]},
        created_at=clock.now(), validated_at=clock.now(), started_at=clock.now(), finished_at=clock.now())
    other = PaymentUpload.objects.create(
        jurisdiction_id=OTHER, uploaded_by=world.other_clerk, actor=world.other_clerk.get_username(),
        original_name="수납.txt", stored_name=f"walker-pay-{OTHER}.txt", size=600, layout="fixed", source="wetax",
        status=S.INVALID, total_errors=1, errors=[{"row": 3, "column": "금액",
                                                  "message": "숫자(0-9)로만 쓴 양의 정수(원)여야 합니다 (받은 값 '천원')"}],
        created_at=clock.now(), validated_at=clock.now())
    world.payment_uploads = (home, other)
    return world.payment_uploads


# --- the test client on console screens ----------------------------------------------------------------------------

BACKEND = "django.contrib.auth.backends.ModelBackend"
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)")


def as_(client, world, role: str = "clerk"):
    """The test client logged in as the HOME user of `role`."""
    client.force_login(world.users[role], backend=BACKEND)
    return client


def text(r) -> str:
    return r.content.decode()


def no_inline(r) -> None:
    """The page keeps to the CSP: no style attribute or element, no inline script (script files are fine)."""
    body = text(r)
    assert " style=" not in body and "<style" not in body and not _INLINE_SCRIPT.search(body)


def browser_login(page, username: str, password: str = PASSWORD) -> None:
    """Log in through the console's login form in a Playwright page (a wrong password is allowed: lockout tests)."""
    page.goto("/staff/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")


def console_login(page, username: str) -> None:
    """Log in and land on the console's first page."""
    browser_login(page, username)
    page.wait_for_url(re.compile(r"/staff/$"))


def console_logout(page) -> None:
    """Log out from the console's header; back at the login form."""
    page.click("form.console-logout button")
    page.wait_for_selector("#id_username")
