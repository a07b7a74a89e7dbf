"""Sending a notice again by a channel a person chose (jingsu.delivery.resend), through the simulator over HTTP:
Kakao/SMS at once, KT and paper only after a second person's approval, one attempt per request (the form's key),
the attempt machine and its idempotency key, no fallback of its own, paper by the mail class asked for, refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from _delivery_helpers import build_campaign

from jingsu.core.models import AuditLog
from jingsu.delivery import control, resend
from jingsu.delivery import services as delivery
from jingsu.delivery.costs import paper_cost
from jingsu.delivery.models import AttemptStatus, Channel, DeliveryAttempt, PrintBatch, Resend
from jingsu.delivery.paper import print_batches
from jingsu.notices.models import Campaign, Notice

pytestmark = pytest.mark.django_db


def sent_campaign(clock, jurisdiction, providers):
    """roll_small's campaign, started and sent through the simulator (all day: the window is not the point)."""
    from datetime import time

    campaign = build_campaign(clock, jurisdiction)
    Campaign.objects.filter(pk=campaign.pk).update(send_window_start=time(0), send_window_end=time(0))
    delivery.start_campaign(campaign, providers, actor="checker", clock=clock)
    delivery.send_queued(providers, clock=clock)
    campaign.refresh_from_db()
    return campaign


def kim(campaign) -> Notice:
    return Notice.objects.select_related("campaign", "taxpayer").get(campaign=campaign, taxpayer__name="김민준")


def test_sms_goes_at_once_with_the_next_sequence_and_one_attempt_per_request(jungnang, providers, clock):
    campaign = sent_campaign(clock, jungnang, providers)
    n = kim(campaign)
    before = n.attempts.count()
    codes = {o.code: o for o in resend.options(n)}
    assert codes["sms"].available and not codes["sms"].needs_approval and codes["sms"].cost == 30
    assert codes["kt"].needs_approval and codes["paper"].needs_approval and codes["registered"].needs_approval
    assert codes["registered"].cost == paper_cost(True) == 2930

    r = resend.request_resend(n, "sms", reason="납세자 전화: 문자를 못 받음", actor="clerk", key="form-1", clock=clock)
    assert r.status == Resend.Status.APPROVED and r.decided_by == "clerk"
    a = r.attempt
    assert (a.channel, a.status, a.sequence, a.key, a.cost) == (
        Channel.SMS, AttemptStatus.QUEUED, before + 1, f"{n.reference}-{before + 1}", 30)
    # the same form submitted twice is one request and one attempt
    assert resend.request_resend(n, "sms", reason="납세자 전화: 문자를 못 받음", actor="clerk", key="form-1",
                                 clock=clock).pk == r.pk
    assert n.attempts.count() == before + 1
    row = AuditLog.objects.get(action="delivery.resend")
    assert row.actor == "clerk" and row.target_id == str(n.pk) and row.detail["channel"] == "sms"
    # sent at once, whatever the campaign's window; the read deadline runs from this send
    assert delivery.send_resends(providers, clock=clock, attempt_ids=[a.pk]) == 1
    a.refresh_from_db()
    assert a.status == AttemptStatus.ACCEPTED and a.external_id and a.tries == 1
    assert a.read_deadline == clock.now() + timedelta(days=campaign.read_deadline_days)
    assert [e.to_status for e in a.events.all()] == ["sending", "accepted"]
    # a second resend while the first has not gone out is refused; once it went, another is fine
    assert resend.problem(n) == ""


def test_kt_and_paper_wait_for_a_second_person(jungnang, providers, clock):
    campaign = sent_campaign(clock, jungnang, providers)
    n = kim(campaign)
    before = n.attempts.count()
    r = resend.request_resend(n, "registered", reason="등기로 다시 보내 달라는 요청", actor="clerk", key="k-2",
                              clock=clock)
    assert r.status == Resend.Status.PENDING and r.attempt is None and r.cost == 2930
    assert n.attempts.count() == before, "nothing queued before approval"
    assert AuditLog.objects.filter(action="delivery.resend_request", actor="clerk").exists()
    with pytest.raises(resend.ResendError, match="요청한 사람은 승인할 수 없습니다"):
        resend.approve_resend(r, actor="clerk", clock=clock)
    # while it waits, another request for the notice is refused
    with pytest.raises(resend.ResendError, match="승인을 기다리는"):
        resend.request_resend(n, "sms", reason="문자로도 보내 주세요", actor="clerk", key="k-3", clock=clock)
    r = resend.approve_resend(r, actor="lead", clock=clock)
    assert r.status == Resend.Status.APPROVED and r.decided_by == "lead"
    assert r.attempt.channel == Channel.PAPER and r.attempt.status == AttemptStatus.QUEUED
    approve = AuditLog.objects.get(action="delivery.resend_approve")
    assert approve.actor == "lead" and approve.detail["requested_by"] == "clerk"
    with pytest.raises(resend.ResendError, match="이미 처리된 요청"):
        resend.approve_resend(r, actor="lead2", clock=clock)
    # the print batch takes it, as 등기, even after the campaign is completed
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.COMPLETED)
    batches = print_batches(providers, clock=clock, pdf=False)
    assert [b.mail_class for b in batches if r.attempt.key in open(b.manifest_path, encoding="utf-8-sig").read()] \
        == [PrintBatch.MailClass.REGISTERED]
    r.attempt.refresh_from_db()
    assert r.attempt.status == AttemptStatus.ACCEPTED


def test_a_rejected_request_sends_nothing(jungnang, providers, clock):
    n = kim(sent_campaign(clock, jungnang, providers))
    before = n.attempts.count()
    r = resend.request_resend(n, "paper", reason="주소 확인 후 종이로", actor="clerk", key="k-4", clock=clock)
    r = resend.reject_resend(r, actor="lead", reason="주소가 바뀌지 않음", clock=clock)
    assert r.status == Resend.Status.REJECTED and r.attempt is None and n.attempts.count() == before
    assert AuditLog.objects.get(action="delivery.resend_reject").reason == "주소가 바뀌지 않음"
    with pytest.raises(resend.ResendError):
        resend.approve_resend(r, actor="lead", clock=clock)


def test_a_resend_never_queues_a_next_channel(jungnang, providers, sim, clock):
    campaign = sent_campaign(clock, jungnang, providers)
    n = kim(campaign)
    r = resend.request_resend(n, "sms", reason="문자로 다시 보냄", actor="clerk", key="k-5", clock=clock)
    delivery.send_resends(providers, clock=clock)
    r.attempt.refresh_from_db()
    top = n.attempts.order_by("-sequence").first()
    assert top.pk == r.attempt.pk
    clock.advance(timedelta(days=40))  # past the fallback time and the read deadline, still unread
    sim.control.set_clock(clock.now())
    delivery.poll_statuses(providers, clock=clock)
    delivery.fallback_due(clock=clock)
    assert n.attempts.order_by("-sequence").first().pk == r.attempt.pk, "no fallback after a resend"


def test_a_failed_resend_queues_nothing_and_leaves_the_notice_as_it_was(jungnang, providers, clock):
    from jingsu.providers.base import DeliveryState

    n = kim(sent_campaign(clock, jungnang, providers))
    r = resend.request_resend(n, "sms", reason="문자로 다시 보냄", actor="clerk", key="k-6", clock=clock)
    assert delivery.send_resends(providers, clock=clock, attempt_ids=[r.attempt_id]) == 1
    a = DeliveryAttempt.objects.get(pk=r.attempt_id)
    assert a.status == AttemptStatus.ACCEPTED
    status = Notice.objects.get(pk=n.pk).status
    assert delivery.apply_report(a, DeliveryState.FAILED, code="FAILED", delivered_at=None, read_at=None,
                                 now=clock.now())
    assert n.attempts.order_by("-sequence").first().pk == a.pk, "no next channel after a failed resend"
    assert Notice.objects.get(pk=n.pk).status == status


def test_refusals_say_why(jungnang, providers, clock):
    campaign = sent_campaign(clock, jungnang, providers)
    n = kim(campaign)
    with pytest.raises(resend.ResendError, match="5자 이상"):
        resend.request_resend(n, "sms", reason="짧음", actor="clerk", key="a", clock=clock)
    nguyen = Notice.objects.get(campaign=campaign, taxpayer__name="NGUYEN VAN AN")  # 수신거부
    opts = {o.code: o for o in resend.options(nguyen)}
    assert not opts["sms"].available and "수신거부" in opts["sms"].why_not and opts["paper"].available
    with pytest.raises(resend.ResendError, match="문자 메시지로 보낼 수 없습니다"):
        resend.request_resend(nguyen, "sms", reason="문자로 보내 주세요", actor="clerk", key="b", clock=clock)
    corp = Notice.objects.get(campaign=campaign, taxpayer__name="(주)중랑건설") if Notice.objects.filter(
        campaign=campaign, taxpayer__name="(주)중랑건설").exists() else None
    if corp is not None:
        assert not {o.code: o for o in resend.options(corp)}["kakao"].available
    control.pause_campaign(campaign, actor="lead", clock=clock)
    n = kim(campaign)
    with pytest.raises(resend.ResendError, match="일시 중지"):
        resend.request_resend(n, "sms", reason="문자로 보내 주세요", actor="clerk", key="c", clock=clock)


def test_a_notice_never_sent_or_in_the_control_group_is_not_resent(jungnang, clock):
    campaign = build_campaign(clock, jungnang)  # approved, not started
    n = kim(campaign)
    assert "한 번도 보내지 않은" in resend.problem(n)
    Notice.objects.filter(pk=n.pk).update(control_group=True)
    assert "대조군" in resend.problem(Notice.objects.get(pk=n.pk))
