"""Campaign control (jingsu.delivery.control) through the simulator over real HTTP: scheduling, pause and resume,
cancellation of what has not gone out, completion when every notice has reached an end, and the progress figures."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from _delivery_helpers import build_campaign

from _clock import T0
from jingsu.clock import SEOUL, ManualClock
from jingsu.core.models import AuditLog, Jurisdiction
from jingsu.core.runtime import runtime
from jingsu.delivery import control, paper
from jingsu.delivery import services as delivery
from jingsu.delivery.models import AttemptStatus, Channel, DeliveryAttempt, DeliveryEvent
from jingsu.notices.models import Campaign, Notice
from jingsu.notices.services import CampaignError
from jingsu.providers.registry import simulator_providers
from jingsu.simulator.process import SimulatorProcess

S = AttemptStatus


@pytest.fixture
def sim():  # one per test: the tests move the simulated clock, which never goes back
    with SimulatorProcess(start=T0, seed=4) as process:
        yield process


@pytest.fixture
def providers(sim):
    return simulator_providers(sim.url)


def at(hour: int, day: int = 23) -> ManualClock:
    return ManualClock(datetime(2026, 11, day, hour, 0, tzinfo=SEOUL))


def cycle(clock, providers, sim) -> None:
    """One turn of the dispatch cycle (as `jingsu dispatch` runs it)."""
    sim.control.set_clock(clock.now())
    control.start_scheduled(providers, clock=clock)
    delivery.send_queued(providers, clock=clock)
    delivery.poll_statuses(providers, clock=clock)
    delivery.fallback_due(clock=clock)
    delivery.send_queued(providers, clock=clock)
    paper.print_batch(providers, clock=clock, pdf=False)
    control.complete_finished(clock=clock)


@pytest.mark.django_db
def test_a_scheduled_campaign_starts_by_itself_at_its_time_and_not_before(jungnang, providers, sim, tmp_path,
                                                                          settings):
    settings.VAR_DIR = tmp_path
    clock = at(8)
    campaign = build_campaign(clock, jungnang)
    with pytest.raises(CampaignError, match="지금보다 뒤"):
        control.schedule_campaign(campaign, clock.now() - timedelta(minutes=1), actor="lead", clock=clock)
    control.schedule_campaign(campaign, clock.now() + timedelta(hours=2), actor="lead", clock=clock)
    campaign.refresh_from_db()
    assert campaign.scheduled_by == "lead" and campaign.status == Campaign.Status.APPROVED
    assert AuditLog.objects.filter(action="campaign.schedule", target_id=str(campaign.pk)).exists()

    clock.advance(timedelta(hours=1, minutes=59))
    assert control.start_scheduled(providers, clock=clock) == []
    assert not DeliveryAttempt.objects.filter(notice__campaign=campaign).exists()
    clock.advance(timedelta(minutes=1))
    assert control.start_scheduled(providers, clock=clock) == [campaign.pk]
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENDING
    assert DeliveryAttempt.objects.filter(notice__campaign=campaign).count() == 3
    send = AuditLog.objects.get(action="campaign.send", target_id=str(campaign.pk))
    assert send.actor == "lead (예약 발송)"
    assert control.start_scheduled(providers, clock=clock) == []  # once only


@pytest.mark.django_db
def test_unscheduling_leaves_the_campaign_approved_and_only_approved_campaigns_can_be_scheduled(jungnang, providers):
    clock = at(8)
    campaign = build_campaign(clock, jungnang)
    with pytest.raises(CampaignError, match="예약되어 있지 않습니다"):
        control.unschedule_campaign(campaign, actor="lead", clock=clock)
    control.schedule_campaign(campaign, clock.now() + timedelta(hours=1), actor="lead", clock=clock)
    control.unschedule_campaign(campaign, actor="lead", clock=clock)
    clock.advance(timedelta(hours=2))
    assert control.start_scheduled(providers, clock=clock) == []
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.APPROVED and campaign.scheduled_at is None
    delivery.start_campaign(campaign, providers, actor="lead", clock=clock)
    with pytest.raises(CampaignError, match="'발송 중' 상태의 캠페인은 예약할 수 없습니다"):
        control.schedule_campaign(campaign, clock.now() + timedelta(hours=1), actor="lead", clock=clock)


@pytest.mark.django_db
def test_a_paused_campaign_hands_nothing_over_until_it_is_resumed(jungnang, providers, tmp_path, settings):
    settings.VAR_DIR = tmp_path
    clock = at(10)
    campaign = build_campaign(clock, jungnang)
    delivery.start_campaign(campaign, providers, actor="lead", clock=clock)
    control.pause_campaign(campaign, actor="lead", reason="문구 확인", clock=clock)
    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.PAUSED
    queued = DeliveryAttempt.objects.filter(notice__campaign=campaign, status=S.QUEUED).count()
    assert queued == 3
    assert delivery.send_queued(providers, clock=clock) == 0
    assert paper.print_batch(providers, clock=clock, pdf=False) == 0  # the paper waits too (NGUYEN: 수신거부)
    assert DeliveryAttempt.objects.filter(notice__campaign=campaign, status=S.QUEUED).count() == queued
    pause = AuditLog.objects.get(action="campaign.pause", target_id=str(campaign.pk))
    assert pause.detail["reason"] == "문구 확인" and pause.detail["queued"] == 3
    with pytest.raises(CampaignError, match="일시 중지할 수 없습니다"):
        control.pause_campaign(campaign, actor="lead", clock=clock)

    control.resume_campaign(campaign, actor="lead", clock=clock)
    assert delivery.send_queued(providers, clock=clock) >= 2
    assert paper.print_batch(providers, clock=clock, pdf=False) >= 1
    assert not DeliveryAttempt.objects.filter(notice__campaign=campaign, status=S.QUEUED).exists()
    with pytest.raises(CampaignError, match="재개할 수 없습니다"):
        control.resume_campaign(campaign, actor="lead", clock=clock)


@pytest.mark.django_db
def test_cancelling_stops_what_has_not_gone_out_and_keeps_what_has(jungnang, providers, sim, tmp_path, settings):
    settings.VAR_DIR = tmp_path
    clock = at(10)
    sim.control.set_clock(clock.now())
    campaign = build_campaign(clock, jungnang)
    delivery.start_campaign(campaign, providers, actor="lead", clock=clock)
    # the electronic ones go out; the paper one (수신거부) is still queued
    delivery.send_queued(providers, clock=clock)
    out = set(DeliveryAttempt.objects.filter(notice__campaign=campaign, status__in=control.HANDED_OVER)
              .values_list("notice_id", flat=True))
    waiting = list(DeliveryAttempt.objects.filter(notice__campaign=campaign, status=S.QUEUED))
    assert out and waiting and all(a.channel == Channel.PAPER for a in waiting)

    with pytest.raises(CampaignError, match="5자 이상"):
        control.cancel_campaign(campaign, actor="lead", reason="취소", clock=clock)
    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.SENDING  # nothing changed

    summary = control.cancel_campaign(campaign, actor="lead", reason="대상 조건 잘못 설정", clock=clock)
    assert summary.attempts == len(waiting) and summary.notices == len(waiting)
    assert summary.already_sent == len(out)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.CANCELLED
    for a in waiting:
        a.refresh_from_db()
        assert a.status == S.CANCELLED
        assert DeliveryEvent.objects.filter(attempt=a, from_status=S.QUEUED, to_status=S.CANCELLED).exists()
        assert Notice.objects.get(pk=a.notice_id).status == Notice.Status.CANCELLED
    for notice in Notice.objects.filter(pk__in=out):
        assert notice.status != Notice.Status.CANCELLED
    log = AuditLog.objects.get(action="campaign.cancel", target_id=str(campaign.pk))
    assert log.detail["reason"] == "대상 조건 잘못 설정" and log.detail["from"] == "sending"

    # nothing more goes out for it: no paper, and no fallback for the sent ones even past every deadline
    assert paper.print_batch(providers, clock=clock, pdf=False) == 0
    before = DeliveryAttempt.objects.filter(notice__campaign=campaign).count()
    for _ in range(20):
        clock.advance(timedelta(hours=12))
        cycle(clock, providers, sim)
    assert DeliveryAttempt.objects.filter(notice__campaign=campaign).count() == before
    with pytest.raises(CampaignError, match="'취소' 상태의 캠페인은 취소할 수 없습니다"):
        control.cancel_campaign(campaign, actor="lead", reason="두 번째 취소", clock=clock)


@pytest.mark.django_db
def test_a_built_campaign_can_be_cancelled_before_anything_is_sent(jungnang):
    clock = at(10)
    campaign = build_campaign(clock, jungnang)
    summary = control.cancel_campaign(campaign, actor="lead", reason="승인 전 철회합니다", clock=clock)
    assert (summary.attempts, summary.notices, summary.already_sent) == (0, 3, 0)
    assert set(Notice.objects.filter(campaign=campaign).values_list("status", flat=True)) == {"cancelled"}


@pytest.mark.django_db
def test_the_campaign_completes_when_every_notice_has_reached_an_end(jungnang, providers, sim, tmp_path, settings):
    settings.VAR_DIR = tmp_path
    clock = at(10)
    campaign = build_campaign(clock, jungnang)
    before = control.progress(campaign)
    assert (before.target, before.handed_over, before.settled) == (3, 0, 0)
    delivery.start_campaign(campaign, providers, actor="lead", clock=clock)
    cycle(clock, providers, sim)
    first = control.progress(campaign)
    assert first.handed_over == 3 and first.percent_sent == 100  # the paper one with the post office too
    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.SENDING
    for _ in range(24):  # twelve days: read, or past the read deadline on paper and its report in
        clock.advance(timedelta(hours=12))
        cycle(clock, providers, sim)
        if Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.COMPLETED:
            break
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.COMPLETED
    assert control.finished(campaign)
    end = control.progress(campaign)
    assert end.settled == end.target == 3 and end.percent_settled == 100
    for n in Notice.objects.filter(campaign=campaign):
        paper = n.attempts.filter(channel=Channel.PAPER, status=S.DELIVERED).exists()
        assert n.read_at is not None or paper or n.status == Notice.Status.UNDELIVERABLE, n.reference
    assert AuditLog.objects.filter(action="campaign.complete", target_id=str(campaign.pk)).count() == 1
    assert control.complete_finished(clock=clock) == []


@pytest.mark.django_db
def test_the_campaign_command_sets_the_policy_and_schedules_pauses_and_cancels(jungnang, capsys):
    from _delivery_helpers import SMALL
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from jingsu.rolls.importer import import_roll

    import_roll(SMALL, jurisdiction=Jurisdiction.by_code("11260"), clock=runtime().clock)
    call_command("campaign", "create", "--jurisdiction", "11260", "--kind", "arrears", "--name", "CLI 정책",
                 "--channels", "sms,paper", "--send-window", "10:00-18:00", "--mail-class", "registered",
                 "--actor", "담당자")
    c = Campaign.objects.get(name="CLI 정책")
    assert c.channels == ["sms", "paper"] and c.mail_class == "registered"
    assert (c.send_window_start.hour, c.send_window_end.hour) == (10, 18)
    call_command("campaign", "build", str(c.pk), "--actor", "담당자")
    call_command("campaign", "approve", str(c.pk), "--actor", "팀장")
    future = (T0 + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")  # the command lives at the test's moment
    call_command("campaign", "schedule", str(c.pk), "--at", future, "--actor", "팀장")
    c.refresh_from_db()
    assert c.scheduled_at is not None and c.scheduled_by == "팀장"
    call_command("campaign", "unschedule", str(c.pk), "--actor", "팀장")
    with pytest.raises(CommandError, match="일시 중지할 수 없습니다"):
        call_command("campaign", "pause", str(c.pk), "--actor", "팀장")
    with pytest.raises(CommandError, match="5자 이상"):
        call_command("campaign", "cancel", str(c.pk), "--reason", "짧음", "--actor", "팀장")
    call_command("campaign", "cancel", str(c.pk), "--reason", "정책을 다시 정함", "--actor", "팀장")
    assert Campaign.objects.get(pk=c.pk).status == Campaign.Status.CANCELLED
    assert "취소: 나가지 않은 안내문 3건" in capsys.readouterr().out
    with pytest.raises(CommandError, match="HH:MM-HH:MM"):
        call_command("campaign", "create", "--jurisdiction", "11260", "--kind", "arrears", "--name", "x",
                     "--send-window", "아침")


@pytest.mark.django_db
def test_paper_must_be_the_last_channel(jungnang, clock):
    from datetime import date

    from jingsu.notices import services as notices

    with pytest.raises(CampaignError, match="종이 우편은 마지막 순위여야"):
        notices.create_campaign(jungnang, name="순서", kind="arrears", as_of=date(2026, 11, 23), actor="maker",
                                channels=["kakao", "paper", "sms"], clock=clock)
    c = notices.create_campaign(jungnang, name="순서", kind="arrears", as_of=date(2026, 11, 23), actor="maker",
                                channels=["sms", "kakao"], clock=clock)
    assert c.channels == ["sms", "kakao"]  # paper need not be listed: it is always the last resort
