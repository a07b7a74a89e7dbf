"""The staff screens of 분할 납부 and 상담 요청 (jingsu.staff.assistance_views, permission manage_payments) and the
notice's status labels on the taxpayer page: the queue, approving with the schedule shown first, rejecting with a
reason, a missed installment flagged, cancelling; the call-back queue with names masked, the number shown (and
audited) on the request, marking it done."""

from __future__ import annotations

from datetime import timedelta

import pytest
from _assistance_helpers import add_assistance_world
from _staff_helpers import HOME
from django.urls import reverse

from jingsu.assistance.models import CallbackRequest, InstallmentPlan
from jingsu.core.models import AuditLog
from jingsu.notices.models import Notice
from jingsu.payments import services as payments

BACKEND = "django.contrib.auth.backends.ModelBackend"


@pytest.fixture
def assisted(world, clock, console_clock):
    return add_assistance_world(world, clock)


@pytest.mark.django_db
def test_the_queue_approve_and_missed_installments(world, assisted, client, clock):
    client.force_login(world.users["clerk"], backend=BACKEND)
    page = client.get(reverse("staff:money_installments")).content.decode()
    assert f'id="plan-{assisted.plan.pk}"' in page and f'id="plan-{assisted.other_plan.pk}"' not in page
    assert "김*준" in page and "김민준" not in page and "3회" in page
    assert 'href="/staff/money/installments/"' in page  # in the 수납 sub-menu
    detail = reverse("staff:money_installment", args=[assisted.plan.pk])
    page = client.get(detail).content.decode()
    assert "오늘 승인하면 만들어질 일정" in page and page.count("회차</th><td>") == 3 and "2026. 12. 7." in page
    r = client.post(detail, {"action": "approve"}, follow=True)
    text = r.content.decode()
    assert "분할 납부를 승인했습니다" in text and 'id="schedule-table"' in text
    plan = InstallmentPlan.objects.get(pk=assisted.plan.pk)
    assert plan.status == InstallmentPlan.Status.APPROVED and plan.decided_by == f"clerk-{HOME}"
    first = plan.installments.get(sequence=1)
    assert first.payment_number in text
    # approving twice is refused with the service's words
    assert "이미 처리되었습니다 (상태: 승인)" in client.post(detail, {"action": "approve"}, follow=True).content.decode()
    # the first installment is missed: flagged on the list and on the plan
    clock.advance(timedelta(days=15))
    page = client.get(reverse("staff:money_installments")).content.decode()
    assert f'id="missed-{first.pk}"' in page and "기한 지난 회차 1건" in page and 'id="missed-alert"' in page
    assert 'data-missed="1"' in client.get(detail).content.decode()
    # paid late with its own number: no longer flagged
    payments.record_payment(source="bank-feed", external_id="TXLATE", received_at=clock.now(), amount=first.amount,
                            channel="e-payment", payment_number=first.payment_number, virtual_account="",
                            tax_number="", jurisdiction=None, clock=clock)
    page = client.get(reverse("staff:money_installments")).content.decode()
    assert f'id="missed-{first.pk}"' not in page and 'id="missed-empty"' in page
    # cancelled with a reason
    assert "취소 사유" in client.post(detail, {"action": "cancel", "reason": ""}, follow=True).content.decode()
    client.post(detail, {"action": "cancel", "reason": "연락 두절"})
    assert InstallmentPlan.objects.get(pk=plan.pk).status == InstallmentPlan.Status.CANCELLED


@pytest.mark.django_db
def test_reject_needs_a_reason(world, assisted, client):
    client.force_login(world.users["clerk"], backend=BACKEND)
    detail = reverse("staff:money_installment", args=[assisted.plan.pk])
    assert "반려 사유를 적어" in client.post(detail, {"action": "reject", "reason": ""}, follow=True).content.decode()
    client.post(detail, {"action": "reject", "reason": "고액 체납으로 면담 필요"})
    plan = InstallmentPlan.objects.get(pk=assisted.plan.pk)
    assert plan.status == InstallmentPlan.Status.REJECTED and plan.decision_reason == "고액 체납으로 면담 필요"
    assert AuditLog.objects.filter(action="installment.reject", target_id=str(plan.pk)).exists()
    assert client.get(reverse("staff:money_installment", args=[assisted.other_plan.pk])).status_code == 404


@pytest.mark.django_db
def test_callbacks_queue_number_shown_and_audited_then_done(world, assisted, client):
    client.force_login(world.users["clerk"], backend=BACKEND)
    page = client.get(reverse("staff:money_callbacks")).content.decode()
    assert f'id="callback-{assisted.callback.pk}"' in page and "생계 곤란" in page and "오전 (9시~12시)" in page
    assert "김*준" in page and "010-1234-5678" not in page
    assert not AuditLog.objects.filter(action="staff.callback_view").exists()
    url = reverse("staff:money_callback", args=[assisted.callback.pk])
    page = client.get(url).content.decode()
    assert "01012345678" in page and "김민준" in page and "오전에만 통화 가능" in page
    row = AuditLog.objects.get(action="staff.callback_view")
    assert row.actor == f"clerk-{HOME}" and row.target_id == str(assisted.callback.pk)
    assert "상담 결과를 적어" in client.post(url, {"outcome": ""}, follow=True).content.decode()
    r = client.post(url, {"outcome": "3회 분할 납부 안내"}, follow=True)
    assert "완료로 표시했습니다" in r.content.decode() and "3회 분할 납부 안내" in r.content.decode()
    req = CallbackRequest.objects.get(pk=assisted.callback.pk)
    assert req.status == CallbackRequest.Status.DONE and req.done_by == f"clerk-{HOME}"
    # once done, the number is no longer shown
    assert "01012345678" not in client.get(url).content.decode()
    # the audit log reads in words
    client.force_login(world.users["auditor"], backend=BACKEND)
    log = client.get(reverse("staff:audit_log")).content.decode()
    for label in ("상담 요청 연락처 열람", "상담 완료", "상담 요청", "분할 납부 요청"):
        assert label in log


@pytest.mark.django_db
def test_roles_without_manage_payments_cannot_see_them(world, assisted, client):
    client.force_login(world.users["team_lead"], backend=BACKEND)
    for name, args in (("money_installments", []), ("money_callbacks", []),
                       ("money_installment", [assisted.plan.pk]), ("money_callback", [assisted.callback.pk])):
        assert client.get(reverse(f"staff:{name}", args=args)).status_code == 403


@pytest.mark.django_db
def test_taxpayer_page_shows_the_notice_read_and_paid(world, client, clock):
    t = world.taxpayer
    client.force_login(world.users["team_lead"], backend=BACKEND)
    notice = Notice.objects.get(taxpayer=t)
    Notice.objects.filter(pk=notice.pk).update(read_at=clock.now(), status=Notice.Status.READ)
    text = client.get(reverse("staff:taxpayer_detail", args=[t.pk])).content.decode()
    assert 'data-notice-status="read">열람</span>' in text and 'data-notice-status="paid"' not in text
    on = clock.now().date()
    for i, line in enumerate(notice.lines.select_related("levy")):
        payments.record_payment(source="bank-feed", external_id=f"TXP{i}", received_at=clock.now(),
                                amount=line.levy.owed(on).total, channel="e-payment",
                                payment_number=line.payment_number, virtual_account="", tax_number="",
                                jurisdiction=None, clock=clock)
        if i == 0:
            partly = client.get(reverse("staff:taxpayer_detail", args=[t.pk])).content.decode()
            assert 'data-notice-status="partly_paid">일부 납부</span>' in partly
    text = client.get(reverse("staff:taxpayer_detail", args=[t.pk])).content.decode()
    assert 'data-notice-status="read">열람</span>' in text and 'data-notice-status="paid">납부</span>' in text


@pytest.mark.django_db
def test_the_effect_report_page_counts_the_requests(world, assisted, client):
    client.force_login(world.users["section_chief"], backend=BACKEND)
    text = client.get(reverse("staff:effects_campaign", args=[world.money.campaign.pk])).content.decode()
    assert '<dd id="fx-installments">요청 1건 · 승인 0건</dd>' in text
    assert '<dd id="fx-callbacks">1건</dd>' in text
