"""Every won counted once: what a levy owes is one figure (체납처분비 included) on the notice, the portal, the
gateway order, the bank's bill and the console, and a notice has one 납부기한 everywhere (issue 12 §3)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from jingsu.clock import SEOUL
from jingsu.core.formats import won
from jingsu.core.models import Jurisdiction
from jingsu.delivery.services import start_campaign
from jingsu.levies.models import Levy
from jingsu.notices import services as notices
from jingsu.notices.documents import document_context
from jingsu.notices.models import Notice, NoticeLine
from jingsu.payments import gateway
from jingsu.payments.models import GatewayOrder
from jingsu.portal.services import owed_today
from jingsu.rolls.importer import import_roll
from jingsu.staff import services as staff_services

ROLL = Path(__file__).parent.parent / "fixtures" / "roll_small.csv"
T0 = datetime(2026, 11, 23, 10, 0, tzinfo=SEOUL)  # = the `clock` fixture's start
TODAY = T0.date()
LEVY = "11260-14-2024-0000001"  # 김민준's 재산세 2024


@pytest.fixture
def sent(clock, jungnang, providers):
    """roll_small.csv with 체납처분비 on one levy (partly paid) → a campaign built, approved and started today."""
    import_roll(ROLL, jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    Levy.objects.filter(tax_number=LEVY).update(enforcement_cost=35_000, enforcement_cost_paid=5_000)
    campaign = notices.create_campaign(jungnang, name="한 금액", kind="arrears", as_of=TODAY, actor="maker",
                                       clock=clock)
    notices.build_campaign(campaign, actor="maker", clock=clock)
    notices.approve_campaign(campaign, actor="checker", clock=clock)
    start_campaign(campaign, providers, actor="checker", clock=clock)
    campaign.refresh_from_db()
    return campaign


def _console_page(client, clock, taxpayer_id: int) -> str:
    user = staff_services.create_staff_user("clerk-11260", jurisdiction=Jurisdiction.by_code("11260"), role="clerk",
                                            password="시험-비밀번호-1234", clock=clock).user
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    r = client.get(f"/staff/taxpayers/{taxpayer_id}/")
    assert r.status_code == 200
    return r.content.decode()


@pytest.mark.django_db
def test_notice_portal_gateway_bank_and_console_show_one_figure_with_enforcement_costs(sent, providers, clock, client):
    levy = Levy.objects.get(tax_number=LEVY)
    owed = levy.owed(TODAY)
    assert owed.enforcement_cost == 30_000 and owed.tax == 160_800 and owed.penalty > 0
    expected = owed.total
    # the queryset annotation is the same definition (stored penalty = today's: the roll was imported today)
    assert Levy.objects.with_owed().get(pk=levy.pk).owed_amount == expected
    line = NoticeLine.objects.select_related("notice").get(levy=levy, notice__campaign=sent)
    notice = line.notice
    # the notice: the stored line and the document the citizen reads (its hash covers the 체납처분비)
    assert (line.enforcement_cost, line.tax_due, line.penalty, line.total) == (
        owed.enforcement_cost, owed.tax, owed.penalty, expected)
    doc_line = next(x for x in document_context(notice)["lines"] if x["tax_number"] == LEVY)
    assert doc_line["total"] == won(expected) and doc_line["enforcement_cost"] == won(30_000)
    assert "체납처분비 30,000원" in doc_line["basis"]
    assert notice.total_amount == sum(x.total for x in NoticeLine.objects.filter(notice=notice))
    # the portal
    portal = next(x for x in owed_today(notice, TODAY) if x.tax_number == LEVY)
    assert (portal.enforcement_cost, portal.total) == (30_000, expected)
    # the bank's bill for the 전자납부번호, read back from the bank over HTTP
    assert providers.bank.bill(line.payment_number).amount == expected
    # the gateway order a citizen starts today
    gateway.start_payment(line, providers, return_url="http://portal.invalid/pay/return",
                          notify_url="http://portal.invalid/callbacks/pg", clock=clock)
    assert GatewayOrder.objects.get(levy=levy).amount == expected
    # the console's taxpayer page
    page = _console_page(client, clock, levy.taxpayer_id)
    cell = re.search(rf'data-levy-owed="{LEVY}">([^<]+)<', page)
    assert cell is not None and cell.group(1) == won(expected)


@pytest.mark.django_db
def test_a_notice_has_one_due_date_on_the_document_bank_portal_and_console(sent, providers, clock, client):
    assert sent.pay_by == TODAY + timedelta(days=14)  # the default 납부기한
    notice = Notice.objects.filter(campaign=sent, control_group=False).select_related("campaign").first()
    assert notice.pay_by == sent.pay_by
    ctx = document_context(notice)  # the document, which the portal shows as it is
    assert ctx["pay_by"] == "2026. 12. 7."
    for line in NoticeLine.objects.filter(notice__campaign=sent, total__gt=0):
        assert providers.bank.bill(line.payment_number).due_date == sent.pay_by, line.payment_number
    assert providers.bank.bill("0" * 19) is None
    page = _console_page(client, clock, notice.taxpayer_id)
    cell = re.search(rf'data-notice-pay-by="{notice.reference}">([^<]+)<', page)
    assert cell is not None and cell.group(1) == ctx["pay_by"]


@pytest.mark.django_db
def test_a_paid_levy_owes_nothing_whatever_the_day(clock, jungnang):
    import_roll(ROLL, jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    levy = Levy.objects.get(tax_number=LEVY)
    owed = levy.owed(TODAY)
    Levy.objects.filter(pk=levy.pk).update(paid_amount=levy.billed_amount, penalty_paid=owed.penalty,
                                           status=Levy.Status.PAID)
    levy.refresh_from_db()
    assert levy.owed(TODAY + timedelta(days=400)).total == 0
    assert Levy.objects.with_owed().get(pk=levy.pk).owed_amount == 0
