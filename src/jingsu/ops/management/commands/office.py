"""`jingsu office [CODE] [--office 부서] [--team 팀] [--phone 번호] [--installments-max N] [--installment-min 원]`

The office's own settings for one jurisdiction, kept in the database:

- the sender every alert (Kakao, KT, SMS), document and portal page names — the office (부서, e.g. 중랑구 세무1과),
  its team (체납징수팀) and the telephone number a citizen can call back (`Jurisdiction.office_name`, `office_team`,
  `office_phone`);
- the rules of 분할 납부 (`assistance.InstallmentRule`): the most installments and the least amount of each.

Without options it shows the settings (of every jurisdiction without CODE). Every change is audited. Notices already
built keep the sender they were built with (their hash covers it, docs/notices.md); alerts, portal pages and
reminders use the new one at once.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from jingsu.core import audit
from jingsu.core.models import Jurisdiction, UnknownJurisdiction
from jingsu.core.runtime import runtime

PHONE = re.compile(r"^(0\d{1,2}-\d{3,4}-\d{4}|1\d{3}-\d{4})$")  # 02-2094-1234, 031-123-4567, 1588-1234


class Command(BaseCommand):
    help = "발신 부서·팀·문의 전화와 분할 납부 기준을 보거나 정합니다."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", nargs="?", help="행정표준코드 (예: 11260)")
        parser.add_argument("--office", help="발신 부서 (예: 중랑구 세무1과)")
        parser.add_argument("--team", help="담당 팀 (예: 체납징수팀; 빈 값이면 지움)")
        parser.add_argument("--phone", help="문의 전화 (예: 02-2094-1234)")
        parser.add_argument("--installments-max", type=int, help="분할 납부 최대 횟수 (2 이상)")
        parser.add_argument("--installment-min", type=int, help="분할 납부 회당 최소 금액(원)")
        parser.add_argument("--actor", default="cli", help="기록에 남길 사람")

    def handle(self, *args: Any, **opts: Any) -> None:
        from jingsu.assistance.models import InstallmentRule, rule_for

        changes = {k: opts[k] for k in ("office", "team", "phone", "installments_max", "installment_min")
                   if opts[k] is not None}
        if not opts["code"]:
            if changes:
                raise CommandError("바꿀 자치단체의 행정표준코드를 주십시오 (예: jingsu office 11260 --phone 02-2094-1234).")
            for j in Jurisdiction.objects.order_by("code"):
                self.show(j, rule_for(j))
            return
        try:
            j = Jurisdiction.by_code(opts["code"])
        except UnknownJurisdiction:
            raise CommandError(f"행정표준코드 {opts['code']}인 자치단체가 없습니다.") from None
        if "phone" in changes and changes["phone"] and not PHONE.match(changes["phone"]):
            raise CommandError("문의 전화는 02-2094-1234, 031-123-4567, 1588-1234처럼 적어 주십시오.")
        if "office" in changes and not changes["office"].strip():
            raise CommandError("발신 부서는 비워 둘 수 없습니다.")
        if changes.get("installments_max") is not None and changes["installments_max"] < 2:
            raise CommandError("분할 납부 최대 횟수는 2 이상이어야 합니다.")
        if changes.get("installment_min") is not None and changes["installment_min"] < 0:
            raise CommandError("회당 최소 금액은 0원 이상이어야 합니다.")
        clock = runtime().clock
        with transaction.atomic():
            sender = {f: changes[k].strip() for k, f in (("office", "office_name"), ("team", "office_team"),
                                                         ("phone", "office_phone")) if k in changes}
            if sender:
                before = {f: getattr(j, f) for f in sender}
                for f, v in sender.items():
                    setattr(j, f, v)
                j.save(update_fields=list(sender))
                audit.record("jurisdiction.sender_set", actor=opts["actor"], jurisdiction=j, target=j, clock=clock,
                             detail={"before": before, "after": sender})
            if "installments_max" in changes or "installment_min" in changes:
                current = rule_for(j)
                rule, _ = InstallmentRule.objects.get_or_create(jurisdiction=j, defaults={
                    "max_count": current.max_count, "min_amount": current.min_amount})
                rule.max_count = changes.get("installments_max", rule.max_count)
                rule.min_amount = changes.get("installment_min", rule.min_amount)
                rule.updated_by, rule.updated_at = opts["actor"], clock.now()
                rule.save()
                audit.record("installment.rule_set", actor=opts["actor"], jurisdiction=j, target=j, clock=clock,
                             detail={"count": rule.max_count, "min_amount": rule.min_amount})
        self.show(j, rule_for(j))

    def show(self, j: Jurisdiction, rule: Any) -> None:
        s = j.sender
        phone = f"문의 전화 {s.phone}" if s.phone else "문의 전화 없음(알림·문서에 번호가 나가지 않습니다)"
        self.stdout.write(f"{j.code} {j.name}: 발신 {s.name} · {phone} · 분할 납부 최대 {rule.max_count}회, "
                          f"회당 {rule.min_amount:,}원 이상")
