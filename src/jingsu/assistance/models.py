"""Help for a citizen who cannot pay in full, asked for on the notice page (docs/portal.md "한 번에 내기 어려울 때"):

- 분할 납부 (installments): the office's rules per jurisdiction (`InstallmentRule`: most installments, least amount
  per installment); a request (`InstallmentPlan`, status 요청) waits in the team's queue; an official approves it,
  which creates the `Installment`s, each with its own 전자납부번호 and due date; a reminder is sent by SMS before each;
  a missed one is flagged on the staff screen.
- 상담 요청 (`CallbackRequest`): the citizen asks the team to call back, with a reason from a short list and a
  preferred time; an official marks it done.

Every request and decision is audited (jingsu.assistance.services).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import models
from django.db.models import Q

from jingsu.core.models import Jurisdiction
from jingsu.notices.models import Notice
from jingsu.taxpayers.models import Taxpayer

#: Without rules set by the office: at most 6 installments of at least 50,000원 each (the system's defaults, not a
#: legal figure; `jingsu office <code> --installments-max N --installment-min WON` sets the office's own).
DEFAULT_MAX_COUNT = 6
DEFAULT_MIN_AMOUNT = 50_000


@dataclass(frozen=True)
class Rule:
    max_count: int
    min_amount: int


class InstallmentRule(models.Model):
    """The office's rules for 분할 납부 in one jurisdiction."""

    jurisdiction = models.OneToOneField(Jurisdiction, on_delete=models.CASCADE, primary_key=True,
                                        related_name="installment_rule")
    max_count = models.PositiveSmallIntegerField("최대 분할 횟수", default=DEFAULT_MAX_COUNT)
    min_amount = models.BigIntegerField("회당 최소 금액", default=DEFAULT_MIN_AMOUNT)
    updated_by = models.CharField(max_length=100, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(max_count__gte=2), name="installment_rule_at_least_two"),
            models.CheckConstraint(condition=Q(min_amount__gte=0), name="installment_rule_min_nonnegative"),
        ]

    def __str__(self) -> str:
        return f"{self.jurisdiction_id}: 최대 {self.max_count}회, 회당 {self.min_amount:,}원 이상"


def rule_for(jurisdiction: Jurisdiction) -> Rule:
    row = InstallmentRule.objects.filter(jurisdiction=jurisdiction).first()
    return Rule(row.max_count, row.min_amount) if row else Rule(DEFAULT_MAX_COUNT, DEFAULT_MIN_AMOUNT)


class InstallmentPlan(models.Model):
    """A request for 분할 납부 of one notice's arrears and, once approved, its schedule."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "요청"
        APPROVED = "approved", "승인"
        REJECTED = "rejected", "반려"
        COMPLETED = "completed", "완납"
        CANCELLED = "cancelled", "취소"

    OPEN_STATUSES = (Status.REQUESTED, Status.APPROVED)

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="installment_plans")
    taxpayer = models.ForeignKey(Taxpayer, on_delete=models.PROTECT, related_name="installment_plans")
    count = models.PositiveSmallIntegerField("분할 횟수")
    amount = models.BigIntegerField("분할할 금액")  # owed when asked; set again to what is owed on approval
    status = models.CharField("상태", max_length=10, choices=Status.choices, default=Status.REQUESTED)
    requested_at = models.DateTimeField("요청 일시")
    decided_by = models.CharField(max_length=100, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField("반려·취소 사유", max_length=200, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # the installments' bills handed to the bank (so a payment with their numbers is accepted); by the dispatch cycle
    bills_registered_at = models.DateTimeField(null=True, blank=True)
    # the citizen told by SMS that the request was decided (approved or rejected); by the dispatch cycle
    decision_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["notice"], condition=Q(status__in=["requested", "approved"]),
                                    name="installment_plan_one_open_per_notice"),
        ]
        indexes = [models.Index(fields=["jurisdiction", "status"])]

    def __str__(self) -> str:
        return f"분할 납부 {self.pk} ({self.get_status_display()}, {self.count}회)"


class Installment(models.Model):
    """One installment of an approved plan, with its own 전자납부번호 (levies.numbers.installment_number)."""

    plan = models.ForeignKey(InstallmentPlan, on_delete=models.CASCADE, related_name="installments")
    sequence = models.PositiveSmallIntegerField("회차")
    amount = models.BigIntegerField("금액")
    due_date = models.DateField("납부기한")
    payment_number = models.CharField("전자납부번호", max_length=19, blank=True, db_index=True)
    paid_amount = models.BigIntegerField("납부액", default=0)
    paid_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["plan", "sequence"]
        constraints = [models.UniqueConstraint(fields=["plan", "sequence"], name="installment_unique_sequence")]

    def __str__(self) -> str:
        return f"{self.sequence}회차 {self.amount:,}원 ({self.due_date:%Y-%m-%d})"

    @property
    def paid(self) -> bool:
        return self.paid_amount >= self.amount

    @property
    def remaining(self) -> int:
        return max(self.amount - self.paid_amount, 0)

    def missed(self, today: date) -> bool:
        """Past its due date and not paid in full, in a plan still running."""
        return not self.paid and self.due_date < today and self.plan.status == InstallmentPlan.Status.APPROVED


class CallbackRequest(models.Model):
    """A citizen asks the team to call back (상담 요청)."""

    class Reason(models.TextChoices):
        HARDSHIP = "hardship", "생계 곤란"
        DISPUTE = "dispute", "금액 이의"
        HOW_TO_PAY = "how_to_pay", "납부 방법 문의"
        OTHER = "other", "기타"

    class PreferredTime(models.TextChoices):
        MORNING = "morning", "오전 (9시~12시)"
        AFTERNOON = "afternoon", "오후 (13시~18시)"
        ANY = "any", "언제든"

    class Status(models.TextChoices):
        OPEN = "open", "접수"
        DONE = "done", "완료"

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="+")
    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="callback_requests")
    taxpayer = models.ForeignKey(Taxpayer, on_delete=models.PROTECT, related_name="callback_requests")
    reason = models.CharField("사유", max_length=12, choices=Reason.choices)
    preferred_time = models.CharField("연락받을 시간", max_length=10, choices=PreferredTime.choices)
    note = models.CharField("남긴 말", max_length=200, blank=True)
    status = models.CharField("상태", max_length=6, choices=Status.choices, default=Status.OPEN)
    requested_at = models.DateTimeField("요청 일시")
    done_by = models.CharField(max_length=100, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField("상담 결과", max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["notice"], condition=Q(status="open"),
                                    name="callback_one_open_per_notice"),
        ]
        indexes = [models.Index(fields=["jurisdiction", "status"])]

    def __str__(self) -> str:
        return f"상담 요청 {self.pk} ({self.get_reason_display()}, {self.get_status_display()})"
