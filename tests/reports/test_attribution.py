"""One attribution rule for payments to notices (docs/reports.md): a levy on two campaigns' notices, paid once, counts
once — for the notice the taxpayer received most recently before paying, within 30 days — in the campaign reports,
the period report, the dashboard, the XLSX and the taxpayer page's notice figures (issue 12 §3)."""

from __future__ import annotations

import io
import re
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from jingsu.core.formats import won
from jingsu.core.models import Jurisdiction
from jingsu.delivery.models import AttemptStatus, Channel, DeliveryAttempt
from jingsu.notices import services as notices
from jingsu.notices.models import Notice, NoticeLine
from jingsu.payments.models import Allocation, Payment
from jingsu.payments.services import record_payment
from jingsu.reports.effects import campaign_effects, period_effects, render_xlsx
from jingsu.staff import services as staff_services

sys.path.insert(0, str(Path(__file__).parent.parent / "delivery"))
from _delivery_helpers import build_campaign  # noqa: E402


def _send(campaign, at):
    """Every notice of the campaign handed to Kakao at `at` (the moment the taxpayer received it)."""
    for n in Notice.objects.filter(campaign=campaign, control_group=False):
        DeliveryAttempt.objects.create(
            notice=n, channel=Channel.KAKAO, sequence=1, key=f"{n.reference}-1", status=AttemptStatus.DELIVERED,
            external_id=f"{n.reference}-1", cost=0, created_at=at, updated_at=at, sent_at=at, delivered_at=at,
            read_deadline=at + timedelta(days=7), fallback_at=at + timedelta(hours=24))


def _pay(campaign, name: str, tax_number_part: str, at, amount: int, clock, key: str) -> Payment:
    line = NoticeLine.objects.get(notice__campaign=campaign, notice__taxpayer__name=name,
                                  levy__tax_number__contains=tax_number_part)
    payment, _ = record_payment(source="bank-feed", external_id=key, received_at=at, amount=amount,
                                channel="e-payment", payment_number=line.payment_number, virtual_account="",
                                tax_number="", jurisdiction=None, clock=clock)
    assert payment.status == Payment.Status.MATCHED
    return payment


@pytest.fixture
def overlapping(clock, jungnang):
    """Campaign A (기준일 11-23) sent at T0 and campaign B (기준일 11-30) sent at T0 + 7 days, over the same levies."""
    t0 = clock.now()
    a = build_campaign(clock, jungnang)
    b = notices.create_campaign(jungnang, name="재안내", kind="arrears", as_of=date(2026, 11, 30), actor="maker",
                                clock=clock)
    notices.build_campaign(b, actor="maker", clock=clock)
    notices.approve_campaign(b, actor="checker", clock=clock)
    _send(a, t0)
    _send(b, t0 + timedelta(days=7))
    p = {
        # 김민준 pays on day 8: B was in front of him (A too, but earlier) → B only
        "kim": _pay(a, "김민준", "-14-2024-", t0 + timedelta(days=8), 50_000, clock, "p-kim"),
        # 이서연 pays on day 2: only A had reached her → A
        "lee": _pay(b, "이서연", "-14-2022-", t0 + timedelta(days=2), 70_000, clock, "p-lee"),
        # 김민준 again on day 60: 53 days after B, outside every notice's window → no campaign
        "late": _pay(a, "김민준", "-15-2023-", t0 + timedelta(days=60), 30_000, clock, "p-late"),
    }
    return a, b, p


@pytest.mark.django_db
def test_a_payment_on_a_levy_of_two_campaigns_counts_once(overlapping, clock, client):
    a, b, p = overlapping
    ea, eb = campaign_effects(a), campaign_effects(b)
    ep = period_effects(Jurisdiction.by_code("11260"), date(2026, 11, 1), date(2026, 11, 30))
    assert ep["campaigns"] == [a.pk, b.pk]
    assert (ea["paid_count"], ea["paid_amount"]) == (1, 70_000)
    assert (eb["paid_count"], eb["paid_amount"]) == (1, 50_000)
    # the period adds distinct payments, never one twice: = A + B = the two attributed payments
    assert ep["paid_amount"] == ea["paid_amount"] + eb["paid_amount"] == p["kim"].amount + p["lee"].amount
    assert ep["paid_count"] == ea["paid_count"] + eb["paid_count"] == 2
    allocated = sum(Allocation.objects.exclude(head=Allocation.Head.REFUND).values_list("amount", flat=True))
    assert ep["paid_amount"] == allocated - p["late"].amount
    # the stored notice figures (taxpayer page) follow the same rule
    paid = {(n.campaign_id, n.taxpayer.name): (n.paid_amount, n.paid_at)
            for n in Notice.objects.select_related("taxpayer")}
    assert paid[(a.pk, "김민준")] == (0, None)
    assert paid[(b.pk, "김민준")] == (50_000, p["kim"].received_at)
    assert paid[(a.pk, "이서연")] == (70_000, p["lee"].received_at)
    assert paid[(b.pk, "이서연")] == (0, None)
    # the XLSX and the dashboard show the same
    summary = {r[0]: r[1] for r in load_workbook(io.BytesIO(render_xlsx(ep)))["요약"].iter_rows(values_only=True)}
    assert summary["납부 금액(원)"] == 120_000 and summary["납부 건수"] == 2
    user = staff_services.create_staff_user("chief-11260", jurisdiction=Jurisdiction.by_code("11260"), role="section_chief",
                                            password="시험-비밀번호-1234", clock=clock).user
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get("/staff/effects/period/?start=2026-11-01&end=2026-11-30").content.decode()
    campaign_page = client.get(f"/staff/effects/campaigns/{b.pk}/").content.decode()
    assert re.search(r'id="fx-paid">([^<]+)<', page).group(1) == f"2건 · {won(120_000)}"
    assert re.search(r'id="fx-paid">([^<]+)<', campaign_page).group(1) == f"1건 · {won(50_000)}"


@pytest.mark.django_db
def test_the_period_total_is_the_sum_of_distinct_attributed_payments_whatever_the_order(overlapping, clock):
    """More payments in every order of arrival: each year row and the period stay equal to the distinct money."""
    a, b, p = overlapping
    t0 = clock.now()
    # 이서연 pays again on day 9, after B reached her → B; the same payment recorded twice is one payment
    _pay(a, "이서연", "-14-2022-", t0 + timedelta(days=9), 10_000, clock, "p-lee-2")
    _pay(a, "이서연", "-14-2022-", t0 + timedelta(days=9), 10_000, clock, "p-lee-2")
    ea, eb = campaign_effects(a), campaign_effects(b)
    ep = period_effects(Jurisdiction.by_code("11260"), date(2026, 11, 1), date(2026, 11, 30))
    assert (ea["paid_amount"], eb["paid_amount"]) == (70_000, 60_000)
    assert ep["paid_amount"] == ea["paid_amount"] + eb["paid_amount"] == 130_000
    assert ep["seed_table"][-1]["notices"] == ep["notices"]
    assert sum(Notice.objects.values_list("paid_amount", flat=True)) == ep["paid_amount"]
