"""Fixtures for the reward tests: 영등포구 (11560) levies, payments through the real reconciliation, officials, a
committee as the ordinance composes it, and a stand-in for the law calculator where only the Django side is tested."""

from __future__ import annotations

from datetime import date
from itertools import count

import pytest

from jingsu.core import crypto
from jingsu.core.models import Jurisdiction
from jingsu.levies.models import Levy
from jingsu.rewards import services
from jingsu.taxpayers.models import Taxpayer

YDP = "11560"
_serial = count(1)


@pytest.fixture
def make_levy(db, clock):
    def make(*, due: date = date(2024, 9, 30), principal: int = 1_000_000, tax_item: str = "14",
             name: str = "홍길동", jurisdiction: str = YDP) -> Levy:
        n = next(_serial)
        reg = f"8501011{n:06d}"
        tp = Taxpayer.objects.create(
            jurisdiction_id=jurisdiction, kind="individual", name=name, registration_hash=crypto.lookup_hash(reg),
            registration_encrypted=crypto.encrypt(reg), registration_masked=crypto.mask_registration_number(reg),
            address="서울특별시 영등포구 여의대로 1 101동 202호", created_at=clock.now(), updated_at=clock.now())
        return Levy.objects.create(
            jurisdiction_id=jurisdiction, taxpayer=tp, tax_number=f"{jurisdiction}-{tax_item}-{due.year}-{n:07d}",
            tax_item=tax_item, tax_year=due.year, period="정기", principal=principal, billed_amount=principal,
            liability_date=date(due.year, 1, 1), original_due_date=due, due_date=due, created_at=clock.now(),
            updated_at=clock.now())

    return make


@pytest.fixture
def official(db, clock):
    def make(name: str = "김징수", *, director: bool = False, rank: str = "지방세무주사",
             jurisdiction: str = YDP):
        return services.add_official(Jurisdiction.by_code(jurisdiction), name=name, rank=rank, department="세무2과", bureau="재정국",
                                     director_or_above=director, bank="국민은행", account="123-45-67890123",
                                     actor="test", clock=clock)

    return make


@pytest.fixture
def ydp_committee(db, clock, official):
    """영등포 제5조②③: 위원장(소관국장) + 과장급 2명 + 외부 전문가 3명 = 6명."""
    committee = services.create_committee(Jurisdiction.by_code(YDP), bureau="재정국", actor="test", clock=clock)
    start = date(2025, 1, 1)
    members = [services.add_member(committee, name="국장", role="chair", kind="internal", term_start=start,
                                   official=official("국장", director=True, rank="지방서기관"), actor="test",
                                   clock=clock)]
    for i in (1, 2):
        members.append(services.add_member(committee, name=f"과장{i}", kind="internal", term_start=start,
                                           official=official(f"과장{i}", rank="지방행정사무관"), actor="test",
                                           clock=clock))
    for i in (1, 2, 3):
        members.append(services.add_member(committee, name=f"전문가{i}", kind="external", term_start=start,
                                           term_end=date(2026, 12, 31), actor="test", clock=clock))
    return committee, members
