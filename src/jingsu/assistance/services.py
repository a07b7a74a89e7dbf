"""The operations of 분할 납부 and 상담 요청 (docs/portal.md "한 번에 내기 어려울 때", docs/staff-console.md).

Citizen side (from the portal, after identity verification): `request_installments`, `request_callback`.
Staff side (permission manage_payments): `approve_plan`, `reject_plan`, `cancel_plan`, `close_callback`.
Money: `levies_for_number` and `after_allocation` are called by jingsu.payments.services (through payments.hooks,
where AssistanceConfig.ready plugs them in: payments is a floor below) when a payment carries an
installment's 전자납부번호 (it is allocated to the plan's levies by the usual 지방세징수법 제4조 order, then credited
to the installments in order) and after every allocation (a plan whose levies are all paid is 완납).
The dispatch cycle: `run_cycle` — hand the bills of newly approved installments to the bank, tell the citizen by SMS
that the request was decided, and send the reminder SMS before each installment's due date.

Each operation is one transaction with its audit row; provider calls (bank, SMS) happen outside it with fixed keys, so
a cycle that runs twice or dies halfway sends nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from jingsu.assistance.models import (
    CallbackRequest,
    Installment,
    InstallmentPlan,
    Rule,
    rule_for,
)
from jingsu.clock import SEOUL, Clock, today
from jingsu.core import audit
from jingsu.core.models import Holiday, Jurisdiction
from jingsu.law.dates import add_months
from jingsu.law.procedure import next_working_day
from jingsu.levies import numbers
from jingsu.levies.models import Levy
from jingsu.levies.penalties import LevyPenalties
from jingsu.notices.models import Notice

#: The first installment falls due this many days after approval, the next ones a month apart (moved off holidays,
#: 지방세기본법 제24조). The office's practice, not a legal figure.
FIRST_DUE_AFTER = timedelta(days=14)
#: The reminder SMS goes out this many days before an installment's due date (from 09:00 to 20:00, not on holidays).
REMIND_BEFORE = timedelta(days=3)
REMINDER_HOURS = (time(9, 0), time(20, 0))


class AssistanceError(Exception):
    """A request or decision that cannot be made; the message is Korean (for the citizen or the official)."""


# --- 분할 납부: what is owed, and how it may be split -----------------------------------------------------------------


def owed_now(notice: Notice, on: date) -> int:
    """What the notice's levies owe on `on` (`Levy.owed(on)`, the one definition), open levies only."""
    levies = Levy.objects.filter(notice_lines__notice=notice).distinct()
    penalties = LevyPenalties(jurisdiction=notice.jurisdiction_id, as_of=on)
    return sum(lv.owed(on, penalties=penalties).total for lv in levies if lv.status in Levy.OPEN_STATUSES)


def split(total: int, count: int) -> list[int]:
    """`total` in `count` installments: equal parts cut below 10 won, the rest on the first (so every later one is
    the same round figure)."""
    part = total // count // 10 * 10
    return [total - part * (count - 1), *([part] * (count - 1))]


def allowed_counts(total: int, rule: Rule) -> list[int]:
    """The numbers of installments the office's rules allow for `total`: 2 to `max_count`, every installment at least
    `min_amount`."""
    return [n for n in range(2, rule.max_count + 1) if min(split(total, n)) >= rule.min_amount]


def due_dates(jurisdiction: str, decided_on: date, count: int) -> list[date]:
    first = decided_on + FIRST_DUE_AFTER
    return [next_working_day(jurisdiction, add_months(first, k)) for k in range(count)]


@dataclass(frozen=True)
class Proposed:
    sequence: int
    amount: int
    due_date: date


def proposal(notice: Notice, count: int, on: date) -> list[Proposed]:
    """The schedule an approval on `on` would create (the staff screen shows it before approving; the portal shows
    the amounts as an estimate)."""
    total = owed_now(notice, on)
    return [Proposed(i + 1, amount, due) for i, (amount, due) in
            enumerate(zip(split(total, count), due_dates(notice.jurisdiction_id, on, count), strict=True))]


def open_plan(notice: Notice) -> InstallmentPlan | None:
    return (InstallmentPlan.objects.filter(notice=notice, status__in=InstallmentPlan.OPEN_STATUSES)
            .prefetch_related("installments").first())


def latest_plan(notice: Notice) -> InstallmentPlan | None:
    """The notice's most recent plan, whatever its status (the portal shows it)."""
    return InstallmentPlan.objects.filter(notice=notice).prefetch_related("installments").order_by("-pk").first()


# --- 분할 납부: the citizen asks ---------------------------------------------------------------------------------------


def request_installments(notice: Notice, *, count: int, remote: str, clock: Clock) -> InstallmentPlan:
    """A verified citizen asks to pay the notice's arrears in `count` installments; the request waits for an official."""
    now = clock.now()
    total = owed_now(notice, today(clock))
    if total <= 0:
        raise AssistanceError("납부하실 금액이 없습니다.")
    rule = rule_for(notice.jurisdiction)
    allowed = allowed_counts(total, rule)
    if not allowed:
        raise AssistanceError(f"분할 납부는 한 회에 {rule.min_amount:,}원 이상일 때 가능합니다. 한 번에 납부해 주시거나 "
                              "상담을 요청해 주십시오.")
    if count not in allowed:
        raise AssistanceError(f"분할 횟수는 {allowed[0]}회에서 {allowed[-1]}회 사이로 골라 주십시오.")
    try:
        with transaction.atomic():
            if InstallmentPlan.objects.filter(notice=notice, status__in=InstallmentPlan.OPEN_STATUSES).exists():
                raise AssistanceError("이미 분할 납부를 요청하셨습니다.")
            plan = InstallmentPlan.objects.create(
                jurisdiction_id=notice.jurisdiction_id, notice=notice, taxpayer_id=notice.taxpayer_id, count=count,
                amount=total, requested_at=now)
            audit.record("installment.request", actor=f"citizen@{remote}", jurisdiction=notice.jurisdiction_id,
                         target=plan, clock=clock, detail={"count": count, "amount": total, "notice": notice.pk})
    except IntegrityError:  # a second request raced this one: the constraint keeps one open plan per notice
        raise AssistanceError("이미 분할 납부를 요청하셨습니다.") from None
    return plan


# --- 분할 납부: the official decides ----------------------------------------------------------------------------------


def _locked(plan: InstallmentPlan, status: str) -> InstallmentPlan:
    locked = InstallmentPlan.objects.select_for_update().select_related("notice").get(pk=plan.pk)
    if locked.status != status:
        raise AssistanceError(f"이 분할 납부는 이미 처리되었습니다 (상태: {locked.get_status_display()}).")
    return locked


def approve_plan(plan: InstallmentPlan, *, actor: str, clock: Clock) -> InstallmentPlan:
    """Approve a request: the installments of what the notice owes today, each with its own 전자납부번호 and due date;
    the plan's open levies become 분할납부."""
    now = clock.now()
    on = today(clock)
    with transaction.atomic():
        locked = _locked(plan, InstallmentPlan.Status.REQUESTED)
        notice = locked.notice
        total = owed_now(notice, on)
        if total <= 0:
            raise AssistanceError("이미 모두 납부되어 분할할 금액이 없습니다. 요청을 반려해 주십시오.")
        allowed = allowed_counts(total, rule_for(locked.jurisdiction))
        if locked.count not in allowed:
            raise AssistanceError(f"오늘 금액 {total:,}원은 {locked.count}회로 나눌 수 없습니다 (가능: "
                                  f"{', '.join(f'{n}회' for n in allowed) or '없음'}). 반려 뒤 다시 요청하도록 "
                                  "안내해 주십시오.")
        first = (Levy.objects.filter(notice_lines__notice=notice).order_by("tax_number", "pk")
                 .values_list("tax_item", "tax_year").first())
        assert first is not None
        rows = Installment.objects.bulk_create([
            Installment(plan=locked, sequence=p.sequence, amount=p.amount, due_date=p.due_date)
            for p in proposal(notice, locked.count, on)])
        if any(r.pk is None for r in rows):  # backends without RETURNING ids
            rows = list(Installment.objects.filter(plan=locked).order_by("sequence"))
        for r in rows:
            r.payment_number = numbers.installment_number(locked.jurisdiction_id, first[0], first[1], r.pk)
        Installment.objects.bulk_update(rows, ["payment_number"])
        levy_ids = list(Levy.objects.filter(notice_lines__notice=notice, status=Levy.Status.NORMAL)
                        .values_list("pk", flat=True))
        Levy.objects.filter(pk__in=levy_ids).update(status=Levy.Status.INSTALLMENT, updated_at=now)
        locked.status, locked.amount, locked.decided_by, locked.decided_at = (
            InstallmentPlan.Status.APPROVED, total, actor, now)
        locked.save(update_fields=["status", "amount", "decided_by", "decided_at"])
        audit.record("installment.approve", actor=actor, jurisdiction=locked.jurisdiction_id, target=locked,
                     clock=clock, detail={"count": locked.count, "amount": total, "levies": levy_ids})
    return locked


def reject_plan(plan: InstallmentPlan, *, actor: str, reason: str, clock: Clock) -> InstallmentPlan:
    reason = reason.strip()
    if len(reason) < 2:
        raise AssistanceError("반려 사유를 적어 주십시오.")
    with transaction.atomic():
        locked = _locked(plan, InstallmentPlan.Status.REQUESTED)
        locked.status, locked.decided_by, locked.decided_at = InstallmentPlan.Status.REJECTED, actor, clock.now()
        locked.decision_reason = reason[:200]
        locked.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        audit.record("installment.reject", actor=actor, jurisdiction=locked.jurisdiction_id, target=locked,
                     clock=clock, reason=reason[:200])
    return locked


def cancel_plan(plan: InstallmentPlan, *, actor: str, reason: str, clock: Clock) -> InstallmentPlan:
    """End an approved plan (e.g. after missed installments): its levies are 정상 again (money already paid stays
    allocated; the installments' numbers still take money, which goes to the levies)."""
    reason = reason.strip()
    if len(reason) < 2:
        raise AssistanceError("취소 사유를 적어 주십시오.")
    now = clock.now()
    with transaction.atomic():
        locked = _locked(plan, InstallmentPlan.Status.APPROVED)
        levy_ids = list(Levy.objects.filter(notice_lines__notice=locked.notice, status=Levy.Status.INSTALLMENT)
                        .values_list("pk", flat=True))
        Levy.objects.filter(pk__in=levy_ids).update(status=Levy.Status.NORMAL, updated_at=now)
        locked.status, locked.decided_by, locked.decided_at = InstallmentPlan.Status.CANCELLED, actor, now
        locked.decision_reason = reason[:200]
        locked.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        audit.record("installment.cancel", actor=actor, jurisdiction=locked.jurisdiction_id, target=locked,
                     clock=clock, reason=reason[:200], detail={"levies": levy_ids})
    return locked


def missed_installments(jurisdiction: Jurisdiction, on: date) -> QuerySet[Installment]:
    """Installments of running plans past their due date and not paid in full (the staff screen flags them)."""
    from django.db.models import F

    return (Installment.objects.filter(plan__jurisdiction=jurisdiction, plan__status=InstallmentPlan.Status.APPROVED,
                                       due_date__lt=on, paid_amount__lt=F("amount"))
            .select_related("plan", "plan__taxpayer").order_by("due_date", "pk"))


# --- money: payments with an installment's number ---------------------------------------------------------------------


def levies_for_number(number: str, *, jurisdiction: str) -> list[Levy]:
    """The levies a payment with this installment number pays (locked; inside the caller's transaction): the plan's
    outstanding levies in 과세번호 order, or its last levy when nothing is outstanding (the money is then a refund).
    Empty when the number names no installment of the jurisdiction."""
    try:
        installment_id = numbers.installment_id_of(number)
    except ValueError:
        return []
    inst = (Installment.objects.filter(pk=installment_id, plan__jurisdiction_id=jurisdiction)
            .select_related("plan").first())
    if inst is None:
        return []
    levies = Levy.objects.select_for_update().filter(notice_lines__notice_id=inst.plan.notice_id)
    outstanding = list(levies.exclude(status=Levy.Status.PAID).order_by("tax_number", "pk"))
    if outstanding:
        return outstanding
    last = levies.order_by("-tax_number", "-pk").first()
    return [last] if last is not None else []


def after_allocation(payment: object, levies: list[Levy], *, matched_by: str, clock: Clock) -> None:
    """Called by payments.services after every allocation, inside its transaction: a payment that came with an
    installment's number is credited to that installment (and what exceeds it to the next unpaid ones, in order); a
    plan whose levies are all paid is 완납."""
    number = getattr(payment, "payment_number", "")
    if matched_by == "installment" and number and numbers.is_installment(number):
        _credit(numbers.installment_id_of(number), payment, clock)
    ids = [lv.pk for lv in levies]
    # the plans first, then each locked by its key (PostgreSQL allows no FOR UPDATE with DISTINCT)
    plan_ids = set(InstallmentPlan.objects.filter(status=InstallmentPlan.Status.APPROVED,
                                                  notice__lines__levy_id__in=ids).values_list("pk", flat=True))
    for plan in InstallmentPlan.objects.select_for_update().filter(pk__in=plan_ids).order_by("pk"):
        if not Levy.objects.filter(notice_lines__notice_id=plan.notice_id).exclude(status=Levy.Status.PAID).exists():
            plan.status, plan.completed_at = InstallmentPlan.Status.COMPLETED, clock.now()
            plan.save(update_fields=["status", "completed_at"])
            audit.record("installment.complete", actor="system:reconcile", jurisdiction=plan.jurisdiction_id,
                         target=plan, clock=clock)


def _credit(installment_id: int, payment: object, clock: Clock) -> None:
    first = Installment.objects.filter(pk=installment_id).first()
    if first is None:
        return
    left = int(getattr(payment, "amount", 0))
    received = getattr(payment, "received_at", None) or clock.now()
    rows = list(Installment.objects.select_for_update().filter(plan_id=first.plan_id, sequence__gte=first.sequence)
                .order_by("sequence"))
    for inst in rows:
        if left <= 0:
            break
        take = min(left, inst.remaining) if inst is not rows[-1] else left
        if take <= 0:
            continue
        inst.paid_amount += take
        left -= take
        if inst.paid and inst.paid_at is None:
            inst.paid_at = received
        inst.save(update_fields=["paid_amount", "paid_at"])


# --- the dispatch cycle: bills and reminders ----------------------------------------------------------------------------


@dataclass
class CycleSummary:
    bills: int = 0
    decisions: int = 0
    reminders: int = 0


def decision_text(plan: InstallmentPlan) -> str:
    """The SMS telling the citizen the request was decided: where to look, nothing else (principle 3)."""
    sender = plan.notice.jurisdiction.sender
    what = ("분할 납부 요청이 승인되었습니다. 본인 확인 후 회차별 납부기한과 전자납부번호를 확인하실 수 있습니다"
            if plan.status == InstallmentPlan.Status.APPROVED
            else "분할 납부 요청에 대한 답변이 있습니다. 본인 확인 후 확인하실 수 있습니다")
    return f"[{sender.name}] {what}: {portal_link(plan.notice)} 문의: {sender.contact}"


def send_decisions(providers: object, *, clock: Clock) -> int:
    """Tell each citizen whose request was approved or rejected, once (key fixed per plan)."""
    from jingsu.providers.base import SendOutcome, SmsMessage

    plans = [p for p in InstallmentPlan.objects.filter(
        status__in=(InstallmentPlan.Status.APPROVED, InstallmentPlan.Status.REJECTED), decision_sent_at__isnull=True,
    ).select_related("notice__jurisdiction", "notice__taxpayer").order_by("pk")
        if _reminder_hours(clock.now(), p.jurisdiction_id)]
    without_mobile = [p.pk for p in plans if not p.notice.taxpayer.mobile]
    InstallmentPlan.objects.filter(pk__in=without_mobile).update(decision_sent_at=clock.now())  # nothing to send to
    plans = [p for p in plans if p.notice.taxpayer.mobile]
    if not plans:
        return 0
    messages = [SmsMessage(key=f"plan-{p.notice.reference}-{p.pk}-decision", phone=p.notice.taxpayer.mobile,
                           text=decision_text(p)) for p in plans]
    results = {r.key: r for r in providers.sms.send(messages)}  # type: ignore[attr-defined]
    sent = 0
    for plan, message in zip(plans, messages, strict=True):
        result = results.get(message.key)
        if result is not None and result.outcome != SendOutcome.RETRY:
            sent += InstallmentPlan.objects.filter(pk=plan.pk, decision_sent_at__isnull=True).update(
                decision_sent_at=clock.now())
    return sent


def register_bills(providers: object, *, clock: Clock) -> int:
    """Hand the installments of approved plans whose bills are not yet with the bank to it (one bill per installment,
    due on its date), so a payment with their numbers is accepted. Registering twice is harmless (the bank keys
    bills by number)."""
    from jingsu.providers.base import Bill

    count = 0
    plans = list(InstallmentPlan.objects.filter(status=InstallmentPlan.Status.APPROVED,
                                                bills_registered_at__isnull=True).prefetch_related("installments"))
    for plan in plans:
        bills = [Bill(payment_number=i.payment_number, virtual_account="", amount=i.amount, due_date=i.due_date)
                 for i in plan.installments.all()]
        providers.bank.register_bills(bills)  # type: ignore[attr-defined]
        InstallmentPlan.objects.filter(pk=plan.pk, bills_registered_at__isnull=True).update(
            bills_registered_at=clock.now())
        count += len(bills)
    return count


def _reminder_hours(now: datetime, jurisdiction: str) -> bool:
    local = now.astimezone(SEOUL)
    if not REMINDER_HOURS[0] <= local.time() < REMINDER_HOURS[1]:
        return False
    return not Holiday.objects.filter(Q(jurisdiction__isnull=True) | Q(jurisdiction_id=jurisdiction),
                                      date=local.date()).exists()


def portal_link(notice: Notice) -> str:
    """The notice's portal address (the same as the alerts': an opaque token, nothing personal)."""
    return f"{settings.JINGSU_PORTAL_URL.rstrip('/')}/n/{notice.token}"


def reminder_text(notice: Notice) -> str:
    """The reminder says who sent which kind of notice and where to look, nothing else (principle 3): no amount, no
    number, no name — the phone may no longer be the taxpayer's."""
    sender = notice.jurisdiction.sender
    return (f"[{sender.name}] 분할 납부 안내: 납부기한이 다가온 회차가 있습니다. 본인 확인 후 확인하실 수 있습니다: "
            f"{portal_link(notice)} 문의: {sender.contact}")


def send_reminders(providers: object, *, clock: Clock) -> int:
    """The reminder SMS for every unpaid installment of a running plan due within REMIND_BEFORE, once (key fixed per
    installment: the SMS gateway keeps one message per key, so a cycle that dies after sending and runs again sends
    nothing twice). Only from 09:00 to 20:00 and not on holidays."""
    from jingsu.providers.base import SendOutcome, SmsMessage

    now = clock.now()
    on = today(clock)
    from django.db.models import F

    due = list(Installment.objects.filter(
        plan__status=InstallmentPlan.Status.APPROVED, reminder_sent_at__isnull=True, paid_amount__lt=F("amount"),
        due_date__gte=on, due_date__lte=on + REMIND_BEFORE,
    ).select_related("plan__notice__jurisdiction", "plan__notice__taxpayer").order_by("due_date", "pk"))
    messages, rows = [], []
    for inst in due:
        notice = inst.plan.notice
        if not notice.taxpayer.mobile or not _reminder_hours(now, notice.jurisdiction_id):
            continue
        messages.append(SmsMessage(key=f"plan-{notice.reference}-{inst.plan_id}-{inst.sequence}-reminder",
                                   phone=notice.taxpayer.mobile, text=reminder_text(notice)))
        rows.append(inst)
    if not messages:
        return 0
    results = {r.key: r for r in providers.sms.send(messages)}  # type: ignore[attr-defined]
    sent = 0
    for inst, message in zip(rows, messages, strict=True):
        result = results.get(message.key)
        if result is None or result.outcome == SendOutcome.RETRY:
            continue  # next cycle, same key
        with transaction.atomic():
            if Installment.objects.filter(pk=inst.pk, reminder_sent_at__isnull=True).update(reminder_sent_at=now):
                audit.record("installment.remind", actor="system:dispatch", jurisdiction=inst.plan.jurisdiction_id,
                             target=inst.plan, clock=clock,
                             detail={"sequence": inst.sequence, "accepted": result.outcome == SendOutcome.ACCEPTED})
                sent += 1
    return sent


def run_cycle(providers: object, *, clock: Clock) -> CycleSummary:
    """The dispatch cycle's 분할 납부 step."""
    return CycleSummary(bills=register_bills(providers, clock=clock), decisions=send_decisions(providers, clock=clock),
                        reminders=send_reminders(providers, clock=clock))


# --- 상담 요청 -----------------------------------------------------------------------------------------------------------


def request_callback(notice: Notice, *, reason: str, preferred_time: str, note: str = "", remote: str,
                     clock: Clock) -> CallbackRequest:
    """A verified citizen asks the team to call back (to the mobile number on record)."""
    if reason not in CallbackRequest.Reason.values:
        raise AssistanceError("상담 사유를 골라 주십시오.")
    if preferred_time not in CallbackRequest.PreferredTime.values:
        raise AssistanceError("연락받으실 시간을 골라 주십시오.")
    if not notice.taxpayer.mobile:
        raise AssistanceError("등록된 휴대전화 번호가 없어 전화를 드릴 수 없습니다. 아래 문의 전화로 연락해 주십시오.")
    note = " ".join(note.split())[:200]
    try:
        with transaction.atomic():
            if CallbackRequest.objects.filter(notice=notice, status=CallbackRequest.Status.OPEN).exists():
                raise AssistanceError("이미 상담을 요청하셨습니다. 담당자가 곧 전화드립니다.")
            req = CallbackRequest.objects.create(
                jurisdiction_id=notice.jurisdiction_id, notice=notice, taxpayer_id=notice.taxpayer_id, reason=reason,
                preferred_time=preferred_time, note=note, requested_at=clock.now())
            audit.record("callback.request", actor=f"citizen@{remote}", jurisdiction=notice.jurisdiction_id,
                         target=req, clock=clock, detail={"reason": reason, "notice": notice.pk})
    except IntegrityError:
        raise AssistanceError("이미 상담을 요청하셨습니다. 담당자가 곧 전화드립니다.") from None
    return req


def open_callback(notice: Notice) -> CallbackRequest | None:
    return CallbackRequest.objects.filter(notice=notice, status=CallbackRequest.Status.OPEN).first()


def close_callback(req: CallbackRequest, *, actor: str, outcome: str, clock: Clock) -> CallbackRequest:
    """The official called back: the request is done, with what came of it."""
    outcome = " ".join(outcome.split())
    if len(outcome) < 2:
        raise AssistanceError("상담 결과를 적어 주십시오.")
    with transaction.atomic():
        locked = CallbackRequest.objects.select_for_update().get(pk=req.pk)
        if locked.status != CallbackRequest.Status.OPEN:
            raise AssistanceError("이미 완료된 상담 요청입니다.")
        locked.status, locked.done_by, locked.done_at, locked.outcome = (
            CallbackRequest.Status.DONE, actor, clock.now(), outcome[:200])
        locked.save(update_fields=["status", "done_by", "done_at", "outcome"])
        audit.record("callback.done", actor=actor, jurisdiction=locked.jurisdiction_id, target=locked, clock=clock,
                     reason=outcome[:200])
    return locked
