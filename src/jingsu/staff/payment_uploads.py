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
`sweep_stuck` fails steps whose worker died and deletes their files. The lifecycle is the one every console upload
shares (jingsu.staff.uploads); this module gives it the payment file's checks and import.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings

from jingsu.clock import SEOUL, Clock
from jingsu.core.formats import kdate
from jingsu.core.models import Jurisdiction
from jingsu.korean import josa
from jingsu.payments import files
from jingsu.payments.models import PaymentFile
from jingsu.staff import uploads
from jingsu.staff.access import (
    CONSOLE_CLOCK as _clock,  # the runtime's clock (core.runtime); tests install their own
)
from jingsu.staff.models import PaymentUpload
from jingsu.staff.uploads import ERROR_KEEP

S = PaymentUpload.Status
#: what offices name these files: CSV, or the fixed-width layout as .txt/.dat
EXTENSIONS = (".csv", ".txt", ".dat")
KIND = uploads.Kind(model=PaymentUpload, directory="payment-uploads", audit="payment", log_name="payment upload",
                    checked_field="lines_checked", done_field="records_done")


def max_bytes() -> int:
    """Largest file accepted (JINGSU_PAYMENT_UPLOAD_MAX_MB, default 100: about 870,000 fixed-width records)."""
    return int(getattr(settings, "JINGSU_PAYMENT_UPLOAD_MAX_MB", 100)) << 20


def upload_dir() -> Path:
    return KIND.upload_dir()


def stored_path(upload: PaymentUpload) -> Path:
    return KIND.stored_path(upload)


# --- 1. upload -------------------------------------------------------------------------------------------------------


def store_upload(chunks: Any, *, original_name: str, layout: str, source: str, jurisdiction: Jurisdiction,
                 user: Any) -> PaymentUpload:
    uploads.suffix(original_name, EXTENSIONS)  # another extension is refused first
    if layout not in PaymentUpload.Layout.values or source not in PaymentUpload.Source.values:
        raise ValueError(f"unsupported layout {layout!r} or source {source!r}")
    upload: PaymentUpload = uploads.store(
        KIND, chunks, original_name=original_name, extensions=EXTENSIONS, jurisdiction=jurisdiction, user=user,
        clock=_clock, keep_sha256=True, fields={"layout": layout, "source": source},
        detail={"format": layout, "source": source})
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
    return uploads.validate(
        KIND, upload_id, clock=_clock, check_file=_validate_file,
        file_args=lambda upload: (upload.layout, upload.jurisdiction_id),
        check_record=lambda upload: uploads.counted(_record_problems(upload)))


# --- 3. confirm and import (all or nothing) --------------------------------------------------------------------------


def can_confirm(upload: PaymentUpload) -> bool:
    return uploads.can_confirm(KIND, upload)


def start_import(upload: PaymentUpload, *, actor: str) -> bool:
    """The confirmation: validated → importing (guarded: a second click changes nothing). Audited."""
    if not can_confirm(upload):
        return False
    return uploads.start_import(KIND, upload, actor=actor, clock=_clock,
                                detail={"records": upload.records, "amount": upload.amount})


def run_import(upload_id: int) -> str:
    """`import_payment_file` on the stored file as the person who confirmed; keeps the result or why it failed."""

    def run(upload: PaymentUpload, progress: uploads.ProgressWriter) -> dict[str, Any]:
        result = files.import_payment_file(
            stored_path(upload), jurisdiction=upload.jurisdiction, layout=upload.layout, source=upload.source,
            actor=upload.confirmed_by or upload.actor, clock=_clock, name=upload.original_name, progress=progress)
        summary = {"records": result.records, "new": result.new, "duplicates": result.duplicates,
                   "matched": result.matched, "unmatched": result.unmatched, "amount": result.amount,
                   "unmatched_lines": [{"row": line, "message": why} for line, why in result.unmatched_lines[:200]]}
        return {"records_done": result.records, "summary": summary, "payment_file": result.file}

    # the record changed since validation (same file, a conflict)
    return uploads.run_import(KIND, upload_id, clock=_clock, run=run, rejected=files.PaymentFileError,
                              rejected_errors=lambda exc: uploads.counted(_problems(exc)))


# --- the work without a broker, and the sweeper ----------------------------------------------------------------------


def run_pending() -> int:
    return uploads.run_pending(KIND, validate_upload, run_import)


def sweep_stuck(*, clock: Clock) -> int:
    """As `roll_uploads.sweep_stuck`, for payment uploads (audited `payment.upload.swept`)."""
    return uploads.sweep_stuck(KIND, clock=clock)


def status_payload(upload: PaymentUpload) -> dict[str, Any]:
    """What the progress page polls (staff:money_file_status); the same shape roll-progress.js reads."""
    return uploads.status_payload(upload, {
        "rows": upload.records, "records": upload.records, "amount": upload.amount,
        "rows_checked": upload.lines_checked, "rows_done": upload.records_done})
