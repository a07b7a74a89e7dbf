"""Matching (전자납부번호, 가상계좌, 과세번호), allocation by 지방세징수법 제4조, refunds, the unmatched queue, files."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from jingsu.clock import SEOUL
from jingsu.core.models import AuditLog, Jurisdiction
from jingsu.levies import numbers
from jingsu.levies.models import Levy
from jingsu.payments import accounts
from jingsu.payments.files import PaymentFileError, Record, import_payment_file, parse, render_fixed
from jingsu.payments.models import Allocation, Payment, PaymentFile, Refund, VirtualAccount
from jingsu.payments.services import BANK_FEED, PaymentError, match_by_hand, record_payment
from jingsu.rolls.importer import import_roll

ROLL = Path(__file__).parent.parent / "fixtures" / "roll_small.csv"
PAID_AT = datetime(2026, 11, 23, 14, 0, tzinfo=SEOUL)
A, B = "11260-14-2024-0000001", "11260-15-2023-0000002"  # both 김민준's; A sorts first


@pytest.fixture
def roll(clock, jungnang):
    import_roll(ROLL, jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    return {lv.tax_number: lv for lv in Levy.objects.all()}


def pay(clock, amount, *, tid="T1", pn="", va="", tax_number="", source=BANK_FEED):
    payment, _ = record_payment(source=source, external_id=tid, received_at=PAID_AT, amount=amount,
                                channel="e-payment", payment_number=pn, virtual_account=va, tax_number=tax_number,
                                jurisdiction="11260", clock=clock)
    return payment


def allocations(payment):
    return [(a.levy.tax_number, a.head, a.amount) for a in payment.allocations.select_related("levy").order_by("pk")]


def number_of(levy):
    return numbers.payment_number("11260", levy.tax_item, levy.tax_year, levy.pk)


@pytest.mark.django_db
def test_enforcement_cost_then_tax_then_penalty_within_a_levy(clock, roll):
    a = roll[A]
    Levy.objects.filter(pk=a.pk).update(enforcement_cost=50_000)
    p = pay(clock, 50_000 + a.billed_amount + 10, pn=number_of(a))
    a.refresh_from_db()
    assert p.status == Payment.Status.MATCHED and p.matched_by == "payment_number"
    assert allocations(p) == [(A, "enforcement", 50_000), (A, "tax", a.billed_amount), (A, "penalty", 10)]
    assert (a.enforcement_cost_paid, a.paid_amount, a.penalty_paid) == (50_000, a.billed_amount, 10)
    assert a.penalty > 10 and a.status != Levy.Status.PAID  # the rest of the penalty is still owed


@pytest.mark.django_db
def test_virtual_account_pays_all_taxes_before_any_penalty_earlier_tax_number_first(clock, roll):
    a, b = roll[A], roll[B]
    VirtualAccount.objects.create(jurisdiction_id="11260", bank_code="088", account_number="56012345678901",
                                  imported_at=clock.now())
    assert accounts.assign([a.taxpayer_id], jurisdiction=Jurisdiction.by_code("11260"), clock=clock) == {a.taxpayer_id: "56012345678901"}
    # less than both taxes: A's tax in full, the remainder to B's tax, no penalty
    p = pay(clock, a.billed_amount + 1_000, va="56012345678901")
    assert p.matched_by == "virtual_account"
    assert allocations(p) == [(A, "tax", a.billed_amount), (B, "tax", 1_000)]
    # enough for the rest of B's tax and some penalty: penalties follow in 과세번호 order, A's first
    p2 = pay(clock, b.billed_amount - 1_000 + 500, tid="T2", va="56012345678901")
    assert allocations(p2) == [(B, "tax", b.billed_amount - 1_000), (A, "penalty", 500)]


@pytest.mark.django_db
def test_overpayment_creates_a_refund_and_the_levy_is_paid(clock, roll):
    a = roll[A]
    pay(clock, 10, tid="probe", pn=number_of(a))  # establishes the penalty owed as of the payment date
    a.refresh_from_db()
    owed = a.outstanding_amount
    p = pay(clock, owed + 7_000, tid="T9", pn=number_of(a))
    a.refresh_from_db()
    assert p.status == Payment.Status.OVERPAID and a.status == Levy.Status.PAID
    refund = Refund.objects.get(payment=p)
    assert (refund.amount, refund.taxpayer_id, refund.status) == (7_000, a.taxpayer_id, Refund.Status.PENDING)
    assert allocations(p)[-1] == (A, "refund", 7_000)
    assert sum(x.amount for x in p.allocations.all()) == p.amount


@pytest.mark.django_db
def test_tax_number_match_and_the_unmatched_queue(clock, roll):
    p = pay(clock, 5_000, tax_number=B)
    assert p.matched_by == "tax_number" and allocations(p) == [(B, "tax", 5_000)]
    unknown = numbers.payment_number("11260", "14", 2024, 999_999)  # valid check digit, no such levy
    q = pay(clock, 5_000, tid="T2", pn=unknown)
    assert q.status == Payment.Status.UNMATCHED and "전자납부번호" in q.unmatched_reason
    assert not q.allocations.exists()
    assert AuditLog.objects.filter(action="payment.unmatched", target_id=str(q.pk)).exists()
    r = pay(clock, 5_000, tid="T3", pn=unknown[:-1] + str((int(unknown[-1]) + 1) % 10))  # bad check digit
    assert r.status == Payment.Status.UNMATCHED and "검증번호" in r.unmatched_reason


@pytest.mark.django_db
def test_matching_by_hand_needs_a_reason_and_is_audited(clock, roll):
    unknown = numbers.payment_number("11260", "14", 2024, 999_999)
    q = pay(clock, 5_000, pn=unknown)
    with pytest.raises(PaymentError, match="사유"):
        match_by_hand(q, levy=roll[A], actor="담당자", reason="", clock=clock)
    match_by_hand(q, levy=roll[A], actor="담당자", reason="납세자 전화 확인: 번호 오기", clock=clock)
    q.refresh_from_db()
    assert q.status == Payment.Status.MATCHED and q.matched_by == "manual"
    row = AuditLog.objects.get(action="payment.match_by_hand")
    assert row.actor == "담당자" and "번호 오기" in row.reason
    with pytest.raises(PaymentError, match="이미"):
        match_by_hand(q, levy=roll[A], actor="담당자", reason="두 번째 시도입니다", clock=clock)


@pytest.mark.django_db
def test_the_same_bank_transaction_twice_is_one_payment(clock, roll):
    pn = number_of(roll[A])
    first = pay(clock, 1_000, tid="SAME", pn=pn)
    again, created = record_payment(source=BANK_FEED, external_id="SAME", received_at=PAID_AT, amount=1_000,
                                    channel="e-payment", payment_number=pn, virtual_account="", tax_number="",
                                    jurisdiction="11260", clock=clock)
    assert not created and again.pk == first.pk
    assert Allocation.objects.filter(payment=first).count() == 1


def _csv(path: Path, rows: list[str]) -> Path:
    path.write_bytes(("거래번호,수납일시,금액,전자납부번호,가상계좌,과세번호,납부수단\r\n" + "\r\n".join(rows)).encode("cp949"))
    return path


@pytest.mark.django_db
def test_csv_file_is_booked_whole_once(clock, roll, tmp_path):
    pn = number_of(roll[A])
    f = _csv(tmp_path / "수납.csv", [f"F1,20261123100000,1000,{pn},,,02", f"F2,2026-11-23 10:05:00,2000,,,{B},04",
                                     "F3,20261123101000,3000,,,없는과세번호,04"])
    r = import_payment_file(f, jurisdiction=Jurisdiction.by_code("11260"), layout="csv", actor="담당자", clock=clock)
    assert (r.records, r.new, r.matched, r.unmatched, r.amount) == (3, 3, 2, 1, 6_000)
    assert r.unmatched_lines == [(4, "과세번호에 해당하는 부과 건이 없습니다.")]
    with pytest.raises(PaymentFileError, match="이미 가져온 파일"):
        import_payment_file(f, jurisdiction=Jurisdiction.by_code("11260"), layout="csv", actor="담당자", clock=clock)
    # the same transactions in another file (another bank batch) are not booked again
    g = _csv(tmp_path / "again.csv", [f"F1,20261123100000,1000,{pn},,,02", f"F4,20261123110000,500,{pn},,,02"])
    r2 = import_payment_file(g, jurisdiction=Jurisdiction.by_code("11260"), layout="csv", actor="담당자", clock=clock)
    assert (r2.new, r2.duplicates) == (1, 1)


@pytest.mark.django_db
def test_a_malformed_line_rejects_the_file_naming_line_and_field(clock, roll, tmp_path):
    pn = number_of(roll[A])
    f = _csv(tmp_path / "bad.csv", [f"B1,20261123100000,1000,{pn},,,02", f"B2,20261123100000,천원,{pn},,,02",
                                    "B3,20261340100000,100,,,,02"])
    with pytest.raises(PaymentFileError) as e:
        import_payment_file(f, jurisdiction=Jurisdiction.by_code("11260"), layout="csv", actor="담당자", clock=clock)
    found = {(p.line, p.field) for p in e.value.problems}
    assert {(3, "금액"), (4, "수납일시"), (4, "전자납부번호")} <= found
    assert "3행 금액" in str(e.value)
    assert not Payment.objects.exists() and not PaymentFile.objects.exists()


@pytest.mark.django_db
def test_fixed_width_cp949_round_trip_and_trailer_checks(clock, roll, tmp_path):
    pn = number_of(roll[A])
    recs = [Record(0, "X1", PAID_AT, 1_230, pn, "", "", "easy-pay"), Record(0, "X2", PAID_AT, 4_560, "", "", B, "counter")]
    data = render_fixed(recs)
    assert all(len(line) == 120 for line in data.split(b"\r\n") if line)
    parsed = parse(data, "fixed")
    assert [(r.line, r.transaction_id, r.amount, r.channel) for r in parsed] == [
        (2, "X1", 1_230, "easy-pay"), (3, "X2", 4_560, "counter")]
    bad_total = data.replace(f"T{2:07d}{5_790:015d}".encode(), f"T{2:07d}{5_791:015d}".encode())
    with pytest.raises(PaymentFileError, match="4행 합계금액"):
        parse(bad_total, "fixed")
    short = data.replace(b"X2" + b" " * 18, b"X2" + b" " * 17, 1)
    with pytest.raises(PaymentFileError, match="3행 길이"):
        parse(short, "fixed")
    f = tmp_path / "fixed.dat"
    f.write_bytes(data)
    r = import_payment_file(f, jurisdiction=Jurisdiction.by_code("11260"), layout="fixed", actor="담당자", clock=clock)
    assert (r.new, r.matched) == (2, 2)


@pytest.mark.django_db
def test_virtual_account_pool_import_and_assignment(clock, roll, tmp_path):
    good = tmp_path / "pool.csv"
    good.write_text("은행코드,가상계좌번호\n088,56000000000001\n088,560-0000-0000002\n", encoding="utf-8")
    assert accounts.import_pool(good, jurisdiction=Jurisdiction.by_code("11260"), actor="관리자", clock=clock) == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("은행코드,가상계좌번호\n88,56000000000003\n088,56000000000001\n", encoding="utf-8")
    with pytest.raises(PaymentFileError) as e:
        accounts.import_pool(bad, jurisdiction=Jurisdiction.by_code("11260"), actor="관리자", clock=clock)
    assert {(p.line, p.field) for p in e.value.problems} == {(2, "은행코드"), (3, "가상계좌번호")}
    assert VirtualAccount.objects.count() == 2
    ids = sorted({lv.taxpayer_id for lv in roll.values()})
    first = accounts.assign(ids, jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    assert len(first) == 2 and len(set(first.values())) == 2  # the pool ran dry after two taxpayers
    assert accounts.assign(ids, jurisdiction=Jurisdiction.by_code("11260"), clock=clock) == first  # an account stays with its taxpayer


@pytest.mark.django_db
def test_cli_names_the_line_of_a_bad_file(clock, roll, tmp_path, capsys):
    f = _csv(tmp_path / "bad.csv", ["C1,20261123100000,-5,,,x,02"])
    with pytest.raises(CommandError, match="2행 금액"):
        call_command("import_payments", str(f), "--jurisdiction", "11260", "--format", "csv")
    assert not Payment.objects.exists()


@pytest.mark.django_db
def test_undoing_a_match_by_hand_cancels_its_pending_refund_and_is_refused_once_the_refund_was_told(clock, roll):
    from jingsu.payments.services import unmatch_by_hand

    a = roll[A]
    p = pay(clock, a.billed_amount * 3, tid="T-over", tax_number="")  # no reference: unmatched
    assert p.status == Payment.Status.UNMATCHED
    match_by_hand(p, levy=a, actor="clerk", reason="통화로 확인한 과세번호", clock=clock)
    refund = Refund.objects.get(payment=p)
    with pytest.raises(PaymentError, match="5자 이상"):
        unmatch_by_hand(p, actor="clerk", reason="짧음", clock=clock)
    unmatch_by_hand(p, actor="clerk", reason="다른 납세자의 입금이었음", clock=clock)
    refund.refresh_from_db()
    a.refresh_from_db()
    assert refund.status == Refund.Status.CANCELLED
    assert (a.paid_amount, a.penalty_paid, a.status) == (0, 0, Levy.Status.NORMAL)
    assert sum(x.amount for x in p.allocations.all()) == 0
    assert {(x.head, x.amount) for x in p.allocations.all() if x.amount < 0} == {
        (x.head, -x.amount) for x in p.allocations.all() if x.amount > 0}
    # matched again, its refund told to the taxpayer: undoing is refused, nothing changes
    p.refresh_from_db()
    match_by_hand(p, levy=a, actor="clerk", reason="다시 확인한 과세번호", clock=clock)
    Refund.objects.filter(payment=p, status=Refund.Status.PENDING).update(status=Refund.Status.NOTIFIED)
    p.refresh_from_db()
    with pytest.raises(PaymentError):
        unmatch_by_hand(p, actor="clerk", reason="다른 납세자의 입금이었음", clock=clock)
    p.refresh_from_db()
    assert p.status == Payment.Status.OVERPAID
