"""The intermediaries under a contract (jingsu.providers): the deployment's from settings, an office's through
`ProviderSet.intermediary` — built once per contract, sharing the deployment adapter's connections and rate limit,
never showing a secret in a repr. No HTTP here (tests/delivery/test_office_contracts.py sends for real)."""

from __future__ import annotations

import pytest

from jingsu.providers.base import KakaoContract, KtContract
from jingsu.providers.http import KtConfig
from jingsu.providers.registry import configured_providers, deployment_contracts, simulator_providers

KT = KtContract(client_id="nowon-client", client_secret="nowon-secret-value", service_cd="NOWON-TAX",
                service_key="NwKey0123456789b", msg_cd="NW002")


def test_an_office_contract_gives_its_own_adapter_once_sharing_connections_and_rate_limit():
    providers = simulator_providers("http://127.0.0.1:9", rate_limits={"kakao": 5})
    assert providers.intermediary("kakao") is providers.kakao and providers.intermediary("kt") is providers.kt
    kakao = providers.intermediary("kakao", KakaoContract("nowon-kakao"))
    assert kakao is providers.intermediary("kakao", KakaoContract("nowon-kakao"))  # built once per contract
    assert kakao is not providers.intermediary("kakao", KakaoContract("jungnang-kakao"))
    assert kakao.config.contract_uuid == "nowon-kakao" and providers.kakao.config.contract_uuid == "sim-contract"
    assert kakao._http is providers.kakao._http and kakao._limiter is providers.kakao._limiter
    assert kakao._auth_headers()["Contract-Uuid"] == "nowon-kakao"
    kt = providers.intermediary("kt", KT)
    assert (kt.config.client_id, kt.config.service_cd, kt.config.msg_cd) == ("nowon-client", "NOWON-TAX", "NW002")
    assert kt._service() == {"service_cd": "NOWON-TAX", "service_key": "NwKey0123456789b"}
    assert kt._token is None and kt is not providers.kt  # its own OAuth token
    kakao.close()  # the shared pool belongs to the deployment's adapter
    assert not providers.kakao._http.is_closed
    with pytest.raises(ValueError):
        providers.intermediary("sms")


def test_secrets_stay_out_of_reprs():
    config = KtConfig(base_url="http://kt.invalid", client_secret="s3cret-value", service_key="k3y-value-000000",
                      callback_secret="callback-s3cret")
    for shown in (repr(KT), repr(config)):
        assert not any(s in shown for s in ("nowon-secret-value", "NwKey", "s3cret-value", "k3y-value", "callback-s3cret"))
    assert "NOWON-TAX" in repr(KT)  # identifiers stay readable


def test_the_deployments_contracts_come_from_settings(settings):
    settings.JINGSU_PROVIDER_URL = "http://127.0.0.1:9"
    assert deployment_contracts() == (None, None)  # unset: the simulator's
    assert configured_providers().kakao.config.contract_uuid == "sim-contract"
    settings.JINGSU_KAKAO_CONTRACT_UUID = "seoul-kakao"
    settings.JINGSU_KT_CLIENT_ID, settings.JINGSU_KT_CLIENT_SECRET = KT.client_id, KT.client_secret
    settings.JINGSU_KT_SERVICE_CD, settings.JINGSU_KT_SERVICE_KEY = KT.service_cd, KT.service_key
    settings.JINGSU_KT_MSG_CD = KT.msg_cd
    assert deployment_contracts() == (KakaoContract("seoul-kakao"), KT)
    providers = configured_providers()
    assert providers.kakao.config.contract_uuid == "seoul-kakao"
    assert (providers.kt.config.client_id, providers.kt.config.service_key) == (KT.client_id, KT.service_key)
    settings.JINGSU_KT_SERVICE_KEY = ""
    with pytest.raises(RuntimeError, match="JINGSU_KT_SERVICE_KEY"):
        deployment_contracts()
