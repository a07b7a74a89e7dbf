"""`jingsu enforcement worklist`: the Korean table, the JSON contract (docs/enforcement.md), the XLSX, and bad input
named in Korean with a non-zero exit."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command, load_command_class
from openpyxl import load_workbook

YDP = "11560"
AS_OF = "2026-11-01"


@pytest.fixture
def record(make_taxpayer, make_levy):
    tp = make_taxpayer("김민준", dong="당산동")
    make_levy(tp, due=date(2025, 10, 31), principal=6_000_000)
    car = make_taxpayer("이서연", dong="여의도동")
    make_levy(car, due=date(2026, 6, 30), principal=300_000, tax_item="15", vehicle="12가3456")
    return tp, car


def _run(capsys, *args: str) -> str:
    call_command("enforcement", "worklist", "--jurisdiction", YDP, *args)
    return capsys.readouterr().out


@pytest.mark.django_db
def test_the_json_contract(record, capsys):
    tp, car = record
    data = json.loads(_run(capsys, "--as-of", AS_OF, "--within", "10", "--json"))
    assert data["schema"] == "jingsu.enforcement.worklist/1"
    assert data["jurisdiction"] == YDP and data["as_of"] == AS_OF and data["within_days"] == 10
    assert data["horizon"] == "2026-11-11" and data["taxpayers"] == 2 and data["cases"] == []
    assert list(data["measures"]) == ["license_refusal", "license_suspension", "exit_ban", "credit_report",
                                      "disclosure", "plate_impound", "seizure"]
    credit = data["measures"]["credit_report"]
    assert credit["name"] == "체납자료(신용정보) 제공" and credit["basis"].startswith("지방세징수법 제9조")
    (row,) = credit["qualifying"]
    assert row["taxpayer_id"] == tp.pk and row["name"] == "김*준"  # the command has no role: masked
    assert row["arrears"] > 6_000_000 and row["count"] == 1 and row["oldest_arrears_date"] == "2025-11-01"
    assert row["tax_items"] == ["14"] and row["dong"] == "당산동" and row["status"] == "qualifying"
    assert row["reasons"] == [] and row["finding"] is None and "제9조" in row["next_step"]
    assert data["measures"]["exit_ban"]["finding"].startswith("시행령 제15조①")
    filtered = json.loads(_run(capsys, "--as-of", AS_OF, "--json", "--tax-item", "15", "--dong", "여의도동"))
    assert filtered["taxpayers"] == 1 and filtered["filters"]["tax_item"] == "15"
    assert [r["taxpayer_id"] for r in filtered["measures"]["license_refusal"]["qualifying"]] == [car.pk]


@pytest.mark.django_db
def test_the_korean_table(record, capsys):
    out = _run(capsys, "--as-of", AS_OF)
    assert "체납처분 대상 — 자치단체 11560, 기준일 2026. 11. 1." in out
    assert "■ 체납자료(신용정보) 제공" in out and "김*준" in out and "김민준" not in out
    assert "확인 필요: " in out or "확인 필요 0명" in out


@pytest.mark.django_db
def test_the_xlsx(record, capsys, tmp_path):
    path = tmp_path / "wl.xlsx"
    call_command("enforcement", "worklist", "--jurisdiction", YDP, "--as-of", AS_OF, "--xlsx", str(path))
    wb = load_workbook(path)
    assert "체납자료(신용정보) 제공" in wb.sheetnames and "내려받기 정보" in wb.sheetnames
    ws = wb["체납자료(신용정보) 제공"]
    header = [c.value for c in ws[1]]
    assert header[:4] == ["구분", "납세자 번호", "성명", "체납액"]
    assert [c.value for c in ws[2]][:3] == ["대상", str(record[0].pk), "김*준"]


@pytest.mark.django_db
@pytest.mark.parametrize(("args", "message"), [
    (["--jurisdiction", "99999", "--as-of", AS_OF], "--jurisdiction: 자치단체 코드 99999를 찾을 수 없습니다"),
    (["--jurisdiction", YDP, "--as-of", "2026-13-01"], "--as-of: 날짜가 올바르지 않습니다"),
    (["--jurisdiction", YDP, "--as-of", "2026-11-24"], "--as-of: 기준일(2026. 11. 24.)이 오늘(2026. 11. 23.)보다 뒤입니다"),
    (["--jurisdiction", YDP], "--as-of: 기준일이 필요합니다"),
    (["--as-of", AS_OF], "--jurisdiction: 자치단체 코드가 필요합니다"),
    (["--jurisdiction", YDP, "--as-of", AS_OF, "--within", "-3"], "--within: 기간(일)은 0 이상의 정수입니다"),
    (["--jurisdiction", YDP, "--as-of", AS_OF, "--min-amount", "백만"], "--min-amount: 금액은"),
    (["--jurisdiction", YDP, "--as-of", AS_OF, "--tax-item", "99"], "--tax-item: 알 수 없는 세목 코드입니다"),
])
def test_bad_input_names_the_parameter_in_korean(args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call_command("enforcement", "worklist", *args)


@pytest.mark.django_db
def test_bad_input_exits_non_zero(capsys):
    # the command as the console script runs it (argv → CommandError → exit status), without `jingsu.cli.main`'s
    # django.setup(): that would configure logging again onto pytest's captured stderr, closed after this test
    command = load_command_class("jingsu.ops", "enforcement")
    with pytest.raises(SystemExit) as e:
        command.run_from_argv(["jingsu", "enforcement", "worklist", "--jurisdiction", YDP, "--as-of", "2027-01-01"])
    assert e.value.code != 0
    assert "--as-of: 기준일(2027. 1. 1.)이 오늘(2026. 11. 23.)보다 뒤입니다" in capsys.readouterr().err
