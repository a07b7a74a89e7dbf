"""The citizen portal over a real simulator (HTTP) and a real database: the intermediary's one-time token, the SMS
code, locks, rate limits, headers, the read deadline, and what the page shows."""

from __future__ import annotations

import re
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache

from jingsu.core.models import AuditLog
from jingsu.delivery import services as delivery
from jingsu.delivery.models import AttemptStatus, Channel, DeliveryAttempt
from jingsu.notices.models import Notice
from jingsu.portal import views
from jingsu.portal.models import NoticeAccess
from jingsu.providers.registry import simulator_providers
from jingsu.simulator.process import SimulatorProcess

sys.path.insert(0, str(Path(__file__).parent.parent / "delivery"))
from _delivery_helpers import build_campaign  # noqa: E402

from _clock import T0

PHONE = "01012345678"  # 김민준's number on record (tests/fixtures/roll_small.csv), born 1985-01-01


@pytest.fixture
def sim():  # one per test: the simulated clock never goes back, and tests move it
    with SimulatorProcess(start=T0, seed=21) as process:
        yield process


@pytest.fixture
def portal(sim, clock, jungnang, monkeypatch):
    sim.control.set_clock(clock.now())
    providers = simulator_providers(sim.url)
    monkeypatch.setattr(views, "providers", lambda: providers)
    cache.clear()
    campaign = build_campaign(clock, jungnang)
    delivery.start_campaign(campaign, providers, actor="checker", clock=clock)
    delivery.send_queued(providers, clock=clock)
    yield campaign


def notice_of(name: str) -> Notice:
    return Notice.objects.get(taxpayer__name=name)


def url(n: Notice, suffix: str = "") -> str:
    return f"/n/{n.token}{suffix}"


def code_from_phone(sim) -> str:
    texts = sim.control.sms_inbox(PHONE)
    return re.search(r"인증번호 (\d{6})", texts[-1]).group(1)


@pytest.mark.django_db
def test_intermediary_link_verifies_reports_the_read_and_leaves_no_token_in_the_address(client, sim, portal, clock):
    attempt = (DeliveryAttempt.objects.filter(channel__in=(Channel.KAKAO, Channel.KT), status=AttemptStatus.ACCEPTED)
               .select_related("notice").first())
    assert attempt is not None, "the simulator accepted at least one electronic document"
    n = attempt.notice
    opened = (sim.control.open_kakao_document(attempt.external_id) if attempt.channel == Channel.KAKAO
              else sim.control.open_kt_message(attempt.external_id))
    parts = urlsplit(opened["url"])
    assert parts.path == url(n)
    r = client.get(parts.path + "?" + parts.query)
    assert r.status_code == 302 and r["Location"] == url(n)  # the one-time token is gone from the address
    page = client.get(url(n))
    assert page.status_code == 200
    assert n.taxpayer.name in page.content.decode() and "납부하실 금액" in page.content.decode()
    attempt.refresh_from_db()
    n.refresh_from_db()
    assert attempt.status == AttemptStatus.READ and n.read_at == clock.now()
    assert AuditLog.objects.filter(action="portal.verified", target_id=str(n.pk)).exists()
    # the same link again in the same (verified) browser: straight to the page, nothing asked of the intermediary
    again = client.get(parts.path + "?" + parts.query)
    assert again.status_code == 302 and again["Location"] == url(n)
    assert n.taxpayer.name in client.get(url(n)).content.decode()
    # the same one-time token in another browser (a forwarded link, a restored tab): the intermediary refuses it as
    # used; that is not a failed verification — the page asks to reopen it from KakaoTalk/KT or to use the SMS way in
    other = client_class_fresh()
    r = other.get(parts.path + "?" + parts.query)
    assert r.status_code == 302
    page = other.get(url(n)).content.decode()
    assert "본인 확인" in page and n.taxpayer.name not in page
    assert ("카카오톡에서 안내문을 다시 열어 주세요" if attempt.channel == Channel.KAKAO
            else "공인알림문자에서 안내문을 다시 열어 주세요") in page
    assert "이미 한 번 열렸습니다" in page and 'id="identity"' in page  # the SMS way in, on the same page
    assert NoticeAccess.objects.get(notice=n).failures == 0
    assert AuditLog.objects.filter(action="portal.link_stale", target_id=str(n.pk)).count() == 1


def client_class_fresh():
    from django.test import Client

    return Client()


@pytest.mark.django_db
def test_sms_path_birth_date_then_code(client, sim, portal):
    n = notice_of("김민준")
    first = client.get(url(n))
    assert first.status_code == 200 and "생년월일" in first.content.decode()
    assert n.taxpayer.name not in first.content.decode()  # nothing personal before verification
    wrong = client.post(url(n, "/code"), {"identity": "850102"})
    assert wrong.status_code == 400 and "남은 시도 4번" in wrong.content.decode()
    sent = client.post(url(n, "/code"), {"identity": "850101"})
    assert sent.status_code == 200 and "010-****-5678" in sent.content.decode()
    code = code_from_phone(sim)
    bad = client.post(url(n, "/verify"), {"code": f"{(int(code) + 1) % 10**6:06d}"})
    assert bad.status_code == 400 and "맞지 않습니다" in bad.content.decode()
    ok = client.post(url(n, "/verify"), {"code": code})
    assert ok.status_code == 302
    page = client.get(url(n))
    assert page.status_code == 200 and "과세번호" in page.content.decode()
    assert "11260-14-2024-0000001" in page.content.decode()
    n.refresh_from_db()
    assert n.read_at is not None
    # a code works once
    assert client_class_fresh().post(url(n, "/verify"), {"code": code}).status_code == 400
    pdf = client.get(url(n, "/pdf"))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content[:4] == b"%PDF"


@pytest.mark.django_db
def test_five_failures_lock_the_notice_for_an_hour(client, sim, portal, clock):
    n = notice_of("김민준")
    client.post(url(n, "/code"), {"identity": "850101"})
    code = code_from_phone(sim)
    for _ in range(4):
        assert client.post(url(n, "/verify"), {"code": "000000" if code != "000000" else "111111"}).status_code == 400
    r = client.post(url(n, "/verify"), {"code": "000000" if code != "000000" else "111111"})
    assert r.status_code == 423 and "1시간" in r.content.decode()
    assert client.post(url(n, "/verify"), {"code": code}).status_code == 423  # even the right code, while locked
    assert AuditLog.objects.filter(action="portal.locked", target_id=str(n.pk)).count() == 1
    clock.advance(timedelta(hours=1, minutes=1))
    sim.control.set_clock(clock.now())
    client.post(url(n, "/code"), {"identity": "850101"})
    assert client.post(url(n, "/verify"), {"code": code_from_phone(sim)}).status_code == 302


@pytest.mark.django_db
def test_headers_no_store_and_no_framing(client, portal):
    r = client.get(url(notice_of("김민준")))
    assert "no-store" in r["Cache-Control"]
    assert "frame-ancestors 'none'" in r["Content-Security-Policy"]
    assert r["X-Frame-Options"] == "DENY"
    assert client.get("/n/" + "x" * 43).status_code == 404


@pytest.mark.django_db
def test_per_address_rate_limit(client, portal):
    n = notice_of("이서연")
    codes = [client.post(url(n, "/code"), {"identity": "1"}, REMOTE_ADDR="10.0.0.9").status_code for _ in range(21)]
    assert codes[-1] == 429
    # another address is not affected
    assert client_class_fresh().post(url(n, "/code"), {"identity": "1"}, REMOTE_ADDR="10.0.0.8").status_code != 429


@pytest.mark.django_db
def test_after_the_read_deadline_the_page_says_so(client, sim, portal, clock):
    n = notice_of("김민준")
    DeliveryAttempt.objects.filter(notice=n).update(read_deadline=clock.now() - timedelta(minutes=1))
    r = client.get(url(n))
    assert r.status_code == 410 and "열람 기한이 지났습니다" in r.content.decode() and "사본" in r.content.decode()


@pytest.mark.django_db
def test_forged_and_expired_intermediary_tokens_are_refused_and_counted(client, sim, portal, clock):
    attempt = (DeliveryAttempt.objects.filter(channel__in=(Channel.KAKAO, Channel.KT), status=AttemptStatus.ACCEPTED)
               .select_related("notice").first())
    n = attempt.notice
    key = "document_binder_uuid" if attempt.channel == Channel.KAKAO else "src_key"
    forged = client.get(url(n), {"token": "f" * 40, key: attempt.external_id})
    assert forged.status_code == 302 and forged["Location"] == url(n)
    page = client.get(url(n)).content.decode()
    assert "본인 확인" in page and "인증 정보" in page and n.taxpayer.name not in page
    # a genuine token used after its lifetime
    opened = (sim.control.open_kakao_document(attempt.external_id) if attempt.channel == Channel.KAKAO
              else sim.control.open_kt_message(attempt.external_id))
    clock.advance(timedelta(hours=2))
    sim.control.set_clock(clock.now())
    parts = urlsplit(opened["url"])
    client.get(parts.path + "?" + parts.query)
    page = client.get(url(n)).content.decode()
    assert "인증 시간이 지났습니다" in page and "다시 열어 주세요" in page
    assert NoticeAccess.objects.get(notice=n).failures == 1  # a genuine token, too late: not a failed try
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.ACCEPTED  # nothing was read
