"""체납처분 사건 screens (staff/case_views.py): opening from a taxpayer (refused with the article, nothing written),
moving, the team lead's approval queue, the 해제 가능 flag after a payment, and what each role may do."""

from __future__ import annotations

from datetime import datetime, time

import pytest
from _enforcement_world import add_enforcement_world
from django.urls import reverse

from jingsu.clock import SEOUL, today
from jingsu.enforcement.models import EnforcementCase, MoveRequest
from jingsu.levies import numbers
from jingsu.levies.models import Levy
from jingsu.payments.models import Payment
from jingsu.payments.services import reconcile
from jingsu.rewards.models import EnforcementAction

BACKEND = "django.contrib.auth.backends.ModelBackend"


@pytest.fixture
def cases(world, clock):
    return add_enforcement_world(world, clock)


def _text(r) -> str:
    return r.content.decode()


@pytest.mark.django_db
def test_the_team_lead_approves_from_the_queue_and_the_reward_ledger_gets_the_action(world, cases, client, clock):
    client.force_login(world.users["team_lead"], backend=BACKEND)
    page = client.get(reverse("staff:enforcement_queue"))
    assert page.status_code == 200 and f"request-{cases.request.pk}" in _text(page)
    r = client.post(reverse("staff:enforcement_case", args=[cases.case.pk]),
                    {"action": "approve", "request": cases.request.pk, "next": "queue"}, follow=True)
    assert "승인했습니다" in _text(r)
    case = EnforcementCase.objects.get(pk=cases.case.pk)
    assert case.status == "requested"
    assert EnforcementAction.objects.filter(kind="license-restriction", levy__taxpayer=world.taxpayer,
                                            official=cases.official).exists()
    detail = _text(client.get(reverse("staff:enforcement_case", args=[case.pk])))
    assert "제한 요청" in detail and "history-table" in detail


@pytest.mark.django_db
def test_the_clerk_cannot_approve_and_sees_their_pending_request(world, cases, client):
    client.force_login(world.users["clerk"], backend=BACKEND)
    assert client.get(reverse("staff:enforcement_queue")).status_code == 403
    r = client.post(reverse("staff:enforcement_case", args=[cases.case.pk]),
                    {"action": "approve", "request": cases.request.pk})
    assert r.status_code == 403
    assert MoveRequest.objects.get(pk=cases.request.pk).decision == "pending"
    page = _text(client.get(reverse("staff:enforcement_case", args=[cases.case.pk])))
    assert "승인 대기" in page and "approve-button" not in page


@pytest.mark.django_db
def test_opening_a_case_the_law_refuses_names_the_article_and_writes_nothing(world, client):
    client.force_login(world.users["clerk"], backend=BACKEND)
    url = reverse("staff:enforcement_case_open", args=[world.taxpayer.pk])
    page = _text(client.get(url))
    assert "measures-table" in page and "명단공개" in page
    r = client.post(url, {"measure": "exit_ban", "reason": "고액 체납", "on": ""}, follow=True)
    assert "제8조" in _text(r) and not EnforcementCase.objects.filter(taxpayer=world.taxpayer).exists()
    r = client.post(url, {"measure": "license_refusal", "reason": "고액 체납", "on": "2099-01-01"}, follow=True)
    assert "이미 일어난 일만" in _text(r) and not EnforcementCase.objects.exists()
    r = client.post(url, {"measure": "license_refusal", "reason": "고액 체납", "on": ""})
    case = EnforcementCase.objects.get(taxpayer=world.taxpayer)
    assert r.status_code == 302 and r["Location"] == reverse("staff:enforcement_case", args=[case.pk])


@pytest.mark.django_db
def test_a_payment_shows_release_on_the_case_and_the_list(world, cases, client, clock):
    from jingsu.enforcement import services

    services.approve(cases.request, actor=world.users["team_lead"].username, clock=clock)
    on = today(clock)
    for levy in Levy.objects.filter(taxpayer=world.taxpayer).exclude(status=Levy.Status.PAID):
        amount = levy.owed(on).total
        if not amount:
            continue
        payment = Payment.objects.create(
            jurisdiction_id=levy.jurisdiction_id, source="test", external_id=f"tx-case-{levy.pk}",
            received_at=datetime.combine(on, time(9, 0), tzinfo=SEOUL), amount=amount, channel="bank",
            payment_number=numbers.payment_number(levy.jurisdiction_id, levy.tax_item, levy.tax_year, levy.pk),
            created_at=clock.now())
        reconcile(payment, clock=clock)
    case = EnforcementCase.objects.get(pk=cases.case.pk)
    assert case.release_ready
    client.force_login(world.users["section_chief"], backend=BACKEND)
    page = _text(client.get(reverse("staff:enforcement_case", args=[case.pk])))
    assert "release-ready" in page and "해제 가능" in page and "move-form" not in page  # read-only role
    listing = _text(client.get(reverse("staff:enforcement_cases") + "?ready=1"))
    assert f"case-{case.pk}" in listing and "해제 가능" in listing
    r = client.post(reverse("staff:enforcement_case", args=[case.pk]),
                    {"action": "move", "to": "released", "reason": "납부"})
    assert r.status_code == 403  # 과장 reads, does not move


@pytest.mark.django_db
def test_the_clerk_moves_and_closes_with_a_reason(world, cases, client, clock):
    from jingsu.enforcement import services

    services.reject(cases.request, actor=world.users["team_lead"].username, reason="보완", clock=clock)
    client.force_login(world.users["clerk"], backend=BACKEND)
    url = reverse("staff:enforcement_case", args=[cases.case.pk])
    r = client.post(url, {"action": "move", "to": "closed", "reason": ""}, follow=True)
    assert "사유를 적어" in _text(r)
    r = client.post(url, {"action": "move", "to": "closed", "reason": "체납액 정리 계획 변경"}, follow=True)
    assert "종결 단계로 넘겼습니다" in _text(r)
    assert EnforcementCase.objects.get(pk=cases.case.pk).status == "closed"


@pytest.mark.django_db
def test_recording_facts_on_the_case_page_keeps_what_the_form_shows(world, cases, client, clock):
    from jingsu.enforcement import services

    services.reject(cases.request, actor=world.users["team_lead"].username, reason="보완", clock=clock)
    client.force_login(world.users["clerk"], backend=BACKEND)
    url = reverse("staff:enforcement_case", args=[cases.case.pk])
    page = _text(client.get(url))
    codes = [c for c in ("foreign-assets", "remittance") if f'value="{c}"' in page]
    assert codes  # the 시행령 제15조① cases are on the form
    assert "facts-form" in page
    r = client.post(url, {"action": "facts", "reason": "현장 확인", "licensed_business": "on",
                          "exit_conditions": codes[:1]}, follow=True)
    assert "기록한 사실을 고쳤습니다" in _text(r)
    recorded = EnforcementCase.objects.get(pk=cases.case.pk).recorded
    assert recorded["licensed_business"] is True and recorded["plate_livelihood"] is False
    assert recorded["exit_conditions"] == codes[:1]
    assert "허가등을 받아 사업을 경영함" in _text(client.get(url))
