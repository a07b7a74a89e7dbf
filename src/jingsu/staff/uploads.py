"""The one lifecycle of a file uploaded in the console (`UploadBase`): a roll (jingsu.staff.roll_uploads) and a
bank/수납 file (jingsu.staff.payment_uploads) go through the same steps, and only what they read and write differs.

1. `store` writes the file under `VAR_DIR/<kind>-uploads/` with a random name (0600 in a 0700 directory, never
   served), records the upload and audits `<kind>.upload`;
2. `validate` claims the step, runs the kind's check of the file in a forked child under `validation_limits()`
   (`jingsu.core.childproc`: no database, dies with its parent), then the kind's check against the record, and keeps
   the report; a limit reached fails the upload and deletes the file;
3. `start_import` (the confirmation: validated → importing, guarded, audited `<kind>.upload.confirm`) and
   `run_import`: the kind's import, all or nothing, under the idle-in-transaction timeout, with `ProgressWriter`
   publishing its progress through a second connection;
4. `run_pending` (the dispatch cycle, without a broker) and `sweep_stuck` (steps whose worker died: failed, file
   deleted, audited `<kind>.upload.swept`).

A worker claims a step by setting `claimed_at` in a guarded update, so a task delivered twice does no harm.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, connections

from jingsu.clock import Clock
from jingsu.core import audit, childproc
from jingsu.core.files import private_dir
from jingsu.core.models import Jurisdiction
from jingsu.staff.models import UploadBase

log = logging.getLogger(__name__)

Status = UploadBase.Status
#: Errors kept on the upload for the report (the total is always kept).
ERROR_KEEP = 1000
#: Why an import that met a change since validation wrote nothing.
CHANGED_SINCE_VALIDATION = "가져오지 않았습니다: 검증 후 달라진 점이 있습니다. 아무것도 기록하지 않았습니다."
#: The states after which the progress page stops polling.
FINISHED = (Status.INVALID, Status.VALIDATED, Status.DONE, Status.FAILED)


@dataclass(frozen=True)
class Kind:
    """One kind of upload: its model, where its files go, its audit prefix and its progress fields."""

    model: type[UploadBase]
    directory: str  # under VAR_DIR
    audit: str  # "roll" → roll.upload, roll.upload.confirm, roll.upload.swept
    log_name: str  # "roll upload"
    checked_field: str  # validation progress
    done_field: str  # import progress
    audit_claimed_at: bool = False  # the sweeper's audit row names when the step was claimed

    def upload_dir(self) -> Path:
        return Path(settings.VAR_DIR) / self.directory

    def stored_path(self, upload: UploadBase) -> Path:
        return self.upload_dir() / upload.stored_name

    def remove_file(self, upload: UploadBase) -> None:
        """The file holds personal data: it is kept only while it may still be imported."""
        try:
            self.stored_path(upload).unlink()
        except FileNotFoundError:
            pass


def validation_limits() -> childproc.Limits:
    """Time and memory a validation may use (settings JINGSU_ROLL_VALIDATE_*: 30 minutes, 2 GB by default)."""
    wall = float(getattr(settings, "JINGSU_ROLL_VALIDATE_SECONDS", 1800))
    return childproc.Limits(wall_seconds=wall, cpu_seconds=int(getattr(settings, "JINGSU_ROLL_VALIDATE_CPU_SECONDS",
                                                                          wall)),
                            memory_mb=int(getattr(settings, "JINGSU_ROLL_VALIDATE_MEMORY_MB", 2048)))


def stuck_after() -> dict[str, timedelta]:
    """How long a claimed step may run before the sweeper takes it for dead: a validation a little longer than its
    own wall timeout; an import JINGSU_ROLL_IMPORT_STUCK_SECONDS (default 4 hours)."""
    return {Status.VALIDATING: timedelta(seconds=validation_limits().wall_seconds + 300),
            Status.IMPORTING: timedelta(seconds=float(getattr(settings, "JINGSU_ROLL_IMPORT_STUCK_SECONDS", 4 * 3600)))}


# --- 1. upload -------------------------------------------------------------------------------------------------------


def write_private(chunks: Any, directory: Path, suffix: str) -> tuple[str, int, str]:
    """Write an uploaded file (an iterable of bytes) under a random name in `directory` (0700; the file 0600, never
    served). Returns (stored name, size, SHA-256 of the bytes)."""
    private_dir(directory)  # 0700, an older directory tightened (jingsu.core.files)
    stored_name = secrets.token_hex(16) + suffix
    size = 0
    digest = hashlib.sha256()
    fd = os.open(directory / stored_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        for chunk in chunks:
            out.write(chunk)
            digest.update(chunk)
            size += len(chunk)
    return stored_name, size, digest.hexdigest()


def suffix(original_name: str, extensions: tuple[str, ...]) -> str:
    """The file's extension (lower case), refused when it is not one of the kind's."""
    found = Path(original_name).suffix.lower()
    if found not in extensions:
        raise ValueError(f"unsupported extension {found!r}")
    return found


def store(kind: Kind, chunks: Any, *, original_name: str, extensions: tuple[str, ...], jurisdiction: Jurisdiction,
          user: Any, clock: Clock, fields: dict[str, Any] | None = None, detail: dict[str, Any] | None = None,
          keep_sha256: bool = False) -> Any:
    """Write the uploaded file under a random name, record the upload (with the kind's `fields`) and audit it (the
    kind's `detail` between the size and the stored name)."""
    stored_name, size, digest = write_private(chunks, kind.upload_dir(), suffix(original_name, extensions))
    upload = kind.model.objects.create(
        jurisdiction=jurisdiction, uploaded_by=user, actor=user.get_username(), original_name=original_name[:255],
        stored_name=stored_name, size=size, status=Status.UPLOADED, created_at=clock.now(),
        **({"sha256": digest} if keep_sha256 else {}), **(fields or {}))
    audit.record(f"{kind.audit}.upload", actor=upload.actor, jurisdiction=jurisdiction, target=upload, clock=clock,
                 detail={"file": upload.original_name, "size": size, **(detail or {}), "stored": stored_name})
    return upload


# --- 2. validation (nothing written but the report) ------------------------------------------------------------------


def validate(kind: Kind, upload_id: int, *, clock: Clock, check_file: Callable[..., Any],
             file_args: Callable[[Any], tuple[Any, ...]],
             check_record: Callable[[Any], tuple[list[dict[str, Any]], int]]) -> str:
    """Claim the validation, run `check_file(send, path, *file_args(upload))` in the limited child — it returns
    (errors, total, figures for the model) — and, when the file is clean, `check_record(upload)` against the
    database. Keeps the report; returns the new status."""
    model = kind.model
    claimed = model.objects.filter(pk=upload_id, status__in=[Status.UPLOADED, Status.VALIDATING]).update(
        status=Status.VALIDATING, claimed_at=clock.now())
    upload = model.objects.get(pk=upload_id)
    if not claimed:
        return upload.status

    def progress(passed: int) -> None:
        model.objects.filter(pk=upload_id, status=Status.VALIDATING).update(**{kind.checked_field: passed})

    try:
        errors, total_errors, figures = childproc.run_limited(
            check_file, str(kind.stored_path(upload)), *file_args(upload),
            limits=validation_limits(), what="검증", on_progress=progress)
    except childproc.ChildFailed as failed:
        log.error("%s %s: validation stopped (%s) %s", kind.log_name, upload_id, failed.kind, failed.detail)
        model.objects.filter(pk=upload_id, status=Status.VALIDATING).update(
            status=Status.FAILED, finished_at=clock.now(),
            failure=f"{failed.reason} 아무것도 기록하지 않았습니다. 파일을 확인하고 다시 올려 주세요.")
        kind.remove_file(upload)
        return Status.FAILED
    if not total_errors:
        # the file passed the child's checks within its limits: now compare it with the record (this reads the
        # database, so it runs here, not in the child)
        errors, total_errors = check_record(upload)
    model.objects.filter(pk=upload_id).update(
        status=Status.INVALID if total_errors else Status.VALIDATED, total_errors=total_errors,
        errors=errors[:ERROR_KEEP], validated_at=clock.now(), **figures)
    if total_errors:
        kind.remove_file(upload)
        return Status.INVALID
    return Status.VALIDATED


# --- 3. confirm and import (all or nothing) --------------------------------------------------------------------------


def can_confirm(kind: Kind, upload: UploadBase) -> bool:
    """Validated without a single problem (or an import that failed and may be tried again)."""
    return (upload.status in (Status.VALIDATED, Status.FAILED) and upload.validated_at is not None
            and upload.total_errors == 0 and kind.stored_path(upload).exists())


def start_import(kind: Kind, upload: UploadBase, *, actor: str, clock: Clock, detail: dict[str, Any],
                 fields: dict[str, Any] | None = None, reason: str = "") -> bool:
    """The confirmation: validated → importing (guarded: a second click changes nothing). Audited."""
    moved = kind.model.objects.filter(pk=upload.pk, status=upload.status).update(
        status=Status.IMPORTING, confirmed_by=actor, failure="", started_at=clock.now(), finished_at=None,
        claimed_at=None, **{kind.done_field: 0}, **(fields or {}))
    if moved:
        audit.record(f"{kind.audit}.upload.confirm", actor=actor, jurisdiction=upload.jurisdiction_id,
                     target=upload, reason=reason, detail={"file": upload.original_name, **detail}, clock=clock)
    return bool(moved)


def run_import(kind: Kind, upload_id: int, *, clock: Clock,
               run: Callable[[Any, ProgressWriter], dict[str, Any]],
               rejected: type[Exception], rejected_errors: Callable[[Any], tuple[list[dict[str, Any]], int]]) -> str:
    """Claim the import and `run(upload, progress)` it — the kind's import, all or nothing, returning the fields
    of a finished upload — keeping its result, or why it failed: `rejected` (the file or the record changed since
    validation, with `rejected_errors(exc)`) or any other error."""
    model = kind.model
    claimed = model.objects.filter(pk=upload_id, status=Status.IMPORTING, claimed_at__isnull=True).update(
        claimed_at=clock.now())
    upload = model.objects.get(pk=upload_id)
    if not claimed:  # another worker has it, or it is no longer to import
        return upload.status
    progress = ProgressWriter(upload_id, model=model, field=kind.done_field)
    try:
        with childproc.idle_in_transaction_timeout(childproc.import_idle_seconds()):
            done = run(upload, progress)
    except rejected as exc:
        progress.close()
        errors, total = rejected_errors(exc)
        model.objects.filter(pk=upload_id).update(
            status=Status.FAILED, failure=CHANGED_SINCE_VALIDATION, total_errors=total, errors=errors[:ERROR_KEEP],
            finished_at=clock.now())
        return Status.FAILED
    except Exception as exc:  # noqa: BLE001 — the transaction is rolled back; kept on the upload
        progress.close()
        log.exception("%s %s: import failed", kind.log_name, upload_id)
        model.objects.filter(pk=upload_id).update(
            status=Status.FAILED, finished_at=clock.now(),
            failure=f"가져오는 중 오류가 났습니다 ({type(exc).__name__}). 아무것도 기록하지 않았습니다. 다시 확정할 수 있습니다.")
        return Status.FAILED
    progress.close()
    model.objects.filter(pk=upload_id).update(status=Status.DONE, finished_at=clock.now(), **done)
    kind.remove_file(upload)
    return Status.DONE


# --- the work without a broker, and the sweeper ----------------------------------------------------------------------


def run_pending(kind: Kind, validate_one: Callable[[int], str], import_one: Callable[[int], str]) -> int:
    """Run the steps that wait for a worker (no broker: the dispatch cycle calls this). Returns how many ran."""
    ran = 0
    for pk in kind.model.objects.filter(status=Status.UPLOADED).order_by("id").values_list("pk", flat=True):
        validate_one(pk)
        ran += 1
    for pk in (kind.model.objects.filter(status=Status.IMPORTING, claimed_at__isnull=True).order_by("id")
               .values_list("pk", flat=True)):
        import_one(pk)
        ran += 1
    return ran


def sweep_stuck(kind: Kind, *, clock: Clock) -> int:
    """Fail the validations and imports whose worker has been at them longer than `stuck_after()` — a worker killed
    in the middle leaves its step behind — so that the file can be uploaded again, and delete their files. Audited
    (`<kind>.upload.swept`). A step that is still running is unharmed: validation runs under its own timeout, an
    import is all or nothing and records its true end. Returns how many were failed."""
    model = kind.model
    now = clock.now()
    swept = 0
    for status, limit in stuck_after().items():
        cutoff = now - limit
        started = "created_at" if status == Status.VALIDATING else "started_at"
        waiting = model.objects.filter(status=status, claimed_at__isnull=True, **{f"{started}__lt": cutoff})
        for upload in [*model.objects.filter(status=status, claimed_at__lt=cutoff), *waiting]:
            minutes = int(limit.total_seconds() // 60)
            step = "검증이" if status == Status.VALIDATING else "가져오기가"
            moved = model.objects.filter(pk=upload.pk, status=status, claimed_at=upload.claimed_at).update(
                status=Status.FAILED, finished_at=now,
                failure=f"{step} {minutes:,}분 안에 끝나지 않아 중단된 것으로 보고 실패로 처리했습니다."
                        " 가져오기는 전부 아니면 전무이므로 기록된 것은 없습니다. 파일을 다시 올려 주세요.")
            if not moved:
                continue
            kind.remove_file(upload)
            claimed = ({"claimed_at": upload.claimed_at.isoformat() if upload.claimed_at else None}
                       if kind.audit_claimed_at else {})
            audit.record(f"{kind.audit}.upload.swept", actor="system:sweeper", jurisdiction=upload.jurisdiction_id,
                         target=upload, clock=clock,
                         detail={"file": upload.original_name, "was": status, **claimed,
                                 "limit_seconds": int(limit.total_seconds())})
            swept += 1
    return swept


class ProgressWriter:
    """An import's progress hook (rows or records written so far, after each batch).

    The import runs in one transaction, so its own connection cannot publish progress: the count is written through
    a second connection, in a thread of its own, without waiting (a write still under way makes the next one skip).
    On SQLite the import's transaction holds the only write lock, so nothing is written there until the end.
    """

    def __init__(self, upload_id: int, *, model: Any, field: str) -> None:
        self.upload_id = upload_id
        self.model = model
        self.field = field
        self.pool: ThreadPoolExecutor | None = None
        self.pending: Future[Any] | None = None
        if connection.vendor != "sqlite":
            self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="upload-progress")

    def __call__(self, done: int) -> None:
        if self.pool is None or (self.pending is not None and not self.pending.done()):
            return
        self.pending = self.pool.submit(self._write, done)

    def _write(self, done: int) -> None:
        self.model.objects.filter(pk=self.upload_id, status=Status.IMPORTING).update(**{self.field: done})

    def close(self) -> None:
        if self.pool is not None:
            self.pool.submit(_close_connections)
            self.pool.shutdown(wait=True)
            self.pool = None


def _close_connections() -> None:
    connections.close_all()


def status_payload(upload: UploadBase, figures: dict[str, Any]) -> dict[str, Any]:
    """What the progress page polls (static/staff/roll-progress.js): the state, the kind's `figures`, the report."""
    return {
        "id": upload.pk,
        "status": upload.status,
        "status_label": upload.get_status_display(),  # type: ignore[attr-defined]
        "finished": upload.status in FINISHED,
        **figures,
        "total_errors": upload.total_errors,
        "summary": upload.summary or None,
        "failure": upload.failure,
        "progress_written": connection.vendor != "sqlite",
    }


def counted(problems: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """(problems, how many): a report whose every problem is kept until ERROR_KEEP cuts it."""
    return problems, len(problems)


def problems_as_dicts(errors: Iterable[Any]) -> list[dict[str, Any]]:
    """Row errors (`row`, `column`, `message`) as the report keeps them."""
    return [{"row": e.row, "column": e.column, "message": e.message} for e in errors]
