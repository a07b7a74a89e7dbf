"""Importing an arrears roll: all or nothing.

One streamed pass inside one transaction: every row is validated (field shapes, registration numbers, amounts,
dates, 세목 codes, duplicate 과세번호, the jurisdiction of every row, the consistency of a taxpayer across rows) and
valid rows are written in batches as they come. At the first error writing stops, validation goes on to the end so
that every bad row is reported (row, column, reason in Korean, personal data masked), and the transaction is rolled
back: nothing is written. Taxpayers are found by the keyed hash of their registration number, levies by
(jurisdiction, 과세번호). New rows go in with COPY on PostgreSQL (executemany
elsewhere); rows that exist are updated only where a value differs, so importing the same file again changes
nothing. Penalties come from jingsu.law.penalty as of the import date (no second implementation; see
levies/penalties.LevyPenalties for the memo of its results).

Memory is bounded by the batch size plus one set entry per distinct 과세번호 and taxpayer in the file.

Speed (bench/import_roll.py): valid rows take a fast path through the same validators (`_parse_valid_row`); the
penalty memo is exact (`LevyPenalties`, and per row basis `_RowPenalties`); a jurisdiction's first import skips the
lookups of existing rows; a big file is read and validated in a forked worker process while this process writes
(`_checked_in_worker`). On PostgreSQL the COPY text is formatted here (`_CopyText`) and new taxpayers' ids are
reserved from the sequence before their COPY (no lookup after it). A first import on PostgreSQL goes further: the
reading side sends ready COPY text (`NewRows`), and when asked (`validators=2`) two validator processes share the
rows (`_checked_in_validators`).
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import pickle
import re
import traceback
from collections.abc import Collection, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from queue import Empty
from typing import Any

from django.db import connection, transaction

from jingsu.clock import Clock, today
from jingsu.core import audit, crypto
from jingsu.core.db import DeferredUpdate, insert_rows, select_by_keys
from jingsu.core.models import Jurisdiction
from jingsu.law.errors import InputError, NoRuleForDate
from jingsu.levies.models import Levy
from jingsu.levies.penalties import LevyPenalties, PenaltyBasis
from jingsu.rolls import validation as v
from jingsu.rolls.reader import RollFileError, RollSource, iter_rows, open_roll
from jingsu.taxpayers.models import Taxpayer

BATCH_SIZE = 5000
MAX_REPORTED_ERRORS = 100_000

# The field validators are pure functions of their arguments, and a roll repeats most values (dates, codes, years,
# flags) on row after row: memoising them is exact and saves most of the validation time. typed=True keeps 1, 1.0
# and True apart. Failures are not cached (lru_cache does not cache exceptions).
_memo = functools.lru_cache(maxsize=65_536, typed=True)
V_JURISDICTION = _memo(v.jurisdiction_code)
V_KIND = _memo(v.taxpayer_kind)
V_TAX_ITEM = _memo(v.tax_item_code)
V_TAX_YEAR = _memo(v.tax_year)
V_ITEM_YEAR = _memo(v.check_tax_item_year)
V_DATE = _memo(v.date_value)
V_AMOUNT = _memo(v.amount)
V_YES_NO = _memo(v.yes_no)
V_POSTAL = _memo(v.postal_code)
V_ASSESSMENT = _memo(v.assessment)
V_STATUS = _memo(v.levy_status)
V_LIABILITY = _memo(v.default_liability_date)

REQUIRED_HEADERS = tuple(spec.header for spec in v.HEADERS if spec.required)
TEXT_LIMITS = {"성명": (1, 100), "주소": (1, 200), "기분": (1, 20), "과세대상": (0, 200)}
KIND_CODES = {"개인": Taxpayer.Kind.INDIVIDUAL, "법인": Taxpayer.Kind.CORPORATION, "외국인": Taxpayer.Kind.FOREIGN}


@dataclass(frozen=True)
class RowError:
    row: int  # 0 for the file as a whole
    column: str
    message: str

    def text(self) -> str:
        if self.row == 0:
            return self.message
        if self.column:
            return f"{self.row}행, 열 '{self.column}': {self.message}"
        return f"{self.row}행: {self.message}"


class RollRejected(Exception):
    """The roll was not imported; `errors` says why, row by row."""

    def __init__(self, errors: list[RowError], total_errors: int | None = None) -> None:
        super().__init__(f"{total_errors or len(errors)} errors")
        self.errors = errors
        self.total_errors = total_errors or len(errors)


@dataclass
class ImportSummary:
    jurisdiction: str
    file: str
    encoding: str | None
    rows: int = 0
    taxpayers: int = 0
    taxpayers_created: int = 0
    taxpayers_updated: int = 0
    levies_created: int = 0
    levies_updated: int = 0
    levies_unchanged: int = 0
    total_tax: int = 0  # 본세 + 지방교육세 + 도시지역분 of every row
    total_penalty: int = 0  # 가산금·납부지연가산세 as of the import date
    as_of: str = ""
    taxpayers_unchanged: int = 0
    taxpayer_fields: dict[str, int] = field(default_factory=dict)  # column -> taxpayers whose value changes
    levy_fields: dict[str, int] = field(default_factory=dict)  # column -> levies whose value changes
    changes: list[dict[str, Any]] = field(default_factory=list)  # the first CHANGES_KEEP changed rows
    owner_changes: list[dict[str, Any]] = field(default_factory=list)  # levies whose taxpayer changes
    owner_changes_total: int = 0
    dry_run: bool = False  # a preview: nothing was written
    owner_change_reason: str = ""

    @property
    def total_arrears(self) -> int:
        return self.total_tax + self.total_penalty

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "total_arrears": self.total_arrears}


@dataclass(slots=True)
class ParsedRow:
    row: int
    taxpayer: dict[str, Any]
    levy: dict[str, Any]


@dataclass
class _Validation:
    errors: list[RowError] = field(default_factory=list)
    total_errors: int = 0
    tax_numbers: dict[str, int] = field(default_factory=dict)
    taxpayers: dict[str, tuple[int, str, str]] = field(default_factory=dict)  # digits -> (row, kind, name)

    def add(self, error: RowError) -> None:
        self.total_errors += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(error)


def import_roll(
    path: Path,
    *,
    jurisdiction: Jurisdiction,
    encoding: str | None = None,
    actor: str = "system:import-roll",
    clock: Clock,
    batch_size: int = BATCH_SIZE,
    progress: Any = None,
    worker: bool | None = None,
    dry_run: bool = False,
    allow_owner_change: bool = False,
    owner_change_reason: str = "",
    confirmed_owner_changes: Collection[str] | None = None,
    validators: int | None = None,
) -> ImportSummary:
    """Validate the whole roll and write it, all or nothing. Raises RollRejected with every error.

    The summary says what the import did (or, with `dry_run`, would do: nothing is written): taxpayers and levies
    new, changed (which columns) and unchanged, and the levies whose taxpayer changes. A 과세번호 whose stored
    taxpayer differs from the row's is refused unless `allow_owner_change` with an `owner_change_reason` (limited to
    `confirmed_owner_changes` when given: the console confirms the list its preview showed); each such correction
    is audited (`levy.owner_change`) with the reason. An amount below what was already paid is always refused: that
    correction gives money back and goes through `payments.corrections` (the console's 감액 정정).

    `worker`: read and validate the file in a child process while this one writes (see `_checked_in_worker`);
    None (the default) does so for files of `WORKER_MIN_BYTES` or more when there are two cores and fork.
    `validators`: with a worker, on a jurisdiction's first import on PostgreSQL, the rows are validated by this many
    child processes, each taking every other chunk of rows (`_checked_in_validators`); None: one. Two validators
    used 9 % more CPU for a shorter wall time under load and 1.55× the peak memory at 200,000 rows (docs/benchmarks.md),
    which would take a 1,000,000-row roll near the 1 GiB limit — so they are asked for, not assumed.
    """
    reason = owner_change_reason.strip()
    if allow_owner_change and not reason:
        raise RollRejected([RowError(0, "", "납세자 변경을 확인하려면 정정 사유를 적어야 합니다.")])
    try:
        source = open_roll(Path(path), encoding)
    except RollFileError as exc:
        raise RollRejected([RowError(0, "", str(exc))]) from None

    as_of = today(clock)
    summary = ImportSummary(jurisdiction=jurisdiction.code, file=str(path), encoding=source.encoding,
                            as_of=as_of.isoformat(), dry_run=dry_run,
                            owner_change_reason=reason if allow_owner_change else "")
    if worker is None:
        worker = _worker_pays_off(Path(path))
    checking: Any = _checked_in_worker if worker else checked_batches
    with transaction.atomic():
        writer = _Writer(jurisdiction, clock.now(), summary, writing=not dry_run,
                         allow_owner_change=allow_owner_change,
                         confirmed_owner_changes=(frozenset(confirmed_owner_changes)
                                                  if confirmed_owner_changes is not None else None),
                         actor=actor, reason=reason, clock=clock)
        checked = None
        if worker and writer.new_rows and (validators or 1) >= 2:
            checking = functools.partial(_checked_in_validators, validators=validators)
        for item in checking(source, jurisdiction.code, as_of, batch_size, new_rows=writer.new_rows):
            if isinstance(item, Checked):
                checked = item  # always the last item
                continue
            writer.write(item)
            if progress:
                progress(writer.done)
        assert checked is not None
        if not (checked.total_errors or writer.errors):
            writer.finish()
        if checked.total_errors or writer.errors:
            errors = sorted([*checked.errors, *writer.errors], key=lambda e: e.row)
            raise RollRejected(errors, checked.total_errors + len(writer.errors))  # rolls the transaction back
        if checked.rows == 0:
            raise RollRejected([RowError(0, "", "파일에 데이터 행이 없습니다 (열 제목만 있습니다).")])
        summary.rows = checked.rows
        summary.total_tax = checked.total_tax
        summary.taxpayers = checked.taxpayers
        if not dry_run:
            audit.record(
                "roll.import",
                actor=actor,
                jurisdiction=jurisdiction,
                target_type="roll",
                target_id=Path(path).name[:64],
                reason=summary.owner_change_reason,
                detail={k: val for k, val in summary.as_dict().items()
                        if k not in ("file", "changes", "owner_changes")},
                clock=clock,
            )
    return summary


def preview_writer(jurisdiction: Jurisdiction, now: datetime, summary: ImportSummary, *, clock: Clock) -> _Writer:
    """The importer's planner without writing (the console's validation): `write(batch)` fills `summary` with what
    the import would do; owner changes are listed there (to be confirmed), not refused; `errors` holds the record's
    refusals (amounts below what was paid)."""
    return _Writer(jurisdiction, now, summary, writing=False, allow_owner_change=True, clock=clock)


@dataclass
class Checked:
    """The end of validation: counts over the valid rows, and every error."""

    rows: int
    total_tax: int
    taxpayers: int
    errors: list[RowError]
    total_errors: int


def checked_batches(
    source: RollSource, jurisdiction_code: str, as_of: date, batch_size: int, *, new_rows: bool = False
) -> Iterator[list[ParsedRow] | NewRows | Checked]:
    """Validate every row; yield the valid rows in batches, ready to write, until the first error; then `Checked`.

    Ready to write: with the keyed hash of the registration number and the penalty as of `as_of` (pure functions of
    the row, so they are computed here, on the reading side, and not by the writer holding the transaction).
    `new_rows` (a jurisdiction's first import, on PostgreSQL: every row is new): the batches are `NewRows`, the rows'
    COPY text, so that the reading side also encrypts and formats and the writer only numbers and sends.
    """
    state = _Validation()
    penalty = _RowPenalties(jurisdiction_code, as_of)
    rows = total_tax = 0
    batch: Any = NewRows() if new_rows else []
    add = functools.partial(_add_new_row, ordinals={}, as_of=as_of.isoformat()) if new_rows else None
    try:
        for parsed in _parse(source, jurisdiction_code, as_of, state):
            rows += 1
            total_tax += parsed.levy["billed_amount"]
            if state.total_errors:
                continue  # keep validating to report every error; nothing more is written
            try:
                _prepare(parsed, penalty, as_of)
            except (NoRuleForDate, InputError) as exc:
                # the law has no rule for this row's dates (e.g. a 납부기한 before the encoded versions): the row is
                # refused with the law's own explanation, never a crash of the whole import
                state.add(RowError(parsed.row, "납부기한", f"가산세를 계산할 수 없습니다: {exc}"))
                continue
            if add is not None:
                add(batch, parsed)
            else:
                batch.append(parsed)
            if len(batch) >= batch_size:
                yield batch
                batch = NewRows() if new_rows else []
    except RollFileError as exc:
        state.add(RowError(0, "", str(exc)))
    if batch and not state.total_errors:
        yield batch
    yield Checked(rows, total_tax, len(state.taxpayers), state.errors, state.total_errors)


@dataclass
class NewRows:
    """A batch of valid rows of a jurisdiction's first import (`checked_batches(new_rows=True)`), as COPY text for
    `taxpayers_taxpayer` and `levies_levy` without the columns the writer adds: the id of each new taxpayer (reserved
    by the writer), the jurisdiction, the levy's taxpayer id and the two timestamps (`_CopyText`)."""

    taxpayers: list[str] = field(default_factory=list)  # each new taxpayer, in the order of first appearance
    owners: list[int] = field(default_factory=list)  # per levy: its taxpayer's place in that order (0-based)
    levies: list[str] = field(default_factory=list)
    penalty: int = 0  # the batch's levies' penalties together

    def __len__(self) -> int:
        return len(self.levies)


def _add_new_row(batch: NewRows, parsed: ParsedRow, *, ordinals: dict[str, int], as_of: str) -> None:
    """Add a valid row, prepared (`_prepare`), to `batch`: its taxpayer's text on the taxpayer's first row
    (encryption and masking done here, once per taxpayer), its levy's text on every row. `ordinals`: registration
    number -> place of the taxpayer in the file, for this import; `as_of`: the penalty's date in ISO form."""
    tp, lv = parsed.taxpayer, parsed.levy
    digits = tp["digits"]
    ordinal = ordinals.get(digits)
    if ordinal is None:
        ordinal = ordinals[digits] = len(ordinals)
        batch.taxpayers.append(_taxpayer_copy(tp))
    batch.owners.append(ordinal)
    batch.levies.append(_levy_copy(lv, as_of))
    batch.penalty += lv["penalty"]


def _prepare(parsed: ParsedRow, penalty: _RowPenalties, as_of: date) -> None:
    tp, lv = parsed.taxpayer, parsed.levy
    tp["hash"] = crypto.lookup_hash(tp["digits"])
    lv["penalty"] = penalty(lv)
    lv["penalty_as_of"] = as_of


class _RowPenalties:
    """`LevyPenalties` for the rows of one import, remembered per row basis: the penalty is a pure function of the
    `PenaltyBasis` (and of the jurisdiction and date, fixed for the import), and a roll repeats whole bases (a
    taxpayer's 주민세, a 과태료 amount, one 납기 for thousands of 자동차세 bills; about two rows in three on the
    generated roll), so a repeated row costs one dict lookup instead of a `PenaltyBasis` and the law's memo.
    A refusal of the law (NoRuleForDate, InputError) is raised every time, never remembered."""

    #: Bases remembered (about 250 bytes each); the memo starts again when full.
    MAXSIZE = 1 << 17

    def __init__(self, jurisdiction_code: str, as_of: date) -> None:
        self._penalties = LevyPenalties(jurisdiction=jurisdiction_code, as_of=as_of)
        self._memo: dict[tuple[Any, ...], int] = {}

    def __call__(self, lv: dict[str, Any]) -> int:
        key = (lv["liability_date"], lv["due_date"], lv["tax_item"], lv["principal"], lv["city_area_tax"],
               lv["education_tax"], lv["assessment"], lv["status"])  # PenaltyBasis's fields, in its order
        value = self._memo.get(key)
        if value is None:
            value = self._penalties(PenaltyBasis(*key))
            if len(self._memo) >= self.MAXSIZE:
                self._memo.clear()
            self._memo[key] = value
        return value


# --- reading in a worker process -----------------------------------------------------------------------

#: Files from this size (about 40,000 rows) are read and validated in a worker process by default.
WORKER_MIN_BYTES = 8 << 20
#: Batches on their way from the worker to the writer: the worker waits when the writer is this far behind.
WORKER_QUEUE = 2


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _worker_pays_off(path: Path) -> bool:
    """A big file, a second core for the worker, and fork (the worker inherits the loaded code and settings)."""
    return _cores() >= 2 and _can_fork() and path.stat().st_size >= WORKER_MIN_BYTES


def _checked_in_worker(
    source: RollSource, jurisdiction_code: str, as_of: date, batch_size: int, *, new_rows: bool = False
) -> Iterator[list[ParsedRow] | NewRows | Checked]:
    """`checked_batches` run in a forked child process, so that reading and validating the file (one core) goes on
    while this process writes the previous batch and the database stores it (the other cores).

    The child runs exactly `checked_batches` and sends what it yields through a bounded queue (memory stays a few
    batches); it never touches the database connection it inherits. An exception in the child is raised here; if
    this process stops early (a database error), the child is terminated.
    """
    context = multiprocessing.get_context("fork")
    queue: Any = context.Queue(maxsize=WORKER_QUEUE)
    child = context.Process(target=_worker_main, args=(queue, source, jurisdiction_code, as_of, batch_size, new_rows),
                            name="jingsu-roll-reader", daemon=True)
    child.start()
    try:
        while True:
            try:
                item = queue.get(timeout=1.0)
            except Empty:
                if not child.is_alive():  # killed (out of memory, a signal) without a word
                    raise RuntimeError(f"roll reader process ended with exit code {child.exitcode}") from None
                continue
            if isinstance(item, _WorkerFailed):
                raise item.error
            if isinstance(item, Checked):
                yield item
                break
            yield item if isinstance(item, NewRows) else [_from_wire(wire) for wire in item]
        child.join()
    finally:
        if child.is_alive():
            child.terminate()
            child.join()
        queue.close()


# A batch crosses the process boundary as tuples of plain values: unpickling a dict costs about as much as
# validating a row, unpickling a tuple a tenth of that.
_TAXPAYER_KEYS = ("digits", "kind", "name", "address", "postal_code", "mobile", "e_service", "opt_out", "hash")
_LEVY_KEYS = ("tax_number", "tax_item", "tax_year", "period", "object_description", "principal", "education_tax",
              "city_area_tax", "billed_amount", "liability_date", "original_due_date", "due_date", "assessment",
              "status", "penalty", "penalty_as_of")


def _to_wire(parsed: ParsedRow) -> tuple[Any, ...]:
    tp, lv = parsed.taxpayer, parsed.levy
    return parsed.row, tuple([tp[k] for k in _TAXPAYER_KEYS]), tuple([lv[k] for k in _LEVY_KEYS])


def _from_wire(wire: tuple[Any, ...]) -> ParsedRow:
    row, taxpayer, levy = wire
    return ParsedRow(row, dict(zip(_TAXPAYER_KEYS, taxpayer, strict=True)), dict(zip(_LEVY_KEYS, levy, strict=True)))


@dataclass
class _WorkerFailed:
    error: BaseException


def _forward(queue: Any, items: Iterator[Any]) -> None:
    """In a forked child: put each of `items` (a generator, first run here) on `queue`; an exception goes to the
    parent, which raises it."""
    from jingsu.core.childproc import become_child

    become_child()  # dies with the parent; never holds the parent's database session (issue 20 §5)
    try:
        for item in items:
            queue.put(item)
    except BaseException as exc:  # sent to the parent, which raises it
        try:
            pickle.dumps(exc)
        except Exception:
            exc = RuntimeError("".join(traceback.format_exception(exc)))
        queue.put(_WorkerFailed(exc))
    queue.close()
    queue.join_thread()


def _worker_main(queue: Any, source: RollSource, jurisdiction_code: str, as_of: date, batch_size: int,
                 new_rows: bool = False) -> None:
    _forward(queue, (item if isinstance(item, Checked | NewRows) else [_to_wire(parsed) for parsed in item]
                     for item in checked_batches(source, jurisdiction_code, as_of, batch_size, new_rows=new_rows)))


# --- validating in several processes (a first import) ----------------------------------------------------------


@dataclass
class _Share:
    """What validator k sends for one chunk of rows: the chunk's valid rows as `NewRows` (none after the validator's
    first error), and whether the chunk holds an error (a refused row, or a row whose penalty the law cannot
    compute)."""

    rows: NewRows
    error: bool


@dataclass
class _ShareChecked:
    """The end of one validator's pass: `Checked` over its own rows, and the first row of its own rows whose penalty
    could not be computed before any error of its own (reported only if no error comes before it in the file)."""

    checked: Checked
    penalty_error: RowError | None


def _checked_in_validators(
    source: RollSource, jurisdiction_code: str, as_of: date, batch_size: int, *, new_rows: bool = True,
    validators: int = 2,
) -> Iterator[NewRows | Checked]:
    """`checked_batches(new_rows=True)` done by `validators` forked child processes, for a jurisdiction's first
    import, with the same result: the same rows, and the same errors in the same order.

    The rows are cut into chunks of `batch_size`; validator k checks chunks k, k + n, k + 2n… with `_parse_row`
    and prepares them, and reads the others only for what `_parse_row` records of them (`_register_row`: each
    과세번호 and taxpayer first met), so that every validator holds the whole file's cross-row state (duplicate
    과세번호, a taxpayer's consistency, its place in the file) and checks its rows exactly as one pass would. Here the
    chunks are taken in file order; writing stops at the first chunk with an error (the import then fails and rolls
    back). The errors: every validator's own (a row's errors all come from one validator; merged by row, as
    `import_roll` sorts them), the file's own from the first validator only, and a penalty the law cannot compute
    only when it is the file's first error (as `checked_batches` stops preparing rows at the first error).
    """
    assert new_rows
    context = multiprocessing.get_context("fork")
    queues: list[Any] = [context.Queue(maxsize=WORKER_QUEUE) for _ in range(validators)]
    children = [context.Process(target=_validator_main, name=f"jingsu-roll-validator-{k}",
                                args=(queues[k], source, jurisdiction_code, as_of, batch_size, k, validators),
                                daemon=True) for k in range(validators)]
    for child in children:
        child.start()
    ends: dict[int, _ShareChecked] = {}
    try:
        chunk = 0
        failed = False
        while len(ends) < validators:
            k = chunk % validators
            chunk += 1
            if k in ends:
                continue
            item = _get(queues[k], children[k])
            if isinstance(item, _ShareChecked):
                ends[k] = item
                continue
            if failed:
                continue
            if item.rows:
                yield item.rows
            failed = item.error
        for child in children:
            child.join()
    finally:
        for child in children:
            if child.is_alive():
                child.terminate()
                child.join()
        for queue in queues:
            queue.close()
    yield _merge_checked([ends[k] for k in range(validators)])


def _get(queue: Any, child: Any) -> Any:
    """The next item a child sends; its exception raised here; an error if it died without a word."""
    while True:
        try:
            item = queue.get(timeout=1.0)
        except Empty:
            if not child.is_alive():
                raise RuntimeError(f"roll reader process ended with exit code {child.exitcode}") from None
            continue
        if isinstance(item, _WorkerFailed):
            raise item.error
        return item


def _merge_checked(ends: list[_ShareChecked]) -> Checked:
    """One `Checked` from the validators' (see `_checked_in_validators`)."""
    errors = [e for k, end in enumerate(ends) for e in end.checked.errors if e.row or k == 0]
    total = sum(end.checked.total_errors for end in ends) - sum(
        1 for end in ends[1:] for e in end.checked.errors if not e.row)
    first_error = min((e.row for e in errors if e.row), default=None)
    penalty = min((end.penalty_error for end in ends if end.penalty_error), key=lambda e: e.row, default=None)
    if penalty is not None and (first_error is None or penalty.row < first_error):
        errors.append(penalty)
        total += 1
    errors.sort(key=lambda e: e.row)
    return Checked(rows=sum(end.checked.rows for end in ends), total_tax=sum(end.checked.total_tax for end in ends),
                   taxpayers=ends[0].checked.taxpayers, errors=errors[:MAX_REPORTED_ERRORS], total_errors=total)


def _validator_main(queue: Any, source: RollSource, jurisdiction_code: str, as_of: date, batch_size: int,
                    k: int, validators: int) -> None:
    _forward(queue, _validate_share(source, jurisdiction_code, as_of, batch_size, k, validators))


def _validate_share(source: RollSource, jurisdiction_code: str, as_of: date, batch_size: int, k: int,
                    validators: int) -> Iterator[_Share | _ShareChecked]:
    """Validator k's pass (see `_checked_in_validators`): one `_Share` per chunk of its own, then `_ShareChecked`."""
    state = _Validation()
    penalty = _RowPenalties(jurisdiction_code, as_of)
    ordinals: dict[str, int] = {}  # registration number -> the taxpayer's place in the file (first met)
    as_of_text = as_of.isoformat()
    rows = total_tax = 0
    penalty_error: RowError | None = None
    batch, errors_before, current = NewRows(), 0, 0
    try:
        for index, (row, cells) in enumerate(iter_rows(source, _check_header)):
            chunk = index // batch_size
            if chunk != current:
                if current % validators == k:
                    yield _Share(batch, state.total_errors != errors_before)
                    batch, errors_before = NewRows(), state.total_errors
                current = chunk
            known = len(state.taxpayers)
            if chunk % validators != k:
                _register_row(row, cells, as_of, state)
            else:
                parsed = _parse_row(row, cells, jurisdiction_code, as_of, state)
                if parsed is not None:
                    rows += 1
                    total_tax += parsed.levy["billed_amount"]
                    if not state.total_errors and penalty_error is None:
                        try:
                            _prepare(parsed, penalty, as_of)
                        except (NoRuleForDate, InputError) as exc:
                            penalty_error = RowError(parsed.row, "납부기한", f"가산세를 계산할 수 없습니다: {exc}")
                            errors_before = -1  # this chunk holds an error
                        else:
                            tp, lv = parsed.taxpayer, parsed.levy
                            if len(state.taxpayers) != known:  # the taxpayer's first row
                                ordinals[tp["digits"]] = known
                                batch.taxpayers.append(_taxpayer_copy(tp))
                            batch.owners.append(ordinals[tp["digits"]])
                            batch.levies.append(_levy_copy(lv, as_of_text))
                            batch.penalty += lv["penalty"]
                            continue
            if len(state.taxpayers) != known:  # a taxpayer first met on this row: its place in the file
                ordinals[next(reversed(state.taxpayers))] = known
        if current % validators == k:
            yield _Share(batch, state.total_errors != errors_before)
    except RollFileError as exc:
        state.add(RowError(0, "", str(exc)))
    yield _ShareChecked(Checked(rows, total_tax, len(state.taxpayers), state.errors, state.total_errors),
                        penalty_error)


def _register_row(row: int, cells: dict[str, Any], as_of: date, state: _Validation) -> None:
    """What `_parse_row` records in `state` for a row — its 과세번호 unless already met, its taxpayer (number, kind,
    name) unless already met — with the same validators, without checking or reporting anything else: a validator
    does this for the rows another one checks (the fast path records the same as `_parse_row_reporting` for a
    valid row, and the reporting path records exactly this for any row)."""
    tax_number = kind_label = kind = digits = name = None
    try:
        if "과세번호" in cells:
            tax_number = v.tax_number(cells["과세번호"])
    except v.FieldError:
        pass
    try:
        if "납세자구분" in cells:
            kind_label = V_KIND(cells["납세자구분"])
            kind = KIND_CODES.get(kind_label) if kind_label else None
    except v.FieldError:
        pass
    try:
        if "등록번호" in cells and kind is not None:
            digits = v.registration_number(kind_label, cells["등록번호"], today=as_of)
    except v.FieldError:
        pass
    try:
        if "성명" in cells:
            name = _text(cells["성명"], "성명")
    except v.FieldError:
        pass
    if tax_number is not None and tax_number not in state.tax_numbers:
        state.tax_numbers[tax_number] = row
    if digits is not None and kind is not None and name is not None and digits not in state.taxpayers:
        state.taxpayers[digits] = (row, kind, name)


# --- parse and validate -------------------------------------------------------------------------------


def _text(raw: Any, header: str) -> str:
    low, high = TEXT_LIMITS[header]
    return v.text_field(raw, header, min_len=low, max_len=high)


def _parse(source: RollSource, jurisdiction_code: str, as_of: date, state: _Validation) -> Iterator[ParsedRow]:
    for row_number, cells in iter_rows(source, _check_header):
        parsed = _parse_row(row_number, cells, jurisdiction_code, as_of, state)
        if parsed is not None:
            yield parsed


def _check_header(header: list[str]) -> None:
    known = {spec.header for spec in v.HEADERS}
    required = [spec.header for spec in v.HEADERS if spec.required]
    problems = []
    unknown = [h for h in header if h not in known]
    if unknown:
        problems.append("알 수 없는 열 제목: " + ", ".join(f"'{h}'" for h in unknown))
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        problems.append("같은 열 제목이 두 번 있습니다: " + ", ".join(f"'{h}'" for h in dupes))
    missing = [h for h in required if h not in header]
    if missing:
        problems.append("필수 열이 없습니다: " + ", ".join(f"'{h}'" for h in missing))
    if problems:
        raise RollFileError(
            "열 제목이 형식과 맞지 않습니다 (docs/formats/roll.md 참고). " + "; ".join(problems)
        )


def _parse_row(
    row: int, cells: dict[str, Any], jurisdiction_code: str, as_of: date, state: _Validation
) -> ParsedRow | None:
    """The parsed row, or None when it has errors (then recorded in `state`).

    Almost every row of a real roll is valid: `_parse_valid_row` handles those without the per-cell error
    bookkeeping; any row it is not sure about goes through `_parse_row_reporting`, which reports every error.
    """
    parsed = _parse_valid_row(row, cells, jurisdiction_code, as_of, state)
    if parsed is None:
        parsed = _parse_row_reporting(row, cells, jurisdiction_code, as_of, state)
    return parsed


_REQUIRED = frozenset(REQUIRED_HEADERS)


def _parse_valid_row(
    row: int, cells: dict[str, Any], jurisdiction_code: str, as_of: date, state: _Validation
) -> ParsedRow | None:
    """The fast path of `_parse_row`: the same validators with the same arguments, in the same order, and the same
    cross-field and cross-row checks as `_parse_row_reporting`, but for a row without any problem only. At the first
    FieldError or failed check it returns None *before touching `state`*, and the row goes through the reporting
    path, which then finds and reports every error. So for every row both paths give the same result and the same
    errors (tests/rolls/test_importer_fast_path.py compares them on tricky rows)."""
    if "\x00extra" in cells or not _REQUIRED.issubset(cells.keys()):
        return None
    get = cells.get
    try:
        if V_JURISDICTION(cells["자치단체코드"]) != jurisdiction_code:
            return None
        kind_label = V_KIND(cells["납세자구분"])
        kind = KIND_CODES[kind_label]
        digits = v.registration_number(kind_label, cells["등록번호"], today=as_of)
        tax_number = v.tax_number(cells["과세번호"])
        name = _text(cells["성명"], "성명")
        address = _text(cells["주소"], "주소")
        postal_code = V_POSTAL(get("우편번호")) or ""
        mobile = v.mobile(get("휴대전화")) or ""
        e_service = V_YES_NO(get("전자송달신청"), False)
        opt_out = V_YES_NO(get("수신거부"), False)
        item = V_TAX_ITEM(cells["세목코드"])
        year = V_TAX_YEAR(cells["과세연도"], as_of)
        V_ITEM_YEAR(item, year)
        period = _text(cells["기분"], "기분") if "기분" in cells else ""
        obj = _text(cells["과세대상"], "과세대상") if "과세대상" in cells else ""
        principal = V_AMOUNT(cells["본세"])
        education = V_AMOUNT(cells["지방교육세"]) if "지방교육세" in cells else 0
        city = V_AMOUNT(cells["도시지역분"]) if "도시지역분" in cells else 0
        original_due = V_DATE(cells["납기"])
        due = V_DATE(cells["납부기한"]) if "납부기한" in cells else None
        liability = V_DATE(cells["납세의무성립일"]) if "납세의무성립일" in cells else None
        assessment = V_ASSESSMENT(get("신고구분"))
        status = V_STATUS(get("상태"))
    except v.FieldError:
        return None
    if due is not None and due < original_due:
        return None
    if liability is None:
        liability = V_LIABILITY(item, year, period)
        if liability is None:
            return None
    if liability > original_due:
        return None
    if tax_number in state.tax_numbers:
        return None
    seen = state.taxpayers.get(digits)
    if seen is not None and (seen[1] != kind or seen[2] != name):
        return None

    state.tax_numbers[tax_number] = row
    if seen is None:
        state.taxpayers[digits] = (row, kind, name)
    return _parsed_row(row, digits, kind, name, address, postal_code, mobile, e_service, opt_out,
                       tax_number, item, year, period, obj, principal, education, city, liability, original_due, due,
                       assessment, status)


def _parsed_row(
    row: int, digits: str, kind: str, name: str, address: str, postal_code: str, mobile: str, e_service: bool,
    opt_out: bool, tax_number: str, item: str, year: int, period: str, obj: str, principal: int, education: int,
    city: int, liability: date, original_due: date, due: date | None, assessment: str, status: str,
) -> ParsedRow:
    """The taxpayer and levy of a valid row, from its validated cells (in the roll's column order), as both parsers
    give them: the 고지세액 is the sum of its heads, and the 납부기한 is the 납기 when the roll has none."""
    return ParsedRow(
        row=row,
        taxpayer={
            "digits": digits,
            "kind": kind,
            "name": name,
            "address": address,
            "postal_code": postal_code,
            "mobile": mobile,
            "e_service": e_service,
            "opt_out": opt_out,
        },
        levy={
            "tax_number": tax_number,
            "tax_item": item,
            "tax_year": year,
            "period": period,
            "object_description": obj,
            "principal": principal,
            "education_tax": education,
            "city_area_tax": city,
            "billed_amount": principal + education + city,
            "liability_date": liability,
            "original_due_date": original_due,
            "due_date": due or original_due,
            "assessment": assessment,
            "status": status,
        },
    )


def _parse_row_reporting(
    row: int, cells: dict[str, Any], jurisdiction_code: str, as_of: date, state: _Validation
) -> ParsedRow | None:
    """The general path: validates every cell and records every error of the row in `state`."""
    errors_before = state.total_errors

    if "\x00extra" in cells:
        state.add(RowError(row, "", "열 제목보다 칸이 많습니다."))

    def take(header: str, fn: Any, *args: Any) -> Any:
        raw = cells.get(header)
        try:
            return fn(raw, *args)
        except v.FieldError as exc:
            state.add(RowError(row, header, str(exc)))
            return None

    for header in REQUIRED_HEADERS:
        if header not in cells:  # the reader leaves blank cells out
            state.add(RowError(row, header, "필수 항목이 비어 있습니다."))

    present = cells.__contains__

    code = take("자치단체코드", V_JURISDICTION) if present("자치단체코드") else None
    if code is not None and code != jurisdiction_code:
        state.add(RowError(row, "자치단체코드",
                           f"다른 자치단체({code})의 자료입니다. 이 파일은 {jurisdiction_code}에 가져오는 중입니다."))
    kind_label = take("납세자구분", V_KIND) if present("납세자구분") else None
    kind = KIND_CODES.get(kind_label) if kind_label else None
    digits = None
    if present("등록번호") and kind is not None:
        digits = take("등록번호", lambda raw: v.registration_number(kind_label, raw, today=as_of))
    tax_number = take("과세번호", v.tax_number) if present("과세번호") else None
    name = take("성명", _text, "성명") if present("성명") else None
    address = take("주소", _text, "주소") if present("주소") else None
    postal_code = take("우편번호", V_POSTAL) or ""
    mobile = take("휴대전화", v.mobile) or ""
    e_service = take("전자송달신청", V_YES_NO, False)
    opt_out = take("수신거부", V_YES_NO, False)
    item = take("세목코드", V_TAX_ITEM) if present("세목코드") else None
    year = take("과세연도", V_TAX_YEAR, as_of) if present("과세연도") else None
    if item is not None and year is not None:
        take("세목코드", lambda _raw: V_ITEM_YEAR(item, year))
    period = take("기분", _text, "기분") if present("기분") else ""
    obj = take("과세대상", _text, "과세대상") if present("과세대상") else ""
    principal = take("본세", V_AMOUNT) if present("본세") else None
    education = take("지방교육세", V_AMOUNT) if present("지방교육세") else 0
    city = take("도시지역분", V_AMOUNT) if present("도시지역분") else 0
    original_due = take("납기", V_DATE) if present("납기") else None
    due = take("납부기한", V_DATE) if present("납부기한") else None
    liability = take("납세의무성립일", V_DATE) if present("납세의무성립일") else None
    assessment = take("신고구분", V_ASSESSMENT)
    status = take("상태", V_STATUS)

    if original_due is not None and due is not None and due < original_due:
        state.add(RowError(row, "납부기한", "납부기한이 납기보다 빠릅니다."))
    if liability is None and item is not None and year is not None:
        liability = V_LIABILITY(item, year, period)
        if liability is None:
            state.add(RowError(row, "납세의무성립일", "이 세목은 납세의무성립일을 적어야 합니다."))
    if liability is not None and original_due is not None and liability > original_due:
        state.add(RowError(row, "납세의무성립일", "납세의무성립일이 납기보다 늦습니다."))

    if tax_number is not None:
        first = state.tax_numbers.get(tax_number)
        if first is not None:
            state.add(RowError(row, "과세번호", f"과세번호가 중복됩니다 ({first}행과 같음)."))
        else:
            state.tax_numbers[tax_number] = row
    if digits is not None and kind is not None and name is not None:
        seen = state.taxpayers.get(digits)
        if seen is None:
            state.taxpayers[digits] = (row, kind, name)
        elif seen[1] != kind or seen[2] != name:
            masked = crypto.mask_registration_number(digits)
            state.add(RowError(row, "성명", f"같은 등록번호({masked})의 납세자 정보가 {seen[0]}행과 다릅니다."))

    if state.total_errors != errors_before:
        return None
    return _parsed_row(row, digits, kind, name, address, postal_code, mobile, e_service, opt_out,
                       tax_number, item, year, period, obj, principal, education, city, liability, original_due, due,
                       assessment, status)


# --- plan and write ------------------------------------------------------------------------------------

TAXPAYER_FIELDS = ("kind", "name", "address", "postal_code", "mobile", "e_service", "opt_out")
#: The levy's fields that come from the roll: "unchanged" compares these only (and the taxpayer). Payment-derived
#: state (paid amounts, 완납, the penalty computed at the last import or notice) is never compared with the roll.
ROLL_LEVY_FIELDS = (
    "tax_item", "tax_year", "period", "object_description", "principal", "education_tax", "city_area_tax",
    "billed_amount", "liability_date", "original_due_date", "due_date", "assessment", "status",
)
LEVY_FIELDS = (*ROLL_LEVY_FIELDS, "penalty", "penalty_as_of")
AMOUNT_FIELDS = ("principal", "education_tax", "city_area_tax", "billed_amount")
#: Statuses the roll does not set: a roll row saying 정상 does not reopen a 완납 or 취소 levy.
KEPT_STATUSES = frozenset({Levy.Status.PAID, Levy.Status.CANCELLED})

#: How the preview names what changes (the roll's column headers; 납세자 for the levy's owner).
TAXPAYER_LABELS = {"kind": "납세자구분", "name": "성명", "address": "주소", "postal_code": "우편번호",
                   "mobile": "휴대전화", "e_service": "전자송달신청", "opt_out": "수신거부"}
LEVY_LABELS = {"tax_item": "세목코드", "tax_year": "과세연도", "period": "기분", "object_description": "과세대상",
               "principal": "본세", "education_tax": "지방교육세", "city_area_tax": "도시지역분",
               "liability_date": "납세의무성립일", "original_due_date": "납기", "due_date": "납부기한",
               "assessment": "신고구분", "status": "상태", "taxpayer_id": "납세자"}
#: Changed taxpayers and levies listed one by one in the preview (the counts are always complete).
CHANGES_KEEP = 1000
#: Owner changes listed one by one (the console confirms exactly these; more must go through the CLI).
OWNER_CHANGES_KEEP = 10_000


_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_BOOL = {True: "t", False: "f"}


def _copy_text(value: str) -> str:
    """A text value in PostgreSQL's COPY text format: backslash, tab, newline and carriage return escaped (the
    validators refuse control characters in every text column, so in practice only a backslash is ever escaped)."""
    return value if _COPY_SPECIAL.search(value) is None else value.translate(_COPY_ESCAPES)


#: The columns of the COPY text of a new taxpayer (after its id) and of a new levy, in `_taxpayer_copy`'s and
#: `_levy_copy`'s order, with the jurisdiction first and the two timestamps last (added by `_CopyText`).
TAXPAYER_COPY_COLUMNS = ["jurisdiction_id", "registration_hash", "registration_encrypted", "registration_masked",
                         *TAXPAYER_FIELDS, "created_at", "updated_at"]
LEVY_COPY_COLUMNS = ["jurisdiction_id", "taxpayer_id", "tax_number", *LEVY_FIELDS, "paid_amount", "penalty_paid",
                     "created_at", "updated_at"]


def _taxpayer_copy(tp: dict[str, Any]) -> str:
    """A new taxpayer's COPY text from its registration hash to its 수신거부 (TAXPAYER_COPY_COLUMNS without the first
    and the last two), with the registration number encrypted and masked; ends with a tab."""
    text, flag, digits = _copy_text, _COPY_BOOL, tp["digits"]
    return (f"{tp['hash']}\t{crypto.encrypt(digits)}\t{crypto.mask_registration_number(digits)}\t{str(tp['kind'])}\t"
            f"{text(tp['name'])}\t{text(tp['address'])}\t{text(tp['postal_code'])}\t{text(tp['mobile'])}\t"
            f"{flag[tp['e_service']]}\t{flag[tp['opt_out']]}\t")


def _levy_copy(lv: dict[str, Any], penalty_as_of: str) -> str:
    """A new levy's COPY text from its 과세번호 to its penalty_paid (LEVY_COPY_COLUMNS without the first two and the
    last two); `penalty_as_of` in ISO form; ends with a tab."""
    text = _copy_text
    return (f"{text(lv['tax_number'])}\t{lv['tax_item']}\t{lv['tax_year']}\t{text(lv['period'])}\t"
            f"{text(lv['object_description'])}\t{lv['principal']}\t{lv['education_tax']}\t{lv['city_area_tax']}\t"
            f"{lv['billed_amount']}\t{lv['liability_date'].isoformat()}\t{lv['original_due_date'].isoformat()}\t"
            f"{lv['due_date'].isoformat()}\t{lv['assessment']}\t{lv['status']}\t{lv['penalty']}\t{penalty_as_of}\t"
            "0\t0\t")


class _CopyText:
    """New rows written with COPY … FROM STDIN as text formatted by the writer (PostgreSQL only): one string per
    batch instead of psycopg adapting every value (`Copy.write_row`); the values are those `insert_rows` would send
    (ints, ISO dates and times, t/f, escaped text), and the server parses them the same way."""

    def __init__(self, jurisdiction_code: str, now: datetime) -> None:
        stamp = now.isoformat()
        self.head = f"{jurisdiction_code}\t"  # jurisdiction_id, the first column of both tables
        self.tail = f"{stamp}\t{stamp}\n"  # created_at, updated_at, the last two
        self._sequences: dict[str, str] = {}

    def reserve_ids(self, table: str, count: int) -> list[int]:
        """`count` ids taken from the sequence of `table`'s id column (as the column default would take them, one
        nextval each, in order), to be written with the rows."""
        with connection.cursor() as cursor:
            sequence = self._sequences.get(table)
            if sequence is None:
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
                sequence = self._sequences[table] = cursor.fetchone()[0]
            cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count])
            return [row[0] for row in cursor.fetchall()]

    def write(self, table: str, columns: list[str], lines: list[str]) -> None:
        qn = connection.ops.quote_name
        with connection.cursor() as cursor, cursor.cursor.copy(
                f"COPY {qn(table)} ({', '.join(qn(c) for c in columns)}) FROM STDIN") as copy:
            copy.write("".join(lines))


def _identity(name: str, masked_number: str) -> str:
    """A person as an error or the preview shows them: masked name and masked registration number."""
    from jingsu.delivery.paper import mask_name

    return f"{mask_name(name)}({masked_number})"


class _Writer:
    """Plans each batch of valid rows prepared by `checked_batches` (hash and penalty filled in) against what is
    stored — new, changed (which fields), unchanged; owner changes; amounts below what was paid — and, unless
    `writing` is off (the preview) or a row was refused, writes it set-based."""

    def __init__(
        self,
        jurisdiction: Jurisdiction,
        now: datetime,
        summary: ImportSummary,
        *,
        writing: bool = True,
        allow_owner_change: bool = False,
        confirmed_owner_changes: frozenset[str] | None = None,
        actor: str = "",
        reason: str = "",
        clock: Clock,
    ) -> None:
        self.jurisdiction = jurisdiction
        self.now = now
        self.summary = summary
        self.writing = writing
        self.allow_owner_change = allow_owner_change
        self.confirmed_owner_changes = confirmed_owner_changes
        self.actor = actor
        self.reason = reason
        self.clock = clock
        self.done = 0
        self.errors: list[RowError] = []
        # registration hash -> id of taxpayers met in this import (None: new, not written yet / preview)
        self.taxpayer_ids: dict[str, int | None] = {}
        # A jurisdiction's first import has nothing to compare with, so the lookups of existing rows are skipped.
        self.taxpayers_exist = Taxpayer.objects.filter(jurisdiction=jurisdiction).exists()
        self.levies_exist = Levy.objects.filter(jurisdiction=jurisdiction).exists()
        # Changes to stored rows are collected set-based and applied at the end (`finish`), so that the rows other
        # processes use (dispatch, payments) are locked for the seconds of the apply, not for the whole pass.
        self.taxpayer_updates = DeferredUpdate(Taxpayer._meta.db_table, [*TAXPAYER_FIELDS, "updated_at"])
        self.levy_updates = DeferredUpdate(Levy._meta.db_table, [*LEVY_FIELDS, "taxpayer_id", "updated_at"])
        self.copy = _CopyText(jurisdiction.code, now) if connection.vendor == "postgresql" else None
        # A jurisdiction's first import, written: every row is new, nothing to compare; the reading side sends the
        # rows as COPY text (`NewRows`), and the ids of the new taxpayers, in order of first appearance, are kept here.
        self.new_rows = bool(self.copy and writing and not self.taxpayers_exist and not self.levies_exist)
        self.ordinal_ids: list[int] = []

    def finish(self) -> None:
        """Apply the collected changes (in batches of 5,000 on PostgreSQL); call once, after the last batch."""
        if self.writing and not self.errors:
            self.taxpayer_updates.apply()
            self.levy_updates.apply()

    def write(self, batch: list[ParsedRow] | NewRows) -> None:
        if isinstance(batch, NewRows):
            self._write_new_rows(batch)
            return
        new_tp, changed_tp = self._plan_taxpayers(batch)
        new_lv, changed_lv, owners = self._plan_levies(batch)
        if self.writing and not self.errors:
            self._write_taxpayers(new_tp, changed_tp)
            self._write_levies(new_lv, changed_lv, owners)
        self.done += len(batch)

    # -- plan --

    def _note_change(self, row: int, what: str, key: str, fields: list[str]) -> None:
        if len(self.summary.changes) < CHANGES_KEEP:
            self.summary.changes.append({"row": row, "what": what, "key": key, "fields": fields})

    def _plan_taxpayers(self, batch: list[ParsedRow]) -> tuple[list[dict[str, Any]], list[tuple[int, dict[str, Any]]]]:
        fresh: dict[str, ParsedRow] = {}
        for parsed in batch:
            h = parsed.taxpayer["hash"]
            if h not in self.taxpayer_ids and h not in fresh:
                fresh[h] = parsed
        if not fresh:
            return [], []
        existing = {
            row["registration_hash"]: row
            for row in Taxpayer.objects.filter(jurisdiction=self.jurisdiction, registration_hash__in=list(fresh))
            .values("id", "registration_hash", "registration_masked", *TAXPAYER_FIELDS)
        } if self.taxpayers_exist else {}
        new: list[dict[str, Any]] = []
        changed: list[tuple[int, dict[str, Any]]] = []
        s = self.summary
        for h, parsed in fresh.items():
            tp = parsed.taxpayer
            stored = existing.get(h)
            if stored is None:
                self.taxpayer_ids[h] = None
                new.append(tp)
                s.taxpayers_created += 1
                continue
            self.taxpayer_ids[h] = stored["id"]
            diffs = [f for f in TAXPAYER_FIELDS if stored[f] != tp[f]]
            if not diffs:
                s.taxpayers_unchanged += 1
                continue
            changed.append((stored["id"], tp))
            s.taxpayers_updated += 1
            labels = [TAXPAYER_LABELS[f] for f in diffs]
            for label in labels:
                s.taxpayer_fields[label] = s.taxpayer_fields.get(label, 0) + 1
            self._note_change(parsed.row, "납세자", _identity(tp["name"], stored["registration_masked"]), labels)
        return new, changed

    def _plan_levies(
        self, batch: list[ParsedRow]
    ) -> tuple[list[ParsedRow], list[tuple[int, dict[str, Any], str]], list[dict[str, Any]]]:
        by_number = {p.levy["tax_number"]: p for p in batch}
        existing = {
            row["tax_number"]: row
            for row in Levy.objects.filter(jurisdiction=self.jurisdiction, tax_number__in=list(by_number)).values(
                "id", "tax_number", "taxpayer_id", *LEVY_FIELDS, "paid_amount", "penalty_paid",
                "enforcement_cost_paid", "taxpayer__name", "taxpayer__registration_masked")
        } if self.levies_exist else {}
        allocated = self._allocated_tax([row["id"] for row in existing.values()]) if existing else {}
        new: list[ParsedRow] = []
        changed: list[tuple[int, dict[str, Any], str]] = []
        owners: list[dict[str, Any]] = []
        s = self.summary
        for number, parsed in by_number.items():
            lv, tp = parsed.levy, parsed.taxpayer
            stored = existing.get(number)
            if stored is None:
                new.append(parsed)
                s.levies_created += 1
                s.total_penalty += lv["penalty"]
                continue
            values = {f: lv[f] for f in ROLL_LEVY_FIELDS}
            paid = max(stored["paid_amount"], allocated.get(stored["id"], 0))
            if stored["status"] in KEPT_STATUSES:
                # 완납 and 취소 are the office's record, not the roll's; a 완납 levy reopens only when the roll
                # raises its amount above what was paid (then the roll's status applies and the preview says so).
                if not (stored["status"] == Levy.Status.PAID and values["billed_amount"] > paid):
                    values["status"] = stored["status"]
            diffs = [f for f in ROLL_LEVY_FIELDS if stored[f] != values[f] and f != "billed_amount"]
            new_owner = self.taxpayer_ids[tp["hash"]]
            if new_owner != stored["taxpayer_id"]:
                diffs.append("taxpayer_id")
                entry = {
                    "row": parsed.row, "tax_number": number,
                    "from": _identity(stored["taxpayer__name"], stored["taxpayer__registration_masked"]),
                    "to": _identity(tp["name"], crypto.mask_registration_number(tp["digits"])),
                    "paid": paid,
                }
                s.owner_changes_total += 1
                if len(s.owner_changes) < OWNER_CHANGES_KEEP:
                    s.owner_changes.append(entry)
                if not self._owner_change_allowed(number):
                    self.errors.append(RowError(
                        parsed.row, "등록번호",
                        f"과세번호 {number}의 납세자가 바뀝니다: 기록된 납세자 {entry['from']}, 파일의 납세자 "
                        f"{entry['to']}. 다른 사람의 체납으로 옮길 수 없습니다. 납세자를 바로잡는 정정이면 "
                        "확인과 사유를 적어 다시 가져오세요."))
                owners.append(entry)
            if values["billed_amount"] < paid and any(stored[f] != values[f] for f in AMOUNT_FIELDS):
                from jingsu.core.formats import won

                self.errors.append(RowError(
                    parsed.row, "본세",
                    f"과세번호 {number}에는 이미 {won(paid)}이 수납되었습니다: 고지세액 합계를 "
                    f"{won(values['billed_amount'])}으로 낮출 수 없습니다 (수납액보다 적은 감액). 환급이 따르는 "
                    "감액 정정은 납세자 화면의 부과 건에서 '감액 정정'으로 하세요 (미리 보기, 사유, 환급 대상 "
                    "기록)."))
            if not diffs:
                s.levies_unchanged += 1
                s.total_penalty += stored["penalty"]
                continue
            if paid or stored["penalty_paid"] or stored["enforcement_cost_paid"] or stored["status"] in KEPT_STATUSES:
                # money has been booked on it: the penalty stays what the payments were allocated against
                values["penalty"], values["penalty_as_of"] = stored["penalty"], stored["penalty_as_of"]
            else:
                values["penalty"], values["penalty_as_of"] = lv["penalty"], lv["penalty_as_of"]
            s.total_penalty += values["penalty"]
            changed.append((stored["id"], values, tp["hash"]))
            s.levies_updated += 1
            labels = [LEVY_LABELS[f] for f in diffs]
            for label in labels:
                s.levy_fields[label] = s.levy_fields.get(label, 0) + 1
            self._note_change(parsed.row, "부과", number, labels)
        return new, changed, owners

    def _owner_change_allowed(self, number: str) -> bool:
        if not self.allow_owner_change:
            return False
        return self.confirmed_owner_changes is None or number in self.confirmed_owner_changes

    @staticmethod
    def _allocated_tax(levy_ids: list[int]) -> dict[int, int]:
        """Tax allocated to each levy by the payments (what `paid_amount` should say; the larger one counts)."""
        from django.db.models import Sum

        from jingsu.payments.models import Allocation

        rows = (Allocation.objects.filter(levy_id__in=levy_ids, head=Allocation.Head.TAX)
                .values("levy_id").annotate(total=Sum("amount")))
        return {row["levy_id"]: row["total"] or 0 for row in rows}

    # -- write --

    def _write_new_rows(self, batch: NewRows) -> None:
        """A batch of a first import (`new_rows`): number the new taxpayers, then COPY both tables' text."""
        assert self.copy is not None and self.new_rows
        head, tail, ids = self.copy.head, self.copy.tail, self.ordinal_ids
        if batch.taxpayers:
            pks = self.copy.reserve_ids(Taxpayer._meta.db_table, len(batch.taxpayers))
            ids.extend(pks)
            self.copy.write(Taxpayer._meta.db_table, ["id", *TAXPAYER_COPY_COLUMNS],
                            [f"{pk}\t{head}{text}{tail}" for pk, text in zip(pks, batch.taxpayers, strict=True)])
        self.copy.write(Levy._meta.db_table, LEVY_COPY_COLUMNS,
                        [f"{head}{ids[owner]}\t{text}{tail}"
                         for owner, text in zip(batch.owners, batch.levies, strict=True)])
        s = self.summary
        s.taxpayers_created += len(batch.taxpayers)
        s.levies_created += len(batch.levies)
        s.total_penalty += batch.penalty
        self.done += len(batch)

    def _write_taxpayers(self, new: list[dict[str, Any]], changed: list[tuple[int, dict[str, Any]]]) -> None:
        if changed:
            self.taxpayer_updates.add([(*(tp[f] for f in TAXPAYER_FIELDS), self.now, pk) for pk, tp in changed])
        if not new:
            return
        table = Taxpayer._meta.db_table
        columns = TAXPAYER_COPY_COLUMNS
        encrypt, mask = crypto.encrypt, crypto.mask_registration_number
        if self.copy is None:
            rows = [(self.jurisdiction.code, tp["hash"], encrypt(tp["digits"]), mask(tp["digits"]),
                     *(tp[f] for f in TAXPAYER_FIELDS), self.now, self.now) for tp in new]
            insert_rows(table, columns, rows)
            ids = select_by_keys(table, ["registration_hash", "id"], key="registration_hash",
                                 keys=[tp["hash"] for tp in new], where={"jurisdiction_id": self.jurisdiction.code})
            self.taxpayer_ids.update(ids)
            return
        # PostgreSQL: the ids are reserved from the table's sequence first and written with the rows, so no query
        # looks them up again afterwards; the COPY text is formatted here (`_CopyText`), not value by value by
        # psycopg.
        pks = self.copy.reserve_ids(table, len(new))
        head, tail = self.copy.head, self.copy.tail
        self.copy.write(table, ["id", *columns],
                        [f"{pk}\t{head}{_taxpayer_copy(tp)}{tail}" for pk, tp in zip(pks, new, strict=True)])
        self.taxpayer_ids.update(zip((tp["hash"] for tp in new), pks, strict=True))

    def _write_levies(
        self, new: list[ParsedRow], changed: list[tuple[int, dict[str, Any], str]], owners: list[dict[str, Any]]
    ) -> None:
        if changed:
            self.levy_updates.add(
                [(*(values[f] for f in LEVY_FIELDS), self.taxpayer_ids[h], self.now, pk) for pk, values, h in changed])
        for entry in owners:  # each confirmed correction of a levy's taxpayer, with the official's reason
            audit.record("levy.owner_change", actor=self.actor, jurisdiction=self.jurisdiction, target_type="levy",
                         target_id=entry["tax_number"], reason=self.reason,
                         detail={"row": entry["row"], "from": entry["from"], "to": entry["to"], "paid": entry["paid"]},
                         clock=self.clock)
        if not new:
            return
        columns = LEVY_COPY_COLUMNS
        ids = self.taxpayer_ids
        if self.copy is None:
            rows = [(self.jurisdiction.code, ids[p.taxpayer["hash"]], p.levy["tax_number"],
                     *(p.levy[f] for f in LEVY_FIELDS), 0, 0, self.now, self.now) for p in new]
            insert_rows(Levy._meta.db_table, columns, rows)
            return
        head, tail = self.copy.head, self.copy.tail
        self.copy.write(Levy._meta.db_table, columns,
                        [f"{head}{ids[p.taxpayer['hash']]}\t{_levy_copy(p.levy, p.levy['penalty_as_of'].isoformat())}"
                         f"{tail}" for p in new])
