"""`jingsu check-deploy` refuses what must not serve an office and passes a production configuration
(jingsu.core.checks.deploy_problems). Settings are read from the environment at start, so each case is a child
process with its own environment — the way systemd's ExecStartPre runs it."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys

from cryptography.fernet import Fernet

from jingsu.simulator.server import DEFAULT_CALLBACK_SECRET

PRODUCTION = {
    "JINGSU_SECRET_KEY": "s" * 50, "JINGSU_KT_CALLBACK_SECRET": "k" * 43, "JINGSU_PG_SECRET": "p" * 43,
    "JINGSU_PII_KEYS": Fernet.generate_key().decode(),
    "JINGSU_LOOKUP_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
    "JINGSU_CI_LOOKUP_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
    "DATABASE_URL": "postgresql://jingsu@db.example.go.kr:5432/jingsu",
    "JINGSU_ALLOWED_HOSTS": "jingsu.jungnang.go.kr", "JINGSU_HTTPS": "1", "JINGSU_TRUSTED_PROXY_COUNT": "1",
    "JINGSU_PORTAL_URL": "https://jingsu.jungnang.go.kr", "JINGSU_PROVIDER_URL": "https://gw.example.go.kr",
    "CELERY_BROKER_URL": "amqp://jingsu:x@mq.example.go.kr:5672//", "REDIS_URL": "redis://cache.example.go.kr:6379/0",
    # the deployment's contracts with the intermediaries (offices without their own send under them)
    "JINGSU_KAKAO_CONTRACT_UUID": "5d1e0c3a-7f42-4b8e-9a11-000000011000", "JINGSU_KT_CLIENT_ID": "seoul-tax",
    "JINGSU_KT_CLIENT_SECRET": "c" * 32, "JINGSU_KT_SERVICE_CD": "SEOULTAX", "JINGSU_KT_SERVICE_KEY": "0123456789abcdef",
    "JINGSU_KT_MSG_CD": "SE001",
}
_OURS = {*PRODUCTION, "JINGSU_DEBUG"}


def _check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in _OURS}
    return subprocess.run([sys.executable, "-m", "jingsu", "check-deploy", "--json"], env={**base, **env},
                          capture_output=True, text=True, timeout=120)


def _ids(result: subprocess.CompletedProcess[str]) -> set[str]:
    return {p["id"] for p in json.loads(result.stdout.strip().splitlines()[-1])["problems"]}


def test_a_production_configuration_passes():
    result = _check(PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"ok": True, "problems": []}


def test_development_settings_are_refused_each_by_name():
    result = _check({"JINGSU_DEBUG": "1"})
    assert result.returncode == 1
    assert "운영에 쓸 수 없는 설정이 있어 시작하지 않습니다" in result.stderr
    assert {"jingsu.E001", "jingsu.E002", "jingsu.E003", "jingsu.E004", "jingsu.E005", "jingsu.E006",
            "jingsu.E010", "jingsu.E011", "jingsu.E014", "jingsu.E016", "jingsu.E017"} <= _ids(result)
    assert "디버그 모드(JINGSU_DEBUG=1)가 켜져 있습니다" in result.stderr


def test_each_unsafe_production_setting_alone_is_refused():
    cases = {
        "jingsu.E001": {"JINGSU_KT_CALLBACK_SECRET": DEFAULT_CALLBACK_SECRET},  # the simulator's published key
        "jingsu.E004": {"JINGSU_PII_KEYS": ""},  # no encryption key
        "jingsu.E010": {"JINGSU_DEBUG": "1"},
        "jingsu.E011": {"DATABASE_URL": ""},  # the embedded SQLite
        "jingsu.E012": {"JINGSU_HTTPS": ""},  # plain HTTP for a host outside this machine
        "jingsu.E013": {"JINGSU_PORTAL_URL": "http://jingsu.jungnang.go.kr"},
        "jingsu.E015": {"JINGSU_PROVIDER_URL": "http://gw.example.go.kr"},
        "jingsu.E018": {"JINGSU_KT_SERVICE_KEY": ""},  # a KT contract in part
    }
    for check_id, change in cases.items():
        result = _check({**PRODUCTION, **change})
        assert result.returncode == 1 and _ids(result) == {check_id}, (check_id, result.stdout, result.stderr)


def test_plain_http_on_this_machine_alone_is_allowed():
    local = {**PRODUCTION, "JINGSU_HTTPS": "", "JINGSU_ALLOWED_HOSTS": "localhost,127.0.0.1",
             "JINGSU_PORTAL_URL": "http://127.0.0.1:8000", "JINGSU_PROVIDER_URL": "http://127.0.0.1:8100"}
    result = _check(local)
    assert result.returncode == 0, result.stderr
