"""`jingsu rewards …`: the flow from a terminal (with the calculator stand-in)."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from jingsu.core.models import Jurisdiction
from jingsu.core.runtime import runtime
from jingsu.rewards.models import Claim, CommitteeMember, Decision, RewardCase

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command("rewards", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_cli_flow(tmp_path, make_levy, pay, ydp_committee):
    levy = make_levy()
    assert "직원" in run("official-add", "--jurisdiction", "11560", "--name", "김징수", "--rank", "지방세무주사",
                         "--department", "세무2과", "--bank", "국민은행", "--account", "111-222-333333")
    from jingsu.rewards.models import Official

    kim = Official.objects.get(name="김징수")
    run("record-action", "--jurisdiction", "11560", "--tax-number", levy.tax_number, "--kind", "seizure",
        "--on", "2026-03-02", "--official", str(kim.pk))
    pay(levy, 600_000, date(2026, 3, 10))
    assert "새 안건 1건" in run("cases", "--jurisdiction", "11560", "--year", "2026")
    case = RewardCase.objects.get()
    committee, members = ydp_committee
    run("meeting", "--committee", str(committee.pk), "--on", "2026-04-15")
    meeting_id = str(committee.meetings.get().pk)
    run("agenda", "--meeting", meeting_id, "--case", str(case.pk))
    ids = [str(m.pk) for m in members[:4]]
    run("attend", "--meeting", meeting_id, "--member", *ids)
    run("vote", "--meeting", meeting_id, "--case", str(case.pk), "--member", *ids)
    out = run("decide", "--meeting", meeting_id, "--pdf", str(tmp_path / "결정서.pdf"))
    assert "가결 18,000원" in out and (tmp_path / "결정서.pdf").read_bytes().startswith(b"%PDF")
    decision = Decision.objects.get()
    run("claim", "--decision", str(decision.pk), "--payee", kim.payee_key, "--on", "2026-04-20",
        "--pdf", str(tmp_path / "신청서.pdf"), "--xlsx", str(tmp_path / "신청서.xlsx"))
    claim = Claim.objects.get()
    run("budget", "--jurisdiction", "11560", "--year", "2026", "--amount", "1000000")
    assert "지급 확정" in run("schedule", "--claim", str(claim.pk), "--on", "2026-04-21")
    run("batch", "--jurisdiction", "11560", "--year", "2026", "--on", "2026-04-22")
    batch_id = str(Claim.objects.get().batch_id)
    run("transfer-file", "--batch", batch_id, "--out", str(tmp_path / "이체.csv"))
    assert "111222333333" in (tmp_path / "이체.csv").read_bytes().decode("cp949")
    run("mark-paid", "--batch", batch_id, "--on", "2026-04-30")
    run("ledger", "--jurisdiction", "11560", "--year", "2026", "--format", "xlsx", "--out", str(tmp_path / "l.xlsx"))
    assert load_workbook(tmp_path / "l.xlsx")["별지1 징수대장"].cell(row=3, column=12).value == 18_000
    assert "지급액: 18,000원" in run("summary", "--jurisdiction", "11560", "--year", "2026")
    # a member who is a claimant on the agenda is refused at the terminal too
    from jingsu.rewards import services

    run("meeting", "--committee", str(committee.pk), "--on", "2026-05-15")
    m2 = str(committee.meetings.order_by("-pk").first().pk)
    c2 = services.open_case(Jurisdiction.by_code("11560"), merit_type="proposal", title="제안", facts={}, claimants=[(kim, "1", True)],
                            actor="t", clock=runtime().clock)
    CommitteeMember.objects.filter(pk=members[4].pk).update(official=kim)
    run("agenda", "--meeting", m2, "--case", str(c2.pk))
    with pytest.raises(CommandError, match="지급대상자"):
        run("attend", "--meeting", m2, "--member", str(members[4].pk))
