"""수납 파일 가져오기 in the staff console: the roll upload's machinery (jingsu.staff.roll_uploads) for bank/수납 files.

The rules are jingsu.payments.files' (the CLI's `jingsu import-payments`): this module keeps an upload's state
(`PaymentUpload`) and runs the two halves at the two steps the console shows:

1. `store_upload` writes the file under `VAR_DIR/payment-uploads/` with a random name (never served), with its
   SHA-256, and audits `payment.upload`;
2. `validate_upload` parses and checks the whole file (`files.parse`: every bad line with its field and the reason
   in Korean, a 전자납부번호 of another 자치단체 included) in a forked child under the roll validation's limits
   (`jingsu.core.childproc`), then, reading the database, refuses the same file imported before and transaction ids
   recorded before with other amounts (`files.refuse_conflicts`). It writes nothing but the report;
3. `start_import` (the confirmation, audited `payment.upload.confirm`) and `run_import`: `import_payment_file`
   itself, all or nothing (it audits `payment.file_import`; the same file twice is refused there too), with its
   progress hook writing `records_done` through a second connection.

Steps 2 and 3 never run in the web request: with a broker they are Celery tasks (jingsu.staff.tasks), without one
the dispatch cycle runs them (`run_pending`); a worker claims a step by a guarded update of `claimed_at`, and
`sweep_stuck` fails steps whose worker died and deletes their files.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

from jingsu.clock import SEOUL
from jingsu.core import audit, childproc
from jingsu.core.formats import kdate
from jingsu.core.models import Jurisdiction
from jingsu.korean import josa
from jingsu.payments import files
from jingsu.payments.models import PaymentFile
from jingsu.staff import roll_uploads
from jingsu.staff.access import (
    CONSOLE_CLOCK as _clock,  # the runtime's clock (core.runtime); tests install their own
)
from jingsu.staff.models import PaymentUpload

log = logging.getLogger(__name__)

S = PaymentUpload.Status
#: what offices name these files: CSV, or the fixed-width layout as .txt/.dat
EXTENSIONS = (".csv", ".txt", ".dat")
ERROR_KEEP = roll_uploads.ERROR_KEEP


def max_bytes() -> int:
    """Largest file accepted (JINGSU_PAYMENT_UPLOAD_MAX_MB, default 100: about 870,000 fixed-width records)."""
    return int(getattr(settings, "JINGSU_PAYMENT_UPLOAD_MAX_MB", 100)) << 20


def upload_dir() -> Path:
    return Path(settings.VAR_DIR) / "payment-uploads"


def stored_path(upload: PaymentUpload) -> Path:
    return upload_dir() / upload.stored_name


def _remove_file(upload: PaymentUpload) -> None:
    try:
        stored_path(upload).unlink()
    except FileNotFoundError:
        pass


# --- 1. upload -------------------------------------------------------------------------------------------------------


def store_upload(chunks: Any, *, original_name: str, layout: str, source: str, jurisdiction: Jurisdiction,
                 user: Any) -> PaymentUpload:
    suffix = Path(original_name).suffix.lower()
    if suffix not in EXTENSIONS:
        raise ValueError(f"unsupported extension {suffix!r}")
    if layout not in PaymentUpload.Layout.values or source not in PaymentUpload.Source.values:
        raise ValueError(f"unsupported layout {layout!r} or source {source!r}")
    stored_name, size, digest = roll_uploads.write_private(chunks, upload_dir(), suffix)
    upload = PaymentUpload.objects.create(
        jurisdiction=jurisdiction, uploaded_by=user, actor=user.get_username(), original_name=original_name[:255],
        stored_name=stored_name, size=size, sha256=digest, layout=layout, source=source, status=S.UPLOADED,
        created_at=_clock.now())
    audit.record("payment.upload", actor=upload.actor, jurisdiction=jurisdiction, target=upload, clock=_clock,
                 detail={"file": upload.original_name, "size": size, "format": layout, "source": source,
                         "stored": stored_name})
    return upload


# --- 2. validation (nothing written but the report) ------------------------------------------------------------------


def repr_name(name: str) -> str:
    return f"'{name}'"


def _problems(exc: files.PaymentFileError) -> list[dict[str, Any]]:
    if not exc.problems:
        return [{"row": 0, "column": "파일", "message": str(exc)}]
    return [{"row": p.line, "column": p.field, "message": p.message} for p in exc.problems]


def _validate_file(send: Any, path: str, layout: str, code: str) -> tuple[list[dict[str, Any]], int, dict[str, Any]]:
    """`files.parse` over the whole file, in the validation child (no database)."""
    data = Path(path).read_bytes()
    try:
        records = files.parse(data, layout, jurisdiction=code, progress=send)
    except files.PaymentFileError as exc:
        problems = _problems(exc)
        return problems[:ERROR_KEEP], len(problems), {}
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    return [], 0, {"records": len(records), "amount": sum(r.amount for r in records), "lines_checked": lines}


def _record_problems(upload: PaymentUpload) -> list[dict[str, Any]]:
    """What only the record can refuse: the same file imported before, and transactions recorded before with
    another amount or number."""
    earlier = PaymentFile.objects.filter(sha256=upload.sha256).first()
    if earlier is not None:
        from jingsu.staff.audit_labels import actor_label

        when = earlier.imported_at.astimezone(SEOUL)
        return [{"row": 0, "column": "파일", "message": (
            f"이미 가져온 파일입니다: {kdate(when)} {when:%H:%M}에 가져온 {josa(repr_name(earlier.name), '과')} 내용이 "
            f"같습니다 (가져온 사람: {actor_label(earlier.imported_by)}). 같은 파일은 두 번 가져오지 않습니다.")}]
    records = files.parse(stored_path(upload).read_bytes(), upload.layout, jurisdiction=upload.jurisdiction_id)
    try:
        files.refuse_conflicts(records, files.SOURCES[upload.source])
    except files.PaymentFileError as exc:
        return _problems(exc)
    return []


def validate_upload(upload_id: int) -> str:
    claimed = PaymentUpload.objects.filter(pk=upload_id, status__in=[S.UPLOADED, S.VALIDATING]).update(
        status=S.VALIDATING, claimed_at=_clock.now())
    upload = PaymentUpload.objects.get(pk=upload_id)
    if not claimed:
        return upload.status

    def progress(lines: int) -> None:
        PaymentUpload.objects.filter(pk=upload_id, status=S.VALIDATING).update(lines_checked=lines)

    try:
        errors, total_errors, figures = childproc.run_limited(
            _validate_file, str(stored_path(upload)), upload.layout, upload.jurisdiction_id,
            limits=roll_uploads.validation_limits(), what="검증", on_progress=progress)
    except childproc.ChildFailed as failed:
        log.error("payment upload %s: validation stopped (%s) %s", upload_id, failed.kind, failed.detail)
        PaymentUpload.objects.filter(pk=upload_id, status=S.VALIDATING).update(
            status=S.FAILED, finished_at=_clock.now(),
            failure=f"{failed.reason} 아무것도 기록하지 않았습니다. 파일을 확인하고 다시 올려 주세요.")
        _remove_file(upload)
        return S.FAILED
    if not total_errors:
        errors = _record_problems(upload)
        total_errors = len(errors)
        errors = errors[:ERROR_KEEP]
    status = S.INVALID if total_errors else S.VALIDATED
    PaymentUpload.objects.filter(pk=upload_id).update(
        status=status, total_errors=total_errors, errors=errors, validated_at=_clock.now(), **figures)
    if status == S.INVALID:
        _remove_file(upload)
    return status


# --- 3. confirm and import (all or nothing) --------------------------------------------------------------------------


def can_confirm(upload: PaymentUpload) -> bool:
    return (upload.status in (S.VALIDATED, S.FAILED) and upload.validated_at is not None
            and upload.total_errors == 0 and stored_path(upload).exists())


def start_import(upload: PaymentUpload, *, actor: str) -> bool:
    """The confirmation: validated → importing (guarded: a second click changes nothing). Audited."""
    if not can_confirm(upload):
        return False
    moved = PaymentUpload.objects.filter(pk=upload.pk, status=upload.status).update(
        status=S.IMPORTING, confirmed_by=actor, records_done=0, failure="", started_at=_clock.now(),
        finished_at=None, claimed_at=None)
    if moved:
        audit.record("payment.upload.confirm", actor=actor, jurisdiction=upload.jurisdiction_id, target=upload,
                     clock=_clock, detail={"file": upload.original_name, "records": upload.records,
                                           "amount": upload.amount})
    return bool(moved)


def run_import(upload_id: int) -> str:
    """`import_payment_file` on the stored file as the person who confirmed; keeps the result or why it failed."""
    claimed = PaymentUpload.objects.filter(pk=upload_id, status=S.IMPORTING, claimed_at__isnull=True).update(
        claimed_at=_clock.now())
    upload = PaymentUpload.objects.get(pk=upload_id)
    if not claimed:
        return upload.status
    progress = roll_uploads._ProgressWriter(upload_id, model=PaymentUpload, field="records_done")
    try:
        with childproc.idle_in_transaction_timeout(childproc.import_idle_seconds()):
            result = files.import_payment_file(
                stored_path(upload), jurisdiction=upload.jurisdiction, layout=upload.layout, source=upload.source,
                actor=upload.confirmed_by or upload.actor, clock=_clock, name=upload.original_name,
                progress=progress)
    except files.PaymentFileError as exc:  # the record changed since validation (same file, a conflict)
        progress.close()
        problems = _problems(exc)
        PaymentUpload.objects.filter(pk=upload_id).update(
            status=S.FAILED, finished_at=_clock.now(), total_errors=len(problems), errors=problems[:ERROR_KEEP],
            failure="가져오지 않았습니다: 검증 후 달라진 점이 있습니다. 아무것도 기록하지 않았습니다.")
        return S.FAILED
    except Exception as exc:  # noqa: BLE001 — the transaction is rolled back; kept on the upload
        progress.close()
        log.exception("payment upload %s: import failed", upload_id)
        PaymentUpload.objects.filter(pk=upload_id).update(
            status=S.FAILED, finished_at=_clock.now(),
            failure=f"가져오는 중 오류가 났습니다 ({type(exc).__name__}). 아무것도 기록하지 않았습니다. 다시 확정할 수 있습니다.")
        return S.FAILED
    progress.close()
    summary = {"records": result.records, "new": result.new, "duplicates": result.duplicates,
               "matched": result.matched, "unmatched": result.unmatched, "amount": result.amount,
               "unmatched_lines": [{"row": line, "message": why} for line, why in result.unmatched_lines[:200]]}
    PaymentUpload.objects.filter(pk=upload_id).update(
        status=S.DONE, records_done=result.records, finished_at=_clock.now(), summary=summary,
        payment_file=result.file)
    _remove_file(upload)
    return S.DONE


# --- the work without a broker, and the sweeper ----------------------------------------------------------------------


def run_pending() -> int:
    ran = 0
    for pk in PaymentUpload.objects.filter(status=S.UPLOADED).order_by("id").values_list("pk", flat=True):
        validate_upload(pk)
        ran += 1
    for pk in (PaymentUpload.objects.filter(status=S.IMPORTING, claimed_at__isnull=True).order_by("id")
               .values_list("pk", flat=True)):
        run_import(pk)
        ran += 1
    return ran


def sweep_stuck(*, clock: Any = None) -> int:
    """As `roll_uploads.sweep_stuck`, for payment uploads (audited `payment.upload.swept`)."""
    clock = clock or _clock
    now = clock.now()
    swept = 0
    for status, limit in roll_uploads.stuck_after().items():
        cutoff = now - limit
        started = "created_at" if status == S.VALIDATING else "started_at"
        waiting = PaymentUpload.objects.filter(status=status, claimed_at__isnull=True, **{f"{started}__lt": cutoff})
        for upload in [*PaymentUpload.objects.filter(status=status, claimed_at__lt=cutoff), *waiting]:
            step = "검증이" if status == S.VALIDATING else "가져오기가"
            moved = PaymentUpload.objects.filter(pk=upload.pk, status=status, claimed_at=upload.claimed_at).update(
                status=S.FAILED, finished_at=now,
                failure=f"{step} {int(limit.total_seconds() // 60):,}분 안에 끝나지 않아 중단된 것으로 보고 실패로 "
                        "처리했습니다. 가져오기는 전부 아니면 전무이므로 기록된 것은 없습니다. 파일을 다시 올려 주세요.")
            if not moved:
                continue
            _remove_file(upload)
            audit.record("payment.upload.swept", actor="system:sweeper", jurisdiction=upload.jurisdiction_id,
                         target=upload, clock=clock,
                         detail={"file": upload.original_name, "was": status,
                                 "limit_seconds": int(limit.total_seconds())})
            swept += 1
    return swept


def status_payload(upload: PaymentUpload) -> dict[str, Any]:
    """What the progress page polls (staff:money_file_status); the same shape roll-progress.js reads."""
    return {
        "id": upload.pk,
        "status": upload.status,
        "status_label": upload.get_status_display(),
        "finished": upload.status in (S.INVALID, S.VALIDATED, S.DONE, S.FAILED),
        "rows": upload.records,
        "records": upload.records,
        "amount": upload.amount,
        "rows_checked": upload.lines_checked,
        "rows_done": upload.records_done,
        "total_errors": upload.total_errors,
        "summary": upload.summary or None,
        "failure": upload.failure,
        "progress_written": connection.vendor != "sqlite",
    }
