"""Thin Celery wrapper for the portal's background work (without a broker it runs inline)."""

from __future__ import annotations

from celery import shared_task

from jingsu.core import auditbuffer


@shared_task(name="jingsu.portal.flush_access_log")
def flush_access_log() -> int:
    """Beat: move the buffered page-view audit entries into the audit log (jingsu.core.auditbuffer); idempotent."""
    return auditbuffer.flush()
