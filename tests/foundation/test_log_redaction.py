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
