"""Which adapters a process uses. Services receive a ProviderSet; nothing else constructs adapters (the callback
endpoints' verifiers included: `kt_callback_verifier`, `pg_notice_verifier`)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jingsu.providers.base import KakaoContract, KtContract, ProviderSet


def simulator_providers(url: str, **common: Any) -> ProviderSet:
    """Every adapter pointed at a simulator (or at any gateway speaking the same APIs) at `url`."""
    from jingsu.providers.http import build_simulator_adapters

    a = build_simulator_adapters(url, **common)
    return ProviderSet(
        identity=a.identity, kakao=a.kakao, kt=a.kt, sms=a.sms, post=a.post, bank=a.bank, gateway=a.gateway
    )


@lru_cache(maxsize=1)
def configured_providers() -> ProviderSet:
    """The providers named in settings (JINGSU_PROVIDER_URL, JINGSU_PROVIDER_TIMEOUT), with the shared Redis rate
    limit when REDIS_URL is set, the payment gateway's notice key (JINGSU_PG_SECRET), the address KT posts its
    results to (JINGSU_KT_CALLBACK_URL, registered with KT on the first send) and the deployment's contracts with
    the intermediaries (`deployment_contracts`). An office with a contract of its own sends under it
    (`ProviderSet.intermediary`, chosen by jingsu.delivery.contracts)."""
    from django.conf import settings

    if not settings.JINGSU_PROVIDER_URL:
        raise RuntimeError("JINGSU_PROVIDER_URL이 설정되지 않았습니다 (외부 기관 또는 시뮬레이터 주소).")
    common: dict[str, Any] = {"timeout": settings.JINGSU_PROVIDER_TIMEOUT}
    if settings.JINGSU_PROVIDER_RATE_LIMITS:
        common["rate_limits"] = settings.JINGSU_PROVIDER_RATE_LIMITS
    if settings.REDIS_URL:
        common["redis_url"] = settings.REDIS_URL
    common["pg_secret"] = pg_secret()
    if settings.JINGSU_KT_CALLBACK_URL:
        common["kt_callback_url"] = settings.JINGSU_KT_CALLBACK_URL
    kakao, kt = deployment_contracts()
    return simulator_providers(settings.JINGSU_PROVIDER_URL, kakao_contract=kakao, kt_contract=kt, **common)


#: The deployment's contract settings: KtContract field → setting.
_KT_SETTINGS = {"client_id": "JINGSU_KT_CLIENT_ID", "client_secret": "JINGSU_KT_CLIENT_SECRET",
                "service_cd": "JINGSU_KT_SERVICE_CD", "service_key": "JINGSU_KT_SERVICE_KEY",
                "msg_cd": "JINGSU_KT_MSG_CD"}


def deployment_contracts() -> tuple[KakaoContract | None, KtContract | None]:
    """The deployment's contracts with Kakao (JINGSU_KAKAO_CONTRACT_UUID) and KT (JINGSU_KT_CLIENT_ID,
    JINGSU_KT_CLIENT_SECRET, JINGSU_KT_SERVICE_CD, JINGSU_KT_SERVICE_KEY, JINGSU_KT_MSG_CD): what every office without
    a contract of its own sends under. Unset (None): the adapters' defaults, the simulator's. KT's are all or none."""
    from django.conf import settings

    uuid = getattr(settings, "JINGSU_KAKAO_CONTRACT_UUID", "")
    values = {f: getattr(settings, name, "") or "" for f, name in _KT_SETTINGS.items()}
    missing = [name for f, name in _KT_SETTINGS.items() if not values[f]]
    if missing and len(missing) < len(_KT_SETTINGS):
        raise RuntimeError(f"KT 계약 설정이 일부만 있습니다. 빠진 설정: {', '.join(missing)}")
    return (KakaoContract(uuid) if uuid else None), (None if missing else KtContract(**values))


def pg_secret() -> str:
    """The payment gateway's notice key: settings.JINGSU_PG_SECRET, else the environment variable of that name, else
    "" — no fallback: without a key every notice is refused (docs/security.md)."""
    import os

    from django.conf import settings

    return getattr(settings, "JINGSU_PG_SECRET", None) or os.environ.get("JINGSU_PG_SECRET") or ""


@lru_cache(maxsize=4)
def kt_callback_verifier(secret: str) -> Any:
    """The KT adapter that verifies and decodes result callbacks (POST /callbacks/kt) with `secret`. parse_callback
    makes no HTTP call; the base URL is only needed to build the adapter."""
    from django.conf import settings

    from jingsu.providers.http import KtAdapter, KtConfig

    base = (settings.JINGSU_PROVIDER_URL or "http://kt.invalid").rstrip("/") + "/kt"
    return KtAdapter(KtConfig(base_url=base, callback_secret=secret))


@lru_cache(maxsize=4)
def pg_notice_verifier(secret: str) -> Any:
    """The payment gateway adapter that verifies and decodes its notices (POST /callbacks/pg) with `secret`.
    parse_notice makes no HTTP call; the base URL is only needed to build the adapter."""
    from django.conf import settings

    from jingsu.providers.http import GatewayConfig, PaymentGatewayAdapter

    base = (settings.JINGSU_PROVIDER_URL or "http://pg.invalid").rstrip("/") + "/pg"
    return PaymentGatewayAdapter(GatewayConfig(base_url=base, notice_secret=secret))


# The adapters are built once per process (connection pools, rate limiters). A test that changes the settings they
# are built from gets new ones: Django sends `setting_changed` for override_settings and pytest-django's `settings`.
_PROVIDER_SETTINGS = ("JINGSU_PROVIDER_URL", "JINGSU_PROVIDER_TIMEOUT", "JINGSU_PROVIDER_RATE_LIMITS", "REDIS_URL",
                      "JINGSU_PG_SECRET", "JINGSU_KT_CALLBACK_URL", "JINGSU_KAKAO_CONTRACT_UUID",
                      *_KT_SETTINGS.values())


def _settings_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in _PROVIDER_SETTINGS:
        configured_providers.cache_clear()
        kt_callback_verifier.cache_clear()
        pg_notice_verifier.cache_clear()


def _connect() -> None:
    from django.test.signals import setting_changed

    setting_changed.connect(_settings_changed, dispatch_uid="jingsu.providers.registry")


_connect()
