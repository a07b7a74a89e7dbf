"""/healthz (liveness) and /readyz (database, broker, providers) as a load balancer and systemd see them."""

from __future__ import annotations

import socket

import pytest

from _simulator import simulator

sim = simulator(seed=3)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_healthz_answers_without_asking_anything_else(client, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{_closed_port()}/0"  # a dead broker does not make it fail
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}
    assert "no-store" in r["Cache-Control"]


@pytest.mark.django_db
def test_readyz_is_ready_when_database_broker_and_providers_answer(client, settings, sim):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/9"
    settings.JINGSU_PROVIDER_URL = sim.url
    r = client.get("/readyz")
    body = r.json()
    assert r.status_code == 200, body
    assert body["status"] == "ready" and set(body["checks"]) == {"database", "broker", "providers"}
    assert all(c["ok"] and "error" not in c for c in body["checks"].values())


@pytest.mark.django_db
def test_readyz_is_not_ready_and_names_what_failed(client, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    settings.JINGSU_PROVIDER_URL = f"http://127.0.0.1:{_closed_port()}"
    r = client.get("/readyz")
    body = r.json()
    assert r.status_code == 503 and body["status"] == "not ready"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is False and body["checks"]["broker"]["error"]
    assert body["checks"]["providers"]["ok"] is False and body["checks"]["providers"]["error"] == "ConnectError"


@pytest.mark.django_db
def test_readyz_without_broker_or_providers_asks_the_database_only(client, settings):
    settings.CELERY_BROKER_URL = ""
    settings.JINGSU_PROVIDER_URL = ""
    r = client.get("/readyz")
    assert r.status_code == 200 and set(r.json()["checks"]) == {"database"}
