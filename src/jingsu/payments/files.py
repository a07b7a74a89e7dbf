"""Bank and 수납 files: CSV and fixed-width, CP949 (formats in docs/formats/payments.md).

A file is checked as a whole before anything is booked: any malformed line rejects the file, naming the line and
the field, and nothing is written. The same file (same bytes) twice is refused; the same transaction in two files,
or in a file and the bank feed, is one payment (recorded once per source and transaction id).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.db import transaction

from jingsu.clock import SEOUL, Clock
from jingsu.core import audit
from jingsu.core.models import Jurisdiction
from jingsu.korean import josa
from jingsu.levies import numbers
from jingsu.payments.models import Payment, PaymentFile
from jingsu.payments.services import BANK_FEED, record_payment
from jingsu.providers.base import MAX_AMOUNT, MAX_AMOUNT_DIGITS

# A file's `--source`: which institution's transaction ids it carries. A bank file shares its ids with the bank
# feed, so a transaction seen in both is the same payment.
SOURCES = {"bank": BANK_FEED, "wetax": "wetax-file", "counter": "counter-file"}
CHANNELS = {"01": "easy-pay", "02": "e-payment", "03": "virtual-account", "04": "counter"}
CSV_COLUMNS = ["거래번호", "수납일시", "금액", "전자납부번호", "가상계좌", "과세번호", "납부수단"]
# fixed-width data record, widths in bytes of CP949
FIXED_FIELDS: list[tuple[str, int]] = [
    ("구분", 1), ("거래번호", 20), ("수납일시", 14), ("금액", 13), ("전자납부번호", 19), ("가상계좌", 20),
    ("과세번호", 25), ("납부수단", 2), ("예비", 6),
]
RECORD_LENGTH = sum(w for _, w in FIXED_FIELDS)  # 120
# The largest amount one transaction may carry (MAX_AMOUNT): the fixed-width layout's 13 digits, 9,999,999,999,999원,
# in both layouts and in the bank feed. Only ASCII digits count as digits: str.isdigit() also accepts '²' and full-width '１', which int() either
# rejects (a crash) or silently reads.
_ASCII_DIGITS = re.compile(r"[0-9]+")


def ascii_digits(value: str) -> bool:
    """True when `value` is one or more of the ASCII digits 0-9 and nothing else."""
    return bool(_ASCII_DIGITS.fullmatch(value))


def amount_problem(value: str) -> str | None:
    """Why `value` is not an amount in won (Korean, for the official), or None when it is one."""
    if not ascii_digits(value):
        return f"숫자(0-9)로만 쓴 양의 정수(원)여야 합니다 (받은 값 '{value[:20]}')"
    digits = value.lstrip("0")
    if not digits:
        return "0원은 수납 금액이 될 수 없습니다"
    if len(digits) > MAX_AMOUNT_DIGITS:
        return f"최대 {MAX_AMOUNT:,}원({MAX_AMOUNT_DIGITS}자리)을 넘습니다 ({len(digits)}자리)"
    return None


@dataclass(frozen=True)
class Record:
    line: int
    transaction_id: str
    received_at: datetime
    amount: int
    payment_number: str
    virtual_account: str
    tax_number: str
    channel: str


@dataclass
class FileProblem:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.line}행 {self.field}: {self.message}"


class PaymentFileError(Exception):
    """The file is rejected; `problems` lists each bad line and field (Korean)."""

    def __init__(self, message: str, problems: list[FileProblem] | None = None):
        super().__init__(message)
        self.problems = problems or []


@dataclass
class ImportResult:
    file: PaymentFile
    records: int = 0
    new: int = 0
    duplicates: int = 0
    matched: int = 0
    unmatched: int = 0
    amount: int = 0
    unmatched_lines: list[tuple[int, str]] = field(default_factory=list)


#: lines between two calls of a `progress` hook
PROGRESS_EVERY = 5000
Progress = Callable[[int], None]


def parse(data: bytes, layout: str, *, jurisdiction: str | None = None,
          progress: Progress | None = None) -> list[Record]:
    """Parse and check a whole file; raise PaymentFileError listing every problem. With `jurisdiction`, a
    전자납부번호 of another 자치단체 is a problem of its line (the file is booked as that jurisdiction's).
    `progress(lines)` is called every PROGRESS_EVERY lines read."""
    try:
        text = data.decode("cp949")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise PaymentFileError(f"{line}행: CP949(EUC-KR)로 읽을 수 없는 문자가 있습니다.",
                               [FileProblem(line, "인코딩", "CP949(EUC-KR)로 읽을 수 없는 문자")]) from None
    if layout == "csv":
        records, problems = _parse_csv(text, progress)
    elif layout == "fixed":
        records, problems = _parse_fixed(text, progress)
    else:
        raise PaymentFileError(f"지원하지 않는 형식입니다: {layout} (csv, fixed)")
    seen: dict[str, int] = {}
    for r in records:
        if r.transaction_id in seen:
            problems.append(FileProblem(r.line, "거래번호", f"{seen[r.transaction_id]}행과 같은 거래번호입니다"))
        seen.setdefault(r.transaction_id, r.line)
        if jurisdiction and r.payment_number and r.payment_number[:5] != jurisdiction:
            problems.append(FileProblem(r.line, "전자납부번호", f"다른 자치단체({r.payment_number[:5]})의 전자납부번호입니다"
                                                            f" (이 파일은 {jurisdiction}의 수납으로 가져옵니다)"))
    if problems:
        problems.sort(key=lambda p: p.line)
        raise PaymentFileError(
            f"수납 파일에 오류가 {len(problems)}건 있어 아무것도 반영하지 않았습니다. 첫 오류: {problems[0]}", problems)
    if not records:
        raise PaymentFileError("수납 내역이 한 건도 없습니다.")
    return records


def _parse_csv(text: str, progress: Progress | None = None) -> tuple[list[Record], list[FileProblem]]:
    reader = csv.reader(io.StringIO(text))
    rows = list(reader)
    problems: list[FileProblem] = []
    if not rows or [c.strip() for c in rows[0]] != CSV_COLUMNS:
        return [], [FileProblem(1, "머리글", "첫 행은 " + ",".join(CSV_COLUMNS) + " 이어야 합니다")]
    records = []
    for n, row in enumerate(rows[1:], start=2):
        if progress is not None and n % PROGRESS_EVERY == 0:
            progress(n)
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(CSV_COLUMNS):
            problems.append(FileProblem(n, "열 개수", f"{len(CSV_COLUMNS)}개여야 하는데 {len(row)}개입니다"))
            continue
        rec = _record(n, dict(zip(CSV_COLUMNS, (c.strip() for c in row), strict=True)), problems)
        if rec is not None:
            records.append(rec)
    return records, problems


def _parse_fixed(text: str, progress: Progress | None = None) -> tuple[list[Record], list[FileProblem]]:
    lines = text.splitlines()
    problems: list[FileProblem] = []
    records: list[Record] = []
    if not lines or not lines[0].startswith("H"):
        return [], [FileProblem(1, "구분", "첫 행은 머리 레코드(H)여야 합니다")]
    trailer: tuple[int, str] | None = None
    for n, line in enumerate(lines, start=1):
        if progress is not None and n % PROGRESS_EVERY == 0:
            progress(n)
        raw = line.encode("cp949")
        if len(raw) != RECORD_LENGTH:
            problems.append(FileProblem(n, "길이", f"{RECORD_LENGTH}바이트여야 하는데 {len(raw)}바이트입니다"))
            continue
        kind = line[:1]
        if kind == "H":
            if n != 1:
                problems.append(FileProblem(n, "구분", "머리 레코드(H)는 첫 행에만 올 수 있습니다"))
            continue
        if kind == "T":
            trailer = (n, line)
            continue
        if kind != "D":
            problems.append(FileProblem(n, "구분", f"알 수 없는 레코드 구분 '{kind}' (H, D, T)"))
            continue
        if trailer is not None:
            problems.append(FileProblem(n, "구분", "꼬리 레코드(T) 뒤에 자료가 있습니다"))
        values: dict[str, str] = {}
        pos = 0
        for name, width in FIXED_FIELDS:
            values[name] = raw[pos:pos + width].decode("cp949", errors="replace").strip()
            pos += width
        rec = _record(n, values, problems)
        if rec is not None:
            records.append(rec)
    if trailer is None:
        problems.append(FileProblem(len(lines), "꼬리 레코드", "마지막 행에 꼬리 레코드(T)가 없습니다"))
    else:
        n, line = trailer
        count, total = line[1:8], line[8:23]
        if not (ascii_digits(count) and ascii_digits(total)):
            problems.append(FileProblem(n, "꼬리 레코드", "건수(7자리)와 합계금액(15자리)은 숫자여야 합니다"))
        elif not problems:
            if int(count) != len(records):
                problems.append(FileProblem(n, "건수", f"꼬리 레코드 {int(count):,}건, 자료 {len(records):,}건"))
            if int(total) != sum(r.amount for r in records):
                problems.append(FileProblem(
                    n, "합계금액", f"꼬리 레코드 {int(total):,}원, 자료 합계 {sum(r.amount for r in records):,}원"))
    return records, problems


def _record(n: int, v: dict[str, str], problems: list[FileProblem]) -> Record | None:
    before = len(problems)
    tid = v["거래번호"]
    if not tid:
        problems.append(FileProblem(n, "거래번호", "비어 있습니다"))
    received_at = None
    stamp = v["수납일시"].replace("-", "").replace(":", "").replace(" ", "")
    try:
        if len(stamp) != 14 or not ascii_digits(stamp):
            raise ValueError
        received_at = datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=SEOUL)
    except ValueError:
        problems.append(FileProblem(n, "수납일시", f"YYYYMMDDHHMMSS 형식의 날짜가 아닙니다 (받은 값 '{v['수납일시'][:30]}')"))
    amount = 0
    why = amount_problem(v["금액"])
    if why is not None:
        problems.append(FileProblem(n, "금액", why))
    else:
        amount = int(v["금액"])
    pn = v["전자납부번호"]
    if pn and not numbers.is_valid(pn):
        problems.append(FileProblem(n, "전자납부번호", "19자리가 아니거나 검증번호가 맞지 않습니다"))
    va = v["가상계좌"]
    if va and not ascii_digits(va.replace("-", "")):
        problems.append(FileProblem(n, "가상계좌", "숫자와 '-'만 쓸 수 있습니다"))
    if not (pn or va or v["과세번호"]):
        problems.append(FileProblem(n, "전자납부번호", "전자납부번호·가상계좌·과세번호 중 하나는 있어야 합니다"))
    channel = CHANNELS.get(v["납부수단"])
    if channel is None:
        problems.append(FileProblem(n, "납부수단", f"{josa(repr(v['납부수단']), '은')} 01~04가 아닙니다"))
    if len(problems) > before or received_at is None or channel is None:
        return None
    return Record(n, tid, received_at, amount, pn, va.replace("-", ""), v["과세번호"], channel)


def import_payment_file(path: Path, *, jurisdiction: Jurisdiction, layout: str, source: str = "bank", actor: str,
                        clock: Clock, name: str | None = None,
                        progress: Progress | None = None) -> ImportResult:
    """Import a bank/수납 file: all lines booked (each transaction once) or, on any bad line, none. `name` is the
    file's name as the office knows it (default: the path's); `progress(records)` is called every PROGRESS_EVERY
    records booked (inside the one transaction)."""
    if source not in SOURCES:
        raise PaymentFileError(f"--source는 {', '.join(SOURCES)} 중 하나여야 합니다.")
    name = name or path.name
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if PaymentFile.objects.filter(sha256=digest).exists():
        raise PaymentFileError(f"이미 가져온 파일입니다: {name}")
    code = jurisdiction.code
    records = parse(data, layout, jurisdiction=code)
    refuse_conflicts(records, SOURCES[source])
    with transaction.atomic():
        pf = PaymentFile.objects.create(
            jurisdiction=jurisdiction, name=name[:200], sha256=digest, layout=layout, source=source,
            records=len(records), amount=sum(r.amount for r in records), imported_by=actor, imported_at=clock.now())
        result = ImportResult(pf, records=len(records))
        for done, r in enumerate(records, start=1):
            if progress is not None and done % PROGRESS_EVERY == 0:
                progress(done)
            payment, created = record_payment(
                source=SOURCES[source], external_id=r.transaction_id, received_at=r.received_at, amount=r.amount,
                channel=r.channel, payment_number=r.payment_number, virtual_account=r.virtual_account,
                tax_number=r.tax_number, jurisdiction=code, clock=clock, actor=actor)
            if not created:
                # recorded before (another file, the bank feed, or a process racing this import): the same
                # transaction only if it says the same; otherwise the whole file is refused and rolled back
                problems = _conflicts(r, payment)
                if problems:
                    raise PaymentFileError(_conflict_message(problems), problems)
                result.duplicates += 1
                continue
            result.new += 1
            result.amount += r.amount
            if payment.status == Payment.Status.UNMATCHED:
                result.unmatched += 1
                result.unmatched_lines.append((r.line, payment.unmatched_reason))
            else:
                result.matched += 1
        audit.record("payment.file_import", actor=actor, jurisdiction=jurisdiction, target=pf, clock=clock,
                     detail={"records": len(records), "new": result.new, "duplicates": result.duplicates,
                             "unmatched": result.unmatched})
    return result


def _conflicts(r: Record, existing: Payment) -> list[FileProblem]:
    """How a line differs from the payment already recorded under its transaction id (empty: the same)."""
    out = []
    if existing.amount != r.amount:
        out.append(FileProblem(r.line, "금액", f"거래번호 {r.transaction_id}의 수납이 이미 {existing.amount:,}원으로 "
                                             f"기록되어 있는데 이 파일에는 {r.amount:,}원으로 적혀 있습니다"))
    for name, mine, theirs in (("전자납부번호", r.payment_number, existing.payment_number),
                               ("가상계좌", r.virtual_account, existing.virtual_account)):
        if mine and theirs and mine != theirs:
            out.append(FileProblem(r.line, name, f"거래번호 {r.transaction_id}의 수납에 이미 기록된 {josa(name, '과')} 다릅니다"))
    return out


def _conflict_message(problems: list[FileProblem]) -> str:
    return (f"이미 받은 거래와 내용이 다른 행이 {len(problems)}건 있어 아무것도 반영하지 않았습니다. "
            f"첫 오류: {problems[0]}")


def refuse_conflicts(records: list[Record], source: str) -> None:
    """A transaction id already recorded for this source must carry the same amount (and numbers): a second file
    that says 999,999원 for what was received as 1,000원 is refused whole, naming each line."""
    problems: list[FileProblem] = []
    for start in range(0, len(records), 1000):
        chunk = records[start:start + 1000]
        existing = {p.external_id: p for p in Payment.objects.filter(
            source=source, external_id__in=[r.transaction_id for r in chunk])}
        for r in chunk:
            if r.transaction_id in existing:
                problems += _conflicts(r, existing[r.transaction_id])
    if problems:
        raise PaymentFileError(_conflict_message(problems), problems)


def render_fixed(records: list[Record], *, institution: str = "088", on: str = "20261123") -> bytes:
    """Write records in the fixed-width layout (for tests, the demo and the bank's own test files)."""
    out = [("H" + institution.ljust(3) + on.ljust(8)).encode("cp949").ljust(RECORD_LENGTH)]
    for r in records:
        code = next(k for k, v in CHANNELS.items() if v == r.channel)
        fields = [
            ("D", 1), (r.transaction_id, 20), (r.received_at.astimezone(SEOUL).strftime("%Y%m%d%H%M%S"), 14),
            (f"{r.amount:013d}", 13), (r.payment_number, 19), (r.virtual_account, 20), (r.tax_number, 25), (code, 2),
            ("", 6),
        ]
        out.append(b"".join(v.encode("cp949").ljust(w) for v, w in fields))
    total = sum(r.amount for r in records)
    out.append(f"T{len(records):07d}{total:015d}".encode("cp949").ljust(RECORD_LENGTH))
    return b"\r\n".join(out) + b"\r\n"
