"""가상계좌: the pool the bank issues to the jurisdiction, and one account per taxpayer drawn from it.

The pool file (CSV, UTF-8 or CP949) has the columns 은행코드,가상계좌번호 — one line per account. An account, once
assigned, stays with its taxpayer (a payment to it is matched to that taxpayer's outstanding levies).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from django.db import IntegrityError, transaction

from jingsu.clock import Clock
from jingsu.core import audit
from jingsu.core.models import Jurisdiction
from jingsu.korean import josa
from jingsu.payments.files import FileProblem, PaymentFileError
from jingsu.payments.models import VirtualAccount


def import_pool(path: Path, *, jurisdiction: Jurisdiction, actor: str, clock: Clock) -> int:
    """Add the accounts of a pool file; all or nothing. Accounts already in the pool are an error (named)."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp949", errors="strict")
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or [c.strip() for c in rows[0]] != ["은행코드", "가상계좌번호"]:
        raise PaymentFileError("1행 머리글: 은행코드,가상계좌번호 이어야 합니다.", [FileProblem(1, "머리글", "은행코드,가상계좌번호")])
    problems: list[FileProblem] = []
    accounts: list[tuple[int, str, str]] = []
    seen: set[str] = set()
    for n, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) != 2:
            problems.append(FileProblem(n, "열 개수", f"2개여야 하는데 {len(row)}개입니다"))
            continue
        bank, number = row[0].strip(), row[1].strip().replace("-", "")
        if not (len(bank) == 3 and bank.isdigit()):
            problems.append(FileProblem(n, "은행코드", f"{josa(repr(bank), '은')} 3자리 숫자가 아닙니다"))
        if not (10 <= len(number) <= 20 and number.isdigit()):
            problems.append(FileProblem(n, "가상계좌번호", "10~20자리 숫자여야 합니다"))
        elif number in seen:
            problems.append(FileProblem(n, "가상계좌번호", "파일 안에서 중복됩니다"))
        seen.add(number)
        accounts.append((n, bank, number))
    existing = set(VirtualAccount.objects.filter(account_number__in=seen).values_list("account_number", flat=True))
    problems += [FileProblem(n, "가상계좌번호", "이미 등록된 계좌입니다") for n, _, num in accounts if num in existing]
    if problems:
        problems.sort(key=lambda p: p.line)
        raise PaymentFileError(f"가상계좌 파일에 오류가 {len(problems)}건 있어 아무것도 등록하지 않았습니다. "
                               f"첫 오류: {problems[0]}", problems)
    now = clock.now()
    with transaction.atomic():
        VirtualAccount.objects.bulk_create([
            VirtualAccount(jurisdiction=jurisdiction, bank_code=bank, account_number=num, imported_at=now)
            for _, bank, num in accounts
        ], batch_size=5000)
        audit.record("virtual_account.import", actor=actor, jurisdiction=jurisdiction, clock=clock,
                     target_type="VirtualAccount", detail={"accounts": len(accounts), "file": path.name})
    return len(accounts)


def assign(taxpayer_ids: list[int], *, jurisdiction: Jurisdiction, clock: Clock) -> dict[int, str]:
    """The account of each taxpayer, drawing free accounts from the pool for those without one.

    Taxpayers left without an account when the pool runs dry are simply absent from the result (they pay with the
    전자납부번호); the caller may warn.
    """
    out = dict(VirtualAccount.objects.filter(taxpayer_id__in=taxpayer_ids)
               .values_list("taxpayer_id", "account_number"))
    missing = [t for t in taxpayer_ids if t not in out]
    if not missing:
        return out
    now = clock.now()
    for _ in range(3):  # another process may take the same free accounts: retry with fresh ones
        try:
            with transaction.atomic():
                free = list(VirtualAccount.objects.select_for_update(skip_locked=True)
                            .filter(jurisdiction=jurisdiction, taxpayer__isnull=True)
                            .order_by("pk")[:len(missing)])
                for account, taxpayer_id in zip(free, missing, strict=False):
                    account.taxpayer_id = taxpayer_id
                    account.assigned_at = now
                VirtualAccount.objects.bulk_update(free, ["taxpayer", "assigned_at"], batch_size=2000)
                out.update({a.taxpayer_id: a.account_number for a in free if a.taxpayer_id is not None})
                return out
        except IntegrityError:
            out.update(dict(VirtualAccount.objects.filter(taxpayer_id__in=missing)
                            .values_list("taxpayer_id", "account_number")))
            missing = [t for t in taxpayer_ids if t not in out]
    return out
