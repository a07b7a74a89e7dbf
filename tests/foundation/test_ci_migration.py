"""§8 CI at rest: migration 0002_encrypt_ci encrypts the CI values already stored in plaintext."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from jingsu.core import crypto

CI = "Q" * 40 + "b3JpZ2luYWwtY2ktdmFsdWUtZm9yLXRoZS1taWdyYXRpb24tdGVzdA=="[:48]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_migration_encrypts_existing_plaintext_ci():
    executor = MigrationExecutor(connection)
    executor.migrate([("taxpayers", "0001_initial")])
    old = executor.loader.project_state([("taxpayers", "0001_initial")]).apps
    # a transactional test before this one may have flushed the seeded jurisdictions
    old.get_model("core", "Jurisdiction").objects.get_or_create(code="11260", defaults={"name": "중랑구",
                                                                                         "level": "district"})
    taxpayer = old.get_model("taxpayers", "Taxpayer").objects.create(
        jurisdiction_id="11260", kind="individual", name="김민준", registration_hash="h" * 64,
        registration_encrypted="x", registration_masked="850101-1******", address="서울", created_at=datetime.now(UTC),
        updated_at=datetime.now(UTC))
    old.get_model("taxpayers", "TaxpayerCI").objects.create(taxpayer=taxpayer, ci=CI, result_code="OK",
                                                            obtained_at=datetime.now(UTC))
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    with connection.cursor() as cur:
        cur.execute("SELECT * FROM taxpayers_taxpayerci")
        rows = cur.fetchall()
    assert len(rows) == 1 and CI not in "|".join(map(str, rows[0]))
    from jingsu.taxpayers.models import TaxpayerCI

    record = TaxpayerCI.objects.get(taxpayer_id=taxpayer.pk)
    assert record.ci == CI and record.ci_hash == crypto.ci_hash(CI)
    assert TaxpayerCI.objects.matching(CI).get().pk == record.pk
