"""Delivery attempts: one row per (notice, channel) try, with a guarded status machine and a history row per move.

Status machine of an attempt (docs/architecture.md has the picture):

    queued ──▶ sending ──▶ accepted ──▶ delivered ──▶ read
       │          │            │             └──────▶ expired
       │          │            └──▶ failed / expired
       │          └──▶ rejected (permanent: not a user, 수신거부, unknown CI …)
       │          └──▶ queued   (transient failure: retried with the same key)
       └──▶ cancelled

A move is an UPDATE … WHERE status = <expected>; if another worker moved the row first, nothing happens (rowcount
0), so a task that runs twice is harmless. The idempotency key is fixed when the attempt is created and sent with
every retry; the provider de-duplicates on it, so nothing is sent twice. `TRANSITIONS` is the table; `move` moves one
attempt, `move_many` a batch the caller has locked (claiming, recording the providers' answers and reports),
`move_where` the attempts a condition selects (cancelling a campaign): all through jingsu.core.states, with a
`DeliveryEvent` per move.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar

from django.db import models

from jingsu.core.formats import kdate
from jingsu.core.models import StatusEvent
from jingsu.core.states import (
    IllegalTransition as IllegalTransition,  # raised by move; its callers import it here
)
from jingsu.core.states import Machine, Mover
from jingsu.notices.models import Channel, Notice
from jingsu.providers.base import MailClass


class AttemptStatus(models.TextChoices):
    QUEUED = "queued", "대기"
    SENDING = "sending", "발송 중"
    ACCEPTED = "accepted", "접수"
    DELIVERED = "delivered", "도달"
    READ = "read", "열람"
    EXPIRED = "expired", "열람 기한 경과"
    FAILED = "failed", "송달 실패"
    REJECTED = "rejected", "발송 불가"
    CANCELLED = "cancelled", "취소"


#: A provider's or our own result code on an attempt or event (DeliveryAttempt.result_code, DeliveryEvent.code) →
#: Korean. The codes are the intermediaries', the SMS agency's and the post office's (docs/formats/, the providers'
#: adapters) plus the few the delivery cycle writes itself (RETRY, SWEPT, PROVIDER_DOWN, REQUEST_REFUSED, CANCELLED).
RESULT_LABELS: dict[str, str] = {
    "00": "정상", "ACCEPTED": "접수", "SENT": "발송", "RECEIVED": "수신", "DELIVERED": "도달", "READ": "열람",
    "EXPIRED": "열람 기한 경과", "DOCUMENT_EXPIRED": "열람 기한 경과", "IN_TRANSIT": "배송 중", "RETURNED": "반송",
    "FAILED": "실패", "REJECTED": "발송 거부", "RETRY": "다시 보내려고 대기", "NO_ANSWER": "중계자 응답 없음",
    "PROVIDER_DOWN": "중계자 응답 없음", "REQUEST_REFUSED": "중계자가 요청을 거부함(계약 정보 확인)",
    "SWEPT": "멈춘 발송을 다시 대기로", "CANCELLED": "취소",
    "NOT_FOUND_USER": "받는 사람을 찾을 수 없음", "NOT_FOUND": "찾을 수 없음", "NOT_FOUND_DOCUMENT": "문서를 찾을 수 없음",
    "RECEIVE_REFUSED": "수신 거부", "INVALID_NUMBER": "잘못된 번호", "BLOCKED_NUMBER": "수신 차단 번호",
    "INVALID_PARAMETER": "요청 값 오류", "INVALID": "잘못된 요청", "TOKEN_EXPIRED": "열람 링크 만료",
    "TOKEN_ALREADY_USED": "이미 쓴 열람 링크", "INVALID_TOKEN": "잘못된 열람 링크",
}


def result_label(code: str) -> str:
    """A result code in Korean; one no table knows is "그 밖의 결과" (never the code); none is ""."""
    if not code:
        return ""
    return RESULT_LABELS.get(code, "그 밖의 결과")


S = AttemptStatus
TRANSITIONS: dict[str, frozenset[str]] = {
    S.QUEUED: frozenset({S.SENDING, S.CANCELLED}),
    S.SENDING: frozenset({S.ACCEPTED, S.REJECTED, S.QUEUED}),
    S.ACCEPTED: frozenset({S.DELIVERED, S.READ, S.FAILED, S.EXPIRED}),
    S.DELIVERED: frozenset({S.READ, S.EXPIRED, S.FAILED}),
    S.READ: frozenset(),
    S.EXPIRED: frozenset(),
    S.FAILED: frozenset(),
    S.REJECTED: frozenset(),
    S.CANCELLED: frozenset(),
}
ATTEMPT_MACHINE = Machine("delivery attempt", TRANSITIONS, initial={S.QUEUED})  # also DeliveryAttempt.MACHINE
FINAL = ATTEMPT_MACHINE.final


class IntermediaryContract(models.Model):
    """An office's own contract with a certified e-document intermediary (each 구 is its own sending institution):
    Kakao's contract UUID, or KT's OAuth client, service code and key and 문서코드 (→ the office's 발신번호). An office
    without one sends under the deployment's (settings; jingsu.providers.registry.deployment_contracts).

    Set by the office's 시스템관리자 (`jingsu office contract`, jingsu.delivery.contracts); the secrets (KT's
    client_secret and service_key) are encrypted like personal data (jingsu.core.crypto, rotated by `jingsu keys`)
    and never shown. Changing what identifies the contract (Kakao's UUID; KT's service code or 문서코드) retires the
    row and starts a new one: documents already sent are asked about under the contract that sent them
    (DeliveryAttempt.contract). New credentials for the same contract (KT's client or keys) change the row."""

    class Provider(models.TextChoices):
        KAKAO = Channel.KAKAO.value, Channel.KAKAO.label
        KT = Channel.KT.value, Channel.KT.label

    jurisdiction = models.ForeignKey("core.Jurisdiction", on_delete=models.PROTECT, related_name="+")
    provider = models.CharField("중계자", max_length=8, choices=Provider.choices)
    contract_uuid = models.CharField("카카오 계약 식별자", max_length=64, blank=True)  # Kakao
    client_id = models.CharField("KT 클라이언트 아이디", max_length=64, blank=True)  # KT, below too
    client_secret_encrypted = models.TextField(blank=True)
    service_cd = models.CharField("KT 서비스 코드", max_length=20, blank=True)
    service_key_encrypted = models.TextField(blank=True)
    msg_cd = models.CharField("KT 문서코드", max_length=5, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    updated_by = models.CharField(max_length=150)
    retired_at = models.DateTimeField(null=True, blank=True)  # replaced or withdrawn: kept for what it sent

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "provider"], condition=models.Q(retired_at__isnull=True),
                                    name="contract_one_current_per_office"),
        ]

    def __str__(self) -> str:
        return f"{self.jurisdiction_id} {self.provider} {self.pk}"


class DeliveryAttempt(models.Model):
    MACHINE: ClassVar[Machine] = ATTEMPT_MACHINE

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="attempts")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    sequence = models.PositiveSmallIntegerField()  # 1 for the first channel tried, 2 for the next …
    key = models.CharField(max_length=64, unique=True)  # idempotency key sent to the provider
    status = models.CharField(max_length=10, choices=AttemptStatus.choices, default=AttemptStatus.QUEUED)
    external_id = models.CharField(max_length=64, blank=True)
    result_code = models.CharField(max_length=20, blank=True)
    cost = models.IntegerField("비용(원)", default=0)
    tries = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    read_deadline = models.DateTimeField(null=True, blank=True)
    fallback_at = models.DateTimeField(null=True, blank=True)  # when, still unread, the next channel takes over
    # the office's own contract the attempt was handed over under (Kakao, KT); none: the deployment's. Its status is
    # asked and its read reported under the same contract (jingsu.delivery.contracts). No index: never searched by.
    contract = models.ForeignKey(IntermediaryContract, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", db_index=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["notice", "sequence"], name="attempt_unique_sequence"),
        ]
        # `claim` walks queued attempts of one channel in id order (… ORDER BY id LIMIT n FOR UPDATE SKIP LOCKED):
        # with id in the index that is an index scan, not a sort of every queued row on each claim
        indexes = [models.Index(fields=["channel", "status", "id"], name="attempt_claim_order")]

    def __str__(self) -> str:
        return f"{self.key} {self.status}"

    def move(self, to: str, *, at: datetime, code: str = "", **fields: object) -> bool:
        """Guarded transition from the status this instance holds. Returns False if another process moved it first."""
        return ATTEMPT_MOVES.move(self, to, at=at, notes={"code": code}, fields=fields)

    @classmethod
    def move_many(cls, moves: Iterable[tuple[DeliveryAttempt, str] | tuple[DeliveryAttempt, str, Mapping[str, str]]],
                  *, at: datetime, code: str = "", fields: Sequence[str] = ()) -> int:
        """Move attempts the caller has locked, each from the status its instance holds: (attempt, to) or
        (attempt, to, {"code": …}); an attempt may appear more than once (its moves in order). A non-empty code is
        the attempt's result_code; `fields`: further columns written from each instance (jingsu.core.states)."""
        return ATTEMPT_MOVES.move_many(moves, at=at, notes={"code": code}, fields=fields)

    @classmethod
    def claim(cls, queryset: models.QuerySet[DeliveryAttempt], to: str, *, limit: int, at: datetime,
              sources: Iterable[str]) -> list[DeliveryAttempt]:
        """Lock up to `limit` attempts of `queryset` in `sources` that no other worker holds (SKIP LOCKED) and move
        them to `to`, history included, in one statement on PostgreSQL (jingsu.core.states)."""
        return ATTEMPT_MOVES.claim(queryset, to, limit=limit, at=at, notes={"code": ""}, sources=sources)

    @classmethod
    def move_returning(cls, moves: Iterable[tuple[DeliveryAttempt, str, Mapping[str, str]]], *, at: datetime,
                       fields: Sequence[str] = ()) -> set[int]:
        """Move each attempt once from the status its instance holds, where it still holds it (the others are left
        alone); returns the ids that moved (jingsu.core.states)."""
        return ATTEMPT_MOVES.move_returning(moves, at=at, fields=fields)

    @classmethod
    def move_where(cls, queryset: models.QuerySet[DeliveryAttempt], to: str, *, at: datetime, code: str = "",
                   sources: Iterable[str] | None = None, values: Mapping[str, Any] | None = None) -> list[int]:
        """Move the attempts `queryset` selects that are in a status the table allows `to` from (or in `sources`);
        returns their ids (jingsu.core.states)."""
        return ATTEMPT_MOVES.move_where(queryset, to, at=at, notes={"code": code}, sources=sources, values=values)


class DeliveryEvent(StatusEvent):
    """History: one row per status move of an attempt, with the provider's code."""

    OWNER = "attempt_id"

    attempt = models.ForeignKey(DeliveryAttempt, on_delete=models.CASCADE, related_name="events")
    code = models.CharField(max_length=20, blank=True)


ATTEMPT_MOVES = Mover(ATTEMPT_MACHINE, DeliveryAttempt, DeliveryEvent, owner=DeliveryEvent.OWNER, notes=("code",),
                      stamp="updated_at", code_field="result_code")


# --- receipts (provider callbacks) ---------------------------------------------------------------------------------


class ReceiptEvent(models.Model):
    """One provider status record received by callback, stored once: the unique `event_key` (a SHA-256 over the
    provider, the src_key, the result code and the record's own timestamps) makes a replayed or duplicated callback
    a no-op. `applied` says whether the record moved the attempt (False: out of order or already known)."""

    provider = models.CharField(max_length=8)
    event_key = models.CharField(max_length=64, unique=True)
    attempt = models.ForeignKey(DeliveryAttempt, on_delete=models.CASCADE, related_name="receipts")
    state = models.CharField(max_length=10)
    code = models.CharField(max_length=20, blank=True)
    received_at = models.DateTimeField()
    applied = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["attempt", "received_at"])]

    def __str__(self) -> str:
        return f"{self.provider}:{self.attempt_id} {self.state} {'applied' if self.applied else 'no-op'}"


class ReceiptRejection(models.Model):
    """A callback refused before anything was applied (bad signature, stale timestamp, unknown key, malformed body).
    Holds no personal data: the reason, the sender's address and a hash of the body, never the body itself."""

    class Reason(models.TextChoices):
        BAD_SIGNATURE = "bad_signature", "서명 불일치"
        STALE_TIMESTAMP = "stale_timestamp", "시각 범위 밖"
        UNKNOWN_KEY = "unknown_key", "알 수 없는 발송 키"
        MALFORMED = "malformed", "형식 오류"
        BAD_TIME = "bad_time", "수신·열람 시각 모순"

    provider = models.CharField(max_length=8)
    at = models.DateTimeField(db_index=True)
    reason = models.CharField(max_length=16, choices=Reason.choices)
    remote_addr = models.CharField(max_length=45, blank=True)
    header_timestamp = models.CharField(max_length=20, blank=True)
    body_sha256 = models.CharField(max_length=64)
    body_length = models.PositiveIntegerField(default=0)
    detail = models.JSONField(default=dict, blank=True)  # counts only, never personal data

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.provider} {self.reason}"


# --- paper: print batches, returned mail, 공시송달 ----------------------------------------------------------------


class PrintBatch(models.Model):
    """One daily bulk-mail batch of one jurisdiction and one mail class: PDFs + manifest under `directory`."""

    MailClass = MailClass

    class Status(models.TextChoices):
        RENDERING = "rendering", "출력물 생성 중"
        SUBMITTED = "submitted", "우체국 접수"
        FAILED = "failed", "실패(재시도 대기)"

    batch_id = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    jurisdiction = models.ForeignKey("core.Jurisdiction", on_delete=models.PROTECT, related_name="+")
    mail_class = models.CharField(max_length=10, choices=[(m.value, m.short) for m in MailClass])
    count = models.PositiveIntegerField(default=0)  # items in the manifest
    accepted = models.PositiveIntegerField(default=0)  # items the post office accepted
    directory = models.CharField(max_length=500, blank=True)
    manifest_path = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RENDERING)
    detail = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"{self.batch_id} ({self.get_mail_class_display()}, {self.count})"


class ReturnedMail(models.Model):
    """A paper attempt the post office returned (반송), imported from its file or fetched from its API. One row per
    attempt: importing the same return again changes nothing."""

    class Source(models.TextChoices):
        FILE = "file", "반송 파일"
        API = "api", "우체국 조회"

    attempt = models.OneToOneField(DeliveryAttempt, on_delete=models.PROTECT, related_name="returned_mail")
    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="returned_mail")
    returned_on = models.DateField()
    reason = models.CharField(max_length=20)
    source = models.CharField(max_length=4, choices=Source.choices)
    imported_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.attempt_id} {kdate(self.returned_on)} {self.reason}"


class PublicNotice(models.Model):
    """공시송달 (지방세기본법 제33조): a notice that could not be served is deemed served 14 days after publication."""

    class Status(models.TextChoices):
        PUBLISHED = "published", "공고 중"
        WITHDRAWN = "withdrawn", "철회"

    notice = models.OneToOneField(Notice, on_delete=models.PROTECT, related_name="public_notice")
    jurisdiction = models.ForeignKey("core.Jurisdiction", on_delete=models.PROTECT, related_name="+")
    published_on = models.DateField()
    effective_on = models.DateField()  # published_on + 14 days: deemed served (제33조①)
    reason = models.CharField(max_length=50)  # e.g. 우편 반송(수취인불명) — 제33조①3, 시행령 제18조
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PUBLISHED)
    created_by = models.CharField(max_length=100)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["jurisdiction", "published_on"])]

    def __str__(self) -> str:
        return f"{self.notice_id} 공고 {kdate(self.published_on)} → {kdate(self.effective_on)}"


# --- a notice sent again at a clerk's request (staff console, taxpayer page) --------------------------------------


class Resend(models.Model):
    """A request to send one notice again by a channel a person chose (a citizen on the phone did not get it).

    Channels that cost little (Kakao, SMS) go out at the requester's word; the ones that cost money (KT, paper by
    일반 or 등기 mail) wait for a second person's approval (maker-checker: `approve_campaign`, not the requester).
    Once it may go, the request gets its own `DeliveryAttempt` (the next sequence of the notice, a fixed
    idempotency key), and from there the attempt machine does the rest. A resend attempt never queues a fallback of
    its own: it is one try by one channel (delivery.resend). `key` is the request form's one-time key, so a double
    submission makes one request."""

    class Status(models.TextChoices):
        PENDING = "pending", "승인 대기"
        APPROVED = "approved", "발송 대기열에 넣음"
        REJECTED = "rejected", "반려"

    jurisdiction = models.ForeignKey("core.Jurisdiction", on_delete=models.PROTECT, related_name="+")
    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="resends")
    channel = models.CharField("채널", max_length=8, choices=Channel.choices)
    mail_class = models.CharField("우편 종류", max_length=10, blank=True)  # paper only: ordinary | registered
    cost = models.IntegerField("비용(원)", default=0)
    reason = models.CharField("사유", max_length=200)
    key = models.CharField(max_length=64, unique=True)  # the request form's one-time key (double submit → one)
    status = models.CharField("상태", max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.CharField(max_length=150)
    requested_at = models.DateTimeField()
    decided_by = models.CharField(max_length=150, blank=True)  # the approver (or the requester, when none is needed)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(max_length=200, blank=True)
    attempt = models.OneToOneField(DeliveryAttempt, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="resend")

    class Meta:
        indexes = [models.Index(fields=["jurisdiction", "status"])]

    def __str__(self) -> str:
        return f"{self.notice_id} {self.channel} {self.status}"
