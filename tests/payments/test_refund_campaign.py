"""An overpayment becomes a pending refund; a 환급금 안내 campaign finds it, shows it beside what is still owed (set off
first, 지방세기본법 제60조), keeps it in the hashed content, and marks it notified when it goes out."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from _clock import T0
from jingsu.clock import SEOUL
from jingsu.core.models import Jurisdiction
from jingsu.delivery import services as delivery
from jingsu.levies import numbers
from jingsu.levies.models import Levy
from jingsu.notices import services as notices
from jingsu.notices.documents import document_hash, render_html
from jingsu.notices.models import Campaign, Notice, NoticeLine
from jingsu.payments.models import Refund
from jingsu.payments.services import BANK_FEED, record_payment
from jingsu.providers.registry import simulator_providers
from jingsu.rolls.importer import import_roll
from jingsu.simulator.process import SimulatorProcess

ROLL = Path(__file__).parent.parent / "fixtures" / "roll_small.csv"
A, B = "11260-14-2024-0000001", "11260-15-2023-0000002"  # both 김민준's


@pytest.mark.django_db
def test_refund_campaign_targets_pending_refunds_and_marks_them_notified(clock, jungnang):
    import_roll(ROLL, jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    a = Levy.objects.get(tax_number=A)
    number = numbers.payment_number("11260", a.tax_item, a.tax_year, a.pk)
    paid_at = datetime(2026, 11, 20, 10, 0, tzinfo=SEOUL)
    # pay A's whole debt as of that day, plus 7,000원 too much
    probe, _ = record_payment(source=BANK_FEED, external_id="p1", received_at=paid_at, amount=10, channel="e-payment",
                              payment_number=number, virtual_account="", tax_number="", jurisdiction="11260",
                              clock=clock)
    a.refresh_from_db()
    over, _ = record_payment(source=BANK_FEED, external_id="p2", received_at=paid_at,
                             amount=a.outstanding_amount + 7_000, channel="e-payment", payment_number=number,
                             virtual_account="", tax_number="", jurisdiction="11260", clock=clock)
    refund = Refund.objects.get(payment=over)
    assert refund.amount == 7_000 and refund.status == Refund.Status.PENDING

    campaign = notices.create_campaign(jungnang, name="환급 안내", kind="refund", as_of=date(2026, 11, 23),
                                       actor="maker", clock=clock)
    notices.build_campaign(campaign, actor="maker", clock=clock)
    notices.approve_campaign(campaign, actor="checker", clock=clock)
    [notice] = Notice.objects.filter(campaign=campaign)  # only the taxpayer with a refund
    assert notice.taxpayer.name == "김민준"
    lines = {ln.levy.tax_number: ln for ln in NoticeLine.objects.filter(notice=notice).select_related("levy")}
    assert set(lines) == {A, B}
    assert (lines[A].refund, lines[A].total) == (7_000, 0)  # paid in full: nothing owed on A
    assert lines[B].refund == 0 and lines[B].total > 7_000
    html = render_html(notice)
    assert "환급금 7,000원" in html and "제60조" in html
    assert f"충당 뒤 납부하실 금액: {lines[B].total - 7_000:,}원" in html
    assert document_hash(notice) == notice.doc_hash  # the refund is part of the hashed content

    with SimulatorProcess(start=T0, seed=4) as sim:
        sim.control.set_clock(clock.now())
        delivery.start_campaign(campaign, simulator_providers(sim.url), actor="checker", clock=clock)
    refund.refresh_from_db()
    assert refund.status == Refund.Status.NOTIFIED


@pytest.mark.django_db
def test_other_campaigns_are_unchanged_by_refunds(clock, jungnang):
    import_roll(ROLL, jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    campaign = notices.create_campaign(jungnang, name="체납", kind="arrears", as_of=date(2026, 11, 23),
                                       actor="maker", clock=clock)
    notices.build_campaign(campaign, actor="maker", clock=clock)
    assert not NoticeLine.objects.filter(notice__campaign=campaign, refund__gt=0).exists()
    assert Campaign.objects.get(pk=campaign.pk).kind == "arrears"
    assert all("환급금" not in render_html(n) for n in Notice.objects.filter(campaign=campaign))
