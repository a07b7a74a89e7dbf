"""The portal's page views reach the audit log through the audit buffer (jingsu.core.auditbuffer, issue #18): every
view is a row, in order, on the console's 감사 기록 screen — with a Redis buffer, without one, with Redis gone, and
across a flusher that died between its commit and its trim."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from _staff_helpers import BACKEND
from django.urls import reverse

from jingsu.core import auditbuffer
from jingsu.core.models import AuditLog
from jingsu.notices.models import Notice
from jingsu.portal.views import SESSION_KEY

REDIS = "redis://127.0.0.1:6379/13"


@pytest.fixture
def buffer(settings, monkeypatch):
    """A Redis audit buffer under keys of this test alone."""
    import redis

    client = redis.Redis.from_url(REDIS)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    tag = uuid.uuid4().hex
    monkeypatch.setattr(auditbuffer, "KEY", f"test:{tag}:buffer")
    monkeypatch.setattr(auditbuffer, "SEQ_KEY", f"test:{tag}:seq")
    settings.JINGSU_AUDIT_BUFFER_URL = REDIS
    yield client
    client.delete(auditbuffer.KEY, auditbuffer.SEQ_KEY)


def _citizen(client, world) -> Notice:
    n = Notice.objects.get(taxpayer=world.taxpayer)
    session = client.session
    session[SESSION_KEY] = [n.pk]
    session.save()
    return n


def _view(client, n: Notice, clock, times: int) -> list:
    seen = []
    for _ in range(times):
        clock.advance(timedelta(seconds=1))
        r = client.get(f"/n/{n.token}")
        assert r.status_code == 200 and "납부하실 금액" in r.content.decode()
        seen.append(clock.now())
    return seen


def _screen_rows(client, world) -> list[dict]:
    """The 감사 기록 screen's rows for 안내문 열람, as the auditor sees them (newest first)."""
    from django.test import Client

    auditor = Client()
    auditor.force_login(world.users["auditor"], backend=BACKEND)
    r = auditor.get(reverse("staff:audit_log"), {"action": "portal.view"})
    assert r.status_code == 200
    return r.context["rows"]


@pytest.mark.django_db
def test_views_are_buffered_and_the_audit_screen_shows_every_one_in_order(world, client, clock, buffer):
    n = _citizen(client, world)
    seen = _view(client, n, clock, 7)
    assert buffer.llen(auditbuffer.KEY) == 7  # acknowledged views wait in Redis, not in a synchronous INSERT
    assert not AuditLog.objects.filter(action="portal.view").exists()
    rows = _screen_rows(client, world)  # the screen flushes first
    assert [row["at"] for row in rows] == sorted(seen, reverse=True)
    assert all(row["action"] == "안내문 열람" for row in rows)
    stored = list(AuditLog.objects.filter(action="portal.view").order_by("id"))
    assert [row.at for row in stored] == seen  # inserted in the order of the views
    assert {(row.target_type, row.target_id, row.jurisdiction_id) for row in stored} == {
        ("notices.notice", str(n.pk), world.home.code)}
    assert all(row.actor.startswith("citizen@") for row in stored)
    assert buffer.llen(auditbuffer.KEY) == 0
    assert len(_screen_rows(client, world)) == 7  # flushing again adds nothing


@pytest.mark.django_db
def test_a_flusher_that_dies_after_its_commit_loses_nothing_and_doubles_nothing(world, client, clock, buffer,
                                                                               monkeypatch):
    n = _citizen(client, world)
    seen = _view(client, n, clock, 5)
    real_eval = auditbuffer._client().eval
    calls = {"trim": 0}

    def dies_at_trim(script, *args):
        if script == auditbuffer._TRIM and calls["trim"] == 0:
            calls["trim"] += 1
            raise ConnectionError("worker killed between commit and trim")
        return real_eval(script, *args)

    monkeypatch.setattr(auditbuffer._client(), "eval", dies_at_trim)
    assert auditbuffer.flush() == 5  # committed, then the trim failed: the entries are still in Redis
    assert buffer.llen(auditbuffer.KEY) == 5
    seen += _view(client, n, clock, 2)
    assert auditbuffer.flush() == 2  # the five already committed are skipped (the mark), then popped
    assert buffer.llen(auditbuffer.KEY) == 0
    assert [row.at for row in AuditLog.objects.filter(action="portal.view").order_by("id")] == seen


@pytest.mark.django_db
def test_a_full_batch_is_flushed_after_its_response(world, client, clock, buffer, monkeypatch):
    monkeypatch.setattr(auditbuffer, "BATCH", 3)
    n = _citizen(client, world)
    seen = _view(client, n, clock, 4)
    # the third view filled a batch: moved once its response was sent; the fourth waits for the next flush
    assert [row.at for row in AuditLog.objects.filter(action="portal.view").order_by("id")] == seen[:3]
    assert buffer.llen(auditbuffer.KEY) == 1


@pytest.mark.django_db
def test_without_redis_or_with_redis_gone_every_view_is_written_at_once(world, client, clock, settings):
    n = _citizen(client, world)
    settings.JINGSU_AUDIT_BUFFER_URL = ""  # the embedded default
    seen = _view(client, n, clock, 2)
    settings.JINGSU_AUDIT_BUFFER_URL = "redis://127.0.0.1:1/0"  # configured, but nothing answers there
    seen += _view(client, n, clock, 2)
    assert [row.at for row in AuditLog.objects.filter(action="portal.view").order_by("id")] == seen
    assert auditbuffer.flush() == 0
    assert [row["at"] for row in _screen_rows(client, world)] == sorted(seen, reverse=True)


@pytest.mark.django_db
def test_redis_coming_back_older_than_the_mark_loses_no_view(world, client, clock, buffer):
    n = _citizen(client, world)
    seen = _view(client, n, clock, 3)
    assert auditbuffer.flush() == 3
    buffer.delete(auditbuffer.SEQ_KEY)  # Redis restarted without its data: sequence numbers start again at 1
    seen += _view(client, n, clock, 2)
    assert auditbuffer.flush() == 2  # numbered 1 and 2, below the mark (3), and still moved
    seen += _view(client, n, clock, 1)
    assert auditbuffer.flush() == 1
    assert [row.at for row in AuditLog.objects.filter(action="portal.view").order_by("id")] == seen
    assert buffer.llen(auditbuffer.KEY) == 0
