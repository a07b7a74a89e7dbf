"""Payments (수납) as received, and their allocation (충당) to levies."""

from __future__ import annotations

from django.db import models

from jingsu.core.banks import bank_name
from jingsu.core.models import Jurisdiction
from jingsu.levies.models import Levy

# --- the Korean names of the codes a payment carries: one table per concept, used by every screen, report, document
# and message (the codes themselves are stored and exchanged with the bank, never shown) --------------------------

#: Payment.source (수납 경로): who reported the money. A bank's 수납 file shares its transaction ids with the bank
#: feed, so both are "bank-feed" (payments.files.SOURCES).
SOURCE_LABELS: dict[str, str] = {
    "bank-feed": "은행 수납",
    "wetax-file": "위택스 수납 파일",
    "counter-file": "창구 수납 파일",
}
#: PaymentFile.source: the kind of 수납 file imported (`jingsu import-payments --source`).
FILE_SOURCE_LABELS: dict[str, str] = {"bank": "은행 수납 파일", "wetax": "위택스 수납 파일", "counter": "창구 수납 파일"}
#: Payment.channel (납부 수단): how the taxpayer paid (the bank feed's and the files' codes, docs/formats/payments.md).
CHANNEL_LABELS: dict[str, str] = {
    "easy-pay": "간편결제",
    "e-payment": "전자납부",
    "virtual-account": "가상계좌 이체",
    "counter": "창구·ARS",
}
#: Payment.matched_by (대사 기준): how the payment found its debt.
MATCHED_BY_LABELS: dict[str, str] = {
    "payment_number": "전자납부번호",
    "installment": "분할 납부 번호",
    "virtual_account": "가상계좌",
    "tax_number": "과세번호",
    "manual": "수기 대사",
}


def source_label(code: str) -> str:
    return SOURCE_LABELS.get(code, "기타 경로")


def file_source_label(code: str) -> str:
    return FILE_SOURCE_LABELS.get(code, "기타 수납 파일")


def channel_label(code: str) -> str:
    return CHANNEL_LABELS.get(code, "기타 수단") if code else "기재 없음"


def matched_by_label(code: str) -> str:
    return MATCHED_BY_LABELS.get(code, "기타 기준") if code else "대사 전"


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
    # how the payment found its debt: payment_number | virtual_account | tax_number | manual
    matched_by = models.CharField("대사 기준", max_length=20, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "external_id"], name="payment_unique_external")]
        indexes = [models.Index(fields=["jurisdiction", "status"])]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id} {self.amount:,}원"

    @property
    def source_label(self) -> str:
        return source_label(self.source)

    @property
    def channel_label(self) -> str:
        return channel_label(self.channel)

    @property
    def matched_by_label(self) -> str:
        return matched_by_label(self.matched_by)


class Allocation(models.Model):
    """Part of a payment applied to one levy, by head (체납처분비, then tax, then penalty; 지방세징수법 제4조)."""

    class Head(models.TextChoices):
        ENFORCEMENT_COST = "enforcement", "체납처분비"
        TAX = "tax", "본세 등"
        PENALTY = "penalty", "가산세"
        REFUND = "refund", "환급 대상"

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="allocations")
    levy = models.ForeignKey(Levy, null=True, on_delete=models.PROTECT, related_name="allocations")
    head = models.CharField(max_length=12, choices=Head.choices)
    amount = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.payment_id}→{self.levy_id} {self.head} {self.amount:,}원"


class FeedCursor(models.Model):
    """How far a payment feed has been read (the bank feed's last sequence number), so reading resumes."""

    name = models.CharField(max_length=50, unique=True)
    position = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}@{self.position}"


class VirtualAccount(models.Model):
    """A 가상계좌 from the pool the bank issued to the jurisdiction; assigned to one taxpayer for good."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="virtual_accounts")
    bank_code = models.CharField("은행 코드", max_length=3)
    account_number = models.CharField("가상계좌 번호", max_length=20, unique=True)
    taxpayer = models.OneToOneField("taxpayers.Taxpayer", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="virtual_account")
    imported_at = models.DateTimeField()
    assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["jurisdiction", "taxpayer"])]

    def __str__(self) -> str:
        return f"{self.bank_code}-{self.account_number}"

    @property
    def bank_name(self) -> str:
        """신한은행 for 088 (금융결제원 은행 공동코드, core/banks.py)."""
        return bank_name(self.bank_code)


class Refund(models.Model):
    """환급: money received beyond what was owed, to be returned (a 환급금 안내 campaign targets these)."""

    class Status(models.TextChoices):
        PENDING = "pending", "환급 대상"
        NOTIFIED = "notified", "안내함"
        PAID = "paid", "환급 완료"
        CANCELLED = "cancelled", "취소"  # the match that made it was undone (payments.services.unmatch_by_hand)

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="refunds")
    taxpayer = models.ForeignKey("taxpayers.Taxpayer", null=True, on_delete=models.PROTECT, related_name="refunds")
    # one per overpayment, and one per payment that a 감액 정정 gives money back from (payments.corrections)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    levy = models.ForeignKey(Levy, null=True, on_delete=models.PROTECT, related_name="refunds")
    amount = models.BigIntegerField("환급액")
    reason = models.CharField("사유", max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"환급 {self.amount:,}원 ({self.get_status_display()})"


class PaymentFile(models.Model):
    """A bank or 수납 file that was imported (whole or not at all); the same file twice is refused."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="payment_files")
    name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64, unique=True)
    layout = models.CharField("형식", max_length=10)  # csv | fixed
    source = models.CharField("수납 경로", max_length=30)
    records = models.PositiveIntegerField()
    amount = models.BigIntegerField()
    imported_by = models.CharField(max_length=100)
    imported_at = models.DateTimeField()

    @property
    def source_label(self) -> str:
        return file_source_label(self.source)


class GatewayOrder(models.Model):
    """One 간편결제 started at the payment gateway for one levy (payments/gateway.py, docs/formats/gateway-notice.md).

    `order_id` is ours (sent to the gateway, idempotent there); `tid` is the gateway's, and also the transaction id
    under which the bank feed later reports the same money — so the payment is recorded once, as
    (source="bank-feed", external_id=tid), whichever of the two arrives first.
    """

    class Status(models.TextChoices):
        CREATED = "created", "결제 대기"
        PAID = "paid", "결제 완료"
        CANCELLED = "cancelled", "결제 취소"

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="gateway_orders")
    order_id = models.CharField("주문 번호", max_length=64, unique=True)
    levy = models.ForeignKey(Levy, on_delete=models.PROTECT, related_name="gateway_orders")
    notice_line = models.ForeignKey("notices.NoticeLine", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="gateway_orders")
    payment_number = models.CharField("전자납부번호", max_length=19)
    amount = models.BigIntegerField("결제 요청 금액")
    item_name = models.CharField("상품명", max_length=100)
    tid = models.CharField("PG 거래 번호", max_length=64, blank=True)
    redirect_url = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CREATED)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="gateway_orders")

    class Meta:
        indexes = [models.Index(fields=["tid"]), models.Index(fields=["levy", "status"])]

    def __str__(self) -> str:
        return f"{self.order_id} {self.amount:,}원 ({self.get_status_display()})"


class GatewayRejection(models.Model):
    """A gateway notice refused before any money moved (bad signature, stale timestamp, malformed, unknown order,
    amount or 전자납부번호 not matching the order). The claimed ids and amount are kept to investigate; the body only
    as a hash."""

    class Reason(models.TextChoices):
        BAD_SIGNATURE = "bad_signature", "서명 불일치"
        STALE_TIMESTAMP = "stale_timestamp", "시각 범위 밖"
        MALFORMED = "malformed", "형식 오류"
        UNKNOWN_ORDER = "unknown_order", "알 수 없는 주문"
        AMOUNT_MISMATCH = "amount_mismatch", "금액 불일치"
        NUMBER_MISMATCH = "number_mismatch", "전자납부번호 불일치"
        TID_MISMATCH = "tid_mismatch", "거래 번호 불일치"
        BAD_TIME = "bad_time", "승인 시각 모순"

    at = models.DateTimeField(db_index=True)
    reason = models.CharField(max_length=16, choices=Reason.choices)
    order = models.ForeignKey(GatewayOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="rejections")
    claimed_order_id = models.CharField(max_length=64, blank=True)
    claimed_tid = models.CharField(max_length=64, blank=True)
    claimed_amount = models.BigIntegerField(null=True, blank=True)
    remote_addr = models.CharField(max_length=45, blank=True)
    header_timestamp = models.CharField(max_length=20, blank=True)
    body_sha256 = models.CharField(max_length=64)
    body_length = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.reason} {self.claimed_order_id}"
