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


def verify_signature(
    secret: str | bytes,
    timestamp: str | int | None,
    body: str | bytes,
    signature: str | None,
    now: datetime | float,
    max_age: float = DEFAULT_MAX_AGE,
) -> bool:
    """True when `signature` is the HMAC of `timestamp.body` and `timestamp` is within `max_age` seconds of `now`.

    Constant-time comparison; a missing, malformed or stale (too old or too far in the future) timestamp fails.
    `now` is an aware datetime or epoch seconds.
    """
    if timestamp is None or not signature:
        return False
    try:
        ts = int(str(timestamp))
    except ValueError:
        return False
    now_s = now.timestamp() if isinstance(now, datetime) else float(now)
    if abs(now_s - ts) > max_age:
        return False
    expected = sign(secret, str(timestamp), body)
    return hmac.compare_digest(expected.encode(), signature.strip().lower().encode())
