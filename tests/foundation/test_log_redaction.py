"""Portal and intermediary tokens never reach a log (docs/security.md). gunicorn's access log through `jingsu serve`
is tested in tests/staff/test_serve.py."""

from __future__ import annotations

import io
import logging
import secrets

import pytest

from jingsu.core.logredact import RedactingGunicornLogger, redact

TOKEN = secrets.token_urlsafe(32)


@pytest.mark.parametrize("text, expected", [
    (f"GET /n/{TOKEN} HTTP/1.1", "GET /n/[redacted] HTTP/1.1"),
    (f"POST /n/{TOKEN}/verify HTTP/1.1", "POST /n/[redacted]/verify HTTP/1.1"),
    (f"/n/{TOKEN}?token=ott-123&document_binder_uuid=B1", "/n/[redacted]?token=[redacted]&document_binder_uuid=B1"),
    ("token=ott-123&src_key=K1", "token=[redacted]&src_key=K1"),  # a bare query string (gunicorn's %(q)s)
    (f"https://x.example/staff/reset/{TOKEN}/", "https://x.example/staff/reset/[redacted]/"),
    ("GET /staff/taxpayers/?q=김 HTTP/1.1", "GET /staff/taxpayers/?q=김 HTTP/1.1"),
])
def test_redact(text, expected):
    assert redact(text) == expected


def test_django_request_log_is_redacted():
    logger = logging.getLogger("django.request")
    assert logger.handlers and not logger.propagate
    stream = io.StringIO()
    handler = logger.handlers[0]
    previous = handler.setStream(stream)  # type: ignore[attr-defined]
    try:
        logger.warning("Not Found: %s", f"/n/{TOKEN}/pdf")
    finally:
        handler.setStream(previous)  # type: ignore[attr-defined]
    assert "Not Found: /n/[redacted]/pdf" in stream.getvalue() and TOKEN not in stream.getvalue()


def test_gunicorn_access_atoms_are_redacted():
    from gunicorn.config import Config

    class Resp:
        status, sent, headers = "404 Not Found", 0, []

    environ = {"REQUEST_METHOD": "GET", "RAW_URI": f"/n/{TOKEN}?token=ott", "SERVER_PROTOCOL": "HTTP/1.1",
               "PATH_INFO": f"/n/{TOKEN}", "QUERY_STRING": "token=ott", "HTTP_REFERER": f"https://a/n/{TOKEN}",
               "REMOTE_ADDR": "127.0.0.1"}
    from datetime import timedelta

    atoms = RedactingGunicornLogger(Config()).atoms(Resp(), environ, environ, timedelta(seconds=0))
    assert atoms["r"] == "GET /n/[redacted]?token=[redacted] HTTP/1.1"
    assert (atoms["U"], atoms["q"], atoms["f"]) == ("/n/[redacted]", "token=[redacted]", "https://a/n/[redacted]")
    assert TOKEN not in repr(atoms)


@pytest.mark.parametrize(("text", "kinds"), [
    ("조회 900101-1234567 실패", ["registration"]),
    ("9001011234567", ["registration"]),
    ("문자 010-1234-5678", ["mobile"]),
    ("01912345678", ["mobile"]),
    ("CI " + "Ab+/" * 21 + "xy==", ["ci"]),
    ("납부번호 1126012345678901234, 금액 12345678901234, 2026-11-23 10:00:00.123456", []),
])
def test_personal_data_is_found_and_redacted(text, kinds):
    from jingsu.core.logredact import personal_data

    assert personal_data(text) == kinds
    assert personal_data(redact(text)) == []
    if kinds:
        assert "[redacted]" in redact(text)


def test_the_root_handler_writes_jingsu_and_library_records_redacted_and_as_json():
    from jingsu.core.logredact import JsonFormatter

    root = logging.getLogger()
    console = next(h for h in root.handlers if any(type(f).__name__ == "RedactTokensFilter" for f in h.filters))
    stream = io.StringIO()
    previous = console.setStream(stream)  # type: ignore[attr-defined]
    formatter = console.formatter
    console.setFormatter(JsonFormatter())
    try:
        logging.getLogger("jingsu.delivery").warning("보낼 수 없음: %s %s", "010-1234-5678", "900101-1234567")
        logging.getLogger("celery.worker").warning("task failed for %s", "01012345678")
    finally:
        console.setStream(previous)  # type: ignore[attr-defined]
        console.setFormatter(formatter)
    import json

    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(e["logger"], e["level"]) for e in lines] == [("jingsu.delivery", "WARNING"), ("celery.worker", "WARNING")]
    assert lines[0]["message"] == "보낼 수 없음: [redacted] [redacted]"
    assert lines[1]["message"] == "task failed for [redacted]"
    assert lines[0]["time"].endswith("+00:00")
