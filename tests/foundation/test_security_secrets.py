"""No fallback secrets outside the simulator and the tests; startup and `jingsu check --deploy` refuse missing or
published ones (docs/security.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from jingsu.core import checks
from jingsu.providers.base import CallbackRejected, GatewayNoticeRejected
from jingsu.providers.http import GatewayConfig, KtAdapter, KtConfig, PaymentGatewayAdapter
from jingsu.providers.signing import sign
from jingsu.simulator.gateway import DEFAULT_PG_SECRET
from jingsu.simulator.server import DEFAULT_CALLBACK_SECRET

SAFE = {"JINGSU_KT_CALLBACK_SECRET": "k" * 43, "JINGSU_PG_SECRET": "p" * 43, "SECRET_KEY": "s" * 50,
        "JINGSU_PII_KEYS": "x", "JINGSU_LOOKUP_KEY": "y",
        "JINGSU_CI_LOOKUP_KEY": "z"}


def test_published_secrets_are_the_simulators_and_the_dev_key(settings):
    assert checks.PUBLISHED_SECRETS == {DEFAULT_CALLBACK_SECRET, DEFAULT_PG_SECRET, settings.DEV_SECRET_KEY}


def test_adapters_have_no_default_secret_and_refuse_what_the_published_ones_sign(clock):
    ts = str(int(clock.now().timestamp()))
    body = json.dumps({"tid": "T1", "order_id": "O1", "amount": 5_774_070, "payment_number": "1" * 19,
                       "status": "approved", "approved_at": ts}).encode()
    gateway = PaymentGatewayAdapter(GatewayConfig(base_url="http://pg.invalid"))
    with pytest.raises(GatewayNoticeRejected) as e:
        gateway.parse_notice(body, {"X-Timestamp": ts, "X-Signature": sign(DEFAULT_PG_SECRET, ts, body)}, int(ts))
    assert e.value.reason == "bad_signature"
    kt_body = json.dumps({"results": [{"src_key": "K1", "req_type": "main", "mms_sndg_rslt_dvcd": "60"}]}).encode()
    kt = KtAdapter(KtConfig(base_url="http://kt.invalid"))
    with pytest.raises(CallbackRejected):
        kt.parse_callback(kt_body, {"X-Timestamp": ts, "X-Signature": sign(DEFAULT_CALLBACK_SECRET, ts, kt_body)},
                          int(ts))
    # and an empty secret does not verify an HMAC keyed with the empty string either
    with pytest.raises(CallbackRejected):
        kt.parse_callback(kt_body, {"X-Timestamp": ts, "X-Signature": sign("", ts, kt_body)}, int(ts))


def test_secret_problems_names_missing_and_published_values(settings):
    for name, value in SAFE.items():
        setattr(settings, name, value)
    assert checks.secret_problems() == []
    settings.JINGSU_PG_SECRET = DEFAULT_PG_SECRET
    settings.JINGSU_KT_CALLBACK_SECRET = ""
    settings.JINGSU_PII_KEYS = ""
    problems = dict(checks.secret_problems())
    assert set(problems) == {"jingsu.E001", "jingsu.E002", "jingsu.E004"}
    assert "공개된 값" in problems["jingsu.E002"] and "설정되지 않았습니다" in problems["jingsu.E001"]


def test_check_deploy_refuses_published_secrets(settings):
    for name, value in SAFE.items():
        setattr(settings, name, value)
    settings.JINGSU_PG_SECRET = DEFAULT_PG_SECRET
    with pytest.raises(SystemCheckError) as e:
        call_command("check", "--deploy", "--tag", "security")
    assert "jingsu.E002" in str(e.value) and "간편결제 통지 비밀키" in str(e.value)
    settings.JINGSU_PG_SECRET = "p" * 43
    call_command("check", "--deploy", "--tag", "security", "--fail-level", "ERROR")  # no error left


def test_startup_refuses_with_debug_off_and_warns_with_debug_on(settings, caplog):
    settings.DEBUG = False
    settings.JINGSU_KT_CALLBACK_SECRET = DEFAULT_CALLBACK_SECRET
    with pytest.raises(ImproperlyConfigured, match="jingsu.E001"):
        checks.enforce_at_startup()
    settings.DEBUG = True
    checks.enforce_at_startup()
    assert "jingsu.E001" in caplog.text


def _wsgi(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items()
            if k not in ("JINGSU_KT_CALLBACK_SECRET", "JINGSU_PG_SECRET", "JINGSU_SECRET_KEY", "JINGSU_PII_KEYS",
                         "JINGSU_LOOKUP_KEY", "JINGSU_CI_LOOKUP_KEY", "JINGSU_DEBUG")}
    return subprocess.run([sys.executable, "-c", "import jingsu.wsgi"], env={**base, **env}, capture_output=True,
                          text=True, timeout=60)


def test_the_wsgi_application_gunicorn_loads_refuses_without_secrets_unless_debug():
    refused = _wsgi({})
    assert refused.returncode != 0
    assert "운영에 필요한 비밀값이 안전하지 않아 시작하지 않습니다" in refused.stderr
    for check_id in ("jingsu.E001", "jingsu.E002", "jingsu.E003", "jingsu.E004", "jingsu.E005", "jingsu.E006"):
        assert check_id in refused.stderr
    published = _wsgi({"JINGSU_KT_CALLBACK_SECRET": DEFAULT_CALLBACK_SECRET, "JINGSU_PG_SECRET": DEFAULT_PG_SECRET})
    assert published.returncode != 0 and "공개된 값" in published.stderr
    assert _wsgi({"JINGSU_DEBUG": "1"}).returncode == 0, "development keeps working with JINGSU_DEBUG=1"
