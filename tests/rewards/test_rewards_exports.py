"""Formula injection (issue 20 §2): hostile names and addresses in the reward ledger, the claim form and the transfer
file come out as text, never as formulas."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from test_rewards_payment import DAY, decide, paid_case  # noqa: F401  (fixture)

from jingsu.core.models import Jurisdiction
from jingsu.rewards import documents, services

YDP = "11560"
pytestmark = pytest.mark.django_db
CMD = "=cmd|' /C calc'!A0"
LINK = '=HYPERLINK("http://evil.example/x","열기")'


def cells(ws):
    return [c for row in ws.iter_rows() for c in row if c.value is not None]


def assert_no_formula(ws):
    for c in cells(ws):
        assert c.data_type in ("s", "n", "d"), (c.coordinate, c.value, c.data_type)
        if isinstance(c.value, str):
            assert not c.value.startswith(("=", "+", "-", "@", "\t", "\r")), (c.coordinate, c.value)


def test_ledger_xlsx_writes_hostile_names_and_addresses_as_text(make_levy, pay, official, clock):
    levy = make_levy(name=CMD)
    levy.taxpayer.address = LINK + " 1 2 3"
    levy.taxpayer.save(update_fields=["address"])
    kim = official("@SUM(1+1)")
    services.record_action(levy, kind="seizure", taken_on=date(2026, 1, 5), official=kim, notes="+압류", actor="t",
                           clock=clock)
    pay(levy, 250_000, date(2026, 2, 1))
    services.open_arrears_cases(Jurisdiction.by_code(YDP), 2026, actor="t", clock=clock)
    services.record_finding(Jurisdiction.by_code(YDP), category="unauthorized-use", tax_item="도로점용료", source_description="-2+3",
                            taxpayer_name="\t=1+1", taxpayer_address=LINK, official=kim,
                            assessed=2_000_000, due_on=date(2026, 4, 30), actor="t", clock=clock)
    wb = load_workbook(io.BytesIO(documents.ledger_xlsx(Jurisdiction.by_code(YDP), 2026)))
    one, two = wb["별지1 징수대장"], wb["별지2 과징대장"]
    row = {one.cell(row=2, column=i).value: one.cell(row=3, column=i) for i in range(1, one.max_column + 1)}
    assert row["체납자 성명"].value == "'=" + "*" * (len(CMD) - 2) + "0" and row["체납자 성명"].data_type == "s"
    assert row["체납자 주소"].value.startswith("'=HYPERLINK(") and row["체납자 주소"].data_type == "s"
    assert row["징수자 성명"].value == "'@SUM(1+1)"
    assert row["징수액"].value == 250_000 and row["징수액"].data_type == "n"  # numbers stay numbers
    values = [c.value for c in cells(two)]
    assert "'-2+3" in values and "'\t***1" in values
    assert_no_formula(one)
    assert_no_formula(two)


def test_claim_xlsx_and_transfer_file_write_a_hostile_name_as_text(ydp_committee, paid_case, official,  # noqa: F811
                                                                     clock):
    case, kim = paid_case(collector=official(CMD))
    decision = decide(ydp_committee, clock, [case])
    claim = services.submit_claim(decision, kim, submitted_on=DAY, actor="t", clock=clock)
    wb = load_workbook(io.BytesIO(documents.claim_xlsx(claim)))
    form = wb["지급신청서"]
    assert form.cell(row=3, column=3).value == "'" + CMD and form.cell(row=3, column=3).data_type == "s"
    assert form.cell(row=3, column=6).value == 150_000
    for ws in wb.worksheets:
        assert_no_formula(ws)
    services.set_budget(Jurisdiction.by_code(YDP), 2026, 1_000_000, actor="t", clock=clock)
    services.schedule_claim(claim, as_of=DAY, actor="t", clock=clock)
    batch = services.create_transfer_batch(Jurisdiction.by_code(YDP), year=2026, created_on=DAY, actor="t", clock=clock)
    lines = documents.transfer_file(batch).decode("cp949").splitlines()
    assert lines[1] == f"국민은행,1234567890123,'{CMD},150000,세입징수포상금2026"
