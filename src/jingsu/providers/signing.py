"""Signing of provider callbacks: HMAC-SHA256 over ``timestamp + "." + body``.

The simulator signs each KT result callback with the shared secret and sends ``X-Timestamp`` (epoch seconds) and
``X-Signature`` (lowercase hex). The receiver checks both with :func:`verify_signature`, passing its own ``now``
(principle 5: time is injected) and a maximum age that rejects replays of old callbacks.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

SIGNATURE_HEADER = "X-Signature"
TIMESTAMP_HEADER = "X-Timestamp"
DEFAULT_MAX_AGE = 300.0


def _bytes(v: str | bytes) -> bytes:
    return v.encode() if isinstance(v, str) else v


def sign(secret: str | bytes, timestamp: str | int, body: str | bytes) -> str:
    msg = str(timestamp).encode() + b"." + _bytes(body)
    return hmac.new(_bytes(secret), msg, hashlib.sha256).hexdigest()


def signed_headers(secret: str | bytes, timestamp: str | int, body: str | bytes) -> dict[str, str]:
    """The headers of a signed JSON callback (what the simulated KT and payment gateway send, and what
    :func:`verify_signature` checks on the receiving side)."""
    ts = str(timestamp)
    return {
        "Content-Type": "application/json; charset=utf-8",
        TIMESTAMP_HEADER: ts,
        SIGNATURE_HEADER: sign(secret, ts, body),
    }


def verify_signature(
    secret: str | bytes,
    timestamp: str | int | None,
    body: str | bytes,
    signature: str | None,
    now: datetime | float,
    max_age: float = DEFAULT_MAX_AGE,
) -> bool:
    """True when `signature` is the HMAC of `timestamp.body` and `timestamp` is within `max_age` seconds of `now`.

    Constant-time comparison; a missing, malformed or stale (too old or too far in the future) timestamp fails, and so
    does everything when `secret` is empty.
    `now` is an aware datetime or epoch seconds.
    """
    if not secret or timestamp is None or not signature:
        return False  # no secret configured: nothing can be verified (never an empty HMAC key)
    try:
        ts = int(str(timestamp))
    except ValueError:
        return False
    now_s = now.timestamp() if isinstance(now, datetime) else float(now)
    if abs(now_s - ts) > max_age:
        return False
    expected = sign(secret, str(timestamp), body)
    return hmac.compare_digest(expected.encode(), signature.strip().lower().encode())


DEFAULT_CLOCK_SKEW = 120.0  # seconds a provider's clock may differ from ours (settings.JINGSU_CALLBACK_CLOCK_SKEW)


def implausible_time(t: datetime | None, *, not_before: datetime | None, now: datetime,
                     skew: float = DEFAULT_CLOCK_SKEW) -> str:
    """Why a time a provider reports (read, delivered, approved) cannot be true: "before_send" when it is earlier
    than our send (or order) `not_before`, "future" when it is later than our `now` (both beyond `skew` seconds);
    "" when it is plausible or absent. `now` is the injected clock's, never the wall clock."""
    if t is None:
        return ""
    if t.timestamp() > now.timestamp() + skew:
        return "future"
    if not_before is not None and t.timestamp() < not_before.timestamp() - skew:
        return "before_send"
    return ""
