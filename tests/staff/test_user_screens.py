"""직원 계정 관리 screens (staff/user_views.py) through the Django test client on a real database: accounts are
created, changed and unlocked through the screens, and the effects are checked by logging in through the real
login form (django-axes included)."""

from __future__ import annotations

import re

import pytest
from _staff_helpers import BACKEND, HOME, OTHER, PASSWORD, no_inline, text
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from jingsu.core.models import AuditLog
from jingsu.staff.models import StaffProfile
from jingsu.staff.roles import ROLES

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("console_clock")]
User = get_user_model()


def admin(client, world):
    client.force_login(world.users["sysadmin"], backend=BACKEND)
    return client


def admin_name(world) -> str:
    return world.users["sysadmin"].get_username()


def shown_password(r) -> str:
    m = re.search(r'id="new-password">([^<]+)</p>', text(r))
    assert m, "no password on the page"
    return m.group(1)


def login(username, password, ip="10.0.0.5"):
    """A fresh browser logging in through the real login form; returns (client, response)."""
    c = Client()
    r = c.post(reverse("staff:login"), {"username": username, "password": password}, REMOTE_ADDR=ip)
    return c, r


def logged_in(r) -> bool:
    return r.status_code == 302 and r["Location"] == reverse("staff:home")


def user(username) -> object:
    return User.objects.get(username=username)  # fresh: no cached permissions


# --- the list ----------------------------------------------------------------------------------------------------------


def test_the_list_shows_only_this_jurisdictions_accounts(world, client):
    r = admin(client, world).get(reverse("staff:users"))
    assert r.status_code == 200 and "no-store" in r["Cache-Control"]
    body = text(r)
    for role in ROLES:
        assert f"{role.code}-{HOME}" in body
        assert role.name in body
    assert f"clerk-{OTHER}" not in body and "no-profile" not in body
    assert "사용 중" in body and "2026. " in body  # created date as 2026. m. d.
    no_inline(r)


def test_home_links_to_the_account_list(world, client):
    body = text(admin(client, world).get(reverse("staff:home")))
    assert reverse("staff:users") in body


# --- a new account -----------------------------------------------------------------------------------------------------


def test_a_new_account_gets_a_generated_password_shown_once_that_logs_in(world, client):
    admin(client, world)
    form = client.get(reverse("staff:user_new"))
    assert form.status_code == 200 and "계정 만들기" in text(form)
    no_inline(form)
    r = client.post(reverse("staff:user_new"),
                    {"username": "kim.minjun-11260", "display_name": "김민준", "role": "clerk"})
    assert r.status_code == 200 and "no-store" in r["Cache-Control"]
    no_inline(r)
    password = shown_password(r)
    assert len(password) >= 16
    # not in the session (messages included), and only the hash in the database
    assert password not in str(dict(client.session.items()))
    u = user("kim.minjun-11260")
    assert password not in u.password and u.check_password(password)
    profile = StaffProfile.objects.get(user=u)
    assert profile.jurisdiction_id == HOME and profile.role == "clerk" and profile.display_name == "김민준"
    assert u.has_perm("staff.import_roll") and not u.has_perm("staff.manage_users")
    row = AuditLog.objects.get(action="staff.user_create", target_id=str(profile.pk))
    assert row.actor == admin_name(world) and row.jurisdiction_id == HOME and password not in str(row.detail)
    # the account page does not show it again
    assert password not in text(client.get(reverse("staff:user_detail", args=[u.pk])))
    # the new user logs in through the login form and uses the console
    c, r = login("kim.minjun-11260", password)
    assert logged_in(r)
    home = c.get(reverse("staff:home"))
    assert home.status_code == 200 and "담당자" in text(home)


@pytest.mark.parametrize("data, field, message", [
    ({"username": "", "display_name": "김민준", "role": "clerk"}, "username", "아이디를 입력하세요."),
    ({"username": "김 민준!", "display_name": "김민준", "role": "clerk"}, "username", "@ . + - _ 만 쓸 수 있습니다"),
    ({"username": f"CLERK-{HOME}", "display_name": "김민준", "role": "clerk"}, "username", "이미 있는 아이디입니다"),
    ({"username": f"clerk-{OTHER}", "display_name": "김민준", "role": "clerk"}, "username", "이미 있는 아이디입니다"),
    ({"username": "x" * 151, "display_name": "김민준", "role": "clerk"}, "username", "150자 이내"),
    ({"username": "new-user", "display_name": "", "role": "clerk"}, "display_name", "이름을 입력하세요."),
    ({"username": "new-user", "display_name": "김민준", "role": "boss"}, "role", "목록에 있는 역할을 고르세요."),
])
def test_a_new_account_is_refused_with_a_korean_message(world, client, data, field, message):
    before = User.objects.count()
    r = admin(client, world).post(reverse("staff:user_new"), data)
    assert r.status_code == 200
    body = text(r)
    assert message in body and f'id="new-{field}_error"' in body
    assert 'id="new-password"' not in body
    assert User.objects.count() == before
    no_inline(r)


# --- role --------------------------------------------------------------------------------------------------------------


def test_changing_the_role_changes_the_permissions_and_is_audited(world, client):
    clerk = world.users["clerk"]
    assert user(clerk.username).has_perm("staff.import_roll")
    page = admin(client, world).get(reverse("staff:user_detail", args=[clerk.pk]))
    assert page.status_code == 200 and "역할 바꾸기" in text(page)
    no_inline(page)
    r = client.post(reverse("staff:user_role", args=[clerk.pk]), {"role": "auditor"})
    assert r.status_code == 302 and r["Location"] == reverse("staff:user_detail", args=[clerk.pk])
    u = user(clerk.username)
    assert u.staff_profile.role == "auditor"
    assert set(u.groups.values_list("name", flat=True)) == {"감사"}
    assert u.has_perm("staff.view_audit_log") and not u.has_perm("staff.import_roll")
    row = AuditLog.objects.get(action="staff.role_change")
    assert row.actor == admin_name(world) and row.jurisdiction_id == HOME
    assert row.detail == {"username": clerk.username, "from": "clerk", "to": "auditor"}
    assert "역할을 감사(으)로 바꿨습니다" in text(client.get(r["Location"]))
    # the screens follow: the former clerk now sees the audit log and no longer the roll upload
    c, r = login(clerk.username, PASSWORD)
    assert logged_in(r)
    assert c.get(reverse("staff:audit_log")).status_code == 200
    assert c.get(reverse("staff:roll_upload")).status_code == 403


def test_an_admin_cannot_remove_their_own_manage_users(world, client):
    me = world.users["sysadmin"]
    r = admin(client, world).post(reverse("staff:user_role", args=[me.pk]), {"role": "clerk"})
    assert r.status_code == 400
    assert "자기 계정에서 직원 계정 관리 권한을 뺄 수 없습니다" in text(r)
    u = user(me.username)
    assert u.staff_profile.role == "sysadmin" and u.has_perm("staff.manage_users")
    assert not AuditLog.objects.filter(action="staff.role_change").exists()
    no_inline(r)


# --- deactivate and reactivate -------------------------------------------------------------------------------------------


def test_a_deactivated_account_cannot_log_in_or_use_the_console(world, client):
    clerk = world.users["clerk"]
    session, r = login(clerk.username, PASSWORD)  # logged in before the change
    assert logged_in(r)
    r = admin(client, world).post(reverse("staff:user_deactivate", args=[clerk.pk]))
    assert r.status_code == 302
    assert not user(clerk.username).is_active
    row = AuditLog.objects.get(action="staff.user_deactivate")
    assert row.actor == admin_name(world) and row.detail["username"] == clerk.username
    # the open session no longer works, and a new login is refused
    assert session.get(reverse("staff:home")).status_code in (302, 403)
    assert session.get(reverse("staff:taxpayer_search")).status_code in (302, 403)
    _, r = login(clerk.username, PASSWORD, ip="10.0.0.6")
    assert not logged_in(r) and r.status_code == 200
    assert "사용 중지" in text(client.get(reverse("staff:users")))
    # reactivated: logs in again
    r = client.post(reverse("staff:user_activate", args=[clerk.pk]))
    assert r.status_code == 302 and user(clerk.username).is_active
    assert AuditLog.objects.get(action="staff.user_activate").actor == admin_name(world)
    assert logged_in(login(clerk.username, PASSWORD, ip="10.0.0.7")[1])


def test_an_admin_cannot_deactivate_themselves(world, client):
    me = world.users["sysadmin"]
    r = admin(client, world).post(reverse("staff:user_deactivate", args=[me.pk]))
    assert r.status_code == 400 and "자기 계정은 사용 중지할 수 없습니다" in text(r)
    assert user(me.username).is_active
    assert not AuditLog.objects.filter(action="staff.user_deactivate").exists()
    assert client.get(reverse("staff:users")).status_code == 200  # still in


def test_changes_need_post_and_csrf(world):
    clerk = world.users["clerk"]
    c = Client(enforce_csrf_checks=True)
    c.force_login(world.users["sysadmin"], backend=BACKEND)
    page = c.get(reverse("staff:user_deactivate", args=[clerk.pk]))  # GET shows the page, changes nothing
    assert page.status_code == 200 and user(clerk.username).is_active
    assert c.post(reverse("staff:user_deactivate", args=[clerk.pk])).status_code == 403  # no CSRF token
    assert c.post(reverse("staff:user_password", args=[clerk.pk])).status_code == 403
    assert user(clerk.username).is_active and user(clerk.username).check_password(PASSWORD)


# --- password reset ------------------------------------------------------------------------------------------------------


def test_a_password_reset_shows_a_new_password_once_and_the_old_one_stops_working(world, client):
    clerk = world.users["clerk"]
    r = admin(client, world).post(reverse("staff:user_password", args=[clerk.pk]))
    assert r.status_code == 200 and "no-store" in r["Cache-Control"]
    no_inline(r)
    password = shown_password(r)
    assert len(password) >= 16 and password != PASSWORD
    assert password not in str(dict(client.session.items()))
    row = AuditLog.objects.get(action="staff.password_reset")
    assert row.actor == admin_name(world) and row.detail == {"username": clerk.username}
    assert password not in text(client.get(reverse("staff:user_detail", args=[clerk.pk])))
    _, r = login(clerk.username, PASSWORD)
    assert not logged_in(r) and "아이디 또는 비밀번호가 맞지 않습니다" in text(r)
    assert logged_in(login(clerk.username, password)[1])


def test_an_admin_resetting_their_own_password_stays_logged_in(world, client):
    me = world.users["sysadmin"]
    r = admin(client, world).post(reverse("staff:user_password", args=[me.pk]))
    password = shown_password(r)
    assert client.get(reverse("staff:users")).status_code == 200
    assert logged_in(login(me.username, password)[1])


# --- lockout ---------------------------------------------------------------------------------------------------------------


def test_a_locked_out_account_is_shown_and_unlocked_through_the_screen(world, client):
    clerk = world.users["clerk"]
    c = Client()
    for _ in range(5):
        c.post(reverse("staff:login"), {"username": clerk.username, "password": "wrong"}, REMOTE_ADDR="10.0.0.9")
    r = c.post(reverse("staff:login"), {"username": clerk.username, "password": PASSWORD}, REMOTE_ADDR="10.0.0.9")
    assert r.status_code == 429  # locked, the right password does not help
    _, r = login(clerk.username, PASSWORD, ip="10.0.0.10")
    assert r.status_code == 429  # locked by username, from any address

    admin(client, world)
    listing = text(client.get(reverse("staff:users")))
    row = listing.split(f'id="user-{clerk.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "잠김" in row
    other_row = listing.split(f'id="user-{world.users["team_lead"].pk}"', 1)[1].split("</tr>", 1)[0]
    assert "잠김" not in other_row
    page = client.get(reverse("staff:user_detail", args=[clerk.pk]))
    assert 'id="user-locked"><strong' in text(page)

    r = client.post(reverse("staff:user_unlock", args=[clerk.pk]))
    assert r.status_code == 302
    audit_row = AuditLog.objects.get(action="staff.user_unlock")
    assert audit_row.actor == admin_name(world) and audit_row.detail["username"] == clerk.username
    assert audit_row.detail["attempts_removed"] >= 1
    assert "잠김을 풀었습니다" in text(client.get(r["Location"]))
    assert 'id="user-locked">아니요' in text(client.get(reverse("staff:user_detail", args=[clerk.pk])))
    r = c.post(reverse("staff:login"), {"username": clerk.username, "password": PASSWORD}, REMOTE_ADDR="10.0.0.9")
    assert logged_in(r)


# --- scope and permission --------------------------------------------------------------------------------------------------


def test_another_jurisdictions_account_is_404_and_unchanged(world, client):
    other = world.other_clerk
    admin(client, world)
    for name in ("user_detail", "user_role", "user_deactivate", "user_activate", "user_password", "user_unlock"):
        url = reverse(f"staff:{name}", args=[other.pk])
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"role": "auditor"}).status_code == 404, url
    u = user(other.username)
    assert u.is_active and u.check_password(PASSWORD) and u.staff_profile.role == "clerk"
    assert not AuditLog.objects.filter(action__in=["staff.role_change", "staff.user_deactivate",
                                                   "staff.password_reset", "staff.user_unlock"]).exists()
    # a user without a staff profile is not an account of the console either
    assert client.get(reverse("staff:user_detail", args=[world.no_profile.pk])).status_code == 404


def test_other_roles_get_403_and_change_nothing(world, client):
    clerk = world.users["clerk"]
    for role in ROLES:
        if "manage_users" in role.permissions:
            continue
        client.force_login(world.users[role.code], backend=BACKEND)
        assert client.get(reverse("staff:users")).status_code == 403, role.code
        assert client.post(reverse("staff:user_new"), {"username": f"x-{role.code}", "display_name": "가",
                                                       "role": "sysadmin"}).status_code == 403
        assert client.post(reverse("staff:user_role", args=[clerk.pk]), {"role": "sysadmin"}).status_code == 403
        assert client.post(reverse("staff:user_deactivate", args=[clerk.pk])).status_code == 403
    assert not User.objects.filter(username__startswith="x-").exists()
    u = user(clerk.username)
    assert u.is_active and u.staff_profile.role == "clerk"
