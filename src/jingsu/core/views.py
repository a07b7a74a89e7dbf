"""Probes for the load balancer and the service manager (docs/operations.md "Health and metrics").

- `GET /healthz` — liveness: this process answers (nothing else is asked, so a database outage does not make every
  web process look dead and get restarted in a loop).
- `GET /readyz` — readiness: the database answers and is migrated, the broker accepts a connection (when one is
  configured), the providers' gateway answers (when configured). 200 when all do, 503 naming what failed. The body is
  for operators and tools; nginx exposes neither probe outside the office network (deploy/nginx/jingsu.conf).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

PROBE_TIMEOUT = 2.0  # seconds per dependency


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    pending = MigrationExecutor(connection).migration_plan(MigrationExecutor(connection).loader.graph.leaf_nodes())
    return f"migrations pending: {len(pending)}" if pending else ""


def _broker() -> str:
    from kombu import Connection

    with Connection(settings.CELERY_BROKER_URL, connect_timeout=PROBE_TIMEOUT) as conn:
        conn.ensure_connection(max_retries=1, timeout=PROBE_TIMEOUT)
    return ""


def _providers() -> str:
    import httpx

    r = httpx.get(settings.JINGSU_PROVIDER_URL.rstrip("/") + "/healthz", timeout=PROBE_TIMEOUT)
    return f"HTTP {r.status_code}" if r.status_code >= 500 else ""


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    probes: dict[str, Callable[[], str]] = {"database": _database}
    if settings.CELERY_BROKER_URL:
        probes["broker"] = _broker
    if settings.JINGSU_PROVIDER_URL:
        probes["providers"] = _providers
    checks: dict[str, dict[str, object]] = {}
    for name, probe in probes.items():
        started = time.monotonic()
        try:
            problem = probe()
        except Exception as e:  # noqa: BLE001 - any failure of a dependency is "not ready"; its class names it
            problem = type(e).__name__
        checks[name] = {"ok": not problem, "ms": round((time.monotonic() - started) * 1000, 1),
                        **({"error": problem} if problem else {})}
    ready = all(c["ok"] for c in checks.values())
    return JsonResponse({"status": "ready" if ready else "not ready", "checks": checks}, status=200 if ready else 503)
