"""What the citizen sees beyond the way in (issue #14 "The citizen"), with the Django test client on a real database
and the simulator over HTTP: the sender named on every page and text; a reused intermediary link that neither counts
nor locks; the paid state with its 납부확인서; 분할 납부 and 상담 요청 from the notice page; numbers that never break
and copy buttons."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.test import Client

from jingsu.assistance import services as assistance
from jingsu.assistance.models import CallbackRequest, InstallmentPlan
from jingsu.core.models import AuditLog, Jurisdiction
from jingsu.delivery import services as delivery
from jingsu.delivery.models import AttemptStatus, Channel, DeliveryAttempt
from jingsu.notices.documents import render_alert
from jingsu.notices.models import Notice
from jingsu.payments import services as payments
from jingsu.payments.accounts import import_pool
from jingsu.portal import views
from jingsu.portal.models import NoticeAccess
from jingsu.portal.receipt import render_receipt_html
from jingsu.providers.registry import simulator_providers
from jingsu.simulator.process import SimulatorProcess

sys.path.insert(0, str(Path(__file__).parent.parent / "delivery"))
from _delivery_helpers import build_campaign  # noqa: E402

from _clock import T0

PHONE = "01012345678"  # 김민준's number on record
SENDER = "중랑구 세무1과 체납징수팀"


@pytest.fixture
def sim():
    with SimulatorProcess(start=T0, seed=23) as process:
        yield process


@pytest.fixture
def portal(sim, clock, jungnang, monkeypatch, tmp_path):
    jungnang.office_name, jungnang.office_team, jungnang.office_phone = "중랑구 세무1과", "체납징수팀", "02-2094-1234"
    jungnang.save()
    sim.control.set_clock(clock.now())
    providers = simulator_providers(sim.url)
    monkeypatch.setattr(views, "providers", lambda: providers)
    cache.clear()
    pool = tmp_path / "pool.csv"
    pool.write_text("은행코드,가상계좌번호\n" + "".join(f"088,5600000000{i:04d}\n" for i in range(5)), encoding="utf-8")
    import_pool(pool, jurisdiction=Jurisdiction.by_code("11260"), actor="clerk", clock=clock)
    campaign = build_campaign(clock, jungnang)
    delivery.start_campaign(campaign, providers, actor="checker", clock=clock)
    delivery.send_queued(providers, clock=clock)
    yield providers


def notice_of(name: str) -> Notice:
    return Notice.objects.select_related("taxpayer", "jurisdiction", "campaign").get(taxpayer__name=name)


def url(n: Notice, suffix: str = "") -> str:
    return f"/n/{n.token}{suffix}"


def verified(n: Notice) -> Client:
    """A browser whose session has passed identity verification for `n` (the ways in are tested in test_portal)."""
    c = Client()
    session = c.session
    session[views.SESSION_KEY] = [n.pk]
    session.save()
    return c


def pay_in_full(n: Notice, clock) -> None:
    today = clock.now().date()
    for i, line in enumerate(n.lines.select_related("levy")):
        owed = line.levy.owed(today).total
        if owed:
            payments.record_payment(source="bank-feed", external_id=f"TXFULL{n.pk}-{i}", received_at=clock.now(),
                                    amount=owed, channel="e-payment", payment_number=line.payment_number,
                                    virtual_account="", tax_number="", jurisdiction=None, clock=clock)


# --- 1. the sender -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_page_and_text_names_the_office_team_and_phone(client, sim, portal):
    n = notice_of("김민준")
    page = client.get(url(n)).content.decode()  # the verification page, before anything personal
    assert f'<p class="portal-brand">{SENDER} <span>' in page
    assert f"보낸 곳: {SENDER}" in page and 'href="tel:02-2094-1234"' in page
    client.post(url(n, "/code"), {"identity": "850101"})
    text = sim.control.sms_inbox(PHONE)[-1]
    assert text.startswith(f"[{SENDER}] 안내문 열람 인증번호 ") and text.endswith("문의 02-2094-1234")
    # the alert text an SMS notice carries (the same for everyone of the campaign) ends with the whole contact
    assert render_alert(n.campaign, link="L").sms_text.endswith(f"L\n문의: {SENDER} 02-2094-1234")
    notice_page = verified(n).get(url(n)).content.decode()
    assert (f'문의: <span class="portal-contact">{SENDER} <a href="tel:02-2094-1234" class="portal-phone">'
            '02-2094-1234</a></span>') in notice_page
    # the lock message gives the number to call
    for _ in range(5):
        r = Client().post(url(n, "/verify"), {"code": "000000"})
    assert r.status_code == 423 and f"{SENDER} 02-2094-1234로 전화해 주십시오" in r.content.decode()


# --- 3. the intermediary link opened again --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_reused_link_never_counts_or_locks_and_offers_the_sms_way(client, sim, portal):
    attempt = (DeliveryAttempt.objects.filter(channel__in=(Channel.KAKAO, Channel.KT), status=AttemptStatus.ACCEPTED)
               .select_related("notice").first())
    n = attempt.notice
    opened = (sim.control.open_kakao_document(attempt.external_id) if attempt.channel == Channel.KAKAO
              else sim.control.open_kt_message(attempt.external_id))
    link = urlsplit(opened["url"])
    assert Client().get(f"{link.path}?{link.query}").status_code == 302  # the first opening verifies
    for _ in range(7):  # more than the five tries: still no failure, no lock
        browser = Client()
        assert browser.get(f"{link.path}?{link.query}").status_code == 302
        page = browser.get(url(n))
        assert page.status_code == 200
    text = page.content.decode()
    heading = ("카카오톡에서 안내문을 다시 열어 주세요" if attempt.channel == Channel.KAKAO
               else "공인알림문자에서 안내문을 다시 열어 주세요")
    assert heading in text and "본인 확인 실패로 세지 않았습니다" in text
    assert "생년월일과 문자 인증번호" in text and 'id="identity"' in text
    access = NoticeAccess.objects.get(notice=n)
    assert access.failures == 0 and access.locked_until is None
    assert AuditLog.objects.filter(action="portal.link_stale", target_id=str(n.pk)).count() == 7
    assert not AuditLog.objects.filter(action="portal.verify_failed", target_id=str(n.pk)).exists()
    # the SMS way in works on that very page (김민준 has a mobile number on record)
    if n.taxpayer.name == "김민준":
        sent = browser.post(url(n, "/code"), {"identity": "850101"})
        assert sent.status_code == 200 and "인증번호를 보냈습니다" in sent.content.decode()


# --- 2. after payment -----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_after_payment_the_page_says_so_and_offers_the_receipt(sim, portal, clock):
    n = notice_of("김민준")
    c = verified(n)
    before = c.get(url(n)).content.decode()
    assert "체납처분 예고" in before and "간편결제로 납부" in before and "가상계좌 (" in before
    r = c.get(url(n, "/receipt.pdf"))
    assert r.status_code == 302 and "모두 납부하신 뒤에" in c.get(url(n)).content.decode()
    pay_in_full(n, clock)
    page = c.get(url(n)).content.decode()
    assert "모두 납부하셨습니다" in page and "더 납부하실 금액이 없습니다" in page
    for gone in ("체납처분 예고", "간편결제로 납부", "가상계좌 (", "오늘(", "분할 납부 요청", "상담 요청", "data-copy="):
        assert gone not in page, gone
    assert page.count("납부 완료") == n.lines.count()
    assert "납부확인서 PDF 내려받기" in page and "이의신청 안내" in page
    pdf = c.get(url(n, "/receipt.pdf"))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content[:4] == b"%PDF"
    assert "attachment" in pdf["Content-Disposition"] and n.taxpayer.name not in pdf["Content-Disposition"]
    assert AuditLog.objects.filter(action="portal.receipt", target_id=str(n.pk)).count() == 1
    html = render_receipt_html(n, clock.now())
    paid = sum(line.levy.paid_amount + line.levy.penalty_paid for line in n.lines.select_related("levy"))
    assert "납부확인서" in html and f"납부한 금액 합계 {paid:,}원" in html and SENDER in html
    assert "2026. 11. 23." in html and "전자납부" in html and "납세증명서가 아닙니다" in html
    assert not re.search(r"[A-Za-z]{4,}", re.sub(r"<[^>]+>|NanumGothic|sans-serif|www\.wetax\.go\.kr", "",
                                                  html.split("</style>")[1]).replace(n.reference, ""))
    # another browser still needs to verify
    assert Client().get(url(n, "/receipt.pdf")).status_code == 302


# --- 4. 분할 납부 and 상담 요청 from the notice page -----------------------------------------------------------------


@pytest.mark.django_db
def test_installments_requested_from_the_page_and_shown_once_approved(sim, portal, clock):
    n = notice_of("김민준")
    c = verified(n)
    page = c.get(url(n)).content.decode()
    assert "한 번에 내기 어려우신가요?" in page and 'id="count-2" name="count" value="2"' in page
    assert 'id="count-6"' in page and 'id="count-7"' not in page
    assert "몇 번에 나눠 내시겠습니까?" in page
    assert Client().post(url(n, "/installments"), {"count": "3"}).status_code == 302  # not verified: nothing
    assert not InstallmentPlan.objects.exists()
    r = c.post(url(n, "/installments"), {"count": "3"})
    assert r.status_code == 302 and r["Location"].endswith("#help-h")
    page = c.get(url(n)).content.decode()
    assert "3회 분할 납부 요청을 접수했습니다" in page and 'data-testid="plan-requested"' in page
    plan = InstallmentPlan.objects.get()
    assert plan.count == 3 and plan.status == InstallmentPlan.Status.REQUESTED
    assert AuditLog.objects.filter(action="installment.request", target_id=str(plan.pk)).exists()
    assistance.approve_plan(plan, actor="clerk", clock=clock)
    page = c.get(url(n)).content.decode()
    assert 'data-testid="plan-schedule"' in page and "분할 납부 일정 (3회)" in page
    for inst in plan.installments.all():
        assert f'id="inst-{inst.pk}"' in page and f'data-copy="inst-{inst.pk}"' in page
        assert f"{inst.sequence}회차" in page and f"{inst.amount:,}원" in page


@pytest.mark.django_db
def test_a_rejected_request_shows_its_reason_and_may_be_asked_again(sim, portal, clock):
    n = notice_of("김민준")
    c = verified(n)
    c.post(url(n, "/installments"), {"count": "2"})
    assistance.reject_plan(InstallmentPlan.objects.get(), actor="clerk", reason="압류 진행 중", clock=clock)
    page = c.get(url(n)).content.decode()
    assert 'data-testid="plan-rejected"' in page and "사유: 압류 진행 중" in page
    assert 'name="count"' in page
    c.post(url(n, "/installments"), {"count": "abc"})
    assert "분할 횟수를 골라 주십시오" in c.get(url(n)).content.decode()


@pytest.mark.django_db
def test_callback_requested_from_the_page(sim, portal):
    n = notice_of("김민준")
    c = verified(n)
    page = c.get(url(n)).content.decode()
    for label in ("생계 곤란", "금액 이의", "납부 방법 문의", "기타", "오전 (9시~12시)", "오후 (13시~18시)", "언제든"):
        assert label in page
    assert "010-****-5678로 담당자가 전화드립니다" in page
    c.post(url(n, "/callback"), {"reason": "hardship", "preferred_time": "afternoon", "note": "오후에만 통화 가능"})
    page = c.get(url(n)).content.decode()
    assert "상담 요청을 접수했습니다" in page and 'data-testid="callback-open"' in page
    req = CallbackRequest.objects.get()
    assert (req.reason, req.preferred_time, req.note) == ("hardship", "afternoon", "오후에만 통화 가능")
    c.post(url(n, "/callback"), {"reason": "other", "preferred_time": "any"})
    assert CallbackRequest.objects.count() == 1
    # 이서연 has no mobile on record: the page gives the number to call instead of the form
    other = notice_of("이서연")
    page = verified(other).get(url(other)).content.decode()
    assert 'action="/n/' + other.token + '/callback"' not in page and f"{SENDER} 02-2094-1234로 전화해" in page


# --- 5. numbers on a phone ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_numbers_are_grouped_unbroken_and_have_copy_buttons(sim, portal):
    n = notice_of("김민준")
    page = verified(n).get(url(n)).content.decode()
    line = n.lines.order_by("levy__tax_number").first()
    pn = line.payment_number
    grouped = f"<span>{pn[:5]}</span><span>{pn[5:7]}</span><span>{pn[7:9]}</span><span>{pn[9:18]}</span><span>{pn[18]}</span>"
    assert f'<span class="portal-number" id="payno-{line.pk}" aria-labelledby="payno-label-{line.pk}">{grouped}</span>' in page
    assert f'data-copy="payno-{line.pk}" data-copied-message="전자납부번호를 복사했습니다." hidden>' in page
    account = n.taxpayer.virtual_account.account_number
    assert 'id="vaccount"' in page and 'data-copied-message="가상계좌 번호를 복사했습니다."' in page
    assert "".join(re.findall(r"<span>(\d+)</span>", page.split('id="vaccount"')[1].split("</span></p>")[0])) == account
    assert '<script src="/static/portal/portal.js" defer></script>' in page and "<script>" not in page
    css = Path(finders.find("portal/portal.css")).read_text(encoding="utf-8")
    assert re.search(r"\.portal-number \{[^}]*white-space: nowrap", css)
    assert "navigator.clipboard" in Path(finders.find("portal/portal.js")).read_text(encoding="utf-8")
