"""Shared set-up for the delivery tests."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from jingsu.core.models import Jurisdiction
from jingsu.delivery.models import AttemptStatus, Channel, DeliveryAttempt
from jingsu.notices import services as notices
from jingsu.notices.models import Notice
from jingsu.rolls.importer import import_roll

SMALL = Path(__file__).parent.parent / "fixtures" / "roll_small.csv"


def build_campaign(clock, jurisdiction, *, kind: str = "arrears", mail_class: str = "ordinary"):
    """roll_small.csv → an approved campaign of 3 notices (김민준, 이서연 with 전자송달, NGUYEN with 수신거부)."""
    import_roll(SMALL, jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    campaign = notices.create_campaign(jurisdiction, name="테스트", kind=kind, as_of=date(2026, 11, 23), actor="maker",
                                       clock=clock, mail_class=mail_class)
    notices.build_campaign(campaign, actor="maker", clock=clock)
    notices.approve_campaign(campaign, actor="checker", clock=clock)
    return campaign


def kt_attempts(campaign, clock) -> list[DeliveryAttempt]:
    """One accepted KT attempt per notice, as if KT had taken them (key = src_key = external_id)."""
    now = clock.now()
    out = []
    for n in Notice.objects.filter(campaign=campaign).order_by("pk"):
        key = f"{n.reference}-1"
        out.append(DeliveryAttempt.objects.create(
            notice=n, channel=Channel.KT, sequence=1, key=key, status=AttemptStatus.ACCEPTED, external_id=key,
            created_at=now, updated_at=now, sent_at=now, read_deadline=now + timedelta(days=7),
            fallback_at=now + timedelta(hours=24)))
        n.status = Notice.Status.IN_DELIVERY
        n.save(update_fields=["status"])
    return out
