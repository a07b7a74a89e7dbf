"""Payments booked exactly once: two dispatchers on one bank feed, the feed's cursor claimed by one process at a
time, the same transaction id with another amount, and amounts that are not plain ASCII digits (issue 12 §4, issue
20 §9). The bank feed is the simulator's, over HTTP; the dispatchers are real `jingsu dispatch` processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from jingsu.core.models import AuditLog, Jurisdiction
from jingsu.core.runtime import runtime
from jingsu.levies import numbers
from jingsu.levies.models import Levy
from jingsu.payments.files import PaymentFileError, import_payment_file
from jingsu.payments.models import Allocation, FeedCursor, Payment
from jingsu.payments.services import BANK_FEED, read_bank_feed
from jingsu.providers.base import BankFeedError
from jingsu.rolls.importer import import_roll

ROLL = Path(__file__).parent.parent / "fixtures" / "roll_small.csv"
LIVE = pytest.mark.django_db(transaction=True, serialized_rollback=True)
POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")


@pytest.fixture
def numbers_by_levy(clock, jungnang):
    import_roll(ROLL, jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    return [numbers.payment_number("11260", lv.tax_item, lv.tax_year, lv.pk) for lv in Levy.objects.order_by("pk")]


def _database_url() -> str:
    """The test database as a URL a child process can open (pytest-django's database, committed data)."""
    s = connection.settings_dict
    if connection.vendor == "postgresql":
        return f"postgresql://{s['USER'] or 'postgres'}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    return f"sqlite:///{Path(s['NAME']).resolve()}"


def _start_dispatcher(sim_url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": _database_url(), "JINGSU_PROVIDER_URL": sim_url,
           "JINGSU_PROVIDER_TIMEOUT": "5"}
    return subprocess.Popen([sys.executable, "-m", "jingsu.cli", "dispatch", "--interval", "0.05", "--no-paper"],
                            env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)


# --- two dispatchers, one bank feed ------------------------------------------------------------------------------


@LIVE
def test_two_dispatchers_on_one_bank_feed_both_stay_alive_and_book_every_payment_once(sim, numbers_by_levy,
                                                                                      tmp_path):
    """Two `jingsu dispatch` loops read the same feed while the bank keeps reporting: bursts of transactions,
    some of them reported twice under the same id. Before the fix one process died with UniqueViolation on
    payment_unique_external (PostgreSQL)."""
    logs = [tmp_path / "dispatch-1.log", tmp_path / "dispatch-2.log"]
    procs = [_start_dispatcher(sim.url, log) for log in logs]
    expected: dict[str, int] = {}
    try:
        for burst in range(12):
            txs = []
            for i in range(40):
                tid = f"TXB{burst:02d}{i:03d}"
                amount = 10 + i
                # half pay a levy by its 전자납부번호, half carry an account no one knows (unmatched queue)
                pn = numbers_by_levy[i % len(numbers_by_levy)] if i % 2 == 0 else None
                va = None if pn else f"99900{burst:02d}{i:05d}"
                txs.append({"transaction_id": tid, "amount": amount, "payment_number": pn, "virtual_account": va,
                            "channel": "e-payment" if pn else "virtual-account"})
                expected[tid] = amount
            txs += [dict(t) for t in txs[:5]]  # the bank reports five of them again
            sim.control.bank_add(txs)
            time.sleep(0.15)
            assert all(p.poll() is None for p in procs), [log.read_text() for log in logs]
        deadline = time.monotonic() + 60
        while Payment.objects.count() < len(expected) and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(0.5)  # another cycle of each: still nothing booked twice, still alive
        alive = [p.poll() is None for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        codes = [p.wait(timeout=30) for p in procs]
    output = [log.read_text() for log in logs]
    assert alive == [True, True], output
    assert codes == [0, 0], output
    assert not any("Traceback" in o or "UniqueViolation" in o for o in output), output
    booked = dict(Payment.objects.filter(source=BANK_FEED).values_list("external_id", "amount"))
    assert booked == expected  # every transaction once, with its amount
    for p in Payment.objects.exclude(status=Payment.Status.UNMATCHED):
        assert sum(a.amount for a in p.allocations.all()) == p.amount
    assert sum(Allocation.objects.values_list("amount", flat=True)) == sum(
        Payment.objects.exclude(status=Payment.Status.UNMATCHED).values_list("amount", flat=True))
    assert FeedCursor.objects.get().position == 12 * 45  # the whole feed read, once


@LIVE
@pytest.mark.skipif(not POSTGRES, reason="SKIP LOCKED is PostgreSQL's; SQLite's IMMEDIATE transactions queue instead")
def test_a_feed_cursor_held_by_another_process_is_skipped_not_read_twice(sim, providers, numbers_by_levy):
    sim.control.bank_add([{"transaction_id": "TXHELD1", "amount": 1_000, "payment_number": numbers_by_levy[0]}])
    read_bank_feed(providers, clock=runtime().clock)  # creates the cursor, books the first
    sim.control.bank_add([{"transaction_id": "TXHELD2", "amount": 2_000, "payment_number": numbers_by_levy[0]}])
    holding, release = threading.Event(), threading.Event()

    def other_dispatcher() -> None:  # its own connection, holding the cursor's row lock mid-page
        try:
            with transaction.atomic():
                FeedCursor.objects.select_for_update().get()
                holding.set()
                release.wait(10)
        finally:
            connection.close()

    t = threading.Thread(target=other_dispatcher)
    t.start()
    assert holding.wait(10)
    try:
        summary = read_bank_feed(providers, clock=runtime().clock)
        assert summary.busy and summary.received == 0
        assert not Payment.objects.filter(external_id="TXHELD2").exists()
    finally:
        release.set()
        t.join()
    summary = read_bank_feed(providers, clock=runtime().clock)
    assert (summary.busy, summary.new) == (False, 1)


# --- the bank feed's amounts and repeated ids ---------------------------------------------------------------------


@LIVE
@pytest.mark.parametrize("amount", ["１０００", "1²", "1" * 30, 10**30, 12.5, True, "-5", 0, None])
def test_a_feed_line_with_an_amount_that_is_not_ascii_digits_in_range_is_not_booked(sim, providers, numbers_by_levy,
                                                                                     amount):
    sim.control.bank_add([{"transaction_id": "TXOK", "amount": 3_000, "payment_number": numbers_by_levy[0]}])
    read_bank_feed(providers, clock=runtime().clock)
    sim.control.bank_add([{"transaction_id": "TXBAD", "amount": amount, "payment_number": numbers_by_levy[0]}])
    with pytest.raises(BankFeedError, match=r"2번 거래\(TXBAD\) 금액: "):
        read_bank_feed(providers, clock=runtime().clock)
    assert list(Payment.objects.values_list("external_id", "amount")) == [("TXOK", 3_000)]
    assert FeedCursor.objects.get().position == 1  # the feed stops before the line, to be read again


@LIVE
def test_dispatch_reports_a_refused_feed_line_and_goes_on(sim, providers, numbers_by_levy, settings, capsys):
    settings.JINGSU_PROVIDER_URL = sim.url
    sim.control.bank_add([{"transaction_id": "TXFW", "amount": "１０００", "payment_number": numbers_by_levy[0]}])
    with pytest.raises(CommandError, match="단계가 1개"):
        call_command("dispatch", "--once", "--no-paper")
    assert "수납 단계 오류: 은행 거래내역 1번 거래(TXFW) 금액: 숫자(0-9)로만" in capsys.readouterr().err
    assert not Payment.objects.exists()


@LIVE
@pytest.mark.parametrize(("line", "field"), [
    ({"payment_number": 1126014240000000017}, "전자납부번호"),  # a number, not a string
    ({"virtual_account": "9" * 21}, "가상계좌"),  # longer than the column: crashed the database
])
def test_a_feed_line_with_references_that_do_not_fit_is_not_booked(sim, providers, numbers_by_levy, line, field):
    sim.control.bank_add([{"transaction_id": "TXREF", "amount": 1_000, **line}])
    with pytest.raises(BankFeedError, match=rf"1번 거래\(TXREF\) {field}: "):
        read_bank_feed(providers, clock=runtime().clock)
    assert not Payment.objects.exists()


@LIVE
def test_a_string_of_ascii_digits_is_an_amount(sim, providers, numbers_by_levy):
    sim.control.bank_add([{"transaction_id": "TXSTR", "amount": "0001000", "payment_number": numbers_by_levy[0]}])
    assert read_bank_feed(providers, clock=runtime().clock).new == 1
    assert Payment.objects.get().amount == 1_000


@LIVE
def test_the_feed_reporting_a_booked_transaction_with_another_amount_changes_nothing(sim, providers,
                                                                                    numbers_by_levy, clock,
                                                                                    tmp_path):
    f = _csv(tmp_path / "bank.csv", [f"TXFILE,20261123100000,1000,{numbers_by_levy[0]},,,02"])
    import_payment_file(f, jurisdiction=Jurisdiction.by_code("11260"), layout="csv", actor="담당자", clock=clock)
    sim.control.bank_add([{"transaction_id": "TXFILE", "amount": 999_999, "payment_number": numbers_by_levy[0]},
                          {"transaction_id": "TXFILE", "amount": 1_000, "payment_number": numbers_by_levy[0]}])
    s = read_bank_feed(providers, clock=clock)
    assert (s.received, s.new, s.conflicts, s.duplicates) == (2, 0, 1, 1)
    assert Payment.objects.get().amount == 1_000
    row = AuditLog.objects.get(action="payment.conflict")
    assert "1,000원으로 기록되어 있는데 은행 거래내역에는 999,999원" in row.reason


# --- bank files ---------------------------------------------------------------------------------------------------


def _csv(path: Path, rows: list[str]) -> Path:
    path.write_bytes(("거래번호,수납일시,금액,전자납부번호,가상계좌,과세번호,납부수단\r\n" + "\r\n".join(rows)).encode("cp949"))
    return path


@pytest.mark.django_db
def test_a_second_file_with_the_same_transaction_and_another_amount_is_refused(clock, numbers_by_levy, tmp_path):
    pn = numbers_by_levy[0]
    first = _csv(tmp_path / "first.csv", [f"D1,20261123100000,1000,{pn},,,02"])
    import_payment_file(first, jurisdiction=Jurisdiction.by_code("11260"), layout="csv", actor="담당자", clock=clock)
    second = _csv(tmp_path / "second.csv", [f"D2,20261123110000,500,{pn},,,02",
                                            f"D1,20261123100000,999999,{pn},,,02"])
    with pytest.raises(PaymentFileError) as e:
        import_payment_file(second, jurisdiction=Jurisdiction.by_code("11260"), layout="csv", actor="담당자", clock=clock)
    assert [(p.line, p.field) for p in e.value.problems] == [(3, "금액")]
    assert "3행 금액: 거래번호 D1의 수납이 이미 1,000원으로 기록되어 있는데 이 파일에는 999,999원으로 적혀 있습니다" in str(
        e.value)
    assert list(Payment.objects.values_list("external_id", "amount")) == [("D1", 1_000)]  # D2 not booked either
    # the same transaction with the same amount is still one payment, counted as already received
    again = _csv(tmp_path / "again.csv", [f"D1,20261123100000,1000,{pn},,,02", f"D3,20261123120000,700,{pn},,,02"])
    r = import_payment_file(again, jurisdiction=Jurisdiction.by_code("11260"), layout="csv", actor="담당자", clock=clock)
    assert (r.new, r.duplicates) == (1, 1)


@pytest.mark.django_db
@pytest.mark.parametrize(("amount", "says"), [
    ("１０００", "숫자(0-9)로만 쓴 양의 정수(원)여야 합니다"),  # full-width digits were booked as 1,000원
    ("1²", "숫자(0-9)로만 쓴 양의 정수(원)여야 합니다"),  # crashed int()
    ("1" * 30, "최대 9,999,999,999,999원(13자리)을 넘습니다"),  # crashed the database (bigint)
    ("10000000000000", "최대 9,999,999,999,999원(13자리)을 넘습니다"),
    ("000", "0원은 수납 금액이 될 수 없습니다"),
])
def test_a_csv_amount_must_be_ascii_digits_within_the_maximum(clock, numbers_by_levy, tmp_path, amount, says):
    f = _csv(tmp_path / "bad.csv", [f"A1,20261123100000,1000,{numbers_by_levy[0]},,,02",
                                    f"A2,20261123100000,{amount},{numbers_by_levy[0]},,,02"])
    with pytest.raises(PaymentFileError) as e:
        import_payment_file(f, jurisdiction=Jurisdiction.by_code("11260"), layout="csv", actor="담당자", clock=clock)
    assert [(p.line, p.field) for p in e.value.problems] == [(3, "금액")]
    assert f"3행 금액: {says}" in str(e.value)
    assert not Payment.objects.exists()


@pytest.mark.django_db
def test_the_largest_amount_is_accepted(clock, numbers_by_levy, tmp_path):
    f = _csv(tmp_path / "big.csv", [f"M1,20261123100000,9999999999999,{numbers_by_levy[0]},,,02"])
    r = import_payment_file(f, jurisdiction=Jurisdiction.by_code("11260"), layout="csv", actor="담당자", clock=clock)
    assert (r.new, r.amount) == (1, 9_999_999_999_999)


@pytest.mark.django_db
def test_fixed_width_fields_take_only_ascii_digits(clock, numbers_by_levy):
    from jingsu.payments.files import RECORD_LENGTH, parse

    def line(text: str) -> bytes:
        return text.encode("cp949").ljust(RECORD_LENGTH)

    pn = numbers_by_levy[0]
    # 금액 is 13 bytes: six full-width digits (two bytes each in CP949) and one ASCII digit; the trailer's total
    # carries '²' (which str.isdigit() accepts and int() refuses)
    data = b"\r\n".join([
        line("H08820261123"),
        b"D" + b"F1".ljust(20) + b"20261123100000" + "１２３４５６".encode("cp949") + b"7" + pn.encode() + b" " * 20
        + b" " * 25 + b"02" + b" " * 6,
        line("T0000001" + "0000000000001²3"),
    ]) + b"\r\n"
    with pytest.raises(PaymentFileError) as e:
        parse(data, "fixed")
    assert {(p.line, p.field) for p in e.value.problems} == {(2, "금액"), (3, "꼬리 레코드")}
