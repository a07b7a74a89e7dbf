"""§8 CI at rest: the CI the identity agency returns is stored encrypted with a keyed hash for lookups (no plaintext CI
in the table, on SQLite and PostgreSQL), and the delivery path still hands the right CI to the intermediary."""

from __future__ import annotations

import pytest
from _delivery_helpers import build_campaign
from django.db import connection

from jingsu.core import crypto
from jingsu.delivery import services as delivery
from jingsu.delivery.models import AttemptStatus, Channel, DeliveryAttempt
from jingsu.providers.base import CiRequest
from jingsu.taxpayers.models import Taxpayer, TaxpayerCI


def raw_table() -> str:
    """Every stored value of the CI table as the database holds it (what a dump would show)."""
    with connection.cursor() as cur:
        cur.execute(f"SELECT * FROM {TaxpayerCI._meta.db_table}")
        return "\n".join("|".join(str(v) for v in row) for row in cur.fetchall())


@pytest.mark.django_db
def test_ci_is_stored_encrypted_and_found_by_its_keyed_hash(clock, jungnang, providers):
    campaign = build_campaign(clock, jungnang)
    individuals = [t for t in Taxpayer.objects.filter(jurisdiction=jungnang).order_by("pk") if t.is_individual]
    assert delivery.resolve_ci(individuals, providers, clock=clock) == len(individuals)
    # what the identity agency answers for these people (the simulator is deterministic per registration number)
    answers = providers.identity.to_ci(
        [CiRequest(ref=str(t.pk), registration_number=t.reveal_registration_number()) for t in individuals])
    cis = {int(r.ref): r.ci for r in answers if r.ci}
    assert cis, "the simulator should know at least one of these people"
    table = raw_table()
    for ci in cis.values():
        assert ci not in table  # no plaintext CI anywhere in the stored rows
        assert ci[:20] not in table
    for tid, ci in cis.items():
        record = TaxpayerCI.objects.get(taxpayer_id=tid)
        assert record.ci_encrypted and record.ci_encrypted != ci and record.ci == ci
        assert record.ci_hash == crypto.ci_hash(ci) != crypto.lookup_hash(ci)  # its own key
        assert list(TaxpayerCI.objects.matching(ci).values_list("taxpayer_id", flat=True)) == [tid]
    assert not TaxpayerCI.objects.matching("").exists()
    assert not TaxpayerCI.objects.matching("A" * 88).exists()
    # the send path decrypts it for the intermediary: the simulator accepts the documents addressed by CI
    delivery.start_campaign(campaign, providers, actor="checker", clock=clock)
    delivery.send_queued(providers, clock=clock)
    electronic = DeliveryAttempt.objects.filter(notice__campaign=campaign, channel__in=[Channel.KAKAO, Channel.KT],
                                                notice__taxpayer_id__in=cis)
    assert electronic.exists()
    assert set(electronic.values_list("status", flat=True)) <= {AttemptStatus.ACCEPTED, AttemptStatus.DELIVERED,
                                                                AttemptStatus.READ, AttemptStatus.REJECTED}
    assert electronic.exclude(status=AttemptStatus.REJECTED).exists()
