"""`jingsu payments unmatched|match|refunds|reduce` — the unmatched queue, matching by hand, refunds to notify, and
the 감액 정정 of a levy that money was booked on (payments.corrections)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingsu.core.runtime import runtime
from jingsu.korean import josa
from jingsu.levies.models import Levy
from jingsu.payments.corrections import CorrectionError, plan_reduction, reduce_levy
from jingsu.payments.models import Payment, Refund
from jingsu.payments.services import PaymentError, match_by_hand


class Command(BaseCommand):
    help = "수납: unmatched (미확인 목록), match (수기 대사), refunds (환급 대상), reduce (감액 정정과 환급)"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        u = sub.add_parser("unmatched")
        u.add_argument("--jurisdiction", required=True)
        u.add_argument("--json", action="store_true")
        m = sub.add_parser("match")
        m.add_argument("payment", type=int, help="수납 번호")
        target = m.add_mutually_exclusive_group(required=True)
        target.add_argument("--tax-number", help="과세번호")
        target.add_argument("--taxpayer", type=int, help="납세자 번호 (미납 부과 건 전체에 충당)")
        m.add_argument("--reason", required=True)
        m.add_argument("--actor", required=True)
        r = sub.add_parser("refunds")
        r.add_argument("--jurisdiction", required=True)
        r.add_argument("--json", action="store_true")
        d = sub.add_parser("reduce", help="감액 정정: 고지세액을 낮추고, 이미 수납된 초과분은 환급 대상으로")
        d.add_argument("--jurisdiction", required=True)
        d.add_argument("--tax-number", required=True, help="과세번호")
        d.add_argument("--principal", type=int, help="정정한 본세 (없으면 그대로)")
        d.add_argument("--education-tax", type=int, help="정정한 지방교육세 (없으면 그대로)")
        d.add_argument("--city-area-tax", type=int, help="정정한 도시지역분 (없으면 그대로)")
        d.add_argument("--reason", default="", help="정정 사유 (감사 기록에 남습니다)")
        d.add_argument("--actor", default="cli")
        d.add_argument("--dry-run", action="store_true", help="무엇이 바뀔지만 보이고 기록하지 않음")
        d.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        getattr(self, "_" + opts["action"])(opts)

    def _unmatched(self, opts: dict[str, Any]) -> None:
        rows = list(Payment.objects.filter(jurisdiction_id=opts["jurisdiction"], status=Payment.Status.UNMATCHED)
                    .order_by("received_at").values("id", "received_at", "amount", "channel", "payment_number",
                                                     "virtual_account", "tax_number", "unmatched_reason"))
        if opts["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, default=str))
            return
        for r in rows:
            self.stdout.write(f"{r['id']}\t{r['received_at']:%Y-%m-%d %H:%M}\t{r['amount']:,}원\t{r['unmatched_reason']}")
        self.stdout.write(f"미확인 수납 {len(rows):,}건")

    def _match(self, opts: dict[str, Any]) -> None:
        payment = Payment.objects.filter(pk=opts["payment"]).first()
        if payment is None:
            raise CommandError(f"수납 {josa(opts['payment'], '을')} 찾을 수 없습니다.")
        levy = None
        if opts["tax_number"]:
            levy = Levy.objects.filter(jurisdiction_id=payment.jurisdiction_id, tax_number=opts["tax_number"]).first()
            if levy is None:
                raise CommandError(f"--tax-number: 과세번호 {opts['tax_number']}인 부과 건이 없습니다.")
        try:
            match_by_hand(payment, levy=levy, taxpayer_id=opts["taxpayer"], actor=opts["actor"],
                          reason=opts["reason"], clock=runtime().clock)
        except PaymentError as e:
            raise CommandError(str(e)) from None
        payment.refresh_from_db()
        self.stdout.write(f"수납 {payment.pk}: {payment.get_status_display()}")

    def _refunds(self, opts: dict[str, Any]) -> None:
        rows = list(Refund.objects.filter(jurisdiction_id=opts["jurisdiction"], status=Refund.Status.PENDING)
                    .order_by("created_at").values("id", "taxpayer_id", "amount", "reason", "created_at"))
        if opts["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, default=str))
            return
        for r in rows:
            self.stdout.write(f"{r['id']}\t납세자 {r['taxpayer_id']}\t{r['amount']:,}원\t{r['reason']}")
        self.stdout.write(f"환급 대상 {len(rows):,}건 {sum(r['amount'] for r in rows):,}원")

    def _reduce(self, opts: dict[str, Any]) -> None:
        levy = Levy.objects.filter(jurisdiction_id=opts["jurisdiction"], tax_number=opts["tax_number"]).first()
        if levy is None:
            raise CommandError(f"--tax-number: 과세번호 {opts['tax_number']}인 부과 건이 없습니다.")
        amounts = {name: levy_value if opts[name] is None else opts[name]
                   for name, levy_value in (("principal", levy.principal), ("education_tax", levy.education_tax),
                                            ("city_area_tax", levy.city_area_tax))}
        try:
            if opts["dry_run"]:
                plan = plan_reduction(levy, **amounts, clock=runtime().clock)
            else:
                plan = reduce_levy(levy, **amounts, reason=opts["reason"], actor=opts["actor"], clock=runtime().clock)
        except CorrectionError as e:
            raise CommandError(f"--{e.field.replace('_', '-')}: {e}") from None
        if opts["json"]:
            self.stdout.write(json.dumps({**plan.as_dict(), "dry_run": opts["dry_run"]}, ensure_ascii=False))
            return
        self.stdout.write(("(미리 보기: 기록하지 않았습니다) " if opts["dry_run"] else "") + plan.text())
