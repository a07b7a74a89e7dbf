"""`jingsu office [CODE] [--office 부서] [--team 팀] [--phone 번호] [--installments-max N] [--installment-min 원]`
`jingsu office contract [--jurisdiction CODE] [--provider kakao|kt] [--contract-uuid …] [--client-id …]
[--client-secret] [--service-cd …] [--service-key] [--msg-cd …] [--withdraw]`

The office's own settings for one jurisdiction, kept in the database:

- the sender every alert (Kakao, KT, SMS), document and portal page names — the office (부서, e.g. 중랑구 세무1과),
  its team (체납징수팀) and the telephone number a citizen can call back (`Jurisdiction.office_name`, `office_team`,
  `office_phone`);
- the rules of 분할 납부 (`assistance.InstallmentRule`): the most installments and the least amount of each;
- `contract`: the office's own contract with an intermediary (jingsu.delivery.contracts) — Kakao's contract UUID,
  KT's client, service code, key and 문서코드 — or, with `--withdraw`, back to the deployment's. The secrets
  (`--client-secret`, `--service-key`) are never given on the command line (the process list and the shell's
  history would keep them): the flag alone asks for the value, without echo on a terminal, or reads it from
  standard input, one line each in the order client secret, service key. They are never printed back.

Without options it shows the settings (of every jurisdiction without CODE; `contract`: every office's own contracts,
or one office's with --jurisdiction). Every change is audited. Notices already built keep the sender they were built
with (their hash covers it, docs/notices.md); alerts, portal pages and reminders use the new one at once, and the next
documents sent go under the new contract (those already sent are asked about under theirs).
"""

from __future__ import annotations

import getpass
import re
import sys
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from jingsu.core import audit
from jingsu.core.models import Jurisdiction, UnknownJurisdiction
from jingsu.core.runtime import runtime
from jingsu.korean import josa

ASK = "__ask__"  # --client-secret / --service-key given without a value: asked for
CONTRACT_VALUES = ("contract_uuid", "client_id", "service_cd", "msg_cd")
CONTRACT_SECRETS = ("client_secret", "service_key")
PHONE = re.compile(r"^(0\d{1,2}-\d{3,4}-\d{4}|1\d{3}-\d{4})$")  # 02-2094-1234, 031-123-4567, 1588-1234


class Command(BaseCommand):
    help = ("발신 부서·팀·문의 전화와 분할 납부 기준을 보거나 정합니다. `jingsu office contract …`: 지자체의 "
            "전자문서 중계자 계약(카카오·KT)을 보거나 정합니다.")
    stealth_options = ("stdin",)  # where the secrets are read from (tests); standard input otherwise

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", nargs="?", help="행정표준코드 (예: 11260)")
        parser.add_argument("--office", help="발신 부서 (예: 중랑구 세무1과)")
        parser.add_argument("--team", help="담당 팀 (예: 체납징수팀; 빈 값이면 지움)")
        parser.add_argument("--phone", help="문의 전화 (예: 02-2094-1234)")
        parser.add_argument("--installments-max", type=int, help="분할 납부 최대 횟수 (2 이상)")
        parser.add_argument("--installment-min", type=int, help="분할 납부 회당 최소 금액(원)")
        parser.add_argument("--actor", default="cli", help="기록에 남길 사람")
        contract = parser.add_argument_group("중계자 계약 (jingsu office contract …)")
        contract.add_argument("--jurisdiction", help="계약을 정할 지자체의 행정표준코드 (예: 11260)")
        contract.add_argument("--provider", help="중계자: kakao(카카오톡 전자문서) 또는 kt(KT 공인알림문자)")
        contract.add_argument("--contract-uuid", help="카카오 계약 식별자(Contract-Uuid)")
        contract.add_argument("--client-id", help="KT 클라이언트 아이디")
        contract.add_argument("--client-secret", nargs="?", const=ASK,
                              help="KT 클라이언트 비밀값: 값 없이 주면 묻거나 표준 입력에서 읽습니다")
        contract.add_argument("--service-cd", help="KT 서비스 코드")
        contract.add_argument("--service-key", nargs="?", const=ASK,
                              help="KT 서비스 키(16자): 값 없이 주면 묻거나 표준 입력에서 읽습니다")
        contract.add_argument("--msg-cd", help="KT 문서코드(5자, 발신번호와 연결)")
        contract.add_argument("--withdraw", action="store_true", help="지자체 계약을 거두고 배포 공통 계약으로 보냄")

    def handle(self, *args: Any, **opts: Any) -> None:
        from jingsu.assistance.models import InstallmentRule, rule_for

        contract_opts = [k for k in ("jurisdiction", "provider", *CONTRACT_VALUES, *CONTRACT_SECRETS)
                         if opts[k] is not None] + (["withdraw"] if opts["withdraw"] else [])
        if opts["code"] == "contract":
            self.contract(opts)
            return
        if contract_opts:
            raise CommandError("중계자 계약은 jingsu office contract --jurisdiction 11260 --provider kakao "
                               "--contract-uuid …처럼 정합니다.")

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

    # --- the office's contracts with the intermediaries ---------------------------------------------------------

    def contract(self, opts: dict[str, Any]) -> None:
        from jingsu.delivery import contracts

        for name in ("office", "team", "phone", "installments_max", "installment_min"):
            if opts[name] is not None:
                raise CommandError("jingsu office contract에는 발신 부서·문의 전화·분할 납부 설정을 함께 줄 수 "
                                   "없습니다. jingsu office 11260 --phone …처럼 따로 정하십시오.")
        values = {k: opts[k] for k in CONTRACT_VALUES if opts[k] is not None}
        for name in CONTRACT_SECRETS:
            if opts[name] is not None and opts[name] != ASK:
                field = contracts.FIELDS["kt"][name].label
                raise CommandError(f"{josa(field, '은')} 명령줄에 적지 마십시오 (프로세스 목록과 셸 기록에 남습니다). "
                                   f"--{name.replace('_', '-')}만 주면 묻거나 표준 입력에서 읽습니다.")
        asked = [name for name in CONTRACT_SECRETS if opts[name] == ASK]
        if not opts["jurisdiction"]:
            if values or asked or opts["provider"] or opts["withdraw"]:
                raise CommandError("계약을 정할 지자체의 행정표준코드를 --jurisdiction으로 주십시오 (예: 11260).")
            shown = sum(self.show_contracts(j, only_own=True) for j in Jurisdiction.objects.order_by("code"))
            if not shown:
                self.stdout.write("지자체 계약이 없습니다. 모든 지자체가 배포 공통 계약으로 보냅니다.")
            return
        try:
            j = Jurisdiction.by_code(opts["jurisdiction"])
        except UnknownJurisdiction:
            raise CommandError(f"행정표준코드 {opts['jurisdiction']}인 자치단체가 없습니다.") from None
        if not (values or asked or opts["withdraw"]):
            self.show_contracts(j)
            return
        if not opts["provider"]:
            raise CommandError("중계자(--provider)를 kakao(카카오톡 전자문서) 또는 kt(KT 공인알림문자)로 주십시오.")
        clock = runtime().clock
        try:
            if opts["withdraw"]:
                if values or asked:
                    raise CommandError("--withdraw에는 계약 항목을 함께 줄 수 없습니다.")
                if not contracts.withdraw_contract(j, opts["provider"], actor=opts["actor"], clock=clock):
                    self.stdout.write(f"{j.code} {j.name}: 지자체 계약이 없어 이미 배포 공통 계약으로 보냅니다.")
            else:
                for name in asked:  # read after every other check, so a refusal never swallows a typed secret
                    values[name] = self.read_secret(contracts.FIELDS["kt"][name].label, opts.get("stdin"))
                change = contracts.set_contract(j, opts["provider"], actor=opts["actor"], clock=clock, **values)
                if not change.changed:
                    self.stdout.write(f"{j.code} {j.name}: 같은 값이어서 바꾸지 않았습니다.")
                elif change.replaced is not None:
                    self.stdout.write(f"{j.code} {j.name}: 새 계약으로 바꿨습니다. 이미 보낸 문서는 이전 계약으로 "
                                      "조회합니다.")
        except contracts.ContractError as e:
            raise CommandError(str(e)) from None
        self.show_contracts(j)

    def read_secret(self, label: str, stream: TextIO | None) -> str:
        """One secret: asked without echo on a terminal, else one line of standard input (never echoed)."""
        stream = stream or sys.stdin
        if stream.isatty():
            return getpass.getpass(f"{label}: ")
        line = stream.readline()
        if not line.strip():
            raise CommandError(f"표준 입력에서 {josa(label, '을')} 읽지 못했습니다 (한 줄에 하나씩 주십시오).")
        return line.rstrip("\r\n")

    def show_contracts(self, j: Jurisdiction, *, only_own: bool = False) -> int:
        """The office's contracts, secrets as 설정됨 (`only_own`: its own only); returns how many lines it wrote."""
        from jingsu.delivery.contracts import describe
        from jingsu.delivery.models import IntermediaryContract

        lines = 0
        for provider, own in describe(j).items():
            name = IntermediaryContract.Provider(provider).label
            if own is None:
                if not only_own:
                    self.stdout.write(f"{j.code} {j.name} {name}: 배포 공통 계약")
                    lines += 1
                continue
            items = " · ".join(f"{label} {value}" for label, value in own.items())
            self.stdout.write(f"{j.code} {j.name} {name}: 지자체 계약 — {items}")
            lines += 1
        return lines

    def show(self, j: Jurisdiction, rule: Any) -> None:
        s = j.sender
        phone = f"문의 전화 {s.phone}" if s.phone else "문의 전화 없음(알림·문서에 번호가 나가지 않습니다)"
        self.stdout.write(f"{j.code} {j.name}: 발신 {s.name} · {phone} · 분할 납부 최대 {rule.max_count}회, "
                          f"회당 {rule.min_amount:,}원 이상")
