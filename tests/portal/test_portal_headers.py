"""The portal's lighter middleware stack (jingsu.core.middleware, issue #18) keeps everything a portal response
carries: the security headers and the CSP, no-store, the session (renewed on every request), CSRF on every POST; and
the console still gets its user and messages."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.test import Client

from jingsu.notices.models import Notice
from jingsu.portal import views
from jingsu.portal.views import SESSION_KEY

sys.path.insert(0, str(Path(__file__).parent.parent / "delivery"))
from _delivery_helpers import build_campaign  # noqa: E402


def _security_headers(r) -> None:
    assert "frame-ancestors 'none'" in r["Content-Security-Policy"]
    assert "default-src 'self'" in r["Content-Security-Policy"]
    assert r["X-Frame-Options"] == "DENY"
    assert r["Referrer-Policy"] == "same-origin"
    assert r["X-Content-Type-Options"] == "nosniff"
    assert r["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "no-store" in r["Cache-Control"]


@pytest.fixture
def notice(clock, jungnang) -> Notice:
    build_campaign(clock, jungnang)
    return Notice.objects.filter(taxpayer__name="김민준").first()


@pytest.mark.django_db
def test_portal_pages_keep_every_header_the_session_and_csrf(notice, monkeypatch):
    monkeypatch.setattr(views, "providers", lambda: SimpleNamespace(gateway=None))  # no SMS: a wrong identity
    c = Client(enforce_csrf_checks=True)
    verify = c.get(f"/n/{notice.token}")  # not verified yet: the verification page with its forms
    assert verify.status_code == 200
    _security_headers(verify)
    assert settings.CSRF_COOKIE_NAME in verify.cookies  # the form's CSRF cookie is set
    # a POST without the CSRF token is refused, as before
    refused = c.post(f"/n/{notice.token}/code", {"identity": "850101"})
    assert refused.status_code == 403
    # with it, the request reaches the view (the identity check answers)
    token = c.cookies[settings.CSRF_COOKIE_NAME].value
    answered = c.post(f"/n/{notice.token}/code", {"identity": "000000", "csrfmiddlewaretoken": token})
    assert answered.status_code in (400, 423) and "입력하신 정보가" in answered.content.decode()

    session = c.session
    session[SESSION_KEY] = [notice.pk]
    session.save()
    page = c.get(f"/n/{notice.token}")
    assert page.status_code == 200 and "납부하실 금액" in page.content.decode()
    _security_headers(page)
    assert page.cookies[settings.SESSION_COOKIE_NAME].value == session.session_key  # renewed on every request
    assert not hasattr(page.wsgi_request, "user")  # the console's login is not run for the portal
    assert not hasattr(page.wsgi_request, "_messages")


@pytest.mark.django_db
def test_console_pages_still_get_the_user_and_messages(client):
    r = client.get("/staff/login/")
    assert r.status_code == 200
    assert r.wsgi_request.user.is_anonymous and hasattr(r.wsgi_request, "_messages")
    _security_headers_console = r["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in _security_headers_console and r["X-Frame-Options"] == "DENY"
