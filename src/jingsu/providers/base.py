"""One interface per kind of outside system.

Services talk only to these interfaces; `jingsu.providers.http` holds the adapters that speak each provider's HTTP
API (the real providers' published API shapes: Kakao 전자문서, KT 공인알림문자), and the simulator
(`jingsu.simulator`) speaks the same APIs, so tests and the demo run the real adapter code over real HTTP.

No Django here: plain dataclasses in, plain dataclasses out. Datetimes are timezone-aware.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol


class ProviderError(Exception):
    """The provider could not be reached or answered with a server error after all retries (transient)."""


# --- identity agency (본인확인기관): 주민등록번호 → CI in batches ---------------------------------------------


@dataclass(frozen=True, slots=True)
class CiRequest:
    ref: str  # our opaque reference for the row (never personal data)
    registration_number: str  # 13 digits, no hyphen


@dataclass(frozen=True, slots=True)
class CiResult:
    ref: str
    ci: str | None  # 88-character CI, or None when the agency has no match
    code: str  # "OK" or the agency's reason code


class IdentityAgency(Protocol):
    def to_ci(self, items: Sequence[CiRequest]) -> list[CiResult]: ...


# --- certified e-document intermediaries (Kakao 전자문서, KT 공인알림문자) --------------------------------------


@dataclass(frozen=True, slots=True)
class OutgoingDocument:
    key: str  # idempotency key of this delivery attempt; the provider de-duplicates on it
    ci: str
    title: str  # alert title: sender and kind of document only, no personal data
    message: str  # alert text: no personal data
    link: str  # where the recipient lands after identity verification (opaque token, no personal data)
    doc_hash: str  # SHA-256 hex of the canonical document content (유통증명)
    read_deadline: datetime
    payload: str = ""  # opaque reference echoed back by the provider


class SendOutcome(enum.StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"  # permanent: not a user, unknown CI, 수신거부 … → next channel
    RETRY = "retry"  # transient: try the same channel again later with the same key


@dataclass(frozen=True, slots=True)
class SendResult:
    key: str
    outcome: SendOutcome
    external_id: str | None = None
    code: str | None = None  # provider's result code
    message: str | None = None


class DeliveryState(enum.StrEnum):
    SENT = "sent"  # accepted by the provider, not yet in the recipient's box
    DELIVERED = "delivered"  # in the recipient's box / handset (Kakao RECEIVED, KT 40/50)
    READ = "read"  # identity verified and opened (Kakao READ, KT 60)
    EXPIRED = "expired"  # unread at the read deadline
    FAILED = "failed"  # undeliverable (KT 47/4N/4R/4T …)


@dataclass(frozen=True, slots=True)
class StatusReport:
    key: str
    external_id: str
    state: DeliveryState
    code: str | None = None
    sent_at: datetime | None = None
    delivered_at: datetime | None = None
    read_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class TokenCheck:
    valid: bool
    external_id: str
    payload: str = ""
    code: str | None = None


@dataclass(frozen=True, slots=True)
class KakaoContract:
    """The identifier of a sending institution's contract with Kakao (sent as the `Contract-Uuid` header)."""

    contract_uuid: str


@dataclass(frozen=True, slots=True)
class KtContract:
    """A sending institution's contract with KT 공인알림문자: the OAuth client, the service code and its key issued by
    BizCenter, and the 문서코드 that KT maps to the institution's 발신번호. The secrets never appear in a repr."""

    client_id: str
    client_secret: str = field(repr=False)
    service_cd: str
    service_key: str = field(repr=False)
    msg_cd: str


#: An office's own contract with one intermediary (None where the deployment's applies).
Contract = KakaoContract | KtContract


class Intermediary(Protocol):
    name: str  # "kakao" | "kt"

    def send(self, docs: Sequence[OutgoingDocument]) -> list[SendResult]: ...

    def statuses(self, external_ids: Sequence[str]) -> list[StatusReport]: ...

    def verify_token(self, external_id: str, token: str) -> TokenCheck: ...

    def mark_read(self, external_id: str) -> None: ...

    def with_contract(self, contract: Any) -> Intermediary:
        """The same intermediary under another institution's contract (its `KakaoContract` or `KtContract`)."""
        ...


# --- SMS ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SmsMessage:
    key: str
    phone: str  # digits only
    text: str  # no personal data beyond what the recipient already owns (a link with an opaque token)
    payload: str = ""


class SmsGateway(Protocol):
    def send(self, messages: Sequence[SmsMessage]) -> list[SendResult]: ...

    def statuses(self, external_ids: Sequence[str]) -> list[StatusReport]: ...


# --- post office bulk mail (우편 대량발송) ------------------------------------------------------------------------


class _LabelledEnumType(enum.EnumType):
    """`choices` and `values` on the class, as Django's TextChoices has them (no Django here)."""

    @property
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.label) for m in cls]  # type: ignore[attr-defined]

    @property
    def values(cls) -> list[str]:
        return [m.value for m in cls]


class MailClass(enum.StrEnum, metaclass=_LabelledEnumType):
    """우편 종류, the one definition: a campaign's (notices.Campaign.mail_class), a resend's, a print batch's and the
    post office's. `label` is the name the console shows (일반우편), `short` the one the print manifest and a print
    batch carry (일반)."""

    label: str
    short: str

    ORDINARY = "ordinary", "일반우편", "일반"
    REGISTERED = "registered", "등기우편", "등기"

    def __new__(cls, value: str, label: str, short: str) -> MailClass:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label, member.short = label, short
        return member


@dataclass(frozen=True, slots=True)
class MailItem:
    key: str
    mail_class: MailClass
    postal_code: str
    address: str
    recipient: str
    pages: int
    doc_hash: str
    payload: str = ""


@dataclass(frozen=True, slots=True)
class MailReceipt:
    batch_id: str
    accepted: int
    rejected: list[SendResult]


@dataclass(frozen=True, slots=True)
class ReturnedMail:
    key: str
    returned_on: date
    reason: str  # 수취인불명, 폐문부재, 이사불명 …


class PostOffice(Protocol):
    def submit_batch(self, batch_id: str, items: Sequence[MailItem]) -> MailReceipt: ...

    def statuses(self, keys: Sequence[str]) -> list[StatusReport]: ...

    def returns(self, since: date) -> list[ReturnedMail]: ...


# --- payment network and bank (전자납부번호, 가상계좌, 간편결제) -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Bill:
    payment_number: str  # 19-digit 전자납부번호
    virtual_account: str
    amount: int  # won
    due_date: date
    payload: str = ""  # opaque reference (notice), never personal data


# The largest amount one payment may carry: 13 digits (9,999,999,999,999원), the width of the bank file's 금액 field
# (docs/formats/payments.md); the bank feed and the bank files follow the same rule.
MAX_AMOUNT_DIGITS = 13
MAX_AMOUNT = 10**MAX_AMOUNT_DIGITS - 1


class BankFeedError(ProviderError):
    """The bank feed sent a transaction jingsu refuses to book (a malformed or impossible amount, a missing id). The
    feed stops before it, nothing of its page is booked, and the reader tries again next cycle; the message
    (Korean) names the transaction and the field."""


def parse_amount(value: object) -> int:
    """An amount in won from a bank feed: a JSON integer, or a string of ASCII digits (0-9 only: not full-width
    '１', not '²'), above 0 and at most MAX_AMOUNT. Raises ValueError with the reason in Korean."""
    if isinstance(value, bool):
        raise ValueError("참/거짓 값은 금액이 아닙니다")
    if isinstance(value, str):
        if not value or not value.isascii() or not value.isdigit():
            raise ValueError(f"숫자(0-9)로만 쓴 양의 정수(원)여야 합니다 (받은 값 '{value[:20]}')")
        value = int(value)
    if not isinstance(value, int):
        raise ValueError(f"정수(원)여야 합니다 (받은 값 {str(value)[:20]})")
    if value <= 0:
        raise ValueError("0원 이하는 수납 금액이 될 수 없습니다")
    if value > MAX_AMOUNT:
        raise ValueError(f"최대 {MAX_AMOUNT:,}원({MAX_AMOUNT_DIGITS}자리)을 넘습니다")
    return value


@dataclass(frozen=True, slots=True)
class BankTransaction:
    seq: int  # monotonic per bank feed
    transaction_id: str  # the bank's id; the same id twice is the same money
    paid_at: datetime
    amount: int
    payment_number: str | None
    virtual_account: str | None
    channel: str  # "virtual-account" | "e-payment" | "easy-pay" | "counter"


class PaymentNetwork(Protocol):
    def register_bills(self, bills: Sequence[Bill]) -> None: ...

    def bill(self, payment_number: str) -> Bill | None: ...  # the bill as the bank holds it

    def feed_id(self) -> str: ...  # the transaction feed's identity; `seq` counts within one feed

    def transactions(self, after_seq: int, limit: int = 1000) -> list[BankTransaction]: ...


# --- the set a deployment uses -----------------------------------------------------------------------------------


#: Intermediaries under offices' own contracts that one ProviderSet keeps (a 시 and its 25 구, each with Kakao and
#: KT, and a few contracts replaced since the process started).
MAX_CONTRACT_ADAPTERS = 128


@dataclass(frozen=True)
class ProviderSet:
    identity: IdentityAgency
    kakao: Intermediary
    kt: Intermediary
    sms: SmsGateway
    post: PostOffice
    bank: PaymentNetwork
    gateway: PaymentGateway | None = None  # 간편결제 (PG); None where no gateway is configured
    # the intermediaries under offices' own contracts, built once per contract (`intermediary`)
    _under_contract: dict[tuple[str, Contract], Intermediary] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False, hash=False)

    def intermediary(self, name: str, contract: Contract | None = None) -> Intermediary:
        """The Kakao (`name` "kakao") or KT ("kt") adapter: under `contract`, an office's own, or the deployment's
        when None. The adapter under a contract is built once per process and contract, sharing the deployment
        adapter's connections and rate limit (jingsu.delivery.contracts chooses the contract)."""
        base = self.kakao if name == "kakao" else self.kt if name == "kt" else None
        if base is None:
            raise ValueError(f"not an intermediary: {name!r}")
        if contract is None:
            return base
        key = (name, contract)
        with self._lock:
            found = self._under_contract.get(key)
            if found is None:
                if len(self._under_contract) >= MAX_CONTRACT_ADAPTERS:  # contracts replaced long ago: built again
                    self._under_contract.pop(next(iter(self._under_contract)))
                found = self._under_contract[key] = base.with_contract(contract)
        return found


# --- additions (additive; nothing above changed) -------------------------------------------------------------------


class ProviderRequestError(Exception):
    """The provider refused a request as a whole (HTTP 4xx other than 429: bad credentials, malformed request,
    document expired …). Not transient and deliberately *not* a ProviderError: retrying the same request fails the
    same way, so it is a configuration/programming error or a business refusal to surface, not to retry."""

    def __init__(self, message: str, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class CallbackRejected(Exception):
    """A provider callback failed signature or freshness checks (answer 401/403; do not process it)."""


# --- payment gateway (PG, 간편결제): checkout, approval, signed server-to-server notice -------------------------


@dataclass(frozen=True, slots=True)
class GatewayCheckout:
    """A payment created at the gateway: send the citizen's browser to `redirect_url`."""

    tid: str  # the gateway's transaction id; the bank feed reports the settled money under the same id
    redirect_url: str
    expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class GatewayNotice:
    """A verified server-to-server notice (docs/formats/gateway-notice.md)."""

    tid: str
    order_id: str
    amount: int  # won
    payment_number: str
    status: str  # "approved" | "cancelled"
    approved_at: datetime | None
    method: str = "easy-pay"


@dataclass(frozen=True, slots=True)
class GatewayPaymentStatus:
    tid: str
    order_id: str
    amount: int
    status: str  # "ready" | "approved" | "cancelled" | "expired"
    approved_at: datetime | None = None


class GatewayNoticeRejected(CallbackRejected):
    """A gateway notice that must not be processed. `reason`: bad_signature | stale_timestamp | malformed."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class PaymentGateway(Protocol):
    def create_payment(
        self,
        *,
        order_id: str,
        amount: int,
        item_name: str,
        payment_number: str,
        return_url: str,
        notify_url: str,
    ) -> GatewayCheckout: ...  # idempotent on order_id

    def payment_status(self, tid: str) -> GatewayPaymentStatus: ...

    def parse_notice(self, body: bytes, headers: Mapping[str, str], now: datetime) -> GatewayNotice: ...
