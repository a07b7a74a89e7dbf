"""The simulated payment gateway (PG, 간편결제): checkout, approval, signed server-to-server notices.

Flow (docs/simulator.md, "Payment gateway"):

1. the merchant (jingsu) creates a payment: ``POST /pg/v1/payments`` → ``{tid, redirect_url, expires_at}``
   (idempotent on ``order_id``);
2. the citizen's browser opens ``redirect_url`` (``GET /pg/v1/checkout/{tid}``, a small Korean page) and presses
   결제하기 or 취소 (form posts to ``/pg/v1/checkout/{tid}/approve|cancel``);
3. on approval the gateway records the payment, puts it in the bank feed (channel ``easy-pay``, transaction id =
   tid) and POSTs a signed notice to ``notify_url`` — retried on connection errors and 5xx — *before* it answers the
   browser with a 303 to ``return_url?tid=…&result=approved``; so the merchant knows the payment when the citizen
   lands back on its page.

Nothing here knows about HTTP routing; `jingsu.simulator.server` wires it. Thread-safe.
"""

from __future__ import annotations

import html
import json
import logging
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from jingsu.providers.signing import signed_headers
from jingsu.simulator.clock import SimClock
from jingsu.simulator.state import BadRequest, Bank, Stats, _str, iso
from jingsu.simulator.world import KST, World

log = logging.getLogger("jingsu.simulator")

DEFAULT_PG_SECRET = "jingsu-sim-pg-secret"
#: notice faults: how the next notices are spoiled (POST /sim/v1/pg/faults) or how one extra notice is sent
#: (POST /sim/v1/pg/{tid}/notify)
NOTICE_MODES = ("normal", "duplicate", "bad_signature", "amount_mismatch", "stale")
RETRY_DELAYS = (0.05, 0.2, 0.5, 1.0)  # real seconds between notice tries (5 tries in all)


@dataclass
class PgPayment:
    tid: str
    order_id: str
    amount: int
    item_name: str
    payment_number: str
    return_url: str
    notify_url: str
    created_at: datetime
    expires_at: datetime
    status: str = "ready"  # ready | approved | cancelled (expired is derived from the clock)
    approved_at: datetime | None = None
    cancelled_at: datetime | None = None
    notices: list[dict[str, Any]] = field(default_factory=list)  # every post: mode, attempts, answer status

    def state(self, now: datetime) -> str:
        if self.status == "ready" and now > self.expires_at:
            return "expired"
        return self.status


def _add_query(url: str, **params: str) -> str:
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    url = urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))
    return urllib.parse.quote(url, safe=":/?#[]@!$&'()*+,;=%~")  # a Location header is ASCII


def _http_url(d: dict[str, Any], name: str) -> str:
    v = _str(d, name, 500)
    if not v.startswith(("http://", "https://")):
        raise ValueError(f"{name} must be an http(s) URL")
    return v


class Gateway:
    def __init__(
        self,
        world: World,
        clock: SimClock,
        bank: Bank,
        stats: Stats,
        secret: str = DEFAULT_PG_SECRET,
    ) -> None:
        self.world, self.clock, self.bank, self.stats = world, clock, bank, stats
        self.secret = secret
        self.lock = threading.Lock()
        self.payments: dict[str, PgPayment] = {}  # by tid
        self.by_order: dict[str, str] = {}  # order_id → tid
        self.notice_mode = "normal"  # applied to the notices sent on approval/cancel
        self.amount_delta = 1000
        self.counts: Counter[str] = Counter()

    # --- merchant API ---------------------------------------------------------------------------------------------

    def create(self, body: Any, base_url: str) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise BadRequest("INVALID_PARAMETER", "body must be an object")
        try:
            order_id = _str(body, "order_id", 64)
            amount = body.get("amount")
            if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
                raise ValueError("amount must be a positive integer (won)")
            item_name = _str(body, "item_name", 100)
            payment_number = _str(body, "payment_number", 19)
            if len(payment_number) != 19 or not payment_number.isdigit():
                raise ValueError("payment_number must be 19 digits")
            return_url = _http_url(body, "return_url")
            notify_url = _http_url(body, "notify_url")
        except ValueError as e:
            raise BadRequest("INVALID_PARAMETER", str(e)) from e
        now = self.clock.now()
        self.stats.keys_received([order_id])
        with self.lock:
            tid = self.by_order.get(order_id)
            if tid is not None:
                p = self.payments[tid]
                if (p.amount, p.payment_number) != (amount, payment_number):
                    raise BadRequest(
                        "ORDER_CONFLICT", "order_id already used with another amount or payment_number", 409
                    )
            else:
                tid = "PG" + self.world.hexid("pg-tid", order_id, n=20).upper()
                p = PgPayment(
                    tid, order_id, amount, item_name, payment_number, return_url, notify_url, now,
                    now + timedelta(seconds=self.world.params.pg_checkout_validity_s),
                )
                self.payments[tid] = p
                self.by_order[order_id] = tid
        return {
            "tid": p.tid,
            "order_id": p.order_id,
            "redirect_url": f"{base_url}/pg/v1/checkout/{p.tid}",
            "expires_at": iso(p.expires_at),
        }

    def get(self, tid: str) -> PgPayment:
        with self.lock:
            p = self.payments.get(tid)
        if p is None:
            raise BadRequest("NOT_FOUND", "no such tid", 404)
        return p

    def status(self, tid: str) -> dict[str, Any]:
        p = self.get(tid)
        now = self.clock.now()
        with self.lock:
            return self._public(p, now)

    @staticmethod
    def _public(p: PgPayment, now: datetime) -> dict[str, Any]:
        return {
            "tid": p.tid,
            "order_id": p.order_id,
            "amount": p.amount,
            "item_name": p.item_name,
            "payment_number": p.payment_number,
            "status": p.state(now),
            "created_at": iso(p.created_at),
            "expires_at": iso(p.expires_at),
            "approved_at": iso(p.approved_at),
            "cancelled_at": iso(p.cancelled_at),
            "notices": list(p.notices),
        }

    # --- the citizen's actions --------------------------------------------------------------------------------------

    def decide(self, tid: str, approve: bool) -> tuple[PgPayment, list[dict[str, Any]], str]:
        """The citizen pressed 결제하기 (approve) or 취소. Returns the payment, the notice posts made and the URL the
        browser goes back to. Approving an approved payment (a double click) changes nothing and sends nothing."""
        p = self.get(tid)
        now = self.clock.now()
        with self.lock:
            state = p.state(now)
            if state == "expired":
                raise BadRequest("EXPIRED", "결제 가능 시간이 지났습니다.", 410)
            wanted = "approved" if approve else "cancelled"
            if state not in ("ready", wanted):
                raise BadRequest("INVALID_STATE", f"이미 처리된 결제입니다 ({state}).", 409)
            fresh = state == "ready"
            if fresh:
                p.status = wanted
                if approve:
                    p.approved_at = now
                else:
                    p.cancelled_at = now
                self.counts[wanted] += 1
        posts: list[dict[str, Any]] = []
        if fresh:
            if approve:
                # the money moves: it settles through the bank, whose feed reports it under the same id (tid)
                self.bank.add_gateway_payment(p.tid, now, p.amount, p.payment_number)
            posts = self.send_notice(p, self.notice_mode)
        result = "approved" if approve else "cancelled"
        return p, posts, _add_query(p.return_url, tid=p.tid, result=result)

    # --- notices ----------------------------------------------------------------------------------------------------

    def notice_body(self, p: PgPayment, amount: int | None = None) -> bytes:
        body = {
            "tid": p.tid,
            "order_id": p.order_id,
            "amount": p.amount if amount is None else amount,
            "payment_number": p.payment_number,
            "approved_at": iso(p.approved_at),
            "status": p.status,
            "method": "easy-pay",
        }
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()

    def send_notice(self, p: PgPayment, mode: str = "normal") -> list[dict[str, Any]]:
        """POST the signed notice of `p` to its notify_url (spoiled as `mode` says); returns one entry per post."""
        if mode not in NOTICE_MODES:
            raise BadRequest("INVALID_PARAMETER", f"mode must be one of {', '.join(NOTICE_MODES)}")
        amount = p.amount + self.amount_delta if mode == "amount_mismatch" else None
        body = self.notice_body(p, amount)
        secret = self.secret + "-wrong" if mode == "bad_signature" else self.secret
        skew = -3600 if mode == "stale" else 0
        posts = [self._post(p.notify_url, body, secret, skew)]
        if mode == "duplicate":
            posts.append(self._post(p.notify_url, body, secret, skew))
        for post in posts:
            post["mode"] = mode
        with self.lock:
            p.notices.extend(posts)
        return posts

    def _post(self, url: str, body: bytes, secret: str, skew: int) -> dict[str, Any]:
        """One notice, tried up to 5 times while the receiver is unreachable or answers 5xx. A 2xx or 4xx answer is
        final (4xx: the merchant refused the notice; retrying would not change its mind)."""
        status: int | None = None
        answer: Any = None
        attempts = 0
        for attempt in range(len(RETRY_DELAYS) + 1):
            attempts += 1
            now_s = self.clock.now().timestamp()
            ts = str(int(now_s) + skew)
            headers = signed_headers(secret, ts, body)
            req = urllib.request.Request(url, data=body, method="POST", headers=headers)
            try:
                with urllib.request.urlopen(req, timeout=5) as resp:
                    status, raw = resp.status, resp.read()
            except urllib.error.HTTPError as e:
                status, raw = e.code, e.read()
            except (urllib.error.URLError, OSError, ValueError) as e:
                log.debug("gateway notice to %s failed: %s", url, e)
                status, raw = None, b""
            try:
                answer = json.loads(raw) if raw else None
            except ValueError:
                answer = raw[:200].decode("utf-8", "replace")
            if status is not None and status < 500:
                break
            if attempt < len(RETRY_DELAYS):
                time.sleep(RETRY_DELAYS[attempt])
        with self.lock:
            self.counts["notice_posts"] += attempts
            if status is not None and 200 <= status < 300:
                self.counts["notices_accepted"] += 1
            elif status is not None:
                self.counts["notices_refused"] += 1
            else:
                self.counts["notices_failed"] += 1
        return {"status": status, "attempts": attempts, "answer": answer}

    # --- control --------------------------------------------------------------------------------------------------

    def set_faults(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise BadRequest("INVALID_PARAMETER", "body must be an object")
        mode = body.get("notice") or "normal"
        if mode not in NOTICE_MODES:
            raise BadRequest("INVALID_PARAMETER", f"notice must be one of {', '.join(NOTICE_MODES)} or null")
        delta = body.get("amount_delta", self.amount_delta)
        if not isinstance(delta, int) or isinstance(delta, bool) or delta == 0:
            raise BadRequest("INVALID_PARAMETER", "amount_delta must be a non-zero integer")
        with self.lock:
            self.notice_mode, self.amount_delta = mode, delta
        return {"notice": mode, "amount_delta": delta}

    def notify_again(self, tid: str, body: Any) -> dict[str, Any]:
        """Send the notice of a decided payment once more, now (a duplicate, or spoiled as `mode` says)."""
        p = self.get(tid)
        if p.status == "ready":
            raise BadRequest("INVALID_STATE", "the payment is neither approved nor cancelled", 409)
        mode = (body.get("mode") if isinstance(body, dict) else None) or "normal"
        return {"tid": tid, "posts": self.send_notice(p, mode)}

    def accepted(self) -> int:
        with self.lock:
            return len(self.payments)

    def summary(self) -> dict[str, Any]:
        now = self.clock.now()
        with self.lock:
            states = Counter(p.state(now) for p in self.payments.values())
            return {
                "payments": len(self.payments),
                **{s: states.get(s, 0) for s in ("ready", "approved", "cancelled", "expired")},
                "notice_mode": self.notice_mode,
                **dict(self.counts),
            }

    # --- the checkout page ----------------------------------------------------------------------------------------

    def checkout_page(self, tid: str) -> tuple[int, str]:
        try:
            p = self.get(tid)
        except BadRequest:
            return 404, _page("결제 정보를 찾을 수 없습니다", "<p>결제 요청이 없거나 주소가 올바르지 않습니다.</p>")
        now = self.clock.now()
        with self.lock:
            state = p.state(now)
        e = html.escape
        summary = (
            '<dl class="summary">'
            f"<dt>상품</dt><dd id=\"item-name\">{e(p.item_name)}</dd>"
            f"<dt>결제 금액</dt><dd id=\"amount\">{p.amount:,}원</dd>"
            f"<dt>주문 번호</dt><dd>{e(p.order_id)}</dd>"
            "</dl>"
        )
        if state == "ready":
            until = p.expires_at.astimezone(KST).strftime("%H:%M")
            body = (
                summary
                + f"<p>{until}까지 결제할 수 있습니다.</p>"
                + f'<form method="post" action="/pg/v1/checkout/{e(tid)}/approve">'
                '<button type="submit" id="approve" name="action" value="approve">결제하기</button></form>'
                + f'<form method="post" action="/pg/v1/checkout/{e(tid)}/cancel">'
                '<button type="submit" id="cancel" name="action" value="cancel">취소</button></form>'
            )
            return 200, _page("간편결제", body)
        message = {
            "approved": "이미 결제가 완료되었습니다.",
            "cancelled": "취소된 결제입니다.",
            "expired": "결제 가능 시간이 지났습니다. 처음부터 다시 시도해 주세요.",
        }[state]
        result = "approved" if state == "approved" else "cancelled"
        back = _add_query(p.return_url, tid=p.tid, result=result)
        return 200, _page("간편결제", summary + f'<p id="state">{message}</p><p><a href="{e(back)}">돌아가기</a></p>')


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="ko"><head><meta charset="utf-8"><link rel="icon" href="data:,">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)} · 시뮬레이터 결제</title></head>"
        f"<body><main><h1>{html.escape(title)}</h1>{body}"
        "<p><small>jingsu 시뮬레이터의 모의 간편결제입니다. 실제 돈은 움직이지 않습니다.</small></p>"
        "</main></body></html>"
    )
