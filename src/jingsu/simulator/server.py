"""HTTP front of the simulator: routing, authentication, rate limits and fault injection.

Stdlib only (`http.server.ThreadingHTTPServer`, HTTP/1.1 keep-alive). Handlers return `Response` objects; the
request handler writes each response with a single `write` call (no Nagle/delayed-ACK stalls).
"""

from __future__ import annotations

import html
import json
import logging
import math
import random
import re
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from jingsu.providers.signing import sign  # noqa: F401  (re-exported for tools)
from jingsu.simulator.clock import ClockError, SimClock
from jingsu.simulator.gateway import DEFAULT_PG_SECRET, Gateway
from jingsu.simulator.state import (
    PROVIDERS,
    BadRequest,
    Bank,
    CallbackDispatcher,
    Identity,
    Kakao,
    Kt,
    Post,
    Sms,
    Stats,
    _list,
    iso,
)
from jingsu.simulator.world import World, WorldParams

log = logging.getLogger("jingsu.simulator")

DEFAULT_CALLBACK_SECRET = "jingsu-sim-callback-secret"

# Share of each fault mode among faulted requests.
FAULT_MODES: tuple[tuple[str, float], ...] = (
    ("error_500", 0.25),  # 500 before processing: nothing accepted
    ("error_503", 0.15),  # 503 before processing: nothing accepted
    ("slow", 0.20),  # processed normally after a short delay
    ("hang", 0.10),  # hangs past the client timeout, then 503: nothing accepted
    ("accepted_lost", 0.20),  # processed (accepted), then the connection is dropped without a response
    ("accepted_hang", 0.10),  # processed (accepted), response held past the client timeout
)


@dataclass
class Response:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # close the connection without answering
    delay: float = 0.0  # sleep before answering
    content_type: str = "application/json; charset=utf-8"  # with a str body: sent as is (HTML pages)


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: Any
    raw: bytes
    match: re.Match[str] | None = None
    _json: Any = None

    def json(self) -> Any:
        if self._json is None:
            if not self.raw:
                raise BadRequest("INVALID_JSON", "a JSON body is required")
            try:
                self._json = json.loads(self.raw)
            except (ValueError, UnicodeDecodeError) as e:
                raise BadRequest("INVALID_JSON", f"invalid JSON: {e}") from e
        return self._json


def _contract(r: Request) -> str:
    """The Kakao contract a request was made under (its Contract-Uuid header)."""
    return str(r.headers.get("Contract-Uuid") or "")


class RateGate:
    """Server-side token bucket per provider (real time). 0 = unlimited."""

    def __init__(self, rate: float) -> None:
        self.lock = threading.Lock()
        self.rate = rate
        self.buckets: dict[str, tuple[float, float]] = {}

    def set_rate(self, rate: float) -> None:
        with self.lock:
            self.rate = rate
            self.buckets.clear()

    def check(self, provider: str) -> float:
        """0 when allowed, else seconds until a token is available."""
        with self.lock:
            if self.rate <= 0:
                return 0.0
            now = time.monotonic()
            tokens, ts = self.buckets.get(provider, (self.rate, now))
            tokens = min(self.rate, tokens + (now - ts) * self.rate)
            if tokens >= 1:
                self.buckets[provider] = (tokens - 1, now)
                return 0.0
            self.buckets[provider] = (tokens, now)
            return (1 - tokens) / self.rate


class Simulator:
    """The whole simulated world behind one HTTP server."""

    def __init__(
        self,
        seed: int = 0,
        fault_rate: float = 0.0,
        time_scale: float = 0.0,
        rate_limit: float = 0.0,
        *,
        start: datetime,
        callback_secret: str = DEFAULT_CALLBACK_SECRET,
        hang_seconds: float = 12.0,
        slow_seconds: float = 0.5,
        params: WorldParams | None = None,
        pg_secret: str = DEFAULT_PG_SECRET,
    ) -> None:
        self.world = World(seed, params)
        self.clock = SimClock(start, time_scale)
        self.fault_rate = fault_rate
        self.callback_fault_rate: float | None = None  # None: same as fault_rate
        self.hang_seconds = hang_seconds
        self.slow_seconds = slow_seconds
        self.rng = random.Random(seed ^ 0x5EED)
        self.rng_lock = threading.Lock()
        self.gate = RateGate(rate_limit)
        self.stats = {p: Stats() for p in PROVIDERS}
        self.bank = Bank(self.world, self.clock, self.stats["bank"])
        self.dispatcher = CallbackDispatcher(
            self.clock,
            callback_secret,
            self._callback_fault_rate,
            random.Random(seed ^ 0xCA11),
        )
        self.identity = Identity(self.world, self.stats["identity"])
        self.kakao = Kakao(self.world, self.clock, self.bank, self.stats["kakao"])
        self.kt = Kt(self.world, self.clock, self.bank, self.stats["kt"], self.dispatcher)
        self.sms = Sms(self.world, self.clock, self.bank, self.stats["sms"])
        self.post = Post(self.world, self.clock, self.bank, self.stats["post"])
        self.stats["pg"] = Stats()
        self.pg = Gateway(self.world, self.clock, self.bank, self.stats["pg"], pg_secret)
        self.routes = self._routes()

    # --- routing --------------------------------------------------------------------------------------------

    def _routes(self) -> list[tuple[str, re.Pattern[str], str | None, Callable[[Request], Any]]]:
        R: list[tuple[str, str, str | None, Callable[[Request], Any]]] = [
            ("GET", r"/healthz", None, lambda r: {"status": "ok"}),
            ("GET", r"/sim/v1/clock", None, lambda r: self._clock_body()),
            ("POST", r"/sim/v1/clock", None, self._set_clock),
            ("GET", r"/sim/v1/inspect", None, lambda r: self.inspect(bool(r.query.get("counts")))),
            ("GET", r"/sim/v1/contracts", None, lambda r: {"kakao": self.kakao.contracts(),
                                                          "kt": self.kt.contracts()}),
            ("GET", r"/sim/v1/sms/(?P<phone>[0-9]+)/inbox", None, lambda r: self.sms.handset(r.match["phone"])),
            ("POST", r"/sim/v1/faults", None, self._set_faults),
            ("POST", r"/sim/v1/rate-limit", None, self._set_rate_limit),
            (
                "POST",
                r"/sim/v1/kakao/(?P<binder>[^/]+)/open",
                None,
                lambda r: self.kakao.open(r.match["binder"]),
            ),
            (
                "POST",
                r"/sim/v1/kt/(?P<key>[^/]+)/open",
                None,
                lambda r: self.kt.open(urllib.parse.unquote(r.match["key"])),
            ),
            # identity agency
            (
                "POST",
                r"/identity/v1/ci/batch",
                "identity",
                lambda r: self.identity.batch(_list(r.json(), "items")),
            ),
            # Kakao 내문서함 (§4.1)
            (
                "POST",
                r"/kakao/v1/documents/bulk/status",
                "kakao",
                lambda r: self.kakao.statuses(_list(r.json(), "document_binder_uuids"), _contract(r)),
            ),
            (
                "POST",
                r"/kakao/v1/documents/bulk",
                "kakao",
                lambda r: self.kakao.send_bulk(_list(r.json(), "documents"), _contract(r)),
            ),
            ("POST", r"/kakao/v1/documents", "kakao", self._kakao_single),
            (
                "GET",
                r"/kakao/v1/documents/(?P<binder>[^/]+)/status",
                "kakao",
                lambda r: self._kakao_one_status(r.match["binder"], _contract(r)),
            ),
            (
                "POST",
                r"/kakao/v1/documents/(?P<binder>[^/]+)",
                "kakao",
                lambda r: self.kakao.mark_read(r.match["binder"], r.json(), _contract(r)),
            ),
            (
                "GET",
                r"/kakao/v1/(?P<binder>[^/]+)/tokens/(?P<token>[^/]+)",
                "kakao",
                lambda r: self.kakao.verify_token(r.match["binder"], r.match["token"], _contract(r)),
            ),
            # KT 공인알림문자 (§4.3)
            ("POST", r"/kt/v1/oauth/token", "kt", self._kt_token),
            ("POST", r"/kt/v1/messages/pre", "kt", lambda r: self.kt.send("pre", r.json(), self._kt_client(r))),
            ("POST", r"/kt/v1/messages/main", "kt", lambda r: self.kt.send("main", r.json(), self._kt_client(r))),
            ("POST", r"/kt/v1/messages/read", "kt", lambda r: self.kt.mark_read(r.json(), self._kt_client(r))),
            ("POST", r"/kt/v1/tokens/verify", "kt", lambda r: self.kt.verify_token(r.json(), self._kt_client(r))),
            (
                "POST",
                r"/kt/v1/results",
                "kt",
                lambda r: self.kt.results(_list(r.json(), "src_keys"), self.kt.asker(r.json(), self._kt_client(r))),
            ),
            ("POST", r"/kt/v1/callback-url", "kt", self._kt_callback_url),
            # SMS
            ("POST", r"/sms/v1/messages", "sms", lambda r: self.sms.send(_list(r.json(), "messages"))),
            ("POST", r"/sms/v1/status", "sms", lambda r: self.sms.status(_list(r.json(), "message_ids"))),
            # post office
            ("POST", r"/post/v1/batches", "post", lambda r: self.post.submit(r.json())),
            ("POST", r"/post/v1/status", "post", lambda r: self.post.status(_list(r.json(), "keys"))),
            ("GET", r"/post/v1/returns", "post", self._post_returns),
            # bank
            ("POST", r"/bank/v1/bills", "bank", lambda r: self.bank.register(_list(r.json(), "bills"))),
            ("GET", r"/bank/v1/bills/(?P<pn>[0-9]{19})", "bank", lambda r: self._bank_bill(r.match["pn"])),
            ("GET", r"/bank/v1/transactions", "bank", self._bank_transactions),
            ("GET", r"/bank/v1/feed", "bank", lambda r: self.bank.feed()),
            # payment gateway (간편결제): merchant API (authenticated) …
            ("POST", r"/pg/v1/payments", "pg", lambda r: self.pg.create(r.json(), self._base_url(r))),
            ("GET", r"/pg/v1/payments/(?P<tid>[^/]+)", "pg", lambda r: self.pg.status(r.match["tid"])),
            # … the citizen's side: the checkout page and its form posts (a browser: no credentials, no faults),
            # and the same decisions without a browser (tests, demo)
            ("GET", r"/pg/v1/checkout/(?P<tid>[^/]+)", None, self._pg_checkout_page),
            ("POST", r"/pg/v1/checkout/(?P<tid>[^/]+)/approve", None, lambda r: self._pg_form(r, True)),
            ("POST", r"/pg/v1/checkout/(?P<tid>[^/]+)/cancel", None, lambda r: self._pg_form(r, False)),
            ("POST", r"/pg/v1/payments/(?P<tid>[^/]+)/approve", None, lambda r: self._pg_decide(r, True)),
            ("POST", r"/pg/v1/payments/(?P<tid>[^/]+)/cancel", None, lambda r: self._pg_decide(r, False)),
            # gateway faults: spoil the notices sent from now on, or send one more notice of a decided payment
            ("POST", r"/sim/v1/pg/faults", None, lambda r: self.pg.set_faults(r.json())),
            # bank feed: transactions as the bank reports them, now (tests of the feed reader)
            ("POST", r"/sim/v1/bank/transactions", None, self._bank_add),
            (
                "POST",
                r"/sim/v1/pg/(?P<tid>[^/]+)/notify",
                None,
                lambda r: self.pg.notify_again(r.match["tid"], r.json() if r.raw else {}),
            ),
        ]
        return [(m, re.compile(p + r"/?\Z"), prov, fn) for m, p, prov, fn in R]

    # --- control --------------------------------------------------------------------------------------------

    def _clock_body(self) -> dict[str, Any]:
        return {"now": iso(self.clock.now()), "time_scale": self.clock.time_scale}

    def _set_clock(self, r: Request) -> Any:
        body = r.json()
        if not isinstance(body, dict):
            raise BadRequest("INVALID_PARAMETER", "body must be an object")
        try:
            if "time_scale" in body:
                self.clock.set_scale(float(body["time_scale"]))
            if "now" in body:
                self.clock.set(datetime.fromisoformat(str(body["now"])))
            if "advance_seconds" in body:
                self.clock.advance(float(body["advance_seconds"]))
        except ClockError as e:
            return Response(409, {"error_code": "CLOCK", "error_message": str(e), **self._clock_body()})
        except ValueError as e:
            raise BadRequest("INVALID_PARAMETER", str(e)) from e
        return self._clock_body()

    def _set_faults(self, r: Request) -> Any:
        body = r.json()
        if not isinstance(body, dict):
            raise BadRequest("INVALID_PARAMETER", "body must be an object")
        if "rate" in body:
            rate = float(body["rate"])
            if not 0 <= rate <= 1:
                raise BadRequest("INVALID_PARAMETER", "rate must be within [0, 1]")
            self.fault_rate = rate
        if "callback_rate" in body:
            cb = body["callback_rate"]
            if cb is not None and not 0 <= float(cb) <= 1:
                raise BadRequest("INVALID_PARAMETER", "callback_rate must be within [0, 1] or null")
            self.callback_fault_rate = None if cb is None else float(cb)
        if "hang_seconds" in body:
            self.hang_seconds = float(body["hang_seconds"])
        if "slow_seconds" in body:
            self.slow_seconds = float(body["slow_seconds"])
        return {
            "rate": self.fault_rate,
            "callback_rate": self._callback_fault_rate(),
            "hang_seconds": self.hang_seconds,
            "slow_seconds": self.slow_seconds,
        }

    def _callback_fault_rate(self) -> float:
        return self.fault_rate if self.callback_fault_rate is None else self.callback_fault_rate

    def _set_rate_limit(self, r: Request) -> Any:
        body = r.json()
        rate = float(body.get("rate", 0)) if isinstance(body, dict) else 0.0
        self.gate.set_rate(rate)
        return {"rate": rate}

    def inspect(self, with_counts: bool = False) -> dict[str, Any]:
        accepted = {
            "identity": self.identity.accepted(),
            "kakao": self.kakao.accepted(),
            "kt": self.kt.accepted(),
            "sms": self.sms.accepted(),
            "post": self.post.accepted(),
            "bank": self.bank.accepted(),
        }
        out: dict[str, Any] = {p: self.stats[p].snapshot(accepted[p], with_counts) for p in PROVIDERS}
        out["bank"]["payments"] = self.bank.summary()
        out["kt"]["callbacks"] = self.dispatcher.summary()
        out["kakao"]["contracts"] = self.kakao.contract_counts()  # documents per Contract-Uuid
        out["kt"]["contracts"] = self.kt.contract_counts()  # messages per "service_cd/msg_cd"
        out["pg"] = self.stats["pg"].snapshot(self.pg.accepted(), with_counts)
        out["pg"]["gateway"] = self.pg.summary()
        out["clock"] = self._clock_body()
        out["fault_rate"] = self.fault_rate
        out["rate_limit"] = self.gate.rate
        out["seed"] = self.world.seed
        out["wording_effects"] = dict(self.world.params.wording_effects)
        return out

    # --- provider helpers -----------------------------------------------------------------------------------

    def _kakao_single(self, r: Request) -> Any:
        body = r.json()
        doc = body.get("document") if isinstance(body, dict) else None
        if not isinstance(doc, dict):
            raise BadRequest("INVALID_PARAMETER", 'body must be {"document": {...}}')
        res = self.kakao.send_bulk([doc], _contract(r))["documents"][0]
        if "error_code" in res:
            return Response(400, res)
        return {"document_binder_uuid": res["document_binder_uuid"]}

    def _bank_bill(self, payment_number: str) -> Any:
        bill = self.bank.bill(payment_number)
        if bill is None:
            return Response(404, {"error_code": "NOT_FOUND", "error_message": "no bill for this payment number"})
        return bill

    def _kakao_one_status(self, binder: str, contract: str = "") -> Any:
        res = self.kakao.statuses([binder], contract)["documents"][0]
        return Response(404, res) if "error_code" in res else res

    def _kt_client(self, r: Request) -> str:
        """The KT client whose access token made the request."""
        return self.kt.client_of(r.headers.get("Authorization"))

    def _kt_token(self, r: Request) -> Any:
        ctype = r.headers.get("Content-Type", "")
        if "json" in ctype:
            body = r.json()
            form = {k: str(v) for k, v in body.items()} if isinstance(body, dict) else {}
        else:
            form = dict(urllib.parse.parse_qsl(r.raw.decode("utf-8", "replace")))
        return self.kt.issue_token(form)

    def _kt_callback_url(self, r: Request) -> Any:
        body = r.json()
        url = body.get("url") if isinstance(body, dict) else None
        if url is not None and (not isinstance(url, str) or not url.startswith(("http://", "https://"))):
            raise BadRequest("INVALID_PARAMETER", "url must be an http(s) URL or null")
        self.dispatcher.set_url(url)
        return {"url": url}

    def _post_returns(self, r: Request) -> Any:
        try:
            since = date.fromisoformat(r.query.get("since", "1970-01-01"))
        except ValueError as e:
            raise BadRequest("INVALID_PARAMETER", "since must be YYYY-MM-DD") from e
        return self.post.returns(since)

    def _bank_transactions(self, r: Request) -> Any:
        try:
            after = int(r.query.get("after", "0"))
            limit = max(1, min(int(r.query.get("limit", "1000")), 10000))
        except ValueError as e:
            raise BadRequest("INVALID_PARAMETER", "after and limit must be integers") from e
        return self.bank.list_transactions(after, limit)

    def _bank_add(self, r: Request) -> Any:
        try:
            return self.bank.add_transactions(_list(r.json(), "transactions"))
        except (TypeError, ValueError) as e:
            raise BadRequest("INVALID_PARAMETER", str(e)) from e

    # --- payment gateway ------------------------------------------------------------------------------------

    @staticmethod
    def _base_url(r: Request) -> str:
        return f"http://{r.headers.get('Host') or '127.0.0.1'}"

    def _pg_checkout_page(self, r: Request) -> Response:
        status, page = self.pg.checkout_page(r.match["tid"])
        return Response(status, page, content_type="text/html; charset=utf-8")

    def _pg_form(self, r: Request, approve: bool) -> Response:
        """The checkout page's buttons: the notice is delivered before the browser is sent back (303)."""
        try:
            _, _, back = self.pg.decide(r.match["tid"], approve)
        except BadRequest as e:
            page = f'<!doctype html><html lang="ko"><meta charset="utf-8"><p id="error">{html.escape(e.message)}</p>'
            return Response(e.status, page, content_type="text/html; charset=utf-8")
        return Response(303, "", {"Location": back}, content_type="text/html; charset=utf-8")

    def _pg_decide(self, r: Request, approve: bool) -> Any:
        p, posts, back = self.pg.decide(r.match["tid"], approve)
        return {**self.pg._public(p, self.clock.now()), "return_url": back, "posts": posts}

    # --- dispatch -------------------------------------------------------------------------------------------

    def _authorized(self, provider: str, path: str, headers: Any) -> bool:
        auth = headers.get("Authorization") or ""
        if provider == "kt":
            return path.startswith("/kt/v1/oauth/token") or self.kt.check_token(auth)
        if not auth.startswith("Bearer ") or len(auth) <= 7:
            return False
        if provider == "kakao":
            return bool(headers.get("Contract-Uuid"))
        # "pg": a merchant key as Bearer, like the bank
        return True

    def _pick_fault(self) -> str | None:
        with self.rng_lock:
            if self.fault_rate <= 0 or self.rng.random() >= self.fault_rate:
                return None
            x = self.rng.random()
        acc = 0.0
        for mode, w in FAULT_MODES:
            acc += w
            if x < acc:
                return mode
        return FAULT_MODES[-1][0]

    def handle(self, method: str, target: str, headers: Any, raw: bytes) -> Response:
        parsed = urllib.parse.urlsplit(target)
        path = parsed.path
        query = dict(urllib.parse.parse_qsl(parsed.query))
        allowed = False
        for m, pattern, provider, fn in self.routes:
            match = pattern.match(path)
            if not match:
                continue
            if m != method:
                allowed = True
                continue
            req = Request(method, path, query, headers, raw, match)
            return self._invoke(provider, req, fn)
        if allowed:
            return Response(405, {"error_code": "METHOD_NOT_ALLOWED", "error_message": f"{method} {path}"})
        return Response(404, {"error_code": "NOT_FOUND", "error_message": f"no route {method} {path}"})

    def _invoke(self, provider: str | None, req: Request, fn: Callable[[Request], Any]) -> Response:
        fault = None
        if provider is not None:
            stats = self.stats[provider]
            stats.request()
            wait = self.gate.check(provider)
            if wait > 0:
                stats.limited()
                return Response(
                    429,
                    {"error_code": "TOO_MANY_REQUESTS", "error_message": "rate limit exceeded"},
                    {"Retry-After": str(max(1, math.ceil(wait)))},
                )
            fault = self._pick_fault()
            if fault is not None:
                stats.fault(fault)
                if fault == "error_500":
                    return Response(500, {"error_code": "INTERNAL_ERROR", "error_message": "simulated fault"})
                if fault == "error_503":
                    return Response(
                        503,
                        {"error_code": "SERVICE_UNAVAILABLE", "error_message": "simulated fault"},
                        {"Retry-After": "1"},
                    )
                if fault == "hang":
                    return Response(
                        503,
                        {"error_code": "TIMEOUT", "error_message": "simulated hang"},
                        delay=self.hang_seconds,
                    )
            if not self._authorized(provider, req.path, req.headers):
                return Response(
                    401, {"error_code": "UNAUTHORIZED", "error_message": "missing or bad credentials"}
                )
        try:
            result = fn(req)
            resp = result if isinstance(result, Response) else Response(200, result)
        except BadRequest as e:
            resp = Response(e.status, {"error_code": e.code, "error_message": e.message})
        except Exception as e:  # a bug in the simulator: answer 500 and log it
            log.exception("simulator error on %s %s", req.method, req.path)
            resp = Response(500, {"error_code": "SIMULATOR_BUG", "error_message": repr(e)})
        if fault == "slow":
            resp.delay = self.rng.random() * self.slow_seconds
        elif fault == "accepted_lost":
            resp.drop = True
        elif fault == "accepted_hang":
            resp.delay = self.hang_seconds
        return resp


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "jingsu-simulator/1"
    sys_version = ""
    server: SimServer

    def setup(self) -> None:
        super().setup()
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def _serve(self, method: str) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        raw = self.rfile.read(length) if length > 0 else b""
        resp = self.server.sim.handle(method, self.path, self.headers, raw)
        if resp.delay > 0:
            time.sleep(resp.delay)
        if resp.drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if isinstance(resp.body, str):
            body = resp.body.encode()
        else:
            body = b"" if resp.body is None else json.dumps(resp.body, ensure_ascii=False).encode()
        reason = self.responses.get(resp.status, ("",))[0]
        head = [
            f"HTTP/1.1 {resp.status} {reason}",
            f"Content-Type: {resp.content_type}",
            f"Content-Length: {len(body)}",
            f"Server: {self.server_version}",
        ]
        head += [f"{k}: {v}" for k, v in resp.headers.items()]
        if self.close_connection:
            head.append("Connection: close")
        try:
            self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
            self.log_request(resp.status, len(body))
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def do_GET(self) -> None:  # noqa: N802
        self._serve("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._serve("POST")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        if self.server.verbose:
            super().log_message(format, *args)


class SimServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], sim: Simulator, verbose: bool = False):
        self.sim = sim
        self.verbose = verbose
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if self.verbose:
            super().handle_error(request, client_address)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"
