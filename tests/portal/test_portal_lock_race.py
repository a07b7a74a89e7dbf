"""Portal lock race (issue 20 §7): parallel wrong codes are checked and counted under the access row's lock, so no
more than MAX_FAILURES of them are ever compared."""

from __future__ import annotations

import os
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection, connections

from jingsu.core.models import AuditLog
from jingsu.notices.models import Notice
from jingsu.portal import services
from jingsu.portal.models import NoticeAccess, OneTimeCode

sys.path.insert(0, str(Path(__file__).parent.parent / "delivery"))
from _delivery_helpers import build_campaign  # noqa: E402

POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")
PARALLEL = 30


@pytest.mark.skipif(not POSTGRES, reason="needs concurrent transactions and SELECT … FOR UPDATE: SQLite serializes "
                                         "every writer on the whole file, so the race cannot happen (or be shown) there")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps the seeded jurisdictions for later tests
def test_thirty_parallel_wrong_codes_are_compared_at_most_five_times(clock, jungnang):
    assert connection.vendor == "postgresql"
    campaign = build_campaign(clock, jungnang)
    notice = Notice.objects.filter(campaign=campaign, control_group=False).order_by("pk").first()
    now = clock.now()
    OneTimeCode.objects.create(notice=notice, code_hash=services._code_hash(notice, "246810"), created_at=now,
                               expires_at=now + timedelta(minutes=5), sms_key="otp-race")

    barrier = threading.Barrier(PARALLEL)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(i: int) -> None:
        try:
            barrier.wait()
            try:
                services.verify_code(notice, code=f"{i:06d}", remote=f"10.0.0.{i}", clock=clock)
                result = "verified"
            except services.PortalError as e:
                result = "locked" if e.locked else "wrong"
            with lock:
                outcomes.append(result)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(PARALLEL)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    assert len(outcomes) == PARALLEL and "verified" not in outcomes
    compared = AuditLog.objects.filter(action="portal.verify_failed", target_id=str(notice.pk)).count()
    assert compared == services.MAX_FAILURES, outcomes  # today's code compared more than the limit
    assert outcomes.count("wrong") == services.MAX_FAILURES - 1  # the fifth wrong code is the one that locks
    assert outcomes.count("locked") == PARALLEL - services.MAX_FAILURES + 1
    access = NoticeAccess.objects.get(notice=notice)
    assert access.failures == services.MAX_FAILURES and access.locked_until == now + services.LOCK_FOR
    # and the right code no longer opens it within the hour
    with pytest.raises(services.PortalError) as e:
        services.verify_code(notice, code="246810", remote="10.0.1.1", clock=clock)
    assert e.value.locked
