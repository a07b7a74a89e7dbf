"""Delivering notices: CI lookup, channel choice, sending, status polling, fallback, the paper batch.

Every step is a function that can run twice or die halfway without harm:
- attempts are rows with a fixed idempotency key, created before anything is sent;
- every status move is guarded (DeliveryAttempt.move), so two workers cannot both move one attempt;
- a provider call happens after the attempt is marked `sending` and committed; if the process dies there, the sweep
  (`sweep_stuck`) sends again with the same key and the provider answers with what it already accepted.

Channel policy (per notice, DESIGN glossary "legal nature"):
- formal documents (고지서·독촉장) go electronically only to taxpayers who applied for 전자송달 (지방세기본법 제30조⑦);
  otherwise on paper;
- corporations and taxpayers who refused mobile notices (수신거부) get paper;
- individuals with CI: Kakao → KT → SMS (when a mobile number is on record) → paper; without CI: SMS → paper;
- a channel is given up when the provider rejects (not a user, unknown CI, 수신거부 …) or fails, or when the notice is
  still unread `fallback_hours` after it was delivered; once the campaign's read deadline has passed, unread
  notices go to paper.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, Min, OuterRef, Q

from jingsu.clock import SEOUL, Clock
from jingsu.core import audit, crypto
from jingsu.core.db import insert_rows, update_rows
from jingsu.core.models import Holiday
from jingsu.delivery import contracts
from jingsu.delivery.costs import UNIT_COST
from jingsu.delivery.models import (
    ATTEMPT_MACHINE,
    AttemptStatus,
    Channel,
    DeliveryAttempt,
    DeliveryEvent,
)
from jingsu.delivery.resend import RESENDABLE
from jingsu.notices.documents import Alert, render_alert
from jingsu.notices.hooks import money
from jingsu.notices.models import Arm, Campaign, Notice
from jingsu.providers.base import (
    CiRequest,
    DeliveryState,
    OutgoingDocument,
    ProviderError,
    ProviderRequestError,
    ProviderSet,
    SendOutcome,
    SendResult,
    SmsMessage,
    StatusReport,
)
from jingsu.taxpayers.models import Taxpayer, TaxpayerCI

log = logging.getLogger(__name__)

SEND_BATCH = 100  # documents per provider request (Kakao bulk, KT reqs[])
# Attempts one claim takes (and records) at once: the database work of a claim — the claim itself, the notices, CIs
# and first sends read, the answers recorded — is a fixed handful of statements, whatever its size, so a claim of
# several provider requests' worth saves round trips; the provider still gets SEND_BATCH documents per request.
CLAIM_BATCH = 1000
# Tries of one attempt that ended in a transient failure (provider down, 5xx or timeouts after the adapter's own
# retries with backoff) before the notice moves on to its next channel.
MAX_TRIES = 5
ELECTRONIC = (Channel.KAKAO, Channel.KT, Channel.SMS)
S = AttemptStatus
SYSTEM = "system:delivery"  # who moves notices on the providers' word (their history's actor)


# --- CI ------------------------------------------------------------------------------------------------------------


def resolve_ci(taxpayers: Iterable[Taxpayer], providers: ProviderSet, *, clock: Clock,
               batch: int = 1000) -> int:
    """Ask the identity agency for the CI of individuals that have none on record yet. Returns how many were asked."""
    todo = [t for t in taxpayers if t.is_individual and not hasattr(t, "_ci_checked")]
    existing = set(TaxpayerCI.objects.filter(taxpayer__in=todo).values_list("taxpayer_id", flat=True))
    todo = [t for t in todo if t.pk not in existing]
    asked = 0
    for start in range(0, len(todo), batch):
        chunk = todo[start:start + batch]
        results = providers.identity.to_ci(
            [CiRequest(ref=str(t.pk), registration_number=t.reveal_registration_number()) for t in chunk]
        )
        now = clock.now()
        with transaction.atomic():
            TaxpayerCI.objects.bulk_create(
                [TaxpayerCI(taxpayer_id=int(r.ref), result_code=r.code, obtained_at=now, **TaxpayerCI.sealed(r.ci))
                 for r in results],
                ignore_conflicts=True,
            )
            audit.record("taxpayer.ci_lookup", actor="system:delivery", jurisdiction=chunk[0].jurisdiction_id,
                         target_type="taxpayers.taxpayer", target_id=f"{len(chunk)} rows", clock=clock,
                         detail={"asked": len(chunk), "matched": sum(1 for r in results if r.ci)})
        asked += len(chunk)
    return asked


# --- channel policy -----------------------------------------------------------------------------------------------


#: Why a notice goes to paper first (ChannelPlan.paper_reason → the label the console shows).
PAPER_REASONS = {
    "formal": "전자송달 미신청(고지서)",
    "corporation": "법인",
    "opt_out": "수신거부",
    "no_ci": "연계정보 없음",
    "no_mobile": "휴대전화 번호 없음",
    "no_ci_no_mobile": "연계정보와 휴대전화 번호 없음",
    "paper_only": "종이 우편만 선택",
}
CI_CHANNELS = (Channel.KAKAO, Channel.KT)


@dataclass(frozen=True)
class ChannelPlan:
    channels: list[str]
    paper_reason: str = ""  # a PAPER_REASONS key when paper comes first, else ""


def plan_channels(campaign: Campaign, taxpayer: Taxpayer, ci: str, order: Sequence[str] | None = None) -> ChannelPlan:
    """The channels a notice goes through, in the campaign's order (`channels`, e.g. kakao → sms → kt), keeping only
    those that can reach this taxpayer (Kakao and KT need a CI, SMS a mobile number); paper always stays as the last
    resort (a notice must be served somehow). When paper is first, why (`paper_reason`). The one place this rule
    lives: sending (`channel_plan`) and the console's preview of a campaign's split both call it. `order`: the
    notice's own order when an experiment's arm sets one (Notice.channels)."""
    paper = [Channel.PAPER]
    if campaign.legal_nature == Campaign.LegalNature.FORMAL and not taxpayer.e_service:
        return ChannelPlan(paper, "formal")
    if not taxpayer.is_individual:
        return ChannelPlan(paper, "corporation")
    if taxpayer.opt_out:
        return ChannelPlan(paper, "opt_out")
    reachable: set[str] = set()
    if ci:
        reachable |= set(CI_CHANNELS)
    if taxpayer.mobile:
        reachable.add(Channel.SMS)
    if order is None:
        order = ELECTRONIC if campaign.channels is None else campaign.channels
    electronic = [c for c in order if c in reachable]
    if electronic:
        return ChannelPlan([*electronic, Channel.PAPER])
    wanted = [c for c in order if c != Channel.PAPER]
    need_ci = any(c in CI_CHANNELS for c in wanted)
    need_mobile = Channel.SMS in wanted
    reason = ("paper_only" if not wanted else "no_ci_no_mobile" if need_ci and need_mobile
              else "no_ci" if need_ci else "no_mobile")
    return ChannelPlan(paper, reason)


def channel_plan(campaign: Campaign, taxpayer: Taxpayer, ci: str, order: Sequence[str] | None = None) -> list[str]:
    """The channels a notice goes through (`plan_channels`; `order`: the notice's own, Notice.channels)."""
    return plan_channels(campaign, taxpayer, ci, order).channels


@dataclass
class ChannelSplit:
    """The expected first channel of a campaign's notices, before sending (the console's wizard shows it)."""

    first: dict[str, int]  # channel → notices, for every channel (0 when none)
    paper_reasons: dict[str, int]  # PAPER_REASONS key → notices whose first channel is paper
    ci_unknown: int = 0  # individuals not yet looked up whose first channel depends on it (counted as found)
    ci_unknown_without: dict[str, int] = field(default_factory=dict)  # where those go if it finds none


def expected_split(campaign: Campaign, taxpayer_ids: Any) -> ChannelSplit:
    """`plan_channels` for each taxpayer in `taxpayer_ids` (a queryset of ids: the campaign's notices outside the
    control group), grouped in SQL by what the plan reads — kind, 전자송달, 수신거부, a mobile number, and the CI on
    record (found, looked up without a match, or not asked yet) — so a large campaign costs one query. A taxpayer not
    yet asked is counted as if the agency finds a CI (it is asked when the campaign is sent); `ci_unknown_without`
    says where they go if it does not."""
    from django.db.models import BooleanField, ExpressionWrapper

    ci_rows = TaxpayerCI.objects.filter(taxpayer_id=OuterRef("pk"))
    groups = (Taxpayer.objects.filter(pk__in=taxpayer_ids).order_by()
              .annotate(has_mobile=ExpressionWrapper(~Q(mobile=""), output_field=BooleanField()),
                        ci_asked=Exists(ci_rows), ci_found=Exists(ci_rows.exclude(ci_hash="")))
              .values("kind", "e_service", "opt_out", "has_mobile", "ci_asked", "ci_found")
              .annotate(n=Count("id")))
    split = ChannelSplit(first={c: 0 for c in Channel.values}, paper_reasons={})
    for g in groups:
        person = Taxpayer(kind=g["kind"], e_service=g["e_service"], opt_out=g["opt_out"],
                          mobile="01000000000" if g["has_mobile"] else "")
        unknown = person.is_individual and not g["ci_asked"]
        plan = plan_channels(campaign, person, "ci" if g["ci_found"] or unknown else "")
        split.first[plan.channels[0]] += g["n"]
        if plan.paper_reason:
            split.paper_reasons[plan.paper_reason] = split.paper_reasons.get(plan.paper_reason, 0) + g["n"]
        without = plan_channels(campaign, person, "").channels[0] if unknown else plan.channels[0]
        if without != plan.channels[0]:  # the agency's answer decides their first channel
            split.ci_unknown += g["n"]
            split.ci_unknown_without[without] = split.ci_unknown_without.get(without, 0) + g["n"]
    return split


def _ci_of(notices: Sequence[Notice]) -> dict[int, str]:
    """taxpayer id → plaintext CI ('' for no match), decrypted only to be handed to the intermediary."""
    rows = TaxpayerCI.objects.filter(taxpayer_id__in=[n.taxpayer_id for n in notices]).values_list(
        "taxpayer_id", "ci_encrypted")
    return {tid: crypto.decrypt(enc) if enc else "" for tid, enc in rows}


# --- starting a campaign -------------------------------------------------------------------------------------------


@dataclass
class StartSummary:
    attempts: int
    by_channel: dict[str, int] = field(default_factory=dict)


def start_campaign(campaign: Campaign, providers: ProviderSet, *, actor: str, clock: Clock) -> StartSummary:
    """Approved → sending: look up CI, register the bills with the payment network, and queue the first attempt of
    every notice outside the control group. Running it again does nothing."""
    if campaign.status not in (Campaign.Status.APPROVED, Campaign.Status.SENDING):
        raise ValueError("승인된 캠페인만 발송할 수 있습니다.")
    notices = list(
        Notice.objects.filter(campaign=campaign, status=Notice.Status.PENDING).select_related("taxpayer", "arm")
    )
    resolve_ci([n.taxpayer for n in notices], providers, clock=clock)
    money().register_bills(campaign, providers, clock=clock)
    ci = _ci_of(notices)
    now = clock.now()
    summary = StartSummary(0)
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if locked.status == Campaign.Status.APPROVED:
            locked.move(Campaign.Status.SENDING, at=now, actor=actor)
        elif locked.status != Campaign.Status.SENDING:  # cancelled or paused meanwhile
            raise ValueError("승인된 캠페인만 발송할 수 있습니다.")
        rows = []
        for n in notices:
            n.campaign = campaign
            first = channel_plan(campaign, n.taxpayer, ci.get(n.taxpayer_id, ""), n.channels)[0]
            rows.append((n.pk, first, 1, f"{n.reference}-1", S.QUEUED, "", "", UNIT_COST[first], 0, now, now))
            summary.by_channel[first] = summary.by_channel.get(first, 0) + 1
        insert_rows(
            DeliveryAttempt._meta.db_table,
            ["notice_id", "channel", "sequence", "key", "status", "external_id", "result_code", "cost", "tries",
             "created_at", "updated_at"],
            rows,
        )
        # the notices loaded above: every pending one of the campaign (none becomes pending after the build)
        Notice.move_where(Notice.objects.filter(campaign=campaign), Notice.Status.IN_DELIVERY, at=now, actor=actor,
                          sources=(Notice.Status.PENDING,))
        if campaign.kind == Campaign.Kind.REFUND:  # the refunds this campaign tells about are now notified
            money().refunds_notified(campaign)
        audit.record("campaign.send", actor=actor, jurisdiction=campaign.jurisdiction_id, target=campaign,
                     clock=clock, detail={"attempts": len(rows), "by_channel": summary.by_channel})
    summary.attempts = len(rows)
    campaign.refresh_from_db(fields=["status"])
    return summary


# --- sending ---------------------------------------------------------------------------------------------------------


def sendable_campaigns(now: datetime) -> list[int]:
    """Campaigns that may send electronically at `now`: sending, inside their send window (Asia/Seoul, default
    09:00–20:00; a window whose start equals its end is open all day) and not on a holiday of their jurisdiction
    or of all. Nothing goes out at night."""
    local = now.astimezone(SEOUL)
    holidays = Holiday.objects.filter(date=local.date())
    everywhere = holidays.filter(jurisdiction__isnull=True).exists()
    closed = set(holidays.exclude(jurisdiction__isnull=True).values_list("jurisdiction_id", flat=True))
    if everywhere:
        return []
    return [
        pk
        for pk, jurisdiction, start, end in Campaign.objects.filter(status=Campaign.Status.SENDING).values_list(
            "pk", "jurisdiction_id", "send_window_start", "send_window_end"
        )
        if jurisdiction not in closed and (start == end or start <= local.time() < end)
    ]


def claim(channel: str, limit: int, *, now: datetime, statuses: Sequence[str] = (S.QUEUED,),
          campaigns: Sequence[int] | None = None, where: Q | None = None) -> list[DeliveryAttempt]:
    """Claim up to `limit` attempts for this worker: SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL, so two workers
    never claim the same rows; SQLite serialises writers anyway. Claimed rows move to `sending` before the lock is
    released. `where` narrows the attempts further (delivery.resend: the attempts of approved resends)."""
    with transaction.atomic():
        qs = DeliveryAttempt.objects.filter(channel=channel).order_by("id")
        if campaigns is not None:
            qs = qs.filter(notice__campaign_id__in=campaigns)
        if where is not None:
            qs = qs.filter(where)
        if Arm.objects.filter(send_at__gt=now, campaign__status=Campaign.Status.SENDING).exists():
            # an experiment's arm sent at its own moment: its notices wait until then, on every channel (a subquery,
            # not a join: PostgreSQL locks no row on the nullable side of an outer join)
            qs = qs.exclude(notice_id__in=Notice.objects.filter(arm__send_at__gt=now).values("pk"))
        # PostgreSQL: SELECT … FOR UPDATE SKIP LOCKED, the move to `sending` and its history rows in one statement
        return DeliveryAttempt.claim(qs, S.SENDING, limit=limit, at=now, sources=statuses)


def send_queued(providers: ProviderSet, *, clock: Clock, limit: int = 10_000) -> int:
    """Send queued electronic attempts of campaigns inside their send window, in provider-sized batches.
    Returns how many were handed over; attempts outside the window wait in `queued`.

    First the attempts of resends a person asked for (delivery.resend: by one channel, at once, whatever the state
    of the campaign but paused or cancelled), then the campaigns' own: one claim per channel in turn, so a channel
    held to its contract's rate (Kakao: 100 documents/s) never keeps the others waiting behind its backlog (the
    fault drill, bench/drill.py, showed KT's and SMS's queues standing still while Kakao's drained)."""
    handed = send_resends(providers, clock=clock, limit=limit)
    campaigns = sendable_campaigns(clock.now())
    if not campaigns:
        return 0
    channels = list(ELECTRONIC)
    while channels and handed < limit:
        for channel in list(channels):
            if handed >= limit:
                break
            attempts = claim(channel, min(CLAIM_BATCH, limit - handed), now=clock.now(), campaigns=campaigns)
            if not attempts:
                channels.remove(channel)
                continue
            _send_batch(channel, attempts, providers, clock)
            handed += len(attempts)
    return handed


def send_resends(providers: ProviderSet, *, clock: Clock, limit: int = 10_000,
                 attempt_ids: Sequence[int] | None = None) -> int:
    """Hand queued electronic resend attempts (delivery.resend; of campaigns not paused or cancelled) to their
    providers, in provider-sized batches; `attempt_ids` narrows to these. Returns how many were handed over."""
    where = Q(resend__isnull=False, notice__campaign__status__in=RESENDABLE)
    if attempt_ids is not None:
        where &= Q(pk__in=list(attempt_ids))
    handed = 0
    for channel in ELECTRONIC:
        while handed < limit:
            attempts = claim(channel, min(CLAIM_BATCH, limit - handed), now=clock.now(), where=where)
            if not attempts:
                break
            _send_batch(channel, attempts, providers, clock, fresh=True)
            handed += len(attempts)
    return handed


def _send_batch(channel: str, attempts: list[DeliveryAttempt], providers: ProviderSet, clock: Clock, *,
                fresh: bool = False) -> None:
    """Hand one claimed batch to its provider, SEND_BATCH documents per request, and record the answers (all of
    them at once). The read deadline runs from the notice's first send on any channel; `fresh` (a resend a person
    asked for) starts it again from now. A request the provider refuses outright (down, 5xx after the adapter's
    retries; or a 4xx for the whole request, such as an office's contract it does not know) leaves its attempts
    to be tried again; the batch's other requests stand.

    Kakao and KT: the batch is split by the campaign's office, and each office's documents go under its own
    contract with the intermediary, or the deployment's (jingsu.delivery.contracts: one query for the batch's
    offices); each attempt records the contract it went under."""
    notices = _batch_notices([a.notice_id for a in attempts])
    ci = _ci_of(list(notices.values()))
    now = clock.now()
    first_sent = {} if fresh else _first_sent([a.notice_id for a in attempts])
    alerts = _alerts(notices.values())
    by_office: dict[str, list[DeliveryAttempt]] = {}
    for a in attempts:
        by_office.setdefault(notices[a.notice_id].campaign.jurisdiction_id, []).append(a)
    senders = (contracts.sending_adapters(providers, channel, by_office) if channel in CI_CHANNELS else {})
    by_key: dict[str, SendResult] = {}
    for office, group in by_office.items():
        intermediary, contract_id = senders.get(office, (None, None))
        for start in range(0, len(group), SEND_BATCH):
            chunk = group[start:start + SEND_BATCH]
            try:
                if intermediary is not None:
                    docs = []
                    for a in chunk:
                        n = notices[a.notice_id]
                        a.contract_id = contract_id
                        docs.append(_document(a, n, ci.get(n.taxpayer_id, ""), first_sent.get(a.notice_id, now),
                                              alerts[_alert_key(n)]))
                    results = intermediary.send(docs)
                else:
                    results = providers.sms.send([_sms(a, notices[a.notice_id],
                                                       alerts[_alert_key(notices[a.notice_id])]) for a in chunk])
            except ProviderError as exc:
                log.warning("provider %s unavailable: %s", channel, exc)
                results = [SendResult(a.key, SendOutcome.RETRY, code="PROVIDER_DOWN") for a in chunk]
            except ProviderRequestError as exc:  # e.g. one office's contract refused: the other offices go on
                log.error("provider %s refused a request for office %s: %s", channel, office, exc)
                results = [SendResult(a.key, SendOutcome.RETRY, code="REQUEST_REFUSED") for a in chunk]
            by_key.update((r.key, r) for r in results)
    record_sends(attempts, notices, by_key, now, first_sent, ci=ci)


#: What sending reads of a notice and its taxpayer (documents, SMS, the channel plan of a successor); anything else
#: is loaded on first use, as Django loads a deferred field.
_SEND_FIELDS = ("campaign_id", "jurisdiction_id", "arm_id", "reference", "token", "doc_hash", "status", "taxpayer",
                "taxpayer__kind", "taxpayer__mobile", "taxpayer__e_service", "taxpayer__opt_out",
                "taxpayer__jurisdiction_id")


def _batch_notices(ids: Sequence[int]) -> dict[int, Notice]:
    """The notices of a claimed batch (by id) with their taxpayers, the fields sending reads; their campaigns (with
    office and template) and experiment arms (with template) read once per batch and shared, not joined to every
    notice."""
    notices = {n.pk: n for n in Notice.objects.filter(pk__in=ids).select_related("taxpayer").only(*_SEND_FIELDS)}
    campaigns = Campaign.objects.select_related("jurisdiction", "template").in_bulk(
        {n.campaign_id for n in notices.values()})
    arm_ids = {n.arm_id for n in notices.values() if n.arm_id is not None}
    arms = Arm.objects.select_related("template").in_bulk(arm_ids) if arm_ids else {}
    for n in notices.values():
        n.campaign = campaigns[n.campaign_id]
        if n.arm_id is not None:
            n.arm = arms[n.arm_id]
    return notices


def record_sends(attempts: list[DeliveryAttempt], notices: dict[int, Notice], results: dict[str, SendResult],
                 now: datetime, first_sent: dict[int, datetime], *, ci: dict[int, str] | None = None) -> None:
    """Record a provider's answers for a batch this worker claimed, in one transaction and a few statements.

    Every attempt of the batch is in `sending`, claimed by this worker; each is moved only where it is still in
    `sending` (a guarded UPDATE, its history rows in the same statement on PostgreSQL), so a row that was swept back
    and claimed by another worker meanwhile is left alone. `ci`: the notices' CIs, when the caller has them. Accepted attempts get the
    provider's id, the read deadline (from the notice's first send on any channel) and the fallback time; refused
    ones make way for the notice's next channel; transient failures go back to `queued` with the same key, until an
    attempt has had MAX_TRIES, when the notice moves on to its next channel.
    """
    moves: list[tuple[DeliveryAttempt, str]] = []
    for a in attempts:
        r = results.get(a.key) or SendResult(a.key, SendOutcome.RETRY, code="NO_ANSWER")
        campaign = notices[a.notice_id].campaign
        a.tries += 1
        if r.outcome == SendOutcome.ACCEPTED:
            to, a.result_code, a.external_id, a.sent_at = S.ACCEPTED, r.code or "", r.external_id or "", now
            a.read_deadline = first_sent.get(a.notice_id, now) + timedelta(days=campaign.read_deadline_days)
            a.fallback_at = now + timedelta(hours=campaign.fallback_hours)
        elif r.outcome == SendOutcome.REJECTED:
            to, a.result_code = S.REJECTED, r.code or "REJECTED"
        elif a.tries >= MAX_TRIES:  # the provider stays down: give up this channel, nothing is lost
            to, a.result_code = S.REJECTED, r.code or "RETRY"
        else:
            to, a.result_code = S.QUEUED, r.code or "RETRY"
        moves.append((a, to))
    with transaction.atomic():
        # the history's code is the result code each attempt gets; every instance holds `sending` (as claimed)
        still_ours = DeliveryAttempt.move_returning(
            [(a, to, {"code": a.result_code}) for a, to in moves], at=now,
            fields=["result_code", "tries", "external_id", "sent_at", "read_deadline", "fallback_at", "contract_id"])
        if len(still_ours) != len(attempts):
            log.warning("%d attempts were moved by another process meanwhile", len(attempts) - len(still_ours))
        queue_next_many([(a, notices[a.notice_id]) for a, to in moves if to == S.REJECTED and a.pk in still_ours],
                        now, ci=ci)


def _first_sent(notice_ids: Sequence[int]) -> dict[int, datetime]:
    """When each notice was first sent on any channel (notices never sent are absent)."""
    return dict(
        DeliveryAttempt.objects.filter(notice_id__in=notice_ids, sent_at__isnull=False)
        .values("notice_id").annotate(first=Min("sent_at")).values_list("notice_id", "first")
    )


def portal_link(n: Notice) -> str:
    """The portal address of a notice: an opaque token, nothing personal (the portal asks who the reader is). The
    same address goes into every alert and SMS and is what the console's 포털 주소 shows."""
    return f"{settings.JINGSU_PORTAL_URL.rstrip('/')}/n/{n.token}"


_link = portal_link


def _alerts(notices: Iterable[Notice]) -> dict[tuple[int, int | None], Alert]:
    """The alert of each campaign (and experiment arm) in the batch, rendered once per campaign and arm from its
    template (no personal data; `{link}` is filled per notice). Keyed by `_alert_key`."""
    alerts: dict[tuple[int, int | None], Alert] = {}
    for n in notices:
        if _alert_key(n) not in alerts:
            alerts[_alert_key(n)] = render_alert(n.campaign, template=n.template)
    return alerts


def _alert_key(n: Notice) -> tuple[int, int | None]:
    return n.campaign_id, n.arm_id


def _document(a: DeliveryAttempt, n: Notice, ci: str, first_sent: datetime, alert: Alert) -> OutgoingDocument:
    deadline = first_sent + timedelta(days=n.campaign.read_deadline_days)
    return OutgoingDocument(
        key=a.key, ci=ci, title=alert.title, message=alert.text, link=_link(n), doc_hash=n.doc_hash,
        read_deadline=deadline, payload=n.reference,
    )


def _sms(a: DeliveryAttempt, n: Notice, alert: Alert) -> SmsMessage:
    return SmsMessage(key=a.key, phone=n.taxpayer.mobile, text=alert.sms_text.replace("{link}", _link(n)),
                      payload=n.reference)


def _resend_attempts(ids: Iterable[int]) -> set[int]:
    """Which of these attempts are resends a person asked for (delivery.models.Resend)."""
    from jingsu.delivery.models import Resend

    return set(Resend.objects.filter(attempt_id__in=list(ids)).values_list("attempt_id", flat=True))


def _successor(a: DeliveryAttempt, n: Notice, ci: str, now: datetime, paper_now: bool,
               resend: bool = False) -> DeliveryAttempt | None:
    """The (unsaved) attempt that follows `a` on the notice's plan; None after paper, for a cancelled campaign
    (delivery.control.cancel_campaign: nothing more is queued for it) and after a resend (one try by the channel a
    person chose: a fallback from it could cost money nobody approved)."""
    if a.channel == Channel.PAPER or n.campaign.status == Campaign.Status.CANCELLED or resend:
        return None
    plan = channel_plan(n.campaign, n.taxpayer, ci, n.channels)
    if paper_now:
        nxt = Channel.PAPER
    else:
        index = plan.index(a.channel) if a.channel in plan else len(plan) - 1
        nxt = plan[min(index + 1, len(plan) - 1)]
    return DeliveryAttempt(notice_id=n.pk, sequence=a.sequence + 1, channel=nxt, key=f"{n.reference}-{a.sequence + 1}",
                           status=S.QUEUED, cost=UNIT_COST[nxt], created_at=now, updated_at=now)


def queue_next(a: DeliveryAttempt, n: Notice, now: datetime, *, paper_now: bool = False) -> DeliveryAttempt | None:
    """Queue the next channel of the notice's plan after attempt `a` (idempotent: one successor per attempt)."""
    new = _successor(a, n, _ci_of([n]).get(n.taxpayer_id, ""), now, paper_now, bool(_resend_attempts([a.pk])))
    if new is None:
        return None
    attempt, _ = DeliveryAttempt.objects.get_or_create(
        notice=n, sequence=new.sequence,
        defaults={"channel": new.channel, "key": new.key, "status": new.status, "cost": new.cost,
                  "created_at": now, "updated_at": now},
    )
    return attempt


def queue_next_many(pairs: Sequence[tuple[DeliveryAttempt, Notice]], now: datetime, *,
                    ci: dict[int, str] | None = None) -> int:
    """`queue_next` for a batch of refused attempts: one query for the CIs (none when the caller gives them: `ci`,
    taxpayer id → CI) and one INSERT; a successor that already exists (unique notice + sequence) is left as it is.
    Returns how many successors were due."""
    if not pairs:
        return 0
    if ci is None:
        ci = _ci_of([n for _, n in pairs])
    resends = _resend_attempts(a.pk for a, _ in pairs)
    rows = [new for a, n in pairs
            if (new := _successor(a, n, ci.get(n.taxpayer_id, ""), now, False, a.pk in resends)) is not None]
    DeliveryAttempt.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


# --- statuses and fallback ------------------------------------------------------------------------------------------


STATE_TO_STATUS = {
    DeliveryState.DELIVERED: S.DELIVERED,
    DeliveryState.READ: S.READ,
    DeliveryState.EXPIRED: S.EXPIRED,
    DeliveryState.FAILED: S.FAILED,
}


def poll_statuses(providers: ProviderSet, *, clock: Clock, heartbeat: Callable[[], None] | None = None) -> int:
    """Ask the providers about the open attempts (accepted or delivered) of notices not yet read, and apply what
    they say. Once a notice is read, its other open attempts no longer decide anything.

    Kakao and KT are asked under the contract each document was sent under (DeliveryAttempt.contract: an office's
    own, or the deployment's), one group per contract; a request refused for one contract leaves the others' asked.

    Most reports repeat what is already recorded; those are recognised on plain tuples, and only an attempt whose
    state changes is loaded and moved. `heartbeat` is called before each request (the beat's task renews its lease,
    tasks.Lease)."""
    moved = 0
    open_attempts = DeliveryAttempt.objects.filter(
        status__in=(S.ACCEPTED, S.DELIVERED), notice__read_at__isnull=True
    ).exclude(external_id="")
    for channel in (*ELECTRONIC, Channel.PAPER):
        by_contract: dict[int | None, list[tuple[int, str, str, str]]] = {}
        for pk, ext, key, status, contract_id in open_attempts.filter(channel=channel).values_list(
                "id", "external_id", "key", "status", "contract_id"):
            by_contract.setdefault(contract_id, []).append((pk, ext, key, status))
        askers = contracts.asking_adapters(providers, channel, by_contract) if channel in CI_CHANNELS else {}
        for contract_id, pending in by_contract.items():
            moved += _poll_chunks(channel, pending, askers.get(contract_id), providers, clock, heartbeat)
    return moved


def _poll_chunks(channel: str, pending: list[tuple[int, str, str, str]], intermediary: Any,
                 providers: ProviderSet, clock: Clock, heartbeat: Callable[[], None] | None) -> int:
    """Ask about `pending` (id, external id, key, status) in chunks of 500 and apply the reports: Kakao and KT
    through `intermediary` (under the documents' contract), SMS and paper through the deployment's adapters."""
    moved = 0
    for start in range(0, len(pending), 500):
        chunk = pending[start:start + 500]
        if heartbeat is not None:
            heartbeat()
        try:
            if intermediary is not None:
                reports = intermediary.statuses([ext for _, ext, _, _ in chunk])
            elif channel == Channel.SMS:
                reports = providers.sms.statuses([ext for _, ext, _, _ in chunk])
            else:
                reports = providers.post.statuses([key for _, _, key, _ in chunk])
        except ProviderRequestError as exc:  # one contract refused: the others are still asked
            log.error("provider %s refused a status request: %s", channel, exc)
            continue
        by_id = {ext: (pk, status) for pk, ext, _, status in chunk}
        by_key = {key: (pk, status) for pk, _, key, status in chunk}
        changes = []
        for rep in reports:
            found = by_id.get(rep.external_id) or by_key.get(rep.key)
            target = STATE_TO_STATUS.get(rep.state)
            if found is None or target is None or target not in REACHABLE[found[1]]:
                continue  # nothing new
            changes.append((found[0], rep))
        moved += len(apply_reports(changes, now=clock.now()))
    return moved


def apply_report(a: DeliveryAttempt, state: DeliveryState, *, code: str, delivered_at: datetime | None,
                 read_at: datetime | None, now: datetime) -> bool:
    """Apply one provider report (see `apply_reports`). Returns whether it moved the attempt."""
    report = StatusReport(key=a.key, external_id=a.external_id, state=state, code=code, delivered_at=delivered_at,
                          read_at=read_at)
    return bool(apply_reports([(a.pk, report)], now=now))


def implausible_report_times(pairs: Sequence[tuple[DeliveryAttempt, StatusReport]], *, now: datetime) -> list[str]:
    """For each (attempt, report): "" when the times it reports can be true, else why not — "<which>_before_send"
    or "<which>_future" for the reported sent, delivered or read time (beyond settings.JINGSU_CALLBACK_CLOCK_SKEW).

    "Before the send" means before the provider can have had the document: the attempt's first move to `sending`
    (its history), not its `sent_at`. They differ after a crash: a worker that died after the provider accepted a
    document, but before it recorded the send, leaves the attempt `sending`; it is swept and sent again with the same
    key, the provider answers with what it accepted the first time, and `sent_at` records the second try — later than
    the delivery the provider then reports. The history is read only for reports that fail against `sent_at`."""
    from jingsu.providers.signing import implausible_time

    skew = settings.JINGSU_CALLBACK_CLOCK_SKEW

    def why(a: DeliveryAttempt, r: StatusReport, not_before: datetime) -> str:
        for name, t in (("sent", r.sent_at), ("delivered", r.delivered_at), ("read", r.read_at)):
            reason = implausible_time(t, not_before=not_before, now=now, skew=skew)
            if reason:
                return f"{name}_{reason}"
        return ""

    reasons = [why(a, r, a.sent_at or a.created_at) for a, r in pairs]
    early = {a.pk for (a, _), reason in zip(pairs, reasons, strict=True) if reason.endswith("_before_send")}
    if early:
        first = dict(DeliveryEvent.objects.filter(attempt_id__in=early, to_status=S.SENDING)
                     .values("attempt_id").annotate(first=Min("at")).values_list("attempt_id", "first"))
        reasons = [why(a, r, first.get(a.pk) or a.created_at) if a.pk in early else reason
                   for (a, r), reason in zip(pairs, reasons, strict=True)]
    return reasons


def apply_reports(reports: Sequence[tuple[int, StatusReport]], *, now: datetime,
                  locked: Mapping[int, DeliveryAttempt] | None = None) -> set[int]:
    """Apply provider reports to attempts (by primary key), in one transaction and a handful of statements.

    Out-of-order or repeated reports are harmless: the attempts are locked and re-read, and a report that would not
    move an attempt forward (read stays read; received after read is nothing) is skipped. Several reports for one
    attempt apply in the order given. Each move writes a history row. The notice keeps its first delivery and first
    read; a failed or expired electronic attempt of an unread notice queues the next channel (paper once the read
    deadline has passed); a failed paper attempt makes the notice undeliverable. Returns the positions (in
    `reports`) of the reports that moved their attempt. `locked`: the attempts (by id), when the caller has already
    locked and read them in this transaction (receipts: once per callback); they are not read again.
    """
    if not reports:
        return set()
    with transaction.atomic():
        if locked is not None:
            attempts = dict(locked)
        else:
            attempts = {a.pk: a for a in DeliveryAttempt.objects.select_for_update()
                        .filter(pk__in={pk for pk, _ in reports}).order_by("pk")}
        moves: list[tuple[DeliveryAttempt, str, dict[str, str]]] = []
        status: dict[int, str] = {}  # where each attempt stands after the reports applied so far
        moved: dict[int, DeliveryAttempt] = {}
        ended: list[tuple[DeliveryAttempt, str]] = []
        applied: set[int] = set()
        known = [(index, attempts[pk], report) for index, (pk, report) in enumerate(reports) if pk in attempts]
        bad_times = dict(zip((index for index, _, _ in known),
                             implausible_report_times([(a, r) for _, a, r in known], now=now), strict=True))
        for index, (pk, report) in enumerate(reports):
            a = attempts.get(pk)
            target = STATE_TO_STATUS.get(report.state)
            if a is None or target is None or target not in REACHABLE[status.get(pk, a.status)]:
                continue
            bad_time = bad_times[index]
            if bad_time:  # a read before the send, a receipt in the future: refused, never applied (Kakao, KT)
                log.warning("provider report refused: %s for attempt %s (%s)", bad_time, pk, a.channel)
                continue
            note = {"code": report.code or ""}
            if target in (S.DELIVERED, S.READ):
                a.delivered_at = a.delivered_at or report.delivered_at or now
            if target == S.READ:
                a.read_at = report.read_at or now
                if status.get(pk, a.status) == S.ACCEPTED:  # delivered and read at once: both moves in the history
                    moves.append((a, S.DELIVERED, note))
            moves.append((a, target, note))
            status[pk] = target
            moved[pk] = a
            applied.add(index)
            if target in (S.FAILED, S.EXPIRED):
                ended.append((a, target))
        if not moved:
            return set()
        DeliveryAttempt.move_many(moves, at=now, fields=["result_code", "delivered_at", "read_at"])
        _update_notices(list(moved.values()), now)
        resends = _resend_attempts(a.pk for a, _ in ended) if ended else set()
        for a, target in ended:
            if a.pk in resends:  # one try by one channel: no next channel, and the notice keeps what it reached
                continue
            notice = Notice.objects.select_related("campaign", "taxpayer").get(pk=a.notice_id)
            if a.channel == Channel.PAPER:
                if Notice.MACHINE.allows(notice.status, Notice.Status.UNDELIVERABLE):  # a read notice stays read
                    notice.move(Notice.Status.UNDELIVERABLE, at=now, actor=SYSTEM, reason=a.result_code)
            elif notice.read_at is None and not _has_successor(a):
                queue_next(a, notice, now, paper_now=target == S.EXPIRED)
    return applied


def _update_notices(attempts: list[DeliveryAttempt], now: datetime) -> None:
    """Carry deliveries and reads over to the notices: the first delivery and the first read count, and a notice
    never goes back from read."""
    touched = [a for a in attempts if a.status in (S.DELIVERED, S.READ)]
    if not touched:
        return
    notices = {n.pk: n for n in Notice.objects.select_for_update().filter(pk__in={a.notice_id for a in touched})
               .order_by("pk").only("id", "status", "delivered_at", "read_at")}
    status = {pk: n.status for pk, n in notices.items()}  # where each notice goes
    changed = {}
    for a in touched:
        n = notices[a.notice_id]
        before = (status[n.pk], n.delivered_at, n.read_at)
        if n.delivered_at is None or (a.delivered_at and a.delivered_at < n.delivered_at):
            n.delivered_at = a.delivered_at
        if a.status == S.READ:
            if n.read_at is None or (a.read_at and a.read_at < n.read_at):
                n.read_at = a.read_at
            if Notice.MACHINE.allows(status[n.pk], Notice.Status.READ):
                status[n.pk] = Notice.Status.READ
        elif status[n.pk] == Notice.Status.IN_DELIVERY:
            status[n.pk] = Notice.Status.DELIVERED
        if (status[n.pk], n.delivered_at, n.read_at) != before:
            changed[n.pk] = n
    staying = [(n.delivered_at, n.read_at, pk) for pk, n in changed.items() if status[pk] == n.status]
    Notice.move_many([(n, status[pk]) for pk, n in changed.items() if status[pk] != n.status], at=now, actor=SYSTEM,
                     fields=["delivered_at", "read_at"])
    update_rows(Notice._meta.db_table, ["delivered_at", "read_at"], staying)  # a notice's first dates, no move


#: Every status an attempt in a status can still reach; a report never moves an attempt backwards.
REACHABLE: dict[str, frozenset[str]] = {status: ATTEMPT_MACHINE.reachable(status) for status in ATTEMPT_MACHINE.table}


def _has_successor(a: DeliveryAttempt) -> bool:
    return DeliveryAttempt.objects.filter(notice_id=a.notice_id, sequence__gt=a.sequence).exists()


def fallback_due(*, clock: Clock) -> int:
    """Queue the next channel for notices still unread after `fallback_hours` on their latest channel, and paper for
    those past the read deadline. Returns how many attempts were queued."""
    now = clock.now()
    queued = 0
    later = DeliveryAttempt.objects.filter(notice_id=OuterRef("notice_id"), sequence__gt=OuterRef("sequence"))
    candidates = (
        DeliveryAttempt.objects.filter(status__in=(S.ACCEPTED, S.DELIVERED), channel__in=ELECTRONIC)
        .filter(Q(fallback_at__lte=now) | Q(read_deadline__lte=now))
        .filter(notice__read_at__isnull=True)
        .filter(~Exists(later))
        .filter(resend__isnull=True)  # a resend is one try by one channel (delivery.resend)
        .select_related("notice", "notice__campaign", "notice__taxpayer")
    )
    for a in candidates.iterator(chunk_size=1000):
        with transaction.atomic():
            past_deadline = a.read_deadline is not None and a.read_deadline <= now
            if queue_next(a, a.notice, now, paper_now=past_deadline):
                queued += 1
    return queued


def sweep_stuck(*, clock: Clock, older_than: timedelta = timedelta(minutes=10)) -> int:
    """Attempts left in `sending` by a worker that died go back to `queued`; they are sent again with the same key,
    and the provider answers with what it already accepted (nothing is sent twice)."""
    now = clock.now()
    stuck = DeliveryAttempt.objects.filter(status=S.SENDING, updated_at__lte=now - older_than)
    count = 0
    for a in stuck:
        if a.move(S.QUEUED, at=now, code="SWEPT"):
            count += 1
    return count


def campaign_status(campaign: Campaign) -> dict[str, Any]:
    """Counts of notices by status and of delivery attempts by channel and status."""
    notices = dict(
        Notice.objects.filter(campaign=campaign).values_list("status").annotate(n=Count("id")).order_by()
    )
    attempts: dict[str, dict[str, int]] = {}
    for channel, status, n in (
        DeliveryAttempt.objects.filter(notice__campaign=campaign)
        .values_list("channel", "status").annotate(n=Count("id")).order_by("channel", "status")
    ):
        attempts.setdefault(channel, {})[status] = n
    return {"campaign": campaign.pk, "status": campaign.status, "notices": notices, "attempts": attempts}
