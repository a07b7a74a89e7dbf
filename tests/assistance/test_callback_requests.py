"""상담 요청 (jingsu.assistance): a verified citizen asks for a call-back with a reason from the short list and a
preferred time; one open request per notice; the official marks it done with the outcome; both audited."""

from __future__ import annotations

import pytest
from _delivery_helpers import build_campaign

from jingsu.assistance import services as assistance
from jingsu.assistance.models import CallbackRequest
from jingsu.core.models import AuditLog
from jingsu.notices.models import Notice


@pytest.fixture
def notices(clock, jungnang):
    build_campaign(clock, jungnang)
    return {n.taxpayer.name: n for n in Notice.objects.select_related("taxpayer")}


@pytest.mark.django_db
def test_callback_request_and_done(clock, notices):
    n = notices["김민준"]
    with pytest.raises(assistance.AssistanceError, match="사유"):
        assistance.request_callback(n, reason="bored", preferred_time="any", remote="10.0.0.2", clock=clock)
    with pytest.raises(assistance.AssistanceError, match="시간"):
        assistance.request_callback(n, reason="hardship", preferred_time="midnight", remote="10.0.0.2", clock=clock)
    req = assistance.request_callback(n, reason="hardship", preferred_time="morning", note="  실직 중이라\n어렵습니다 ",
                                      remote="10.0.0.2", clock=clock)
    assert req.status == CallbackRequest.Status.OPEN and req.note == "실직 중이라 어렵습니다"
    assert req.get_reason_display() == "생계 곤란" and req.get_preferred_time_display().startswith("오전")
    with pytest.raises(assistance.AssistanceError, match="이미"):
        assistance.request_callback(n, reason="other", preferred_time="any", remote="10.0.0.2", clock=clock)
    assert AuditLog.objects.get(action="callback.request").actor == "citizen@10.0.0.2"
    with pytest.raises(assistance.AssistanceError, match="결과"):
        assistance.close_callback(req, actor="clerk", outcome="", clock=clock)
    done = assistance.close_callback(req, actor="clerk", outcome="3회 분할 안내함", clock=clock)
    assert done.status == CallbackRequest.Status.DONE and done.done_by == "clerk" and done.done_at == clock.now()
    assert AuditLog.objects.get(action="callback.done").reason == "3회 분할 안내함"
    with pytest.raises(assistance.AssistanceError, match="이미 완료"):
        assistance.close_callback(req, actor="clerk", outcome="다시", clock=clock)
    # once done, a new request may be made
    assert assistance.request_callback(n, reason="how_to_pay", preferred_time="any", remote="x", clock=clock)


@pytest.mark.django_db
def test_no_callback_without_a_number_to_call(clock, notices):
    with pytest.raises(assistance.AssistanceError, match="휴대전화"):
        assistance.request_callback(notices["이서연"], reason="dispute", preferred_time="any", remote="x", clock=clock)
