"""An audit log written in batches for high-volume reads (the citizen portal's page views), still complete and ordered.

`audit.record` INSERTs its row inside the caller's transaction: right for every change, since the row commits with
it. A page view changes nothing, and one INSERT and commit per view was most of the portal page's database work
(docs/benchmarks.md, "Citizen portal"). `record` here, when `settings.JINGSU_AUDIT_BUFFER_URL` names a Redis server
(by default the deployment's `REDIS_URL`), appends the entry to a Redis list instead, in one round trip, before the
page is answered; `flush` moves the list into `core_auditlog` in order. Without Redis (the embedded default) or when
Redis cannot be reached, `record` writes the row at once, as `audit.record` does.

Complete: an entry is in Redis before the response leaves, so a gunicorn worker killed after answering has lost
nothing; one killed before has answered nothing. Each entry carries a sequence number (INCR and RPUSH in one Lua
script, so list order is sequence order). `flush` runs in one database transaction that locks the `AuditBufferMark`
row, inserts the entries above the mark's sequence in sequence order and moves the mark; only after the commit does it
pop from the list's head the entries at or below the committed mark. A flusher that dies before the commit leaves the
list as it was; one that dies after it leaves entries the next flush skips and pops. Two flushers never insert the
same entry: the second waits for the lock and then skips what the first committed.

Ordered and queryable: rows land in `core_auditlog` with the time of the view (`at`, from the injected clock) and ids
in sequence order. The audit screens and exports call `flush` before they read, so they show every view up to that
moment; a flush also runs after the response that brings the list to `BATCH` entries, and every few seconds from the
workers' beat (`jingsu.portal.flush_access_log`).

Redis must keep what it acknowledged for this to hold across a Redis restart: production runs it with
`appendonly yes` (docs/operations.md). If Redis nevertheless comes back older than the mark (its sequence counter
behind the committed mark), `flush` moves every entry Redis holds and starts the mark again: a view may then be
recorded twice, never skipped.
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

from django.conf import settings
from django.core.signals import request_finished
from django.db import transaction

from jingsu.clock import Clock
from jingsu.core import audit
from jingsu.core.models import AuditBufferMark, AuditLog, Jurisdiction

log = logging.getLogger(__name__)

KEY = "jingsu:audit:buffer"
SEQ_KEY = "jingsu:audit:seq"
#: entries moved per INSERT batch; a response that brings the list to a multiple of this flushes after it is sent
BATCH = 200
MARK = "audit-buffer"

# append: the next sequence number and the entry, in one step (list order = sequence order); returns the list length
_APPEND = """
local seq = redis.call('INCR', KEYS[1])
return {seq, redis.call('RPUSH', KEYS[2], seq .. ' ' .. ARGV[1])}
"""
# pop from the head the entries whose sequence is at most ARGV[1] (those committed); returns how many
_TRIM = """
local n = 0
while true do
  local v = redis.call('LINDEX', KEYS[1], 0)
  if not v then break end
  local seq = tonumber(string.match(v, '^(%d+) '))
  if seq > tonumber(ARGV[1]) then break end
  redis.call('LPOP', KEYS[1])
  n = n + 1
end
return n
"""

_local = threading.local()
_clients: dict[str, Any] = {}


def _client() -> Any | None:
    url = getattr(settings, "JINGSU_AUDIT_BUFFER_URL", "")
    if not url:
        return None
    client = _clients.get(url)
    if client is None:
        import redis  # installed dependency; imported lazily so the embedded default needs no Redis

        client = _clients[url] = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)
    return client


def record(action: str, *, actor: str, jurisdiction: Jurisdiction | str | None, target: Any = None,
           target_type: str = "", target_id: str = "", detail: dict[str, Any] | None = None,
           clock: Clock) -> None:
    """An audit row like `audit.record`'s (same fields, same time from `clock`), appended to the buffer when there is
    one; written at once otherwise (or when Redis fails: the row is never dropped)."""
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or str(target.pk)
    code = jurisdiction.code if isinstance(jurisdiction, Jurisdiction) else jurisdiction
    client = _client()
    if client is not None:
        at = clock.now()
        entry = json.dumps({"j": code, "at": at.isoformat(), "actor": actor, "action": action, "tt": target_type,
                            "ti": target_id, "detail": detail or {}}, ensure_ascii=False, separators=(",", ":"))
        try:
            _, length = client.eval(_APPEND, 2, SEQ_KEY, KEY, entry)
        except Exception:  # Redis unreachable: write the row now rather than lose it
            log.warning("audit buffer unavailable; writing %s directly", action, exc_info=True)
        else:
            if int(length) % BATCH == 0:
                _local.flush_due = True  # after the response is sent (request_finished)
            return
    audit.record(action, actor=actor, jurisdiction=code, target_type=target_type, target_id=target_id,
                 detail=detail, clock=clock)


def _parse(raw: bytes) -> tuple[int, AuditLog]:
    from datetime import datetime

    seq, _, body = raw.decode().partition(" ")
    e = json.loads(body)
    return int(seq), AuditLog(jurisdiction_id=e["j"], at=datetime.fromisoformat(e["at"]), actor=e["actor"],
                              action=e["action"], target_type=e["tt"], target_id=e["ti"], reason="",
                              detail=e["detail"])


def flush(*, limit: int | None = None) -> int:
    """Move the buffered entries into `core_auditlog`, in order (see the module's docstring). Returns how many rows
    were inserted. Without a buffer, or when Redis cannot be reached, there is nothing to move (0)."""
    client = _client()
    if client is None:
        return 0
    inserted = 0
    try:
        while limit is None or inserted < limit:
            if not client.llen(KEY):
                break
            with transaction.atomic():
                mark, _ = AuditBufferMark.objects.get_or_create(name=MARK)
                mark = AuditBufferMark.objects.select_for_update().get(pk=mark.pk)  # one flusher at a time
                raw = client.lrange(KEY, 0, BATCH - 1)
                counter = int(client.get(SEQ_KEY) or 0)
                floor = mark.last_seq
                if counter < floor:
                    # Redis has gone back to an older state (restarted without its log, or restored): sequence
                    # numbers are being reused, so the mark cannot tell what was moved. Keep everything it holds —
                    # a view recorded twice rather than one lost — and start the mark again below the counter.
                    log.error("audit buffer: Redis sequence %s is behind the mark %s; moving every entry it holds",
                              counter, floor)
                    floor = 0
                rows = [(seq, row) for seq, row in map(_parse, raw) if seq > floor]
                if rows or floor != mark.last_seq:
                    AuditLog.objects.bulk_create([row for _, row in rows])
                    mark.last_seq = rows[-1][0] if rows else counter
                    mark.save(update_fields=["last_seq"])
                top = mark.last_seq
            inserted += len(rows)
            client.eval(_TRIM, 1, KEY, top)  # committed: pop them (a retry would skip them anyway)
            if not raw:
                break
    except Exception:
        log.warning("audit buffer flush failed; entries stay in Redis for the next flush", exc_info=True)
    return inserted


def _after_request(**_: Any) -> None:
    if getattr(_local, "flush_due", False):
        _local.flush_due = False
        flush()


request_finished.connect(_after_request, dispatch_uid="jingsu.core.auditbuffer.flush")
