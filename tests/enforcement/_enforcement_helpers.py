"""Set-up for the enforcement case tests: taxpayers of 중랑구 (11260) with levies, payments through the real
reconciliation (so the payments hook runs), and an official for the 포상금 ledgers."""

from __future__ import annotations

from datetime import date
from itertools import count

from _money import pay_levy
from jingsu.clock import SEOUL
from jingsu.core import crypto
from jingsu.core.models import Jurisdiction
from jingsu.levies.models import Levy
from jingsu.payments.models import Payment
from jingsu.rewards import services as rewards
from jingsu.taxpayers.models import Taxpayer

HOME = "11260"
_serial = count(1)


def taxpayer(clock, *, name: str = "홍길동", jurisdiction: str = HOME) -> Taxpayer:
    n = next(_serial)
    reg = f"8501011{n:06d}"
    return Taxpayer.objects.create(
        jurisdiction_id=jurisdiction, kind="individual", name=name, registration_hash=crypto.lookup_hash(reg),
        registration_encrypted=crypto.encrypt(reg), registration_masked=crypto.mask_registration_number(reg),
        address="서울특별시 중랑구 봉화산로 179", created_at=clock.now(), updated_at=clock.now())


def levy(clock, tp: Taxpayer, *, principal: int, due: date = date(2024, 9, 30), tax_item: str = "14",
         vehicle: str = "", status: str = Levy.Status.NORMAL) -> Levy:
    n = next(_serial)
    return Levy.objects.create(
        jurisdiction_id=tp.jurisdiction_id, taxpayer=tp, tax_number=f"{tp.jurisdiction_id}-{tax_item}-{due.year}-{n:07d}",
        tax_item=tax_item, tax_year=due.year, period="정기", principal=principal, billed_amount=principal,
        object_description=vehicle, liability_date=date(due.year, 1, 1), original_due_date=due, due_date=due,
        status=status, created_at=clock.now(), updated_at=clock.now())


def pay(clock, lv: Levy, amount: int | None = None, on: date | None = None) -> Payment:
    """Money for `lv` (all it owes by default) through the real reconciliation (payments.hooks run)."""
    lv.refresh_from_db()
    on = on or clock.now().astimezone(SEOUL).date()
    amount = amount if amount is not None else lv.owed(on).total
    return pay_levy(lv, amount, on, clock=clock)


def official(clock, name: str = "김징수", jurisdiction: str = HOME):
    return rewards.add_official(Jurisdiction.by_code(jurisdiction), name=name, rank="지방세무주사", department="세무1과", bureau="재정국",
                                director_or_above=False, bank="국민은행", account="123-45-67890123", actor="test",
                                clock=clock)
