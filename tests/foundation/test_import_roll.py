"""Roll import: known totals, all-or-nothing validation, idempotency, encodings, XLSX, bad input."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command

from jingsu.core.models import AuditLog, Jurisdiction
from jingsu.levies.models import Levy
from jingsu.rolls.importer import RollRejected, import_roll
from jingsu.taxpayers.models import Taxpayer

FIXTURES = Path(__file__).parent.parent / "fixtures"
SMALL = FIXTURES / "roll_small.csv"
HEADER = SMALL.read_text(encoding="utf-8").splitlines()[0]
GOOD_ROW = SMALL.read_text(encoding="utf-8").splitlines()[1]

# Hand-computed from tests/fixtures/roll_small.csv (본세 + 지방교육세 + 도시지역분 per row):
# 160,800 + 260,000 + 643,200 + 1,250,000 + 40,000
TOTAL_TAX = 2_354_000


def write(tmp_path: Path, rows: list[str], name: str = "roll.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding=encoding)
    return path


@pytest.mark.django_db
def test_fixture_imports_with_known_totals(clock):
    summary = import_roll(SMALL, jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    assert (summary.rows, summary.taxpayers, summary.levies_created) == (5, 4, 5)
    assert summary.total_tax == TOTAL_TAX
    assert Levy.objects.count() == 5
    assert Taxpayer.objects.count() == 4
    kim = Taxpayer.objects.get(name="김민준")
    assert kim.registration_masked == "850101-1******"
    assert kim.mobile == "01012345678"
    assert kim.levies.count() == 2
    corp = Taxpayer.objects.get(kind=Taxpayer.Kind.CORPORATION)
    assert corp.registration_masked == "123-45-*****"
    levy = Levy.objects.get(tax_number="11260-14-2024-0000001")
    # 납세의무성립일 defaulted from the 세목 (재산세: 6월 1일), 납부기한 defaulted to 납기
    assert levy.liability_date == date(2024, 6, 1)
    assert levy.due_date == date(2024, 9, 30)
    assert levy.billed_amount == 160_800
    # Regime B (성립 2024-06-01): 3% once, nothing monthly below 45만 원 per 세목:
    # 재산세+도시지역분 136,800 × 3% = 4,104 → 4,100; 지방교육세 24,000 × 3% = 720
    assert levy.penalty == 4_820
    car = Levy.objects.get(tax_number="11260-15-2023-0000002")
    # Regime A (성립 2023-06-01): 가산금 3% once; no 중가산금 below 30만 원 per 세목:
    # 200,000 × 3% = 6,000; 60,000 × 3% = 1,800
    assert car.penalty == 7_800
    # 징수유예: no penalty is computed during a deferral (see levies/penalties.py)
    assert Levy.objects.get(tax_number="11260-16-2024-0000004").penalty == 0
    # 과태료 (질서위반행위규제법 제24조): due 2025-04-15; 3% = 1,200; month n counts from 5.16, 6.16, …;
    # by 2026-11-23 19 months × (40,000 × 1.2% = 480) = 9,120; total 10,320
    assert Levy.objects.get(tax_number="11260-41-2025-0000005").penalty == 10_320
    assert summary.total_penalty == sum(Levy.objects.values_list("penalty", flat=True))
    assert AuditLog.objects.filter(action="roll.import").count() == 1


@pytest.mark.django_db
def test_same_file_twice_changes_nothing(clock):
    import_roll(SMALL, jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    before = list(Levy.objects.order_by("id").values())
    taxpayers_before = list(Taxpayer.objects.order_by("id").values())
    second = import_roll(SMALL, jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    assert (second.levies_created, second.levies_updated, second.levies_unchanged) == (0, 0, 5)
    assert (second.taxpayers_created, second.taxpayers_updated) == (0, 0)
    assert list(Levy.objects.order_by("id").values()) == before
    assert list(Taxpayer.objects.order_by("id").values()) == taxpayers_before


@pytest.mark.django_db
def test_changed_amount_updates_only_that_levy(clock, tmp_path):
    import_roll(SMALL, jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    lines = SMALL.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(",120000,24000,16800,", ",100000,20000,14000,")
    changed = tmp_path / "changed.csv"
    changed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = import_roll(changed, jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    assert (summary.levies_updated, summary.levies_unchanged) == (1, 4)
    assert Levy.objects.get(tax_number="11260-14-2024-0000001").billed_amount == 134_000


@pytest.mark.django_db
def test_cp949_is_detected(clock):
    summary = import_roll(FIXTURES / "roll_small_cp949.csv", jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    assert summary.encoding == "cp949"
    assert summary.total_tax == TOTAL_TAX
    assert Taxpayer.objects.filter(name="김민준").exists()


@pytest.mark.django_db
def test_xlsx_imports_the_same(clock, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    import csv

    with SMALL.open(encoding="utf-8") as fh:
        for i, row in enumerate(csv.reader(fh)):
            if i > 0:
                # numbers as numbers, as a spreadsheet would store them
                row = [int(c) if c.isdigit() and len(c) < 10 and not c.startswith("0") else c for c in row]
            ws.append(row)
    path = tmp_path / "roll.xlsx"
    wb.save(path)
    summary = import_roll(path, jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    assert (summary.rows, summary.taxpayers, summary.total_tax) == (5, 4, TOTAL_TAX)


def _rejected(path: Path, clock, jurisdiction: str = "11260", encoding: str | None = None) -> RollRejected:
    with pytest.raises(RollRejected) as info:
        import_roll(path, jurisdiction=Jurisdiction.by_code(jurisdiction), clock=clock, encoding=encoding)
    assert Levy.objects.count() == 0 and Taxpayer.objects.count() == 0, "nothing may be written"
    return info.value


@pytest.mark.django_db
def test_every_bad_row_is_reported_and_nothing_written(clock, tmp_path):
    bad = [
        GOOD_ROW,
        GOOD_ROW.replace("11260-14-2024-0000001", "11260-14-2024-0000009").replace("850101-1234566", "850101-1234567"),
        GOOD_ROW.replace("11260-14-2024-0000001", "11260-14-2024-0000010").replace(",120000,", ",-5,"),
        GOOD_ROW.replace("11260-14-2024-0000001", "11260-14-2024-0000011").replace(",2024-09-30,", ",2023-02-29,"),
        GOOD_ROW.replace("11260-14-2024-0000001", "11260-14-2024-0000012").replace(",14,2024,", ",99,2024,"),
        GOOD_ROW,  # duplicate 과세번호 of row 2
        GOOD_ROW.replace("11260-14-2024-0000001", "11260-14-2024-0000013").replace(",김민준,", ",,"),
        GOOD_ROW.replace("11260-14-2024-0000001", "11260-14-2024-0000014").replace("11260,", "11350,", 1),
    ]
    errors = _rejected(write(tmp_path, bad), clock).errors
    found = {(e.row, e.column) for e in errors}
    assert (3, "등록번호") in found
    assert (4, "본세") in found
    assert (5, "납기") in found
    assert (6, "세목코드") in found
    assert (7, "과세번호") in found
    assert (8, "성명") in found
    assert (9, "자치단체코드") in found
    assert (2, "등록번호") not in found
    text = "\n".join(e.text() for e in errors)
    assert "850101-1234567" not in text, "registration numbers must be masked in reports"
    assert "2행과 같음" in text


@pytest.mark.django_db
def test_file_level_problems(clock, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert "비어" in _rejected(empty, clock).errors[0].message
    header_only = write(tmp_path, [], name="header.csv")
    assert "데이터 행이 없습니다" in _rejected(header_only, clock).errors[0].message
    garbage = tmp_path / "bad.xlsx"
    garbage.write_bytes(b"not a zip file at all")
    assert "XLSX" in _rejected(garbage, clock).errors[0].message
    wrong_header = tmp_path / "wrong.csv"
    wrong_header.write_text(HEADER.replace("본세", "본 세") + "\n" + GOOD_ROW + "\n", encoding="utf-8")
    message = _rejected(wrong_header, clock).errors[0].message
    assert "'본 세'" in message and "'본세'" in message
    assert "찾을 수 없습니다" in _rejected(tmp_path / "missing.csv", clock).errors[0].message


@pytest.mark.django_db
def test_wrong_encoding_is_a_clear_error(clock):
    error = _rejected(FIXTURES / "roll_small_cp949.csv", clock, encoding="utf-8").errors[0]
    assert "UTF-8" in error.message and "인코딩" in error.message


@pytest.mark.django_db
def test_registration_numbers_are_not_in_the_database_in_plaintext(clock):
    from django.db import connection

    import_roll(SMALL, jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM taxpayers_taxpayer")
        raw = repr(cursor.fetchall())
        cursor.execute("SELECT * FROM core_auditlog")
        raw += repr(cursor.fetchall())
    for number in ("8501011234566", "850101-1234566", "9203152345674", "8808085123456", "1234567891"):
        assert number not in raw
    # and the encrypted value decrypts back, through the audited service only
    from jingsu.taxpayers.services import reveal_registration_number

    kim = Taxpayer.objects.get(name="김민준")
    assert reveal_registration_number(kim, actor="tester", reason="본인 확인 민원", clock=clock) == "8501011234566"
    assert AuditLog.objects.filter(action="taxpayer.reveal_registration_number", reason="본인 확인 민원").exists()


@pytest.mark.django_db
def test_cli_json_and_exit_code(tmp_path, capsys):
    bad = write(tmp_path, [GOOD_ROW.replace(",120000,", ",12.5,")])
    with pytest.raises(SystemExit) as info:
        call_command("import_roll", str(bad), "--jurisdiction", "11260", "--json")
    assert info.value.code == 2
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    assert report["errors"][0]["row"] == 2 and report["errors"][0]["column"] == "본세"
    call_command("import_roll", str(SMALL), "--jurisdiction", "11260", "--json")
    ok = json.loads(capsys.readouterr().out)
    assert ok["ok"] is True and ok["rows"] == 5 and ok["total_tax"] == TOTAL_TAX


@pytest.mark.django_db
def test_generated_roll_imports_cleanly(clock, tmp_path):
    from jingsu.rolls.generate import generate_roll

    path = tmp_path / "gen.csv"
    gen = generate_roll(jurisdiction="11260", taxpayers=300, seed=7, out=path, today=date(2026, 11, 23))
    summary = import_roll(path, jurisdiction=Jurisdiction.by_code("11260"), clock=clock)
    assert summary.rows == gen.rows
    assert summary.taxpayers == gen.taxpayers == 300
    assert summary.total_tax == gen.total_arrears
    shutil.rmtree(tmp_path, ignore_errors=True)


@pytest.mark.django_db
def test_an_unknown_jurisdiction_is_refused_at_the_command_line(clock, capsys):
    """The import takes a jurisdiction; the command line turns the code into one and refuses a code it does not
    know, as the importer did before it took the model (nothing written, exit 2, the message names the code)."""
    from django.core.management import call_command

    with pytest.raises(SystemExit) as exited:
        call_command("import_roll", str(SMALL), "--jurisdiction", "99999")
    assert exited.value.code == 2
    assert "알 수 없는 자치단체코드입니다: '99999'" in capsys.readouterr().err
    assert Levy.objects.count() == 0 and Taxpayer.objects.count() == 0
