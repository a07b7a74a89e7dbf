"""Receipts: provider result callbacks (KT 공인알림문자, BC-AG-SN-010), verified, de-duplicated and applied in order.

A callback is checked before anything is read from it:
- HMAC-SHA256 over ``X-Timestamp + "." + raw body`` with the shared secret (settings.JINGSU_KT_CALLBACK_SECRET),
  through ``KtAdapter.parse_callback``;
- the timestamp must be within ``callback_max_age`` (300 s) of *our* clock, in either direction (a stale replay or
  a clock far ahead are both refused);
- every record's src_key must be one of our KT attempts;
- every record's times (sent, received, read) must lie between the attempt's send and our clock, give or take
  ``JINGSU_CALLBACK_CLOCK_SKEW`` (120 s): a read before the send or in the future is refused (422, ``bad_time``).
A refused callback changes nothing: one ``ReceiptRejection`` row (reason, sender address, body hash — no personal
data) and a warning on the ``jingsu.delivery.receipts`` logger.

An accepted callback is applied record by record, each in its own transaction with a ``ReceiptEvent`` whose unique
``event_key`` identifies the record (provider, src_key, code, the record's own timestamps): a duplicated or replayed
record hits the unique constraint and is acknowledged without effect. Records are applied through
``services.apply_report``, which never moves an attempt backwards — a 40 수신성공 arriving after a 60 열람확인 is a
no-op — so the order of arrival does not matter.

Time: the view reads the process's runtime clock (``jingsu.core.runtime``). The simulator stamps callbacks with
*sim* time by default, so a process that drives the simulator's clock (the tests) installs a runtime on the
simulator's clock (``SimulatorControl(url).clock()``) or on its ManualClock that it keeps in step; a deployment
against the real KT (or `jingsu serve`, whose simulator runs at real speed from the present moment) keeps the system
clock. The verifying adapter comes from ``jingsu.providers.registry`` with the runtime's secret.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction

from jingsu.core.runtime import runtime
from jingsu.delivery.models import AttemptStatus, Channel, DeliveryAttempt, ReceiptEvent, ReceiptRejection
from jingsu.providers.base import CallbackRejected, StatusReport
from jingsu.providers.registry import kt_callback_verifier
from jingsu.providers.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature

log = logging.getLogger("jingsu.delivery.receipts")

# --- the KT adapter that verifies and decodes ----------------------------------------------------------------------


def kt_adapter() -> Any:
    return kt_callback_verifier(runtime().secrets.kt_callback)


# --- handling one callback -----------------------------------------------------------------------------------------


@dataclass
class CallbackResult:
    status: int  # HTTP status to answer
    accepted: bool
    reason: str = ""  # ReceiptRejection.Reason when refused
    records: int = 0
    applied: int = 0
    duplicates: int = 0
    no_ops: int = 0  # new records that did not move anything (out of order, already known)
    deferred: int = 0  # attempts not yet recorded as accepted: left to polling
    unknown: list[str] = field(default_factory=list)

    def body(self) -> dict[str, Any]:
        if not self.accepted:
            code = {401: "E401", 403: "E401", 422: "E422"}.get(self.status, "E404")
            return {"rslt_cd": code, "rslt_msg": self.reason}
        return {"rslt_cd": "00", "rslt_msg": "OK", "records": self.records, "applied": self.applied,
                "duplicates": self.duplicates, "no_ops": self.no_ops, "deferred": self.deferred}


def event_key(provider: str, r: StatusReport) -> str:
    """Identity of one status record: the same record posted twice (or replayed with a fresh signature) has the same
    key. The record's own timestamps are part of it, the callback's X-Timestamp is not."""
    parts = [provider, r.key, str(r.state), r.code or "",
             *(t.isoformat() if t else "" for t in (r.sent_at, r.delivered_at, r.read_at))]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _reject(reason: str, *, body: bytes, headers: Mapping[str, str], remote: str, now: datetime, status: int,
            detail: dict[str, Any] | None = None) -> CallbackResult:
    lower = {k.lower(): v for k, v in headers.items()}
    ReceiptRejection.objects.create(
        provider="kt", at=now, reason=reason, remote_addr=remote[:45],
        header_timestamp=str(lower.get(TIMESTAMP_HEADER.lower(), ""))[:20],
        body_sha256=hashlib.sha256(body).hexdigest(), body_length=len(body), detail=detail or {},
    )
    log.warning("KT callback rejected: %s (from %s, %d bytes, %s)", reason, remote or "?", len(body), detail or {})
    return CallbackResult(status=status, accepted=False, reason=reason)


def _rejection_reason(body: bytes, headers: Mapping[str, str], now: datetime) -> str:
    """Why parse_callback refused: a signature that is right but out of the time window is 'stale'."""
    lower = {k.lower(): v for k, v in headers.items()}
    ts, sig = lower.get(TIMESTAMP_HEADER.lower()), lower.get(SIGNATURE_HEADER.lower())
    if verify_signature(settings.JINGSU_KT_CALLBACK_SECRET, ts, body, sig, now, max_age=float("inf")):
        try:
            import json

            json.loads(body)
        except ValueError:
            return ReceiptRejection.Reason.MALFORMED
        return ReceiptRejection.Reason.STALE_TIMESTAMP
    return ReceiptRejection.Reason.BAD_SIGNATURE


def _implausible_times(reports: list[StatusReport], attempts: Mapping[str, DeliveryAttempt],
                       now: datetime) -> dict[str, int]:
    """Counts of record times that cannot be true (delivery.services.implausible_report_times)."""
    from jingsu.delivery.services import implausible_report_times

    bad: dict[str, int] = {}
    for why in implausible_report_times([(attempts[r.key], r) for r in reports], now=now):
        if why:
            bad[why] = bad.get(why, 0) + 1
    return bad


def handle_kt_callback(body: bytes, headers: Mapping[str, str], *, now: datetime, remote: str = "") -> CallbackResult:
    """Verify, de-duplicate and apply one KT result callback. Never raises for bad input; see CallbackResult."""
    from jingsu.delivery.services import apply_reports

    try:
        reports = kt_adapter().parse_callback(body, headers, now)
    except CallbackRejected:
        reason = _rejection_reason(body, headers, now)
        status = 400 if reason == ReceiptRejection.Reason.MALFORMED else 401
        return _reject(reason, body=body, headers=headers, remote=remote, now=now, status=status)
    except (KeyError, TypeError, ValueError) as exc:  # a signed body with records we cannot read
        return _reject(ReceiptRejection.Reason.MALFORMED, body=body, headers=headers, remote=remote, now=now,
                       status=400, detail={"error": type(exc).__name__})

    keys = {r.key for r in reports}
    result = CallbackResult(status=200, accepted=True, records=len(reports))
    # One callback is one transaction. The attempts are locked (once, in id order) before anything is checked or
    # written, so a replay of the same records racing this one waits and then finds their event keys; a record seen
    # before (here or in an earlier callback) is acknowledged and not applied again. A refused callback writes only
    # its ReceiptRejection row.
    with transaction.atomic():
        current = {a.pk: a for a in DeliveryAttempt.objects.select_for_update()
                   .filter(channel=Channel.KT, key__in=keys).order_by("pk")}
        attempts = {a.key: a for a in current.values()}
        unknown = sorted(k for k in keys if k not in attempts)
        if unknown or any(not r.key for r in reports):
            # all or nothing: a callback naming a message we never sent is not applied at all
            return _reject(ReceiptRejection.Reason.UNKNOWN_KEY, body=body, headers=headers, remote=remote, now=now,
                           status=404, detail={"records": len(reports), "unknown": len(unknown)})

        bad = _implausible_times(reports, attempts, now)
        if bad:
            # all or nothing, as for unknown keys: a read before the send, or a receipt in the future, is not applied
            return _reject(ReceiptRejection.Reason.BAD_TIME, body=body, headers=headers, remote=remote, now=now,
                           status=422, detail={"records": len(reports), "bad_times": bad})

        event_keys = [event_key("kt", r) for r in reports]
        seen = set(ReceiptEvent.objects.filter(event_key__in=event_keys).values_list("event_key", flat=True))
        events: list[ReceiptEvent] = []
        changes: list[tuple[int, StatusReport]] = []
        for r, key in zip(reports, event_keys, strict=True):
            a = attempts[r.key]
            if a.status in (AttemptStatus.QUEUED, AttemptStatus.SENDING):
                # our send has not been recorded yet (queued/sending): the report is left to polling
                result.deferred += 1
                continue
            if key in seen:
                result.duplicates += 1
                continue
            seen.add(key)
            events.append(ReceiptEvent(provider="kt", event_key=key, attempt=a, state=str(r.state), code=r.code or "",
                                       received_at=now))
            changes.append((a.pk, r))
        # the reports first, on the attempts locked above; then the events, each with whether it moved its attempt
        applied = apply_reports(changes, now=now, locked=current)
        for i in applied:
            events[i].applied = True
        ReceiptEvent.objects.bulk_create(events)
        result.applied = len(applied)
        result.no_ops = len(events) - len(applied)
    log.info("KT callback: %d records, %d applied, %d duplicates, %d no-ops, %d deferred", result.records,
             result.applied, result.duplicates, result.no_ops, result.deferred)
    return result
