"""Shared set-up for the staff console tests: two jurisdictions with taxpayers, a campaign with a delivery attempt
and its history, a payment, and one user per role."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

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
    no_profile: object = None


def build_world(clock, tmp_path: Path) -> World:
    home = Jurisdiction.objects.get(code=HOME)
    other = Jurisdiction.objects.get(code=OTHER)
    import_roll(SMALL, jurisdiction_code=HOME, clock=clock)
    other_roll = tmp_path / "roll-other.csv"
    other_roll.write_text(SMALL.read_text(encoding="utf-8").replace(HOME, OTHER), encoding="utf-8")
    import_roll(other_roll, jurisdiction_code=OTHER, clock=clock)

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
                                     amount=50000, channel="가상계좌", status=Payment.Status.MATCHED, created_at=now)
    Allocation.objects.create(payment=payment, levy=levy, head=Allocation.Head.TAX, amount=50000)

    world = World(home=home, other=other, taxpayer=taxpayer,
                  other_taxpayer=Taxpayer.objects.get(jurisdiction=other, name="김민준"))
    for role in ROLES:
        world.users[role.code] = services.create_staff_user(
            f"{role.code}-{HOME}", jurisdiction=home, role=role.code, password=PASSWORD).user
    world.other_clerk = services.create_staff_user(f"clerk-{OTHER}", jurisdiction=other, role="clerk",
                                                   password=PASSWORD).user
    world.no_profile = get_user_model().objects.create_user("no-profile", password=PASSWORD)
    return world


