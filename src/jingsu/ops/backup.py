"""Backups that are known to restore (`jingsu backup create|verify`, docs/operations.md "Backups").

create: `pg_dump --format=custom` inside one exported snapshot, and beside the dump a manifest taken in that same
snapshot: every table's row count, the number of applied migrations, and a SHA-256 over every audit row in id order
(the audit chain: a restored audit log that lost, added or changed one row no longer hashes the same).

verify: restores the dump (the newest in a folder, or a given file) into a scratch database, counts every table
again, hashes the audit rows again, opens a sample of encrypted registration numbers with this deployment's keys
(their keyed hash must match: the backup is usable with the keys the office holds), then drops the scratch database.
Any difference names the table. Both are audited in the live database.

PostgreSQL only: the embedded SQLite default is backed up by copying its file while nothing runs.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection

from jingsu.clock import Clock
from jingsu.core import audit, crypto
from jingsu.core.db import connection_params
from jingsu.core.files import private_dir, write_private
from jingsu.korean import josa

AUDIT_ROWS = ("SELECT id, at, actor, action, target_type, target_id, reason, detail::text, jurisdiction_id "
              "FROM core_auditlog ORDER BY id")
SAMPLE = 100  # encrypted registration numbers opened by verify


class BackupError(Exception):
    """A backup could not be made or did not verify (Korean message)."""


@dataclass
class Verification:
    dump: Path
    tables: int = 0
    rows: int = 0
    audit_rows: int = 0
    keys_checked: int = 0
    problems: list[str] = field(default_factory=list)


def _params(dbname: str | None = None) -> dict[str, Any]:
    if connection.vendor != "postgresql":
        raise BackupError("백업 확인은 PostgreSQL에서만 합니다. SQLite는 아무것도 실행하지 않을 때 파일을 복사해 "
                          "백업하십시오.")
    params = {k: str(v) for k, v in connection_params().items() if v not in (None, "")}
    if dbname:
        params["dbname"] = dbname
    return params


def _env(params: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    for key, var in (("host", "PGHOST"), ("port", "PGPORT"), ("user", "PGUSER"), ("password", "PGPASSWORD")):
        if key in params:
            env[var] = params[key]
    return env


def _snapshot_figures(cur: Any) -> dict[str, Any]:
    """Row counts of every table, applied migrations and the audit chain, read through `cur` (one snapshot)."""
    cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    tables = [r[0] for r in cur.fetchall()]
    counts = {}
    for t in tables:
        cur.execute(f'SELECT count(*) FROM "{t}"')  # names from the catalogue, quoted
        counts[t] = cur.fetchone()[0]
    digest = hashlib.sha256()
    rows = 0
    last = 0
    cur.execute(AUDIT_ROWS)
    while batch := cur.fetchmany(5000):
        for row in batch:
            digest.update(json.dumps([str(v) if v is not None else None for v in row], ensure_ascii=False).encode())
            digest.update(b"\n")
            rows += 1
            last = row[0]
    cur.execute("SELECT count(*) FROM django_migrations")
    migrations = cur.fetchone()[0]
    return {"tables": counts, "migrations": migrations, "audit": {"rows": rows, "last_id": last,
                                                                   "sha256": digest.hexdigest()}}


def create(folder: Path, *, actor: str, clock: Clock) -> Path:
    """A dump and its manifest in `folder` (0700); returns the dump's path."""
    import psycopg

    params = _params()
    private_dir(folder)
    stamp = clock.now().strftime("%Y%m%d-%H%M%S")
    dump = folder / f"jingsu-{stamp}.dump"
    with psycopg.connect(**params) as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]  # type: ignore[index]
        with conn.cursor() as cur:
            figures = _snapshot_figures(cur)
        done = subprocess.run(["pg_dump", "--format=custom", f"--snapshot={snapshot}", "--no-owner",
                               "--file", str(dump), params["dbname"]], env=_env(params), capture_output=True,
                              text=True)
        conn.rollback()
    if done.returncode != 0:
        dump.unlink(missing_ok=True)
        raise BackupError(f"pg_dump이 실패했습니다: {done.stderr.strip()[:500]}")
    os.chmod(dump, 0o600)
    manifest = {"format": "jingsu.backup/1", "created_at": clock.now().isoformat(), "database": params["dbname"],
                "dump": dump.name, "size": dump.stat().st_size, **figures}
    write_private(dump.with_suffix(".json"), json.dumps(manifest, ensure_ascii=False, indent=1).encode())
    audit.record("backup.create", actor=actor, jurisdiction=None, clock=clock,
                 detail={"file": dump.name, "size": manifest["size"], "rows": sum(figures["tables"].values())})
    return dump


def latest(folder: Path) -> Path:
    dumps = sorted(folder.glob("jingsu-*.dump"))
    if not dumps:
        raise BackupError(f"백업 폴더 {folder}에 백업 파일(jingsu-*.dump)이 없습니다.")
    return dumps[-1]


def verify(dump: Path, *, actor: str, clock: Clock, keep: bool = False) -> Verification:
    """Restore `dump` into a scratch database and compare it with its manifest (see the module docstring)."""
    import psycopg

    params = _params()
    manifest_path = dump.with_suffix(".json")
    if not dump.is_file():
        raise BackupError(f"백업 파일 {josa(str(dump), '이')} 없습니다.")
    if not manifest_path.is_file():
        raise BackupError(f"백업 파일 {dump.name}의 목록 파일({manifest_path.name})이 없습니다. jingsu backup create로 "
                          "만든 백업만 확인할 수 있습니다.")
    manifest = json.loads(manifest_path.read_text())
    scratch = f"jingsu_verify_{os.getpid()}"
    admin = {**params, "dbname": "postgres"}
    result = Verification(dump)
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
        conn.execute(f'CREATE DATABASE "{scratch}"')
    try:
        done = subprocess.run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--dbname", scratch,
                               str(dump)], env=_env(params), capture_output=True, text=True)
        if done.returncode != 0:
            raise BackupError(f"복원이 실패했습니다 ({dump.name}): {done.stderr.strip()[:500]}")
        with psycopg.connect(**{**params, "dbname": scratch}) as conn, conn.cursor() as cur:
            figures = _snapshot_figures(cur)
            cur.execute("SELECT registration_encrypted, registration_hash FROM taxpayers_taxpayer ORDER BY id LIMIT %s",
                        [SAMPLE])
            for token, stored_hash in cur.fetchall():
                try:
                    opened = crypto.decrypt(token)
                except Exception:  # noqa: BLE001 - InvalidToken: a key this deployment does not hold
                    result.problems.append("이 배포의 암호화 키(JINGSU_PII_KEYS)로 열 수 없는 주민등록번호가 있습니다.")
                    break
                if crypto.lookup_hash(opened) != stored_hash:
                    result.problems.append("복원한 주민등록번호의 검색용 해시가 맞지 않습니다 (JINGSU_LOOKUP_KEY 확인).")
                    break
                result.keys_checked += 1
    finally:
        if not keep:
            with psycopg.connect(**admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
    expected: dict[str, int] = manifest["tables"]
    for table in sorted(set(expected) | set(figures["tables"])):
        want, got = expected.get(table), figures["tables"].get(table)
        if want != got:
            result.problems.append(f"표 {table}: 목록 {want if want is not None else '없음'}건, "
                                   f"복원 {got if got is not None else '없음'}건")
    if figures["migrations"] != manifest["migrations"]:
        result.problems.append(f"적용된 마이그레이션: 목록 {manifest['migrations']}개, 복원 {figures['migrations']}개")
    if figures["audit"] != manifest["audit"]:
        result.problems.append(f"감사 기록: 목록 {manifest['audit']['rows']:,}건, 복원 {figures['audit']['rows']:,}건, "
                               "해시가 다릅니다 (빠지거나 바뀐 기록이 있습니다).")
    result.tables = len(figures["tables"])
    result.rows = sum(figures["tables"].values())
    result.audit_rows = figures["audit"]["rows"]
    audit.record("backup.verify", actor=actor, jurisdiction=None, clock=clock,
                 detail={"file": dump.name, "rows": result.rows, "ok": not result.problems})
    return result
