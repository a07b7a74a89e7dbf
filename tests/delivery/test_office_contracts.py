"""Each office sends under its own contract with the intermediaries (jingsu.delivery.contracts, `jingsu office
contract`): two offices with contracts of their own and one without, a campaign each, sent together through the
simulator over real HTTP — every document arrives under its office's contract (the simulator records the Kakao
Contract-Uuid and the KT client, service code and 문서코드 of each), is polled and read under the contract that sent
it even after the office's contract was replaced, and the office without one keeps the deployment's. The secrets are
encrypted at rest and never printed or audited; the command refuses bad input naming the field, in Korean."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from jingsu.core import crypto
from jingsu.core.models import AuditLog, Jurisdiction
from jingsu.delivery import contracts
from jingsu.delivery import services as delivery
from jingsu.delivery.models import AttemptStatus, Channel, DeliveryAttempt, IntermediaryContract
from jingsu.notices import services as notices
from jingsu.notices.models import Campaign
from jingsu.portal import services as portal
from jingsu.rolls.generate import generate_roll
from jingsu.rolls.importer import import_roll

JUNGNANG, NOWON, YEONGDEUNGPO = "11260", "11350", "11560"  # own contracts, own contracts, the deployment's
KAKAO = {JUNGNANG: "jungnang-kakao-0001", NOWON: "nowon-kakao-0002", YEONGDEUNGPO: "sim-contract"}
KT = {  # client_id, service_cd, msg_cd (what identifies the sender at KT; the simulator's defaults for 영등포구)
    JUNGNANG: ("jungnang-client", "JUNGNANG-TAX", "JN001"),
    NOWON: ("nowon-client", "NOWON-TAX", "NW002"),
    YEONGDEUNGPO: ("jingsu", "JINGSU", "TAX01"),
}
SECRETS = {JUNGNANG: ("jungnang-client-secret-1", "JnKey0123456789a"), NOWON: ("nowon-client-secret-22", "NwKey0123456789b")}


def office(*args: str, stdin: str | None = None) -> str:
    out = io.StringIO()
    kwargs = {"stdin": io.StringIO(stdin)} if stdin is not None else {}
    call_command("office", *args, stdout=out, **kwargs)
    return out.getvalue()


def set_contracts(code: str) -> str:
    client, service, msg = KT[code]
    secret, key = SECRETS[code]
    shown = office("contract", "--jurisdiction", code, "--provider", "kakao", "--contract-uuid", KAKAO[code],
                   "--actor", "admin")
    shown += office("contract", "--jurisdiction", code, "--provider", "kt", "--client-id", client, "--client-secret",
                    "--service-cd", service, "--service-key", "--msg-cd", msg, "--actor", "admin",
                    stdin=f"{secret}\n{key}\n")
    return shown


def campaign_of(code: str, seed: int, clock, tmp_path) -> Campaign:
    j = Jurisdiction.by_code(code)
    roll = tmp_path / f"roll-{code}.csv"
    generate_roll(jurisdiction=code, taxpayers=30, seed=seed, out=roll, today=date(2026, 11, 23))
    import_roll(roll, jurisdiction=j, clock=clock)
    campaign = notices.create_campaign(j, name=f"{j.name} 체납 안내", kind="arrears", as_of=date(2026, 11, 23),
                                       actor="maker", clock=clock)
    notices.build_campaign(campaign, actor="maker", clock=clock)
    notices.approve_campaign(campaign, actor="checker", clock=clock)
    return campaign


def sent(code: str, channel: str) -> list[DeliveryAttempt]:
    return list(DeliveryAttempt.objects.filter(notice__campaign__jurisdiction_id=code, channel=channel)
                .exclude(external_id="").order_by("id"))


@pytest.mark.django_db
def test_each_office_sends_polls_and_reads_under_its_own_contract(sim, providers, clock, tmp_path):
    shown = set_contracts(JUNGNANG) + set_contracts(NOWON)
    assert "지자체 계약" in shown and "설정됨" in shown
    assert not any(s in shown for pair in SECRETS.values() for s in pair)  # secrets are never printed back

    campaigns = [campaign_of(code, seed, clock, tmp_path)
                 for code, seed in ((JUNGNANG, 21), (NOWON, 22), (YEONGDEUNGPO, 23))]
    for c in campaigns:
        delivery.start_campaign(c, providers, actor="checker", clock=clock)
    # one send: each claim holds every office's attempts of a channel, split by office inside the batch
    assert delivery.send_queued(providers, clock=clock) > 0

    own = {(c.jurisdiction_id, c.provider): c.pk for c in IntermediaryContract.objects.all()}
    seen = sim.control.contracts()
    for code in (JUNGNANG, NOWON, YEONGDEUNGPO):
        kakao, kt = sent(code, Channel.KAKAO), sent(code, Channel.KT)
        assert kakao and kt, f"{code}: the roll should reach both intermediaries"
        for a in kakao:
            assert seen["kakao"][a.key]["contract"] == KAKAO[code], (code, a.key)
            assert a.contract_id == own.get((code, "kakao"))  # None: the deployment's
        for a in kt:
            m = seen["kt"][f"main:{a.key}"]
            assert (m["client_id"], m["service_cd"], m["msg_cd"]) == KT[code], (code, a.key)
            assert a.contract_id == own.get((code, "kt"))
    counts = sim.control.inspect("kakao")["contracts"]
    assert set(KAKAO.values()) <= set(counts)

    # 중랑구 signs a new Kakao contract: what is already out is asked about under the old one, new sends go under
    # the new one; 노원구 withdraws its KT contract and sends under the deployment's from now on
    office("contract", "--jurisdiction", JUNGNANG, "--provider", "kakao", "--contract-uuid", "jungnang-kakao-0003")
    office("contract", "--jurisdiction", NOWON, "--provider", "kt", "--withdraw")
    old = IntermediaryContract.objects.get(jurisdiction_id=JUNGNANG, provider="kakao", retired_at__isnull=False)
    assert old.contract_uuid == KAKAO[JUNGNANG]

    clock.advance(timedelta(hours=2))
    sim.control.set_clock(clock.now())
    assert delivery.poll_statuses(providers, clock=clock) > 0
    seen = sim.control.contracts()
    for code in (JUNGNANG, NOWON, YEONGDEUNGPO):
        for a in sent(code, Channel.KAKAO):
            assert seen["kakao"][a.key]["asked_under"] == [KAKAO[code]], (code, a.key)
        for a in sent(code, Channel.KT):
            assert seen["kt"][f"main:{a.key}"]["asked_under"] == [list(KT[code][:2])], (code, a.key)

    # the citizen opens a 중랑구 Kakao document: its token is verified and its read reported under the old contract
    a = next(a for a in sent(JUNGNANG, Channel.KAKAO) if a.status != AttemptStatus.READ)
    opened = sim.control.open_kakao_document(a.external_id)
    portal.verify_intermediary_token(a.notice, channel=Channel.KAKAO, external_id=a.external_id,
                                     token=opened["token"], providers=providers, remote="127.0.0.1", clock=clock)
    assert sim.control.contracts("kakao")[a.key]["asked_under"] == [KAKAO[JUNGNANG]]
    a.refresh_from_db()
    assert a.status == AttemptStatus.READ

    # the adapters a new send would use: 중랑구's new Kakao contract, 노원구 back on the deployment's KT
    kakao_now = contracts.sending_adapters(providers, "kakao", {JUNGNANG})[JUNGNANG]
    kt_now = contracts.sending_adapters(providers, "kt", {NOWON})[NOWON]
    assert kakao_now[0].config.contract_uuid == "jungnang-kakao-0003" and kakao_now[1] != old.pk
    assert kt_now == (providers.kt, None)


@pytest.mark.django_db
def test_secrets_are_encrypted_at_rest_and_every_change_is_audited(jungnang):
    shown = set_contracts(JUNGNANG)
    secret, key = SECRETS[JUNGNANG]
    with connection.cursor() as cursor:
        cursor.execute("SELECT client_id, client_secret_encrypted, service_key_encrypted "
                       "FROM delivery_intermediarycontract WHERE provider = 'kt'")
        client, raw_secret, raw_key = cursor.fetchone()
    assert client == "jungnang-client"
    assert secret not in raw_secret and key not in raw_key
    assert crypto.decrypt(raw_secret) == secret and crypto.decrypt(raw_key) == key
    assert "설정됨" in shown and secret not in shown and key not in shown

    # a new secret for the same contract changes the row; the same values again change nothing
    office("contract", "--jurisdiction", JUNGNANG, "--provider", "kt", "--client-secret", stdin="rotated-secret-9\n")
    office("contract", "--jurisdiction", JUNGNANG, "--provider", "kakao", "--contract-uuid", KAKAO[JUNGNANG])
    kt = IntermediaryContract.objects.get(provider="kt")
    assert contracts.terms(kt).client_secret == "rotated-secret-9"  # type: ignore[union-attr]
    assert IntermediaryContract.objects.count() == 2

    rows = list(AuditLog.objects.filter(jurisdiction=jungnang, action__startswith="contract.").order_by("id"))
    assert [r.action for r in rows] == ["contract.set"] * 3
    assert [r.target_type for r in rows] == ["delivery.intermediarycontract"] * 3
    assert rows[1].detail["after"] == {"client_id": "jungnang-client", "service_cd": "JUNGNANG-TAX", "msg_cd": "JN001"}
    assert rows[1].detail["client_secret_changed"] and rows[1].detail["service_key_changed"]
    assert rows[2].detail.get("client_secret_changed") and "service_key_changed" not in rows[2].detail
    logged = json.dumps([r.detail for r in rows])
    assert secret not in logged and key not in logged and "rotated-secret-9" not in logged

    from jingsu.staff.audit_labels import action_label, detail_items, target_label

    assert action_label("contract.set") == "중계자 계약 설정"
    assert target_label(rows[1].target_type, rows[1].target_id).startswith("중계자 계약 ")
    assert ("중계자", "KT 공인알림문자") in detail_items("contract.set", rows[1].detail)


@pytest.mark.django_db
def test_the_command_refuses_bad_input_naming_the_field(jungnang):
    refusals = [
        (("--provider", "naver", "--contract-uuid", "x"), None, "중계자(provider)"),
        (("--provider", "kakao", "--contract-uuid", "공백 있는 값"), None, "카카오 계약 식별자(contract_uuid)는"),
        (("--provider", "kakao", "--service-cd", "JUNGNANG"), None,
         "카카오톡 전자문서 계약에는 KT 서비스 코드(service_cd)를 정할 수 없습니다"),
        (("--provider", "kt", "--client-id", "c", "--client-secret", "--service-cd", "S", "--service-key",
          "--msg-cd", "TAX1"), "long-enough-secret\n0123456789abcdef\n", "KT 문서코드(msg_cd)는 영문·숫자 5자여야"),
        (("--provider", "kt", "--client-id", "c", "--client-secret", "--service-cd", "S", "--service-key",
          "--msg-cd", "TAX01"), "long-enough-secret\nshort-key\n", "KT 서비스 키(service_key)는 영문·숫자 16자여야"),
        (("--provider", "kt", "--client-id", "c", "--msg-cd", "TAX01"), None,
         "빠진 항목: KT 클라이언트 비밀값(client_secret), KT 서비스 코드(service_cd), KT 서비스 키(service_key)"),
        (("--provider", "kt", "--client-secret", "typed-on-the-command-line"), None,
         "KT 클라이언트 비밀값(client_secret)은 명령줄에 적지 마십시오"),
        (("--provider", "kt", "--client-secret"), "", "표준 입력에서 KT 클라이언트 비밀값(client_secret)을 읽지 못했습니다"),
    ]
    for args, stdin, message in refusals:
        with pytest.raises(CommandError) as refused:
            office("contract", "--jurisdiction", JUNGNANG, *args, stdin=stdin)
        assert message in str(refused.value), (args, str(refused.value))
    with pytest.raises(CommandError, match="행정표준코드 99999인 자치단체가 없습니다"):
        office("contract", "--jurisdiction", "99999", "--provider", "kakao", "--contract-uuid", "u")
    with pytest.raises(CommandError, match="jingsu office contract --jurisdiction"):
        office(JUNGNANG, "--contract-uuid", "u")
    assert not IntermediaryContract.objects.exists()
    assert not AuditLog.objects.filter(action__startswith="contract.").exists()
    assert "배포 공통 계약" in office("contract", "--jurisdiction", JUNGNANG)
    assert "지자체 계약이 없습니다" in office("contract")
