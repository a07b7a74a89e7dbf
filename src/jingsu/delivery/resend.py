"""Sending one notice again, by a channel a person chose (a citizen on the phone: "I never got it").

    options(notice)                          → the channels this notice can go by now, each with its cost, whether it
                                               needs a second person, and why not when it cannot
    request_resend(notice, option, …)        → Kakao or SMS: queued at once (audit `delivery.resend`); KT or paper
                                               (일반·등기): a request waiting for approval (`delivery.resend_request`)
    approve_resend(resend, actor=…)          → a second person (not the requester) lets it go
                                               (`delivery.resend_approve`); reject_resend refuses it
                                               (`delivery.resend_reject`)
    services.send_resends(providers, clock=…) → hands queued electronic resend attempts to their provider; called by
                                               `services.send_queued` (the dispatch cycle, the Celery task) and by
                                               the console right after a resend is queued. Paper resends go with the
                                               next print batch (`paper.print_batches`).

A resend is a `DeliveryAttempt` like any other — the next sequence of the notice, an idempotency key fixed before
anything is sent, the guarded status machine, the providers' de-duplication — with three differences: it is not
held to the campaign's send window (a person asked for it now), its read deadline runs from its own send, and it
never queues a next channel of its own (a fallback could cost money nobody approved; `services._successor`).
Which channels cost money is the issue's rule: KT and paper need approval (`approve_campaign`), Kakao and SMS do
not. The request form's one-time key (`Resend.key`) makes a double submission one request.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Max

from jingsu.clock import Clock
from jingsu.core import audit
from jingsu.delivery.costs import UNIT_COST, paper_cost
from jingsu.delivery.models import AttemptStatus, Channel, DeliveryAttempt, Resend
from jingsu.korean import josa
from jingsu.notices.models import Campaign, Notice
from jingsu.providers.base import MailClass
from jingsu.taxpayers.models import TaxpayerCI

log = logging.getLogger(__name__)

#: Campaign states whose notices may be sent again (an attempt must exist too: the notice went out once).
RESENDABLE = (Campaign.Status.APPROVED, Campaign.Status.SENDING, Campaign.Status.COMPLETED)
REASON_MIN = 5


class ResendError(Exception):
    """A resend refused, with the reason in Korean."""


@dataclass(frozen=True)
class Option:
    code: str  # kakao | kt | sms | paper | registered
    channel: str
    mail_class: str  # "" or ordinary | registered (paper)
    label: str
    cost: int
    needs_approval: bool
    available: bool = True
    why_not: str = ""


#: code → (channel, mail class, label, cost, needs a second person's approval)
_OPTIONS: dict[str, tuple[str, str, str, int, bool]] = {
    "kakao": (Channel.KAKAO, "", str(Channel.KAKAO.label), UNIT_COST[Channel.KAKAO], False),
    "sms": (Channel.SMS, "", str(Channel.SMS.label), UNIT_COST[Channel.SMS], False),
    "kt": (Channel.KT, "", str(Channel.KT.label), UNIT_COST[Channel.KT], True),
    "paper": (Channel.PAPER, MailClass.ORDINARY, f"{Channel.PAPER.label}({MailClass.ORDINARY.short})",
              paper_cost(False), True),
    "registered": (Channel.PAPER, MailClass.REGISTERED, f"{Channel.PAPER.label}({MailClass.REGISTERED.short})",
                   paper_cost(True), True),
}
CODES = tuple(_OPTIONS)


def needs_approval(code: str) -> bool:
    return _OPTIONS[code][4]


def _has_ci(notice: Notice) -> bool:
    return TaxpayerCI.objects.filter(taxpayer_id=notice.taxpayer_id).exclude(ci_encrypted="").exists()


def options(notice: Notice) -> list[Option]:
    """Every channel, available or not (with the reason), in the order a clerk would try them."""
    t = notice.taxpayer
    campaign = notice.campaign
    electronic_block = ""
    if campaign.legal_nature == Campaign.LegalNature.FORMAL and not t.e_service:
        electronic_block = "전자송달을 신청하지 않은 납세자의 고지서·독촉장은 종이로만 보냅니다(지방세기본법 제30조)."
    elif not t.is_individual:
        electronic_block = "개인이 아닌 납세자에게는 종이로만 보냅니다."
    elif t.opt_out:
        electronic_block = "모바일 안내를 거부한 납세자입니다(수신거부)."
    has_ci = _has_ci(notice)
    out = []
    for code, (channel, mail, label, cost, approval) in _OPTIONS.items():
        why = ""
        if channel != Channel.PAPER:
            why = electronic_block
            if not why and channel in (Channel.KAKAO, Channel.KT) and not has_ci:
                why = "연계정보가 없어 보낼 수 없습니다(본인확인기관에서 받은 적이 없음)."
            if not why and channel == Channel.SMS and not t.mobile:
                why = "휴대전화 번호가 없습니다."
        elif not t.address.strip():
            why = "주소가 없습니다."
        out.append(Option(code, channel, mail, label, cost, approval, not why, why))
    return out


def problem(notice: Notice, *, pending_ok: Resend | None = None) -> str:
    """Why this notice cannot be sent again now ("" when it can). `pending_ok`: the request being approved."""
    if notice.control_group:
        return "대조군 안내문은 보내지 않습니다."
    if notice.status == Notice.Status.CANCELLED:
        return "취소된 안내문입니다."
    status = notice.campaign.status
    if status == Campaign.Status.PAUSED:
        return "일시 중지된 캠페인의 안내문입니다. 발송을 다시 시작한 뒤 보내세요."
    if status not in RESENDABLE:
        return f"캠페인이 {josa(notice.campaign.get_status_display(), '이')}라서 다시 보낼 수 없습니다."
    if not notice.attempts.exists():
        return "아직 한 번도 보내지 않은 안내문입니다. 캠페인 발송을 기다립니다."
    pending = notice.resends.filter(status=Resend.Status.PENDING)
    if pending_ok is not None:
        pending = pending.exclude(pk=pending_ok.pk)
    if pending.exists():
        return "승인을 기다리는 다시 보내기 요청이 있습니다. 승인되거나 반려된 뒤 다시 요청하세요."
    if notice.resends.filter(attempt__status__in=(AttemptStatus.QUEUED, AttemptStatus.SENDING)).exists():
        return "앞서 다시 보내기로 한 발송이 아직 나가지 않았습니다."
    return ""


def _option(notice: Notice, code: str) -> Option:
    found = next((o for o in options(notice) if o.code == code), None)
    if found is None:
        raise ResendError("보낼 채널을 고르세요.")
    if not found.available:
        raise ResendError(f"{josa(found.label, '으로')} 보낼 수 없습니다: {found.why_not}")
    return found


def _queue(resend: Resend, now: object) -> DeliveryAttempt:
    """The resend's attempt: the notice's next sequence, its key fixed now (the providers de-duplicate on it)."""
    notice = resend.notice
    for _ in range(3):  # a fallback queued meanwhile may take the sequence: take the next one
        top = DeliveryAttempt.objects.filter(notice=notice).aggregate(m=Max("sequence"))["m"] or 0
        try:
            with transaction.atomic():
                return DeliveryAttempt.objects.create(
                    notice=notice, channel=resend.channel, sequence=top + 1, key=f"{notice.reference}-{top + 1}",
                    status=AttemptStatus.QUEUED, cost=resend.cost, created_at=now, updated_at=now)
        except IntegrityError:
            continue
    raise ResendError("발송 순번을 정하지 못했습니다. 잠시 뒤 다시 하세요.")


def request_resend(notice: Notice, code: str, *, reason: str, actor: str, key: str,
                   clock: Clock) -> Resend:
    """Ask for the notice to go again by `code` (see `options`). Kakao and SMS are queued at once; KT and paper wait
    for `approve_resend` by someone else. The same `key` again returns the first request (nothing new)."""
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN:
        raise ResendError(f"다시 보내는 사유를 {REASON_MIN}자 이상 적어 주십시오.")
    if not key:
        raise ResendError("요청 양식이 올바르지 않습니다. 화면을 새로 고친 뒤 다시 하세요.")
    with transaction.atomic():
        notice = Notice.objects.select_for_update().select_related("campaign", "taxpayer").get(pk=notice.pk)
        earlier = Resend.objects.filter(key=key).first()
        if earlier is not None:
            if earlier.notice_id != notice.pk:
                raise ResendError("요청 양식이 올바르지 않습니다. 화면을 새로 고친 뒤 다시 하세요.")
            return earlier
        why = problem(notice)
        if why:
            raise ResendError(why)
        option = _option(notice, code)
        now = clock.now()
        resend = Resend.objects.create(
            jurisdiction_id=notice.jurisdiction_id, notice=notice, channel=option.channel,
            mail_class=option.mail_class, cost=option.cost, reason=reason, key=key, requested_by=actor,
            requested_at=now)
        detail = {"channel": option.channel, "mail_class": option.mail_class, "amount": option.cost,
                  "request_id": resend.pk}
        if option.needs_approval:
            audit.record("delivery.resend_request", actor=actor, jurisdiction=notice.jurisdiction_id, target=notice,
                         reason=reason, clock=clock, detail=detail)
            return resend
        attempt = _queue(resend, now)
        Resend.objects.filter(pk=resend.pk).update(status=Resend.Status.APPROVED, decided_by=actor, decided_at=now,
                                                   attempt=attempt)
        audit.record("delivery.resend", actor=actor, jurisdiction=notice.jurisdiction_id, target=notice,
                     reason=reason, clock=clock, detail={**detail, "sequence": attempt.sequence})
    resend.refresh_from_db()
    return resend


def approve_resend(resend: Resend, *, actor: str, clock: Clock) -> Resend:
    """A second person lets a pending request go: its attempt is queued. The requester cannot approve."""
    with transaction.atomic():
        locked = Resend.objects.select_for_update().select_related("notice", "notice__campaign",
                                                                    "notice__taxpayer").get(pk=resend.pk)
        if locked.status != Resend.Status.PENDING:
            raise ResendError(f"이미 처리된 요청입니다({locked.get_status_display()}).")
        if locked.requested_by == actor:
            raise ResendError("요청한 사람은 승인할 수 없습니다. 다른 사람이 승인해야 합니다.")
        why = problem(locked.notice, pending_ok=locked)
        if why:
            raise ResendError(why)
        code = "registered" if locked.mail_class == MailClass.REGISTERED else (
            "paper" if locked.channel == Channel.PAPER else locked.channel)
        _option(locked.notice, code)  # still reachable by that channel
        now = clock.now()
        attempt = _queue(locked, now)
        Resend.objects.filter(pk=locked.pk).update(status=Resend.Status.APPROVED, decided_by=actor, decided_at=now,
                                                   attempt=attempt)
        audit.record("delivery.resend_approve", actor=actor, jurisdiction=locked.jurisdiction_id,
                     target=locked.notice, clock=clock,
                     detail={"request_id": locked.pk, "channel": locked.channel, "mail_class": locked.mail_class,
                             "amount": locked.cost, "requested_by": locked.requested_by, "sequence": attempt.sequence})
    locked.refresh_from_db()
    return locked


def reject_resend(resend: Resend, *, actor: str, reason: str = "", clock: Clock) -> Resend:
    """Refuse a pending request (nothing is sent)."""
    with transaction.atomic():
        locked = Resend.objects.select_for_update().get(pk=resend.pk)
        if locked.status != Resend.Status.PENDING:
            raise ResendError(f"이미 처리된 요청입니다({locked.get_status_display()}).")
        now = clock.now()
        Resend.objects.filter(pk=locked.pk).update(status=Resend.Status.REJECTED, decided_by=actor, decided_at=now,
                                                   decision_reason=(reason or "").strip()[:200])
        audit.record("delivery.resend_reject", actor=actor, jurisdiction=locked.jurisdiction_id,
                     target_type="notices.notice", target_id=str(locked.notice_id), reason=(reason or "").strip(),
                     clock=clock, detail={"request_id": locked.pk, "channel": locked.channel,
                                          "requested_by": locked.requested_by})
    locked.refresh_from_db()
    return locked


def resend_mail_classes(attempt_ids: Sequence[int]) -> dict[int, str]:
    """attempt id → the resend's mail class (ordinary | registered), for the paper attempts that are resends."""
    return dict(Resend.objects.filter(attempt_id__in=list(attempt_ids), channel=Channel.PAPER)
                .values_list("attempt_id", "mail_class"))
