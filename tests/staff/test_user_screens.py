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

from jingsu.clock import SEOUL
from jingsu.core.formats import kdate
from jingsu.core.models import AuditLog
from jingsu.core.runtime import runtime
from jingsu.staff import services
from jingsu.staff.models import AccountNotice, AccountSetupToken, StaffProfile
from jingsu.staff.roles import DATA_PERMISSIONS, DATA_ROLES, ROLE_BY_CODE, ROLES

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("console_clock")]
User = get_user_model()


def admin(client, world):
    client.force_login(world.users["sysadmin"], backend=BACKEND)
    return client


def admin_name(world) -> str:
    return world.users["sysadmin"].get_username()


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
    created = StaffProfile.objects.get(user__username=f"clerk-{HOME}").created_at
    assert "사용 중" in body and kdate(created.astimezone(SEOUL)) in body  # created date as 2026. m. d.
    no_inline(r)


def test_home_links_to_the_account_list(world, client):
    body = text(admin(client, world).get(reverse("staff:home")))
    assert reverse("staff:users") in body


# --- a new account: no password shown, no role until a second administrator approves -----------------------------------


def second_admin(world):
    """Another 시스템관리자 of the same jurisdiction (the checker of account requests)."""
    return services.create_staff_user(f"sysadmin2-{HOME}", jurisdiction=world.home, role="sysadmin",
                                      password=PASSWORD, clock=runtime().clock).user


def as_user(u) -> Client:
    c = Client()
    c.force_login(u, backend=BACKEND)
    return c


def shown_link(r) -> str:
    m = re.search(r'id="setup-link">([^<]+)</p>', text(r))
    assert m, "no set-up link on the page"
    return m.group(1)


def path_of(link: str) -> str:
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


NEW_PASSWORD = "노을빛-강변-4721"


def set_password(link: str, password: str = NEW_PASSWORD):
    c = Client()
    return c.post(path_of(link), {"new_password1": password, "new_password2": password})


def test_a_new_account_shows_no_password_or_link_to_its_maker_and_gets_its_role_only_from_a_second_admin(
        world, client, console_clock):
    checker = second_admin(world)
    admin(client, world)
    form = client.get(reverse("staff:user_new"))
    assert form.status_code == 200 and "계정 만들기" in text(form)
    no_inline(form)
    r = client.post(reverse("staff:user_new"),
                    {"username": "kim.minjun-11260", "display_name": "김민준", "role": "clerk"})
    assert r.status_code == 200 and "no-store" in r["Cache-Control"]
    no_inline(r)
    body = text(r)
    # the maker sees neither a password nor a link
    assert 'id="new-password"' not in body and 'id="setup-link"' not in body and "/staff/setup/" not in body
    assert "다른 시스템관리자가 요청을 승인하면" in body
    u = user("kim.minjun-11260")
    assert not u.has_usable_password()
    profile = StaffProfile.objects.get(user=u)
    assert profile.role == "none" and profile.display_name == "김민준"
    assert not u.has_perm("staff.import_roll") and not u.has_perm("staff.view_taxpayer")
    assert not AccountSetupToken.objects.filter(user=u).exists()
    create = AuditLog.objects.get(action="staff.user_create", target_id=str(profile.pk))
    assert create.actor == admin_name(world) and create.jurisdiction_id == HOME
    req = AuditLog.objects.get(action="staff.role_request", target_id=str(profile.pk))
    assert req.actor == admin_name(world) and req.detail["to"] == "clerk" and req.detail["from"] == "none"

    # the maker cannot approve their own request (refused with the reason; nothing changes)
    r = client.post(reverse("staff:user_role_approve", args=[u.pk]))
    assert r.status_code == 400 and "요청한 사람은 그 요청을 승인할 수 없습니다" in text(r)
    assert user(u.username).staff_profile.role == "none"
    assert not AuditLog.objects.filter(action="staff.role_approve").exists()
    page = text(client.get(reverse("staff:user_detail", args=[u.pk])))
    assert 'id="pending-own"' in page and reverse("staff:user_role_approve", args=[u.pk]) not in page

    # the second administrator approves: the role is given and the set-up link shown to them, once
    c2 = as_user(checker)
    listing = text(c2.get(reverse("staff:users")))
    assert 'id="pending-requests"' in listing and "역할 역할 없음 → 담당자" in listing
    r = c2.post(reverse("staff:user_role_approve", args=[u.pk]))
    assert r.status_code == 200 and "no-store" in r["Cache-Control"]
    link = shown_link(r)
    assert link not in str(dict(c2.session.items()))
    u = user(u.username)
    assert u.staff_profile.role == "clerk" and u.has_perm("staff.import_roll")
    row = AuditLog.objects.get(action="staff.role_approve")
    assert row.actor == checker.username and row.detail["requested_by"] == admin_name(world)
    assert row.detail["from"] == "none" and row.detail["to"] == "clerk"
    # the link is stored hashed only, and not shown again
    raw = path_of(link).rstrip("/").rsplit("/", 1)[1]
    token = AccountSetupToken.objects.get(user=u)
    assert raw not in token.token_hash and len(token.token_hash) == 64 and token.created_by == checker.username
    assert link not in text(c2.get(reverse("staff:user_detail", args=[u.pk])))

    # the owner opens the link: a weak password is refused by Django's validators (Korean), nothing set
    page = Client().get(path_of(link))
    assert page.status_code == 200 and 'id="setup-username">kim.minjun-11260' in text(page)
    no_inline(page)
    r = Client().post(path_of(link), {"new_password1": "12345678", "new_password2": "12345678"})
    assert r.status_code == 400 and "new_password2_error" in text(r)
    assert not user(u.username).has_usable_password()
    # a good one is set; the link then works no more
    r = set_password(link)
    assert r.status_code == 302 and r["Location"] == reverse("staff:login")
    assert AuditLog.objects.get(action="staff.password_set").actor == "kim.minjun-11260"
    assert Client().get(path_of(link)).status_code == 404
    assert set_password(link, "다른-비밀번호-9981").status_code == 404
    assert user(u.username).check_password(NEW_PASSWORD)
    # the owner logs in and works as 담당자
    c, r = login("kim.minjun-11260", NEW_PASSWORD)
    assert logged_in(r)
    home = c.get(reverse("staff:home"))
    assert home.status_code == 200 and "담당자" in text(home)


def test_an_account_without_an_approved_role_sees_only_its_own_account(world, client):
    admin(client, world)
    client.post(reverse("staff:user_new"), {"username": "lee.seoyeon-11260", "display_name": "이서연",
                                            "role": "team_lead"})
    u = user("lee.seoyeon-11260")
    c = as_user(u)
    home = c.get(reverse("staff:home"))
    assert home.status_code == 200 and "역할 없음" in text(home)
    mine = c.get(reverse("staff:account"))
    assert mine.status_code == 200 and "역할 팀장" not in text(mine)
    assert "역할 역할 없음 → 팀장" in text(mine)
    no_inline(mine)
    for name in ("taxpayer_search", "campaign_list", "campaign_new", "audit_log", "users", "roll_upload"):
        assert c.get(reverse(f"staff:{name}")).status_code == 403, name


def test_a_set_up_link_expires_and_a_newer_one_replaces_it(world, client, console_clock):
    from datetime import timedelta

    from django.conf import settings

    checker = second_admin(world)
    admin(client, world)
    client.post(reverse("staff:user_new"), {"username": "park.jiho-11260", "display_name": "박지호",
                                            "role": "auditor"})
    u = user("park.jiho-11260")
    link = shown_link(as_user(checker).post(reverse("staff:user_role_approve", args=[u.pk])))
    console_clock.advance(timedelta(hours=settings.JINGSU_ACCOUNT_SETUP_HOURS, seconds=1))
    r = Client().get(path_of(link))
    assert r.status_code == 404 and "쓸 수 없는 링크입니다" in text(r)
    assert set_password(link).status_code == 404 and not user(u.username).has_usable_password()
    # a new link (a reset request, approved by the other administrator) works, and revokes the earlier one
    client.post(reverse("staff:user_password", args=[u.pk]))
    second = shown_link(as_user(checker).post(reverse("staff:user_role_approve", args=[u.pk])))
    assert second != link
    assert set_password(second).status_code == 302
    assert logged_in(login(u.username, NEW_PASSWORD)[1])


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


def test_a_role_change_waits_for_a_second_admin_and_is_audited_in_both_steps(world, client):
    clerk = world.users["clerk"]
    checker = second_admin(world)
    page = admin(client, world).get(reverse("staff:user_detail", args=[clerk.pk]))
    assert page.status_code == 200 and "역할 바꾸기 요청" in text(page)
    no_inline(page)
    r = client.post(reverse("staff:user_role", args=[clerk.pk]), {"role": "auditor"})
    assert r.status_code == 302 and r["Location"] == reverse("staff:user_detail", args=[clerk.pk])
    after = text(client.get(r["Location"]))
    assert "역할 변경 요청(감사)을 남겼습니다" in after
    # the request history is shown once, in the page (it once leaked into the <title> as well)
    title = after[after.index("<title>"):after.index("</title>")]
    assert "<section" not in title and after.count('id="account-requests"') == 1
    # nothing changed yet: still 담당자
    u = user(clerk.username)
    assert u.staff_profile.role == "clerk" and u.has_perm("staff.import_roll") and not u.has_perm("staff.view_audit_log")
    requested = AuditLog.objects.get(action="staff.role_request")
    assert requested.actor == admin_name(world) and requested.detail["from"] == "clerk"
    assert requested.detail["to"] == "auditor"
    # a second request for the same account is refused while one is pending
    r = client.post(reverse("staff:user_role", args=[clerk.pk]), {"role": "team_lead"})
    assert r.status_code == 400 and "승인을 기다리는 요청이 이미 있습니다" in text(r)
    # the second administrator approves
    r = as_user(checker).post(reverse("staff:user_role_approve", args=[clerk.pk]))
    assert r.status_code == 302  # the clerk has a password: no link is issued
    u = user(clerk.username)
    assert u.staff_profile.role == "auditor"
    assert set(u.groups.values_list("name", flat=True)) == {"감사"}
    assert u.has_perm("staff.view_audit_log") and not u.has_perm("staff.import_roll")
    row = AuditLog.objects.get(action="staff.role_approve")
    assert row.actor == checker.username and row.jurisdiction_id == HOME
    assert row.detail["from"] == "clerk" and row.detail["to"] == "auditor"
    assert row.detail["requested_by"] == admin_name(world)
    # the screens follow: the former clerk now sees the audit log and no longer the roll upload
    c, r = login(clerk.username, PASSWORD)
    assert logged_in(r)
    assert c.get(reverse("staff:audit_log")).status_code == 200
    assert c.get(reverse("staff:roll_upload")).status_code == 403


def test_a_rejected_request_changes_nothing(world, client):
    clerk = world.users["clerk"]
    admin(client, world).post(reverse("staff:user_role", args=[clerk.pk]), {"role": "team_lead"})
    r = client.post(reverse("staff:user_role_reject", args=[clerk.pk]))  # the requester withdraws
    assert r.status_code == 302
    assert user(clerk.username).staff_profile.role == "clerk"
    assert AuditLog.objects.get(action="staff.role_reject").actor == admin_name(world)
    r = client.post(reverse("staff:user_role_approve", args=[clerk.pk]))
    assert r.status_code == 400 and "승인을 기다리는 요청이 없습니다" in text(r)


def test_the_account_owner_cannot_approve_a_request_about_their_own_account(world, client):
    checker = second_admin(world)
    me = world.users["sysadmin"]
    as_user(checker).post(reverse("staff:user_password", args=[me.pk]))  # asked by the other administrator
    r = admin(client, world).post(reverse("staff:user_role_approve", args=[me.pk]))
    assert r.status_code == 400 and "자기 계정에 대한 요청은 승인할 수 없습니다" in text(r)
    assert user(me.username).check_password(PASSWORD)
    assert not AuditLog.objects.filter(action="staff.password_reset_approve").exists()


def test_the_administrator_holds_no_data_role():
    admin_roles = [r for r in ROLES if "manage_users" in r.permissions]
    assert [r.code for r in admin_roles] == ["sysadmin"]
    assert not ROLE_BY_CODE["sysadmin"].permissions & DATA_PERMISSIONS
    assert DATA_ROLES == {"clerk", "team_lead", "section_chief", "committee_member", "auditor"}
    assert "sysadmin" not in DATA_ROLES and not ROLE_BY_CODE["none"].permissions & DATA_PERMISSIONS


def test_one_administrator_alone_cannot_make_and_approve_a_campaign(world, client):
    """The issue's scenario: a 시스템관리자 makes a 담당자 and resets the 팀장's password, then tries to prepare and
    approve a campaign alone. No password or usable link ever reaches them, and no role arrives without a second
    administrator."""
    team_lead = world.users["team_lead"]
    admin(client, world)
    r = client.post(reverse("staff:user_new"), {"username": "puppet-11260", "display_name": "가짜", "role": "clerk"})
    assert r.status_code == 200 and "/staff/setup/" not in text(r)
    r = client.post(reverse("staff:user_password", args=[team_lead.pk]))
    assert r.status_code == 302 and "/staff/setup/" not in text(client.get(r["Location"]))
    assert user(team_lead.username).check_password(PASSWORD)  # untouched until a second administrator approves
    # approving either request alone is refused
    for u in (user("puppet-11260"), team_lead):
        assert client.post(reverse("staff:user_role_approve", args=[u.pk])).status_code == 400
    puppet = user("puppet-11260")
    assert not puppet.has_usable_password() and puppet.staff_profile.role == "none"
    assert not AccountSetupToken.objects.exists()
    # the administrator's own session cannot prepare or approve campaigns either
    assert client.get(reverse("staff:campaign_new")).status_code == 403
    assert client.post(reverse("staff:campaign_approve", args=[1])).status_code == 403


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


def test_a_password_reset_is_approved_by_a_second_admin_who_gets_the_link_and_the_owner_is_told(
        world, client, console_clock):
    lead = world.users["team_lead"]
    checker = second_admin(world)
    session, r = login(lead.username, PASSWORD)  # the team lead is logged in before the reset
    assert logged_in(r)
    r = admin(client, world).post(reverse("staff:user_password", args=[lead.pk]))
    assert r.status_code == 302
    assert "비밀번호 초기화 요청을 남겼습니다" in text(client.get(r["Location"]))
    assert user(lead.username).check_password(PASSWORD)  # nothing changed yet
    assert AuditLog.objects.get(action="staff.password_reset_request").actor == admin_name(world)
    # the checker approves: the old password and the open session stop, the checker sees the link once
    r = as_user(checker).post(reverse("staff:user_role_approve", args=[lead.pk]))
    assert r.status_code == 200 and "no-store" in r["Cache-Control"]
    no_inline(r)
    link = shown_link(r)
    u = user(lead.username)
    assert not u.has_usable_password()
    assert session.get(reverse("staff:home")).status_code == 302  # logged out
    _, r = login(lead.username, PASSWORD)
    assert not logged_in(r) and "아이디 또는 비밀번호가 맞지 않습니다" in text(r)
    reset = AuditLog.objects.get(action="staff.password_reset")
    assert reset.actor == checker.username and reset.detail["requested_by"] == admin_name(world)
    assert AuditLog.objects.get(action="staff.password_reset_approve").actor == checker.username
    assert "/staff/setup/" not in text(client.get(reverse("staff:user_detail", args=[lead.pk])))
    # the owner sets a new password with the link and, at the next login, is told who reset it and when
    assert set_password(link).status_code == 302
    c, r = login(lead.username, NEW_PASSWORD, ip="10.0.0.8")
    assert logged_in(r)
    home = text(c.get(reverse("staff:home")))
    when = console_clock.now().strftime("%Y. %-m. %-d. %H:%M").replace(". 0", ". ")
    assert 'id="account-notices"' in home and checker.username in home and admin_name(world) in home
    assert "비밀번호를 초기화했습니다" in home and when in home
    notice = AccountNotice.objects.get(user=u)
    assert notice.actor == checker.username and notice.requested_by == admin_name(world) and notice.seen_at
    # shown once on the first screen, always on the account page
    assert 'id="account-notices"' not in text(c.get(reverse("staff:home")))
    mine = text(c.get(reverse("staff:account")))
    assert "비밀번호를 초기화했습니다" in mine and checker.username in mine


def test_an_admin_resetting_their_own_password_gets_the_link_and_stays_logged_in(world, client):
    me = world.users["sysadmin"]
    r = admin(client, world).post(reverse("staff:user_password", args=[me.pk]))
    assert r.status_code == 200
    link = shown_link(r)
    assert client.get(reverse("staff:users")).status_code == 200
    assert not AccountNotice.objects.exists()  # nobody else did it
    assert set_password(link).status_code == 302
    assert logged_in(login(me.username, NEW_PASSWORD)[1])


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
    for name in ("user_detail", "user_role", "user_role_approve", "user_role_reject", "user_deactivate",
                 "user_activate", "user_password", "user_unlock"):
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


def test_anyone_changes_their_own_password_after_giving_the_current_one(world):
    clerk = world.users["clerk"]
    session, r = login(clerk.get_username(), PASSWORD)
    assert logged_in(r)
    url = reverse("staff:account_password")
    assert url in text(session.get(reverse("staff:account")))
    page = session.get(url)
    assert page.status_code == 200
    no_inline(page)
    # the current password is checked, the policy applies (length, like the username, common, digits only)
    wrong = session.post(url, {"old_password": "틀린-비밀번호-9999", "new_password1": "새-비밀번호-가나다-2026",
                               "new_password2": "새-비밀번호-가나다-2026"})
    assert wrong.status_code == 400 and "지금 비밀번호가 맞지 않습니다." in text(wrong)
    for weak in ("짧은비번1", "1234567890123", "password123", clerk.get_username() + "1"):
        r = session.post(url, {"old_password": PASSWORD, "new_password1": weak, "new_password2": weak})
        assert r.status_code == 400, weak
    mismatch = session.post(url, {"old_password": PASSWORD, "new_password1": "새-비밀번호-가나다-2026",
                                  "new_password2": "새-비밀번호-가나다-2027"})
    assert "두 비밀번호가 같지 않습니다." in text(mismatch)
    assert not AuditLog.objects.filter(action="staff.password_change").exists()
    done = session.post(url, {"old_password": PASSWORD, "new_password1": "새-비밀번호-가나다-2026",
                              "new_password2": "새-비밀번호-가나다-2026"})
    assert done.status_code == 302 and done["Location"] == reverse("staff:account")
    assert "비밀번호를 바꿨습니다." in text(session.get(done["Location"]))  # still signed in
    row = AuditLog.objects.get(action="staff.password_change")
    assert row.actor == clerk.get_username() and "새-비밀번호" not in str(row.detail)
    assert not logged_in(login(clerk.get_username(), PASSWORD)[1])
    assert logged_in(login(clerk.get_username(), "새-비밀번호-가나다-2026")[1])
