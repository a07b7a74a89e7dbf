"""Secrets a deployment must set itself (docs/security.md, "Secrets, callbacks and the portal").

jingsu has no fallback for the keys that authenticate money and delivery results: the KT callback secret and the
payment gateway's notice key. The simulator publishes its development secrets (anyone can read them in the source),
so a deployment using them accepts forged callbacks — a signed `POST /callbacks/pg` would mark a debt paid with no
money moved. The same holds for Django's SECRET_KEY development value and for missing personal-data keys (the
development fallback keeps them in a file under ./var).

- `secret_problems()` lists what is wrong (id, Korean message);
- `jingsu check --deploy` reports each as an Error (the system check below, any DEBUG);
- `enforce_at_startup()` — called by the WSGI application (gunicorn) and by `jingsu serve` — refuses to start with
  DEBUG off and warns with DEBUG on (`JINGSU_DEBUG=1` is the explicit development path);
- `deploy_problems()` — what `jingsu check-deploy` refuses (the systemd units in deploy/ run it before every start):
  the secrets above, and DEBUG on, SQLite, plain HTTP outside this machine, no broker.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured

from jingsu.korean import josa

log = logging.getLogger("jingsu.security")

# The secrets printed in the simulator's source and docs (jingsu.simulator.server.DEFAULT_CALLBACK_SECRET,
# jingsu.simulator.gateway.DEFAULT_PG_SECRET) and Django's development key in settings.py; a test keeps them equal.
PUBLISHED_SECRETS = frozenset({"jingsu-sim-callback-secret", "jingsu-sim-pg-secret", "jingsu-dev-only-not-secret"})

_SECRETS = (
    ("JINGSU_KT_CALLBACK_SECRET", "jingsu.E001", "KT 결과 콜백 비밀키(JINGSU_KT_CALLBACK_SECRET)"),
    ("JINGSU_PG_SECRET", "jingsu.E002", "간편결제 통지 비밀키(JINGSU_PG_SECRET)"),
    ("SECRET_KEY", "jingsu.E003", "Django 비밀키(JINGSU_SECRET_KEY)"),
)
_KEYS = (
    ("JINGSU_PII_KEYS", "jingsu.E004", "주민등록번호 암호화 키(JINGSU_PII_KEYS)"),
    ("JINGSU_LOOKUP_KEY", "jingsu.E005", "검색용 해시 키(JINGSU_LOOKUP_KEY)"),
    ("JINGSU_CI_LOOKUP_KEY", "jingsu.E006", "연계정보 검색용 해시 키(JINGSU_CI_LOOKUP_KEY)"),
)


def secret_problems(overrides: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """(check id, Korean message) per missing or published secret; `overrides` replaces settings values (what
    `jingsu serve` hands its children)."""
    values: dict[str, Any] = {name: getattr(settings, name, "") for name, _, _ in (*_SECRETS, *_KEYS)}
    values.update(overrides or {})
    problems = []
    for name, check_id, label in _SECRETS:
        value = (values.get(name) or "").strip()
        if not value:
            problems.append((check_id, f"{josa(label, '이')} 설정되지 않았습니다."))
        elif value in PUBLISHED_SECRETS:
            problems.append((check_id, f"{josa(label, '이')} 시뮬레이터·개발용으로 공개된 값입니다. 이 값으로는 누구나 "
                                       "서명을 위조할 수 있습니다."))
    for name, check_id, label in _KEYS:
        if not (values.get(name) or "").strip():
            problems.append((check_id, f"{josa(label, '이')} 설정되지 않았습니다 (개발용 ./var/dev-keys.json은 운영에 쓸 수 "
                                       "없습니다)."))
    return problems


HINT = ("환경 변수로 각자 만든 임의의 값을 설정하세요 (docs/security.md). 개발 중에만 JINGSU_DEBUG=1로 "
        "이 검사를 경고로 낮출 수 있습니다.")


def message(problems: list[tuple[str, str]]) -> str:
    return "운영에 필요한 비밀값이 안전하지 않아 시작하지 않습니다:\n" + "\n".join(
        f"  - [{check_id}] {text}" for check_id, text in problems) + "\n" + HINT


@register(Tags.security, deploy=True)
def check_secrets(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """`jingsu check --deploy`: every missing or published secret is an error, whatever DEBUG says."""
    return [Error(text, hint=HINT, id=check_id) for check_id, text in secret_problems()]


def enforce_at_startup(overrides: Mapping[str, str] | None = None) -> None:
    """Refuse to serve with missing or published secrets when DEBUG is off (ImproperlyConfigured); warn when on."""
    problems = secret_problems(overrides)
    if not problems:
        return
    if not settings.DEBUG:
        raise ImproperlyConfigured(message(problems))
    log.warning("DEBUG: %s", message(problems))


_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})


def _is_local(host: str) -> bool:
    host = host.strip().lower().split(":")[0] if not host.startswith("[") else host.split("]")[0] + "]"
    return host in _LOCAL_HOSTS or host.startswith("127.") or host.endswith(".localhost")


def deploy_problems() -> list[tuple[str, str]]:
    """(check id, Korean message) per setting that must not run in production (`jingsu check-deploy`)."""
    from urllib.parse import urlsplit

    problems = secret_problems()
    if settings.DEBUG:
        problems.append(("jingsu.E010", "디버그 모드(JINGSU_DEBUG=1)가 켜져 있습니다. 오류 화면에 설정과 요청 내용이 "
                                        "드러납니다. 운영에서는 JINGSU_DEBUG를 지우십시오."))
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        problems.append(("jingsu.E011", "데이터베이스가 SQLite입니다. 운영에는 PostgreSQL(DATABASE_URL)이 필요합니다."))
    outside = sorted(h for h in settings.ALLOWED_HOSTS if not _is_local(h))
    if outside and not settings.SECURE_SSL_REDIRECT:
        problems.append(("jingsu.E012", f"이 기계 밖({', '.join(outside)})에서 접속을 받는데 HTTPS가 꺼져 있습니다. "
                                        "TLS를 nginx에서 끝내고 JINGSU_HTTPS=1, JINGSU_TRUSTED_PROXY_COUNT=1을 설정하십시오."))
    portal = urlsplit(settings.JINGSU_PORTAL_URL)
    if portal.scheme != "https" and not _is_local(portal.hostname or ""):
        problems.append(("jingsu.E013", f"납세자에게 보내는 열람 주소(JINGSU_PORTAL_URL={settings.JINGSU_PORTAL_URL})가 "
                                        "https://로 시작하지 않습니다."))
    provider = urlsplit(settings.JINGSU_PROVIDER_URL or "")
    if not settings.JINGSU_PROVIDER_URL:
        problems.append(("jingsu.E014", "외부 기관 주소(JINGSU_PROVIDER_URL)가 설정되지 않았습니다."))
    elif provider.scheme != "https" and not _is_local(provider.hostname or ""):
        problems.append(("jingsu.E015", f"외부 기관 주소(JINGSU_PROVIDER_URL={settings.JINGSU_PROVIDER_URL})가 "
                                        "https://로 시작하지 않습니다. 개인정보(CI)가 평문으로 오갑니다."))
    from jingsu.providers.registry import deployment_contracts

    try:
        deployment_contracts()
    except RuntimeError as e:
        problems.append(("jingsu.E018", f"{e} (다섯 가지를 모두 두거나 모두 지우십시오. 지자체별 계약은 "
                                        "jingsu office contract로 정합니다.)"))
    if not settings.CELERY_BROKER_URL:
        problems.append(("jingsu.E016", "작업 대기열(CELERY_BROKER_URL)이 없습니다. 운영에서는 RabbitMQ(amqp://…)나 "
                                        "Redis를 설정하고 jingsu worker를 띄우십시오."))
    if not settings.REDIS_URL:
        problems.append(("jingsu.E017", "REDIS_URL이 없습니다. 여러 프로세스가 세션과 발송 속도 제한을 나누려면 "
                                        "Redis가 필요합니다."))
    return problems
