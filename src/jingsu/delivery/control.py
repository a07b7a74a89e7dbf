"""Controlling a campaign once it is approved: schedule it, pause and resume its sending, cancel what has not gone out,
and mark it completed when every notice has reached an end. The moves these make are in the campaign's transition
table (notices.models.CAMPAIGN_TRANSITIONS, with its picture); each goes through `Campaign.move`.

- **Pause** stops the campaign's electronic sending and its paper: `services.sendable_campaigns` and the paper
  claim (`paper.print_batches`) only take attempts of campaigns in `sending`. Attempts already handed over go on
  (the intermediary has them); fallbacks that fall due while paused are queued and wait.
- **Cancel** (with a reason) cancels every queued attempt, and every notice none of whose attempts was handed over;
  notices already sent stay as they are (the citizen has them, the portal still shows them). No fallback is queued
  for a cancelled campaign afterwards (`services.queue_next`). Refunds a cancelled 환급금 안내 had marked notified
  go back to pending when no sent notice told the taxpayer about them.
- **Completed**: every notice sent is *settled* — read, delivered on paper (the post office's report), or
  undeliverable (`settled`). Cancelled and control-group notices do not count.

Every change is one transaction with its audit row; a change from the wrong state raises `CampaignError` with the
reason in Korean and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef, Q

from jingsu.clock import SEOUL, Clock
from jingsu.core import audit
from jingsu.delivery.models import AttemptStatus, Channel, DeliveryAttempt
from jingsu.notices.hooks import money
from jingsu.notices.models import Campaign, Notice
from jingsu.notices.services import CampaignError
from jingsu.providers.base import ProviderSet

S = AttemptStatus
CS = Campaign.Status

CANCELLABLE = Campaign.MACHINE.sources(CS.CANCELLED)  # built, approved, sending, paused
# An attempt in one of these has been handed over to a provider (or the post office).
HANDED_OVER = (S.ACCEPTED, S.DELIVERED, S.READ, S.EXPIRED, S.FAILED)

MIN_REASON = 5


def _locked(campaign: Campaign) -> Campaign:
    """The campaign row, locked for the rest of the transaction (PostgreSQL; SQLite serialises writers)."""
    return Campaign.objects.select_for_update().get(pk=campaign.pk)


def _require(c: Campaign, allowed: tuple[str, ...], doing: str) -> None:
    if c.status not in allowed:
        raise CampaignError(f"'{c.get_status_display()}' 상태의 캠페인은 {doing} 수 없습니다.")


def _require_move(c: Campaign, to: str, doing: str) -> None:
    """The campaign's table allows it to move to `to` from where it is, or a refusal in Korean."""
    _require(c, Campaign.MACHINE.sources(to), doing)


def schedule_campaign(campaign: Campaign, at: datetime, *, actor: str, clock: Clock) -> Campaign:
    """발송 예약: an approved campaign starts by itself at `at` (an aware time, not in the past). Scheduling again
    moves the time."""
    if at.tzinfo is None:
        raise ValueError("scheduled time must be aware")
    if at <= clock.now():
        raise CampaignError("발송 예약 시각은 지금보다 뒤여야 합니다.")
    with transaction.atomic():
        c = _locked(campaign)
        _require(c, (CS.APPROVED,), "예약할")
        c.scheduled_at, c.scheduled_by = at, actor
        c.save(update_fields=["scheduled_at", "scheduled_by"])
        audit.record("campaign.schedule", actor=actor, jurisdiction=c.jurisdiction_id, target=c, clock=clock,
                     detail={"at": at.astimezone(SEOUL).isoformat()})
    campaign.scheduled_at, campaign.scheduled_by = c.scheduled_at, c.scheduled_by
    return c


def unschedule_campaign(campaign: Campaign, *, actor: str, clock: Clock) -> Campaign:
    """발송 예약 취소: the campaign stays approved and waits for a person to send it."""
    with transaction.atomic():
        c = _locked(campaign)
        _require(c, (CS.APPROVED,), "예약을 취소할")
        if c.scheduled_at is None:
            raise CampaignError("예약되어 있지 않습니다.")
        before = c.scheduled_at
        c.scheduled_at, c.scheduled_by = None, ""
        c.save(update_fields=["scheduled_at", "scheduled_by"])
        audit.record("campaign.unschedule", actor=actor, jurisdiction=c.jurisdiction_id, target=c, clock=clock,
                     detail={"was": before.astimezone(SEOUL).isoformat()})
    campaign.scheduled_at, campaign.scheduled_by = None, ""
    return c


def start_scheduled(providers: ProviderSet, *, clock: Clock) -> list[int]:
    """Start every approved campaign whose 예약 time has come (the dispatch cycle runs this). The send is recorded
    as done by the person who scheduled it. Returns the started campaigns' ids."""
    from jingsu.delivery.services import start_campaign

    started = []
    due = Campaign.objects.filter(status=CS.APPROVED, scheduled_at__lte=clock.now()).order_by("scheduled_at", "id")
    for c in due:
        start_campaign(c, providers, actor=f"{c.scheduled_by} (예약 발송)", clock=clock)
        started.append(c.pk)
    return started


def pause_campaign(campaign: Campaign, *, actor: str, reason: str = "", clock: Clock) -> Campaign:
    """발송 일시 중지: nothing more of this campaign is handed over until it is resumed."""
    with transaction.atomic():
        c = _locked(campaign)
        _require_move(c, CS.PAUSED, "일시 중지할")
        c.move(CS.PAUSED, at=clock.now(), actor=actor, reason=reason.strip())
        waiting = DeliveryAttempt.objects.filter(notice__campaign=c, status=S.QUEUED).count()
        audit.record("campaign.pause", actor=actor, jurisdiction=c.jurisdiction_id, target=c, clock=clock,
                     detail={"reason": reason.strip(), "queued": waiting})
    campaign.refresh_from_db(fields=["status"])
    return c


def resume_campaign(campaign: Campaign, *, actor: str, clock: Clock) -> Campaign:
    """발송 재개: the paused campaign sends again (inside its send window)."""
    with transaction.atomic():
        c = _locked(campaign)
        _require(c, (CS.PAUSED,), "재개할")  # approved → sending is a start, not a resume
        c.move(CS.SENDING, at=clock.now(), actor=actor)
        audit.record("campaign.resume", actor=actor, jurisdiction=c.jurisdiction_id, target=c, clock=clock)
    campaign.refresh_from_db(fields=["status"])
    return c


@dataclass
class CancelSummary:
    attempts: int  # queued attempts cancelled
    notices: int  # notices cancelled (nothing of them had gone out)
    already_sent: int  # notices that had gone out and stay as they are


def cancel_campaign(campaign: Campaign, *, actor: str, reason: str, clock: Clock) -> CancelSummary:
    """발송 취소: cancel what has not gone out (see the module docstring). A reason of at least 5 characters is
    required; it is kept in the audit log."""
    reason = reason.strip()
    if len(reason) < MIN_REASON:
        raise CampaignError(f"취소 사유를 {MIN_REASON}자 이상 적어 주세요.")
    now = clock.now()
    with transaction.atomic():
        c = _locked(campaign)
        _require_move(c, CS.CANCELLED, "취소할")
        ids = DeliveryAttempt.move_where(DeliveryAttempt.objects.filter(notice__campaign=c), S.CANCELLED, at=now,
                                         code="CANCELLED", sources=(S.QUEUED,))
        handed = DeliveryAttempt.objects.filter(notice_id=OuterRef("pk")).exclude(
            status__in=(S.QUEUED, S.CANCELLED))
        cancelled_ids = Notice.move_where(Notice.objects.filter(campaign=c).filter(~Exists(handed)),
                                          Notice.Status.CANCELLED, at=now, actor=actor, reason=reason,
                                          sources=(Notice.Status.PENDING, Notice.Status.IN_DELIVERY))
        if c.kind == Campaign.Kind.REFUND and cancelled_ids:
            _unnotify_refunds(c)
        sent = Notice.objects.filter(campaign=c, control_group=False).exclude(status=Notice.Status.CANCELLED).count()
        before = c.status
        c.move(CS.CANCELLED, at=now, actor=actor, reason=reason, scheduled_at=None)
        summary = CancelSummary(attempts=len(ids), notices=len(cancelled_ids), already_sent=sent)
        audit.record("campaign.cancel", actor=actor, jurisdiction=c.jurisdiction_id, target=c, clock=clock,
                     detail={"reason": reason, "from": before, "attempts": summary.attempts,
                             "notices": summary.notices, "already_sent": summary.already_sent})
    campaign.refresh_from_db(fields=["status", "scheduled_at"])
    return summary


def _unnotify_refunds(c: Campaign) -> None:
    """Refunds marked notified by this campaign go back to pending unless a notice that went out (of any campaign)
    told the taxpayer about them (payments.campaigns.refunds_withdrawn, through notices.hooks)."""
    money().refunds_withdrawn(c)


def settled() -> Q:
    """A notice at an end: read, delivered on paper (the post office's report; a notice already delivered
    electronically keeps the status `delivered` when its paper goes out), or undeliverable."""
    on_paper = DeliveryAttempt.objects.filter(notice_id=OuterRef("pk"), channel=Channel.PAPER,
                                              status__in=(S.DELIVERED, S.READ))
    return Q(read_at__isnull=False) | Q(status__in=(Notice.Status.READ, Notice.Status.UNDELIVERABLE)) | Q(
        Exists(on_paper))


def finished(campaign: Campaign) -> bool:
    """True when every notice the campaign sends is settled."""
    p = progress(campaign)
    return p.settled == p.target


def complete_finished(*, clock: Clock) -> list[int]:
    """Mark sending campaigns whose every notice has reached an end as completed (the dispatch cycle runs this)."""
    done = []
    for c in Campaign.objects.filter(status=CS.SENDING).order_by("id"):
        if not finished(c):
            continue
        with transaction.atomic():
            if c.move(CS.COMPLETED, at=clock.now(), actor="system:dispatch"):
                audit.record("campaign.complete", actor="system:dispatch", jurisdiction=c.jurisdiction_id,
                             target=c, clock=clock, detail={"notices": dict(_notice_counts(c))})
                done.append(c.pk)
    return done


def _notice_counts(c: Campaign) -> list[tuple[str, int]]:
    from django.db.models import Count

    return list(Notice.objects.filter(campaign=c).values_list("status").annotate(n=Count("id")).order_by("status"))


@dataclass
class Progress:
    """How far the sending has come: `target` notices to send (not control, not cancelled), `handed_over` of them
    with an attempt a provider has taken, `settled` of them at an end (read, paper, undeliverable)."""

    target: int
    handed_over: int
    settled: int

    @property
    def percent_sent(self) -> int:
        return 100 if self.target == 0 else self.handed_over * 100 // self.target

    @property
    def percent_settled(self) -> int:
        return 100 if self.target == 0 else self.settled * 100 // self.target


def progress(campaign: Campaign) -> Progress:
    notices = Notice.objects.filter(campaign=campaign, control_group=False).exclude(status=Notice.Status.CANCELLED)
    handed = DeliveryAttempt.objects.filter(notice_id=OuterRef("pk"), status__in=HANDED_OVER)
    return Progress(
        target=notices.count(),
        handed_over=notices.filter(Exists(handed)).count(),
        settled=notices.filter(settled()).count(),
    )
