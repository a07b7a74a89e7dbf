"""체납처분 사건 screens (staff/case_views.py): opening from a taxpayer (refused with the article, nothing written),
moving, the team lead's approval queue, the 해제 가능 flag after a payment, and what each role may do."""

from __future__ import annotations

import re
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


# --- the step notice (사전 통지·예고) and its 유통증명 on the case page; preparing it from a case or the list --------


def _debtor(clock, name: str):
    """A taxpayer of HOME owing 21,000,000원 in three 2025 levies (관허사업 허가 제한, 신용정보 제공 대상)."""
    from datetime import date

    from jingsu.core import crypto
    from jingsu.taxpayers.models import Taxpayer

    reg = f"70010112{abs(hash(name)) % 100000:05d}"
    tp = Taxpayer.objects.create(
        jurisdiction_id=world_home(), kind="individual", name=name, registration_hash=crypto.lookup_hash(reg),
        registration_encrypted=crypto.encrypt(reg), registration_masked=crypto.mask_registration_number(reg),
        address="서울특별시 중랑구 망우로 1 (상봉동)", created_at=clock.now(), updated_at=clock.now())
    for n, month in enumerate((3, 6, 9)):
        Levy.objects.create(
            jurisdiction_id=tp.jurisdiction_id, taxpayer=tp, tax_number=f"{tp.jurisdiction_id}-14-2025-8{tp.pk:03d}{n:03d}",
            tax_item="14", tax_year=2025, period="정기", principal=7_000_000, billed_amount=7_000_000,
            liability_date=date(2025, 1, 1), original_due_date=date(2025, month, 10), due_date=date(2025, month, 10),
            created_at=clock.now(), updated_at=clock.now())
    return tp


def world_home() -> str:
    from _staff_helpers import HOME

    return HOME


@pytest.mark.django_db
def test_the_case_page_shows_its_notice_and_the_evidence_in_korean(world, cases, client):
    from test_words import _names, problems, visible_text

    client.force_login(world.users["clerk"], backend=BACKEND)
    case = EnforcementCase.objects.get(pk=cases.case.pk)
    page = _text(client.get(reverse("staff:enforcement_case", args=[case.pk])))
    section = page[page.index('id="case-notice"'):]
    section = section[:section.index("</section>")]
    assert "관허사업 제한 예고" in section and "발송 중" in section
    assert reverse("staff:campaign_detail", args=[case.notice.campaign_id]) in section
    assert reverse("staff:taxpayer_detail", args=[case.taxpayer_id]) + f"#notice-{case.notice_id}" in section
    rows = section[section.index('id="evidence-table"'):]
    assert "문서 확정" in rows and "문서 발송 중" in rows
    assert re.search(r"<th scope=\"row\" class=\"console-nowrap\">\d{4}\. \d{1,2}\. \d{1,2}\. \d{2}:\d{2}</th>", rows)
    assert "notice-form" not in section  # the notice went out: nothing to prepare
    assert problems(visible_text(page), _names(world)) == []
    listing = _text(client.get(reverse("staff:enforcement_cases")))
    assert "관허사업 제한 예고" in listing and 'name="cases"' not in listing


@pytest.mark.django_db
def test_preparing_the_notice_from_the_case_and_from_the_list(world, cases, client, clock):
    from test_words import _names, problems, visible_text

    from jingsu.enforcement import services
    from jingsu.notices.models import Campaign

    clerk = world.users["clerk"]
    one, two = _debtor(clock, "나예고"), _debtor(clock, "다예고")
    on = today(clock)
    first = services.open_case(one, "credit_report", on=on, reason="고액 체납", actor=clerk.username, clock=clock)
    second = services.open_case(two, "credit_report", on=on, reason="고액 체납", actor=clerk.username, clock=clock)
    client.force_login(clerk, backend=BACKEND)
    url = reverse("staff:enforcement_case", args=[first.pk])
    page = _text(client.get(url))
    assert 'id="notice-form"' in page and "신용정보 제공 예고 준비" in page and 'id="notice-none"' in page
    assert problems(visible_text(page), _names(world) | {"나예고"}) == []
    # the move waits for the notice, and says which
    r = _text(client.post(url, {"action": "move", "to": "forewarned", "reason": "예고", "on": ""}, follow=True))
    assert "신용정보 제공 예고 안내문을 보내야 합니다" in r
    r = _text(client.post(url, {"action": "notices", "measure_on": ""}, follow=True))
    assert "조치 예정일을 적어 주십시오" in r and not Campaign.objects.filter(kind="credit").exists()
    r = _text(client.post(url, {"action": "notices", "measure_on": "2026-12-31"}, follow=True))
    first.refresh_from_db()
    campaign = first.notice.campaign
    assert campaign.kind == "credit" and campaign.status == "built" and f"캠페인 {campaign.pk}번" in r
    assert "발송 대기" in r and 'id="notice-not-sent"' in r
    # many cases at once from the list: the ones before their step are offered
    listing = _text(client.get(reverse("staff:enforcement_cases")))
    assert f'id="pick-{second.pk}"' in listing and f'id="pick-{first.pk}"' not in listing
    assert problems(visible_text(listing), _names(world)) == []
    r = client.post(reverse("staff:enforcement_cases"), {"cases": [second.pk], "measure_on": "2026-12-31"})
    second.refresh_from_db()
    assert r.status_code == 302 and r["Location"] == reverse("staff:campaign_detail",
                                                              args=[second.notice.campaign_id])
    r = _text(client.post(reverse("staff:enforcement_cases"), {"cases": [cases.case.pk],
                                                               "measure_on": "2026-12-31"}, follow=True))
    assert "제한 예고 단계입니다" in r
    # the team lead may not prepare
    client.force_login(world.users["team_lead"], backend=BACKEND)
    third = services.open_case(_debtor(clock, "라예고"), "credit_report", on=on, reason="고액 체납",
                               actor=clerk.username, clock=clock)
    r = client.post(reverse("staff:enforcement_case", args=[third.pk]), {"action": "notices",
                                                                        "measure_on": "2026-12-31"})
    assert r.status_code == 403


@pytest.mark.django_db
def test_the_worklist_links_the_open_case_instead_of_opening_another(world, cases, client):
    from test_words import _names, problems, visible_text

    client.force_login(world.users["clerk"], backend=BACKEND)
    page = _text(client.get(reverse("staff:enforcement_worklist"), {"measure": "license_refusal"}))
    case_url = reverse("staff:enforcement_case", args=[cases.case.pk])
    assert f'id="case-link-{world.taxpayer.pk}" ' in page or f'id="case-link-{world.taxpayer.pk}"' in page
    assert f'href="{case_url}" id="case-link-{world.taxpayer.pk}"' in page
    assert f'id="open-{world.taxpayer.pk}"' not in page
    assert 'id="worklist-cases"' in page and f'id="open-case-{cases.case.pk}"' in page and "제한 예고" in page
    assert problems(visible_text(page), _names(world)) == []
    other = _text(client.get(reverse("staff:enforcement_worklist"), {"measure": "credit_report"}))
    assert 'id="worklist-case-rows"' not in other
