"""`jingsu rewards <step> …`: the whole reward flow from a terminal (docs/rewards-operations.md).

    jingsu rewards official-add --jurisdiction 11560 --name 김징수 --rank 지방세무주사 --department 세무2과 \
        --bank 국민은행 --account 123-45-678901
    jingsu rewards record-action --jurisdiction 11560 --tax-number T --kind seizure --on 2026-03-02 --official 1
    jingsu rewards cases --jurisdiction 11560 --year 2026
    jingsu rewards committee-add / member-add / meeting / agenda / attend / vote / decide --pdf 결정서.pdf
    jingsu rewards claim --decision 1 --payee official:1 --on 2026-05-01 --pdf 신청서.pdf --xlsx 신청서.xlsx
    jingsu rewards budget / schedule / batch / transfer-file --out 이체.csv / mark-paid
    jingsu rewards clawback / refund / detect-refunds / ledger --format xlsx --out 대장.xlsx / summary
"""

from __future__ import annotations

import getpass
import json
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingsu.core import audit
from jingsu.core.formats import kdate
from jingsu.core.models import Jurisdiction, UnknownJurisdiction
from jingsu.core.runtime import runtime
from jingsu.korean import josa
from jingsu.levies.models import Levy
from jingsu.payments.models import Payment
from jingsu.rewards import documents, services
from jingsu.rewards.models import (
    Civilian,
    Claim,
    Committee,
    CommitteeMember,
    Decision,
    HiddenRevenueFinding,
    Meeting,
    Official,
    RewardCase,
    RewardError,
    TransferBatch,
)


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"날짜 형식이 올바르지 않습니다: {value} (YYYY-MM-DD)") from None


def _get(model: Any, pk: int, label: str) -> Any:
    obj = model.objects.filter(pk=pk).first()
    if obj is None:
        raise CommandError(f"{label} {josa(pk, '을')} 찾을 수 없습니다.")
    return obj


class Command(BaseCommand):
    help = "세입징수 포상금: 처분 기록, 대장, 공적심사위원회, 지급신청, 이체, 환수"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--actor", default=f"cli:{getpass.getuser()}", help="작업자 (감사 기록)")
        sub = parser.add_subparsers(dest="step", required=True, metavar="단계")

        p = sub.add_parser("official-add", help="직원 등록")
        p.add_argument("--jurisdiction", required=True)
        p.add_argument("--name", required=True)
        p.add_argument("--rank", required=True, help="직급")
        p.add_argument("--department", required=True, help="부서")
        p.add_argument("--bureau", default="", help="국")
        p.add_argument("--director", action="store_true", help="국장급 이상")
        p.add_argument("--bank", default="")
        p.add_argument("--account", default="")
        p.add_argument("--holder", default="")

        p = sub.add_parser("civilian-add", help="민간인(신고자) 등록")
        p.add_argument("--jurisdiction", required=True)
        p.add_argument("--name", required=True)
        p.add_argument("--address", required=True)
        p.add_argument("--birth-date")
        p.add_argument("--bank", default="")
        p.add_argument("--account", default="")
        p.add_argument("--holder", default="")

        p = sub.add_parser("record-action", help="체납처분 등 기록")
        p.add_argument("--jurisdiction", required=True)
        p.add_argument("--tax-number", required=True, help="과세번호")
        p.add_argument("--kind", required=True, help="seizure|plate-impound|license-restriction|prosecution|"
                       "hidden-asset-report|auction-distribution|distribution-objection|deferral")
        p.add_argument("--on", required=True, help="처분일")
        who = p.add_mutually_exclusive_group(required=True)
        who.add_argument("--official", type=int)
        who.add_argument("--civilian", type=int)
        p.add_argument("--deferred-until", help="징수유예 후 납부기한")
        p.add_argument("--notes", default="")

        p = sub.add_parser("finding", help="숨은 세원 발굴 기록 (별지 제2호서식)")
        p.add_argument("--jurisdiction", required=True)
        p.add_argument("--category", required=True, choices=HiddenRevenueFinding.Category.values)
        who = p.add_mutually_exclusive_group(required=True)
        who.add_argument("--official", type=int)
        who.add_argument("--civilian", type=int)
        p.add_argument("--tax-item", required=True, help="세목(또는 점용료·사용료 등)")
        p.add_argument("--source", required=True, help="발굴세원")
        p.add_argument("--taxpayer-name", required=True)
        p.add_argument("--taxpayer-address", default="")
        p.add_argument("--due-on")
        p.add_argument("--assessed", type=int, default=0)
        p.add_argument("--evaded", type=int, default=0)
        p.add_argument("--notified-on", help="부과 고지일 (불복청구기간 계산)")
        p.add_argument("--prosecuted", action="store_true")
        p.add_argument("--verified", action="store_true")

        p = sub.add_parser("finding-collected", help="세원발굴 징수 확인(팀장)")
        p.add_argument("--finding", type=int, required=True)
        p.add_argument("--collected", type=int, required=True)
        p.add_argument("--on", required=True)
        p.add_argument("--confirmed-by", required=True)
        p.add_argument("--final-on")

        p = sub.add_parser("cases", help="기록에서 체납액 징수 공적(안건) 만들기")
        p.add_argument("--jurisdiction", required=True)
        p.add_argument("--year", type=int, required=True, help="징수연도")
        p.add_argument("--tax-number", help="한 부과 건만")
        p.add_argument("--collector", help="기록에 징수자가 없을 때 공적자 (official:ID|civilian:ID)")

        p = sub.add_parser("finding-case", help="세원발굴 공적(안건) 만들기")
        p.add_argument("--finding", type=int, required=True)

        p = sub.add_parser("proposal-case", help="제안·제도개선 공적(안건) 만들기")
        p.add_argument("--jurisdiction", required=True)
        p.add_argument("--title", required=True)
        p.add_argument("--amount", type=int, help="중랑: 위원회가 정하는 금액 (10만~30만 원)")
        p.add_argument("--payee", required=True)

        p = sub.add_parser("committee-add", help="공적심사위원회 만들기 (국별)")
        p.add_argument("--jurisdiction", required=True)
        p.add_argument("--bureau", required=True)
        p.add_argument("--name", default="")

        p = sub.add_parser("member-add", help="위원 등록")
        p.add_argument("--committee", type=int, required=True)
        p.add_argument("--name", required=True)
        p.add_argument("--role", default="member", choices=CommitteeMember.Role.values)
        p.add_argument("--kind", default="internal", choices=CommitteeMember.Kind.values)
        p.add_argument("--term-start", required=True)
        p.add_argument("--term-end")
        p.add_argument("--official", type=int)
        p.add_argument("--position", default="")

        p = sub.add_parser("committee-check", help="위원회 구성 점검")
        p.add_argument("--committee", type=int, required=True)
        p.add_argument("--on", required=True)

        p = sub.add_parser("meeting", help="회의 만들기")
        p.add_argument("--committee", type=int, required=True)
        p.add_argument("--on", required=True)

        p = sub.add_parser("agenda", help="안건 상정")
        p.add_argument("--meeting", type=int, required=True)
        p.add_argument("--case", type=int, nargs="+", required=True)

        p = sub.add_parser("attend", help="출석 기록")
        p.add_argument("--meeting", type=int, required=True)
        p.add_argument("--member", type=int, nargs="+", required=True)

        p = sub.add_parser("vote", help="표결 기록")
        p.add_argument("--meeting", type=int, required=True)
        p.add_argument("--case", type=int, required=True)
        p.add_argument("--member", type=int, nargs="+", required=True)
        p.add_argument("--against", action="store_true", help="반대 (없으면 찬성)")

        p = sub.add_parser("decide", help="의결 (금액 계산, 심사결정서)")
        p.add_argument("--meeting", type=int, required=True)
        p.add_argument("--pdf", help="심사결정서 PDF 파일")

        p = sub.add_parser("decision-pdf", help="심사결정서 PDF")
        p.add_argument("--decision", type=int, required=True)
        p.add_argument("--out", required=True)

        p = sub.add_parser("claim", help="지급신청 (별지 제3호서식)")
        p.add_argument("--decision", type=int, required=True)
        p.add_argument("--payee", required=True, help="official:ID|civilian:ID")
        p.add_argument("--on", required=True)
        p.add_argument("--pdf")
        p.add_argument("--xlsx")

        p = sub.add_parser("budget", help="연도 예산")
        p.add_argument("--jurisdiction", required=True)
        p.add_argument("--year", type=int, required=True)
        p.add_argument("--amount", type=int, required=True)

        p = sub.add_parser("schedule", help="지급 확정 (예산 부족 시 다음 연도 이월)")
        p.add_argument("--claim", type=int, nargs="+", required=True)
        p.add_argument("--on", required=True)

        p = sub.add_parser("batch", help="이체 묶음 만들기")
        p.add_argument("--jurisdiction", required=True)
        p.add_argument("--year", type=int, required=True)
        p.add_argument("--on", required=True)

        p = sub.add_parser("transfer-file", help="이체 파일 (CSV, CP949)")
        p.add_argument("--batch", type=int, required=True)
        p.add_argument("--out", required=True)

        p = sub.add_parser("mark-paid", help="지급 완료 처리")
        p.add_argument("--batch", type=int, required=True)
        p.add_argument("--on", required=True)

        p = sub.add_parser("clawback", help="부정수령 환수 (이자 가산)")
        p.add_argument("--claim", type=int, required=True)
        p.add_argument("--notified-on", required=True)
        p.add_argument("--reason", required=True)

        p = sub.add_parser("refund", help="징수액 환급 기록 → 환수(이자 없음)")
        p.add_argument("--jurisdiction", required=True)
        p.add_argument("--payment", type=int)
        p.add_argument("--tax-number")
        p.add_argument("--amount", type=int, required=True)
        p.add_argument("--on", required=True)
        p.add_argument("--reason", required=True)

        p = sub.add_parser("detect-refunds", help="부과취소된 건의 포상금 환수 열기")
        p.add_argument("--jurisdiction", required=True)
        p.add_argument("--on", required=True)

        p = sub.add_parser("ledger", help="대장 (별지 제1·2호서식)")
        p.add_argument("--jurisdiction", required=True)
        p.add_argument("--year", type=int, required=True)
        p.add_argument("--format", choices=["xlsx", "pdf", "html"], default="xlsx")
        p.add_argument("--out", required=True)

        p = sub.add_parser("summary", help="연도 요약")
        p.add_argument("--jurisdiction", required=True)
        p.add_argument("--year", type=int, required=True)
        p.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **o: Any) -> None:
        step = o["step"].replace("-", "_")
        if o.get("jurisdiction"):
            try:
                o["j"] = Jurisdiction.by_code(o["jurisdiction"])
            except UnknownJurisdiction as e:
                raise CommandError(str(e)) from None
        try:
            getattr(self, f"do_{step}")(o, o["actor"])
        except RewardError as e:
            raise CommandError(e.message if not e.field else f"{e.field}: {e.message}") from None

    def out(self, text: str) -> None:
        self.stdout.write(text)

    # people and records
    def do_official_add(self, o: dict[str, Any], actor: str) -> None:
        x = services.add_official(o["j"], name=o["name"], rank=o["rank"], department=o["department"],
                                  bureau=o["bureau"], director_or_above=o["director"], bank=o["bank"],
                                  account=o["account"], holder=o["holder"], actor=actor, clock=runtime().clock)
        self.out(f"직원 {x.pk} ({x.payee_key}) {x}")

    def do_civilian_add(self, o: dict[str, Any], actor: str) -> None:
        x = services.add_civilian(o["j"], name=o["name"], address=o["address"],
                                  birth_date=_date(o["birth_date"]) if o["birth_date"] else None, bank=o["bank"],
                                  account=o["account"], holder=o["holder"], actor=actor, clock=runtime().clock)
        self.out(f"민간인 {x.pk} ({x.payee_key}) {x.name}")

    def do_record_action(self, o: dict[str, Any], actor: str) -> None:
        levy = Levy.objects.filter(jurisdiction_id=o["jurisdiction"], tax_number=o["tax_number"]).first()
        if levy is None:
            raise CommandError(f"--tax-number: 과세번호 {josa(o['tax_number'], '을')} 찾을 수 없습니다.")
        a = services.record_action(
            levy, kind=o["kind"], taken_on=_date(o["on"]),
            official=_get(Official, o["official"], "직원") if o["official"] else None,
            civilian=_get(Civilian, o["civilian"], "민간인") if o["civilian"] else None,
            deferred_until=_date(o["deferred_until"]) if o["deferred_until"] else None, notes=o["notes"],
            actor=actor, clock=runtime().clock)
        self.out(f"처분 {a.pk}: {a}")

    def do_finding(self, o: dict[str, Any], actor: str) -> None:
        f = services.record_finding(
            o["j"], category=o["category"], tax_item=o["tax_item"], source_description=o["source"],
            taxpayer_name=o["taxpayer_name"], taxpayer_address=o["taxpayer_address"],
            official=_get(Official, o["official"], "직원") if o["official"] else None,
            civilian=_get(Civilian, o["civilian"], "민간인") if o["civilian"] else None,
            due_on=_date(o["due_on"]) if o["due_on"] else None, assessed=o["assessed"], evaded=o["evaded"],
            assessment_notified_on=_date(o["notified_on"]) if o["notified_on"] else None,
            prosecuted=o["prosecuted"], verified=o["verified"], actor=actor, clock=runtime().clock)
        self.out(f"세원발굴 {f.pk}: {f}")

    def do_finding_collected(self, o: dict[str, Any], actor: str) -> None:
        f = services.confirm_finding_collection(
            _get(HiddenRevenueFinding, o["finding"], "세원발굴"), collected=o["collected"],
            collected_on=_date(o["on"]), confirmed_by=o["confirmed_by"],
            final_on=_date(o["final_on"]) if o["final_on"] else None, actor=actor, clock=runtime().clock)
        self.out(f"징수 확인: {f} {f.collected:,}원")

    def do_cases(self, o: dict[str, Any], actor: str) -> None:
        levy = None
        if o["tax_number"]:
            levy = Levy.objects.filter(jurisdiction_id=o["jurisdiction"], tax_number=o["tax_number"]).first()
            if levy is None:
                raise CommandError(f"--tax-number: 과세번호 {josa(o['tax_number'], '을')} 찾을 수 없습니다.")
        collector = services.payee_by_key(o["collector"]) if o["collector"] else None
        cases = services.open_arrears_cases(o["j"], o["year"], levy=levy, collector=collector,
                                            actor=actor, clock=runtime().clock)
        for c in cases:
            self.out(f"{c.number}: {c.title}")
        self.out(f"새 안건 {len(cases)}건")

    def do_finding_case(self, o: dict[str, Any], actor: str) -> None:
        c = services.open_finding_case(_get(HiddenRevenueFinding, o["finding"], "세원발굴"), actor=actor, clock=runtime().clock)
        self.out(f"{c.number}: {c.title}")

    def do_proposal_case(self, o: dict[str, Any], actor: str) -> None:
        facts = {"amount": o["amount"]} if o["amount"] is not None else {}
        c = services.open_case(o["j"], merit_type="proposal", title=o["title"], facts=facts,
                               claimants=[(services.payee_by_key(o["payee"]), "1", True)], actor=actor, clock=runtime().clock)
        self.out(f"{c.number}: {c.title}")

    # committee
    def do_committee_add(self, o: dict[str, Any], actor: str) -> None:
        c = services.create_committee(o["j"], bureau=o["bureau"], name=o["name"], actor=actor, clock=runtime().clock)
        self.out(f"위원회 {c.pk}: {c}")

    def do_member_add(self, o: dict[str, Any], actor: str) -> None:
        m = services.add_member(
            _get(Committee, o["committee"], "위원회"), name=o["name"], role=o["role"], kind=o["kind"],
            term_start=_date(o["term_start"]), term_end=_date(o["term_end"]) if o["term_end"] else None,
            official=_get(Official, o["official"], "직원") if o["official"] else None, position=o["position"],
            actor=actor, clock=runtime().clock)
        self.out(f"위원 {m.pk}: {m}")

    def do_committee_check(self, o: dict[str, Any], actor: str) -> None:
        from jingsu.rewards.composition import composition_problems

        problems = composition_problems(_get(Committee, o["committee"], "위원회"), _date(o["on"]))
        self.out("\n".join(problems) if problems else "구성이 조례에 맞습니다.")

    def do_meeting(self, o: dict[str, Any], actor: str) -> None:
        m = services.create_meeting(_get(Committee, o["committee"], "위원회"), held_on=_date(o["on"]), actor=actor, clock=runtime().clock)
        self.out(f"회의 {m.pk}: {m}")

    def do_agenda(self, o: dict[str, Any], actor: str) -> None:
        meeting = _get(Meeting, o["meeting"], "회의")
        for pk in o["case"]:
            services.put_on_agenda(meeting, _get(RewardCase, pk, "안건"), actor=actor, clock=runtime().clock)
        self.out(f"안건 {len(o['case'])}건 상정")

    def do_attend(self, o: dict[str, Any], actor: str) -> None:
        meeting = _get(Meeting, o["meeting"], "회의")
        for pk in o["member"]:
            services.record_attendance(meeting, _get(CommitteeMember, pk, "위원"), actor=actor, clock=runtime().clock)
        self.out(f"출석 {len(o['member'])}명 기록")

    def do_vote(self, o: dict[str, Any], actor: str) -> None:
        meeting = _get(Meeting, o["meeting"], "회의")
        case = _get(RewardCase, o["case"], "안건")
        for pk in o["member"]:
            services.record_vote(meeting, case, _get(CommitteeMember, pk, "위원"), in_favour=not o["against"],
                                 actor=actor, clock=runtime().clock)
        self.out(f"표결 {len(o['member'])}명 기록 ({'반대' if o['against'] else '찬성'})")

    def do_decide(self, o: dict[str, Any], actor: str) -> None:
        d = services.decide_meeting(_get(Meeting, o["meeting"], "회의"), actor=actor, clock=runtime().clock)
        for item in d.items.select_related("case").order_by("case_id"):
            self.out(f"{item.case.number}: {'가결' if item.approved else '부결'} {item.amount:,}원 — {item.reason}")
        self.out(f"심사결정 {d.pk}: 합계 {d.total:,}원")
        if o["pdf"]:
            Path(o["pdf"]).write_bytes(documents.decision_pdf(d))
            self.out(f"심사결정서: {o['pdf']}")

    def do_decision_pdf(self, o: dict[str, Any], actor: str) -> None:
        Path(o["out"]).write_bytes(documents.decision_pdf(_get(Decision, o["decision"], "심사결정")))
        self.out(f"심사결정서: {o['out']}")

    # claims and payment
    def do_claim(self, o: dict[str, Any], actor: str) -> None:
        c = services.submit_claim(_get(Decision, o["decision"], "심사결정"), services.payee_by_key(o["payee"]),
                                  submitted_on=_date(o["on"]), actor=actor, clock=runtime().clock)
        self.out(f"지급신청 {c.pk}: {c}")
        if o["pdf"]:
            Path(o["pdf"]).write_bytes(documents.claim_pdf(c))
        if o["xlsx"]:
            Path(o["xlsx"]).write_bytes(documents.claim_xlsx(c))

    def do_budget(self, o: dict[str, Any], actor: str) -> None:
        b = services.set_budget(o["j"], o["year"], o["amount"], actor=actor, clock=runtime().clock)
        self.out(f"예산 {b}")

    def do_schedule(self, o: dict[str, Any], actor: str) -> None:
        for pk in o["claim"]:
            c = services.schedule_claim(_get(Claim, pk, "지급신청"), as_of=_date(o["on"]), actor=actor, clock=runtime().clock)
            self.out(f"지급신청 {c.pk}: {c.get_status_display()} ({c.budget_year}년)")

    def do_batch(self, o: dict[str, Any], actor: str) -> None:
        b = services.create_transfer_batch(o["j"], year=o["year"], created_on=_date(o["on"]), actor=actor, clock=runtime().clock)
        self.out(f"이체 묶음 {b.pk}: {b.claims.count()}건")

    def do_transfer_file(self, o: dict[str, Any], actor: str) -> None:
        batch = _get(TransferBatch, o["batch"], "이체 묶음")
        Path(o["out"]).write_bytes(documents.transfer_file(batch))
        audit.record("reward.batch.transfer-file", actor=actor, jurisdiction=batch.jurisdiction_id, target=batch,
                     reason="이체 파일(계좌번호 포함) 작성", clock=runtime().clock)
        self.out(f"이체 파일: {o['out']}")

    def do_mark_paid(self, o: dict[str, Any], actor: str) -> None:
        b = services.mark_batch_paid(_get(TransferBatch, o["batch"], "이체 묶음"), paid_on=_date(o["on"]), actor=actor, clock=runtime().clock)
        self.out(f"이체 묶음 {b.pk}: 지급 완료 {kdate(b.paid_on)}")

    def do_clawback(self, o: dict[str, Any], actor: str) -> None:
        c = services.open_fraud_clawback(_get(Claim, o["claim"], "지급신청"), notified_on=_date(o["notified_on"]),
                                         reason=o["reason"], actor=actor, clock=runtime().clock)
        self.out(f"환수 {c.pk}: 원금 {c.principal:,}원 + 이자 {c.interest:,}원 = {c.total:,}원")

    def do_refund(self, o: dict[str, Any], actor: str) -> None:
        payment = _get(Payment, o["payment"], "수납") if o["payment"] else None
        levy = None
        if o["tax_number"]:
            levy = Levy.objects.filter(jurisdiction_id=o["jurisdiction"], tax_number=o["tax_number"]).first()
        _, clawbacks = services.record_collection_refund(
            o["j"], amount=o["amount"], refunded_on=_date(o["on"]), reason=o["reason"], payment=payment,
            levy=levy, actor=actor, clock=runtime().clock)
        for c in clawbacks:
            self.out(f"환수 {c.pk}: {c.total:,}원 (이자 없음)")
        self.out(f"환수 {len(clawbacks)}건")

    def do_detect_refunds(self, o: dict[str, Any], actor: str) -> None:
        clawbacks = services.detect_cancelled_levies(o["j"], as_of=_date(o["on"]), actor=actor, clock=runtime().clock)
        self.out(f"환수 {len(clawbacks)}건")

    def do_ledger(self, o: dict[str, Any], actor: str) -> None:
        j, y, fmt = o["j"], o["year"], o["format"]
        if fmt == "xlsx":
            Path(o["out"]).write_bytes(documents.ledger_xlsx(j, y))
        elif fmt == "pdf":
            Path(o["out"]).write_bytes(documents.ledger_pdf(j, y))
        else:
            Path(o["out"]).write_text(documents.ledger_html(j, y), encoding="utf-8")
        self.out(f"대장: {o['out']}")

    def do_summary(self, o: dict[str, Any], actor: str) -> None:
        s = services.reward_summary(o["j"], o["year"])
        self.out(json.dumps(s, ensure_ascii=False, indent=2) if o["json"] else services.format_summary(s))
