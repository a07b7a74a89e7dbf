"""Dispatch through the simulator over real HTTP: send window and holidays, the channel plan and per-campaign channel
policy, fallback after the read deadline, claiming work without overlap, the sweep of stuck attempts, and the
campaign command."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from time import sleep

import pytest
from _delivery_helpers import build_campaign
from django.core.management import call_command

from _clock import T0
from jingsu.clock import SEOUL, ManualClock
from jingsu.core.models import Holiday, Jurisdiction
from jingsu.delivery import services as delivery
from jingsu.delivery.models import AttemptStatus, Channel, DeliveryAttempt
from jingsu.notices.models import Campaign, Notice
from jingsu.providers.registry import simulator_providers
from jingsu.simulator.process import SimulatorProcess


@pytest.fixture(scope="module")
def sim():
    with SimulatorProcess(start=T0, seed=3) as process:
        yield process


@pytest.fixture
def providers(sim):
    return simulator_providers(sim.url)


def at(hour: int, minute: int = 0, day: int = 23) -> ManualClock:
    return ManualClock(datetime(2026, 11, day, hour, minute, tzinfo=SEOUL))


def electronic_sent() -> int:
    return DeliveryAttempt.objects.exclude(channel=Channel.PAPER).filter(sent_at__isnull=False).count()


@pytest.mark.django_db
def test_nothing_goes_out_at_night_and_the_queue_waits_for_morning(jungnang, providers):
    night = at(21, 30)
    campaign = build_campaign(night, jungnang)
    delivery.start_campaign(campaign, providers, actor="checker", clock=night)
    assert delivery.send_queued(providers, clock=night) == 0
    queued = DeliveryAttempt.objects.filter(status=AttemptStatus.QUEUED).exclude(channel=Channel.PAPER).count()
    assert queued > 0 and electronic_sent() == 0
    assert delivery.send_queued(providers, clock=at(8, 59, day=24)) == 0
    morning = at(9, 0, day=24)
    # everything queued goes out (and a refusal's next channel with it)
    assert delivery.send_queued(providers, clock=morning) >= queued
    assert not DeliveryAttempt.objects.filter(status=AttemptStatus.QUEUED).exclude(channel=Channel.PAPER).exists()
    assert electronic_sent() >= 1


@pytest.mark.django_db
def test_holidays_stop_sending_for_all_or_for_one_jurisdiction(jungnang, providers):
    clock = at(10)
    campaign = build_campaign(clock, jungnang)
    delivery.start_campaign(campaign, providers, actor="checker", clock=clock)
    Holiday.objects.create(date=clock.now().date(), name="구 개청 기념일", jurisdiction=jungnang)
    assert delivery.send_queued(providers, clock=clock) == 0
    Holiday.objects.all().delete()
    Holiday.objects.create(date=clock.now().date(), name="공휴일")
    assert delivery.send_queued(providers, clock=clock) == 0
    Holiday.objects.create(date=date_after(clock), name="다른 날")
    Holiday.objects.filter(name="공휴일").delete()
    assert delivery.send_queued(providers, clock=clock) > 0


def date_after(clock: ManualClock):
    return (clock.now() + timedelta(days=1)).date()


@pytest.mark.django_db
def test_channel_plan_follows_the_law_and_the_campaign_policy(jungnang, providers):
    clock = at(10)
    campaign = build_campaign(clock, jungnang)
    delivery.start_campaign(campaign, providers, actor="checker", clock=clock)
    kim = Notice.objects.get(campaign=campaign, taxpayer__name="김민준")
    nguyen = Notice.objects.get(campaign=campaign, taxpayer__name="NGUYEN VAN AN")  # 수신거부
    ci = delivery._ci_of([kim]).get(kim.taxpayer_id, "")
    assert ci, "the identity agency gave 김민준 a CI"
    assert delivery.channel_plan(campaign, kim.taxpayer, ci) == ["kakao", "kt", "sms", "paper"]
    assert delivery.channel_plan(campaign, nguyen.taxpayer, "x" * 88) == ["paper"]
    campaign.channels = ["sms", "paper"]
    assert delivery.channel_plan(campaign, kim.taxpayer, ci) == ["sms", "paper"]
    campaign.channels = ["kakao", "sms", "kt", "paper"]  # the campaign's order, as chosen on the form
    assert delivery.channel_plan(campaign, kim.taxpayer, ci) == ["kakao", "sms", "kt", "paper"]
    campaign.channels = ["kt", "kakao"]
    assert delivery.channel_plan(campaign, kim.taxpayer, ci) == ["kt", "kakao", "paper"]
    assert delivery.channel_plan(campaign, kim.taxpayer, "") == ["paper"]  # no CI, no Kakao or KT
    campaign.channels = ["paper"]
    assert delivery.channel_plan(campaign, kim.taxpayer, ci) == ["paper"]
    campaign.channels = []
    assert delivery.channel_plan(campaign, kim.taxpayer, ci) == ["paper"], "paper is always the last resort"
    # a formal document (독촉장) goes electronically only to 전자송달 applicants
    campaign.legal_nature = Campaign.LegalNature.FORMAL
    campaign.channels = ["kakao", "kt", "sms", "paper"]
    assert delivery.channel_plan(campaign, kim.taxpayer, ci) == ["paper"]
    kim.taxpayer.e_service = True
    assert delivery.channel_plan(campaign, kim.taxpayer, ci)[0] == "kakao"


@pytest.mark.django_db
def test_unread_notices_go_to_paper_after_the_read_deadline(jungnang, providers, sim):
    clock = at(10)
    sim.control.set_clock(clock.now())
    campaign = build_campaign(clock, jungnang)
    delivery.start_campaign(campaign, providers, actor="checker", clock=clock)
    delivery.send_queued(providers, clock=clock)
    for _ in range(16):  # eight days, every 12 hours
        clock.advance(timedelta(hours=12))
        sim.control.set_clock(clock.now())
        delivery.poll_statuses(providers, clock=clock)
        delivery.fallback_due(clock=clock)
        delivery.send_queued(providers, clock=clock)
    for notice in Notice.objects.filter(campaign=campaign):
        attempts = list(notice.attempts.order_by("sequence"))
        assert [a.sequence for a in attempts] == list(range(1, len(attempts) + 1))
        assert len({a.channel for a in attempts}) == len(attempts), "never the same channel twice"
        if notice.read_at is None:
            assert attempts[-1].channel == Channel.PAPER, f"unread notice {notice.reference} must end on paper"


@pytest.mark.django_db
def test_two_claims_never_overlap_and_stuck_attempts_are_swept(jungnang, providers):
    clock = at(10)
    campaign = build_campaign(clock, jungnang)
    delivery.start_campaign(campaign, providers, actor="checker", clock=clock)
    first = delivery.claim(Channel.KAKAO, 1, now=clock.now())
    second = delivery.claim(Channel.KAKAO, 10, now=clock.now())
    assert first and not {a.pk for a in first} & {a.pk for a in second}
    # a worker died after claiming: the attempt stays `sending` until the sweep puts it back, same key
    stuck = first[0]
    assert delivery.sweep_stuck(clock=clock, older_than=timedelta(minutes=10)) == 0
    clock.advance(timedelta(minutes=11))
    assert delivery.sweep_stuck(clock=clock, older_than=timedelta(minutes=10)) >= 1
    stuck.refresh_from_db()
    assert stuck.status == AttemptStatus.QUEUED and stuck.key.endswith("-1")
    assert [e.to_status for e in stuck.events.all()] == ["sending", "queued"]


@pytest.mark.django_db
def test_campaign_command_workflow(jungnang, capsys, sim, settings):
    from _delivery_helpers import SMALL

    from jingsu.rolls.importer import import_roll

    import_roll(SMALL, jurisdiction=Jurisdiction.by_code("11260"), clock=at(10))
    call_command("campaign", "create", "--jurisdiction", "11260", "--kind", "arrears", "--name", "CLI 안내",
                 "--as-of", "2026-11-23", "--actor", "담당자")
    campaign = Campaign.objects.get(name="CLI 안내")
    call_command("campaign", "build", str(campaign.pk), "--actor", "담당자")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="만든 사람은 승인할 수 없습니다"):
        call_command("campaign", "approve", str(campaign.pk), "--actor", "담당자")
    call_command("campaign", "approve", str(campaign.pk), "--actor", "팀장")
    settings.JINGSU_PROVIDER_URL = sim.url
    Campaign.objects.filter(pk=campaign.pk).update(send_window_start=time(0), send_window_end=time(0))
    call_command("campaign", "send", str(campaign.pk), "--actor", "팀장")
    capsys.readouterr()
    call_command("campaign", "status", str(campaign.pk), "--json")
    status = json.loads(capsys.readouterr().out)
    assert status["status"] == "sending"
    assert sum(status["notices"].values()) == 3
    assert sum(sum(v.values()) for v in status["attempts"].values()) >= 3


@pytest.mark.django_db
def test_a_provider_that_stays_down_hands_over_to_the_next_channel(jungnang, sim):
    from dataclasses import replace

    from jingsu.providers.http import RetryPolicy

    quick = RetryPolicy(attempts=1, base_delay=0.01, max_delay=0.01)
    up = simulator_providers(sim.url, retry=quick)
    down = simulator_providers("http://127.0.0.1:9", retry=quick, timeout=0.5)  # nothing listens on port 9
    providers = replace(up, kakao=down.kakao)
    clock = at(10)
    campaign = build_campaign(clock, jungnang)
    delivery.start_campaign(campaign, providers, actor="checker", clock=clock)
    kakao = list(DeliveryAttempt.objects.filter(channel=Channel.KAKAO))
    assert kakao
    for _ in range(delivery.MAX_TRIES):
        delivery.send_queued(providers, clock=clock)
    for attempt in kakao:
        attempt.refresh_from_db()
        assert attempt.status == AttemptStatus.REJECTED and attempt.tries == delivery.MAX_TRIES
        successor = DeliveryAttempt.objects.get(notice=attempt.notice, sequence=attempt.sequence + 1)
        assert successor.channel == Channel.KT and successor.tries >= 1, "KT took over"
        # nothing lost: the notice went out somewhere, or waits for the paper batch
        later = DeliveryAttempt.objects.filter(notice=attempt.notice)
        assert later.filter(sent_at__isnull=False).exists() or later.filter(
            channel=Channel.PAPER, status=AttemptStatus.QUEUED).exists()


@pytest.mark.django_db
def test_dispatch_once_reports_an_unreachable_provider_in_korean(jungnang, settings):
    from django.core.management.base import CommandError

    settings.JINGSU_PROVIDER_URL = "http://127.0.0.1:9"  # nothing listens on the discard port
    settings.JINGSU_PROVIDER_TIMEOUT = 0.5
    with pytest.raises(CommandError, match="발송 기관 오류"):
        call_command("dispatch", "--once")


class _WorkerDied(Exception):
    pass


@pytest.mark.django_db
def test_a_report_of_a_send_the_dead_worker_never_recorded_is_applied(jungnang, monkeypatch):
    """A worker hands documents to an intermediary and dies before recording the answer (the fault drill found
    this): the attempts are swept and sent again with the same keys, the intermediary answers with what it accepted
    the first time, and `sent_at` records the second try. Its delivery times, from the first handover, come before
    that `sent_at` and are still applied; a time before the first handover is still refused."""
    clock = at(10)
    with SimulatorProcess(start=clock.now(), seed=3) as sim:  # its own: the module's simulator is days ahead
        _crash_resend_and_report(jungnang, clock, sim, simulator_providers(sim.url), monkeypatch)


def _crash_resend_and_report(jungnang, clock, sim, providers, monkeypatch) -> None:
    from jingsu.providers.base import DeliveryState, StatusReport

    campaign = build_campaign(clock, jungnang)
    delivery.start_campaign(campaign, providers, actor="checker", clock=clock)
    record = delivery.record_sends
    with monkeypatch.context() as m:
        def die_on_kt(attempts, *args, **kwargs):
            if attempts[0].channel == Channel.KT:
                raise _WorkerDied  # after KT answered, before anything is recorded
            return record(attempts, *args, **kwargs)

        m.setattr(delivery, "record_sends", die_on_kt)
        with pytest.raises(_WorkerDied):  # Kakao refuses the two who do not use it; KT is next, and the worker dies
            delivery.send_queued(providers, clock=clock)
    handed_over = clock.now()
    stuck = list(DeliveryAttempt.objects.filter(channel=Channel.KT, status=AttemptStatus.SENDING))
    assert len(stuck) == 2 and all(a.sent_at is None for a in stuck)
    clock.advance(timedelta(minutes=11))
    sim.control.set_clock(clock.now())
    assert delivery.sweep_stuck(clock=clock, older_than=timedelta(minutes=10)) == 2
    delivery.send_queued(providers, clock=clock)
    resent = list(DeliveryAttempt.objects.filter(pk__in=[a.pk for a in stuck]))
    assert {a.status for a in resent} == {AttemptStatus.ACCEPTED}
    assert all(a.sent_at == clock.now() for a in resent)
    clock.advance(timedelta(minutes=5))
    sim.control.set_clock(clock.now())
    delivery.poll_statuses(providers, clock=clock)
    resent = list(DeliveryAttempt.objects.filter(pk__in=[a.pk for a in stuck]))
    assert AttemptStatus.ACCEPTED not in {a.status for a in resent}, "KT's reports of the first handover refused"
    delivered = [a for a in resent if a.status in (AttemptStatus.DELIVERED, AttemptStatus.READ)]
    assert delivered and all(handed_over <= a.delivered_at < a.sent_at - timedelta(minutes=2) for a in delivered)
    # a report from before the first handover is still impossible
    early = StatusReport(key=resent[0].key, external_id=resent[0].external_id, state=DeliveryState.READ,
                         delivered_at=handed_over - timedelta(hours=1), read_at=handed_over - timedelta(hours=1))
    assert delivery.implausible_report_times([(resent[0], early)], now=clock.now()) == ["delivered_before_send"]


def test_one_status_poll_at_a_time(settings):
    """While a poll runs in another worker (its key held in the shared cache), the beat's next poll does nothing;
    once it is over, the next poll runs (here it reaches the providers' settings, which this test leaves empty)."""
    from jingsu.delivery import tasks

    settings.JINGSU_PROVIDER_URL = ""
    with tasks.Lease("poll-statuses", ttl=60) as mine:
        assert mine
        assert tasks.poll_statuses() == 0
        with tasks.Lease("poll-statuses", ttl=60) as second:
            assert not second
    with pytest.raises(RuntimeError, match="JINGSU_PROVIDER_URL"):
        tasks.poll_statuses()


def test_a_dead_workers_poll_lease_runs_out_and_a_live_poll_keeps_its_own():
    """A worker killed mid-poll never releases its lease; the next poll may run once the lease runs out. A live poll
    renews its lease before each request, so it keeps it for as long as it runs, however long that is."""
    from jingsu.delivery import tasks

    dead = tasks.Lease("lease-test", ttl=1)  # taken, then its worker is killed: never released, never renewed
    assert dead and not tasks.Lease("lease-test", ttl=1)
    sleep(1.3)
    alive = tasks.Lease("lease-test", ttl=1)
    assert alive, "the dead worker's lease ran out"
    for _ in range(4):  # two seconds, twice the lease: renewed each half second, it is never taken from the poll
        sleep(0.5)
        alive.renew()
        assert not tasks.Lease("lease-test", ttl=1)
    dead.renew()
    dead.release()  # the key holds the live poll's token now: the dead one's renewal or release touches nothing
    assert not tasks.Lease("lease-test", ttl=1)
    alive.release()
    after = tasks.Lease("lease-test", ttl=1)
    assert after
    after.release()


@pytest.mark.django_db
def test_a_poll_beats_its_heart_before_each_request(jungnang):
    """poll_statuses calls its heartbeat before every status request: once per channel and contract here (each group
    fits one request of 500), so the task's lease is renewed while the poll runs."""
    clock = at(10)
    with SimulatorProcess(start=clock.now(), seed=3) as own:  # its own: the module's simulator is further on
        providers = simulator_providers(own.url)
        campaign = build_campaign(clock, jungnang)
        delivery.start_campaign(campaign, providers, actor="checker", clock=clock)
        delivery.send_queued(providers, clock=clock)
        asked = set(DeliveryAttempt.objects.filter(status__in=(AttemptStatus.ACCEPTED, AttemptStatus.DELIVERED))
                    .exclude(external_id="").values_list("channel", "contract_id"))
        assert asked, "the campaign left attempts to ask about"
        beats: list[int] = []
        delivery.poll_statuses(providers, clock=clock, heartbeat=lambda: beats.append(1))
        assert len(beats) == len(asked)


@pytest.mark.django_db
def test_each_channel_gets_a_claim_in_turn(jungnang, monkeypatch):
    """A channel held to its contract's rate never keeps the others waiting: one send takes one claim of each
    channel in turn (here claims of one attempt, and room for two: Kakao's first, then KT's, not Kakao's second)."""
    clock = at(10)
    with SimulatorProcess(start=clock.now(), seed=3) as own:
        providers = simulator_providers(own.url)
        campaign = build_campaign(clock, jungnang)
        delivery.start_campaign(campaign, providers, actor="checker", clock=clock)
        # the three notices' first attempts, made two Kakao and one KT
        queued = list(DeliveryAttempt.objects.filter(notice__campaign=campaign, status=AttemptStatus.QUEUED)
                      .order_by("pk"))
        assert len(queued) == 3
        for a, channel in zip(queued, [Channel.KAKAO] * (len(queued) - 1) + [Channel.KT], strict=True):
            DeliveryAttempt.objects.filter(pk=a.pk).update(channel=channel)
        monkeypatch.setattr(delivery, "CLAIM_BATCH", 1)
        assert delivery.send_queued(providers, clock=clock, limit=2) == 2
        handed = DeliveryAttempt.objects.filter(pk__in=[a.pk for a in queued]).exclude(status=AttemptStatus.QUEUED)
        assert sorted(handed.values_list("channel", flat=True)) == [Channel.KAKAO, Channel.KT]
