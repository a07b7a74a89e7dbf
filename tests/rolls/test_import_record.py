"""The roll importer keeps identity and money true (issue 12 §2, issue 20 §2–3): a 과세번호 never silently moves to
another taxpayer, the import says what it will do before it writes, amounts never drop below what was paid, payment
state is never overwritten, control characters are refused, and generated rolls of different seeds never collide."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest
from django.core.management import call_command

from jingsu.clock import SEOUL, ManualClock
from jingsu.core.models import AuditLog, Jurisdiction
from jingsu.levies.models import Levy
from jingsu.payments.services import record_payment
from jingsu.rolls.generate import generate_roll
from jingsu.rolls.importer import RollRejected, import_roll
from jingsu.taxpayers.models import Taxpayer

FIXTURES = Path(__file__).parent.parent / "fixtures"
SMALL = FIXTURES / "roll_small.csv"
LINES = SMALL.read_text(encoding="utf-8").splitlines()
HEADER, ROWS = LINES[0], LINES[1:]
FIRST = "11260-14-2024-0000001"  # row 2: 김민준, 본세 120,000 + 24,000 + 16,800 = 160,800원


def write(tmp_path: Path, rows: list[str], name: str = "roll.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def pay(number: str, amount: int, clock, external_id: str = "t1") -> None:
    record_payment(source="test-bank", external_id=external_id, received_at=clock.now(), amount=amount,
                   channel="bank", payment_number="", virtual_account="", tax_number=number, jurisdiction="11260",
                   clock=clock)


def as_lee(row: str) -> str:
    """Row 2 (김민준's 재산세) given to 이서연, who is another taxpayer of the roll."""
    return row.replace("김민준,850101-1234566", "이서연,920315-2345674")


def snapshot() -> list[dict]:
    return list(Levy.objects.order_by("id").values())


@pytest.mark.django_db
def test_a_second_seed_imported_on_top_moves_no_levy(clock, tmp_path):
    """The reproduction of issue 12 §2: seed 1 imported and partly paid, then seed 7 imported on top."""
    one, seven = tmp_path / "one.csv", tmp_path / "seven.csv"
    generate_roll(jurisdiction="11260", taxpayers=300, seed=1, out=one, today=date(2026, 11, 23))
    generate_roll(jurisdiction="11260", taxpayers=300, seed=7, out=seven, today=date(2026, 11, 23))
    first = import_roll(one, jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    paid = list(Levy.objects.order_by("tax_number")[:20])
    for i, levy in enumerate(paid):
        pay(levy.tax_number, levy.billed_amount + levy.penalty, clock, external_id=f"p{i}")
    owners = dict(Levy.objects.values_list("tax_number", "taxpayer_id"))
    second = import_roll(seven, jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    assert second.levies_created == second.rows and second.levies_updated == 0 and second.owner_changes_total == 0
    assert Levy.objects.count() == first.rows + second.rows
    assert {n: t for n, t in Levy.objects.values_list("tax_number", "taxpayer_id") if n in owners} == owners
    assert all(lv.status == Levy.Status.PAID for lv in Levy.objects.filter(pk__in=[p.pk for p in paid]))


@pytest.mark.django_db
def test_a_tax_number_moving_to_another_taxpayer_is_refused_naming_both(clock, tmp_path):
    import_roll(SMALL, jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    pay(FIRST, 50_000, clock)
    before = snapshot()
    with pytest.raises(RollRejected) as info:
        import_roll(write(tmp_path, [as_lee(ROWS[0]), *ROWS[1:]]), jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    [error] = info.value.errors
    assert (error.row, error.column) == (2, "등록번호")
    assert "김*준(850101-1******)" in error.message and "이*연(920315-2******)" in error.message
    assert FIRST in error.message and "850101-1234566" not in error.message
    assert snapshot() == before
    # a preview says the same, and writes nothing either
    with pytest.raises(RollRejected):
        import_roll(write(tmp_path, [as_lee(ROWS[0]), *ROWS[1:]]), jurisdiction=Jurisdiction.by_code("11260"), clock=clock,
                    dry_run=True)
    assert snapshot() == before


@pytest.mark.django_db
def test_a_confirmed_owner_correction_needs_a_reason_and_is_audited(clock, tmp_path):
    import_roll(SMALL, jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    path = write(tmp_path, [as_lee(ROWS[0]), *ROWS[1:]])
    with pytest.raises(RollRejected) as info:
        import_roll(path, jurisdiction=Jurisdiction.by_code("11260"), clock=clock, allow_owner_change=True, owner_change_reason=" ")
    assert "사유" in info.value.errors[0].message
    # confirming another 과세번호 than the one that changes does not cover it
    with pytest.raises(RollRejected):
        import_roll(path, jurisdiction=Jurisdiction.by_code("11260"), clock=clock, allow_owner_change=True,
                    owner_change_reason="등록번호 오기 정정", confirmed_owner_changes={"11260-15-2023-0000002"})
    summary = import_roll(path, jurisdiction=Jurisdiction.by_code("11260"), clock=clock, allow_owner_change=True,
                          owner_change_reason="등록번호 오기 정정 (민원 2026-118)", actor="cli:test")
    assert summary.owner_changes_total == 1 and summary.levy_fields == {"납세자": 1}
    assert Levy.objects.get(tax_number=FIRST).taxpayer.name == "이서연"
    [log] = AuditLog.objects.filter(action="levy.owner_change")
    assert (log.target_id, log.reason, log.actor) == (FIRST, "등록번호 오기 정정 (민원 2026-118)", "cli:test")
    assert log.detail["from"] == "김*준(850101-1******)" and log.detail["to"] == "이*연(920315-2******)"


@pytest.mark.django_db
def test_the_preview_says_new_changed_and_unchanged_and_writes_nothing(clock, tmp_path):
    import_roll(SMALL, jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    before, taxpayers_before = snapshot(), list(Taxpayer.objects.order_by("id").values())
    changed = ROWS[0].replace(",120000,", ",130000,").replace("면목로 100", "면목로 101")
    extra = ROWS[2].replace("11260-14-2022-0000003", "11260-14-2022-0000099")
    path = write(tmp_path, [changed, *ROWS[1:], extra])
    preview = import_roll(path, jurisdiction=Jurisdiction.by_code("11260"), clock=clock, dry_run=True)
    assert preview.dry_run
    assert (preview.levies_created, preview.levies_updated, preview.levies_unchanged) == (1, 1, 4)
    assert preview.levy_fields == {"본세": 1}
    assert (preview.taxpayers_created, preview.taxpayers_updated, preview.taxpayers_unchanged) == (0, 1, 3)
    assert preview.taxpayer_fields == {"주소": 1}
    assert {(c["what"], c["key"], tuple(c["fields"])) for c in preview.changes} == {
        ("부과", FIRST, ("본세",)), ("납세자", "김*준(850101-1******)", ("주소",))}
    assert snapshot() == before and list(Taxpayer.objects.order_by("id").values()) == taxpayers_before
    assert not AuditLog.objects.filter(action="roll.import").exclude(detail__levies_created=5).exists()
    done = import_roll(path, jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    assert (done.levies_created, done.levies_updated, done.levies_unchanged) == (1, 1, 4)
    assert Levy.objects.get(tax_number=FIRST).principal == 130_000
    assert Taxpayer.objects.get(name="김민준").address.endswith("면목로 101")


@pytest.mark.django_db
def test_an_amount_below_what_was_paid_is_refused(clock, tmp_path):
    import_roll(SMALL, jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    pay(FIRST, 100_000, clock)
    before = snapshot()
    lowered = ROWS[0].replace(",120000,24000,16800,", ",60000,12000,8400,")  # 80,400원 < 100,000원 paid
    with pytest.raises(RollRejected) as info:
        import_roll(write(tmp_path, [lowered, *ROWS[1:]]), jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    [error] = info.value.errors
    assert (error.row, error.column) == (2, "본세")
    assert "100,000원이 수납" in error.message and "80,400원으로 낮출 수 없습니다" in error.message
    assert snapshot() == before
    # lowering, but not below what was paid, is a change like any other
    still_above = ROWS[0].replace(",120000,24000,16800,", ",90000,18000,12600,")  # 120,600원
    summary = import_roll(write(tmp_path, [still_above, *ROWS[1:]]), jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    assert summary.levies_updated == 1
    assert Levy.objects.get(tax_number=FIRST).billed_amount == 120_600


@pytest.mark.django_db
def test_reimporting_after_payment_keeps_paid_status_and_penalty(clock, tmp_path):
    """issue 20 §3: the same roll again must not reopen a 완납 levy nor add penalty to it."""
    import_roll(SMALL, jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    levy = Levy.objects.get(tax_number=FIRST)
    pay(FIRST, levy.billed_amount + levy.penalty, clock)
    paid = Levy.objects.get(tax_number=FIRST)
    assert paid.status == Levy.Status.PAID
    later = ManualClock(datetime(2027, 5, 3, 10, 0, tzinfo=SEOUL))  # months later: the law would add penalty
    before = snapshot()
    summary = import_roll(SMALL, jurisdiction=Jurisdiction.by_code("11260"), clock=later)
    assert (summary.levies_updated, summary.levies_unchanged) == (0, 5)
    assert snapshot() == before
    again = Levy.objects.get(tax_number=FIRST)
    assert (again.status, again.penalty, again.penalty_as_of) == (paid.status, paid.penalty, paid.penalty_as_of)
    # a real change of a roll field on a paid levy changes that field only: still 완납, penalty kept
    moved = ROWS[0].replace(",면목동 123-4 주택,", ",면목동 123-5 주택,")
    summary = import_roll(write(tmp_path, [moved, *ROWS[1:]]), jurisdiction=Jurisdiction.by_code("11260"), clock=later)
    assert summary.levy_fields == {"과세대상": 1}
    again = Levy.objects.get(tax_number=FIRST)
    assert (again.status, again.penalty, again.penalty_as_of) == (paid.status, paid.penalty, paid.penalty_as_of)
    assert Levy.objects.open().filter(tax_number=FIRST).count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(("column", "old", "new", "shown"), [
    ("성명", "김민준", "김\x00민준", "NUL"),
    ("주소", "면목로 100", "면목로 \x1b[31m100", "ESC"),
    ("과세대상", "면목동 123-4 주택", "면목동\n123-4 주택", "줄바꿈 LF"),
    ("과세대상", "면목동 123-4 주택", "면목동\r123-4 주택", "줄바꿈 CR"),
    ("기분", "정기2기", "정기\x852기", "U+0085"),
])
def test_control_characters_in_text_are_refused(clock, tmp_path, column, old, new, shown):
    """issue 20 §2: a NUL crashed the PostgreSQL import; ANSI escapes and line breaks have no place in a roll."""
    path = tmp_path / "roll.csv"
    row = ROWS[0].replace(old, new, 1)
    if "\n" in new or "\r" in new:
        row = row.replace(new, f'"{new}"')
    path.write_bytes(("\n".join([HEADER, row, *ROWS[1:]]) + "\n").encode("utf-8"))
    with pytest.raises(RollRejected) as info:
        import_roll(path, jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    [error] = info.value.errors
    assert (error.row, error.column) == (2, column)
    assert f"제어 문자({shown})" in error.message
    assert Levy.objects.count() == 0 and Taxpayer.objects.count() == 0


@pytest.mark.django_db
def test_cli_preview_json_and_owner_change_flags(clock, tmp_path, capsys):
    call_command("import_roll", str(SMALL), jurisdiction="11260", json=True)
    capsys.readouterr()
    path = write(tmp_path, [as_lee(ROWS[0]), *ROWS[1:]])
    with pytest.raises(SystemExit) as exit_:
        call_command("import_roll", str(path), jurisdiction="11260", json=True, dry_run=True)
    assert exit_.value.code == 2
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is False and out["errors"][0]["column"] == "등록번호"
    with pytest.raises(SystemExit):
        call_command("import_roll", str(path), jurisdiction="11260", confirm_owner_change=True)
    assert "사유" in capsys.readouterr().err
    call_command("import_roll", str(path), jurisdiction="11260", json=True, dry_run=True,
                 confirm_owner_change=True, reason="등록번호 오기 정정")
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] and out["dry_run"] and out["owner_changes_total"] == 1
    assert out["levies_unchanged"] == 4 and out["levy_fields"] == {"납세자": 1}
    assert out["owner_changes"][0]["to"] == "이*연(920315-2******)"
    assert Levy.objects.get(tax_number=FIRST).taxpayer.name == "김민준"
    call_command("import_roll", str(path), jurisdiction="11260", confirm_owner_change=True, reason="등록번호 오기 정정")
    text = capsys.readouterr().out
    assert "납세자가 바뀌는 부과 건 1건" in text and "변경 1" in text
    assert Levy.objects.get(tax_number=FIRST).taxpayer.name == "이서연"


@pytest.mark.django_db
def test_cli_validators_takes_one_to_four_and_says_so_in_korean(clock, capsys):
    from django.core.management.base import CommandError

    for bad in ("0", "5", "둘"):
        with pytest.raises(CommandError) as info:
            call_command("import_roll", str(SMALL), "--validators", bad, jurisdiction="11260")
        assert f"검증 프로세스 수는 1부터 4까지의 정수여야 합니다: '{bad}'" in str(info.value)
    assert Levy.objects.count() == 0
    call_command("import_roll", str(SMALL), "--validators", "2", jurisdiction="11260", json=True)
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] and Levy.objects.count() == out["levies_created"] > 0


@pytest.mark.django_db
def test_changes_are_applied_set_based_in_batches(clock, tmp_path):
    """The deferred, set-based update (COPY + UPDATE … FROM per batch on PostgreSQL) over several batches, and an
    import in batches of two whose every levy changes."""
    from django.db import transaction

    from jingsu.core.db import DeferredUpdate

    import_roll(SMALL, jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    ids = list(Levy.objects.order_by("id").values_list("id", flat=True))
    with transaction.atomic():
        update = DeferredUpdate(Levy._meta.db_table, ["object_description", "city_area_tax"], batch=2)
        update.add([(f"물건 {i}", i, pk) for i, pk in enumerate(ids[:3])])
        update.add([(f"물건 {i}", i, pk) for i, pk in enumerate(ids[3:], start=3)])
        update.apply()
    assert list(Levy.objects.order_by("id").values_list("object_description", "city_area_tax")) == [
        (f"물건 {i}", i) for i in range(len(ids))]
    raised = [row.split(",") for row in ROWS]
    for cells in raised:
        cells[14] = str(int(cells[14]) + 10)  # 본세
    summary = import_roll(write(tmp_path, [",".join(c) for c in raised]), jurisdiction=Jurisdiction.by_code("11260"), clock=clock,
                          batch_size=2)
    assert summary.levies_updated == 5
    principals = dict(Levy.objects.values_list("tax_number", "principal"))
    assert principals == {c[1]: int(c[14]) for c in raised}
