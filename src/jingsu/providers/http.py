"""HTTP adapters to the outside systems (the Protocols of jingsu.providers.base) over httpx.

One pooled `httpx.Client` per adapter. Every request goes through `_HttpAdapter._request`:
client-side rate limit (token bucket, optionally shared through Redis) → request → on a transport error, timeout,
5xx or 429: exponential backoff with jitter (honouring Retry-After), the *same* body and idempotency key each time,
at most `RetryPolicy.attempts` tries → `ProviderError`. A 4xx other than 429 is permanent → `ProviderRequestError`
(or a per-call mapping, e.g. a refused OTT → TokenCheck(valid=False)).

Provider result codes are mapped to SendOutcome / DeliveryState with the tables below; docs/providers.md has the
same tables in prose.

    adapters = build_simulator_adapters(sim.url)          # all six, pointed at a running simulator
    adapters.kakao.send([OutgoingDocument(...)])
"""

from __future__ import annotations

import base64
import functools
import json
import random
import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import httpx

from jingsu.clock import DEFAULT_CLOCK
from jingsu.providers import metrics
from jingsu.providers.base import (
    BankFeedError,
    BankTransaction,
    Bill,
    CallbackRejected,
    CiRequest,
    CiResult,
    DeliveryState,
    GatewayCheckout,
    GatewayNotice,
    GatewayNoticeRejected,
    GatewayPaymentStatus,
    KakaoContract,
    KtContract,
    MailItem,
    MailReceipt,
    OutgoingDocument,
    ProviderError,
    ProviderRequestError,
    ReturnedMail,
    SendOutcome,
    SendResult,
    SmsMessage,
    StatusReport,
    TokenCheck,
    parse_amount,
)
from jingsu.providers.ratelimit import RateLimiter, make_rate_limiter
from jingsu.providers.signing import DEFAULT_MAX_AGE, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature

KST = timezone(timedelta(hours=9), "KST")
T = TypeVar("T")

__all__ = [
    "RetryPolicy",
    "HttpConfig",
    "KakaoConfig",
    "KtConfig",
    "KakaoAdapter",
    "KtAdapter",
    "SmsAdapter",
    "PostOfficeAdapter",
    "IdentityAgencyAdapter",
    "BankAdapter",
    "GatewayConfig",
    "PaymentGatewayAdapter",
    "parse_gateway_notice",
    "SimulatorAdapters",
    "build_simulator_adapters",
    "verify_signature",
    "kakao_hash",
]


# --- configuration ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5  # total tries per request, including the first
    base_delay: float = 0.2  # seconds; doubles per failed try
    max_delay: float = 5.0
    max_retry_after: float = 30.0  # cap on a provider's Retry-After

    def backoff(self, failures: int, rng: random.Random) -> float:
        """Exponential backoff with 'equal jitter': half fixed, half random."""
        d = min(self.max_delay, self.base_delay * 2 ** (failures - 1))
        return d / 2 + rng.random() * d / 2


@dataclass(frozen=True)
class HttpConfig:
    base_url: str  # provider root, e.g. "https://docs-gw.kakaopay.com" or f"{simulator_url}/kakao"
    api_key: str = "sim-api-key"  # sent as "Authorization: Bearer …" (not used by KT, which uses OAuth)
    timeout: float = 10.0  # read/write/pool timeout per try (s)
    connect_timeout: float = 3.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    rate_limit: float = 0.0  # client-side requests/s (0 = off)
    rate_burst: float | None = None
    redis_url: str | None = None  # share the rate limit across processes through Redis
    batch_size: int = 100  # items per request (Kakao ≤100 documents per bulk call)
    max_connections: int = 20


@dataclass(frozen=True)
class KakaoConfig(HttpConfig):
    # the contract (KakaoContract); the default is the simulator's, the deployment's comes from settings
    # (jingsu.providers.registry) and an office's own from jingsu.delivery.contracts
    contract_uuid: str = "sim-contract"


@dataclass(frozen=True)
class KtConfig(HttpConfig):
    # the contract (KtContract): defaults are the simulator's, as for KakaoConfig; secrets never in a repr
    client_id: str = "jingsu"
    client_secret: str = field(default="sim-client-secret", repr=False)
    service_cd: str = "JINGSU"
    service_key: str = field(default="0000000000000000", repr=False)
    msg_cd: str = "TAX01"  # 5-char 문서코드 (→ 발신번호 mapping at KT)
    callback_url: str | None = None  # registered on first use when set
    callback_secret: str = field(default="", repr=False)  # no default: an empty secret verifies nothing
    callback_max_age: float = DEFAULT_MAX_AGE


@dataclass(frozen=True)
class GatewayConfig(HttpConfig):
    notice_secret: str = field(default="", repr=False)  # the gateway notices' HMAC key; empty: every one refused
    notice_max_age: float = DEFAULT_MAX_AGE  # seconds between X-Timestamp and our clock, either way


# --- helpers -----------------------------------------------------------------------------------------------------


def _chunks(items: Sequence[T], n: int) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), max(1, n)):
        yield items[i : i + n]


def _epoch(v: Any) -> datetime | None:
    return datetime.fromtimestamp(v, UTC) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _iso(v: Any) -> datetime | None:
    return datetime.fromisoformat(v) if isinstance(v, str) and v else None


def _kt_ts(dt: datetime) -> str:
    return dt.astimezone(KST).strftime("%Y%m%d%H%M%S")


def _parse_kt_ts(v: Any) -> datetime | None:
    if not isinstance(v, str) or not v:
        return None
    return _parse_kt_text(v)


@functools.lru_cache(maxsize=4096)
def _parse_kt_text(v: str) -> datetime | None:
    """A KT timestamp (YYYYMMDDhhmmss, Korea time); memoised: the records of one callback mostly share their times,
    and strptime is the dearest step of decoding them (a datetime is immutable, so sharing one is harmless)."""
    try:
        return datetime.strptime(v, "%Y%m%d%H%M%S").replace(tzinfo=KST)
    except ValueError:
        return None


def kakao_hash(doc_hash: str) -> str:
    """Kakao's `hash` field holds at most 40 characters; a SHA-256 hex digest (64) is sent as Base85 of its 32
    bytes, exactly 40 characters and lossless. Shorter values pass through unchanged."""
    if len(doc_hash) <= 40:
        return doc_hash
    try:
        raw = bytes.fromhex(doc_hash)
    except ValueError as e:
        raise ValueError("doc_hash must be SHA-256 hex (64) or at most 40 characters") from e
    if len(raw) != 32:
        raise ValueError("doc_hash must be SHA-256 hex (64) or at most 40 characters")
    return base64.b85encode(raw).decode()


def _item_result(key: str, item: Mapping[str, Any] | None, id_field: str, permanent: Collection[str]) -> SendResult:
    """One item of a bulk send answer: accepted (with the provider's id), refused for good (a permanent code: the
    next channel takes over) or to be retried with the same key (a transient code, or no answer for the item)."""
    if item is None:
        return SendResult(key, SendOutcome.RETRY, code="NO_ANSWER")
    if item.get(id_field):
        return SendResult(key, SendOutcome.ACCEPTED, external_id=item[id_field])
    code = item.get("error_code")
    outcome = SendOutcome.REJECTED if code in permanent else SendOutcome.RETRY
    return SendResult(key, outcome, code=code, message=item.get("error_message"))


def _retry_after(resp: httpx.Response) -> float | None:
    v = resp.headers.get("Retry-After")
    if not v:
        return None
    try:
        return max(0.0, float(v))
    except ValueError:
        try:
            return max(0.0, (parsedate_to_datetime(v) - DEFAULT_CLOCK.now()).total_seconds())
        except (TypeError, ValueError):
            return None


def _error_code(resp: httpx.Response) -> tuple[str | None, str]:
    try:
        body = resp.json()
    except ValueError:
        return None, resp.text[:200]
    if isinstance(body, dict):
        code = body.get("error_code") or body.get("rslt_cd") or body.get("error")
        msg = body.get("error_message") or body.get("rslt_msg") or body.get("error_description") or ""
        return (str(code) if code is not None else None), str(msg)
    return None, resp.text[:200]


# --- base adapter ------------------------------------------------------------------------------------------------


class _HttpAdapter:
    provider = "provider"

    def __init__(
        self,
        config: HttpConfig,
        *,
        limiter: RateLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        self.config = config
        # `client`: another adapter's connections, shared (an adapter under an office's contract: `with_contract`);
        # only the adapter that made its client closes it
        self._owns_http = client is None
        self._http = client if client is not None else httpx.Client(
            base_url=config.base_url.rstrip("/"),
            timeout=httpx.Timeout(config.timeout, connect=config.connect_timeout),
            limits=httpx.Limits(
                max_connections=config.max_connections, max_keepalive_connections=config.max_connections
            ),
            headers={"User-Agent": "jingsu/0.1", "Accept": "application/json"},
            transport=transport,
        )
        self._limiter = (
            limiter
            if limiter is not None
            else make_rate_limiter(self.provider, config.rate_limit, config.rate_burst, config.redis_url)
        )
        self._sleep = sleep
        self._rng = random.Random()
        self.stats = {"requests": 0, "retries": 0, "gave_up": 0}

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def _shared(self) -> dict[str, Any]:
        """What an adapter under another contract shares with this one: its connections, its rate limit (the
        deployment's requests/s per provider hold for all its offices together) and its sleep."""
        return {"limiter": self._limiter, "sleep": self._sleep, "client": self._http}

    def __enter__(self: T) -> T:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.config.api_key}"}

    def _on_unauthorized(self) -> bool:
        """Called on a 401; return True to retry once (e.g. after refreshing a token)."""
        return False

    def _request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, str] | None = None,
        auth: bool = True,
        sending: bool = True,
    ) -> httpx.Response:
        """Send with retries; returns the response for 2xx and permanent 4xx; raises ProviderError otherwise.

        `sending=False`: a request that hands nothing over (status polls, a citizen's token check, a read report)
        does not wait for the rate limit, which is the contract's sending rate (Kakao: 100 documents/s on its send
        API). Polls sharing it left sending at a sixth of its rate in the fault drill (bench/drill.py), and a
        citizen opening a notice would wait behind a campaign."""
        policy = self.config.retry
        failures = 0
        reauthed = False
        last = ""
        while True:
            if self._limiter is not None and sending:
                self._limiter.acquire()
            self.stats["requests"] += 1
            wait: float | None = None
            started = time.monotonic()
            try:
                headers = self._auth_headers() if auth else {}
                resp = self._http.request(
                    method, path, json=json_body, params=params, data=data, headers=headers
                )
            except httpx.TransportError as e:  # timeouts, refused/reset/dropped connections, protocol errors
                last = f"{type(e).__name__}: {e}"
                metrics.observe(self.provider, time.monotonic() - started, None)
            else:
                metrics.observe(self.provider, time.monotonic() - started, resp.status_code)
                if resp.status_code == 401 and auth and not reauthed and self._on_unauthorized():
                    reauthed = True
                    continue
                if resp.status_code == 429 or resp.status_code >= 500:
                    last = f"HTTP {resp.status_code}"
                    ra = _retry_after(resp)
                    if ra is not None:
                        wait = min(ra, policy.max_retry_after)
                else:
                    return resp
            failures += 1
            if failures >= policy.attempts:
                self.stats["gave_up"] += 1
                raise ProviderError(
                    f"{self.provider}: {method} {path} failed after {failures} tries ({last})"
                )
            self.stats["retries"] += 1
            backoff = policy.backoff(failures, self._rng)
            self._sleep(max(backoff, wait) if wait is not None else backoff)

    def _json(self, resp: httpx.Response) -> Any:
        if resp.status_code >= 400:
            code, msg = _error_code(resp)
            raise ProviderRequestError(
                f"{self.provider}: {resp.request.method} {resp.request.url.path} → {resp.status_code} {code}: {msg}",
                status=resp.status_code,
                code=code,
            )
        try:
            return resp.json()
        except ValueError as e:
            raise ProviderError(f"{self.provider}: invalid JSON from {resp.request.url.path}") from e


# --- identity agency ---------------------------------------------------------------------------------------------


class IdentityAgencyAdapter(_HttpAdapter):
    """본인확인기관: 주민등록번호 → CI in batches. `POST /v1/ci/batch`."""

    provider = "identity"

    def to_ci(self, items: Sequence[CiRequest]) -> list[CiResult]:
        out: list[CiResult] = []
        for chunk in _chunks(items, max(self.config.batch_size, 1000)):
            body = {"items": [{"ref": i.ref, "registration_number": i.registration_number} for i in chunk]}
            data = self._json(self._request("POST", "/v1/ci/batch", json_body=body))
            by_ref = {r["ref"]: r for r in data.get("items", [])}
            for i in chunk:
                r = by_ref.get(i.ref)
                if r is None:
                    raise ProviderError(f"identity: no answer for ref {i.ref!r}")
                out.append(CiResult(ref=i.ref, ci=r.get("ci"), code=str(r.get("code") or "OK")))
        return out


# --- Kakao 내문서함 (legacy docs-gw shape, mobile-enotice.md §4.1) -----------------------------------------------

# error_code → outcome; codes not listed are treated as transient (RETRY) so nothing is lost silently
KAKAO_PERMANENT_CODES = frozenset(
    {
        "NOT_FOUND_USER",  # not a KakaoTalk/Kakao Pay user → next channel
        "RECEIVE_REFUSED",  # 수신거부
        "INVALID_PARAMETER",  # our document is malformed (title > 40 …) — fix the template
        "NOT_FOUND_DOCUMENT",
    }
)
KAKAO_STATUS = {
    "SENT": DeliveryState.SENT,
    "RECEIVED": DeliveryState.DELIVERED,
    "READ": DeliveryState.READ,
    "EXPIRED": DeliveryState.EXPIRED,
}


class KakaoAdapter(_HttpAdapter):
    """Kakao Pay 내문서함: bulk send, bulk status, OTT verification, read-complete. Headers: Bearer + Contract-Uuid."""

    provider = "kakao"
    name = "kakao"
    config: KakaoConfig

    def __init__(self, config: KakaoConfig, **kw: Any) -> None:
        super().__init__(config, **kw)

    def _auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.config.api_key}", "Contract-Uuid": self.config.contract_uuid}

    def with_contract(self, contract: KakaoContract) -> KakaoAdapter:
        """This adapter under another institution's contract (its own Contract-Uuid), sharing connections and rate
        limit."""
        return KakaoAdapter(replace(self.config, contract_uuid=contract.contract_uuid), **self._shared())

    @staticmethod
    def _document(d: OutgoingDocument) -> dict[str, Any]:
        return {
            "title": d.title,
            "receiver": {"ci": d.ci},
            "property": {
                "link": d.link,
                "payload": d.payload,
                "message": d.message,
                "external_document_uuid": d.key,
            },
            "read_expired_at": int(d.read_deadline.timestamp()),
            "hash": kakao_hash(d.doc_hash),
            "common_categories": ["NOTICE"],
        }

    def send(self, docs: Sequence[OutgoingDocument]) -> list[SendResult]:
        out: list[SendResult] = []
        for chunk in _chunks(docs, min(self.config.batch_size, 100)):
            body = {"documents": [self._document(d) for d in chunk]}
            data = self._json(self._request("POST", "/v1/documents/bulk", json_body=body))
            by_key = {r.get("external_document_uuid"): r for r in data.get("documents", [])}
            out += [_item_result(d.key, by_key.get(d.key), "document_binder_uuid", KAKAO_PERMANENT_CODES)
                    for d in chunk]
        return out

    def statuses(self, external_ids: Sequence[str]) -> list[StatusReport]:
        out: list[StatusReport] = []
        for chunk in _chunks(external_ids, 100):
            data = self._json(
                self._request(
                    "POST", "/v1/documents/bulk/status", json_body={"document_binder_uuids": list(chunk)},
                    sending=False,
                )
            )
            for r in data.get("documents", []):
                status = r.get("doc_box_status")
                if status not in KAKAO_STATUS:
                    continue  # unknown binder (error_code NOT_FOUND_DOCUMENT): nothing to report
                out.append(
                    StatusReport(
                        key=r.get("external_document_uuid") or "",
                        external_id=r["document_binder_uuid"],
                        state=KAKAO_STATUS[status],
                        code=status,
                        sent_at=_epoch(r.get("doc_box_sent_at")),
                        delivered_at=_epoch(r.get("doc_box_received_at")),
                        read_at=_epoch(r.get("doc_box_read_at")),
                    )
                )
        return out

    def verify_token(self, external_id: str, token: str) -> TokenCheck:
        resp = self._request("GET", f"/v1/{external_id}/tokens/{token}", sending=False)
        if 400 <= resp.status_code < 500:
            code, _ = _error_code(resp)
            return TokenCheck(valid=False, external_id=external_id, code=code)
        data = self._json(resp)
        return TokenCheck(
            valid=True,
            external_id=external_id,
            payload=data.get("payload") or "",
            code=data.get("token_status"),
        )

    def mark_read(self, external_id: str) -> None:
        self._json(
            self._request(
                "POST", f"/v1/documents/{external_id}", json_body={"document": {"is_detail_read": True}},
                sending=False,
            )
        )


# --- KT 공인알림문자 (mobile-enotice.md §4.3) ---------------------------------------------------------------------

KT_DELIVERED_CODES = frozenset({"40", "50"})  # 40 수신성공, 50 수신확인
KT_READ_CODES = frozenset({"60"})  # 60 열람확인
KT_PENDING_CODES = frozenset({"4Q"})  # 4Q 수신대기
# every other code (41 42 43 47 48 49 4A 4D 4J 4N 4O 4P 4R 4T 4V 4W …) → FAILED
KT_SEND_PERMANENT = frozenset({"E101", "E102", "E103", "E104", "E105", "E106"})
_RANK = {
    DeliveryState.SENT: 0,
    DeliveryState.FAILED: 1,
    DeliveryState.DELIVERED: 2,
    DeliveryState.EXPIRED: 3,
    DeliveryState.READ: 4,
}


def kt_code_state(code: str) -> DeliveryState:
    if code in KT_READ_CODES:
        return DeliveryState.READ
    if code in KT_DELIVERED_CODES:
        return DeliveryState.DELIVERED
    if code in KT_PENDING_CODES:
        return DeliveryState.SENT
    return DeliveryState.FAILED


def kt_record_report(r: Mapping[str, Any]) -> StatusReport:
    """One BC-AG-SN-010 result record → StatusReport (external_id = key = src_key)."""
    code = str(r.get("mms_sndg_rslt_dvcd") or "")
    return StatusReport(
        key=str(r.get("src_key") or ""),
        external_id=str(r.get("src_key") or ""),
        state=kt_code_state(code),
        code=code,
        sent_at=_parse_kt_ts(r.get("mms_sndg_tmst")),
        delivered_at=_parse_kt_ts(r.get("mms_rcv_tmst")),
        read_at=_parse_kt_ts(r.get("mms_rdg_tmst")),
    )


class KtAdapter(_HttpAdapter):
    """KT 공인알림문자: OAuth2 client_credentials; 본문자 (`send`), 사전문자 (`pre_notify`); results by signed
    callbacks (`parse_callback`) and by polling (`statuses`).

    `clock` (optional: a jingsu.clock.Clock or a callable returning an aware datetime) lets `statuses` report EXPIRED for unread messages past their
    열람마감 — KT itself has no expiry code — and stamps `mark_read` with the read time.
    """

    provider = "kt"
    name = "kt"
    config: KtConfig

    def __init__(self, config: KtConfig, *, clock: Any = None, **kw: Any) -> None:
        super().__init__(config, **kw)
        # a jingsu.clock.Clock (has .now()) or a zero-argument callable returning an aware datetime
        self.clock: Callable[[], datetime] | None = getattr(clock, "now", clock)
        self._token: str | None = None
        self._token_expiry = 0.0
        self._token_lock = threading.Lock()
        self._callback_registered = False

    def with_contract(self, contract: KtContract) -> KtAdapter:
        """This adapter under another institution's contract: its own OAuth client (and token), service code, key
        and 문서코드, sharing connections and rate limit; it registers the callback address under its contract."""
        config = replace(self.config, client_id=contract.client_id, client_secret=contract.client_secret,
                         service_cd=contract.service_cd, service_key=contract.service_key, msg_cd=contract.msg_cd)
        return KtAdapter(config, clock=self.clock, **self._shared())

    def _service(self) -> dict[str, str]:
        """The service code and key every KT call carries (mobile-enotice.md §4.3)."""
        return {"service_cd": self.config.service_cd, "service_key": self.config.service_key}

    # auth
    def _fetch_token(self) -> str:
        c = self.config
        resp = self._request(
            "POST",
            "/v1/oauth/token",
            auth=False,
            data={
                "grant_type": "client_credentials",
                "client_id": c.client_id,
                "client_secret": c.client_secret,
                "scope": "ag.api",
            },
        )
        data = self._json(resp)
        self._token = str(data["access_token"])
        self._token_expiry = time.monotonic() + float(data.get("expires_in", 3600)) - 60
        return self._token

    def _auth_headers(self) -> dict[str, str]:
        with self._token_lock:
            token = (
                self._token if self._token and time.monotonic() < self._token_expiry else self._fetch_token()
            )
        return {"Authorization": f"Bearer {token}"}

    def _on_unauthorized(self) -> bool:
        with self._token_lock:
            self._token = None
        return True

    def register_callback(self, url: str | None = None) -> None:
        """Tell KT where to POST result callbacks (BC-AG-SN-010)."""
        url = url or self.config.callback_url
        self._json(self._request("POST", "/v1/callback-url", json_body={"url": url}))
        self._callback_registered = True

    def _ensure_callback(self) -> None:
        if self.config.callback_url and not self._callback_registered:
            self.register_callback(self.config.callback_url)

    # sending
    def _common(self, n: int) -> dict[str, Any]:
        c = self.config
        return {
            "service_cd": c.service_cd,
            "service_key": c.service_key,
            "msg_cd": c.msg_cd,
            "msg_type": "2",
            "m_type": "LMS",
            "sndn_tot_cnt": n,
            "multi_mbl_prc_type": "2",
            "test_sndn_yn": "N",
        }

    @staticmethod
    def _req(i: int, d: OutgoingDocument, main: bool) -> dict[str, Any]:
        r: dict[str, Any] = {
            "src_key": d.key,
            "src_seq": str(i + 1),
            "ci": d.ci,
            "url": d.link,
            "payload": d.payload,
        }
        if main:
            r.update(
                {
                    "mms_title": d.title,
                    "mms_dtl_cnts": f"{d.message}\n{{#INFO_CFRM_STR}}\n{{#RCVE_RF_STR}}",
                    "doc_hash": d.doc_hash,
                }
            )
        return r

    def _post_messages(self, path: str, docs: Sequence[OutgoingDocument], main: bool) -> list[SendResult]:
        self._ensure_callback()
        results: dict[str, SendResult] = {}
        groups: dict[datetime | None, list[OutgoingDocument]] = {}
        for d in docs:  # 열람마감 (ex_time) is per request, so group by deadline
            groups.setdefault(d.read_deadline if main else None, []).append(d)
        for deadline, group in groups.items():
            for chunk in _chunks(group, self.config.batch_size):
                body = self._common(len(chunk))
                if deadline is not None:
                    body["ex_time"] = _kt_ts(deadline)
                else:
                    body["opt_type"] = "2"  # OPT_OUT 사전문자
                body["reqs"] = [self._req(i, d, main) for i, d in enumerate(chunk)]
                data = self._json(self._request("POST", path, json_body=body))
                by_key = {r.get("src_key"): r for r in data.get("reqs", [])}
                for d in chunk:
                    r = by_key.get(d.key)
                    if r is None:
                        results[d.key] = SendResult(d.key, SendOutcome.RETRY, code="NO_ANSWER")
                    elif r.get("rslt_cd") == "00":
                        results[d.key] = SendResult(d.key, SendOutcome.ACCEPTED, external_id=d.key, code="00")
                    else:
                        code = r.get("rslt_cd")
                        outcome = SendOutcome.REJECTED if code in KT_SEND_PERMANENT else SendOutcome.RETRY
                        results[d.key] = SendResult(d.key, outcome, code=code, message=r.get("rslt_msg"))
        return [results[d.key] for d in docs]

    def send(self, docs: Sequence[OutgoingDocument]) -> list[SendResult]:
        """본문자 (BC-AG-SN-002). external_id of an accepted message = its src_key (= our key)."""
        return self._post_messages("/v1/messages/main", docs, main=True)

    def pre_notify(self, docs: Sequence[OutgoingDocument]) -> list[SendResult]:
        """사전문자 (BC-AG-SN-001, opt-out pre-notice). Optional; results arrive as callbacks with req_type "pre"."""
        return self._post_messages("/v1/messages/pre", docs, main=False)

    # results
    def statuses(self, external_ids: Sequence[str]) -> list[StatusReport]:
        out: list[StatusReport] = []
        now = self.clock() if self.clock else None
        for chunk in _chunks(external_ids, 1000):
            data = self._json(self._request("POST", "/v1/results", sending=False,
                                            json_body={**self._service(), "src_keys": list(chunk)}))
            for item in data.get("results", []):
                if item.get("rslt_cd") != "00":
                    continue
                reports = [kt_record_report(r) for r in item.get("results", [])]
                src_key = str(item["src_key"])
                if not reports:
                    out.append(StatusReport(src_key, src_key, DeliveryState.SENT))
                    continue
                best = max(reports, key=lambda s: _RANK[s.state])
                delivered = next((s.delivered_at for s in reports if s.delivered_at), None)
                read = next((s.read_at for s in reports if s.read_at), None)
                state = best.state
                ex_time = _parse_kt_ts(item.get("ex_time"))
                if (
                    state == DeliveryState.DELIVERED
                    and now is not None
                    and ex_time is not None
                    and now > ex_time
                ):
                    state = DeliveryState.EXPIRED
                out.append(replace(best, state=state, delivered_at=delivered, read_at=read))
        return out

    def parse_callback(self, body: bytes, headers: Mapping[str, str], now: datetime) -> list[StatusReport]:
        """Verify and decode one result callback. Raises CallbackRejected on a bad/stale signature.

        Callbacks may arrive twice and out of order: apply each report only if it moves the delivery forward
        (SENT < DELIVERED < READ; FAILED only from SENT) and ignore repeats. 사전문자 results are skipped.
        """
        lower = {k.lower(): v for k, v in headers.items()}
        ts = lower.get(TIMESTAMP_HEADER.lower())
        sig = lower.get(SIGNATURE_HEADER.lower())
        if not verify_signature(
            self.config.callback_secret, ts, body, sig, now, self.config.callback_max_age
        ):
            raise CallbackRejected("bad or stale callback signature")
        try:
            data = json.loads(body)
        except ValueError as e:
            raise CallbackRejected("callback body is not JSON") from e
        records = data.get("results", []) if isinstance(data, dict) else []
        return [
            kt_record_report(r)
            for r in records
            if isinstance(r, dict) and r.get("req_type", "main") == "main"
        ]

    # reading
    def verify_token(self, external_id: str, token: str) -> TokenCheck:
        """BC-AG-SN-008 token 인증 확인."""
        resp = self._request("POST", "/v1/tokens/verify", json_body={**self._service(), "token": token},
                             sending=False)
        if 400 <= resp.status_code < 500:
            code, _ = _error_code(resp)
            return TokenCheck(valid=False, external_id=external_id, code=code)
        data = self._json(resp)
        ok = data.get("rslt_cd") == "00" and data.get("src_key") == external_id
        return TokenCheck(
            valid=ok,
            external_id=external_id,
            payload=data.get("payload") or "",
            code=data.get("rslt_cd") if ok else "SRC_KEY_MISMATCH",
        )

    def mark_read(self, external_id: str) -> None:
        """BC-AG-SN-009 열람확인결과전송."""
        body: dict[str, Any] = {**self._service(), "src_key": external_id}
        if self.clock is not None:
            body["mms_rdg_tmst"] = _kt_ts(self.clock())
        self._json(self._request("POST", "/v1/messages/read", json_body=body, sending=False))


# --- SMS ---------------------------------------------------------------------------------------------------------

SMS_PERMANENT_CODES = frozenset({"INVALID_NUMBER", "INVALID_PARAMETER", "BLOCKED_NUMBER"})
SMS_STATUS = {
    "SENT": DeliveryState.SENT,
    "DELIVERED": DeliveryState.DELIVERED,
    "FAILED": DeliveryState.FAILED,
}


class SmsAdapter(_HttpAdapter):
    provider = "sms"

    def send(self, messages: Sequence[SmsMessage]) -> list[SendResult]:
        out: list[SendResult] = []
        for chunk in _chunks(messages, self.config.batch_size):
            body = {
                "messages": [
                    {"key": m.key, "to": m.phone, "text": m.text, "payload": m.payload} for m in chunk
                ]
            }
            data = self._json(self._request("POST", "/v1/messages", json_body=body))
            by_key = {r.get("key"): r for r in data.get("messages", [])}
            out += [_item_result(m.key, by_key.get(m.key), "message_id", SMS_PERMANENT_CODES) for m in chunk]
        return out

    def statuses(self, external_ids: Sequence[str]) -> list[StatusReport]:
        out: list[StatusReport] = []
        for chunk in _chunks(external_ids, 1000):
            data = self._json(self._request("POST", "/v1/status", json_body={"message_ids": list(chunk)}))
            for r in data.get("messages", []):
                if r.get("status") not in SMS_STATUS:
                    continue
                out.append(
                    StatusReport(
                        key=r.get("key") or "",
                        external_id=r["message_id"],
                        state=SMS_STATUS[r["status"]],
                        code=r.get("code") or r["status"],
                        sent_at=_iso(r.get("sent_at")),
                        delivered_at=_iso(r.get("delivered_at")),
                    )
                )
        return out


# --- post office bulk mail ---------------------------------------------------------------------------------------

POST_STATUS = {
    "ACCEPTED": DeliveryState.SENT,  # 접수
    "IN_TRANSIT": DeliveryState.SENT,  # 발송/배달 중
    "DELIVERED": DeliveryState.DELIVERED,  # 배달완료
    "RETURNED": DeliveryState.FAILED,  # 반송 (code = reason)
}


class PostOfficeAdapter(_HttpAdapter):
    provider = "post"

    def submit_batch(self, batch_id: str, items: Sequence[MailItem]) -> MailReceipt:
        accepted = 0
        rejected: list[SendResult] = []
        for chunk in _chunks(items, max(self.config.batch_size, 1000)):
            body = {
                "batch_id": batch_id,
                "items": [
                    {
                        "key": i.key,
                        "mail_class": str(i.mail_class),
                        "postal_code": i.postal_code,
                        "address": i.address,
                        "recipient": i.recipient,
                        "pages": i.pages,
                        "doc_hash": i.doc_hash,
                        "payload": i.payload,
                    }
                    for i in chunk
                ],
            }
            data = self._json(self._request("POST", "/v1/batches", json_body=body))
            accepted += int(data.get("accepted", 0))
            rejected += [
                SendResult(
                    str(r.get("key")),
                    SendOutcome.REJECTED,
                    code=r.get("error_code"),
                    message=r.get("error_message"),
                )
                for r in data.get("rejected", [])
            ]
        return MailReceipt(batch_id=batch_id, accepted=accepted, rejected=rejected)

    def statuses(self, keys: Sequence[str]) -> list[StatusReport]:
        out: list[StatusReport] = []
        for chunk in _chunks(keys, 1000):
            data = self._json(self._request("POST", "/v1/status", json_body={"keys": list(chunk)}))
            for r in data.get("items", []):
                st = r.get("status")
                if st not in POST_STATUS:
                    continue
                out.append(
                    StatusReport(
                        key=r["key"],
                        external_id=r.get("tracking_number") or r["key"],
                        state=POST_STATUS[st],
                        code=r.get("reason") or st,
                        sent_at=_iso(r.get("accepted_at")),
                        delivered_at=_iso(r.get("delivered_at")),
                    )
                )
        return out

    def returns(self, since: date) -> list[ReturnedMail]:
        data = self._json(self._request("GET", "/v1/returns", params={"since": since.isoformat()}))
        return [
            ReturnedMail(key=r["key"], returned_on=date.fromisoformat(r["returned_on"]), reason=r["reason"])
            for r in data.get("returns", [])
        ]


# --- payment network / bank --------------------------------------------------------------------------------------


class BankAdapter(_HttpAdapter):
    provider = "bank"

    def register_bills(self, bills: Sequence[Bill]) -> None:
        for b in bills:
            if len(b.payment_number) != 19 or not b.payment_number.isdigit():
                raise ValueError(f"payment_number must be 19 digits: {b.payment_number!r}")
            if b.amount <= 0:
                raise ValueError(f"amount must be positive: {b.payment_number}")
        for chunk in _chunks(bills, max(self.config.batch_size, 1000)):
            body = {
                "bills": [
                    {
                        "payment_number": b.payment_number,
                        "virtual_account": b.virtual_account,
                        "amount": b.amount,
                        "due_date": b.due_date.isoformat(),
                        "payload": b.payload,
                    }
                    for b in chunk
                ]
            }
            data = self._json(self._request("POST", "/v1/bills", json_body=body))
            if data.get("rejected"):
                raise ProviderRequestError(
                    f"bank rejected bills: {data['rejected'][:5]}", code="INVALID_PARAMETER"
                )

    def bill(self, payment_number: str) -> Bill | None:
        """The bill the bank holds for a 전자납부번호 (what the citizen is asked to pay there), or None."""
        resp = self._request("GET", f"/v1/bills/{payment_number}")
        if resp.status_code == 404:
            return None
        b = self._json(resp)
        return Bill(payment_number=b["payment_number"], virtual_account=b.get("virtual_account") or "",
                    amount=int(b["amount"]), due_date=date.fromisoformat(b["due_date"]), payload=b.get("payload") or "")

    def feed_id(self) -> str:
        """The identity of the bank's transaction feed (its sequence numbers count within one feed)."""
        return str(self._json(self._request("GET", "/v1/feed"))["feed_id"])

    def transactions(self, after_seq: int, limit: int = 1000) -> list[BankTransaction]:
        data = self._json(
            self._request("GET", "/v1/transactions", params={"after": after_seq, "limit": limit})
        )
        return [_bank_transaction(t) for t in data.get("transactions", [])]


def _bank_transaction(t: Any) -> BankTransaction:
    """One feed line, checked: a line jingsu cannot book exactly as the bank meant it raises BankFeedError (Korean,
    naming the transaction and the field) rather than being booked with a guessed amount."""
    if not isinstance(t, dict):
        raise BankFeedError("은행 거래내역에 거래가 아닌 항목이 있습니다.")
    seq, tid = t.get("seq"), t.get("transaction_id")
    where = f"은행 거래내역 {seq}번 거래"
    if not isinstance(seq, int) or isinstance(seq, bool) or seq <= 0:
        raise BankFeedError(f"{where}: 순번(seq)이 양의 정수가 아닙니다.")
    if not isinstance(tid, str) or not tid.strip() or len(tid) > 64:
        raise BankFeedError(f"{where}: 거래번호가 비어 있거나 64자를 넘습니다.")
    where = f"은행 거래내역 {seq}번 거래({tid})"
    try:
        amount = parse_amount(t.get("amount"))
    except ValueError as e:
        raise BankFeedError(f"{where} 금액: {e}") from None
    try:
        paid_at = datetime.fromisoformat(str(t.get("paid_at")))
    except ValueError:
        raise BankFeedError(f"{where} 수납일시: ISO 8601 시각이 아닙니다.") from None
    if paid_at.tzinfo is None:
        raise BankFeedError(f"{where} 수납일시: 시간대가 없습니다.")
    refs: dict[str, str | None] = {}
    for key, name, width in (("payment_number", "전자납부번호", 19), ("virtual_account", "가상계좌", 20)):
        value = t.get(key)
        if value is not None and (not isinstance(value, str) or len(value) > width):
            raise BankFeedError(f"{where} {name}: {width}자 이하의 문자열이 아닙니다.")
        refs[key] = value or None
    channel = t.get("channel")
    if not isinstance(channel, str) or len(channel) > 30:
        raise BankFeedError(f"{where} 납부수단: 30자 이하의 문자열이 아닙니다.")
    return BankTransaction(
        seq=seq,
        transaction_id=tid,
        paid_at=paid_at,
        amount=amount,
        payment_number=refs["payment_number"],
        virtual_account=refs["virtual_account"],
        channel=channel,
    )


# --- payment gateway (간편결제) -----------------------------------------------------------------------------------

GATEWAY_NOTICE_FIELDS = ("tid", "order_id", "amount", "payment_number", "status")


def parse_gateway_notice(
    secret: str, body: bytes, headers: Mapping[str, str], now: datetime, max_age: float = DEFAULT_MAX_AGE
) -> GatewayNotice:
    """Verify and decode one gateway notice (docs/formats/gateway-notice.md). The signature is checked over the raw
    body bytes before anything is parsed. Raises GatewayNoticeRejected with reason bad_signature (wrong or missing
    signature), stale_timestamp (right signature, X-Timestamp more than `max_age` seconds from `now`) or malformed
    (signed, but not a notice)."""
    lower = {k.lower(): v for k, v in headers.items()}
    ts, sig = lower.get(TIMESTAMP_HEADER.lower()), lower.get(SIGNATURE_HEADER.lower())
    if not verify_signature(secret, ts, body, sig, now, max_age):
        if verify_signature(secret, ts, body, sig, now, float("inf")):
            raise GatewayNoticeRejected("stale_timestamp", "notice timestamp outside the accepted window")
        raise GatewayNoticeRejected("bad_signature", "bad or missing notice signature")
    try:
        data = json.loads(body)
        if not isinstance(data, dict) or any(data.get(f) in (None, "") for f in GATEWAY_NOTICE_FIELDS):
            raise ValueError(f"a notice needs {', '.join(GATEWAY_NOTICE_FIELDS)}")
        amount = data["amount"]
        if not isinstance(amount, int) or isinstance(amount, bool):
            raise ValueError("amount must be an integer (won)")
        status = str(data["status"])
        if status not in ("approved", "cancelled"):
            raise ValueError(f"unknown status {status!r}")
        approved_at = _iso(data.get("approved_at"))
        if status == "approved" and approved_at is None:
            raise ValueError("an approved notice needs approved_at")
        if approved_at is not None and approved_at.tzinfo is None:
            raise ValueError("approved_at needs a UTC offset")
        return GatewayNotice(
            tid=str(data["tid"])[:64],
            order_id=str(data["order_id"])[:64],
            amount=amount,
            payment_number=str(data["payment_number"]),
            status=status,
            approved_at=approved_at,
            method=str(data.get("method") or "easy-pay"),
        )
    except (ValueError, TypeError) as e:
        raise GatewayNoticeRejected("malformed", f"notice is not readable: {e}") from e


class PaymentGatewayAdapter(_HttpAdapter):
    """간편결제 gateway: `create_payment` (idempotent on order_id) → redirect the browser; the result arrives as a
    signed notice (`parse_notice`) before the browser comes back; `payment_status` asks for one payment."""

    provider = "pg"
    config: GatewayConfig

    def create_payment(
        self,
        *,
        order_id: str,
        amount: int,
        item_name: str,
        payment_number: str,
        return_url: str,
        notify_url: str,
    ) -> GatewayCheckout:
        if amount <= 0:
            raise ValueError("amount must be positive")
        if len(payment_number) != 19 or not payment_number.isdigit():
            raise ValueError(f"payment_number must be 19 digits: {payment_number!r}")
        body = {
            "order_id": order_id,
            "amount": amount,
            "item_name": item_name,
            "payment_number": payment_number,
            "return_url": return_url,
            "notify_url": notify_url,
        }
        data = self._json(self._request("POST", "/v1/payments", json_body=body))
        return GatewayCheckout(
            tid=str(data["tid"]), redirect_url=str(data["redirect_url"]), expires_at=_iso(data.get("expires_at"))
        )

    def payment_status(self, tid: str) -> GatewayPaymentStatus:
        data = self._json(self._request("GET", f"/v1/payments/{tid}"))
        return GatewayPaymentStatus(
            tid=str(data["tid"]),
            order_id=str(data["order_id"]),
            amount=int(data["amount"]),
            status=str(data["status"]),
            approved_at=_iso(data.get("approved_at")),
        )

    def parse_notice(self, body: bytes, headers: Mapping[str, str], now: datetime) -> GatewayNotice:
        return parse_gateway_notice(self.config.notice_secret, body, headers, now, self.config.notice_max_age)


# --- all six against a simulator ---------------------------------------------------------------------------------


@dataclass
class SimulatorAdapters:
    identity: IdentityAgencyAdapter
    kakao: KakaoAdapter
    kt: KtAdapter
    sms: SmsAdapter
    post: PostOfficeAdapter
    bank: BankAdapter
    gateway: PaymentGatewayAdapter

    def close(self) -> None:
        for a in (self.identity, self.kakao, self.kt, self.sms, self.post, self.bank, self.gateway):
            a.close()

    def __enter__(self) -> SimulatorAdapters:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def build_simulator_adapters(
    url: str,
    *,
    kt_callback_url: str | None = None,
    kt_clock: Any = None,
    rate_limits: Mapping[str, float] | None = None,
    pg_secret: str | None = None,
    kt_callback_secret: str | None = None,
    kakao_contract: KakaoContract | None = None,
    kt_contract: KtContract | None = None,
    **common: Any,
) -> SimulatorAdapters:
    """All adapters pointed at a simulator (or a gateway speaking the same APIs) at `url`, e.g. SimulatorProcess.url.

    `common` goes into every config (timeout=…, retry=RetryPolicy(…), redis_url=…, rate_limit=…);
    `rate_limits` sets a client-side requests/s per provider, e.g. {"kakao": 100, "kt": 50} (shared through Redis
    when redis_url is given). `kt_clock` (a jingsu Clock or callable) lets KT statuses report EXPIRED.
    `pg_secret`, `kt_callback_secret`: the payment gateway's notice key and KT's callback key (none: every notice or
    callback is refused — there is no default, not even the simulator's published one).
    `kakao_contract`, `kt_contract`: the deployment's contracts with the intermediaries (none: the simulator's
    defaults in KakaoConfig and KtConfig); an office's own is `adapter.with_contract(…)` (ProviderSet.intermediary).
    """
    url = url.rstrip("/")
    limits = dict(rate_limits or {})

    def cfg(kind: str, cls: type[HttpConfig] = HttpConfig, **extra: Any) -> Any:
        kw = dict(common)
        if kind in limits:
            kw["rate_limit"] = limits[kind]
        return cls(base_url=f"{url}/{kind}", **kw, **extra)

    kakao = {"contract_uuid": kakao_contract.contract_uuid} if kakao_contract else {}
    kt = ({"client_id": kt_contract.client_id, "client_secret": kt_contract.client_secret,
           "service_cd": kt_contract.service_cd, "service_key": kt_contract.service_key, "msg_cd": kt_contract.msg_cd}
          if kt_contract else {})
    return SimulatorAdapters(
        identity=IdentityAgencyAdapter(cfg("identity")),
        kakao=KakaoAdapter(cfg("kakao", KakaoConfig, **kakao)),
        kt=KtAdapter(cfg("kt", KtConfig, callback_url=kt_callback_url, **kt,
                         **({"callback_secret": kt_callback_secret} if kt_callback_secret else {})), clock=kt_clock),
        sms=SmsAdapter(cfg("sms")),
        post=PostOfficeAdapter(cfg("post")),
        bank=BankAdapter(cfg("bank")),
        gateway=PaymentGatewayAdapter(
            cfg("pg", GatewayConfig, **({"notice_secret": pg_secret} if pg_secret else {}))
        ),
    )
