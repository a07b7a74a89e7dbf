"""Login, lockout, sessions, headers, search, the taxpayer page, the reveal and the audit log (Django test client)."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from _staff_helpers import HOME, PASSWORD
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse

from jingsu.clock import SEOUL
from jingsu.core.models import AuditLog, Jurisdiction
from jingsu.core.runtime import runtime
from jingsu.staff import queries

BACKEND = "django.contrib.auth.backends.ModelBackend"
LOGIN = "/staff/login/"


def login(client, username, password=PASSWORD, ip="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.mark.django_db
def test_login_writes_audit_row_and_lands_on_home(world, client):
    r = login(client, f"clerk-{HOME}")
    assert r.status_code == 302 and r["Location"] == "/staff/"
    row = AuditLog.objects.filter(action="staff.login").latest("id")
    assert row.actor == f"clerk-{HOME}" and row.jurisdiction_id == HOME and row.detail["ip"] == "10.0.0.1"
    home = client.get("/staff/")
    assert home.status_code == 200
    text = home.content.decode()
    assert "중랑구" in text and "담당자" in text and 'lang="ko"' in text and "본문 바로가기" in text


@pytest.mark.django_db
def test_five_failures_lock_the_username_for_15_minutes(world, client):
    user = f"clerk-{HOME}"
    for i in range(4):
        r = login(client, user, "wrong")
        assert r.status_code == 200 and "아이디 또는 비밀번호가 맞지 않습니다" in r.content.decode(), i
    r = login(client, user, "wrong")
    assert r.status_code == 429 and "15분 동안 로그인할 수 없습니다" in r.content.decode()
    # the right password does not help now, from another address either (locked by username)
    r = login(client, user, PASSWORD, ip="10.9.9.9")
    assert r.status_code == 429
    assert AuditLog.objects.filter(action="staff.login_failed", actor=user).count() >= 5
    assert AuditLog.objects.filter(action="staff.lockout", actor=user).exists()
    assert not AuditLog.objects.filter(action="staff.login", actor=user).exists()


@pytest.mark.django_db
def test_five_failures_from_one_address_lock_the_address(world, client):
    for i in range(5):
        login(client, f"nobody-{i}", "wrong", ip="10.6.6.6")
    r = login(client, f"auditor-{HOME}", PASSWORD, ip="10.6.6.6")
    assert r.status_code == 429
    assert login(client, f"auditor-{HOME}", PASSWORD, ip="10.7.7.7").status_code == 302


def test_session_and_security_settings():
    assert settings.SESSION_COOKIE_AGE == 15 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST and settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert settings.AXES_FAILURE_LIMIT == 5 and settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60


@pytest.mark.django_db
def test_security_headers_on_console_pages(world, client):
    r = client.get(LOGIN)
    assert r["X-Frame-Options"] == "DENY"
    assert r["Referrer-Policy"] == "same-origin"
    assert r["X-Content-Type-Options"] == "nosniff"
    csp = r["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert "no-store" in r["Cache-Control"]
    assert 'name="csrfmiddlewaretoken"' in r.content.decode()


@pytest.mark.django_db
def test_logout_is_post_and_audited(world, client):
    client.force_login(world.users["clerk"], backend=BACKEND)
    assert client.get("/staff/logout/").status_code == 405
    assert client.post("/staff/logout/").status_code == 302
    assert AuditLog.objects.filter(action="staff.logout").exists()
    assert client.get("/staff/").status_code == 302


@pytest.mark.django_db
def test_csrf_is_enforced_on_login():
    from django.test import Client

    c = Client(enforce_csrf_checks=True)
    assert c.post(LOGIN, {"username": "x", "password": "y"}).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("by, query_of", [
    ("name", lambda t: "김민"),
    ("tax_number", lambda t: t.levies.first().tax_number),
    ("payment_number", lambda t: t.notices.first().lines.first().payment_number),
    ("registration", lambda t: t.registration_masked),
    ("registration", lambda t: "8501011234566"),
])
def test_search_finds_by_each_key_and_masks(world, client, by, query_of):
    client.force_login(world.users["clerk"], backend=BACKEND)
    q = query_of(world.taxpayer)
    assert queries.detect(q) == by
    posted = client.post(reverse("staff:taxpayer_search"), {"q": q})
    # Post/Redirect/Get: the results are a GET whose URL holds no query (Back returns to them)
    assert posted.status_code == 302 and posted["Location"].startswith(reverse("staff:taxpayer_search") + "?s=")
    assert q not in posted["Location"] and q.replace("-", "") not in posted["Location"]
    r = client.get(posted["Location"])
    text = r.content.decode()
    assert r.status_code == 200
    assert reverse("staff:taxpayer_detail", args=[world.taxpayer.pk]) in text
    assert reverse("staff:taxpayer_detail", args=[world.other_taxpayer.pk]) not in text  # other jurisdiction
    assert "850101-1******" in text and "1234566" not in text
    row = AuditLog.objects.filter(action="staff.taxpayer_search").latest("id")
    assert row.detail["by"] == by and q not in str(row.detail)


@pytest.mark.django_db
def test_taxpayer_page_shows_levies_notices_attempt_history_and_payments(world, client):
    client.force_login(world.users["team_lead"], backend=BACKEND)
    t = world.taxpayer
    r = client.get(reverse("staff:taxpayer_detail", args=[t.pk]))
    text = r.content.decode()
    notice = t.notices.get()
    assert notice.doc_hash in text
    assert "11260-14-2024-0000001" in text
    assert notice.lines.first().payment_number in text
    assert "KT 공인알림문자" in text and "열람" in text and "접수" in text  # attempt and its history
    assert "50,000원" in text  # payment
    assert "850101-1******" in text and "850101-1234566" not in text
    assert "010-****-5678" in text and "010-1234-5678" not in text
    assert AuditLog.objects.filter(action="staff.taxpayer_view", target_id=str(t.pk)).exists()


@pytest.mark.django_db
def test_taxpayer_page_shows_the_enforcement_actions_on_its_levies(world, client, clock):
    from datetime import date

    from jingsu.rewards import services as rewards

    t = world.taxpayer
    client.force_login(world.users["clerk"], backend=BACKEND)
    assert "기록된 체납처분이 없습니다" in client.get(reverse("staff:taxpayer_detail", args=[t.pk])).content.decode()
    official = rewards.add_official(Jurisdiction.by_code(HOME), name="한지민", rank="지방세무주사보", department="세무1과 체납징수팀",
                                    actor="setup", clock=clock)
    levy = t.levies.order_by("tax_number").first()
    rewards.record_action(levy, kind="seizure", taken_on=date(2026, 10, 5), official=official, actor="setup",
                          clock=clock)
    text = client.get(reverse("staff:taxpayer_detail", args=[t.pk])).content.decode()
    assert "체납처분 (1건)" in text and "압류" in text and "2026. 10. 5." in text
    assert levy.tax_number in text and "한지민 (세무1과 체납징수팀)" in text


@pytest.mark.django_db
def test_reveal_needs_a_reason_and_is_audited(world, client):
    client.force_login(world.users["clerk"], backend=BACKEND)
    url = reverse("staff:taxpayer_reveal", args=[world.taxpayer.pk])
    r = client.get(url)
    assert r.status_code == 200 and "850101-1234566" not in r.content.decode()
    for reason in ("", "짧음"):
        r = client.post(url, {"reason": reason})
        assert r.status_code == 200 and "850101-1234566" not in r.content.decode()
        assert "열람 사유" in r.content.decode()
    assert not AuditLog.objects.filter(action="taxpayer.reveal_registration_number").exists()
    r = client.post(url, {"reason": "체납 상담 중 본인 확인"})
    assert "850101-1234566" in r.content.decode()
    assert "no-store" in r["Cache-Control"]
    row = AuditLog.objects.get(action="taxpayer.reveal_registration_number")
    assert row.actor == f"clerk-{HOME}" and row.reason == "체납 상담 중 본인 확인"
    assert row.target_id == str(world.taxpayer.pk) and row.jurisdiction_id == HOME


@pytest.mark.django_db
def test_audit_log_page_shows_only_own_jurisdiction(world, client):
    from jingsu.core import audit

    audit.record("test.other", actor="someone", jurisdiction=world.other, reason="다른 구의 기록", clock=runtime().clock)
    audit.record("test.home", actor="someone", jurisdiction=world.home, reason="우리 구의 기록", clock=runtime().clock)
    client.force_login(world.users["auditor"], backend=BACKEND)
    text = client.get(reverse("staff:audit_log")).content.decode()
    assert "우리 구의 기록" in text and "다른 구의 기록" not in text
    assert 'value="test.home"' in text and 'value="test.other"' not in text  # the filter offers only our actions
    text = client.get(reverse("staff:audit_log"), {"action": "test.home"}).content.decode()
    table = text.split('id="audit-table"', 1)[1]
    # an action without a label reads as a generic Korean label, never its code; the filter kept only that one
    assert "우리 구의 기록" in table and "기타 작업" in table and "test.home" not in table
    assert "계정 만들기" not in table


@pytest.mark.django_db
def test_home_differs_by_role(world, client):
    client.force_login(world.users["committee_member"], backend=BACKEND)
    text = client.get("/staff/").content.decode()
    assert "공적심사위원회" in text and "납세자 찾기" not in text and "체납 현황" not in text
    client.force_login(world.users["clerk"], backend=BACKEND)
    text = client.get("/staff/").content.decode()
    assert "납세자 찾기" in text and "체납 현황" in text and "감사 기록 보기" not in text


def test_money_and_date_filters():
    t = Template("{% load jingsu_format %}{{ a|won }}|{{ d|kdate }}|{{ dt|kdatetime }}|{{ m|mask_mobile }}|{{ z|won }}")
    out = t.render(Context({"a": 1234560, "d": date(2026, 11, 23), "dt": datetime(2026, 1, 5, 9, 7, tzinfo=SEOUL),
                            "m": "010-1234-5678", "z": 0}))
    assert out == "1,234,560원|2026. 11. 23.|2026. 1. 5. 09:07|010-****-5678|0원"


def test_krds_assets_are_served_from_node_modules():
    from django.contrib.staticfiles import finders

    for name in ("krds/css/common/common.css", "krds/css/component/output.css", "krds/css/token/krds_tokens.css",
                 "krds/fonts/PretendardGOV-Regular.subset.woff2", "staff/console.css"):
        assert finders.find(name), f"{name} not found: run `npm ci` at the repository root"


@pytest.mark.django_db
def test_serve_creates_one_demo_user_per_role_and_prints_passwords_once(db, capsys):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from jingsu.staff.roles import ROLES

    call_command("serve", "--check")
    first = capsys.readouterr().out
    # one per role (the 시 담당 in 서울특별시, 11000, above 중랑구) and a second 시스템관리자, who approves the console's
    # account requests
    users = get_user_model().objects.filter(staff_profile__jurisdiction_id__in=("11260", "11000"))
    assert users.count() == len(ROLES) + 1
    assert users.get(username="city_analyst-11000").staff_profile.jurisdiction_id == "11000"
    for u in users:
        assert u.password.startswith(("pbkdf2_", "argon2", "scrypt")) and u.password not in first
    password_line = next(line for line in first.splitlines() if "clerk-11260" in line)
    password = password_line.split()[-1]
    assert users.get(username="clerk-11260").check_password(password)
    call_command("serve", "--check")
    second = capsys.readouterr().out
    assert password not in second and "이미 있음" in second
    assert users.count() == len(ROLES) + 1


@pytest.mark.django_db
def test_a_name_search_pages_through_every_match_and_a_lost_search_says_so(world, client, clock):
    from jingsu.taxpayers.models import Taxpayer

    now = clock.now()
    Taxpayer.objects.bulk_create([
        Taxpayer(jurisdiction=world.home, kind="individual", name=f"박페이지{i:03d}", registration_hash=f"h{i}",
                 registration_encrypted="x", registration_masked="900101-1******", address="서울",
                 created_at=now, updated_at=now) for i in range(120)])
    client.force_login(world.users["clerk"], backend=BACKEND)
    first = client.get(client.post(reverse("staff:taxpayer_search"), {"q": "박페이지", "by": "name"})["Location"])
    body = first.content.decode()
    assert "120명" in body and "1/3쪽" in body and body.count("박페이지") >= 50
    assert "박페이지000" in body and "박페이지050" not in body
    next_url = re.search(r'href="(\?s=[^"]+page=2)"', body).group(1).replace("&amp;", "&")
    second = client.get(reverse("staff:taxpayer_search") + next_url).content.decode()
    assert "박페이지050" in second and "박페이지000" not in second and "2/3쪽" in second
    third = client.get(reverse("staff:taxpayer_search") + next_url.replace("page=2", "page=3")).content.decode()
    assert "박페이지119" in third and 'id="results-next"' not in third
    # a search key this session does not hold (expired, another browser) shows no one, and says why
    lost = client.get(reverse("staff:taxpayer_search") + "?s=unknown", follow=True).content.decode()
    assert "다시 검색하세요" in lost and "박페이지" not in lost
