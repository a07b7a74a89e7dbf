"""The simulator records which contract each document arrived under and was asked about under (`GET
/sim/v1/contracts`, `SimulatorControl.contracts()`, `inspect`'s per-contract counts): Kakao's Contract-Uuid, KT's
client, service code and 문서코드. Recording only: what it answers is the same under any contract."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from jingsu.providers.base import KakaoContract, KtContract, OutgoingDocument, SendOutcome
from jingsu.providers.http import RetryPolicy
from jingsu.providers.registry import simulator_providers
from jingsu.simulator.process import SimulatorProcess

T0 = datetime.fromisoformat("2026-11-23T10:00:00+09:00")
NOWON_KT = KtContract(client_id="nowon-client", client_secret="nowon-secret-value", service_cd="NOWON-TAX",
                      service_key="NwKey0123456789b", msg_cd="NW002")


@pytest.fixture(scope="module")
def sim():
    with SimulatorProcess(start=T0, seed=5) as s:
        yield s


def docs(providers, prefix: str, n: int) -> list[OutgoingDocument]:
    from jingsu.providers.base import CiRequest

    numbers = [f"{70 + i % 30:02d}{1 + i % 12:02d}{1 + i % 28:02d}{1 + i % 4}{i:06d}" for i in range(n)]
    found = providers.identity.to_ci([CiRequest(ref=str(i), registration_number=num) for i, num in enumerate(numbers)])
    return [OutgoingDocument(key=f"{prefix}-{r.ref}", ci=r.ci, title="노원구 세무과 안내", message="안내문이 왔습니다",
                             link=f"https://jingsu.example/n/{prefix}{r.ref}", doc_hash="a" * 64,
                             read_deadline=T0 + timedelta(days=7), payload=f"{prefix}{r.ref}")
            for r in found if r.ci]


def test_each_document_keeps_the_contract_it_arrived_and_was_asked_under(sim):
    providers = simulator_providers(sim.url, timeout=5.0, retry=RetryPolicy(attempts=2, base_delay=0.01))
    nowon = providers.intermediary("kakao", KakaoContract("nowon-kakao"))
    sent = [r for r in nowon.send(docs(providers, "nw", 12)) if r.outcome == SendOutcome.ACCEPTED]
    ours = [r for r in providers.kakao.send(docs(providers, "dp", 12)) if r.outcome == SendOutcome.ACCEPTED]
    assert sent and ours
    nowon.statuses([r.external_id for r in sent])
    kt_sent = providers.intermediary("kt", NOWON_KT).send(docs(providers, "kt", 6))
    providers.intermediary("kt", NOWON_KT).statuses([r.key for r in kt_sent])

    seen = sim.control.contracts()
    assert {seen["kakao"][r.key]["contract"] for r in sent} == {"nowon-kakao"}
    assert all(seen["kakao"][r.key]["asked_under"] == ["nowon-kakao"] for r in sent)
    assert {seen["kakao"][r.key]["contract"] for r in ours} == {"sim-contract"}  # the adapters' default
    assert all(seen["kakao"][r.key]["asked_under"] == [] for r in ours)
    for r in kt_sent:
        m = seen["kt"][f"main:{r.key}"]
        assert (m["client_id"], m["service_cd"], m["msg_cd"]) == ("nowon-client", "NOWON-TAX", "NW002")
        assert m["asked_under"] == [["nowon-client", "NOWON-TAX"]]
    assert sim.control.inspect("kakao")["contracts"] == {"nowon-kakao": len(sent), "sim-contract": len(ours)}
    assert sim.control.inspect("kt")["contracts"] == {"NOWON-TAX/NW002": len(kt_sent)}
