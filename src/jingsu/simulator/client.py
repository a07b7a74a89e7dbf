"""`SimulatorControl`: the control/inspection API of a running simulator (clock, faults, inspect, user actions).

This is not an adapter: it talks to the simulator's own /sim/v1 endpoints, which no real provider has.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx


class SimulatorControl:
    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self._http = httpx.Client(base_url=self.url, timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SimulatorControl:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _ok(self, r: httpx.Response) -> Any:
        if r.status_code >= 400:
            raise RuntimeError(
                f"simulator {r.request.method} {r.request.url.path} → {r.status_code}: {r.text}"
            )
        return r.json()

    # clock
    def now(self) -> datetime:
        return datetime.fromisoformat(self._ok(self._http.get("/sim/v1/clock"))["now"])

    def set_clock(self, now: datetime) -> datetime:
        """Set sim time (never backwards: moving it back raises RuntimeError with the 409 answer)."""
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        return datetime.fromisoformat(
            self._ok(self._http.post("/sim/v1/clock", json={"now": now.isoformat()}))["now"]
        )

    def advance(self, delta: timedelta | float) -> datetime:
        seconds = delta.total_seconds() if isinstance(delta, timedelta) else float(delta)
        return datetime.fromisoformat(
            self._ok(self._http.post("/sim/v1/clock", json={"advance_seconds": seconds}))["now"]
        )

    def set_time_scale(self, scale: float) -> None:
        self._ok(self._http.post("/sim/v1/clock", json={"time_scale": scale}))

    def clock(self) -> SimulatorClock:
        """A jingsu.clock.Clock-compatible object whose time is the simulator's (one HTTP call per now())."""
        return SimulatorClock(self)

    # faults, limits, inspection
    def set_faults(
        self,
        rate: float,
        hang_seconds: float | None = None,
        slow_seconds: float | None = None,
        callback_rate: float | None = None,
    ) -> Any:
        """Fault rate of provider requests; callback_rate (default: same as rate) for KT callbacks."""
        body: dict[str, float | None] = {"rate": rate, "callback_rate": callback_rate}
        if hang_seconds is not None:
            body["hang_seconds"] = hang_seconds
        if slow_seconds is not None:
            body["slow_seconds"] = slow_seconds
        return self._ok(self._http.post("/sim/v1/faults", json=body))

    def set_rate_limit(self, rate: float) -> Any:
        return self._ok(self._http.post("/sim/v1/rate-limit", json={"rate": rate}))

    def sms_inbox(self, phone: str) -> list[str]:
        """The texts a simulated phone received (newest last): how tests read a one-time code."""
        return list(self._ok(self._http.get(f"/sim/v1/sms/{phone}/inbox"))["texts"])

    def inspect(self, provider: str | None = None, counts: bool = False) -> Any:
        data = self._ok(self._http.get("/sim/v1/inspect", params={"counts": "1"} if counts else None))
        return data[provider] if provider else data

    def contracts(self, provider: str | None = None) -> Any:
        """Which contract each document was sent under and asked about under: {"kakao": {external_document_uuid:
        {"binder", "contract", "asked_under"}}, "kt": {"main:<src_key>": {"client_id", "service_cd", "msg_cd",
        "asked_under": [[client_id, service_cd], …]}}}."""
        data = self._ok(self._http.get("/sim/v1/contracts"))
        return data[provider] if provider else data

    def healthy(self) -> bool:
        try:
            return self._http.get("/healthz").status_code == 200
        except httpx.HTTPError:
            return False

    # simulated recipient actions (what a person would do on their phone)
    def open_kakao_document(self, binder: str) -> dict[str, Any]:
        """The recipient taps [열람하기] and passes 본인인증: returns {"token", "url"} (link + OTT)."""
        return self._ok(self._http.post(f"/sim/v1/kakao/{binder}/open"))

    def open_kt_message(self, src_key: str) -> dict[str, Any]:
        return self._ok(self._http.post(f"/sim/v1/kt/{src_key}/open"))

    # payment gateway (간편결제): the citizen's decision without a browser, and notice faults
    def pg_approve(self, tid: str) -> dict[str, Any]:
        """The citizen presses 결제하기: the gateway posts its signed notice, then answers (see `posts`)."""
        return self._ok(self._http.post(f"/pg/v1/payments/{tid}/approve"))

    def pg_cancel(self, tid: str) -> dict[str, Any]:
        return self._ok(self._http.post(f"/pg/v1/payments/{tid}/cancel"))

    def pg_notify(self, tid: str, mode: str = "normal") -> dict[str, Any]:
        """Send the payment's notice once more: normal, duplicate (twice), bad_signature, amount_mismatch, stale."""
        return self._ok(self._http.post(f"/sim/v1/pg/{tid}/notify", json={"mode": mode}))

    def pg_faults(self, notice: str | None = None, amount_delta: int | None = None) -> dict[str, Any]:
        """Spoil the notices sent on approval/cancel from now on (None: back to normal)."""
        body: dict[str, Any] = {"notice": notice}
        if amount_delta is not None:
            body["amount_delta"] = amount_delta
        return self._ok(self._http.post("/sim/v1/pg/faults", json=body))


    def bank_add(self, transactions: list[dict[str, Any]]) -> dict[str, Any]:
        """Put transactions in the bank feed now (`transaction_id`, `amount` — passed on as given, malformed or not —
        `payment_number`, `virtual_account`, `channel`, `paid_at`); returns their `seqs`."""
        return self._ok(self._http.post("/sim/v1/bank/transactions", json={"transactions": transactions}))


class SimulatorClock:
    """`now()` / `advance()` / `set()` on the simulator's clock: lets jingsu and the simulated world share one time
    in the demo (satisfies the jingsu.clock.Clock protocol)."""

    def __init__(self, control: SimulatorControl) -> None:
        self.control = control

    def now(self) -> datetime:
        return self.control.now()

    def advance(self, delta: timedelta) -> datetime:
        return self.control.advance(delta)

    def set(self, moment: datetime) -> datetime:
        return self.control.set_clock(moment)
