"""Roll upload in the staff console: store the file, validate it with the importer, import it after confirmation.

The rules are the importer's (jingsu.rolls.importer): this module only keeps an upload's state (`RollUpload`) and
runs the importer's two halves at the two steps the console shows:

1. `store_upload` writes the file under `VAR_DIR/roll-uploads/` with a random name (never served) and audits
   `roll.upload`;
2. `validate_upload` runs the importer's validation over the whole file — every row, the same checks as the import
   (the user's jurisdiction against each row's 자치단체코드 included) — and the importer's preview against the
   database (`_preview`: new / changed / unchanged, owner changes, amounts below what was paid); it writes nothing
   but the report and the preview (`RollUpload.plan`);
3. `start_import` (the confirmation, audited `roll.upload.confirm`; owner changes need an explicit confirmation
   with a reason, `confirm_problem`) and `run_import`: `import_roll` itself, all or
   nothing (it audits `roll.import`), with its progress hook writing `rows_done`.

Steps 2 and 3 never run in the web request: the request stores the file (or the confirmation) and enqueues the
step — a Celery task (jingsu.staff.tasks) with a broker; without one the step waits (`claimed_at` empty) and the
dispatch cycle (`jingsu dispatch`, which `jingsu serve` runs) takes it up with `run_pending`. A worker claims a step
by setting `claimed_at` in a guarded update, so a task delivered twice does no harm (and the import itself is
idempotent).

The file is untrusted (issue 20 §4–5): validation reads it in a forked child (`jingsu.core.childproc`) with a wall
timeout, a CPU-time and a memory limit, that does not share this process's database session and dies with it; a
limit reached makes the upload 실패 with the reason in Korean. The import's session gets PostgreSQL's
`idle_in_transaction_session_timeout`. `sweep_stuck` (dispatch cycle and beat) fails a step claimed longer ago
than its limit — a worker killed in the middle — and deletes the file, which holds full registration numbers.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, connections

from jingsu.clock import today
from jingsu.core import audit, childproc
from jingsu.core.files import private_dir
from jingsu.core.models import Jurisdiction
from jingsu.rolls import importer
from jingsu.rolls.reader import RollFileError, open_roll
from jingsu.staff.access import (
    CONSOLE_CLOCK as _clock,  # the runtime's clock (core.runtime); tests install their own
)
from jingsu.staff.models import RollUpload

log = logging.getLogger(__name__)

S = RollUpload.Status
EXTENSIONS = (".csv", ".xlsx", ".xls")
#: Errors kept on the upload for the report (the total is always kept).
ERROR_KEEP = 1000


def validation_limits() -> childproc.Limits:
    """Time and memory a validation may use (settings JINGSU_ROLL_VALIDATE_*: 30 minutes, 2 GB by default)."""
    wall = float(getattr(settings, "JINGSU_ROLL_VALIDATE_SECONDS", 1800))
    return childproc.Limits(wall_seconds=wall, cpu_seconds=int(getattr(settings, "JINGSU_ROLL_VALIDATE_CPU_SECONDS",
                                                                          wall)),
                            memory_mb=int(getattr(settings, "JINGSU_ROLL_VALIDATE_MEMORY_MB", 2048)))


def stuck_after() -> dict[str, timedelta]:
    """How long a claimed step may run before the sweeper takes it for dead: a validation a little longer than its
    own wall timeout; an import JINGSU_ROLL_IMPORT_STUCK_SECONDS (default 4 hours)."""
    return {S.VALIDATING: timedelta(seconds=validation_limits().wall_seconds + 300),
            S.IMPORTING: timedelta(seconds=float(getattr(settings, "JINGSU_ROLL_IMPORT_STUCK_SECONDS", 4 * 3600)))}


def max_bytes() -> int:
    return int(getattr(settings, "JINGSU_ROLL_UPLOAD_MAX_MB", 300)) << 20


def upload_dir() -> Path:
    return Path(settings.VAR_DIR) / "roll-uploads"


def stored_path(upload: RollUpload) -> Path:
    return upload_dir() / upload.stored_name


def _remove_file(upload: RollUpload) -> None:
    """The roll holds full registration numbers: it is kept only while it may still be imported."""
    try:
        stored_path(upload).unlink()
    except FileNotFoundError:
        pass


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


def store_upload(chunks: Any, *, original_name: str, jurisdiction: Jurisdiction, user: Any) -> RollUpload:
    """Write the uploaded file (an iterable of bytes) under a random name and record the upload."""
    suffix = Path(original_name).suffix.lower()
    if suffix not in EXTENSIONS:
        raise ValueError(f"unsupported extension {suffix!r}")
    stored_name, size, _ = write_private(chunks, upload_dir(), suffix)
    upload = RollUpload.objects.create(
        jurisdiction=jurisdiction, uploaded_by=user, actor=user.get_username(), original_name=original_name[:255],
        stored_name=stored_name, size=size, status=S.UPLOADED, created_at=_clock.now())
    audit.record("roll.upload", actor=upload.actor, jurisdiction=jurisdiction, target=upload,
                 detail={"file": upload.original_name, "size": size, "stored": stored_name}, clock=_clock)
    return upload


# --- 2. validation (nothing written) ---------------------------------------------------------------------------------


def validate_upload(upload_id: int) -> str:
    """Run the importer's validation over the whole file and keep the report. Returns the new status."""
    claimed = RollUpload.objects.filter(pk=upload_id, status__in=[S.UPLOADED, S.VALIDATING]).update(
        status=S.VALIDATING, claimed_at=_clock.now())
    upload = RollUpload.objects.get(pk=upload_id)
    if not claimed:
        return upload.status

    def progress(passed: int) -> None:
        RollUpload.objects.filter(pk=upload_id, status=S.VALIDATING).update(rows_checked=passed)

    try:
        errors, total_errors, figures = childproc.run_limited(
            _validate_file, str(stored_path(upload)), upload.jurisdiction_id, today(_clock),
            limits=validation_limits(), what="검증", on_progress=progress)
    except childproc.ChildFailed as failed:
        log.error("roll upload %s: validation stopped (%s) %s", upload_id, failed.kind, failed.detail)
        RollUpload.objects.filter(pk=upload_id, status=S.VALIDATING).update(
            status=S.FAILED, finished_at=_clock.now(),
            failure=f"{failed.reason} 아무것도 기록하지 않았습니다. 파일을 확인하고 다시 올려 주세요.")
        _remove_file(upload)
        return S.FAILED
    if not total_errors:
        # the file passed the child's checks within its limits: now compare it with the record (this reads the
        # database, so it runs here, not in the child), writing nothing but the plan
        errors, total_errors = _preview_clean_file(upload, today(_clock))
    status = S.INVALID if total_errors else S.VALIDATED
    RollUpload.objects.filter(pk=upload_id).update(
        status=status, total_errors=total_errors, errors=errors, validated_at=_clock.now(), **figures)
    if status == S.INVALID:
        _remove_file(upload)
    return status


def _validate_file(send: Any, path: str, code: str, as_of: date) -> tuple[list[dict[str, Any]], int, dict[str, Any]]:
    """The importer's validation without its writer, in the validation child: it reads the file and sends progress,
    and touches no database.

    This drives `importer.checked_batches` — the generator `import_roll` itself consumes — and repeats import_roll's
    two file-level checks (unreadable file, no data rows).
    """
    try:
        source = open_roll(Path(path))
    except RollFileError as exc:
        return [{"row": 0, "column": "", "message": str(exc)}], 1, {}
    checked: importer.Checked | None = None
    passed = 0
    for item in importer.checked_batches(source, code, as_of, importer.BATCH_SIZE):
        if isinstance(item, importer.Checked):
            checked = item
        else:
            passed += len(item)
            send(passed)
    assert checked is not None
    figures = {"encoding": _encoding_label(source.encoding, source.kind), "rows": checked.rows,
               "taxpayers": checked.taxpayers, "total_tax": checked.total_tax, "rows_checked": passed}
    errors, total = list(checked.errors), checked.total_errors
    if not total and checked.rows == 0:
        errors, total = [importer.RowError(0, "", "파일에 데이터 행이 없습니다 (열 제목만 있습니다).")], 1
    return [{"row": e.row, "column": e.column, "message": e.message} for e in errors[:ERROR_KEEP]], total, figures


def _preview_clean_file(upload: RollUpload, as_of: date) -> tuple[list[dict[str, Any]], int]:
    """The preview of a file the validation child found without errors: the record's refusals (owner changes
    without confirmation are listed, amounts below what was paid refused) and `upload.plan`."""
    source = open_roll(stored_path(upload))
    checked: importer.Checked | None = None
    for item in _preview(upload, importer.checked_batches(source, upload.jurisdiction_id, as_of,
                                                          importer.BATCH_SIZE)):
        if isinstance(item, importer.Checked):
            checked = item
    assert checked is not None
    return ([{"row": e.row, "column": e.column, "message": e.message} for e in checked.errors[:ERROR_KEEP]],
            checked.total_errors)


def _preview(upload: RollUpload, batches: Any) -> Any:
    """`batches` (what `checked_batches` yields) passed on unchanged, each batch also compared with the database by
    the importer's planner, writing nothing: fills `upload.plan` (new / changed / unchanged, owner changes) and adds
    the record's refusals (amounts below what was paid) to the errors."""
    jurisdiction = upload.jurisdiction
    summary = importer.ImportSummary(jurisdiction=jurisdiction.code, file="", encoding=None,
                                     as_of=today(_clock).isoformat(), dry_run=True)
    writer = importer.preview_writer(jurisdiction, _clock.now(), summary, clock=_clock)
    for item in batches:
        if isinstance(item, importer.Checked):
            item.errors = sorted([*item.errors, *writer.errors], key=lambda e: e.row)
            item.total_errors += len(writer.errors)
            plan = {k: v for k, v in summary.as_dict().items() if k != "file"}
            plan.update(rows=item.rows, taxpayers=item.taxpayers, total_tax=item.total_tax)
            RollUpload.objects.filter(pk=upload.pk).update(plan=plan)
        else:
            writer.write(item)
        yield item


def _encoding_label(codec: str | None, kind: str) -> str:
    if kind in ("xlsx", "xls"):
        return kind.upper()
    from jingsu.rolls.reader import ENCODING_LABEL

    return ENCODING_LABEL.get(codec or "", codec or "")


# --- 3. confirm and import (all or nothing) --------------------------------------------------------------------------


def can_confirm(upload: RollUpload) -> bool:
    """Validated without a single problem (or an import that failed and may be tried again)."""
    return (upload.status in (S.VALIDATED, S.FAILED) and upload.validated_at is not None
            and upload.total_errors == 0 and stored_path(upload).exists())


def owner_changes(upload: RollUpload) -> int:
    """Levies whose taxpayer the roll changes, as the preview found them (they must be confirmed with a reason)."""
    return int((upload.plan or {}).get("owner_changes_total") or 0)


#: Shortest reason accepted for an owner correction (a word and a reference, not "ok").
REASON_MIN = 5


def confirm_problem(upload: RollUpload, *, owner_change_confirmed: bool, reason: str) -> str:
    """Why this confirmation cannot start the import (Korean, for the official), or "" when it can."""
    count = owner_changes(upload)
    if not count:
        return ""
    if count > len((upload.plan or {}).get("owner_changes") or []):
        return (f"납세자가 바뀌는 부과 건이 {count:,}건으로 화면에서 확인할 수 있는 수를 넘습니다. "
                "jingsu import-roll --confirm-owner-change --reason으로 가져오세요.")
    if not owner_change_confirmed:
        return f"납세자가 바뀌는 부과 건 {count:,}건을 정정으로 확인해야 가져올 수 있습니다."
    if len(reason.strip()) < REASON_MIN:
        return f"납세자 변경의 정정 사유를 {REASON_MIN}자 이상 적어 주세요."
    return ""


def start_import(upload: RollUpload, *, actor: str, owner_change_confirmed: bool = False, reason: str = "") -> bool:
    """The confirmation: validated → importing (guarded; a second click changes nothing). Audited.

    A roll that changes the taxpayer of stored levies needs the official's explicit confirmation with a reason
    (`confirm_problem`); the import then applies exactly the owner changes the preview listed."""
    if not can_confirm(upload) or confirm_problem(upload, owner_change_confirmed=owner_change_confirmed,
                                                  reason=reason):
        return False
    reason = reason.strip() if owner_changes(upload) else ""
    moved = RollUpload.objects.filter(pk=upload.pk, status=upload.status).update(
        status=S.IMPORTING, confirmed_by=actor, rows_done=0, failure="", started_at=_clock.now(), finished_at=None,
        owner_change_reason=reason, claimed_at=None)
    if moved:
        audit.record("roll.upload.confirm", actor=actor, jurisdiction=upload.jurisdiction_id, target=upload,
                     reason=reason,
                     detail={"file": upload.original_name, "rows": upload.rows,
                             "owner_changes": owner_changes(upload)}, clock=_clock)
    return bool(moved)


def run_import(upload_id: int, *, batch_size: int = importer.BATCH_SIZE) -> str:
    """`import_roll` on the stored file as the user who confirmed; keeps the summary or why it failed."""
    claimed = RollUpload.objects.filter(pk=upload_id, status=S.IMPORTING, claimed_at__isnull=True).update(
        claimed_at=_clock.now())
    upload = RollUpload.objects.get(pk=upload_id)
    if not claimed:  # another worker has it, or it is no longer to import
        return upload.status
    progress = _ProgressWriter(upload_id)
    confirmed = {entry["tax_number"] for entry in (upload.plan or {}).get("owner_changes") or []}
    try:
        with childproc.idle_in_transaction_timeout(childproc.import_idle_seconds()):
            summary = importer.import_roll(
                stored_path(upload), jurisdiction_code=upload.jurisdiction_id,
                actor=upload.confirmed_by or upload.actor, clock=_clock, batch_size=batch_size, progress=progress,
                allow_owner_change=bool(confirmed and upload.owner_change_reason),
                owner_change_reason=upload.owner_change_reason, confirmed_owner_changes=confirmed)
    except importer.RollRejected as rejected:  # the file or the database changed since validation
        progress.close()
        RollUpload.objects.filter(pk=upload_id).update(
            status=S.FAILED, failure="가져오지 않았습니다: 검증 후 달라진 점이 있습니다. 아무것도 기록하지 않았습니다.",
            total_errors=rejected.total_errors,
            errors=[{"row": e.row, "column": e.column, "message": e.message} for e in rejected.errors[:ERROR_KEEP]],
            finished_at=_clock.now())
        return S.FAILED
    except Exception as exc:  # noqa: BLE001 — the transaction is rolled back; kept on the upload
        progress.close()
        log.exception("roll upload %s: import failed", upload_id)
        RollUpload.objects.filter(pk=upload_id).update(
            status=S.FAILED, finished_at=_clock.now(),
            failure=f"가져오는 중 오류가 났습니다 ({type(exc).__name__}). 아무것도 기록하지 않았습니다. 다시 확정할 수 있습니다.")
        return S.FAILED
    progress.close()
    RollUpload.objects.filter(pk=upload_id).update(
        status=S.DONE, rows_done=summary.rows, finished_at=_clock.now(),
        summary={k: v for k, v in summary.as_dict().items() if k != "file"})
    _remove_file(upload)
    return S.DONE


# --- the work without a broker, and the sweeper ----------------------------------------------------------------------


def run_pending() -> int:
    """Run the steps that wait for a worker (no broker: the dispatch cycle calls this). Returns how many ran."""
    ran = 0
    for pk in RollUpload.objects.filter(status=S.UPLOADED).order_by("id").values_list("pk", flat=True):
        validate_upload(pk)
        ran += 1
    for pk in (RollUpload.objects.filter(status=S.IMPORTING, claimed_at__isnull=True).order_by("id")
               .values_list("pk", flat=True)):
        run_import(pk)
        ran += 1
    return ran


def sweep_stuck(*, clock: Any = None) -> int:
    """Fail the validations and imports whose worker has been at them longer than `stuck_after()` — a worker killed
    in the middle leaves its step behind — so that the roll can be uploaded again, and delete their files. Audited
    (`roll.upload.swept`). A step that is still running is unharmed: validation runs under its own timeout, an
    import is all or nothing and records its true end. Returns how many were failed."""
    clock = clock or _clock
    now = clock.now()
    swept = 0
    for status, limit in stuck_after().items():
        cutoff = now - limit
        started = "created_at" if status == S.VALIDATING else "started_at"
        waiting = RollUpload.objects.filter(status=status, claimed_at__isnull=True, **{f"{started}__lt": cutoff})
        for upload in [*RollUpload.objects.filter(status=status, claimed_at__lt=cutoff), *waiting]:
            minutes = int(limit.total_seconds() // 60)
            step = "검증이" if status == S.VALIDATING else "가져오기가"
            moved = RollUpload.objects.filter(pk=upload.pk, status=status, claimed_at=upload.claimed_at).update(
                status=S.FAILED, finished_at=now,
                failure=f"{step} {minutes:,}분 안에 끝나지 않아 중단된 것으로 보고 실패로 처리했습니다."
                        " 가져오기는 전부 아니면 전무이므로 기록된 것은 없습니다. 파일을 다시 올려 주세요.")
            if not moved:
                continue
            _remove_file(upload)
            audit.record("roll.upload.swept", actor="system:sweeper", jurisdiction=upload.jurisdiction_id,
                         target=upload, detail={"file": upload.original_name, "was": status,
                                                "claimed_at": upload.claimed_at.isoformat() if upload.claimed_at
                                                else None, "limit_seconds": int(limit.total_seconds())},
                         clock=clock)
            swept += 1
    return swept


class _ProgressWriter:
    """import_roll's progress hook (rows written so far, after each batch).

    The import runs in one transaction, so its own connection cannot publish progress: the count is written through
    a second connection, in a thread of its own, without waiting (a write still under way makes the next one skip).
    On SQLite the import's transaction holds the only write lock, so nothing is written there until the end.
    """

    def __init__(self, upload_id: int, *, model: Any = None, field: str = "rows_done") -> None:
        self.upload_id = upload_id
        self.model = model or RollUpload  # the payment upload (staff.payment_uploads) reuses this writer
        self.field = field
        self.pool: ThreadPoolExecutor | None = None
        self.pending: Future[Any] | None = None
        if connection.vendor != "sqlite":
            self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="roll-progress")

    def __call__(self, done: int) -> None:
        if self.pool is None or (self.pending is not None and not self.pending.done()):
            return
        self.pending = self.pool.submit(self._write, done)

    def _write(self, done: int) -> None:
        self.model.objects.filter(pk=self.upload_id, status=S.IMPORTING).update(**{self.field: done})

    def close(self) -> None:
        if self.pool is not None:
            self.pool.submit(_close_connections)
            self.pool.shutdown(wait=True)
            self.pool = None


def _close_connections() -> None:
    connections.close_all()


def as_of_label(upload: RollUpload) -> str:
    """The import's 기준일 as the console writes dates (2026. 11. 23.)."""
    from datetime import date

    raw = (upload.summary or {}).get("as_of") or ""
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return raw
    return f"{day.year}. {day.month}. {day.day}."


def status_payload(upload: RollUpload) -> dict[str, Any]:
    """What the progress page polls (staff:roll_status)."""
    return {
        "id": upload.pk,
        "status": upload.status,
        "status_label": upload.get_status_display(),
        "finished": upload.status in (S.INVALID, S.VALIDATED, S.DONE, S.FAILED),
        "rows": upload.rows,
        "rows_checked": upload.rows_checked,
        "rows_done": upload.rows_done,
        "taxpayers": upload.taxpayers,
        "total_tax": upload.total_tax,
        "total_errors": upload.total_errors,
        "summary": upload.summary or None,
        "as_of_label": as_of_label(upload),
        "failure": upload.failure,
        "progress_written": connection.vendor != "sqlite",
    }

