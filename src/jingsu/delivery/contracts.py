"""Offices' own contracts with the certified e-document intermediaries, and which contract each document goes under.

A 시 serving its 구 from one deployment has one contract per 구 with each intermediary: every 구 is its own sending
institution (its own Kakao contract; its own KT service code and 문서코드, which KT maps to the 구's 발신번호). The
office's 시스템관리자 sets it (`jingsu office contract`); an office without one sends under the deployment's
(settings, `jingsu.providers.registry.deployment_contracts`), so a one-office deployment needs nothing here.

    set_contract(j, "kt", actor=…, clock=…, client_id=…, client_secret=…, service_cd=…, service_key=…, msg_cd=…)
    withdraw_contract(j, "kakao", actor=…, clock=…)          # back to the deployment's
    sending_adapters(providers, "kakao", {"11260", "11350"})  # office → (adapter, contract id or None)
    asking_adapters(providers, "kt", {None, 7})               # contract id → adapter (status polls)
    asking_adapter(providers, attempt)                        # the portal: verify a token, report the read

Where the contract is chosen: sending (`delivery.services._send_batch`) splits a claimed batch by the campaign's
office and hands each office's documents to the adapter under its current contract, recording the contract on each
attempt (`DeliveryAttempt.contract`; one query per batch for the offices' contracts, none per attempt). Everything
asked about a document afterwards — status polls (`poll_statuses`), the portal's token check and read report — goes
under the contract recorded on its attempt, even after the office's contract was replaced. The adapters themselves
are built once per process and contract (`ProviderSet.intermediary`). SMS, the post office, the identity agency and
the payment network stay the deployment's.

Secrets (KT's client_secret and service_key) are stored encrypted like personal data (`jingsu.core.crypto`, rotated
by `jingsu keys rotate`), never returned by `describe`, never written to the audit log: it records which of them
changed, not their values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from jingsu.clock import Clock
from jingsu.core import audit, crypto
from jingsu.core.models import Jurisdiction
from jingsu.delivery.models import DeliveryAttempt, IntermediaryContract
from jingsu.korean import josa
from jingsu.providers.base import Contract, Intermediary, KakaoContract, KtContract, ProviderSet

Provider = IntermediaryContract.Provider


class ContractError(ValueError):
    """A contract value refused; the message (Korean) names the field."""


@dataclass(frozen=True)
class _Field:
    label: str  # the field's Korean name, with the provider's own name of it
    pattern: re.Pattern[str]
    rule: str  # what the pattern asks, in Korean
    secret: bool = False


#: Every field of a contract, per provider, in the order a person gives them.
FIELDS: dict[str, dict[str, _Field]] = {
    Provider.KAKAO: {
        "contract_uuid": _Field("카카오 계약 식별자(contract_uuid)", re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,63}"),
                                "영문·숫자·하이픈(-) 64자 이하"),
    },
    Provider.KT: {
        "client_id": _Field("KT 클라이언트 아이디(client_id)", re.compile(r"[A-Za-z0-9._-]{1,64}"),
                            "영문·숫자·마침표·밑줄·하이픈 64자 이하"),
        "client_secret": _Field("KT 클라이언트 비밀값(client_secret)", re.compile(r"[!-~]{8,128}"),
                                "공백 없는 영문·숫자·기호 8자 이상 128자 이하", secret=True),
        "service_cd": _Field("KT 서비스 코드(service_cd)", re.compile(r"[A-Za-z0-9_-]{1,20}"),
                             "영문·숫자·밑줄·하이픈 20자 이하"),
        "service_key": _Field("KT 서비스 키(service_key)", re.compile(r"[A-Za-z0-9]{16}"), "영문·숫자 16자",
                              secret=True),
        "msg_cd": _Field("KT 문서코드(msg_cd)", re.compile(r"[A-Za-z0-9]{5}"), "영문·숫자 5자"),
    },
}
#: What identifies the contract (changing it starts a new contract; the rest are its credentials).
IDENTITY = {Provider.KAKAO: ("contract_uuid",), Provider.KT: ("service_cd", "msg_cd")}
SECRETS = frozenset(name for fields in FIELDS.values() for name, f in fields.items() if f.secret)


def _provider(provider: str) -> str:
    if provider not in FIELDS:
        raise ContractError(f"중계자(provider)는 kakao(카카오톡 전자문서) 또는 kt(KT 공인알림문자)여야 합니다: '{provider}'")
    return provider


def _checked(provider: str, values: dict[str, str | None]) -> dict[str, str]:
    """The given values (None: not given), stripped and checked, for `provider`'s fields."""
    fields = FIELDS[provider]
    out = {}
    for name, value in values.items():
        if value is None:
            continue
        if name not in fields:
            other = next((FIELDS[p][name].label for p in FIELDS if name in FIELDS[p]), name)
            raise ContractError(f"{Provider(provider).label} 계약에는 {josa(other, '을')} 정할 수 없습니다.")
        f = fields[name]
        value = value.strip()
        if not value:
            raise ContractError(f"{josa(f.label, '이')} 비어 있습니다.")
        if not f.pattern.fullmatch(value):
            raise ContractError(f"{josa(f.label, '은')} {f.rule}여야 합니다.")
        out[name] = value
    return out


def _stored(name: str) -> str:
    return f"{name}_encrypted" if name in SECRETS else name


def _value(c: IntermediaryContract, name: str) -> str:
    raw = getattr(c, _stored(name))
    return crypto.decrypt(raw) if name in SECRETS and raw else raw


def _identifiers(c: IntermediaryContract) -> dict[str, str]:
    """The contract's values that are no secret (the audit row's before and after)."""
    return {name: getattr(c, name) for name in FIELDS[c.provider] if name not in SECRETS}


@dataclass(frozen=True)
class ContractChange:
    contract: IntermediaryContract
    changed: bool  # False: the values given were the ones already set
    replaced: IntermediaryContract | None = None  # the contract retired by a new identifier


def set_contract(jurisdiction: Jurisdiction, provider: str, *, actor: str, clock: Clock,
                 **values: str | None) -> ContractChange:
    """Set an office's own contract with `provider` ("kakao": contract_uuid; "kt": client_id, client_secret,
    service_cd, service_key, msg_cd). The first time every field is needed; afterwards the fields given replace
    theirs. A new identifier (IDENTITY) retires the current contract and starts a new one with the other values
    carried over; new credentials change the current one. Audited (`contract.set`, secrets named, never written).
    Raises ContractError (Korean, naming the field) for a value refused."""
    provider = _provider(provider)
    given = _checked(provider, values)
    if not given:
        raise ContractError(f"바꿀 {Provider(provider).label} 계약 항목을 주십시오: "
                            f"{', '.join(f.label for f in FIELDS[provider].values())}.")
    now = clock.now()
    with transaction.atomic():
        current = (IntermediaryContract.objects.select_for_update()
                   .filter(jurisdiction=jurisdiction, provider=provider, retired_at__isnull=True).first())
        if current is None:
            missing = [f.label for name, f in FIELDS[provider].items() if name not in given]
            if missing:
                raise ContractError(f"{jurisdiction.name}의 {Provider(provider).label} 계약을 처음 정할 때는 모든 "
                                    f"항목이 필요합니다. 빠진 항목: {', '.join(missing)}.")
            merged, before = given, {}
        else:
            merged = {name: given.get(name) or _value(current, name) for name in FIELDS[provider]}
            if all(_value(current, name) == merged[name] for name in FIELDS[provider]):
                return ContractChange(current, changed=False)
            before = _identifiers(current)
        new_identity = current is None or any(merged[n] != getattr(current, n) for n in IDENTITY[provider])
        secrets_changed = sorted(n for n in SECRETS & set(given) if current is None or _value(current, n) != given[n])
        stored = {_stored(n): crypto.encrypt(v) if n in SECRETS else v for n, v in merged.items()}
        replaced = None
        if new_identity:
            if current is not None:
                current.retired_at, current.updated_at, current.updated_by = now, now, actor
                current.save(update_fields=["retired_at", "updated_at", "updated_by"])
                replaced = current
            contract = IntermediaryContract.objects.create(
                jurisdiction=jurisdiction, provider=provider, created_at=now, updated_at=now, updated_by=actor,
                **stored)
        else:
            assert current is not None
            for name in given:
                setattr(current, _stored(name), stored[_stored(name)])
            current.updated_at, current.updated_by = now, actor
            current.save(update_fields=[*(_stored(n) for n in given), "updated_at", "updated_by"])
            contract = current
        detail: dict[str, Any] = {"provider": provider, "before": before, "after": _identifiers(contract)}
        if replaced is not None:
            detail["replaced"] = replaced.pk
        for name in secrets_changed:  # which secrets changed, never their values
            detail[f"{name}_changed"] = True
        audit.record("contract.set", actor=actor, jurisdiction=jurisdiction, target=contract, clock=clock,
                     detail=detail)
    return ContractChange(contract, changed=True, replaced=replaced)


def withdraw_contract(jurisdiction: Jurisdiction, provider: str, *, actor: str, clock: Clock) -> bool:
    """The office sends under the deployment's contract with `provider` again: its own is retired (kept for what it
    sent). Audited (`contract.withdraw`). False when it had none."""
    provider = _provider(provider)
    now = clock.now()
    with transaction.atomic():
        current = (IntermediaryContract.objects.select_for_update()
                   .filter(jurisdiction=jurisdiction, provider=provider, retired_at__isnull=True).first())
        if current is None:
            return False
        current.retired_at, current.updated_at, current.updated_by = now, now, actor
        current.save(update_fields=["retired_at", "updated_at", "updated_by"])
        audit.record("contract.withdraw", actor=actor, jurisdiction=jurisdiction, target=current, clock=clock,
                     detail={"provider": provider, "before": _identifiers(current)})
    return True


def describe(jurisdiction: Jurisdiction) -> dict[str, dict[str, str] | None]:
    """Per provider, the office's own contract as a person may see it — identifiers, and "설정됨" for each secret —
    or None where it sends under the deployment's."""
    own = {c.provider: c for c in IntermediaryContract.objects.filter(jurisdiction=jurisdiction,
                                                                       retired_at__isnull=True)}
    out: dict[str, dict[str, str] | None] = {}
    for provider, fields in FIELDS.items():
        c = own.get(provider)
        out[provider] = None if c is None else {
            f.label: ("설정됨" if getattr(c, _stored(name)) else "없음") if f.secret else getattr(c, name)
            for name, f in fields.items()}
    return out


# --- which contract a document goes under ---------------------------------------------------------------------------


def terms(c: IntermediaryContract) -> Contract:
    """The contract as the adapters take it (secrets decrypted, in memory only)."""
    if c.provider == Provider.KAKAO:
        return KakaoContract(contract_uuid=c.contract_uuid)
    return KtContract(client_id=c.client_id, client_secret=_value(c, "client_secret"), service_cd=c.service_cd,
                      service_key=_value(c, "service_key"), msg_cd=c.msg_cd)


def sending_adapters(providers: ProviderSet, provider: str,
                     offices: Iterable[str]) -> dict[str, tuple[Intermediary, int | None]]:
    """For each office (jurisdiction code), the adapter its documents go to now and the id of the office's own
    contract it carries (None: the deployment's). One query for all of them."""
    offices = set(offices)
    own = {c.jurisdiction_id: c for c in IntermediaryContract.objects.filter(
        provider=provider, jurisdiction_id__in=offices, retired_at__isnull=True)}
    return {office: ((providers.intermediary(provider, terms(own[office])), own[office].pk) if office in own
                     else (providers.intermediary(provider), None)) for office in offices}


def asking_adapters(providers: ProviderSet, provider: str,
                    contract_ids: Iterable[int | None]) -> dict[int | None, Intermediary]:
    """For each contract id recorded on attempts (None: the deployment's), the adapter that asks about what was sent
    under it. One query, none when every attempt went under the deployment's."""
    ids = {pk for pk in contract_ids if pk is not None}
    out: dict[int | None, Intermediary] = {None: providers.intermediary(provider)}
    for pk, c in (IntermediaryContract.objects.in_bulk(ids) if ids else {}).items():
        out[pk] = providers.intermediary(provider, terms(c))
    return out


def asking_adapter(providers: ProviderSet, attempt: DeliveryAttempt) -> Intermediary:
    """The adapter that asks about (verifies a token of, reports the read of) one attempt's document: under the
    contract it was sent under."""
    if attempt.contract_id is None:
        return providers.intermediary(attempt.channel)
    return providers.intermediary(attempt.channel, terms(IntermediaryContract.objects.get(pk=attempt.contract_id)))
