"""간편결제 through the payment gateway (PG): start a payment for a levy, and take the gateway's signed notice.

    redirect_url = start_payment(notice_line, providers, return_url=...)      # the citizen's browser goes there
    ... the citizen approves at the gateway; the gateway POSTs a signed notice to /callbacks/pg (views.py) ...
    result = handle_notice(request.body, request.headers, now=runtime().clock.now())

The amount asked is what the levy owes on the day, `Levy.owed(today)` (체납처분비 + tax + the penalty as of today
from jingsu.law): the same figure the notice, the portal and the console show, and what `services._allocate` clears
when the money arrives — so a payment made the same day clears the levy.

A notice is checked before anything is read from it (docs/formats/gateway-notice.md): HMAC-SHA256 signature over
``X-Timestamp + "." + raw body`` with JINGSU_PG_SECRET and a timestamp within 300 s of our clock (401 otherwise);
then it must name one of our orders, with the order's tid (when we know it), 전자납부번호 and amount (400 otherwise).
A refused notice changes no money: one ``GatewayRejection`` row, one audit row, a warning on the
``jingsu.payments.gateway`` logger.

Counted once. The gateway's tid is also the transaction id under which the bank feed later reports the same money
(channel easy-pay). An accepted notice records the payment as ``(source="bank-feed", external_id=tid)`` through
``services.record_payment`` — the very key the bank-feed reader uses — so whichever of the two arrives first creates
the payment and the other finds it (the unique constraint on (source, external_id) holds even when they race). The
notice is the *fast* path (the paid state shows at once), the bank feed the *sure* one (a lost notice still books the
money). ``Payment.source`` thus names the namespace of the transaction id, not how jingsu heard of it; that is in
``Payment.channel`` (easy-pay), the order (``GatewayOrder.payment``) and the audit actor (system:gateway).

A duplicate notice (same order already paid) is acknowledged with 200 and changes nothing.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q

from jingsu.clock import SEOUL, Clock
from jingsu.core import audit
from jingsu.core.runtime import runtime
from jingsu.law.tax_items import TAX_ITEMS
from jingsu.levies import numbers
from jingsu.levies.models import Levy
from jingsu.notices.models import NoticeLine
from jingsu.payments.models import GatewayOrder, GatewayRejection, Payment
from jingsu.payments.services import BANK_FEED, record_payment
from jingsu.providers.base import GatewayNotice, GatewayNoticeRejected, PaymentGateway, ProviderSet
from jingsu.providers.registry import pg_notice_verifier
from jingsu.providers.signing import TIMESTAMP_HEADER, implausible_time

log = logging.getLogger("jingsu.payments.gateway")

ACTOR = "system:gateway"
CHANNEL = "easy-pay"


class GatewayError(Exception):
    """A payment cannot be started (nothing owed, no gateway configured). The message is for the citizen."""


class _FixedClock:
    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now


# --- starting a payment ----------------------------------------------------------------------------------------------


def item_name(levy: Levy) -> str:
    """What the gateway shows the citizen: 세목 and 과세연도, no personal data."""
    item = TAX_ITEMS.get(levy.tax_item)
    return f"{item.name if item else '지방세'} {levy.tax_year}년 과세분 납부"[:100]


def default_notify_url() -> str:
    explicit = getattr(settings, "JINGSU_PG_NOTIFY_URL", "")
    return explicit or f"{settings.JINGSU_PORTAL_URL.rstrip('/')}/callbacks/pg"


def start_payment(
    target: NoticeLine | Levy,
    providers: ProviderSet,
    *,
    return_url: str,
    notify_url: str | None = None,
    clock: Clock,
    actor: str = "citizen",
) -> str:
    """Create (or reuse) a gateway order for what the levy owes today; returns the URL to send the browser to.

    An open order of the same levy, amount and 전자납부번호 that has not expired is reused (a reload of the pay page
    does not open a second payment); a fresh order is created otherwise. The gateway is idempotent on order_id, so
    retrying after a ProviderError creates nothing twice."""
    gateway: PaymentGateway | None = providers.gateway
    if gateway is None:
        raise GatewayError("간편결제를 사용할 수 없습니다. 다른 납부 방법을 이용해 주십시오.")
    line = target if isinstance(target, NoticeLine) else None
    levy = line.levy if line is not None else target
    assert isinstance(levy, Levy)
    now = clock.now()
    amount = levy.owed(now.astimezone(SEOUL).date()).total
    if amount <= 0:
        raise GatewayError("납부할 금액이 없습니다.")
    number = line.payment_number if line is not None else numbers.payment_number(
        levy.jurisdiction_id, levy.tax_item, levy.tax_year, levy.pk)
    with transaction.atomic():
        order = (GatewayOrder.objects.select_for_update()
                 .filter(levy=levy, status=GatewayOrder.Status.CREATED, amount=amount, payment_number=number)
                 .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
                 .order_by("-created_at", "-pk").first())
        if order is not None and order.redirect_url:
            return order.redirect_url
        if order is None:
            order = GatewayOrder.objects.create(
                jurisdiction_id=levy.jurisdiction_id, levy=levy, notice_line=line, payment_number=number,
                amount=amount, item_name=item_name(levy), created_at=now,
                order_id=f"JS{levy.jurisdiction_id}{secrets.token_hex(8).upper()}",
            )
            audit.record("gateway.order.create", actor=actor, jurisdiction=levy.jurisdiction_id, target=order,
                         clock=clock, detail={"levy": levy.pk, "amount": amount, "order_id": order.order_id})
    # the side effect, after the commit: the gateway de-duplicates on order_id
    checkout = gateway.create_payment(
        order_id=order.order_id, amount=order.amount, item_name=order.item_name, payment_number=number,
        return_url=return_url, notify_url=notify_url or default_notify_url(),
    )
    with transaction.atomic():
        GatewayOrder.objects.filter(pk=order.pk).update(
            tid=checkout.tid, redirect_url=checkout.redirect_url, expires_at=checkout.expires_at)
        audit.record("gateway.order.redirect", actor=actor, jurisdiction=levy.jurisdiction_id, target=order,
                     clock=clock, detail={"tid": checkout.tid, "order_id": order.order_id})
    return checkout.redirect_url


# --- the notice --------------------------------------------------------------------------------------------------------

MESSAGES = {
    "ok": "결제 통지를 반영했습니다.",
    "duplicate": "이미 반영된 결제 통지입니다.",
    "cancelled": "결제 취소를 반영했습니다.",
    GatewayRejection.Reason.BAD_SIGNATURE: "서명이 올바르지 않은 결제 통지입니다. 반영하지 않았습니다.",
    GatewayRejection.Reason.STALE_TIMESTAMP: "결제 통지의 시각이 허용 범위를 벗어났습니다. 반영하지 않았습니다.",
    GatewayRejection.Reason.MALFORMED: "결제 통지의 형식이 올바르지 않습니다. 반영하지 않았습니다.",
    GatewayRejection.Reason.UNKNOWN_ORDER: "알 수 없는 주문 번호입니다. 반영하지 않았습니다.",
    GatewayRejection.Reason.AMOUNT_MISMATCH: "결제 금액이 주문 금액과 다릅니다. 반영하지 않았습니다.",
    GatewayRejection.Reason.NUMBER_MISMATCH: "전자납부번호가 주문과 다릅니다. 반영하지 않았습니다.",
    GatewayRejection.Reason.TID_MISMATCH: "거래 번호가 주문과 다릅니다. 반영하지 않았습니다.",
    GatewayRejection.Reason.BAD_TIME: "결제 승인 시각이 주문 전이거나 미래입니다. 반영하지 않았습니다.",
}
_UNAUTHORIZED = {GatewayRejection.Reason.BAD_SIGNATURE, GatewayRejection.Reason.STALE_TIMESTAMP}


@dataclass
class NoticeResult:
    status: int  # HTTP status to answer: 200, 400 or 401
    result: str  # ok | duplicate | cancelled | rejected
    code: str  # ok | duplicate | cancelled | a GatewayRejection.Reason
    order: GatewayOrder | None = None
    payment: Payment | None = None

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"result": self.result, "code": self.code, "message": MESSAGES[self.code]}
        if self.order is not None and self.result != "rejected":
            out["order_id"] = self.order.order_id
        return out


def notice_adapter() -> PaymentGateway:
    """The verifier of the gateway's notices, from the registry, with the runtime's secret."""
    return pg_notice_verifier(runtime().secrets.pg)  # type: ignore[no-any-return]


def _reject(reason: str, *, body: bytes, headers: Mapping[str, str], remote: str, now: datetime,
            notice: GatewayNotice | None = None, order: GatewayOrder | None = None) -> NoticeResult:
    lower = {k.lower(): v for k, v in headers.items()}
    rejection = GatewayRejection.objects.create(
        at=now, reason=reason, order=order, remote_addr=remote[:45],
        claimed_order_id=(notice.order_id if notice else "")[:64], claimed_tid=(notice.tid if notice else "")[:64],
        claimed_amount=notice.amount if notice else None,
        header_timestamp=str(lower.get(TIMESTAMP_HEADER.lower(), ""))[:20],
        body_sha256=hashlib.sha256(body).hexdigest(), body_length=len(body),
    )
    detail: dict[str, Any] = {"reason": reason, "remote": remote[:45]}
    if notice is not None:
        detail.update(order_id=notice.order_id, tid=notice.tid, amount=notice.amount)
    if order is not None:
        detail["expected_amount"] = order.amount
    audit.record("gateway.notice.reject", actor=ACTOR, jurisdiction=order.jurisdiction_id if order else None,
                 target=rejection, reason=str(MESSAGES[reason]), detail=detail, clock=_FixedClock(now))
    log.warning("gateway notice rejected: %s (from %s, %d bytes, %s)", reason, remote or "?", len(body), detail)
    status = 401 if reason in _UNAUTHORIZED else 400
    return NoticeResult(status=status, result="rejected", code=reason, order=order)


def handle_notice(body: bytes, headers: Mapping[str, str], *, now: datetime, remote: str = "",
                  gateway: PaymentGateway | None = None) -> NoticeResult:
    """Verify one gateway notice and apply it: book the payment once, or mark the order cancelled. Never raises for
    bad input; see NoticeResult and the module docstring."""
    try:
        notice = (gateway or notice_adapter()).parse_notice(body, headers, now)
    except GatewayNoticeRejected as e:
        reason = e.reason if e.reason in GatewayRejection.Reason.values else GatewayRejection.Reason.MALFORMED
        with transaction.atomic():
            return _reject(reason, body=body, headers=headers, remote=remote, now=now)
    clock = _FixedClock(now)
    with transaction.atomic():
        order = GatewayOrder.objects.select_for_update().filter(order_id=notice.order_id).first()
        reason = None
        if order is None:
            reason = GatewayRejection.Reason.UNKNOWN_ORDER
        elif order.tid and order.tid != notice.tid:
            reason = GatewayRejection.Reason.TID_MISMATCH
        elif notice.payment_number != order.payment_number:
            reason = GatewayRejection.Reason.NUMBER_MISMATCH
        elif notice.status == "approved" and notice.amount != order.amount:
            reason = GatewayRejection.Reason.AMOUNT_MISMATCH
        elif notice.status == "approved" and implausible_time(
                notice.approved_at, not_before=order.created_at, now=now, skew=settings.JINGSU_CALLBACK_CLOCK_SKEW):
            reason = GatewayRejection.Reason.BAD_TIME  # approved before the order existed, or in the future
        if reason is not None:
            return _reject(reason, body=body, headers=headers, remote=remote, now=now, notice=notice, order=order)
        assert order is not None
        if notice.status == "cancelled":
            return _cancel(order, notice, clock)
        if order.status == GatewayOrder.Status.PAID:
            audit.record("gateway.notice.duplicate", actor=ACTOR, jurisdiction=order.jurisdiction_id, target=order,
                         clock=clock, detail={"tid": notice.tid})
            return NoticeResult(status=200, result="duplicate", code="duplicate", order=order, payment=order.payment)
        payment, created = _book(order, notice, clock)
        order.tid = notice.tid
        order.status = GatewayOrder.Status.PAID
        order.paid_at = notice.approved_at
        order.payment = payment
        order.save(update_fields=["tid", "status", "paid_at", "payment"])
        audit.record("gateway.order.paid", actor=ACTOR, jurisdiction=order.jurisdiction_id, target=order, clock=clock,
                     detail={"tid": notice.tid, "amount": notice.amount, "payment": payment.pk,
                             "already_from_bank_feed": not created})
    log.info("gateway notice applied: order %s tid %s %d won", order.order_id, notice.tid, notice.amount)
    return NoticeResult(status=200, result="ok", code="ok", order=order, payment=payment)


def _book(order: GatewayOrder, notice: GatewayNotice, clock: Clock) -> tuple[Payment, bool]:
    """Record the money under the bank's transaction id (= tid), once: the bank feed may have recorded it already,
    or be recording it right now (then the unique constraint decides and we take its row)."""
    assert notice.approved_at is not None
    try:
        with transaction.atomic():
            return record_payment(
                source=BANK_FEED, external_id=notice.tid, received_at=notice.approved_at, amount=notice.amount,
                channel=CHANNEL, payment_number=order.payment_number, virtual_account="", tax_number="",
                jurisdiction=order.jurisdiction_id, clock=clock, actor=ACTOR,
            )
    except IntegrityError:
        return Payment.objects.get(source=BANK_FEED, external_id=notice.tid), False


def _cancel(order: GatewayOrder, notice: GatewayNotice, clock: Clock) -> NoticeResult:
    if order.status == GatewayOrder.Status.CREATED:
        order.status = GatewayOrder.Status.CANCELLED
        order.tid = notice.tid
        order.cancelled_at = clock.now()
        order.save(update_fields=["status", "tid", "cancelled_at"])
        audit.record("gateway.order.cancel", actor=ACTOR, jurisdiction=order.jurisdiction_id, target=order,
                     clock=clock, detail={"tid": notice.tid})
        return NoticeResult(status=200, result="cancelled", code="cancelled", order=order)
    audit.record("gateway.notice.duplicate", actor=ACTOR, jurisdiction=order.jurisdiction_id, target=order,
                 clock=clock, detail={"tid": notice.tid, "status": notice.status})
    return NoticeResult(status=200, result="duplicate", code="duplicate", order=order)


def settle_from_bank_feed(*, clock: Clock) -> int:
    """Mark open orders paid whose money the bank feed has already booked (their notice was lost or refused).
    Returns how many; safe to run at any time."""
    done = 0
    open_orders = GatewayOrder.objects.filter(status=GatewayOrder.Status.CREATED).exclude(tid="")
    by_tid = {o.tid: o for o in open_orders}
    if not by_tid:
        return 0
    for payment in Payment.objects.filter(source=BANK_FEED, external_id__in=list(by_tid)):
        order = by_tid[payment.external_id]
        with transaction.atomic():
            moved = GatewayOrder.objects.filter(pk=order.pk, status=GatewayOrder.Status.CREATED).update(
                status=GatewayOrder.Status.PAID, paid_at=payment.received_at, payment=payment)
            if moved:
                done += 1
                audit.record("gateway.order.paid", actor="system:bank-feed", jurisdiction=order.jurisdiction_id,
                             target=order, clock=clock, detail={"tid": order.tid, "payment": payment.pk,
                                                                "via": "bank-feed"})
    return done
