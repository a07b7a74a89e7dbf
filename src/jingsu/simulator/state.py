"""Thread-safe in-memory state of the simulated providers.

Each provider de-duplicates on its idempotency key and schedules its events in sim time when it accepts an item;
what a client sees is computed from those schedules and the current sim time. Nothing here knows about HTTP.
"""

from __future__ import annotations

import heapq
import itertools
import json
import logging
import random
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from jingsu.providers.signing import signed_headers
from jingsu.simulator.clock import SimClock
from jingsu.simulator.world import KST, World

log = logging.getLogger("jingsu.simulator")

PROVIDERS = ("identity", "kakao", "kt", "sms", "post", "bank")


class BadRequest(Exception):
    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def iso(dt: datetime | None) -> str | None:
    return dt.astimezone(KST).isoformat() if dt is not None else None


def epoch(dt: datetime | None) -> int | None:
    return int(dt.timestamp()) if dt is not None else None


def kt_ts(dt: datetime | None) -> str:
    return dt.astimezone(KST).strftime("%Y%m%d%H%M%S") if dt is not None else ""


def parse_kt_ts(value: str) -> datetime:
    try:
        return datetime.strptime(value, "%Y%m%d%H%M%S").replace(tzinfo=KST)
    except (TypeError, ValueError) as e:
        raise BadRequest("E001", f"bad YYYYMMDDHHMISS time: {value!r}") from e


def _str(d: dict[str, Any], name: str, max_len: int, required: bool = True) -> str:
    v = d.get(name)
    if v is None or v == "":
        if required:
            raise ValueError(f"{name} is required")
        return ""
    if not isinstance(v, str):
        raise ValueError(f"{name} must be a string")
    if len(v) > max_len:
        raise ValueError(f"{name} longer than {max_len}")
    return v


def _list(body: Any, name: str) -> list[Any]:
    if not isinstance(body, dict) or not isinstance(body.get(name), list):
        raise BadRequest("INVALID_PARAMETER", f"body must be an object with a list '{name}'")
    return body[name]


# --- statistics for /sim/v1/inspect -------------------------------------------------------------------------------


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests = 0
        self.received = 0
        self.keys: Counter[str] = Counter()
        self.faults: Counter[str] = Counter()
        self.rate_limited = 0

    def request(self) -> None:
        with self.lock:
            self.requests += 1

    def fault(self, mode: str) -> None:
        with self.lock:
            self.faults[mode] += 1

    def limited(self) -> None:
        with self.lock:
            self.rate_limited += 1

    def keys_received(self, keys: list[str]) -> None:
        with self.lock:
            self.received += len(keys)
            self.keys.update(keys)

    def snapshot(self, accepted: int, with_counts: bool = False) -> dict[str, Any]:
        with self.lock:
            dups = {k: n for k, n in self.keys.items() if n > 1}
            out: dict[str, Any] = {
                "requests": self.requests,
                "received": self.received,
                "unique": len(self.keys),
                "accepted": accepted,
                "duplicates": sorted(dups),
                "duplicate_counts": dups,
                "faults": dict(self.faults),
                "rate_limited": self.rate_limited,
            }
            if with_counts:
                out["counts"] = dict(self.keys)
            return out


# --- bank / payment network --------------------------------------------------------------------------------------


@dataclass
class BillRec:
    payment_number: str
    virtual_account: str
    amount: int
    due_date: str
    payload: str
    registered_at: datetime


@dataclass
class PayIntent:
    payload: str
    pay_at: datetime
    source: str


class Bank:
    def __init__(self, world: World, clock: SimClock, stats: Stats):
        self.world, self.clock, self.stats = world, clock, stats
        self.lock = threading.Lock()
        self.bills: dict[str, BillRec] = {}
        self.by_payload: dict[str, set[str]] = defaultdict(set)
        self.intents: dict[str, PayIntent] = {}
        self.intent_heap: list[tuple[datetime, str]] = []
        self.done: set[str] = set()
        self.pending: list[tuple[datetime, str, int, dict[str, Any]]] = []
        self.transactions: list[dict[str, Any]] = []
        self.intents_without_bills = 0
        self._tie = itertools.count()
        # A simulator process is one bank: its feed's sequence starts at 1. A client keeps its place per feed_id, so
        # a new simulator (a new feed) is read from the start, and a real bank's feed keeps one id for ever.
        self.feed_id = "SIMBANK-" + uuid.uuid4().hex[:16].upper()

    def feed(self) -> dict[str, Any]:
        with self.lock:
            return {"feed_id": self.feed_id, "last_seq": len(self.transactions)}

    def schedule(self, payload: str, pay_at: datetime | None, source: str) -> None:
        """A simulated recipient decided to pay the notice `payload` at `pay_at` (earliest decision wins)."""
        if not payload or pay_at is None:
            return
        with self.lock:
            if payload in self.done:
                return
            cur = self.intents.get(payload)
            if cur is None or pay_at < cur.pay_at:
                self.intents[payload] = PayIntent(payload, pay_at, source)
                heapq.heappush(self.intent_heap, (pay_at, payload))

    def register(self, bills: list[Any]) -> dict[str, Any]:
        now = self.clock.now()
        rejected = []
        keys = []
        new_payloads: list[str] = []
        with self.lock:
            for b in bills:
                try:
                    if not isinstance(b, dict):
                        raise ValueError("bill must be an object")
                    pn = _str(b, "payment_number", 19)
                    if len(pn) != 19 or not pn.isdigit():
                        raise ValueError("payment_number must be 19 digits")
                    va = _str(b, "virtual_account", 20, required=False)  # optional: 전자납부번호 only
                    amount = b.get("amount")
                    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
                        raise ValueError("amount must be a positive integer (won)")
                    due = _str(b, "due_date", 10)
                    date.fromisoformat(due)
                    payload = _str(b, "payload", 200, required=False)
                except ValueError as e:
                    pn_val = b.get("payment_number") if isinstance(b, dict) else None
                    rejected.append(
                        {"payment_number": pn_val, "error_code": "INVALID_PARAMETER", "error_message": str(e)}
                    )
                    continue
                keys.append(pn)
                old = self.bills.get(pn)
                if old is not None and old.payload != payload:
                    self.by_payload[old.payload].discard(pn)
                self.bills[pn] = BillRec(pn, va, amount, due, payload, old.registered_at if old else now)
                if payload:
                    if payload not in self.by_payload:
                        new_payloads.append(payload)
                    self.by_payload[payload].add(pn)
        self.stats.keys_received(keys)
        for payload in new_payloads:  # some pay on their own, notice or not: the control group's baseline
            self.schedule(payload, self.world.baseline_pay_at(payload, now), "baseline")
        return {"registered": len(keys), "rejected": rejected}

    def _txn(self, idx: int, payload: str, at: datetime, amount: int, bill: BillRec, channel: str) -> None:
        if channel == "virtual-account" and not bill.virtual_account:
            channel = "e-payment"  # no virtual account issued for this bill: pay with the 전자납부번호
        rec = {
            "transaction_id": "TX" + self.world.hexid("tx", payload, str(idx), n=20).upper(),
            "paid_at": at,
            "amount": amount,
            "payment_number": None if channel == "virtual-account" else bill.payment_number,
            "virtual_account": bill.virtual_account if channel == "virtual-account" else None,
            "channel": channel,
        }
        heapq.heappush(self.pending, (at, rec["transaction_id"], next(self._tie), rec))

    def add_gateway_payment(self, tid: str, at: datetime, amount: int, payment_number: str) -> None:
        """A 간편결제 approved at the payment gateway settles through the bank: one feed line, channel easy-pay,
        transaction id = the gateway's tid (so the merchant can tell it is the money the gateway notice announced).
        Whoever paid the bill this way will not pay the same notice again (the earliest decision wins)."""
        rec = {
            "transaction_id": tid,
            "paid_at": at,
            "amount": amount,
            "payment_number": payment_number,
            "virtual_account": None,
            "channel": "easy-pay",
        }
        with self.lock:
            heapq.heappush(self.pending, (at, tid, next(self._tie), rec))
            bill = self.bills.get(payment_number)
            if bill is not None and bill.payload:
                self.intents.pop(bill.payload, None)
                self.done.add(bill.payload)

    def add_transactions(self, items: list[Any]) -> dict[str, Any]:
        """Test/demo control: put transactions in the feed now, as the bank would report them (a repeated id, a
        malformed amount — a string, full-width digits — are passed on untouched: the feed reader must cope)."""
        now = self.clock.now()
        with self.lock:
            self._materialize(now)
            seqs = []
            for t in items:
                if not isinstance(t, dict) or not t.get("transaction_id"):
                    raise ValueError("each transaction needs a transaction_id")
                rec = {
                    "transaction_id": str(t["transaction_id"]),
                    "paid_at": datetime.fromisoformat(t["paid_at"]) if t.get("paid_at") else now,
                    "amount": t.get("amount"),
                    "payment_number": t.get("payment_number"),
                    "virtual_account": t.get("virtual_account"),
                    "channel": t.get("channel") or "e-payment",
                    "seq": len(self.transactions) + 1,
                }
                self.transactions.append(rec)
                seqs.append(rec["seq"])
            return {"added": len(seqs), "seqs": seqs}

    def _pay(self, it: PayIntent) -> None:
        bills = sorted(
            (
                self.bills[pn]
                for pn in self.by_payload.get(it.payload, ())
                if self.bills[pn].registered_at <= it.pay_at
            ),
            key=lambda b: b.payment_number,
        )
        if not bills:
            self.intents_without_bills += 1
            return
        plan = self.world.pay_plan(it.payload)
        at = it.pay_at
        n = 0
        if plan.mode == "partial" and bills[0].virtual_account:
            b = bills[0]
            amt = int(b.amount * plan.partial_fraction) // 1000 * 1000
            if amt <= 0 or amt >= b.amount:
                amt = max(10, b.amount // 2 // 10 * 10)
            self._txn(0, it.payload, at, amt, b, "virtual-account")
            return
        # without a virtual account, a partial payer pays one bill in full
        chosen = bills[:1] if plan.mode in ("one_bill", "partial") else bills
        if (
            plan.channel == "virtual-account"
            and chosen[0].virtual_account
            and len({b.virtual_account for b in chosen}) == 1
            and len(chosen) > 1
        ):
            # one transfer of the total into the taxpayer's single virtual account
            self._txn(0, it.payload, at, sum(b.amount for b in chosen), chosen[0], "virtual-account")
            n = 1
        else:
            for b in chosen:
                self._txn(n, it.payload, at + timedelta(seconds=20 * n), b.amount, b, plan.channel)
                n += 1
        if plan.mode == "twice":
            b = bills[0]
            self._txn(
                n, it.payload, at + timedelta(seconds=plan.twice_delay_s), b.amount, b, plan.second_channel
            )

    def _materialize(self, now: datetime) -> None:
        while self.intent_heap and self.intent_heap[0][0] <= now:
            pay_at, payload = heapq.heappop(self.intent_heap)
            it = self.intents.get(payload)
            if it is None or it.pay_at != pay_at:
                continue  # superseded by an earlier decision
            del self.intents[payload]
            self.done.add(payload)
            self._pay(it)
        while self.pending and self.pending[0][0] <= now:
            _, _, _, rec = heapq.heappop(self.pending)
            rec["seq"] = len(self.transactions) + 1
            self.transactions.append(rec)

    def list_transactions(self, after: int, limit: int) -> dict[str, Any]:
        now = self.clock.now()
        with self.lock:
            self._materialize(now)
            rows = self.transactions[max(after, 0) : max(after, 0) + limit]
            out = [
                {
                    "seq": r["seq"],
                    "transaction_id": r["transaction_id"],
                    "paid_at": iso(r["paid_at"]),
                    "amount": r["amount"],
                    "payment_number": r["payment_number"],
                    "virtual_account": r["virtual_account"],
                    "channel": r["channel"],
                }
                for r in rows
            ]
            last = out[-1]["seq"] if out else max(after, 0)
            return {"transactions": out, "next_after": last, "has_more": len(self.transactions) > last}

    def accepted(self) -> int:
        with self.lock:
            return len(self.bills)

    def bill(self, payment_number: str) -> dict[str, Any] | None:
        """One registered bill as the bank holds it (what a citizen sees at the bank, an ATM or 위택스 for the
        전자납부번호), or None."""
        with self.lock:
            b = self.bills.get(payment_number)
            if b is None:
                return None
            return {"payment_number": b.payment_number, "virtual_account": b.virtual_account, "amount": b.amount,
                    "due_date": b.due_date, "payload": b.payload}

    def summary(self) -> dict[str, Any]:
        with self.lock:
            return {
                "bills": len(self.bills),
                "pending_intents": len(self.intents),
                "paid_notices": len(self.done),
                "transactions": len(self.transactions),
                "intents_without_bills": self.intents_without_bills,
            }


# --- identity agency ---------------------------------------------------------------------------------------------


class Identity:
    def __init__(self, world: World, stats: Stats):
        self.world, self.stats = world, stats
        self.refs: set[str] = set()
        self.lock = threading.Lock()

    def batch(self, items: list[Any]) -> dict[str, Any]:
        out = []
        refs = []
        for it in items:
            if not isinstance(it, dict) or not isinstance(it.get("ref"), str):
                raise BadRequest("INVALID_PARAMETER", "each item needs a string 'ref'")
            ref = it["ref"]
            num = it.get("registration_number")
            refs.append(ref)
            if not isinstance(num, str):
                out.append({"ref": ref, "ci": None, "code": "INVALID"})
                continue
            ci, code = self.world.ci_for(num)
            out.append({"ref": ref, "ci": ci, "code": code})
        with self.lock:
            self.refs.update(refs)
        self.stats.keys_received(refs)
        return {"items": out}

    def accepted(self) -> int:
        with self.lock:
            return len(self.refs)


# --- Kakao 내문서함 ---------------------------------------------------------------------------------------------


@dataclass
class Token:
    issued_at: datetime
    expires_at: datetime
    used_at: datetime | None = None


@dataclass
class KakaoDoc:
    binder: str
    ext: str
    ci: str
    title: str
    message: str
    link: str
    payload: str
    hash: str
    deadline: datetime
    sent_at: datetime
    delivered_at: datetime
    sched_read_at: datetime | None
    manual_read_at: datetime | None = None
    authenticated_at: datetime | None = None
    tokens: dict[str, Token] = field(default_factory=dict)
    contract: str = ""  # the Contract-Uuid it was sent under
    asked_under: set[str] = field(default_factory=set)  # the Contract-Uuids its status, token or read came under

    def read_at(self, now: datetime) -> datetime | None:
        cands = [t for t in (self.sched_read_at, self.manual_read_at) if t is not None and t <= now]
        return min(cands) if cands else None

    def status(self, now: datetime) -> str:
        if self.read_at(now) is not None:
            return "READ"
        if now > self.deadline:
            return "EXPIRED"
        if self.delivered_at <= now:
            return "RECEIVED"
        return "SENT"


class Kakao:
    def __init__(self, world: World, clock: SimClock, bank: Bank, stats: Stats):
        self.world, self.clock, self.bank, self.stats = world, clock, bank, stats
        self.lock = threading.Lock()
        self.docs: dict[str, KakaoDoc] = {}  # by external_document_uuid
        self.by_binder: dict[str, KakaoDoc] = {}

    def _one(self, d: Any, now: datetime, contract: str = "") -> tuple[dict[str, Any], str | None]:
        ext = None
        try:
            if not isinstance(d, dict):
                raise ValueError("document must be an object")
            prop = d.get("property") or {}
            if not isinstance(prop, dict):
                raise ValueError("property must be an object")
            ext = prop.get("external_document_uuid")
            ext = _str(prop, "external_document_uuid", 40)
            with self.lock:
                existing = self.docs.get(ext)
            if existing is not None:
                return {"external_document_uuid": ext, "document_binder_uuid": existing.binder}, ext
            title = _str(d, "title", 40)
            receiver = d.get("receiver") or {}
            if not isinstance(receiver, dict):
                raise ValueError("receiver must be an object")
            ci = _str(receiver, "ci", 88)
            link = _str(prop, "link", 100)
            message = _str(prop, "message", 500, required=False)
            payload = _str(prop, "payload", 200, required=False)
            doc_hash = _str(d, "hash", 40, required=False)
            if isinstance(d.get("read_expired_at"), int):
                deadline = datetime.fromtimestamp(d["read_expired_at"], UTC)
            elif isinstance(d.get("read_expired_sec"), int):
                deadline = now + timedelta(seconds=d["read_expired_sec"])
            else:
                raise ValueError("read_expired_at (epoch) or read_expired_sec is required")
            if deadline <= now:
                raise ValueError("read_expired_at is in the past")
        except ValueError as e:
            return {
                "external_document_uuid": ext,
                "error_code": "INVALID_PARAMETER",
                "error_message": str(e),
            }, (ext if isinstance(ext, str) else None)
        if not self.world.is_kakao_user(ci):
            return {
                "external_document_uuid": ext,
                "error_code": "NOT_FOUND_USER",
                "error_message": "수신자가 카카오톡 사용자가 아닙니다",
            }, ext
        if self.world.kakao_refuses(ci):
            return {
                "external_document_uuid": ext,
                "error_code": "RECEIVE_REFUSED",
                "error_message": "수신거부한 사용자입니다",
            }, ext
        # what the recipient sees without opening (the chat bubble): its wording may move them to pay
        eng = self.world.document_engagement(
            "kakao", ci, payload, now, deadline, delivered=True, text=f"{title}\n{message}"
        )
        assert eng.delivered_at is not None
        doc = KakaoDoc(
            binder="BIN-" + self.world.uuid("kakao-binder", ext),
            ext=ext,
            ci=ci,
            title=title,
            message=message,
            link=link,
            payload=payload,
            hash=doc_hash,
            deadline=deadline,
            sent_at=now,
            delivered_at=eng.delivered_at,
            sched_read_at=eng.read_at,
            contract=contract,
        )
        with self.lock:
            existing = self.docs.get(ext)
            if existing is not None:  # a concurrent duplicate won the race
                return {"external_document_uuid": ext, "document_binder_uuid": existing.binder}, ext
            self.docs[ext] = doc
            self.by_binder[doc.binder] = doc
        self.bank.schedule(payload, eng.pay_at, "kakao")
        return {"external_document_uuid": ext, "document_binder_uuid": doc.binder}, ext

    def send_bulk(self, documents: list[Any], contract: str = "") -> dict[str, Any]:
        """`contract`: the request's Contract-Uuid, recorded on each document it creates (`contracts`)."""
        now = self.clock.now()
        out, keys = [], []
        for d in documents:
            res, key = self._one(d, now, contract)
            out.append(res)
            if key is not None:
                keys.append(key)
        self.stats.keys_received(keys)
        return {"documents": out}

    def _status_of(self, doc: KakaoDoc, now: datetime) -> dict[str, Any]:
        read_at = doc.read_at(now)
        delivered = doc.delivered_at if doc.delivered_at <= now else None
        auth = doc.authenticated_at or read_at
        return {
            "document_binder_uuid": doc.binder,
            "external_document_uuid": doc.ext,
            "doc_box_status": doc.status(now),
            "doc_box_sent_at": epoch(doc.sent_at),
            "doc_box_received_at": epoch(delivered),
            "user_notified_at": epoch(delivered),
            "authenticated_at": epoch(auth),
            "token_used_at": epoch(auth),
            "doc_box_read_at": epoch(read_at),
            "read_expired_at": epoch(doc.deadline),
            "payload": doc.payload,
        }

    def statuses(self, binders: list[Any], contract: str = "") -> dict[str, Any]:
        now = self.clock.now()
        out = []
        with self.lock:
            for b in binders:
                doc = self.by_binder.get(b) if isinstance(b, str) else None
                if doc is None:
                    out.append({"document_binder_uuid": b, "error_code": "NOT_FOUND_DOCUMENT"})
                else:
                    doc.asked_under.add(contract)
                    out.append(self._status_of(doc, now))
        return {"documents": out}

    def contracts(self) -> dict[str, Any]:
        """Per document (by external_document_uuid): its binder, the contract it was sent under and the contracts
        asked about it since (status, token, read) — which sending institution sent what."""
        with self.lock:
            return {ext: {"binder": d.binder, "contract": d.contract, "asked_under": sorted(d.asked_under)}
                    for ext, d in self.docs.items()}

    def contract_counts(self) -> dict[str, int]:
        with self.lock:
            return dict(Counter(d.contract for d in self.docs.values()))

    def _doc(self, binder: str) -> KakaoDoc:
        doc = self.by_binder.get(binder)
        if doc is None:
            raise BadRequest("NOT_FOUND_DOCUMENT", "no such document", 404)
        return doc

    def open(self, binder: str) -> dict[str, Any]:
        """Simulator control: the recipient taps [열람하기] and completes 본인인증 → an OTT on the link."""
        now = self.clock.now()
        with self.lock:
            doc = self._doc(binder)
            if doc.status(now) == "EXPIRED":
                raise BadRequest("DOCUMENT_EXPIRED", "열람기한이 지났습니다")
            token = self.world.hexid("ott", binder, str(len(doc.tokens)), n=40)
            doc.tokens[token] = Token(now, now + timedelta(seconds=self.world.params.ott_validity_s))
            doc.authenticated_at = doc.authenticated_at or now
            sep = "&" if "?" in doc.link else "?"
            return {
                "document_binder_uuid": binder,
                "token": token,
                "url": f"{doc.link}{sep}token={token}&document_binder_uuid={binder}",
            }

    def verify_token(self, binder: str, token: str, contract: str = "") -> dict[str, Any]:
        now = self.clock.now()
        with self.lock:
            doc = self._doc(binder)
            doc.asked_under.add(contract)
            t = doc.tokens.get(token)
            if t is None:
                raise BadRequest("INVALID_TOKEN", "유효하지 않은 토큰입니다")
            if t.used_at is not None:
                raise BadRequest("TOKEN_ALREADY_USED", "이미 사용된 토큰입니다")
            if now > t.expires_at:
                raise BadRequest("TOKEN_EXPIRED", "만료된 토큰입니다")
            t.used_at = now
            return {
                "token_status": "USED",
                "token_expires_at": epoch(t.expires_at),
                "token_used_at": epoch(now),
                "doc_box_sent_at": epoch(doc.sent_at),
                "doc_box_received_at": epoch(min(doc.delivered_at, now)),
                "authenticated_at": epoch(doc.authenticated_at),
                "user_notified_at": epoch(min(doc.delivered_at, now)),
                "payload": doc.payload,
                "signed_at": None,
            }

    def mark_read(self, binder: str, body: Any, contract: str = "") -> dict[str, Any]:
        if not (isinstance(body, dict) and isinstance(body.get("document"), dict)):
            raise BadRequest("INVALID_PARAMETER", 'body must be {"document": {"is_detail_read": true}}')
        if body["document"].get("is_detail_read") is not True:
            raise BadRequest("INVALID_PARAMETER", "is_detail_read must be true")
        now = self.clock.now()
        with self.lock:
            doc = self._doc(binder)
            doc.asked_under.add(contract)
            if doc.read_at(now) is None:
                if now > doc.deadline:
                    raise BadRequest("DOCUMENT_EXPIRED", "열람기한이 지났습니다")
                doc.manual_read_at = now
                doc.delivered_at = min(doc.delivered_at, now)
            return {"document_binder_uuid": binder, "doc_box_read_at": epoch(doc.read_at(now))}

    def accepted(self) -> int:
        with self.lock:
            return len(self.docs)


# --- KT 공인알림문자 --------------------------------------------------------------------------------------------


@dataclass
class KtMsg:
    kind: str  # "pre" | "main"
    src_key: str
    ci: str
    msg_cd: str
    ex_time: datetime | None
    payload: str
    url: str
    accepted_at: datetime
    text: str = ""  # main: mms_title + mms_dtl_cnts, what the handset shows (its wording may move them to pay)
    records: list[dict[str, Any]] = field(default_factory=list)
    tokens: dict[str, Token] = field(default_factory=dict)
    client_id: str = ""  # the OAuth client whose token sent it
    service_cd: str = ""  # the service code it was sent under (with msg_cd: the sending institution)
    asked_under: set[tuple[str, str]] = field(default_factory=set)  # (client_id, service_cd) of results/token/read


PLACEHOLDERS = ("{#INFO_CFRM_STR}", "{#RCVE_RF_STR}")


class CallbackDispatcher:
    """Delivers KT result callbacks (BC-AG-SN-010) once sim time passes them; signs each POST.

    Faults (at the fault rate): a batch is posted twice, or split and posted in reverse order (out of order).
    Failed posts are retried a few times (real time), then dropped; the results stay available by polling.
    """

    def __init__(
        self,
        clock: SimClock,
        secret: str,
        fault_rate: Callable[[], float],
        rng: random.Random,
    ):
        self.clock, self.secret, self.fault_rate, self.rng = clock, secret, fault_rate, rng
        self.lock = threading.Lock()
        self.heap: list[tuple[datetime, int, dict[str, Any]]] = []
        self.waiting: list[dict[str, Any]] = []  # due before any callback URL was registered
        self.url: str | None = None
        self._seq = itertools.count()
        self.stop = threading.Event()
        self.counts: Counter[str] = Counter()
        self.thread = threading.Thread(target=self._run, name="kt-callbacks", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def set_url(self, url: str | None) -> None:
        with self.lock:
            self.url = url

    def push(self, at: datetime, record: dict[str, Any]) -> None:
        with self.lock:
            heapq.heappush(self.heap, (at, next(self._seq), record))

    def _due(self) -> tuple[str | None, list[dict[str, Any]]]:
        now = self.clock.now()
        with self.lock:
            due = []
            while self.heap and self.heap[0][0] <= now:
                due.append(heapq.heappop(self.heap)[2])
            if self.url is None:
                self.waiting.extend(due)
                return None, []
            if self.waiting:
                due = self.waiting + due
                self.waiting = []
            return self.url, due

    def _post(self, url: str, records: list[dict[str, Any]]) -> None:
        body = json.dumps({"results": records}, ensure_ascii=False).encode()
        delays = (0.05, 0.2, 0.5, 1.0)
        for attempt in range(len(delays) + 1):
            ts = str(int(self.clock.now().timestamp()))
            headers = signed_headers(self.secret, ts, body)
            req = urllib.request.Request(url, data=body, method="POST", headers=headers)
            try:
                with urllib.request.urlopen(req, timeout=5) as resp:
                    if 200 <= resp.status < 300:
                        with self.lock:
                            self.counts["posts"] += 1
                            self.counts["records"] += len(records)
                        return
            except (urllib.error.URLError, OSError, ValueError) as e:
                log.debug("callback to %s failed: %s", url, e)
            if attempt < len(delays):
                time.sleep(delays[attempt])
        with self.lock:
            self.counts["failed_posts"] += 1
            self.counts["failed_records"] += len(records)

    def _run(self) -> None:
        while not self.stop.is_set():
            with self.clock.changed:
                self.clock.changed.wait(timeout=0.05)
            try:
                url, due = self._due()
                if not url or not due:
                    continue
                for i in range(0, len(due), 100):
                    chunk = due[i : i + 100]
                    f = self.fault_rate()
                    if f > 0 and len(chunk) > 1 and self.rng.random() < f:
                        half = len(chunk) // 2  # out of order: later records first
                        with self.lock:
                            self.counts["reordered_posts"] += 1
                        self._post(url, list(reversed(chunk[half:])))
                        self._post(url, list(reversed(chunk[:half])))
                    else:
                        self._post(url, chunk)
                    if f > 0 and self.rng.random() < f / 2:
                        with self.lock:
                            self.counts["duplicate_posts"] += 1
                        self._post(url, chunk)
            except Exception:  # never let the dispatcher die
                log.exception("callback dispatcher error")

    def summary(self) -> dict[str, Any]:
        with self.lock:
            return {
                "url": self.url,
                "scheduled": len(self.heap),
                "waiting_for_url": len(self.waiting),
                **dict(self.counts),
            }


class Kt:
    def __init__(
        self, world: World, clock: SimClock, bank: Bank, stats: Stats, dispatcher: CallbackDispatcher
    ):
        self.world, self.clock, self.bank, self.stats, self.dispatcher = world, clock, bank, stats, dispatcher
        self.lock = threading.Lock()
        self.msgs: dict[tuple[str, str], KtMsg] = {}
        self.tokens: dict[str, tuple[str, float]] = {}  # access_token → (client_id, real expiry)
        self.ott: dict[str, KtMsg] = {}

    # auth
    def issue_token(self, form: dict[str, str]) -> dict[str, Any]:
        if form.get("grant_type") != "client_credentials":
            raise BadRequest("unsupported_grant_type", "grant_type must be client_credentials")
        if not form.get("client_id") or not form.get("client_secret"):
            raise BadRequest("invalid_client", "client_id and client_secret are required", 401)
        tok = "KT-" + self.world.hexid("kt-token", form["client_id"], str(time.monotonic_ns()), n=32)
        with self.lock:
            self.tokens[tok] = (form["client_id"], time.monotonic() + 3600)
        return {"access_token": tok, "token_type": "bearer", "expires_in": 3600, "scope": "ag.api"}

    def check_token(self, header: str | None) -> bool:
        if not header or not header.startswith("Bearer "):
            return False
        with self.lock:
            t = self.tokens.get(header[7:])
        return t is not None and t[1] > time.monotonic()

    def client_of(self, header: str | None) -> str:
        """The client_id an access token was issued to ("" for none)."""
        if not header or not header.startswith("Bearer "):
            return ""
        with self.lock:
            t = self.tokens.get(header[7:])
        return t[0] if t is not None else ""

    @staticmethod
    def asker(body: Any, client_id: str) -> tuple[str, str]:
        service = body.get("service_cd") if isinstance(body, dict) else None
        return client_id, service if isinstance(service, str) else ""

    def contracts(self) -> dict[str, Any]:
        """Per message (`pre:`/`main:` + src_key): the client, service code and 문서코드 it was sent under and the
        (client, service code) pairs that asked about it since (results, token, read)."""
        with self.lock:
            return {f"{kind}:{key}": {"client_id": m.client_id, "service_cd": m.service_cd, "msg_cd": m.msg_cd,
                                      "asked_under": [list(a) for a in sorted(m.asked_under)]}
                    for (kind, key), m in self.msgs.items()}

    def contract_counts(self) -> dict[str, int]:
        """Messages per sending institution, "service_cd/msg_cd"."""
        with self.lock:
            return dict(Counter(f"{m.service_cd}/{m.msg_cd}" for m in self.msgs.values()))

    def _record(
        self, m: KtMsg, sqno: int, code: str, at: datetime, rcv: datetime | None, rdg: datetime | None
    ) -> dict[str, Any]:
        carrier = ("01", "02", "03")[int(self.world.u("carrier", m.ci) * 3)]
        return {
            "src_key": m.src_key,
            "req_type": m.kind,
            "mms_sndg_rslt_sqno": sqno,
            "prcs_dt": kt_ts(at),
            "mms_bsns_dvcd": m.msg_cd,
            "mbl_bzowr_dvcd": carrier,
            "mms_sndg_rslt_dvcd": code,
            "mms_sndg_tmst": kt_ts(m.accepted_at),
            "mms_rcv_tmst": kt_ts(rcv),
            "mms_rdg_tmst": kt_ts(rdg),
            "rl_mms_sndg_telno": "****" + str(int(self.world.u("telno", m.ci) * 10000)).zfill(4),
            "prev_approve_yn": "N",
            "rcv_npost": "npost-" + self.world.hexid("npost", m.ci, n=12),
            "rcv_plfm_id": "KT",
            "rcs_yn": "N",
            "_at": at,
        }

    def _schedule(self, m: KtMsg) -> None:
        code = self.world.kt_result_code(m.ci)
        if m.kind == "pre":
            eng = self.world.document_engagement("kt-pre", m.ci, m.payload, m.accepted_at, None, code == "40")
            first_at = eng.delivered_at or m.accepted_at + timedelta(
                seconds=5 + 55 * self.world.u("ktf", m.src_key)
            )
            m.records.append(self._record(m, 1, code, first_at, eng.delivered_at, None))
        else:
            eng = self.world.document_engagement(
                "kt", m.ci, m.payload, m.accepted_at, m.ex_time, code == "40", text=m.text
            )
            first_at = eng.delivered_at or m.accepted_at + timedelta(
                seconds=5 + 55 * self.world.u("ktf", m.src_key)
            )
            m.records.append(self._record(m, 1, code, first_at, eng.delivered_at, None))
            if eng.noticed_at is not None and eng.read_at is not None:
                m.records.append(self._record(m, 2, "50", eng.noticed_at, eng.delivered_at, None))
                m.records.append(self._record(m, 2, "60", eng.read_at, eng.delivered_at, eng.read_at))
            self.bank.schedule(m.payload, eng.pay_at, "kt")
        for r in m.records:
            self.dispatcher.push(r["_at"], self._public(r))

    @staticmethod
    def _public(r: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in r.items() if not k.startswith("_")}

    def send(self, kind: str, body: Any, client_id: str = "") -> dict[str, Any]:
        """`client_id`: the client whose token made the request, recorded with the service code (`contracts`)."""
        if not isinstance(body, dict):
            raise BadRequest("E001", "body must be an object")
        if not body.get("service_cd") or not body.get("service_key"):
            raise BadRequest("E002", "service_cd and service_key are required")
        msg_cd = body.get("msg_cd") or ""
        if not isinstance(msg_cd, str) or not (1 <= len(msg_cd) <= 5):
            raise BadRequest("E001", "msg_cd (≤5 chars) is required")
        ex_time = None
        if kind == "main":
            if not body.get("ex_time"):
                raise BadRequest("E001", "ex_time (열람마감, YYYYMMDDHHMISS) is required on 본문자")
            ex_time = parse_kt_ts(body["ex_time"])
        reqs = _list(body, "reqs")
        now = self.clock.now()
        out, keys = [], []
        for r in reqs:
            src_key = r.get("src_key") if isinstance(r, dict) else None
            try:
                if not isinstance(r, dict):
                    raise ValueError("E102", "req must be an object")
                if not isinstance(src_key, str) or not (1 <= len(src_key) <= 50):
                    raise ValueError("E102", "src_key (1–50) is required")
                keys.append(src_key)
                with self.lock:
                    if (kind, src_key) in self.msgs:
                        out.append({"src_key": src_key, "rslt_cd": "00", "rslt_msg": "정상(중복)"})
                        continue
                ci = r.get("ci")
                if not isinstance(ci, str) or len(ci) != 88:
                    raise ValueError("E101", "ci must be exactly 88 characters")
                text = ""
                if kind == "main":
                    body_text = r.get("mms_dtl_cnts") or ""
                    if (
                        not isinstance(body_text, str)
                        or len(body_text) > 4000
                        or not all(p in body_text for p in PLACEHOLDERS)
                    ):
                        raise ValueError(
                            "E103", "mms_dtl_cnts must contain {#INFO_CFRM_STR} and {#RCVE_RF_STR}"
                        )
                    title = r.get("mms_title") or ""
                    text = f"{title if isinstance(title, str) else ''}\n{body_text}"
                    h = r.get("doc_hash")
                    if not isinstance(h, str) or not (1 <= len(h) <= 100):
                        raise ValueError("E104", "doc_hash (≤100) is required")
                if ex_time is not None and ex_time <= now:
                    raise ValueError("E106", "ex_time (열람마감) has passed")
                payload = r.get("payload") or ""
                if not isinstance(payload, str) or len(payload) > 200:
                    raise ValueError("E105", "payload must be a string ≤200")
            except ValueError as e:
                code, msg = e.args
                out.append({"src_key": src_key, "rslt_cd": code, "rslt_msg": msg})
                continue
            m = KtMsg(kind, src_key, ci, msg_cd, ex_time, payload, str(r.get("url") or ""), now, text,
                      client_id=client_id, service_cd=str(body["service_cd"]))
            with self.lock:
                if (kind, src_key) in self.msgs:
                    out.append({"src_key": src_key, "rslt_cd": "00", "rslt_msg": "정상(중복)"})
                    continue
                self.msgs[(kind, src_key)] = m
            self._schedule(m)
            out.append({"src_key": src_key, "rslt_cd": "00", "rslt_msg": "정상"})
        self.stats.keys_received([f"{kind}:{k}" for k in keys])
        return {"rslt_cd": "00", "rslt_msg": "정상", "reqs": out}

    def results(self, src_keys: list[Any], asker: tuple[str, str] = ("", "")) -> dict[str, Any]:
        """`asker`: (client_id, service_cd) of the request, recorded on each message asked about."""
        now = self.clock.now()
        out = []
        with self.lock:
            for k in src_keys:
                m = self.msgs.get(("main", k)) if isinstance(k, str) else None
                if m is None:
                    out.append({"src_key": k, "rslt_cd": "E404", "rslt_msg": "no such src_key"})
                    continue
                m.asked_under.add(asker)
                recs = sorted((r for r in m.records if r["_at"] <= now), key=lambda r: r["_at"])
                out.append(
                    {
                        "src_key": k,
                        "rslt_cd": "00",
                        "ex_time": kt_ts(m.ex_time),
                        "results": [self._public(r) for r in recs],
                    }
                )
        return {"results": out}

    def _main(self, src_key: str) -> KtMsg:
        m = self.msgs.get(("main", src_key))
        if m is None:
            raise BadRequest("E404", "no such src_key", 404)
        return m

    def open(self, src_key: str) -> dict[str, Any]:
        now = self.clock.now()
        with self.lock:
            m = self._main(src_key)
            if m.ex_time is not None and now > m.ex_time:
                raise BadRequest("DOCUMENT_EXPIRED", "열람마감 시간이 지났습니다")
            token = self.world.hexid("kt-ott", src_key, str(len(m.tokens)), n=40)
            m.tokens[token] = Token(now, now + timedelta(seconds=self.world.params.ott_validity_s))
            self.ott[token] = m
            sep = "&" if "?" in m.url else "?"
            return {"src_key": src_key, "token": token, "url": f"{m.url}{sep}token={token}&src_key={src_key}"}

    def verify_token(self, body: Any, client_id: str = "") -> dict[str, Any]:
        token = body.get("token") if isinstance(body, dict) else None
        now = self.clock.now()
        with self.lock:
            m = self.ott.get(token) if isinstance(token, str) else None
            if m is None:
                raise BadRequest("E201", "유효하지 않은 토큰입니다")
            m.asked_under.add(self.asker(body, client_id))
            t = m.tokens[token]
            if t.used_at is not None:
                raise BadRequest("E202", "이미 사용된 토큰입니다")
            if now > t.expires_at:
                raise BadRequest("E203", "만료된 토큰입니다")
            t.used_at = now
            return {"rslt_cd": "00", "src_key": m.src_key, "payload": m.payload}

    def mark_read(self, body: Any, client_id: str = "") -> dict[str, Any]:
        if not isinstance(body, dict) or not isinstance(body.get("src_key"), str):
            raise BadRequest("E001", "src_key is required")
        now = self.clock.now()
        rdg = parse_kt_ts(body["mms_rdg_tmst"]) if body.get("mms_rdg_tmst") else now
        rdg = min(rdg, now)
        with self.lock:
            m = self._main(body["src_key"])
            m.asked_under.add(self.asker(body, client_id))
            if any(r["mms_sndg_rslt_dvcd"] == "60" and r["_at"] <= now for r in m.records):
                return {"rslt_cd": "00", "rslt_msg": "이미 열람"}
            if m.ex_time is not None and rdg > m.ex_time:
                raise BadRequest("E204", "열람마감 시간이 지났습니다")
            delivered = next((r["_at"] for r in m.records if r["mms_sndg_rslt_sqno"] == 1), rdg)
            rec = self._record(m, 2, "60", now, min(delivered, rdg), rdg)
            # a scheduled later read is superseded by this one
            m.records = [
                r for r in m.records if not (r["mms_sndg_rslt_dvcd"] in ("50", "60") and r["_at"] > now)
            ]
            m.records.append(rec)
        self.dispatcher.push(now, self._public(rec))
        return {"rslt_cd": "00", "rslt_msg": "정상"}

    def accepted(self) -> int:
        with self.lock:
            return len(self.msgs)


# --- SMS ---------------------------------------------------------------------------------------------------------


@dataclass
class SmsRec:
    message_id: str
    key: str
    phone: str
    payload: str
    sent_at: datetime
    delivered_at: datetime | None
    failed_at: datetime | None
    code: str | None


class Sms:
    def __init__(self, world: World, clock: SimClock, bank: Bank, stats: Stats):
        self.world, self.clock, self.bank, self.stats = world, clock, bank, stats
        self.lock = threading.Lock()
        self.msgs: dict[str, SmsRec] = {}
        self.by_id: dict[str, SmsRec] = {}
        # the handsets: the last few texts each number received (a test double shows what a phone would)
        self.inbox: dict[str, deque[str]] = defaultdict(lambda: deque(maxlen=5))

    def handset(self, phone: str) -> dict[str, Any]:
        """Simulator control: the texts the phone `phone` has received, newest last."""
        with self.lock:
            return {"phone": phone, "texts": list(self.inbox.get(phone, ()))}

    def send(self, messages: list[Any]) -> dict[str, Any]:
        now = self.clock.now()
        out, keys = [], []
        for m in messages:
            key = m.get("key") if isinstance(m, dict) else None
            try:
                if not isinstance(m, dict):
                    raise ValueError("message must be an object")
                key = _str(m, "key", 64)
                keys.append(key)
                with self.lock:
                    existing = self.msgs.get(key)
                if existing is not None:
                    out.append({"key": key, "message_id": existing.message_id})
                    continue
                phone = _str(m, "to", 11)
                if not (phone.isdigit() and phone.startswith("01") and len(phone) in (10, 11)):
                    out.append(
                        {"key": key, "error_code": "INVALID_NUMBER", "error_message": "not a mobile number"}
                    )
                    continue
                text = _str(m, "text", 2000)
                payload = _str(m, "payload", 200, required=False)
            except ValueError as e:
                out.append({"key": key, "error_code": "INVALID_PARAMETER", "error_message": str(e)})
                continue
            eng = self.world.sms_engagement(phone, payload, now, text)
            failed_at = None if eng.delivered_at else now + timedelta(seconds=3)
            if eng.delivered_at is not None:
                with self.lock:
                    self.inbox[phone].append(text)
            rec = SmsRec(
                "SMS-" + self.world.hexid("sms", key, n=24),
                key,
                phone,
                payload,
                now,
                eng.delivered_at,
                failed_at,
                eng.failure_code,
            )
            with self.lock:
                existing = self.msgs.get(key)
                if existing is not None:
                    out.append({"key": key, "message_id": existing.message_id})
                    continue
                self.msgs[key] = rec
                self.by_id[rec.message_id] = rec
            self.bank.schedule(payload, eng.pay_at, "sms")
            out.append({"key": key, "message_id": rec.message_id})
        self.stats.keys_received(keys)
        return {"messages": out}

    def status(self, ids: list[Any]) -> dict[str, Any]:
        now = self.clock.now()
        out = []
        with self.lock:
            for i in ids:
                r = self.by_id.get(i) if isinstance(i, str) else None
                if r is None:
                    out.append({"message_id": i, "error_code": "NOT_FOUND"})
                    continue
                if r.delivered_at and r.delivered_at <= now:
                    st, code, d = "DELIVERED", None, r.delivered_at
                elif r.failed_at and r.failed_at <= now:
                    st, code, d = "FAILED", r.code, None
                else:
                    st, code, d = "SENT", None, None
                out.append(
                    {
                        "message_id": r.message_id,
                        "key": r.key,
                        "status": st,
                        "code": code,
                        "sent_at": iso(r.sent_at),
                        "delivered_at": iso(d),
                    }
                )
        return {"messages": out}

    def accepted(self) -> int:
        with self.lock:
            return len(self.msgs)


# --- post office bulk mail ---------------------------------------------------------------------------------------


@dataclass
class MailRec:
    key: str
    batch_id: str
    mail_class: str
    tracking_number: str | None
    payload: str
    accepted_at: datetime
    attempt_on: date
    delivered_at: datetime | None
    returned_on: date | None
    reason: str | None


class Post:
    def __init__(self, world: World, clock: SimClock, bank: Bank, stats: Stats):
        self.world, self.clock, self.bank, self.stats = world, clock, bank, stats
        self.lock = threading.Lock()
        self.items: dict[str, MailRec] = {}
        self.batches: dict[str, set[str]] = defaultdict(set)
        self.returned: list[MailRec] = []

    def submit(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict) or not isinstance(body.get("batch_id"), str) or not body["batch_id"]:
            raise BadRequest("INVALID_PARAMETER", "batch_id is required")
        batch_id = body["batch_id"]
        items = _list(body, "items")
        now = self.clock.now()
        accepted, rejected, keys = 0, [], []
        for it in items:
            key = it.get("key") if isinstance(it, dict) else None
            try:
                if not isinstance(it, dict):
                    raise ValueError("item must be an object")
                key = _str(it, "key", 64)
                keys.append(key)
                with self.lock:
                    if key in self.items:
                        accepted += 1
                        continue
                mail_class = _str(it, "mail_class", 20)
                if mail_class not in ("ordinary", "registered"):
                    raise ValueError("mail_class must be ordinary or registered")
                postal = _str(it, "postal_code", 5)
                if len(postal) != 5 or not postal.isdigit():
                    raise ValueError("postal_code must be 5 digits")
                address = _str(it, "address", 200)
                _str(it, "recipient", 100)
                pages = it.get("pages")
                if not isinstance(pages, int) or isinstance(pages, bool) or not (1 <= pages <= 50):
                    raise ValueError("pages must be 1–50")
                _str(it, "doc_hash", 100, required=False)
                payload = _str(it, "payload", 200, required=False)
            except ValueError as e:
                rejected.append({"key": key, "error_code": "INVALID_PARAMETER", "error_message": str(e)})
                continue
            addr_key = postal + "|" + " ".join(address.split())
            on, reason, returned_on, pay_at = self.world.mail_engagement(addr_key, payload, now)
            tracking = None
            if mail_class == "registered":
                tracking = "1" + str(int(self.world.hexid("reg", key, n=16), 16) % 10**12).zfill(12)
            rec = MailRec(
                key,
                batch_id,
                mail_class,
                tracking,
                payload,
                now,
                on,
                None if reason else self.world.mail_delivered_at(addr_key, payload, on),
                returned_on,
                reason,
            )
            with self.lock:
                if key in self.items:
                    accepted += 1
                    continue
                self.items[key] = rec
                self.batches[batch_id].add(key)
                if reason:
                    self.returned.append(rec)
            accepted += 1
            self.bank.schedule(payload, pay_at, "post")
        self.stats.keys_received(keys)
        return {"batch_id": batch_id, "accepted": accepted, "rejected": rejected}

    @staticmethod
    def _returned_visible(r: MailRec, now: datetime) -> bool:
        return (
            r.returned_on is not None
            and datetime.combine(r.returned_on, datetime.min.time(), KST) + timedelta(hours=9) <= now
        )

    def status(self, keys: list[Any]) -> dict[str, Any]:
        now = self.clock.now()
        today = now.astimezone(KST).date()
        out = []
        with self.lock:
            for k in keys:
                r = self.items.get(k) if isinstance(k, str) else None
                if r is None:
                    out.append({"key": k, "error_code": "NOT_FOUND"})
                    continue
                delivered = r.delivered_at if r.delivered_at and r.delivered_at <= now else None
                if delivered:
                    st = "DELIVERED"
                elif self._returned_visible(r, now):
                    st = "RETURNED"
                elif today > r.accepted_at.astimezone(KST).date():
                    st = "IN_TRANSIT"
                else:
                    st = "ACCEPTED"
                out.append(
                    {
                        "key": r.key,
                        "batch_id": r.batch_id,
                        "mail_class": r.mail_class,
                        "tracking_number": r.tracking_number,
                        "status": st,
                        "accepted_at": iso(r.accepted_at),
                        "delivered_at": iso(delivered),
                        "returned_on": r.returned_on.isoformat()
                        if st == "RETURNED" and r.returned_on
                        else None,
                        "reason": r.reason if st == "RETURNED" else None,
                    }
                )
        return {"items": out}

    def returns(self, since: date) -> dict[str, Any]:
        now = self.clock.now()
        with self.lock:
            rows = [
                r
                for r in self.returned
                if r.returned_on and r.returned_on >= since and self._returned_visible(r, now)
            ]
        rows.sort(key=lambda r: (r.returned_on, r.key))
        return {
            "returns": [
                {
                    "key": r.key,
                    "batch_id": r.batch_id,
                    "tracking_number": r.tracking_number,
                    "returned_on": r.returned_on.isoformat() if r.returned_on else None,
                    "reason": r.reason,
                }
                for r in rows
            ]
        }

    def accepted(self) -> int:
        with self.lock:
            return len(self.items)
