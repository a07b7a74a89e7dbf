"""`jingsu retention run`: a settled taxpayer's identity is destroyed five years after the last event (the law's
period, jingsu.law.retention), never while a levy, a refund or an installment plan still needs it; levies and money
stay; each destruction is audited without personal data (jingsu.ops.retention)."""

from __future__ import annotations

from datetime import date, datetime
from itertools import count

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from jingsu.clock import SEOUL
from jingsu.core import crypto
from jingsu.core.models import AuditLog, Jurisdiction
from jingsu.levies.models import Levy
from jingsu.ops import retention
from jingsu.payments.models import Payment, Refund
from jingsu.taxpayers import services as taxpayer_services
from jingsu.taxpayers.models import Taxpayer, TaxpayerCI

_serial = count(1)


def _at(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, 15, 0, tzinfo=SEOUL)


def _taxpayer(name: str, since: date) -> Taxpayer:
    n = next(_serial)
    reg = f"6501011{n:06d}"
    t = Taxpayer.objects.create(
        jurisdiction_id="11260", kind="individual", name=name, registration_hash=crypto.lookup_hash(reg),
        registration_encrypted=crypto.encrypt(reg), registration_masked=crypto.mask_registration_number(reg),
        address=f"서울특별시 중랑구 봉화산로 {n}", postal_code="02043", mobile="01012345678",
        created_at=_at(since), updated_at=_at(since))
    TaxpayerCI.objects.create(taxpayer=t, result_code="00", obtained_at=_at(since), **TaxpayerCI.sealed(f"CI{n:086d}"))
    return t


def _levy(t: Taxpayer, *, settled_on: date, status: str = Levy.Status.PAID) -> Levy:
    n = next(_serial)
    return Levy.objects.create(
        jurisdiction_id="11260", taxpayer=t, tax_number=f"11260-10-2018-{n:07d}", tax_item="10", tax_year=2018,
        period="정기", principal=100_000, billed_amount=100_000, liability_date=date(2018, 6, 1),
        original_due_date=date(2018, 9, 30), due_date=date(2018, 9, 30), status=status,
        created_at=_at(date(2018, 7, 1)), updated_at=_at(settled_on))


@pytest.fixture
def roll(db):
    people = {
        "expired": _taxpayer("오래된", date(2018, 7, 1)),     # settled 2020-03-10 → destroyed from 2025-03-11
        "recent": _taxpayer("최근", date(2018, 7, 1)),        # settled 2023-01-01 → kept until 2028-01-01
        "owing": _taxpayer("체납중", date(2015, 1, 1)),       # an open levy: kept whatever its age
        "refund": _taxpayer("환급대기", date(2018, 7, 1)),    # settled long ago but a refund is pending
    }
    _levy(people["expired"], settled_on=date(2020, 3, 10))
    _levy(people["recent"], settled_on=date(2023, 1, 1))
    _levy(people["owing"], settled_on=date(2015, 1, 1), status=Levy.Status.NORMAL)
    paid = _levy(people["refund"], settled_on=date(2019, 5, 1))
    payment = Payment.objects.create(jurisdiction_id="11260", source="bank-feed", external_id="T-1",
                                     received_at=_at(date(2019, 5, 1)), amount=110_000, status="overpaid",
                                     created_at=_at(date(2019, 5, 1)))
    Refund.objects.create(jurisdiction_id="11260", taxpayer=people["refund"], payment=payment, levy=paid,
                          amount=10_000, reason="초과 수납", created_at=_at(date(2019, 5, 1)))
    return people


def test_a_dry_run_names_what_would_go_and_changes_nothing(roll, clock, capsys):
    call_command("retention", "run", "11260", "--dry-run")
    out = capsys.readouterr().out
    assert "중랑구 (2026. 11. 23. 기준): 파기할 납세자 1명" in out
    assert "보유: 체납·징수 중인 부과 건 1명" in out and "보유: 환급 대기 1명" in out
    assert "보유: 보유 기간 안 1명" in out and "다음으로 보유 기간이 끝나는 날: 2028. 1. 2." in out
    assert "미리 보기입니다. 아무것도 바꾸지 않았습니다." in out
    assert not Taxpayer.objects.filter(name=Taxpayer.DESTROYED).exists()
    assert not AuditLog.objects.filter(action__in=("taxpayer.destroy", "retention.run")).exists()


def test_the_run_destroys_only_the_expired_identity_and_keeps_the_accounts(roll, clock):
    report = retention.run(Jurisdiction.by_code("11260"), as_of=date(2026, 11, 23), actor="보호책임자", clock=clock)
    assert report.destroyed == 1

    gone = Taxpayer.objects.get(pk=roll["expired"].pk)
    assert (gone.name, gone.registration_masked, gone.registration_encrypted) == ("(파기)", "(파기)", "")
    assert (gone.address, gone.postal_code, gone.mobile) == ("", "", "")
    assert gone.registration_hash == f"destroyed-{gone.pk}" and gone.destroyed
    assert not TaxpayerCI.objects.filter(taxpayer=gone).exists()
    assert Levy.objects.filter(taxpayer=gone).count() == 1  # the accounting record stays

    for key in ("recent", "owing", "refund"):
        kept = Taxpayer.objects.get(pk=roll[key].pk)
        assert kept.name == roll[key].name and kept.reveal_registration_number().startswith("650101")
        assert TaxpayerCI.objects.filter(taxpayer=kept).exists()

    row = AuditLog.objects.get(action="taxpayer.destroy")
    assert (row.target_id, row.actor, row.at) == (str(gone.pk), "보호책임자", clock.now())
    assert row.detail["last_event"] == "2020-03-10" and "지방세기본법 제64조①" in row.detail["basis"]
    assert "오래된" not in str(row.detail) and "650101" not in str(row.detail)
    summary = AuditLog.objects.get(action="retention.run")
    assert summary.detail["destroyed"] == 1 and summary.detail["kept"] == {"open_levy": 1, "refund_pending": 1,
                                                                           "within_period": 1}

    with pytest.raises(ValueError, match="보유 기간이 끝나 파기된 정보입니다."):
        taxpayer_services.reveal_registration_number(gone, actor="직원", reason="확인", clock=clock)
    again = retention.run(Jurisdiction.by_code("11260"), as_of=date(2026, 11, 23), actor="보호책임자", clock=clock)
    assert again.destroyed == 0 and AuditLog.objects.filter(action="taxpayer.destroy").count() == 1


def test_the_day_before_the_period_ends_nothing_is_destroyed(roll, clock):
    report = retention.run(Jurisdiction.by_code("11260"), as_of=date(2025, 3, 10), actor="t", clock=clock,
                           dry_run=True)
    assert report.destroyed == 0
    assert retention.run(Jurisdiction.by_code("11260"), as_of=date(2025, 3, 11), actor="t", clock=clock,
                         dry_run=True).destroyed == 1


def test_a_future_date_is_refused(roll):
    with pytest.raises(CommandError, match="기준일이 오늘보다 늦을 수 없습니다"):
        call_command("retention", "run", "11260", "--as-of", "2030-01-01")
