"""Writing audit rows. Services call `record` inside their transaction, so the audit row commits with the change."""

from __future__ import annotations

from typing import Any

from jingsu.clock import Clock
from jingsu.core.models import AuditLog, Jurisdiction


def record(
    action: str,
    *,
    actor: str,
    jurisdiction: Jurisdiction | str | None,
    target: Any = None,
    target_type: str = "",
    target_id: str = "",
    reason: str = "",
    detail: dict[str, Any] | None = None,
    clock: Clock,
) -> AuditLog:
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or str(target.pk)
    jurisdiction_code = jurisdiction.code if isinstance(jurisdiction, Jurisdiction) else jurisdiction
    return AuditLog.objects.create(
        jurisdiction_id=jurisdiction_code,
        at=clock.now(),
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
        reason=reason,
        detail=detail or {},
    )
