"""`jingsu backup create|verify` on PostgreSQL: a dump and its manifest from one snapshot, restored into a scratch
database and compared table by table, with the audit rows' hash and the keys (jingsu.ops.backup)."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from jingsu.core import audit, crypto
from jingsu.core.models import AuditLog
from jingsu.taxpayers.models import Taxpayer

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _taxpayers(clock, n: int) -> None:
    for i in range(n):
        reg = f"7001011{i:06d}"
        Taxpayer.objects.create(
            jurisdiction_id="11260", kind="individual", name=f"백업{i}", registration_hash=crypto.lookup_hash(reg),
            registration_encrypted=crypto.encrypt(reg), registration_masked=crypto.mask_registration_number(reg),
            address="서울특별시 중랑구 봉화산로 179", created_at=clock.now(), updated_at=clock.now())


def test_sqlite_is_told_how_to_back_up(tmp_path):
    if connection.vendor == "postgresql":
        pytest.skip("the SQLite message")
    with pytest.raises(CommandError, match="백업 확인은 PostgreSQL에서만 합니다"):
        call_command("backup", "create", "--dir", str(tmp_path))


@pytest.fixture
def pg():
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump and pg_restore: PostgreSQL only")


def test_a_backup_restores_with_every_table_the_audit_chain_and_the_keys(pg, tmp_path, clock, capsys):
    _taxpayers(clock, 5)
    audit.record("test.marker", actor="t", jurisdiction=None, clock=clock, detail={"n": 1})
    call_command("backup", "create", "--dir", str(tmp_path), "--actor", "백업담당")
    dump = next(tmp_path.glob("jingsu-*.dump"))
    manifest = json.loads(dump.with_suffix(".json").read_text())
    assert manifest["tables"]["taxpayers_taxpayer"] == Taxpayer.objects.count() == 5
    assert manifest["audit"]["rows"] == AuditLog.objects.count() - 1  # the backup's own row comes after its snapshot
    assert (dump.stat().st_mode & 0o777) == 0o600

    _taxpayers_later = Taxpayer.objects.filter(name="백업0").update(name="바뀐이름")  # after the backup: not in it
    assert _taxpayers_later == 1
    capsys.readouterr()
    call_command("backup", "verify", "--dir", str(tmp_path), "--actor", "백업담당")
    out = capsys.readouterr().out
    assert "복원 확인을 마쳤습니다" in out and "주민등록번호 5건을 이 배포의 키로 열어 확인했습니다" in out
    assert AuditLog.objects.filter(action="backup.verify", actor="백업담당").get().detail["ok"] is True
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_database WHERE datname LIKE 'jingsu_verify_%%'")
        assert cur.fetchone()[0] == 0  # the scratch database is gone


def test_a_manifest_that_disagrees_is_reported_by_table_and_audit(pg, tmp_path, clock):
    _taxpayers(clock, 3)
    call_command("backup", "create", "--dir", str(tmp_path))
    dump = next(tmp_path.glob("jingsu-*.dump"))
    manifest = json.loads(dump.with_suffix(".json").read_text())
    manifest["tables"]["taxpayers_taxpayer"] = 4
    manifest["audit"]["sha256"] = "0" * 64
    dump.with_suffix(".json").write_text(json.dumps(manifest))
    with pytest.raises(CommandError) as e:
        call_command("backup", "verify", "--file", str(dump))
    assert "표 taxpayers_taxpayer: 목록 4건, 복원 3건" in str(e.value)
    assert "감사 기록" in str(e.value) and "해시가 다릅니다" in str(e.value)


def test_a_damaged_dump_does_not_restore(pg, tmp_path, clock):
    call_command("backup", "create", "--dir", str(tmp_path))
    dump = next(tmp_path.glob("jingsu-*.dump"))
    dump.write_bytes(dump.read_bytes()[: dump.stat().st_size // 2])
    with pytest.raises(CommandError, match="복원이 실패했습니다"):
        call_command("backup", "verify", "--file", str(dump))


def test_verify_without_a_backup_says_so(pg, tmp_path):
    with pytest.raises(CommandError, match="백업 파일\\(jingsu-\\*.dump\\)이 없습니다"):
        call_command("backup", "verify", "--dir", str(tmp_path))
