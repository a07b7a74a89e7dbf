"""What every provider request did, for Prometheus (docs/operations.md "Health and metrics").

Counted in the process that makes the request (a dispatch process, a Celery worker, the web process for the portal's
one-time codes and the gateway). With PROMETHEUS_MULTIPROC_DIR set for every process (the env file does), each
writes its figures to files there and `/metrics` adds them up; without it, `/metrics` shows the web process's own.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

#: one per HTTP exchange (a retry is another exchange): outcome ok | client_error (4xx but 429) | server_error (5xx,
#: 429) | transport_error (timeout, refused, reset)
REQUESTS = Counter("jingsu_provider_requests", "Requests to an outside system, by provider and outcome",
                   ["provider", "outcome"])
LATENCY = Histogram("jingsu_provider_request_seconds", "Time of one request to an outside system",
                    ["provider"], buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))


def observe(provider: str, seconds: float, status: int | None) -> None:
    """One exchange: its time and its outcome (`status` None: no response)."""
    if status is None:
        outcome = "transport_error"
    elif status == 429 or status >= 500:
        outcome = "server_error"
    elif status >= 400:
        outcome = "client_error"
    else:
        outcome = "ok"
    REQUESTS.labels(provider, outcome).inc()
    LATENCY.labels(provider).observe(seconds)
