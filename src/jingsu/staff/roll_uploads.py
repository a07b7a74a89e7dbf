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

from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings

from jingsu.clock import Clock, today
from jingsu.core.models import Jurisdiction
from jingsu.rolls import importer
from jingsu.rolls.reader import RollFileError, open_roll
from jingsu.staff import uploads
from jingsu.staff.access import (
    CONSOLE_CLOCK as _clock,  # the runtime's clock (core.runtime); tests install their own
)
from jingsu.staff.models import RollUpload
from jingsu.staff.uploads import ERROR_KEEP
from jingsu.staff.uploads import ProgressWriter as _ProgressWriter  # noqa: F401 — the import's hook (tests spy on it)

S = RollUpload.Status
EXTENSIONS = (".csv", ".xlsx", ".xls")
KIND = uploads.Kind(model=RollUpload, directory="roll-uploads", audit="roll", log_name="roll upload",
                    checked_field="rows_checked", done_field="rows_done", audit_claimed_at=True)


def max_bytes() -> int:
    return int(getattr(settings, "JINGSU_ROLL_UPLOAD_MAX_MB", 300)) << 20


def upload_dir() -> Path:
    return KIND.upload_dir()


def stored_path(upload: RollUpload) -> Path:
    return KIND.stored_path(upload)


# --- 1. upload -------------------------------------------------------------------------------------------------------


def store_upload(chunks: Any, *, original_name: str, jurisdiction: Jurisdiction, user: Any) -> RollUpload:
    """Write the uploaded file (an iterable of bytes) under a random name and record the upload."""
    upload: RollUpload = uploads.store(KIND, chunks, original_name=original_name, extensions=EXTENSIONS,
                                       jurisdiction=jurisdiction, user=user, clock=_clock)
    return upload


# --- 2. validation (nothing written) ---------------------------------------------------------------------------------


def validate_upload(upload_id: int) -> str:
    """Run the importer's validation over the whole file and keep the report. Returns the new status."""
    return uploads.validate(
        KIND, upload_id, clock=_clock, check_file=_validate_file,
        file_args=lambda upload: (upload.jurisdiction_id, today(_clock)),
        check_record=lambda upload: _preview_clean_file(upload, today(_clock)))


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
    return uploads.problems_as_dicts(errors[:ERROR_KEEP]), total, figures


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
    return uploads.problems_as_dicts(checked.errors[:ERROR_KEEP]), checked.total_errors


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
    return uploads.can_confirm(KIND, upload)


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
    return uploads.start_import(KIND, upload, actor=actor, clock=_clock, reason=reason,
                                fields={"owner_change_reason": reason},
                                detail={"rows": upload.rows, "owner_changes": owner_changes(upload)})


def run_import(upload_id: int, *, batch_size: int = importer.BATCH_SIZE) -> str:
    """`import_roll` on the stored file as the user who confirmed; keeps the summary or why it failed."""

    def run(upload: RollUpload, progress: uploads.ProgressWriter) -> dict[str, Any]:
        confirmed = {entry["tax_number"] for entry in (upload.plan or {}).get("owner_changes") or []}
        summary = importer.import_roll(
            stored_path(upload), jurisdiction=upload.jurisdiction,
            actor=upload.confirmed_by or upload.actor, clock=_clock, batch_size=batch_size, progress=progress,
            allow_owner_change=bool(confirmed and upload.owner_change_reason),
            owner_change_reason=upload.owner_change_reason, confirmed_owner_changes=confirmed)
        return {"rows_done": summary.rows, "summary": {k: v for k, v in summary.as_dict().items() if k != "file"}}

    return uploads.run_import(
        KIND, upload_id, clock=_clock, run=run, rejected=importer.RollRejected,
        rejected_errors=lambda rejected: (uploads.problems_as_dicts(rejected.errors[:ERROR_KEEP]),
                                          rejected.total_errors))


# --- the work without a broker, and the sweeper ----------------------------------------------------------------------


def run_pending() -> int:
    """Run the steps that wait for a worker (no broker: the dispatch cycle calls this). Returns how many ran."""
    return uploads.run_pending(KIND, validate_upload, run_import)


def sweep_stuck(*, clock: Clock) -> int:
    """Fail roll uploads stuck in validation or import (`uploads.sweep_stuck`, audited `roll.upload.swept`)."""
    return uploads.sweep_stuck(KIND, clock=clock)


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
    return uploads.status_payload(upload, {
        "rows": upload.rows, "rows_checked": upload.rows_checked, "rows_done": upload.rows_done,
        "taxpayers": upload.taxpayers, "total_tax": upload.total_tax, "as_of_label": as_of_label(upload)})
