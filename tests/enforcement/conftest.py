"""Hand-built levies, payments, 독촉장 and 분할 납부 plans in 영등포구 (11560) for the enforcement tests, on the
real test database: the record the worklist reads, nothing mocked."""

from __future__ import annotations

from datetime import date
from itertools import count

import pytest

from _step_notices import sent_demand
from jingsu.core import crypto
from jingsu.levies.models import Levy
from jingsu.levies.penalties import LevyPenalties
from jingsu.notices.models import Notice
from jingsu.taxpayers.models import Taxpayer

YDP = "11560"
_serial = count(1)


@pytest.fixture
def make_taxpayer(db, clock):
    def make(name: str = "홍길동", *, dong: str = "여의도동", jurisdiction: str = YDP) -> Taxpayer:
        n = next(_serial)
        reg = f"8501011{n:06d}"
        return Taxpayer.objects.create(
            jurisdiction_id=jurisdiction, kind="individual", name=name, registration_hash=crypto.lookup_hash(reg),
            registration_encrypted=crypto.encrypt(reg), registration_masked=crypto.mask_registration_number(reg),
            address=f"서울특별시 영등포구 여의대로 {n}, 101동 202호 ({dong})", created_at=clock.now(),
            updated_at=clock.now())

    return make


@pytest.fixture
def make_levy(db, clock):
    """A levy of `taxpayer`; with `owed_on=(day, won)`, its 체납처분비 is set so that it owes exactly `won` on `day`
    (what `Levy.owed` gives with the law's penalty for that day) — the way to put a taxpayer at a threshold ±1원."""

    def make(taxpayer: Taxpayer, *, due: date, principal: int = 1_000_000, tax_item: str = "14",
             owed_on: tuple[date, int] | None = None, vehicle: str = "", status: str = Levy.Status.NORMAL) -> Levy:
        n = next(_serial)
        levy = Levy.objects.create(
            jurisdiction_id=taxpayer.jurisdiction_id, taxpayer=taxpayer,
            tax_number=f"{taxpayer.jurisdiction_id}-{tax_item}-{due.year}-{n:07d}", tax_item=tax_item,
            tax_year=due.year, period="정기", object_description=vehicle, principal=principal,
            billed_amount=principal, liability_date=date(due.year, 1, 1), original_due_date=due, due_date=due,
            status=status, created_at=clock.now(), updated_at=clock.now())
        if owed_on is not None:
            day, won = owed_on
            now = levy.owed(day, penalties=LevyPenalties(jurisdiction=levy.jurisdiction_id, as_of=day)).total
            assert won >= now, f"principal {principal:,} owes {now:,} on {day}: more than {won:,}"
            levy.enforcement_cost = won - now
            levy.save(update_fields=["enforcement_cost"])
            assert levy.owed(day).total == won
        return levy

    return make


@pytest.fixture
def demand(db, clock):
    """A 독촉장 (campaign of kind 독촉장, 납부기한 `pay_by`) carrying `levies`, sent (도달) on `sent_on`."""

    def make(levies: list[Levy], *, pay_by: date, sent_on: date, status: str = Notice.Status.DELIVERED) -> Notice:
        return sent_demand(levies, pay_by=pay_by, sent_on=sent_on, clock=clock, status=status,
                           name=f"독촉 {next(_serial)}")

    return make
