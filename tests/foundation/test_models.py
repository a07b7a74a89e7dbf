"""Model rules: the arrears query, jurisdictions, the attempt status machine, payment numbers, maker-checker."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from jingsu.core.models import Jurisdiction
from jingsu.delivery.models import AttemptStatus, DeliveryAttempt, IllegalTransition
from jingsu.levies import numbers
from jingsu.levies.models import Levy
from jingsu.notices import services as notices
from jingsu.rolls.importer import import_roll

SMALL = Path(__file__).parent.parent / "fixtures" / "roll_small.csv"


@pytest.mark.django_db
def test_jurisdictions_are_seeded_with_the_law_chain():
    from jingsu.core.models import Jurisdiction

    for code, name in (("11000", "서울특별시"), ("11260", "중랑구"), ("11350", "노원구"), ("11560", "영등포구")):
        assert Jurisdiction.objects.get(code=code).name == name
    assert Jurisdiction.objects.get(code="11560").law_chain() == ["11560", "11000", "kr"]
    assert Jurisdiction.objects.filter(parent_id="11000").count() == 25


@pytest.mark.django_db
def test_arrears_query_ages_and_exclusions(clock):
    import_roll(SMALL, jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    arrears = {lv.tax_number: lv for lv in Levy.objects.arrears(date(2026, 11, 23))}
    assert len(arrears) == 5
    assert arrears["11260-14-2024-0000001"].arrears_age == 2  # 납부기한 2024-09-30
    assert arrears["11260-15-2023-0000002"].arrears_age == 3
    assert arrears["11260-41-2025-0000005"].arrears_age == 1
    lv = arrears["11260-14-2024-0000001"]
    assert lv.owed_amount == 160_800 + lv.penalty == lv.owed().total
    # not yet due on the due date itself; due the day after
    assert "11260-14-2024-0000001" not in {x.tax_number for x in Levy.objects.arrears(date(2024, 9, 30))}
    assert "11260-14-2024-0000001" in {x.tax_number for x in Levy.objects.arrears(date(2024, 10, 1))}
    # a fully paid levy is not arrears
    Levy.objects.filter(tax_number="11260-41-2025-0000005").update(paid_amount=40_000, status=Levy.Status.PAID)
    assert "11260-41-2025-0000005" not in {x.tax_number for x in Levy.objects.arrears(date(2026, 11, 23))}


@pytest.mark.django_db
def test_campaign_bundles_one_notice_per_taxpayer_and_needs_a_second_person(clock, jungnang):
    import_roll(SMALL, jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    campaign = notices.create_campaign(jungnang, name="테스트", kind="arrears", as_of=date(2026, 11, 23),
                                       actor="maker", clock=clock)
    built = notices.build_campaign(campaign, actor="maker", clock=clock)
    # 4 taxpayers, but the corporation's only levy is under 징수유예 (excluded by default)
    assert built.notices == 3 and built.lines == 4
    kim = campaign.notices.get(taxpayer__name="김민준")
    assert kim.lines.count() == 2
    assert all(numbers.is_valid(line.payment_number) for line in kim.lines.all())
    assert len(kim.doc_hash) == 64 and len(kim.token) >= 43
    with pytest.raises(notices.CampaignError, match="만든 사람은 승인할 수 없습니다"):
        notices.approve_campaign(campaign, actor="maker", clock=clock)
    notices.approve_campaign(campaign, actor="checker", clock=clock)
    with pytest.raises(notices.CampaignError):
        notices.build_campaign(campaign, actor="maker", clock=clock)


@pytest.mark.django_db
def test_campaign_that_selects_nobody_says_so(clock, jungnang):
    campaign = notices.create_campaign(jungnang, name="빈", kind="arrears", as_of=date(2026, 11, 23),
                                       actor="maker", clock=clock)
    with pytest.raises(notices.CampaignError, match="조건에 맞는 체납자가 없습니다"):
        notices.build_campaign(campaign, actor="maker", clock=clock)


@pytest.mark.django_db
def test_attempt_moves_are_guarded(clock, jungnang):
    import_roll(SMALL, jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    campaign = notices.create_campaign(jungnang, name="t", kind="arrears", as_of=date(2026, 11, 23), actor="a",
                                       clock=clock)
    notices.build_campaign(campaign, actor="a", clock=clock)
    notice = campaign.notices.first()
    now = clock.now()
    attempt = DeliveryAttempt.objects.create(notice=notice, channel="kakao", sequence=1, key="k-1",
                                             created_at=now, updated_at=now)
    stale = DeliveryAttempt.objects.get(pk=attempt.pk)
    assert attempt.move(AttemptStatus.SENDING, at=now)
    # another process holding the old state cannot move it again
    assert stale.move(AttemptStatus.SENDING, at=now + timedelta(seconds=1)) is False
    with pytest.raises(IllegalTransition):
        attempt.move(AttemptStatus.READ, at=now)
    assert attempt.move(AttemptStatus.ACCEPTED, at=now)
    assert [e.to_status for e in attempt.events.all()] == ["sending", "accepted"]


def test_payment_number_structure_and_check_digit():
    n = numbers.payment_number("11260", "14", 2024, 123)
    assert n == "1126014240000001238" and len(n) == 19
    assert numbers.levy_id_of(n) == 123
    for i in range(18):  # every single-digit typo is caught
        for d in "0123456789":
            if d != n[i]:
                assert not numbers.is_valid(n[:i] + d + n[i + 1:])
    with pytest.raises(ValueError):
        numbers.payment_number("1126", "14", 2024, 1)
