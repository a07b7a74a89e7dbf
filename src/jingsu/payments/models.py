"""Payments (수납) as received, and their allocation (충당) to levies."""

from __future__ import annotations

from django.db import models

from jingsu.core.models import Jurisdiction
from jingsu.levies.models import Levy


class Payment(models.Model):
    """One money movement as reported by a source (bank feed, 수납 file, gateway notice).

    (source, external_id) is unique: the same bank transaction reported twice is the same payment.
    """

    class Status(models.TextChoices):
        UNMATCHED = "unmatched", "미확인"
        MATCHED = "matched", "충당 완료"
        OVERPAID = "overpaid", "초과 수납(환급 대상)"

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="payments")
    source = models.CharField("수납 경로", max_length=30)  # e.g. bank-feed, bank-file, gateway
    external_id = models.CharField("거래 번호", max_length=64)
    received_at = models.DateTimeField("수납 일시")
    amount = models.BigIntegerField("금액")
    channel = models.CharField("납부 수단", max_length=30, blank=True)
    payment_number = models.CharField("전자납부번호", max_length=19, blank=True)
    virtual_account = models.CharField("가상계좌", max_length=20, blank=True)
    tax_number = models.CharField("과세번호", max_length=40, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.UNMATCHED)
    unmatched_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "external_id"], name="payment_unique_external")]
        indexes = [models.Index(fields=["jurisdiction", "status"])]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id} {self.amount:,}원"


class Allocation(models.Model):
    """Part of a payment applied to one levy, by head (tax first, then penalty)."""

    class Head(models.TextChoices):
        TAX = "tax", "본세 등"
        PENALTY = "penalty", "가산세"
        REFUND = "refund", "환급 대상"

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="allocations")
    levy = models.ForeignKey(Levy, null=True, on_delete=models.PROTECT, related_name="allocations")
    head = models.CharField(max_length=10, choices=Head.choices)
    amount = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.payment_id}→{self.levy_id} {self.head} {self.amount:,}원"


class FeedCursor(models.Model):
    """How far a payment feed has been read (the bank feed's last sequence number), so reading resumes."""

    name = models.CharField(max_length=50, unique=True)
    position = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}@{self.position}"
