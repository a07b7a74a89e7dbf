"""A case's step notice delivered through the simulator over real HTTP: prepared from the case, approved by another
person, started and sent through the 공인전자문서중계자 (Kakao), read by the taxpayer; the case then moves into its
stage and keeps the 유통증명 with the intermediary's document id."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from _enforcement_helpers import levy, taxpayer
from django.core.cache import cache

from _simulator import providers, simulator  # noqa: F401  (fixtures)
from jingsu.delivery import services as delivery
from jingsu.delivery.models import AttemptStatus, Channel, DeliveryAttempt
from jingsu.enforcement import services
from jingsu.enforcement.models import EnforcementCase
from jingsu.notices import services as notices
from jingsu.notices.models import Notice
from jingsu.portal import views as portal_views

CS = EnforcementCase.Status
TODAY = date(2026, 11, 23)
sim = simulator(seed=16)


@pytest.mark.django_db
def test_the_notice_goes_out_is_read_and_the_case_keeps_its_evidence(clock, sim, providers, client,  # noqa: F811
                                                                      monkeypatch):
    tp = taxpayer(clock, name="전자송")
    tp.e_service = True  # applied for 전자송달 (지방세기본법 제30조⑦)
    tp.save(update_fields=["e_service"])
    levy(clock, tp, principal=20_000_000)
    case = services.open_case(tp, "credit_report", on=TODAY, reason="고액 체납", actor="clerk", clock=clock)
    done = services.prepare_notices([case], measure_on=TODAY + timedelta(days=30), actor="clerk", clock=clock)
    notices.approve_campaign(done.campaign, actor="lead", clock=clock)
    delivery.start_campaign(done.campaign, providers, actor="lead", clock=clock)
    case.refresh_from_db()
    attempt = DeliveryAttempt.objects.get(notice_id=case.notice_id, sequence=1)
    assert attempt.channel == Channel.KAKAO
    clock.advance(timedelta(minutes=5))
    sim.control.set_clock(clock.now())
    delivery.send_queued(providers, clock=clock)
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.ACCEPTED and attempt.external_id
    # the taxpayer opens it at the intermediary, which sends them to the portal
    clock.advance(timedelta(hours=1))
    sim.control.set_clock(clock.now())
    monkeypatch.setattr(portal_views, "providers", lambda: providers)
    cache.clear()
    opened = sim.control.open_kakao_document(attempt.external_id)
    parts = urlsplit(opened["url"])
    assert client.get(parts.path + "?" + parts.query).status_code == 302
    assert Notice.objects.get(pk=case.notice_id).read_at is not None
    moved = services.move(case, CS.FOREWARNED, reason="예고 열람 확인", actor="clerk", clock=clock, on=TODAY)
    assert moved.status == CS.FOREWARNED
    case.refresh_from_db()
    kakao = [e for e in case.evidence if e["channel"] == "카카오톡 전자문서"]
    assert {e["intermediary_id"] for e in kakao} == {attempt.external_id}
    assert "카카오톡 전자문서 접수" in [e["what"] for e in kakao]
    assert case.evidence[-1]["what"] == "문서 열람"
    assert [e["what"] for e in case.evidence] == [e.what for e in notices.evidence(case.notice)]
